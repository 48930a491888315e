"""DWD: RADOLAN binaries, the RYDL HDF5 archive, PNG frames, unit handling, conversions, errors."""

from __future__ import annotations

import gzip
from datetime import datetime, timedelta

import h5py
import numpy as np
import pytest

from msrnn.data.dwd import (
    RYDL,
    DWDPngFrames,
    RadolanFolder,
    radolan_filename,
    read_radolan,
    write_radolan,
    write_rydl,
)
from msrnn.data.dwd.radolan import parse_header
from msrnn.data.radar.encoding import rain_to_pixels
from msrnn.data.radar.png import write_png_gray
from msrnn.data.synthetic_radar import SyntheticRain, write_synthetic_archive
from msrnn.radar import radar_convention, rain_thresholds_to_pixels

DWD = radar_convention("dwd")
RATES = (0.5, 2.0, 5.0, 10.0, 30.0)
PUBLISHED_DBZ = (19.81, 28.36, 34.01, 38.28, 45.06)  # published dBZ thresholds
PUBLISHED = (0.4258, 0.5480, 0.6287, 0.6897, 0.7865)  # published DWD thresholds
TIME = datetime(2016, 5, 29, 14, 5)
FIVE_MINUTES = timedelta(minutes=5)


def test_thresholds_match_the_published_table():
    assert [round(DWD.zr.rain_to_dbz(r), 2) for r in RATES] == list(PUBLISHED_DBZ)
    assert [round(p, 4) for p in rain_thresholds_to_pixels(RATES, DWD)] == list(PUBLISHED)
    assert [round(p, 4) for p in rain_to_pixels(np.array(RATES), DWD)] == list(PUBLISHED)
    assert DWD.pixel_to_rain(1.0) == pytest.approx(338.0, abs=0.5)
    assert rain_to_pixels(np.zeros(2), DWD).tolist() == [0.0, 0.0]


# ------------------------------------------------------------------------------------ RADOLAN
def test_published_header_example_parses():
    text = b"RY291405100000516BY1620092VS 3SW   2.21.0PR E-02INT   5GP 900x 900"
    text += b"MF 00000001MS 10<boo,ros>"
    header, offset = parse_header(text + b"\x03", "example")
    assert (header.product, header.time, header.rows, header.cols) == ("RY", TIME, 900, 900)
    assert (header.interval_minutes, header.precision) == (5, 0.01)
    assert header.total_bytes == offset + 900 * 900 * 2  # BY = header + ETX + payload


def test_radolan_round_trip_with_flags_and_orientation(tmp_path):
    values = np.arange(12, dtype=np.float64).reshape(3, 4) * 0.37  # mm per 5 min, north-up
    values[0, 1] = -0.5
    nodata = np.zeros((3, 4), bool)
    nodata[2, 3] = True
    clutter = np.zeros((3, 4), bool)
    clutter[1, 0] = True
    path = write_radolan(tmp_path / "ry.bin", values, time=TIME, nodata=nodata, clutter=clutter)
    composite = read_radolan(path)
    assert composite.header.total_bytes == path.stat().st_size
    valid = ~(nodata | clutter)
    np.testing.assert_allclose(composite.data[valid], np.round(values[valid], 2), atol=1e-6)
    assert np.isnan(composite.data[~valid]).all()
    assert np.array_equal(composite.nodata, nodata) and np.array_equal(composite.clutter, clutter)
    np.testing.assert_allclose(
        composite.rain_rate()[0, 2], np.round(values[0, 2], 2) * 12, rtol=1e-6
    )
    # the file stores the southernmost row first; DWD writes no-data as 0x29C4
    words = np.frombuffer(path.read_bytes()[-24:], "<u2").reshape(3, 4)
    assert words[0, 3] == 0x29C4 and words[2, 2] == round(values[0, 2] * 100)


def test_gzip_and_reflectivity_products(tmp_path):
    dbz = np.array([[-32.5, 0.0], [22.5, 60.0]])
    path = write_radolan(tmp_path / "rx.bin.gz", dbz, time=TIME, product="RX")
    composite = read_radolan(path)
    assert composite.header.product == "RX" and composite.header.reflectivity
    np.testing.assert_allclose(composite.data, dbz)
    assert gzip.decompress(path.read_bytes())[:2] == b"RX"
    with pytest.raises(ValueError, match="reflectivity"):
        composite.rain_rate()


def test_corrupt_radolan_files(tmp_path):
    path = write_radolan(tmp_path / "ry.bin", np.ones((4, 4)), time=TIME)
    blob = path.read_bytes()
    path.write_bytes(blob[:-3])
    with pytest.raises(ValueError, match="truncated"):
        read_radolan(path)
    path.write_bytes(blob.replace(b"\x03", b" ", 1))
    with pytest.raises(ValueError, match="no RADOLAN header"):
        read_radolan(path)
    path.write_bytes(blob.replace(b"GP", b"XX", 1))
    with pytest.raises(ValueError, match="lacks the token"):
        read_radolan(path)
    path.write_bytes(b"RY999999" + blob[8:])
    with pytest.raises(ValueError, match="unreadable RADOLAN header"):
        read_radolan(path)
    text = blob[: blob.index(b"\x03")].replace(b"BY", b"XX")
    path.write_bytes(text + b"\x03" + blob[len(text) + 1 : -2])
    with pytest.raises(ValueError, match="data bytes"):
        read_radolan(path)
    (tmp_path / "bad.bin.gz").write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="cannot decompress"):
        read_radolan(tmp_path / "bad.bin.gz")
    with pytest.raises(FileNotFoundError):
        read_radolan(tmp_path / "missing.bin")


def test_radolan_writer_refuses_what_it_cannot_encode(tmp_path):
    with pytest.raises(ValueError, match="12-bit"):
        write_radolan(tmp_path / "a.bin", np.full((2, 2), 41.0), time=TIME)
    with pytest.raises(ValueError, match="NaN"):
        write_radolan(tmp_path / "a.bin", np.full((2, 2), np.nan), time=TIME)
    with pytest.raises(ValueError, match="power of ten"):
        write_radolan(tmp_path / "a.bin", np.ones((2, 2)), time=TIME, precision=0.02)


@pytest.fixture
def radolan_folder(tmp_path):
    rain = SyntheticRain(size=10, seq_len=4, seed=2)
    write_synthetic_archive(tmp_path / "ry", "radolan", rain=rain)
    return tmp_path / "ry"


def test_radolan_folder_splits_by_year_crops_and_fills_no_data(radolan_folder):
    sizes = {
        s: len(RadolanFolder(radolan_folder, split=s, frame_step=1, seq_len=4))
        for s in ("train", "val", "test")
    }
    assert sizes == {"train": 2, "val": 1, "test": 1}
    data = RadolanFolder(
        radolan_folder, split="test", seq_len=2, frame_step=2, crop=(2, 1, 6, 8), size=4
    )
    assert data[0].shape == (2, 1, 4, 4) and data.name == "dwd-ry"
    assert data.window_times(0)[1] - data.window_times(0)[0] == 2 * FIVE_MINUTES
    path = radolan_folder / radolan_filename("RY", datetime(2016, 1, 1, 0, 5))
    nodata = np.zeros((10, 10), bool)
    nodata[0] = True
    write_radolan(path, np.ones((10, 10)), time=datetime(2016, 1, 1, 0, 5), nodata=nodata)
    frame = RadolanFolder(radolan_folder, split="test", frame_step=1, seq_len=4, size=None)[0][1, 0]
    assert (frame[0] == 0).all() and (frame[1:] == DWD.rain_to_pixel(12.0)).all()
    with pytest.raises(ValueError, match="missing='zero'"):
        RadolanFolder(radolan_folder, split="test", frame_step=1, seq_len=4, missing="raise")[0]


def test_radolan_folder_errors(radolan_folder, tmp_path):
    with pytest.raises(FileNotFoundError):
        RadolanFolder(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="no RADOLAN files"):
        RadolanFolder(radolan_folder, product="RW")
    wrong = radolan_folder / radolan_filename("RY", datetime(2016, 1, 1, 0, 10))
    wrong.rename(radolan_folder / radolan_filename("RY", datetime(2016, 1, 1, 0, 11)))
    assert len(RadolanFolder(radolan_folder, split="test", frame_step=1, seq_len=2, stride=1)) == 1
    with pytest.raises(ValueError, match="differs from the file name"):
        RadolanFolder(radolan_folder, split="test", frame_step=1, seq_len=1, stride=1)[2]
    write_radolan(radolan_folder / radolan_filename("RW", TIME), np.ones((10, 10)), time=TIME)
    with pytest.raises(ValueError, match="choose one with product="):
        RadolanFolder(radolan_folder)
    with pytest.raises(ValueError, match="overlap"):
        RadolanFolder(
            radolan_folder, product="RY", years={"train": (2014, 2015), "val": (2015, 2015)}
        )
    with pytest.raises(ValueError, match="no frames in 2020"):
        RadolanFolder(radolan_folder, split="test", product="RY", years={"test": (2020, 2021)})


# --------------------------------------------------------------------------------------- RYDL
def rydl(tmp_path, fields: dict, **kwargs):
    return write_rydl(tmp_path / "RYDL.hdf5", fields, **kwargs)


def steps(start: str, count: int, value: float = 1.0, shape=(6, 6)) -> dict:
    first = datetime.strptime(start, "%Y%m%d%H%M")
    return {f"{first + k * FIVE_MINUTES:%Y%m%d%H%M}": np.full(shape, value) for k in range(count)}


def test_rydl_units_splits_and_gaps(tmp_path):
    fields = steps("201401010000", 3, 0.5) | steps("201401010020", 3) | steps("201505050000", 2)
    path = rydl(tmp_path, fields)
    per_five = RYDL(path, split="train", frame_step=1, seq_len=3, size=None)
    per_hour = RYDL(path, split="train", frame_step=1, seq_len=3, size=None, value_units="mm/h")
    assert len(per_five) == 2  # two runs of 3, separated by a 5-minute gap
    assert per_five[0][0, 0, 0, 0].item() == pytest.approx(DWD.rain_to_pixel(6.0), abs=1e-6)
    assert per_hour[0][0, 0, 0, 0].item() == pytest.approx(DWD.rain_to_pixel(0.5), abs=1e-6)
    assert len(RYDL(path, split="val", frame_step=1, seq_len=2)) == 1
    assert RYDL(path, split="val", frame_step=1, seq_len=2, size=4)[0].shape == (2, 1, 4, 4)
    with pytest.raises(ValueError, match="no frames in 2016-2017"):
        RYDL(path, split="test", frame_step=1, seq_len=2)


def test_rydl_keys_file(tmp_path):
    path = rydl(tmp_path, steps("201401010000", 4))
    assert (tmp_path / "RYDL_keys.txt").read_text().startswith("['201401010000'")
    (tmp_path / "RYDL_keys.txt").write_text("['201401010000', '201401010005']")
    assert len(RYDL(path, frame_step=1, seq_len=2)) == 1  # only the listed keys
    (tmp_path / "RYDL_keys.txt").write_text("['201401010000', '201401011200']")
    with pytest.raises(ValueError, match=r"lacks, e\.g\. '201401011200'"):
        RYDL(path, frame_step=1, seq_len=1)
    (tmp_path / "RYDL_keys.txt").write_text("{not a list")
    with pytest.raises(ValueError, match="Python list"):
        RYDL(path, frame_step=1, seq_len=1)
    with pytest.raises(FileNotFoundError, match="keys file"):
        RYDL(path, frame_step=1, seq_len=1, keys_file=tmp_path / "other.txt")


def test_rydl_bad_content(tmp_path):
    fields = steps("201401010000", 3)
    fields["201401010005"][2, 2] = np.nan
    path = rydl(tmp_path, fields, keys_file=False)
    with pytest.raises(ValueError, match="1 NaN/inf"):
        RYDL(path, frame_step=1, seq_len=3)[0]
    assert RYDL(path, frame_step=1, seq_len=3, missing="zero", size=None)[0][1, 0, 2, 2] == 0
    with h5py.File(path, "a") as handle:
        handle["201401010010"][0, 0] = -1.0
    with pytest.raises(ValueError, match="negative rain"):
        RYDL(path, frame_step=1, seq_len=3, missing="zero")[0]
    two_sizes = steps("201401010000", 1) | steps("201401010005", 1, shape=(6, 7))
    bad_size = rydl(tmp_path, two_sizes, keys_file=False)
    with pytest.raises(ValueError, match="same size"):
        RYDL(bad_size, frame_step=1, seq_len=2)[0]
    rydl(tmp_path, {"2014-01-01": np.ones((2, 2))}, keys_file=False)
    with pytest.raises(ValueError, match="is not a YYYYMMDDHHMM time"):
        RYDL(tmp_path / "RYDL.hdf5", frame_step=1, seq_len=1)
    (tmp_path / "RYDL.hdf5").write_bytes(b"\x89HDF\r\n" + bytes(40))
    with pytest.raises(ValueError, match="not a readable HDF5"):
        RYDL(tmp_path / "RYDL.hdf5", frame_step=1, seq_len=1)
    with pytest.raises(ValueError, match="value_units"):
        RYDL(tmp_path / "RYDL.hdf5", value_units="mm")
    with pytest.raises(FileNotFoundError):
        RYDL(tmp_path / "absent.hdf5")


# ---------------------------------------------------------------------------------------- PNG
def test_png_frames_take_every_sixth_frame(tmp_path):
    start = datetime(2017, 3, 1)
    for split in ("train", "test"):
        for k in range(30):
            name = f"{start + k * FIVE_MINUTES:%Y%m%d%H%M}.png"
            write_png_gray(tmp_path / split / name, np.full((8, 8), k, np.uint8))
    data = DWDPngFrames(tmp_path, split="test", seq_len=5, size=4)
    assert len(data) == 1 and data[0].shape == (5, 1, 4, 4)
    assert [round(v * 255) for v in data[0][:, 0, 0, 0].tolist()] == [0, 6, 12, 18, 24]
    assert data.window_times(0)[1] - data.window_times(0)[0] == timedelta(minutes=30)
    assert data.info.radar == DWD
    with pytest.raises(ValueError, match="no gap-free run"):
        DWDPngFrames(tmp_path, split="val", seq_len=5, val_fraction=0.1)
    with pytest.raises(ValueError, match="split must be"):
        DWDPngFrames(tmp_path, split="all")
    with pytest.raises(FileNotFoundError, match="no train/ folder"):
        DWDPngFrames(tmp_path / "test")


# ------------------------------------------------------------------------- optional oracles
def test_radolan_reader_agrees_with_wradlib(tmp_path):
    wradlib = pytest.importorskip("wradlib")
    values = np.linspace(0.0, 3.0, 100 * 120).reshape(100, 120)
    nodata = np.zeros(values.shape, bool)
    nodata[:5] = True
    path = write_radolan(tmp_path / radolan_filename("RY", TIME), values, time=TIME, nodata=nodata)
    data, attrs = wradlib.io.read_radolan_composite(str(path), missing=-9999)
    ours = read_radolan(path)
    assert attrs["datetime"].replace(tzinfo=None) == TIME and attrs["precision"] == 0.01
    expected = np.flipud(np.nan_to_num(ours.data, nan=-9999))  # wradlib keeps south-first rows
    np.testing.assert_allclose(data, expected, atol=1e-6)


def test_dwd_relation_agrees_with_wradlib():
    wradlib = pytest.importorskip("wradlib")
    dbz = np.array(PUBLISHED_DBZ)
    oracle = wradlib.zr.z_to_r(wradlib.trafo.idecibel(dbz), a=256.0, b=1.42)
    np.testing.assert_allclose(oracle, [DWD.zr.dbz_to_rain(float(d)) for d in dbz], rtol=1e-9)


def test_dwd_relation_agrees_with_pysteps():
    conversion = pytest.importorskip("pysteps.utils.conversion")
    rates = np.array(RATES)
    meta = {"unit": "mm/h", "transform": None, "threshold": 0.1, "zerovalue": 0.0}
    meta |= {"accutime": 5.0, "zr_a": 256.0, "zr_b": 1.42}
    dbz, _ = conversion.to_reflectivity(rates, meta)
    np.testing.assert_allclose(dbz, [DWD.zr.rain_to_dbz(r) for r in RATES], rtol=1e-9)
