import pytest

from msrnn.profiling.profile import RunSetup, profile_training
from msrnn.profiling.report import format_bytes, format_profile, parse_bytes
from tests.conftest import tiny_model


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("40GiB", 40 * 2**30),
        ("40 GB", 40 * 10**9),
        ("512MiB", 512 * 2**20),
        ("1.5g", int(1.5e9)),
        ("2e9", 2 * 10**9),
        ("100", 100),
        ("64 B", 64),
    ],
)
def test_parse_bytes(text, expected):
    assert parse_bytes(text) == expected


@pytest.mark.parametrize("text", ["", "GiB", "40 parsecs", "-1GiB", "0", "1e"])
def test_parse_bytes_rejects_nonsense(text):
    with pytest.raises(ValueError, match="cannot read the memory amount"):
        parse_bytes(text)


def test_format_bytes():
    assert format_bytes(1023) == "1023 B"
    assert format_bytes(40 * 2**30) == "40.0 GiB"
    assert format_bytes(123.4 * 2**20) == "123 MiB"


def test_profile_table_names_every_figure():
    profile = profile_training(
        tiny_model("ms-convlstm", num_layers=2).to("meta"), RunSetup(size=(8, 8), batch=1, frames=3)
    )
    text = format_profile(profile)
    for label in ("parameters", "FLOPs / step", "activations", "paper law", "training total"):
        assert label in text
    assert "not timed (dry run" in text
    assert f"{profile.params:,}" in text
