"""Training time that survives resumes: the seconds of the steps a checkpoint holds."""

from __future__ import annotations

import time
from typing import Any

import lightning as L


class FitClock(L.Callback):
    """Counts the wall-clock seconds of training and saves them in every checkpoint.

    The clock runs from the start of the training loop; a checkpoint stores the seconds counted
    when it was written, and a run resumed from it (``--ckpt_path last``) continues from that
    count. So :attr:`seconds` at the end of a run is the training time of the steps its weights
    went through, summed over every resume; the time an interrupted attempt spent after its last
    checkpoint was lost with those steps and is not counted.
    """

    def __init__(self) -> None:
        self._restored = 0.0
        self._started: float | None = None
        self._stopped: float | None = None

    @property
    def seconds(self) -> float:
        """Training seconds so far (all attempts up to their checkpoints, then this one)."""
        if self._started is None:
            return self._restored
        end = self._stopped if self._stopped is not None else time.perf_counter()
        return self._restored + end - self._started

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._started, self._stopped = time.perf_counter(), None

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._stopped = time.perf_counter()

    def state_dict(self) -> dict[str, Any]:
        return {"seconds": self.seconds}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self._restored = float(state_dict["seconds"])
