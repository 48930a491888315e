"""What to profile: a registered model with overrides, from the command line or a config."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from msrnn.models import Forecaster, build_model


@dataclass(frozen=True)
class ModelSpec:
    """A model as :func:`msrnn.build_model` builds it.

    Attributes:
        name: registered model name.
        preset: ``"paper"`` or ``"clean"``.
        overrides: keyword overrides of :func:`msrnn.build_model` (``hidden_channels``, ...).
    """

    name: str
    preset: str = "paper"
    overrides: Mapping[str, Any] = field(default_factory=dict)

    def build(self) -> Forecaster:
        """A freshly initialised model on the CPU."""
        return build_model(self.name, preset=self.preset, **dict(self.overrides))

    def describe(self) -> str:
        """``name`` followed by the non-default preset and the overrides, e.g. ``convlstm(C=8)``."""
        parts = [] if self.preset == "paper" else [f"preset={self.preset}"]
        parts += [f"{key}={value}" for key, value in sorted(self.overrides.items())]
        return f"{self.name}({', '.join(parts)})" if parts else self.name


@dataclass(frozen=True)
class ConfigDefaults:
    """Run settings read from a training config's ``data`` section (``None`` when absent).

    Attributes:
        batch: ``batch_size``.
        frames: ``input_frames + output_frames``.
        input_frames: ``input_frames``.
        size: ``size`` as ``(H, W)``.
    """

    batch: int | None = None
    frames: int | None = None
    input_frames: int | None = None
    size: tuple[int, int] | None = None


def _init_args(section: Any, name: str, path: Path) -> dict[str, Any]:
    """The arguments of a LightningCLI section: ``init_args`` if present, else the section."""
    if section is None:
        return {}
    if not isinstance(section, Mapping):
        raise ValueError(f"{path}: the {name!r} section must be a mapping, got {section!r}")
    args = section.get("init_args", section)
    return dict(args) if isinstance(args, Mapping) else {}


def read_config(path: str | Path) -> tuple[ModelSpec, ConfigDefaults]:
    """The model of a ``msrnn fit`` config and the batch/sequence settings of its data.

    Reads ``model.model``, ``model.preset``, ``model.model_kwargs`` (plus ``model.in_channels``
    and ``model.input_frames``, which the training system passes to the model), and from
    ``data.init_args`` the ``batch_size``, ``input_frames``, ``output_frames`` and ``size``.

    Args:
        path: a YAML config as written for ``msrnn fit --config``.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        ValueError: if the file has no ``model.model`` name.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config file {path} not found")
    content = yaml.safe_load(path.read_text()) or {}
    if not isinstance(content, Mapping):
        raise ValueError(f"{path}: expected a mapping at the top level")
    model = _init_args(content.get("model"), "model", path)
    if "model" not in model:
        raise ValueError(f"{path}: no model name; the config needs model: {{model: NAME}}")
    overrides = dict(model.get("model_kwargs") or {})
    for key in ("in_channels", "input_frames"):
        if key in model:
            overrides[key] = model[key]
    spec = ModelSpec(str(model["model"]), str(model.get("preset", "paper")), overrides)
    return spec, _data_defaults(_init_args(content.get("data"), "data", path))


def _data_defaults(data: Mapping[str, Any]) -> ConfigDefaults:
    inputs, outputs = data.get("input_frames"), data.get("output_frames")
    size = data.get("size")
    if isinstance(size, int):
        size = (size, size)
    return ConfigDefaults(
        batch=data.get("batch_size"),
        frames=inputs + outputs if inputs is not None and outputs is not None else None,
        input_frames=inputs,
        size=tuple(size) if size is not None else None,
    )
