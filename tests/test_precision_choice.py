"""The precision chosen for the host: bf16-mixed where the CPU has bf16 instructions."""

import pytest

from msrnn.precision import preferred_precision, resolve_precision


@pytest.mark.parametrize(
    ("isa", "precision", "reason"),
    [
        (["avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile"], "bf16-mixed", "AMX-BF16"),
        (["avx2", "avx512f", "avx512_bf16"], "bf16-mixed", "AVX512-BF16 but no AMX"),
        (["avx2", "avx512f"], "32-true", "no bf16 instructions"),
        ([], "32-true", "no bf16 instructions"),
    ],
)
def test_the_rule(isa, precision, reason):
    choice = preferred_precision("cpu", isa=isa)
    assert choice.precision == precision and reason in choice.reason


def test_this_machine_gets_an_answer():
    assert preferred_precision().precision in ("32-true", "bf16-mixed")


def test_resolve_precision_keeps_explicit_choices_and_refuses_unknown_ones():
    assert resolve_precision("32-true").precision == "32-true"
    assert resolve_precision("auto") == preferred_precision()
    with pytest.raises(ValueError, match=r"precision must be one of .*got 'fp16'"):
        resolve_precision("fp16")
