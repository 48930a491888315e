r"""RADOLAN binary composites of the Deutscher Wetterdienst (DWD): reader and writer.

A file (optionally ``.gz`` / ``.bz2``) is an ASCII header ended by ETX (``0x03``) followed by
``rows · cols`` pixels, row 0 being the **southernmost** row. Header: ``[0:2]``
product (``RY``, ``RW``, ``YW``, ``RX``, ...), ``[2:8]`` ``DDhhmm`` (UTC), ``[8:13]`` ``10000``,
``[13:17]`` ``MMYY``, then the tokens ``BY`` (total file length in bytes), ``VS``, ``SW``,
``PR`` (precision, ``E-02`` = 0.01), ``INT`` (minutes), ``GP`` (``rows x cols``), optional ``MF``,
``MS<...>``.

* Rain products (2 bytes per pixel, little-endian): value :math:`(w \,\&\, \mathrm{0x0FFF})
  \cdot \mathrm{precision}` in **mm per interval** (RY: mm per 5 min, RW: mm per hour); flags
  ``0x1000`` secondary data, ``0x2000`` no data, ``0x4000`` negative, ``0x8000`` clutter.
  :meth:`RadolanComposite.rain_rate` gives mm/h = value · 60 / ``INT``.
* Reflectivity products ``RX``/``EX``/``WX`` (1 byte): :math:`\mathrm{dBZ} = b / 2 - 32.5`,
  ``249`` clutter, ``250`` no data.

Arrays are returned (and written from) **north-up** (row 0 = north), the image convention of the
other radar datasets; no-data and clutter pixels are NaN in ``data`` and flagged in masks.
"""

from __future__ import annotations

import bz2
import gzip
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

REFLECTIVITY_PRODUCTS = frozenset({"RX", "EX", "WX"})
_MAX_HEADER = 4096
_TOKENS = {
    "BY": re.compile(r"BY\s*(\d+)"),
    "PR": re.compile(r"PR\s*E([+-]?\d+)"),
    "INT": re.compile(r"INT\s*(\d+)"),
    "GP": re.compile(r"GP\s*(\d+)\s*x\s*(\d+)"),
}
_NODATA, _NEGATIVE, _CLUTTER, _SECONDARY = 0x2000, 0x4000, 0x8000, 0x1000


@dataclass(frozen=True)
class RadolanHeader:
    """The parsed header: product, time (UTC, naive), grid, interval (min) and precision."""

    product: str
    time: datetime
    rows: int
    cols: int
    interval_minutes: int
    precision: float
    total_bytes: int | None

    @property
    def reflectivity(self) -> bool:
        """Whether pixels are 1-byte reflectivities (dBZ) rather than rain amounts."""
        return self.product in REFLECTIVITY_PRODUCTS


@dataclass(frozen=True)
class RadolanComposite:
    """A decoded composite; arrays ``(rows, cols)``, north-up.

    Attributes:
        header: the parsed header.
        data: float32 mm per interval (rain products) or dBZ (reflectivity); NaN where
            ``nodata`` or ``clutter``.
        nodata: pixels flagged "no data".
        clutter: pixels flagged as clutter.
    """

    header: RadolanHeader
    data: np.ndarray
    nodata: np.ndarray
    clutter: np.ndarray

    def rain_rate(self) -> np.ndarray:
        """Rain rate in mm/h: ``data · 60 / interval`` (NaN kept).

        Raises:
            ValueError: for a reflectivity product.
        """
        if self.header.reflectivity:
            raise ValueError(
                f"{self.header.product} holds reflectivity (dBZ), not rain; convert it with a "
                "Z-R relation"
            )
        return self.data * np.float32(60.0 / self.header.interval_minutes)


def _open(path: Path):
    suffix = path.suffix.lower()
    if suffix in (".gz", ".bz2"):
        return (gzip.open if suffix == ".gz" else bz2.open)(path)
    return path.open("rb")


def parse_header(blob: bytes, source: str) -> tuple[RadolanHeader, int]:
    """The header of a composite and the offset of its first data byte.

    Raises:
        ValueError: no ETX, a non-ASCII header, a bad date, or a missing ``GP``/``INT``/``PR``.
    """
    end = blob.find(b"\x03", 0, _MAX_HEADER)
    if end < 17:
        raise ValueError(
            f"{source}: no RADOLAN header (text ended by byte 0x03) at the start of the file; "
            "it is not a RADOLAN composite or it is truncated"
        )
    try:
        text = blob[:end].decode("ascii")
        time = datetime.strptime(text[2:8] + text[13:17], "%d%H%M%m%y")
    except (UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"{source}: unreadable RADOLAN header {blob[:end]!r}") from error
    tokens = re.sub(r"<[^>]*>", "", text[17:])
    found = {name: pattern.search(tokens) for name, pattern in _TOKENS.items()}
    product = text[:2]
    needed = ("GP", "INT") if product in REFLECTIVITY_PRODUCTS else ("GP", "INT", "PR")
    missing = [name for name in needed if found[name] is None]
    if missing:
        raise ValueError(f"{source}: the RADOLAN header lacks the token(s) {missing}: {text!r}")
    header = RadolanHeader(
        product=product,
        time=time,
        rows=int(found["GP"].group(1)),
        cols=int(found["GP"].group(2)),
        interval_minutes=int(found["INT"].group(1)),
        precision=10.0 ** int(found["PR"].group(1)) if found["PR"] else 1.0,
        total_bytes=int(found["BY"].group(1)) if found["BY"] else None,
    )
    return header, end + 1


def read_radolan(path: str | Path) -> RadolanComposite:
    """Read a RADOLAN composite (``.gz`` / ``.bz2`` decompressed on the fly).

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: corrupt header, a length different from ``BY``, a payload that does not
            hold ``rows · cols`` pixels.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"RADOLAN file not found: {path}")
    try:
        with _open(path) as handle:
            blob = handle.read()
    except (OSError, EOFError) as error:
        raise ValueError(f"{path}: cannot decompress ({error}); the file is corrupt") from error
    header, offset = parse_header(blob, str(path))
    if header.total_bytes is not None and header.total_bytes != len(blob):
        raise ValueError(
            f"{path}: the header announces {header.total_bytes} bytes (BY) but the file has "
            f"{len(blob)}; it is truncated or corrupt"
        )
    width = 1 if header.reflectivity else 2
    expected = header.rows * header.cols * width
    if len(blob) - offset != expected:
        raise ValueError(
            f"{path}: {len(blob) - offset} data bytes, but {header.rows}x{header.cols} pixels of "
            f"{width} byte(s) need {expected}"
        )
    raw = np.frombuffer(blob, "<u2" if width == 2 else np.uint8, offset=offset)
    raw = raw.reshape(header.rows, header.cols)[::-1]
    return _decode(header, raw)


def _decode(header: RadolanHeader, raw: np.ndarray) -> RadolanComposite:
    if header.reflectivity:
        nodata, clutter = raw == 250, raw == 249
        data = raw.astype(np.float32) / 2 - np.float32(32.5)
    else:
        nodata, clutter = (raw & _NODATA) != 0, (raw & _CLUTTER) != 0
        data = (raw & 0x0FFF).astype(np.float32) * np.float32(header.precision)
        data = np.where((raw & _NEGATIVE) != 0, -data, data)
    data = np.where(nodata | clutter, np.float32(np.nan), data).astype(np.float32)
    contiguous = np.ascontiguousarray
    return RadolanComposite(header, data, contiguous(nodata), contiguous(clutter))


def radolan_filename(product: str, time: datetime) -> str:
    """DWD's file name, e.g. ``raa01-ry_10000-1605291405-dwd---bin``."""
    return f"raa01-{product.lower()}_10000-{time:%y%m%d%H%M}-dwd---bin"


def write_radolan(
    path: str | Path,
    values: np.ndarray,
    *,
    time: datetime,
    product: str = "RY",
    interval_minutes: int = 5,
    precision: float = 0.01,
    nodata: np.ndarray | None = None,
    clutter: np.ndarray | None = None,
) -> Path:
    """Write a composite: ``values`` ``(rows, cols)`` north-up, mm per interval (or dBZ for
    ``RX``/``EX``/``WX``, whose ``precision`` is ignored); a ``.gz`` path is gzip-compressed.

    No-data pixels are written as DWD does (``0x29C4`` / ``250``), clutter as ``0x8000`` / ``249``.

    Raises:
        ValueError: a value outside what the product can encode, a precision that is not a power
            of ten, NaN outside ``nodata``.
    """
    path, values = Path(path), np.asarray(values, dtype=np.float64)
    rows, cols = values.shape
    exponent = round(np.log10(precision))
    if not np.isclose(10.0**exponent, precision):
        raise ValueError(f"precision must be a power of ten, got {precision}")
    nodata = np.zeros(values.shape, bool) if nodata is None else np.asarray(nodata, bool)
    clutter = np.zeros(values.shape, bool) if clutter is None else np.asarray(clutter, bool)
    if np.isnan(values[~(nodata | clutter)]).any():
        raise ValueError("values hold NaN outside the nodata/clutter masks; flag those pixels")
    values = np.where(nodata | clutter, 0.0, values)
    if product in REFLECTIVITY_PRODUCTS:
        exponent = 0  # DWD writes "PR E+00" for the 1-byte reflectivity products
        payload = _encode_reflectivity(values, nodata, clutter)
    else:
        payload = _encode_rain(values / 10.0**exponent, nodata, clutter)
    tokens = f"VS 3SW{'msrnn':>9}PR E{exponent:+03d}INT{interval_minutes:4d}GP{rows:4d}x{cols:4d}"
    stem = f"{product}{time:%d%H%M}10000{time:%m%y}"
    total = len(stem) + 2 + 7 + len(tokens) + 1 + len(payload)
    blob = f"{stem}BY{total:7d}{tokens}".encode("ascii") + b"\x03" + payload
    path.parent.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "wb") as handle:
        handle.write(blob)
    return path


def _encode_rain(steps: np.ndarray, nodata: np.ndarray, clutter: np.ndarray) -> bytes:
    magnitude = np.rint(np.abs(steps))
    if magnitude.max(initial=0) > 0x0FFF:
        raise ValueError(
            f"a value of {magnitude.max():.0f} precision steps exceeds the 12-bit range (4095); "
            "use a coarser precision"
        )
    words = magnitude.astype(np.uint16) | np.where(steps < 0, _NEGATIVE, 0).astype(np.uint16)
    words = np.where(nodata, _NODATA | 2500, words)
    words = np.where(clutter, words | _CLUTTER, words).astype("<u2")
    return words[::-1].tobytes()


def _encode_reflectivity(dbz: np.ndarray, nodata: np.ndarray, clutter: np.ndarray) -> bytes:
    raw = np.rint((dbz + 32.5) * 2)
    if raw.min(initial=0) < 0 or raw.max(initial=0) > 248:
        raise ValueError("reflectivities must lie in [-32.5, 91.5] dBZ to fit one byte")
    raw = np.where(nodata, 250, np.where(clutter, 249, raw)).astype(np.uint8)
    return raw[::-1].tobytes()
