"""The precision chosen for the host: bf16-mixed where the CPU has bf16 instructions."""

import pytest

from msrnn.precision import precision_note, preferred_precision, resolve_precision


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


def test_the_note_names_the_faster_precision_and_the_flag_that_chooses_it():
    bf16 = ["avx2", "avx512f", "avx512_bf16"]
    assert precision_note("32-true", isa=bf16) == (
        "32-true; this CPU has AVX512-BF16 but no AMX (bf16 about 1.6-1.9x fp32), so bf16-mixed "
        "trains faster: --trainer.precision bf16-mixed"
    )
    assert precision_note("bf16-mixed", isa=bf16).startswith("bf16-mixed, the faster here: ")
    assert precision_note("32", isa=["avx2"]).startswith("32, the faster here: ")
    assert precision_note("bf16-mixed", flag="--precision", isa=["avx2"]).endswith(
        "so 32-true trains faster: --precision 32-true"
    )
