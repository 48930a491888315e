"""Golden cases: every registered model's seeded weights and outputs, frozen in files.

A refactor of the models must change neither what a seed builds nor what the weights compute,
nor the names and shapes that saved checkpoints and shipped weights are keyed by. This module
computes the cases; ``tests/models/test_golden.py`` compares them with the files in
``tests/models/golden/``. After a deliberate change of behaviour, rewrite the files with

    python -m tests.models.golden

and say in the commit why the frozen values changed.

* ``golden/<model>.safetensors``: a tiny seeded model (width 4, four layers, so MS models use
  the pyramid ``0 1 1 0``) with its weights (``weight.<name>``), a fixed input, the forecast from
  three observed frames and a teacher-forced pass with a mixed mask (plus PredRNN-V2's decoupling
  loss).
* ``golden/state_dict.json``: every model's state-dict keys and shapes at the default (paper
  and clean presets) and patched architecture, which is what a checkpoint stores.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

import msrnn

FOLDER = Path(__file__).resolve().parent / "golden"
STATE_DICT_FILE = FOLDER / "state_dict.json"
#: Architectures whose state-dict keys are frozen: the default of each preset, and the patched
#: quickstart/zoo form (4x4 patches change only the embedding and read-out shapes).
FROZEN_ARCHITECTURES = {
    "paper": {"preset": "paper"},
    "clean": {"preset": "clean"},
    "patched": {"preset": "paper", "patch_size": 4, "hidden_channels": 32, "num_layers": 4},
}
SEED = 0
FRAMES = (2, 6, 1, 16, 16)  # (B, T, C, H, W)
OBSERVED = 3


def golden_file(name: str) -> Path:
    return FOLDER / f"{name}.safetensors"


def tiny(name: str) -> msrnn.Forecaster:
    """The seeded tiny model of ``name`` (PrecipLSTM with a 5x5 attention window)."""
    cells = {"cell_kwargs": {"window": 5}} if "preciplstm" in name else {}
    torch.manual_seed(SEED)
    return msrnn.build_model(name, hidden_channels=4, num_layers=4, **cells)


def golden_inputs() -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(SEED)
    frames = torch.rand(FRAMES, generator=generator)
    mask = torch.rand(FRAMES[0], FRAMES[1] - 1, generator=generator) < 0.5
    mask[:, 0] = True
    return {"input": frames, "mask": mask.float()}


def outputs(model: msrnn.Forecaster, inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The forecast, the teacher-forced predictions and (PredRNN-V2) the decoupling loss."""
    with torch.no_grad():
        forecast = model(inputs["input"], input_frames=OBSERVED)
        forced = model(inputs["input"], teacher_forcing=inputs["mask"].bool())
    result = {"forecast": forecast.predictions, "teacher_forced": forced.predictions}
    if forecast.decoupling_loss is not None:
        result["decoupling_loss"] = forecast.decoupling_loss.reshape(1)
    return result


def golden_case(name: str) -> dict[str, torch.Tensor]:
    model = tiny(name).eval()
    inputs = golden_inputs()
    weights = {f"weight.{key}": value for key, value in model.state_dict().items()}
    return {**weights, **inputs, **outputs(model, inputs)}


def state_dict_shapes(name: str, architecture: dict) -> dict[str, str]:
    """``{key: "64x65x3x3"}`` of the model's state dict, in its order."""
    model = msrnn.build_model(name, **architecture)
    return {key: "x".join(map(str, value.shape)) for key, value in model.state_dict().items()}


def frozen_state_dicts() -> dict[str, dict[str, dict[str, str]]]:
    return {
        name: {
            label: state_dict_shapes(name, architecture)
            for label, architecture in FROZEN_ARCHITECTURES.items()
        }
        for name in msrnn.list_models()
    }


def write_all() -> None:
    from safetensors.torch import save_file

    FOLDER.mkdir(exist_ok=True)
    for name in msrnn.list_models():
        case = {key: value.contiguous() for key, value in golden_case(name).items()}
        save_file(case, golden_file(name))
    STATE_DICT_FILE.write_text(json.dumps(frozen_state_dicts(), indent=1) + "\n")


if __name__ == "__main__":
    write_all()
