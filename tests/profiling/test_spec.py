import pytest

from msrnn.profiling.spec import ModelSpec, read_config


def test_lightning_init_args_form_and_model_arguments(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(
        "model:\n  class_path: msrnn.training.ForecastSystem\n  init_args:\n"
        "    model: ms-predrnn\n    in_channels: 2\n    input_frames: 4\n"
        "data:\n  init_args:\n    batch_size: 3\n    size: [32, 48]\n"
    )
    spec, defaults = read_config(path)
    assert spec == ModelSpec("ms-predrnn", "paper", {"in_channels": 2, "input_frames": 4})
    assert defaults.batch == 3 and defaults.size == (32, 48) and defaults.frames is None
    assert spec.build().in_channels == 2


def test_describe():
    assert ModelSpec("convlstm").describe() == "convlstm"
    assert ModelSpec("convlstm", "clean", {"num_layers": 2}).describe() == (
        "convlstm(preset=clean, num_layers=2)"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("data:\n  init_args: {}\n", "no model name"),
        ("- a\n- b\n", "expected a mapping"),
        ("model: 3\n", "section must be a mapping"),
    ],
)
def test_bad_configs(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        read_config(path)
