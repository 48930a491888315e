import hashlib
import json

import numpy as np
import pytest
import torch

from msrnn import build_model, list_pretrained
from msrnn.cli import main
from tests.pretrained.conftest import TOY_BUILD, write_entry


def test_weights_load_in_one_call_to_their_stored_values(toy_root):
    net, _ = write_entry(toy_root)
    loaded = build_model("ms-convlstm", weights="toy")
    for (key, trained), value in zip(
        net.state_dict().items(), loaded.state_dict().values(), strict=True
    ):
        assert torch.equal(value, trained.half().float()), key


def test_entries_are_listed_with_their_record(toy_root):
    write_entry(toy_root)
    write_entry(toy_root, model="convlstm")
    entries = list_pretrained()
    assert [(e.model, e.dataset) for e in entries] == [("convlstm", "toy"), ("ms-convlstm", "toy")]
    assert [e.model for e in list_pretrained("ms-*")] == ["ms-convlstm"]
    assert entries[1].build == TOY_BUILD


def test_unknown_weights_name_the_shipped_ones(toy_root):
    write_entry(toy_root)
    with pytest.raises(ValueError, match=r"no trained weights 'mnist' .*ms-convlstm:toy"):
        build_model("ms-convlstm", weights="mnist")
    with pytest.raises(ValueError, match="no trained weights 'toy' for model 'predrnn'"):
        build_model("predrnn", weights="toy")


def test_a_corrupt_file_is_refused_naming_the_entry(toy_root):
    _, path = write_entry(toy_root)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"ms-convlstm \(weights='toy'\) is corrupt.*reinstall"):
        build_model("ms-convlstm", weights="toy")


def test_a_missing_file_is_refused(toy_root):
    _, path = write_entry(toy_root)
    path.unlink()
    with pytest.raises(ValueError, match=r"weights file of ms-convlstm .* is missing"):
        build_model("ms-convlstm", weights="toy")


def _rewrite_record(path, **changes):
    record_path = path.with_suffix(".json")
    record = json.loads(record_path.read_text()) | changes
    record["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    record_path.write_text(json.dumps(record))


def test_a_file_that_is_not_safetensors_is_refused(toy_root):
    _, path = write_entry(toy_root)
    path.write_bytes(b"\x80\x04not a tensor file")
    _rewrite_record(path)
    with pytest.raises(ValueError, match=r"weights file of ms-convlstm .* cannot be read"):
        build_model("ms-convlstm", weights="toy")


def test_tensors_that_do_not_fit_name_the_expected_shapes(toy_root):
    _, path = write_entry(toy_root)
    _rewrite_record(path, build={**TOY_BUILD, "hidden_channels": 8})
    with pytest.raises(ValueError, match=r"do not fit the model: .*expected \(8, 16, 1, 1\)"):
        build_model("ms-convlstm", weights="toy")


def test_architecture_overrides_are_refused_runtime_ones_accepted(toy_root):
    write_entry(toy_root)
    with pytest.raises(ValueError, match="trained with hidden_channels=4; got hidden_channels=8"):
        build_model("ms-convlstm", weights="toy", hidden_channels=8)
    with pytest.raises(ValueError, match="fix skip; got skip='none'"):
        build_model("ms-convlstm", weights="toy", skip="none")
    with pytest.raises(ValueError, match="trained with preset='paper'"):
        build_model("ms-convlstm", "clean", weights="toy")
    frames = torch.rand(2, 6, 1, 16, 16)
    plain = build_model("ms-convlstm", weights="toy", hidden_channels=4)
    fused = build_model("ms-convlstm", weights="toy", fused=True, recompute=True)
    torch.testing.assert_close(
        fused(frames, input_frames=3).predictions, plain(frames, input_frames=3).predictions
    )


def test_zoo_command_lists_scores_size_and_reproduce_command(toy_root, capsys):
    write_entry(toy_root)
    assert main(["zoo"]) == 0
    out = capsys.readouterr().out
    assert "blank MSE" in out and "ms-convlstm  toy" in out
    assert "python experiments/zoo.py --models ms-convlstm" in out
    assert main(["zoo", "--markdown", "conv*"]) == 0
    assert capsys.readouterr().out.startswith("| model | weights |")


def test_predict_with_weights_forecasts_a_users_array(toy_root, tmp_path):
    write_entry(toy_root)
    frames = np.random.default_rng(0).integers(0, 256, (3, 20, 1, 64, 64), dtype=np.uint8)
    np.save(tmp_path / "x.npy", frames)
    run = tmp_path / "run"
    status = main(["predict", "--model.model", "ms-convlstm", "--model.weights", "toy",
                   "--data.predict_path", str(tmp_path / "x.npy"),
                   "--trainer.default_root_dir", str(run), "--trainer.enable_progress_bar", "false",
                   "--trainer.logger", "false"])  # fmt: skip
    assert status == 0
    forecast = np.load(run / "predict" / "forecast.npy")  # clipped to the data range
    with torch.no_grad():
        expected = build_model("ms-convlstm", weights="toy").forecast(
            torch.from_numpy(frames[:, :10] / np.float32(255)), 10
        )
    np.testing.assert_allclose(forecast, expected.clamp(0, 1).numpy(), rtol=1e-5, atol=1e-6)
