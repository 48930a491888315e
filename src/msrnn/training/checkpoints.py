"""Checkpoint files: read without running code, written whole or not at all.

A Lightning checkpoint is a pickle, and unpickling arbitrary objects can run arbitrary code. msrnn
therefore reads every checkpoint with ``torch.load(weights_only=True)``, which accepts tensors
and plain Python values only (an msrnn checkpoint holds nothing else), whatever a caller asks
for; a file holding anything more is refused, never loaded. Writes go through
:func:`msrnn.atomic.write_atomically`, so an interrupted or failed save (kill, full disk) leaves
the previous checkpoint intact.
"""

from __future__ import annotations

import pickle
import re
import struct
import zipfile
from pathlib import Path
from typing import Any

import torch
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO

from msrnn.atomic import write_atomically

#: What every msrnn checkpoint holds (Lightning writes both).
REQUIRED_KEYS = ("state_dict", "hyper_parameters")

#: What the weights-only unpickler raises on bytes that are no valid pickle (about 7% of random
#: files get past the opcode check and fail inside it instead of raising ``UnpicklingError``).
MALFORMED_PICKLE_ERRORS = (IndexError, KeyError, ValueError, TypeError, struct.error)


class CheckpointError(ValueError):
    """A checkpoint file that cannot be used; the message names the file and the fix."""


def read_checkpoint(path: str | Path, map_location: Any = "cpu") -> dict[str, Any]:
    """Load the checkpoint at ``path``, allowing tensors and plain values only.

    Args:
        path: the ``.ckpt`` file.
        map_location: where its tensors go (``torch.load``'s argument; default the CPU).

    Raises:
        FileNotFoundError: ``path`` does not exist.
        CheckpointError: ``path`` is a folder, empty, truncated, not a checkpoint, holds objects
            other than tensors and plain values, or lacks :data:`REQUIRED_KEYS`.
    """
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(
            f"checkpoint {path} is a folder: give a .ckpt file inside it, or the run folder as "
            "--trainer.default_root_dir with --ckpt_path best or last"
        )
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    if path.stat().st_size == 0:
        raise CheckpointError(f"checkpoint {path} is empty (an interrupted write?): use another")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        blocked = re.search(r"GLOBAL (\S+)", str(error))
        if blocked:
            raise CheckpointError(
                f"checkpoint {path} holds a Python object ({blocked.group(1)}) besides tensors "
                "and plain values; msrnn never loads such files, since unpickling them can run "
                "code: use a checkpoint written by msrnn"
            ) from None
        raise CheckpointError(f"{path} is not a checkpoint file (it does not unpickle)") from None
    except MALFORMED_PICKLE_ERRORS:
        raise CheckpointError(f"{path} is not a checkpoint file (it does not unpickle)") from None
    except (OSError, RuntimeError, EOFError, zipfile.BadZipFile) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CheckpointError(
            f"checkpoint {path} is truncated or not a checkpoint file ({reason})"
        ) from None
    if not isinstance(state, dict) or not all(key in state for key in REQUIRED_KEYS):
        raise CheckpointError(
            f"{path} is not an msrnn checkpoint (it has no {' or '.join(REQUIRED_KEYS)}): "
            "give a .ckpt file written by msrnn fit"
        )
    return state


class SafeCheckpointIO(TorchCheckpointIO):
    """Lightning's checkpoint I/O with msrnn's guarantees: atomic saves, code-free loads.

    Lightning's ``weights_only`` argument is ignored on loading: every checkpoint is read with
    :func:`read_checkpoint`.
    """

    def save_checkpoint(
        self, checkpoint: dict[str, Any], path: str | Path, storage_options: Any = None
    ) -> None:
        if storage_options is not None:
            raise TypeError(f"{type(self).__name__} takes no storage_options")
        write_atomically(path, lambda temporary: torch.save(checkpoint, temporary))

    def load_checkpoint(
        self, path: str | Path, map_location: Any = None, weights_only: bool | None = None
    ) -> dict[str, Any]:
        return read_checkpoint(path, map_location="cpu" if map_location is None else map_location)
