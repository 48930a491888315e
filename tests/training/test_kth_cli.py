"""``msrnn fit`` + ``msrnn test`` on a KTH fixture through the shipped dataset config."""

import json
from pathlib import Path

import pytest

import msrnn
from msrnn.training.cli import run_cli
from msrnn.training.paper_data_video import KTHDataModule
from tests.data.fixtures_kth import write_kth_clip
from tests.training.helpers import config_args

CONFIG = Path(msrnn.__file__).parent / "configs" / "kth.yaml"
CLIPS = (
    "person01_running_d1",
    "person02_boxing_d1",
    "person15_walking_d1",
    "person17_running_d1",
    "person18_boxing_d1",
)


@pytest.fixture
def root(tmp_path):
    for offset, name in enumerate(CLIPS):
        write_kth_clip(tmp_path / "kth", name, 12, offset=7 * offset)
    return tmp_path / "kth"


def tiny(root, run):
    return config_args(
        CONFIG, run,
        "--model.model", "ms-convlstm",
        "--data.init_args.root", str(root),
        "--data.init_args.size", "16",
        "--data.init_args.input_frames", "2",
        "--data.init_args.output_frames", "2",
        "--data.init_args.test_output_frames", "4",
    )  # fmt: skip


def test_data_module_protocol(root):
    module = KTHDataModule(
        root=str(root), size=16, input_frames=2, output_frames=2, test_output_frames=4
    )
    lengths = {split: module.dataset(split)[0].shape for split in ("train", "val", "test")}
    assert lengths == {"train": (4, 1, 16, 16), "val": (4, 1, 16, 16), "test": (6, 1, 16, 16)}
    # train: 2 clips x 9 windows (stride 1); val: walking, stride 20; test: running at stride 3
    # (starts 1, 4, 7) and boxing at stride 20
    sizes = {split: len(module.dataset(split)) for split in ("train", "val", "test")}
    assert sizes == {"train": 18, "val": 1, "test": 4}
    assert module.channels == 1 and module.seq_len == 4
    only_run = KTHDataModule(
        root=str(root), actions="locomotion", input_frames=2, output_frames=2, test_output_frames=4
    )
    assert len(only_run.dataset("test")) == 3
    with pytest.raises(ValueError, match="test_output_frames must be at least 1"):
        KTHDataModule(root=str(root), test_output_frames=0)


def test_fit_then_test_writes_ssim_per_frame_over_the_test_horizon(root, tmp_path):
    run = tmp_path / "run"
    run_cli(["fit", *tiny(root, run)])
    run_cli(["test", *tiny(root, run), "--ckpt_path", "best"])
    metrics = json.loads((run / "test" / "metrics.json").read_text())
    assert metrics["model"] == "ms-convlstm" and metrics["input_frames"] == 2
    assert len(metrics["ssim"]) == 4  # the test horizon, longer than the 2 trained frames
    assert all(-1.0 <= value <= 1.0 for value in metrics["ssim"])
    assert len(metrics["mse_frame_sum"]) == 4
