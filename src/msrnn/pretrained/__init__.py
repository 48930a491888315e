"""Trained weights shipped with the package (the model zoo), loaded in one call.

Each entry is a pair of files in ``msrnn/pretrained/weights/<dataset>/``: ``<model>.safetensors``
(the forecaster's parameters; a safetensors file holds tensors only, so loading one cannot run
code) and ``<model>.json`` (how it was built and trained, its test scores, its SHA-256 and the
command that reproduces it). ``experiments/zoo.py`` writes both; nothing else restates them.

    >>> import msrnn
    >>> [(e.model, e.dataset) for e in msrnn.list_pretrained("ms-convlstm")][:1]
    [('ms-convlstm', 'moving-mnist')]
    >>> model = msrnn.build_model("ms-convlstm", weights="moving-mnist")  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import torch
from torch import nn

from msrnn.models.runtime import RUNTIME_OPTIONS

#: Overrides that change how a trained forecaster runs, not what it computes.
RUNTIME_OVERRIDES: tuple[str, ...] = (*RUNTIME_OPTIONS, "input_frames")


def weights_root() -> Path:
    """The folder of the shipped weights (``msrnn/pretrained/weights``)."""
    return Path(str(resources.files("msrnn") / "pretrained" / "weights"))


@dataclass(frozen=True)
class PretrainedEntry:
    """One trained forecaster of the zoo.

    Attributes:
        model: registered model name.
        dataset: the data it was trained on (the ``weights=`` name), e.g. ``"moving-mnist"``.
        file: its ``.safetensors`` file.
        record: everything its ``.json`` file holds: ``build`` (preset and
            :func:`msrnn.build_model` overrides), ``sha256``, ``dtype``, ``training``, ``test``
            (scores with the persistence and blank baselines), ``rescore`` and ``reproduce``.
    """

    model: str
    dataset: str
    file: Path
    record: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.model} (weights={self.dataset!r})"

    @property
    def build(self) -> dict[str, Any]:
        """``preset`` and the :func:`msrnn.build_model` overrides the weights were trained with."""
        return dict(self.record["build"])

    def verify(self) -> None:
        """Check the file's SHA-256 against the record.

        Raises:
            ValueError: naming the entry, when the file is missing or its bytes differ.
        """
        if not self.file.is_file():
            raise ValueError(f"weights file of {self.label} is missing: {self.file}")
        digest = hashlib.sha256(self.file.read_bytes()).hexdigest()
        if digest != self.record["sha256"]:
            raise ValueError(
                f"weights file of {self.label} is corrupt: {self.file} has SHA-256 "
                f"{digest[:12]}..., expected {self.record['sha256'][:12]}...; reinstall msrnn"
            )


def list_pretrained(model: str = "*") -> list[PretrainedEntry]:
    """The shipped entries, sorted by dataset and model; ``model`` is a shell-style filter.

    Example:
        >>> sorted({entry.dataset for entry in list_pretrained()})
        ['moving-mnist']
    """
    from msrnn.models import list_models

    names = set(list_models(model))
    entries = []
    for record_path in sorted(weights_root().glob("*/*.json")):
        record = json.loads(record_path.read_text())
        if record["model"] in names:
            entries.append(
                PretrainedEntry(
                    model=record["model"],
                    dataset=record_path.parent.name,
                    file=record_path.with_suffix(".safetensors"),
                    record=record,
                )
            )
    return sorted(entries, key=lambda entry: (entry.dataset, entry.model))


def pretrained_entry(model: str, weights: str) -> PretrainedEntry:
    """The entry of registered model ``model`` trained on ``weights`` (a dataset name).

    Raises:
        ValueError: when there is none, listing the entries that exist.
    """
    from msrnn.models import canonical_name

    name = canonical_name(model)
    for entry in list_pretrained():
        if entry.model == name and entry.dataset == weights:
            return entry
    have = ", ".join(f"{e.model}:{e.dataset}" for e in list_pretrained()) or "none"
    raise ValueError(
        f"no trained weights {weights!r} for model {name!r}; shipped (model:weights): {have} "
        "(see `msrnn zoo`)"
    )


def architecture(entry: PretrainedEntry, overrides: dict[str, Any]) -> dict[str, Any]:
    """The entry's build arguments with the caller's ``overrides`` merged in.

    An override may change how the model runs (:data:`RUNTIME_OVERRIDES`) or repeat a value the
    weights were trained with; anything else would build a network the weights do not fit.

    Raises:
        ValueError: naming the override, the trained value and the way out.
    """
    build = entry.build
    for key, value in overrides.items():
        if key in RUNTIME_OVERRIDES or build.get(key) == value:
            continue
        trained = f"trained with {key}={build[key]!r}" if key in build else f"fix {key}"
        raise ValueError(
            f"weights of {entry.label} {trained}; got {key}={value!r}: drop that override, or "
            "build without weights= to train a new model"
        )
    return {**build, **overrides}


def load_pretrained(model: nn.Module, entry: PretrainedEntry) -> nn.Module:
    """Load ``entry``'s weights into ``model`` (checked, cast to the model's dtypes) in place.

    Raises:
        ValueError: when the file is corrupt or its tensors do not fit ``model``, naming the entry
            and the expected shapes.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    entry.verify()
    try:
        tensors = load_file(str(entry.file))
    except SafetensorError as error:
        raise ValueError(f"weights file of {entry.label} cannot be read: {error}") from None
    expected = model.state_dict()
    problems = [
        f"{key}: expected {tuple(expected[key].shape)}, file has "
        + (f"{tuple(tensors[key].shape)}" if key in tensors else "none")
        for key in expected
        if key not in tensors or tensors[key].shape != expected[key].shape
    ]
    problems += [f"{key}: not in the model" for key in tensors if key not in expected]
    if problems:
        shown = "; ".join(problems[:3]) + (
            f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
        )
        raise ValueError(f"weights of {entry.label} do not fit the model: {shown}")
    with torch.no_grad():
        for key, target in expected.items():
            target.copy_(tensors[key].to(target.dtype))
    return model
