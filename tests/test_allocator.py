"""``msrnn.allocator``: glibc keeps freed memory for reuse, unless the user chose otherwise."""

import os
import platform
import subprocess
import sys

import pytest

from msrnn.allocator import user_chose_allocator

glibc_only = pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="mallopt is glibc's",
)

# Allocates and frees a 256 MiB tensor; prints whether glibc mapped it and what the heap kept.
PROBE = """
import ctypes, sys, torch
from msrnn.allocator import heap_setting, retain_freed_memory
class Info(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split())]
libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
applied = retain_freed_memory() if sys.argv[1] == "retain" else False
before = libc.mallinfo2().hblkhd
x = torch.ones(64 * 2**20)  # 256 MiB of float32
mapped = libc.mallinfo2().hblkhd - before
del x
print(applied, mapped >> 20, libc.mallinfo2().fordblks >> 20, heap_setting(), sep="|")
"""


def _probe(mode, **environ):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    env.pop("GLIBC_TUNABLES", None)
    env.update(environ)
    out = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, env=env, check=True
    ).stdout.strip()
    applied, mapped_mib, free_mib, setting = out.split("|")
    return applied == "True", int(mapped_mib), int(free_mib), setting


@glibc_only
def test_large_tensors_come_from_the_heap_and_stay_there_once_retained():
    applied, mapped, free, setting = _probe("retain")
    assert applied and "retained" in setting
    assert mapped == 0  # not mmapped ...
    assert free >= 256  # ... and, once freed, kept by the heap for the next step


@glibc_only
def test_glibc_defaults_map_large_tensors_and_give_them_back():
    applied, mapped, free, setting = _probe("default")
    assert not applied and setting == "the C library's defaults"
    assert mapped >= 256 and free < 256


@glibc_only
def test_the_users_own_malloc_setting_is_left_alone():
    applied, mapped, _, setting = _probe("retain", GLIBC_TUNABLES="glibc.malloc.mmap_max=65536")
    assert not applied and mapped >= 256
    assert setting == "chosen by the environment: GLIBC_TUNABLES=glibc.malloc.mmap_max=65536"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, None),
        ({"LD_PRELOAD": "/usr/lib/libjemalloc.so.2"}, "LD_PRELOAD=/usr/lib/libjemalloc.so.2"),
        ({"LD_PRELOAD": "/usr/lib/libfakeroot.so"}, None),
        ({"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=0"}, "GLIBC_TUNABLES="),
        ({"GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX2"}, None),
        ({"MALLOC_ARENA_MAX": "2"}, "MALLOC_ARENA_MAX=2"),
    ],
)
def test_user_chose_allocator_reads_the_environment(environ, expected):
    found = user_chose_allocator(environ)
    assert found == expected if expected is None else found.startswith(expected)


@glibc_only
def test_the_console_script_retains_freed_memory_before_running():
    code = "import sys; from msrnn.cli import entry; sys.argv = ['msrnn', 'models', 'convlstm']; "
    code += "entry(); from msrnn.allocator import heap_setting; print(heap_setting())"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    env.pop("GLIBC_TUNABLES", None)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert "convlstm" in out and "freed memory retained" in out.splitlines()[-1]
