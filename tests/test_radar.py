"""Radar unit conversions: the published threshold table, round trips, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from msrnn.radar import (
    PixelEncoding,
    RadarConvention,
    ZRRelation,
    list_radar_conventions,
    radar_convention,
    rain_thresholds_to_pixels,
    zr_relation,
)

RATES = (0.5, 2.0, 5.0, 10.0, 30.0)

# the published pixel thresholds for 0.5 / 2 / 5 / 10 / 30 mm/h.
PUBLISHED = {
    "hko-7": (0.3283, 0.4624, 0.5511, 0.6182, 0.7245),
    "dwd": (0.4258, 0.5480, 0.6287, 0.6897, 0.7865),
    "meteonet": (0.2599, 0.3975, 0.4885, 0.5573, 0.6663),
    "rain-f": (0.2599, 0.3975, 0.4885, 0.5573, 0.6663),
    "brasil": (0.3426, 0.4831, 0.5759, 0.6462, 0.7575),
}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_published_threshold_table(name):
    pixels = rain_thresholds_to_pixels(RATES, name)
    assert [round(p, 4) for p in pixels] == list(PUBLISHED[name])


def test_hko_dbz_values_of_data_spec():
    hko = zr_relation("hko-7")
    dbz = [round(hko.rain_to_dbz(r), 2) for r in RATES]
    assert dbz == [12.98, 22.37, 28.58, 33.27, 40.72]
    assert radar_convention("hko").pixel_to_rain(1.0) == pytest.approx(516.68, abs=0.01)


def test_preset_coefficients():
    assert zr_relation("hko") == ZRRelation(a=58.53, b=1.56)
    assert zr_relation("DWD") == ZRRelation(a=256.0, b=1.42)
    assert zr_relation("marshall_palmer") == ZRRelation(a=200.0, b=1.6)
    assert zr_relation("brasil") == ZRRelation(a=300.0, b=1.4)
    assert radar_convention("brasil").encoding == PixelEncoding(offset=0.0, scale=60.0)
    assert not radar_convention("hko-7").encoding.clip


def test_float_and_tensor_agree_and_round_trip():
    conv = radar_convention("dwd")
    rates = torch.tensor([0.01, 0.5, 3.0, 42.0, 300.0], dtype=torch.float64)
    pixels = conv.rain_to_pixel(rates)
    assert pixels.dtype == torch.float64
    assert pixels.tolist() == pytest.approx([conv.rain_to_pixel(float(r)) for r in rates])
    torch.testing.assert_close(conv.pixel_to_rain(pixels), rates)
    assert conv.pixel_to_rain(conv.rain_to_pixel(7.5)) == pytest.approx(7.5)
    zr = zr_relation("brasil")
    assert zr.dbz_to_rain(zr.rain_to_dbz(12.0)) == pytest.approx(12.0)
    enc = PixelEncoding(offset=10.0, scale=70.0)
    assert enc.pixel_to_dbz(enc.dbz_to_pixel(33.0)) == pytest.approx(33.0)


def test_tensor_dtype_and_integer_inputs():
    conv = radar_convention("hko-7")
    assert conv.rain_to_pixel(torch.tensor([1.0], dtype=torch.float32)).dtype == torch.float32
    assert conv.rain_to_pixel(torch.tensor([1, 2])).is_floating_point()
    assert isinstance(conv.rain_to_pixel(2), float)


def test_clipping_follows_the_encoding():
    assert radar_convention("dwd").rain_to_pixel(1000.0) == 1.0
    assert radar_convention("hko-7").rain_to_pixel(1000.0) > 1.0
    assert radar_convention("meteonet").rain_to_pixel(0.0) == 0.0
    assert radar_convention("hko-7").zr.rain_to_dbz(0.0) == -math.inf


def test_negative_rate_is_rejected():
    zr = zr_relation("hko")
    with pytest.raises(ValueError, match="rain rates must be >= 0 mm/h"):
        zr.rain_to_dbz(-1.0)
    with pytest.raises(ValueError, match=r"minimum of -0.5"):
        radar_convention("dwd").rain_to_pixel(torch.tensor([1.0, -0.5]))


def test_unknown_names_list_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown radar convention 'sevir'.*brasil, dwd, hko-7"):
        radar_convention("sevir")
    with pytest.raises(ValueError, match="known: brasil, dwd, hko-7, marshall-palmer"):
        zr_relation("nope")
    assert list_radar_conventions() == ["brasil", "dwd", "hko-7", "meteonet", "rain-f"]


def test_threshold_errors():
    with pytest.raises(ValueError, match="at least one"):
        rain_thresholds_to_pixels([], "hko-7")
    with pytest.raises(ValueError, match="must be > 0 mm/h"):
        rain_thresholds_to_pixels([0.0], "hko-7")
    with pytest.raises(ValueError, match=r"outside the range .* 516.7 mm/h"):
        rain_thresholds_to_pixels([600.0], "hko-7")
    with pytest.raises(ValueError, match="outside the range"):
        rain_thresholds_to_pixels([0.001], "dwd")


def test_custom_convention_object():
    conv = RadarConvention(ZRRelation(a=200.0, b=1.6), PixelEncoding(offset=0.0, scale=70.0))
    assert rain_thresholds_to_pixels([2.0], conv) == rain_thresholds_to_pixels([2.0], "meteonet")


def test_invalid_dataclass_arguments_and_types():
    with pytest.raises(ValueError, match="coefficient a must be positive"):
        ZRRelation(a=0.0, b=1.6)
    with pytest.raises(ValueError, match="scale must be positive"):
        PixelEncoding(offset=0.0, scale=-70.0)
    with pytest.raises(TypeError, match=r"convert arrays with torch.as_tensor"):
        zr_relation("dwd").rain_to_dbz(np.array([1.0]))
