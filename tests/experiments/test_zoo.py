import json

import pytest

import msrnn.experiments.zoo as zoo
from msrnn import build_model
from msrnn.pretrained import PretrainedEntry, load_pretrained

TINY = ["--model.model_kwargs", "{hidden_channels: 4, num_layers: 2, patch_size: 4}",
        "--trainer.max_steps", "2", "--trainer.val_check_interval", "2",
        "--data.init_args.train_sequences", "32", "--data.init_args.val_sequences", "4",
        "--data.init_args.test_sequences", "8", "--data.init_args.batch_size", "4"]  # fmt: skip


def test_zoo_trains_exports_and_records_an_entry_then_resumes(tmp_path, monkeypatch):
    out = tmp_path / "weights"
    kwargs = dict(precision="32-true", runs_root=tmp_path / "runs", out_root=out, extra=TINY)
    [record] = zoo.run_zoo(["ms-convlstm"], **kwargs)
    path = out / zoo.DATASET / "ms-convlstm.safetensors"
    assert json.loads(path.with_suffix(".json").read_text()) == record
    assert record["training"]["steps"] == 2 and record["test_sequences"] == 8
    assert record["build"] == {"preset": "paper", "in_channels": 1, "input_frames": 10,
                               "hidden_channels": 4, "num_layers": 2, "patch_size": 4}  # fmt: skip
    assert set(record["test"]) == {"model", "persistence", "blank"}
    net = load_pretrained(
        build_model("ms-convlstm", **record["build"]),
        PretrainedEntry("ms-convlstm", zoo.DATASET, path, record),
    )
    assert zoo.rescore(net) == record["rescore"]["shipped"]
    fp32, shipped = record["rescore"]["fp32_weights"], record["rescore"]["shipped"]
    assert shipped["mse_frame_sum"] == pytest.approx(fp32["mse_frame_sum"], rel=1e-3)

    def no_training(*args, **kwargs):
        raise AssertionError("a recorded entry was trained again")

    monkeypatch.setattr(zoo, "train_entry", no_training)
    assert zoo.run_zoo(["ms-convlstm"], **kwargs) == [record]
    assert not list(path.parent.glob(".*partial"))
