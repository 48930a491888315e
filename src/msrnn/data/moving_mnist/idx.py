"""Reader and writer for the IDX format of the MNIST files, plain or gzip-compressed.

An IDX file is a header followed by the array's values in C order:

* 4 magic bytes ``0x00 0x00 <dtype code> <ndim>`` with dtype codes ``0x08`` uint8, ``0x09`` int8,
  ``0x0B`` int16, ``0x0C`` int32, ``0x0D`` float32, ``0x0E`` float64;
* ``ndim`` big-endian ``uint32`` dimensions;
* ``prod(dims)`` values, big-endian.

MNIST images are ``(N, 28, 28)`` uint8 (magic 2051), labels ``(N,)`` uint8 (magic 2049). The
reader checks the magic number, the dtype code and that the payload holds exactly ``prod(dims)``
values, so a truncated or corrupt file fails with a one-line :class:`ValueError` instead of being
silently misread (readers that skip a fixed 16-byte header accept anything).
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

_CODES: dict[int, np.dtype] = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_KINDS: dict[tuple[str, int], int] = {(dt.kind, dt.itemsize): code for code, dt in _CODES.items()}
_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path: str | Path) -> np.ndarray:
    """Reads an IDX file (gzip-compressed or not; detected from its first bytes).

    Args:
        path: the ``.idx*`` or ``.gz`` file.

    Returns:
        The array, in native byte order, with the file's dtype and dimensions.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: the file is not valid gzip, the header is truncated or has a wrong magic
            number / dtype code, or the payload size does not match the dimensions.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file not found: {path}")
    raw = path.read_bytes()
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as err:
            raise ValueError(f"{path} is not a valid gzip file ({err}); re-download it") from err
    dtype, dims, offset = _parse_header(raw, path)
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    payload = len(raw) - offset
    if payload != expected:
        raise ValueError(
            f"{path}: header declares dims {dims} ({expected} bytes of data) but the file holds "
            f"{payload} bytes; the file is truncated or corrupt"
        )
    values = np.frombuffer(raw, dtype=dtype, offset=offset).reshape(dims)
    return values.astype(dtype.newbyteorder("="))


def _parse_header(raw: bytes, path: Path) -> tuple[np.dtype, tuple[int, ...], int]:
    if len(raw) < 4:
        raise ValueError(f"{path}: truncated IDX header ({len(raw)} bytes, need at least 4)")
    zero, code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0:
        raise ValueError(
            f"{path}: bad IDX magic number 0x{raw[:4].hex()} (must start with 0x0000); "
            "not an IDX file"
        )
    if code not in _CODES:
        known = ", ".join(f"0x{c:02X}" for c in _CODES)
        raise ValueError(f"{path}: unknown IDX dtype code 0x{code:02X} (expected one of {known})")
    if ndim == 0:
        raise ValueError(f"{path}: IDX header declares 0 dimensions")
    offset = 4 + 4 * ndim
    if len(raw) < offset:
        raise ValueError(
            f"{path}: truncated IDX header ({len(raw)} bytes, {ndim} dimensions need {offset})"
        )
    dims = struct.unpack(f">{ndim}I", raw[4:offset])
    return _CODES[code], dims, offset


def write_idx(path: str | Path, array: np.ndarray) -> Path:
    """Writes ``array`` as an IDX file, gzip-compressed when ``path`` ends with ``.gz``.

    The gzip header carries no file name or time stamp, so equal arrays give equal bytes.

    Args:
        path: destination file (parent folders must exist).
        array: uint8, int8, int16, int32, float32 or float64 values, at least 1-D.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        ValueError: the dtype has no IDX code or the array is 0-D.

    Example:
        >>> import tempfile
        >>> digits = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = write_idx(Path(folder) / "digits-idx3-ubyte.gz", digits)
        ...     bool((read_idx(path) == digits).all())
        True
    """
    array = np.asarray(array)
    code = _KINDS.get((array.dtype.kind, array.dtype.itemsize))
    if code is None:
        raise ValueError(
            f"dtype {array.dtype} cannot be written as IDX; cast to uint8, int8, int16, int32, "
            "float32 or float64"
        )
    if array.ndim == 0:
        raise ValueError("IDX needs an array with at least one dimension, got a scalar")
    header = struct.pack(f">HBB{array.ndim}I", 0, code, array.ndim, *array.shape)
    data = header + np.ascontiguousarray(array, dtype=_CODES[code]).tobytes()
    path = Path(path)
    if path.suffix == ".gz":
        data = gzip.compress(data, compresslevel=9, mtime=0)
    path.write_bytes(data)
    return path
