"""The ``msrnn`` command line before LightningCLI parses it: its ``--config`` files read and
checked, and the default data module named when neither the command line nor a config names one.

The default is added as ``--data <class>`` only then, never as a parser default: LightningCLI
keeps the settings of a replaced data class that the new class also accepts, so a parser default
would lend the embedded Moving MNIST's ``size`` and sequence counts to every data module a config
chooses instead of that module's own defaults.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

#: The data module when neither a config nor ``--data`` names one: the embedded Moving MNIST.
DEFAULT_DATA = "msrnn.training.MovingMNISTDataModule"
SUBCOMMANDS = ("fit", "validate", "test", "predict")


def config_files(args: Sequence[str]) -> list[dict[str, Any]]:
    """The contents of the ``--config`` files of ``args``, in order.

    Raises:
        FileNotFoundError: a config file is missing.
        ValueError: a config file is not valid YAML, or is empty or not a mapping.
    """
    import yaml

    given = [value for flag, value in pairwise(args) if flag in ("--config", "-c")]
    given += [arg.split("=", 1)[1] for arg in args if arg.startswith("--config=")]
    contents = []
    for value in given:
        path = Path(value)
        if not path.is_file():
            raise FileNotFoundError(f"--config {path}: no such file")
        try:
            content = yaml.safe_load(path.read_text())
        except yaml.YAMLError as error:
            raise ValueError(f"--config {path} is not valid YAML ({error})") from None
        if not isinstance(content, dict):
            what = "empty" if content is None else f"a {type(content).__name__}, not a mapping"
            raise ValueError(
                f"--config {path} is {what}: a config maps sections (model:, data:, trainer:) "
                "to their settings; see configs/quickstart.yaml"
            )
        contents.append(content)
    return contents


def names_data(args: Sequence[str]) -> bool:
    """Whether ``args`` or one of their config files chooses the data module."""
    if any(arg == "--data" or arg.startswith("--data=") for arg in args):
        return True
    for content in config_files(args):
        data = content.get("data")
        if isinstance(data, str) or (isinstance(data, dict) and "class_path" in data):
            return True
    return False


def with_default_data(args: Sequence[str]) -> list[str]:
    """``args`` with ``--data`` :data:`DEFAULT_DATA` after the subcommand, unless they (or their
    config files) choose a data module."""
    args = list(args)
    if names_data(args):
        return args
    at = next((index + 1 for index, arg in enumerate(args) if arg in SUBCOMMANDS), 0)
    return [*args[:at], "--data", DEFAULT_DATA, *args[at:]]
