"""The numeric precision that trains fastest on this machine, and why.

Lightning's ``precision="bf16-mixed"`` runs convolutions and gate arithmetic in bfloat16 under
autocast. Whether that is faster than float32 depends on the hardware:

* CUDA GPUs with bf16 support (Ampere and newer): bf16 tensor cores, ``bf16-mixed``;
* x86 CPUs with AMX-BF16 (Intel Sapphire Rapids and newer): oneDNN's AMX kernels, measured about
  2.3x fp32 at the quickstart's 16x16 grid and 3.4-4.2x at 64x64;
* x86 CPUs with AVX512-BF16 but no AMX (AMD Zen 4 and Zen 5): about 1.6-1.9x fp32;
* anything else: bf16 is emulated and slower than fp32, so ``32-true``.

:func:`preferred_precision` applies these rules; the quickstart uses it unless told otherwise
(``msrnn quickstart --precision 32-true``), and ``msrnn fit`` takes ``--trainer.precision``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from msrnn.profiling.machine import cpu_info

PRECISION_CHOICES: tuple[str, ...] = ("auto", "32-true", "bf16-mixed")


@dataclass(frozen=True)
class PrecisionChoice:
    """A Lightning precision and the reason it was chosen."""

    precision: str
    reason: str


def preferred_precision(device: str = "cpu", isa: list[str] | None = None) -> PrecisionChoice:
    """The faster of ``bf16-mixed`` and ``32-true`` for training on ``device`` (see module doc).

    Args:
        device: ``"cpu"`` or ``"cuda"``.
        isa: the CPU's instruction-set flags (default: read from this machine, see
            :func:`msrnn.profiling.machine.cpu_info`).

    Example:
        >>> preferred_precision("cpu", isa=["avx2", "avx512f"]).precision
        '32-true'
        >>> preferred_precision("cpu", isa=["avx512f", "avx512_bf16"]).precision
        'bf16-mixed'
    """
    if device == "cuda":
        if torch.cuda.is_available() and torch.cuda.is_bf16_supported():
            return PrecisionChoice("bf16-mixed", "this GPU has bf16 tensor cores")
        return PrecisionChoice("32-true", "this GPU has no bf16 support")
    flags = set(cpu_info()["isa"] if isa is None else isa)
    if "amx_bf16" in flags:
        return PrecisionChoice("bf16-mixed", "this CPU has AMX-BF16 (bf16 about 2-4x fp32)")
    if "avx512_bf16" in flags:
        return PrecisionChoice(
            "bf16-mixed", "this CPU has AVX512-BF16 but no AMX (bf16 about 1.6-1.9x fp32)"
        )
    return PrecisionChoice("32-true", "this CPU has no bf16 instructions (bf16 would be slower)")


def precision_note(
    precision: str,
    device: str = "cpu",
    *,
    flag: str = "--trainer.precision",
    isa: list[str] | None = None,
) -> str:
    """One line on a run's precision: it, what this machine prefers and why, and the ``flag``
    that would choose the preferred one when the run uses another.

    Example:
        >>> precision_note("32-true", isa=["avx2"])
        '32-true, the faster here: this CPU has no bf16 instructions (bf16 would be slower)'
    """
    best = preferred_precision(device, isa)
    if _same_precision(precision, best.precision):
        return f"{precision}, the faster here: {best.reason}"
    return f"{precision}; {best.reason}, so {best.precision} trains faster: {flag} {best.precision}"


def _same_precision(precision: str, other: str) -> bool:
    full = {"32": "32-true", "bf16": "bf16-mixed", "16": "16-mixed"}
    return full.get(str(precision), str(precision)) == full.get(str(other), str(other))


def resolve_precision(precision: str) -> PrecisionChoice:
    """``precision`` as a Lightning precision: ``"auto"`` becomes :func:`preferred_precision`
    for this CPU, the other :data:`PRECISION_CHOICES` are kept.

    Raises:
        ValueError: ``precision`` is not one of :data:`PRECISION_CHOICES`.
    """
    if precision not in PRECISION_CHOICES:
        raise ValueError(f"precision must be one of {PRECISION_CHOICES}, got {precision!r}")
    if precision == "auto":
        return preferred_precision()
    return PrecisionChoice(precision, "asked for")
