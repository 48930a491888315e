import numpy as np
import pytest

from msrnn.data.taxibj import TaxiBJ, read_taxibj, split_windows, window_ends
from tests.data.fixtures import write_h5
from tests.data.fixtures_taxibj import taxibj_dates, write_taxibj_release

SMALL = {"test_samples": 48, "val_samples": 24}
BJ16 = "BJ16_M32x32_T30_InOut.h5"


@pytest.fixture
def release(tmp_path):
    return tmp_path / "TaxiBJ", write_taxibj_release(tmp_path / "TaxiBJ")


def test_incomplete_days_dropped_and_files_concatenated(release):
    root, _ = release
    flows = read_taxibj(root)
    # BJ13: days 1 and 3 (day 2 lacks slot 17); BJ14: 2 days (partial 3rd dropped); BJ15: 2; BJ16: 3
    assert flows.frames.shape == (96 + 96 + 96 + 144, 2, 4, 4)
    assert flows.frames.dtype == np.float32 and flows.dropped_days == 2
    assert flows.frames.min() == 0.0  # the negative inflow was set to 0
    # 40 + 40 (BJ13: two separate days) + 88 + 88 + 136 samples of 8 frames
    assert len(window_ends(flows.slots, 8)) == 392


def test_split_sizes_order_and_frame_disjointness(release):
    root, _ = release
    flows = read_taxibj(root)
    splits = {s: TaxiBJ(flows, split=s, **SMALL) for s in ("train", "val", "test")}
    # 392 samples: test = last 48; val = 24 before, minus the 7 that share frames with test;
    # train = the remaining 320 minus the 7 that share frames with val.
    assert {s: len(d) for s, d in splits.items()} == {"train": 313, "val": 17, "test": 48}
    assert splits["train"].timestamps(0) == [f"20130701{s:02d}" for s in range(1, 9)]
    assert splits["train"].timestamps(-1) == [f"20160302{s:02d}" for s in range(9, 17)]
    assert splits["val"].timestamps(0) == [f"20160302{s:02d}" for s in range(17, 25)]
    assert splits["val"].timestamps(-1) == [f"20160302{s:02d}" for s in range(33, 41)]
    assert splits["test"].timestamps(0) == [f"20160302{s:02d}" for s in range(41, 49)]
    assert splits["test"].timestamps(-1) == [f"20160303{s:02d}" for s in range(40, 48)]
    ends = {s: d.ends for s, d in splits.items()}
    assert ends["train"].max() <= ends["val"].min() - 8 and ends["val"].max() <= ends["test"][0] - 8


def test_min_max_fitted_on_training_frames_and_float_values_kept(release):
    root, written = release
    train, test = (TaxiBJ(root, split=s, **SMALL) for s in ("train", "test"))
    data16 = written[BJ16][0]
    # the last training sample ends with BJ16 frame 63; its outflow holds the training maximum
    lo, hi = 0.0, float(data16[63, 1].max())
    assert train.value_range == pytest.approx((lo, hi)) and test.value_range == train.value_range
    assert train.info.value_range == train.value_range and train.info.units.startswith("taxis")
    first = train[0].numpy()
    assert first.shape == (8, 1, 4, 4) and first.dtype == np.float32
    assert np.all(first[0] == 0.0)  # the clamped negative frame
    np.testing.assert_allclose(
        first[1:, 0], written["BJ13_M32x32_T30_InOut.h5"][0][1:8, 0] / hi, rtol=1e-6
    )
    last = test[-1].numpy()
    np.testing.assert_allclose(last[:, 0], data16[135:143, 0] / hi, rtol=1e-6)
    assert last.max() > 1.0  # beyond the training maximum: kept as a float, no wrap-around


def test_both_flows_outflow_and_reverse_time(release):
    root, written = release
    flows = read_taxibj(root)
    both = TaxiBJ(flows, split="test", flows="both", **SMALL)
    outflow = TaxiBJ(flows, split="test", flows="outflow", **SMALL)
    reverse = TaxiBJ(flows, split="test", reverse_time=True, **SMALL)
    assert both[0].shape == (8, 2, 4, 4) and both.info.channels == 2
    np.testing.assert_array_equal(outflow[0][:, 0], both[0][:, 1])
    np.testing.assert_array_equal(reverse[0].numpy(), both[0].numpy()[::-1, :1])
    assert reverse.timestamps(0)[0] == "2016030248" and reverse.timestamps(0)[-1] == "2016030241"
    hi = both.value_range[1]
    np.testing.assert_allclose(both[0].numpy()[0, 1], written[BJ16][0][88, 1] / hi, rtol=1e-6)


def test_split_windows_by_hand():
    ends = np.arange(2, 12)  # ten samples of 2 frames ending at 2..11
    splits = split_windows(ends, 2, test_samples=3, val_samples=3)
    assert splits["test"].tolist() == [9, 10, 11]
    assert splits["val"].tolist() == [6, 7]  # 8 shares frame 7 with the first test sample
    assert splits["train"].tolist() == [2, 3, 4]
    with pytest.raises(ValueError, match="must leave training samples out of 10"):
        split_windows(ends, 2, test_samples=7, val_samples=3)


def test_missing_folder_files_and_bad_counts(release, tmp_path):
    root, _ = release
    with pytest.raises(FileNotFoundError, match="TaxiBJ folder not found"):
        read_taxibj(tmp_path / "nowhere")
    (root / "BJ15_M32x32_T30_InOut.h5").unlink()
    with pytest.raises(FileNotFoundError, match=r"\['BJ15_M32x32_T30_InOut.h5'\] not found"):
        read_taxibj(root)
    flows = read_taxibj(root, files=["BJ13_M32x32_T30_InOut.h5", BJ16])
    with pytest.raises(ValueError, match="'val' split is empty: val_samples=5"):
        TaxiBJ(flows, split="val", test_samples=48, val_samples=5)
    with pytest.raises(ValueError, match="flows must be one of"):
        TaxiBJ(flows, flows="net")
    with pytest.raises(ValueError, match="split must be one of 'train', 'val', 'test', got 'all'"):
        TaxiBJ(flows, split="all")
    with pytest.raises(ValueError, match="seq_len must be at least 1"):
        TaxiBJ(flows, seq_len=0)
    with pytest.raises(ValueError, match="go back in time"):
        read_taxibj(root, files=[BJ16, "BJ13_M32x32_T30_InOut.h5"])


def test_corrupt_truncated_and_non_hdf5_files(release):
    root, _ = release
    path = root / BJ16
    path.write_bytes(path.read_bytes()[:600])
    with pytest.raises(ValueError, match=r"not a readable HDF5 file \(corrupt or truncated"):
        read_taxibj(root)
    path.write_text("date,data\n")
    with pytest.raises(ValueError, match="not a readable HDF5 file"):
        read_taxibj(root)


def _one_file(root, **datasets):
    root.mkdir(exist_ok=True)
    write_h5(root / "BJ.h5", datasets)
    return lambda: read_taxibj(root, files=["BJ.h5"])


def test_missing_keys_wrong_shapes_nan_and_bad_dates(tmp_path):
    import datetime

    dates = taxibj_dates(datetime.date(2014, 3, 1), 1)
    good = np.ones((48, 2, 4, 4))
    with pytest.raises(ValueError, match=r"no dataset\(s\) \['date'\] \(found \['data'\]\)"):
        _one_file(tmp_path / "a", data=good)()
    with pytest.raises(ValueError, match=r"'data' must be numeric \(T, 2, H, W\), got float64"):
        _one_file(tmp_path / "b", data=np.ones((48, 3, 4, 4)), date=dates)()
    with pytest.raises(ValueError, match=r"one b'YYYYMMDDSS' string per frame of 'data' \(48\)"):
        _one_file(tmp_path / "c", data=good, date=dates[:40])()
    nan = good.copy()
    nan[5, 1, 2, 2] = np.nan
    with pytest.raises(ValueError, match=r"1 frame\(s\) hold NaN .* first at b'2014030106'"):
        _one_file(tmp_path / "d", data=nan, date=dates)()
    bad = dates.copy()
    bad[3] = b"2014130104"
    with pytest.raises(ValueError, match=r"date 3 is b'2014130104', expected b'YYYYMMDDSS'"):
        _one_file(tmp_path / "e", data=good, date=bad)()
    bad[3] = b"2014030149"
    with pytest.raises(ValueError, match=r"slot 49 outside 1\.\.48"):
        _one_file(tmp_path / "f", data=good, date=bad)()
    with pytest.raises(ValueError, match="hold no complete day"):
        _one_file(tmp_path / "g", data=good[:47], date=dates[:47])()


def test_files_of_different_frame_sizes_raise(tmp_path):
    import datetime

    write_h5(
        tmp_path / "a.h5",
        {"data": np.ones((48, 2, 4, 4)), "date": taxibj_dates(datetime.date(2014, 3, 1), 1)},
    )
    write_h5(
        tmp_path / "b.h5",
        {"data": np.ones((48, 2, 8, 8)), "date": taxibj_dates(datetime.date(2014, 3, 2), 1)},
    )
    with pytest.raises(ValueError, match="different frame shapes"):
        read_taxibj(tmp_path, files=["a.h5", "b.h5"])
