"""``msrnn fit`` + ``msrnn test`` on radar data through the shipped dataset configs: CSI/HSS and
the other radar scores land in ``metrics.json``; the data modules' protocol defaults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import msrnn
from msrnn.data.synthetic_radar import SyntheticRain, write_synthetic_archive
from msrnn.radar import radar_convention
from msrnn.training.cli import run_cli
from msrnn.training.paper_data_radar import (
    DWDDataModule,
    HKO7DataModule,
    SyntheticRadarDataModule,
)
from tests.training.helpers import config_args

CONFIGS = Path(msrnn.__file__).parent / "configs"
RADAR_KEYS = ("csi_30_mean", "csi_0.5", "hss_0.5", "hss_5_mean", "pod_2", "far_10_mean")
BALANCED_KEYS = ("b_mse_frame_sum_mean", "b_mae_frame_sum_mean")


def tiny(dataset: str, model: str, run: Path, *data: str) -> list[str]:
    return config_args(
        CONFIGS / f"{dataset}.yaml", run,
        "--model.model", model,
        "--data.init_args.size", "16",
        "--data.init_args.input_frames", "2",
        "--data.init_args.output_frames", "2",
        *data,
    )  # fmt: skip


def fit_and_test(args: list[str], run: Path) -> dict:
    run_cli(["fit", *args])
    run_cli(["test", *args, "--ckpt_path", "best"])
    return json.loads((run / "test" / "metrics.json").read_text())


def test_hko7_fit_and_test_write_the_radar_scores(tmp_path):
    root = tmp_path / "hko"
    write_synthetic_archive(root, "hko7", rain=SyntheticRain(size=20, seq_len=4, seed=1))
    run = tmp_path / "run"
    args = tiny("hko7", "ms-convlstm", run, "--data.init_args.root", str(root))
    metrics = fit_and_test(args, run)
    for key in (*RADAR_KEYS, *BALANCED_KEYS):
        assert key in metrics, key
    assert len(metrics["csi_0.5"]) == 2 and 0.0 <= metrics["csi_30_mean"] <= 1.0


def test_dwd_png_fit_and_test_write_the_radar_scores(tmp_path):
    root = tmp_path / "dwd"
    rain = SyntheticRain(size=20, seq_len=4, seed=2)
    write_synthetic_archive(root, "png", rain=rain, convention="dwd", valid_folder=False)
    run = tmp_path / "run"
    extra = ("--data.init_args.root", str(root), "--data.init_args.frame_step", "1")
    args = tiny("dwd", "ms-predrnn", run, *extra, "--data.init_args.val_fraction", "0.5")
    metrics = fit_and_test(args, run)
    assert all(key in metrics for key in RADAR_KEYS) and metrics["model"] == "ms-predrnn"


def test_synthetic_radar_fit_and_test_write_the_radar_scores(tmp_path):
    run = tmp_path / "run"
    counts = ("--data.init_args.train_sequences", "4", "--data.init_args.val_sequences", "2")
    args = tiny("synthetic_radar", "convlstm", run, *counts)
    metrics = fit_and_test([*args, "--data.init_args.test_sequences", "2"], run)
    assert all(key in metrics for key in (*RADAR_KEYS, *BALANCED_KEYS))
    assert len(metrics["hss_0.5"]) == 2


def test_data_modules_carry_the_paper_protocol(tmp_path):
    hko = HKO7DataModule(root=str(tmp_path))
    assert (hko.input_frames, hko.output_frames, hko.options["size"]) == (10, 10, 88)
    assert hko.radar == radar_convention("hko-7")
    dwd = DWDDataModule(root=str(tmp_path))
    assert (dwd.input_frames, dwd.output_frames) == (5, 5)
    assert (dwd.options["size"], dwd.options["frame_step"]) == (124, 6)
    assert dwd.radar == radar_convention("dwd")
    synthetic = SyntheticRadarDataModule(convention="dwd", size=8, train_sequences=3)
    assert synthetic.radar == radar_convention("dwd")
    assert synthetic.dataset("train")[0].shape == (20, 1, 8, 8)
    assert len(synthetic.dataset("train")) == 3


def test_dwd_sources_through_the_data_module(tmp_path):
    rain = SyntheticRain(size=12, seq_len=6, seed=3)
    write_synthetic_archive(tmp_path / "rydl", "rydl", rain=rain)
    write_synthetic_archive(tmp_path / "ry", "radolan", rain=rain)
    for source, root in (("rydl", tmp_path / "rydl"), ("radolan", tmp_path / "ry")):
        module = DWDDataModule(
            root=str(root), source=source, size=8, frame_step=2, input_frames=2, output_frames=1
        )
        assert module.dataset("val")[0].shape == (3, 1, 8, 8)
        assert len(module.dataset("train")) == 2
        assert module.dataset("test").info.radar == radar_convention("dwd")


def test_data_module_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"--data\.init_args\.root"):
        HKO7DataModule(root=str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="source must be"):
        DWDDataModule(root=str(tmp_path), source="netcdf")
    with pytest.raises(ValueError, match="unknown radar convention"):
        SyntheticRadarDataModule(convention="nowhere")
