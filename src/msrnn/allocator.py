"""Keep freed heap memory in the process, so that large tensors do not page-fault at every step.

A training step allocates and frees the same tensors at every step. glibc's ``malloc`` serves a
block larger than its mmap threshold (which grows with use, up to 32 MiB) with a fresh ``mmap``
and unmaps it again on ``free``; the next step's tensor of the same size then page-faults every
4 KiB page, and the kernel zeroes each one. Models whose step makes tensors above 32 MiB
(TrajGRU at batch 4: its ``L`` warped states, 40 MiB per layer and step) spend much of their
step in the kernel that way: 17 s of a 40 s step, measured with ``getrusage``
(``benchmarks/allocator.py``). Every other model keeps its tensors below the threshold and gains
little.

:func:`retain_freed_memory` asks glibc, through ``mallopt``, to serve every block from its heap
(``M_MMAP_MAX = 0``) and never to return the heap's free top to the kernel
(``M_TRIM_THRESHOLD = -1``): freed memory is reused by the next step instead of faulted in again.
The process's resident memory then stays at its peak until it exits, which is what a training
process reaches at every step anyway. The ``msrnn`` command line and the benchmark scripts call it
at start; library code never does (it changes the whole process).
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_MAX = -4
_ALLOCATOR_LIBRARIES = ("jemalloc", "tcmalloc", "mimalloc")
_retaining = False  # mirrors the process-wide malloc setting, which cannot be read back


def user_chose_allocator(environ: dict[str, str] | None = None) -> str | None:
    """The setting by which the user already chose how ``malloc`` behaves, or ``None``.

    A preloaded allocator (jemalloc, tcmalloc, mimalloc in ``LD_PRELOAD``), a glibc malloc
    tunable in ``GLIBC_TUNABLES`` or one of glibc's ``MALLOC_*`` variables all count; setting
    ``GLIBC_TUNABLES=glibc.malloc.mmap_max=65536`` (glibc's default) keeps glibc's behaviour.
    """
    environ = os.environ if environ is None else environ
    preload = environ.get("LD_PRELOAD", "")
    for library in _ALLOCATOR_LIBRARIES:
        if library in preload:
            return f"LD_PRELOAD={preload}"
    if "glibc.malloc." in environ.get("GLIBC_TUNABLES", ""):
        return f"GLIBC_TUNABLES={environ['GLIBC_TUNABLES']}"
    for name in sorted(environ):
        if name.startswith("MALLOC_"):
            return f"{name}={environ[name]}"
    return None


def retain_freed_memory() -> bool:
    """Make glibc keep freed memory for reuse (see the module). Returns whether it was applied.

    Nothing is changed, and ``False`` returned, outside Linux with glibc, or when
    :func:`user_chose_allocator` finds the user's own choice. Calling it twice is harmless.
    """
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return False
    if user_chose_allocator() is not None:
        return False
    global _retaining
    libc = ctypes.CDLL(None)
    no_mmap = libc.mallopt(M_MMAP_MAX, 0) == 1
    no_trim = libc.mallopt(M_TRIM_THRESHOLD, -1) == 1
    _retaining = _retaining or (no_mmap and no_trim)
    return no_mmap and no_trim


def heap_setting() -> str:
    """How this process's ``malloc`` treats freed memory, in words (for benchmark reports)."""
    if _retaining:
        return "glibc malloc, freed memory retained (msrnn.allocator.retain_freed_memory)"
    chosen = user_chose_allocator()
    return f"chosen by the environment: {chosen}" if chosen else "the C library's defaults"
