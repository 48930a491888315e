"""What a measurement ran on: the CPU, its matrix instructions, threads, torch and the heap.

Benchmark figures only compare within one run, but a page gathers runs from different days, and
a shared machine may be a different host from one day to the next (same name, another CPU
generation). Every benchmark script records :func:`describe_machine` next to its figures and
names :func:`cpu_label` in its section, so each table says where it was measured.
"""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path
from typing import Any

import torch

from msrnn.allocator import heap_setting

#: The instruction sets that decide convolution speed in fp32 and bf16 on x86 CPUs.
ISA_FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile")


def cpu_info(cpuinfo: str | None = None) -> dict[str, Any]:
    """Name, vendor family and model, and the :data:`ISA_FLAGS` of the first CPU.

    Args:
        cpuinfo: the text of ``/proc/cpuinfo`` (read from the system when ``None``; on systems
            without it, the name comes from :func:`platform.processor`).

    Returns:
        ``{"name", "family", "model", "isa"}``; family and model are ``None`` when unknown.
    """
    if cpuinfo is None:
        path = Path("/proc/cpuinfo")
        cpuinfo = path.read_text() if path.exists() else ""
    fields: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        if not line.strip():
            break  # the first processor's block is enough
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    flags = set(fields.get("flags", "").split())
    return {
        "name": fields.get("model name") or platform.processor() or "unknown",
        "family": int(fields["cpu family"]) if "cpu family" in fields else None,
        "model": int(fields["model"]) if fields.get("model", "").isdigit() else None,
        "isa": [flag for flag in ISA_FLAGS if flag in flags],
    }


def cpu_label(info: dict[str, Any]) -> str:
    """``"AMD EPYC (family 25, model 17)"``: the name alone does not tell CPU generations apart."""
    if info.get("family") is None:
        return info["name"]
    return f"{info['name']} (family {info['family']}, model {info['model']})"


def describe_machine() -> dict[str, Any]:
    """Everything a benchmark records about where it ran (JSON-ready)."""
    machine = {
        "cpu": cpu_info(),
        "cpu_count": os.cpu_count(),
        "threads": torch.get_num_threads(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "mkldnn_bf16": bool(torch.ops.mkldnn._is_mkldnn_bf16_supported()),
        "memory_bytes": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"),
        "platform": platform.platform(),
        "torch": torch.__version__,
        "load_average": os.getloadavg(),
        "heap": heap_setting(),
    }
    if torch.cuda.is_available():
        machine["gpu"] = torch.cuda.get_device_name()
    return machine


def measured_on() -> str:
    """``"2026-12-06, AMD EPYC (family 25, model 17)"``: the date and CPU for a section header."""
    return f"{time.strftime('%Y-%m-%d')}, {cpu_label(cpu_info())}"
