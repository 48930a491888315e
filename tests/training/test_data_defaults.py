"""Each data module defaults to what its dataset defaults to (both read the dataset package's
constants); each dataset config is named after its data module and restates none of its defaults;
the command line gives a config's data module its own defaults, not the default Moving MNIST's,
with the run folder ``runs/<data>/<model>``."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest
import yaml

import msrnn
from msrnn.data import (
    HKO7,
    KTH,
    RYDL,
    DWDPngFrames,
    MovingMNIST,
    RadolanFolder,
    SyntheticRadar,
    SyntheticRain,
    TaxiBJ,
)
from msrnn.training import (
    ArrayDataModule,
    DWDDataModule,
    HKO7DataModule,
    KTHDataModule,
    MovingMNISTDataModule,
    SyntheticRadarDataModule,
    TaxiBJDataModule,
)
from msrnn.training.cli import MSRNNCLI
from msrnn.training.datamodule import SequenceDataModule

#: The dataset configs: the shipped configs without a model section (the recipes have one).
DATASET_CONFIGS = [
    path
    for path in sorted((Path(msrnn.__file__).parent / "configs").glob("*.yaml"))
    if "model" not in yaml.safe_load(path.read_text())
]


def defaults(callable_) -> dict:
    return {
        name: parameter.default
        for name, parameter in inspect.signature(callable_).parameters.items()
        if parameter.default is not inspect.Parameter.empty
    }


# (data module, dataset, {data-module argument: dataset argument})
SHARED = [
    (MovingMNISTDataModule, MovingMNIST, {"size": "size", "num_digits": "num_digits"}),
    (KTHDataModule, KTH, {"size": "size", "train_stride": "stride"}),
    (TaxiBJDataModule, TaxiBJ, {"flows": "flows", "test_samples": "test_samples",
                                "val_samples": "val_samples"}),
    (HKO7DataModule, HKO7, {"size": "size", "frame_step": "frame_step",
                            "val_fraction": "val_fraction", "layout": "layout"}),
    (DWDDataModule, DWDPngFrames, {"size": "size", "frame_step": "frame_step",
                                   "val_fraction": "val_fraction"}),
    (DWDDataModule, RYDL, {"size": "size", "frame_step": "frame_step",
                           "value_units": "value_units"}),
    (DWDDataModule, RadolanFolder, {"size": "size", "frame_step": "frame_step"}),
    (SyntheticRadarDataModule, SyntheticRain, {"size": "size", "num_cells": "num_cells",
                                               "max_speed": "max_speed",
                                               "stratiform_fraction": "stratiform_fraction"}),
    (SyntheticRadarDataModule, SyntheticRadar, {"convention": "convention"}),
]  # fmt: skip


@pytest.mark.parametrize(("module", "dataset", "pairs"), SHARED)
def test_a_data_module_defaults_to_its_datasets_defaults(module, dataset, pairs):
    ours, theirs = defaults(module), defaults(dataset)
    assert {ours_name: ours[ours_name] for ours_name in pairs} == {
        ours_name: theirs[their_name] for ours_name, their_name in pairs.items()
    }
    if "seq_len" in theirs:
        assert ours["input_frames"] + ours["output_frames"] == theirs["seq_len"]


def test_generated_data_default_to_their_datasets_sequence_counts():
    for module, make in (
        (MovingMNISTDataModule, lambda split: MovingMNIST(split=split)),
        (SyntheticRadarDataModule, lambda split: SyntheticRadar(split=split, rain=SyntheticRain())),
    ):
        ours = defaults(module)
        for split in ("train", "val", "test"):
            assert ours[f"{split}_sequences"] == len(make(split)), (module, split)


def test_dwd_sources_read_the_paper_spacing_by_default():
    # every 6th 5-minute frame on every route, as the data module reads them
    assert {defaults(reader)["frame_step"] for reader in (DWDPngFrames, RYDL, RadolanFolder)} == {6}


def _cli(tmp_path, monkeypatch, *args: str) -> MSRNNCLI:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir(exist_ok=True)
    quiet = ["--trainer.logger", "false", "--trainer.enable_progress_bar", "false"]
    return MSRNNCLI([*args, *quiet], run=False)


@pytest.mark.parametrize(
    ("module", "extra", "expected"),
    [
        (HKO7DataModule, ("--data.root", "data"), {"size": 88}),
        (DWDDataModule, ("--data.root", "data"), {"size": 124, "frame_step": 6}),
    ],
)
def test_a_chosen_data_module_keeps_its_own_defaults(
    tmp_path, monkeypatch, module, extra, expected
):
    cli = _cli(tmp_path, monkeypatch, "--data", module.__name__, *extra)
    assert {key: cli.datamodule.options[key] for key in expected} == expected
    assert (cli.datamodule.input_frames, cli.datamodule.output_frames) == (
        defaults(module)["input_frames"],
        defaults(module)["output_frames"],
    )


def test_synthetic_radar_keeps_its_own_sequence_counts(tmp_path, monkeypatch):
    cli = _cli(tmp_path, monkeypatch, "--data", "SyntheticRadarDataModule")
    assert cli.datamodule.counts == {"train": 2000, "val": 250, "test": 500}


def test_the_run_folder_defaults_to_the_data_and_the_canonical_model(tmp_path, monkeypatch):
    cli = _cli(tmp_path, monkeypatch, "--model.model", "MS_PredRNN_pp")
    assert cli.trainer.default_root_dir == "runs/moving_mnist/ms-predrnn++"
    cli = _cli(tmp_path, monkeypatch, "--data", "HKO7DataModule", "--data.root", "data")
    assert cli.trainer.default_root_dir == "runs/hko7/ms-convlstm"
    given = str(tmp_path / "elsewhere")
    cli = _cli(tmp_path, monkeypatch, "--trainer.default_root_dir", given)
    assert cli.trainer.default_root_dir == given


def test_every_data_module_names_its_run_folder():
    modules = [module for module, *_ in SHARED] + [ArrayDataModule]
    assert all(isinstance(module.name, str) and module.name for module in modules)


@pytest.mark.parametrize("path", DATASET_CONFIGS, ids=lambda path: path.stem)
def test_a_dataset_config_is_named_after_its_data_module_and_restates_no_default(path):
    data = yaml.safe_load(path.read_text())["data"]
    module_name, _, class_name = data["class_path"].rpartition(".")
    module = getattr(importlib.import_module(module_name), class_name)
    assert module.name == path.stem
    known = defaults(SequenceDataModule) | defaults(module)
    restated = {key: value for key, value in data["init_args"].items() if known.get(key) == value}
    assert restated == {}
