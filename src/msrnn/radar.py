r"""Radar unit conversions: rain rate (mm/h) <-> reflectivity (dBZ) <-> pixel value in [0, 1].

A Z–R relation links the reflectivity factor :math:`Z` (mm⁶/m³) to the rain rate :math:`R` (mm/h),
and a pixel encoding maps reflectivity in dBZ linearly to the stored pixel value:

.. math::
    Z = a R^b, \qquad \mathrm{dBZ} = 10 \log_{10} Z = 10 \log_{10} a + 10 b \log_{10} R,
    \qquad R = 10^{(\mathrm{dBZ} - 10 \log_{10} a) / (10 b)},

.. math::
    p = \frac{\mathrm{dBZ} + \mathrm{offset}}{\mathrm{scale}}
    \ (\text{clipped to } [0, 1] \text{ when the encoding clips}), \qquad
    \mathrm{dBZ} = \mathrm{scale} \cdot p - \mathrm{offset}.

The named conventions are those of the MS-RNN evaluation code:

============  ====================  ========================  =================================
name          Z–R relation          pixel encoding            pixel thresholds, 0.5/2/5/10/30
============  ====================  ========================  =================================
``hko-7``     58.53 R^1.56 (HKO)    (dBZ + 10) / 70           0.3283 0.4624 0.5511 0.6182 0.7245
``dwd``       256 R^1.42 (DWD)      clip((dBZ + 10) / 70)     0.4258 0.5480 0.6287 0.6897 0.7865
``meteonet``  200 R^1.6 (M.–P.)     clip(dBZ / 70)            0.2599 0.3975 0.4885 0.5573 0.6663
``rain-f``    200 R^1.6 (M.–P.)     clip(dBZ / 70)            as ``meteonet``
``brasil``    300 R^1.4             clip(dBZ / 60)            0.3426 0.4831 0.5759 0.6462 0.7575
============  ====================  ========================  =================================

The HKO-7 encoding is left unclipped, as MS-RNN's helper (the HKO-7 benchmark code clips); the
two agree on [0, 1], and :func:`rain_thresholds_to_pixels` refuses rates that fall outside it.
The official code uses the HKO-7 convention for every non-radar dataset too. Conversions accept a
Python number (and return a ``float``) or a tensor (and return a tensor of its floating dtype on
its device).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TypeVar

import torch
from torch import Tensor

Value = TypeVar("Value", float, Tensor)
_Entry = TypeVar("_Entry")


def _elementwise(value: Value, fn: Callable[[Tensor], Tensor]) -> Value:
    """Apply ``fn`` to a tensor (floating dtype kept) or to a number (in float64, as ``float``)."""
    if isinstance(value, Tensor):
        return fn(value if value.is_floating_point() else value.to(torch.get_default_dtype()))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return fn(torch.tensor(float(value), dtype=torch.float64)).item()
    raise TypeError(
        f"expected a float or a torch.Tensor, got {type(value).__name__}; "
        "convert arrays with torch.as_tensor first"
    )


@dataclass(frozen=True)
class ZRRelation:
    r"""Power-law Z–R relation :math:`Z = a R^b` (Z in mm⁶/m³, R in mm/h).

    Args:
        a: multiplicative coefficient, > 0.
        b: exponent, > 0.

    Raises:
        ValueError: if ``a`` or ``b`` is not a positive finite number.

    Example:
        >>> round(ZRRelation(a=200.0, b=1.6).rain_to_dbz(1.0), 4)
        23.0103
    """

    a: float
    b: float

    def __post_init__(self) -> None:
        for field, value in (("a", self.a), ("b", self.b)):
            if not (math.isfinite(value) and value > 0):
                raise ValueError(
                    f"Z-R coefficient {field} must be positive and finite, got {value}"
                )

    def rain_to_dbz(self, rate: Value) -> Value:
        r"""Reflectivity :math:`10 \log_{10} a + 10 b \log_{10} R` in dBZ of a rain rate in mm/h.

        A rate of 0 gives ``-inf``.

        Raises:
            ValueError: if a rate is negative.
        """

        def convert(r: Tensor) -> Tensor:
            if bool((r < 0).any()):
                raise ValueError(
                    f"rain rates must be >= 0 mm/h, got a minimum of {r.min().item():g}"
                )
            return 10.0 * math.log10(self.a) + 10.0 * self.b * torch.log10(r)

        return _elementwise(rate, convert)

    def dbz_to_rain(self, dbz: Value) -> Value:
        r"""Rain rate :math:`10^{(\mathrm{dBZ} - 10 \log_{10} a) / (10 b)}` in mm/h."""
        offset, slope = 10.0 * math.log10(self.a), 10.0 * self.b
        return _elementwise(dbz, lambda d: torch.pow(10.0, (d - offset) / slope))


@dataclass(frozen=True)
class PixelEncoding:
    r"""Linear reflectivity-to-pixel encoding :math:`p = (\mathrm{dBZ} + o) / s`.

    Args:
        offset: :math:`o`, dBZ added before scaling (10 for HKO-7/DWD, 0 for the others).
        scale: :math:`s`, dBZ span of the pixel range [0, 1], > 0.
        clip: whether :meth:`dbz_to_pixel` clips to [0, 1].

    Raises:
        ValueError: if ``scale`` is not positive or ``offset`` is not finite.

    Example:
        >>> PixelEncoding(offset=10.0, scale=70.0).dbz_to_pixel(25.0)
        0.5
    """

    offset: float
    scale: float
    clip: bool = True

    def __post_init__(self) -> None:
        if not (math.isfinite(self.scale) and self.scale > 0):
            raise ValueError(f"pixel encoding scale must be positive and finite, got {self.scale}")
        if not math.isfinite(self.offset):
            raise ValueError(f"pixel encoding offset must be finite, got {self.offset}")

    @property
    def dbz_range(self) -> tuple[float, float]:
        """Reflectivities (dBZ) encoded as pixel 0 and pixel 1."""
        return -self.offset, self.scale - self.offset

    def dbz_to_pixel(self, dbz: Value) -> Value:
        """Pixel value of a reflectivity in dBZ (clipped to [0, 1] if :attr:`clip`)."""

        def convert(d: Tensor) -> Tensor:
            pixel = (d + self.offset) / self.scale
            return pixel.clamp(0.0, 1.0) if self.clip else pixel

        return _elementwise(dbz, convert)

    def pixel_to_dbz(self, pixel: Value) -> Value:
        r"""Reflectivity :math:`s \cdot p - o` in dBZ of a pixel value."""
        return _elementwise(pixel, lambda p: self.scale * p - self.offset)


@dataclass(frozen=True)
class RadarConvention:
    """A dataset's Z–R relation and pixel encoding, composed into rain rate <-> pixel conversions.

    Args:
        zr: the Z–R relation.
        encoding: the pixel encoding of reflectivity.

    Example:
        >>> hko = radar_convention("hko-7")
        >>> round(hko.rain_to_pixel(0.5), 4), round(hko.pixel_to_rain(hko.rain_to_pixel(7.0)), 6)
        (0.3283, 7.0)
    """

    zr: ZRRelation
    encoding: PixelEncoding

    @property
    def rain_range(self) -> tuple[float, float]:
        """Rain rates (mm/h) encoded as pixel 0 and pixel 1."""
        low, high = self.encoding.dbz_range
        return self.zr.dbz_to_rain(low), self.zr.dbz_to_rain(high)

    def rain_to_pixel(self, rate: Value) -> Value:
        """Pixel value of a rain rate in mm/h (``rain_to_dbz`` then ``dbz_to_pixel``)."""
        return self.encoding.dbz_to_pixel(self.zr.rain_to_dbz(rate))

    def pixel_to_rain(self, pixel: Value) -> Value:
        """Rain rate in mm/h of a pixel value (``pixel_to_dbz`` then ``dbz_to_rain``)."""
        return self.zr.dbz_to_rain(self.encoding.pixel_to_dbz(pixel))


_ZR_RELATIONS = MappingProxyType(
    {
        "hko-7": ZRRelation(a=58.53, b=1.56),
        "dwd": ZRRelation(a=256.0, b=1.42),
        "marshall-palmer": ZRRelation(a=200.0, b=1.6),
        "brasil": ZRRelation(a=300.0, b=1.4),
    }
)

_CONVENTIONS = MappingProxyType(
    {
        "hko-7": RadarConvention(_ZR_RELATIONS["hko-7"], PixelEncoding(10.0, 70.0, clip=False)),
        "dwd": RadarConvention(_ZR_RELATIONS["dwd"], PixelEncoding(10.0, 70.0)),
        "meteonet": RadarConvention(_ZR_RELATIONS["marshall-palmer"], PixelEncoding(0.0, 70.0)),
        "rain-f": RadarConvention(_ZR_RELATIONS["marshall-palmer"], PixelEncoding(0.0, 70.0)),
        "brasil": RadarConvention(_ZR_RELATIONS["brasil"], PixelEncoding(0.0, 60.0)),
    }
)

_ALIASES = MappingProxyType({"hko": "hko-7", "mp": "marshall-palmer"})


def _lookup(table: Mapping[str, _Entry], name: str, kind: str) -> _Entry:
    key = name.strip().lower().replace("_", "-")
    key = _ALIASES.get(key, key)
    if key not in table:
        raise ValueError(f"unknown {kind} {name!r}; known: {', '.join(sorted(table))}")
    return table[key]


def zr_relation(name: str) -> ZRRelation:
    """The named Z–R relation: ``hko-7`` (alias ``hko``), ``dwd``, ``marshall-palmer``
    (alias ``mp``) or ``brasil``; case-insensitive, ``_`` accepted for ``-``.

    Raises:
        ValueError: for an unknown name, listing the known ones.

    Example:
        >>> zr_relation("Marshall_Palmer")
        ZRRelation(a=200.0, b=1.6)
    """
    return _lookup(_ZR_RELATIONS, name, "Z-R relation")


def radar_convention(name: str) -> RadarConvention:
    """The named dataset convention (see the module table); case-insensitive.

    Raises:
        ValueError: for an unknown name, listing the known ones.

    Example:
        >>> radar_convention("DWD").encoding
        PixelEncoding(offset=10.0, scale=70.0, clip=True)
    """
    return _lookup(_CONVENTIONS, name, "radar convention")


def list_radar_conventions() -> list[str]:
    """Names accepted by :func:`radar_convention` (aliases excluded), sorted.

    Example:
        >>> list_radar_conventions()
        ['brasil', 'dwd', 'hko-7', 'meteonet', 'rain-f']
    """
    return sorted(_CONVENTIONS)


def rain_thresholds_to_pixels(
    rates: Sequence[float], convention: str | RadarConvention = "hko-7"
) -> tuple[float, ...]:
    """Pixel thresholds of rain-rate thresholds (mm/h) under a dataset's convention.

    Args:
        rates: rain-rate thresholds in mm/h, each > 0.
        convention: a :func:`radar_convention` name or a :class:`RadarConvention`.

    Returns:
        One pixel threshold per rate, in the order given.

    Raises:
        ValueError: if ``rates`` is empty, a rate is not positive, or a rate lies outside the
            range the encoding can represent (its pixel value would be outside [0, 1], so the
            threshold would be met by every pixel or by none).

    Example:
        >>> [round(p, 4) for p in rain_thresholds_to_pixels([0.5, 2, 5, 10, 30], "dwd")]
        [0.4258, 0.548, 0.6287, 0.6897, 0.7865]
    """
    conv = radar_convention(convention) if isinstance(convention, str) else convention
    if len(rates) == 0:
        raise ValueError("rates must contain at least one rain-rate threshold in mm/h")
    low, high = conv.rain_range
    pixels = []
    for rate in rates:
        if not rate > 0:
            raise ValueError(f"rain-rate thresholds must be > 0 mm/h, got {rate}")
        if not low <= rate <= high:
            raise ValueError(
                f"rain rate {rate} mm/h is outside the range this encoding represents "
                f"({low:.4g} to {high:.4g} mm/h, pixel 0 to 1); choose a threshold inside it"
            )
        pixels.append(conv.rain_to_pixel(float(rate)))
    return tuple(pixels)
