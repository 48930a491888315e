"""``msrnn fit`` + ``msrnn test`` on a TaxiBJ fixture through the shipped dataset config."""

import json
from pathlib import Path

import pytest

import msrnn
from msrnn.training.cli import run_cli
from msrnn.training.paper_data_video import TaxiBJDataModule
from tests.data.fixtures_taxibj import write_taxibj_release
from tests.training.helpers import config_args

CONFIG = Path(msrnn.__file__).parent / "configs" / "taxibj.yaml"


@pytest.fixture
def root(tmp_path):
    write_taxibj_release(tmp_path / "taxibj", size=8)
    return tmp_path / "taxibj"


def tiny(root, run):
    # batch 4 instead of the helper's 2: later flags win
    return config_args(
        CONFIG, run,
        "--model.model", "ms-convlstm",
        "--data.init_args.root", str(root),
        "--data.init_args.test_samples", "48",
        "--data.init_args.val_samples", "24",
        "--data.init_args.batch_size", "4",
    )  # fmt: skip


def test_data_module_reads_once_and_shares_the_scaling(root):
    module = TaxiBJDataModule(root=str(root), flows="both", test_samples=48, val_samples=24)
    splits = {split: module.dataset(split) for split in ("train", "val", "test")}
    assert {split: len(data) for split, data in splits.items()} == {
        "train": 313,
        "val": 17,
        "test": 48,
    }
    assert splits["val"].flows is splits["train"].flows is splits["test"].flows
    assert splits["test"].info.value_range == splits["train"].info.value_range
    assert module.channels == 2 and module.seq_len == 8 and splits["test"][0].shape == (8, 2, 8, 8)
    assert TaxiBJDataModule(root=str(root)).channels == 1
    with pytest.raises(ValueError, match="flows must be one of"):
        TaxiBJDataModule(root=str(root), flows="net")


def test_fit_then_test_writes_mse_per_forecast_frame(root, tmp_path):
    run = tmp_path / "run"
    run_cli(["fit", *tiny(root, run)])
    run_cli(["test", *tiny(root, run), "--ckpt_path", "best"])
    metrics = json.loads((run / "test" / "metrics.json").read_text())
    assert metrics["model"] == "ms-convlstm" and metrics["input_frames"] == 4
    assert len(metrics["mse_frame_sum"]) == 4 and metrics["mse_frame_sum_mean"] > 0
    assert metrics["persistence"]["mse_frame_sum_mean"] > 0
