r"""Scheduled sampling and reverse scheduled sampling: which inputs are true frames.

Both schedules produce a per-sample teacher-forcing mask ``(B, T-1)`` for
:meth:`msrnn.models.Forecaster.forward`: entry ``[b, t]`` is 1 when step ``t`` of sample ``b``
reads the true frame and 0 when it reads the model's own previous prediction. Decisions are
Bernoulli draws from a seeded :class:`torch.Generator` on the model's device, so they are
vectorised, independent per sample and reproducible; the generator state can be saved and
restored with ``state_dict``.

* Scheduled sampling (Bengio et al., 2015), as in the MS-RNN code: the observed frames are always
  true; each later input is true with probability :math:`\eta_k = \max(0, 1 - k / K)` after
  ``k`` of ``K`` optimiser steps.
* Reverse scheduled sampling (PredRNN-V2, as in the MS-RNN code, epoch-granular): frame 0 is always
  true, the other observed frames are true with probability :math:`\eta_r` and the later ones with
  :math:`\eta`, where, for epoch ``e`` (1-based) of ``E``, :math:`e_1 = E/3`, :math:`e_2 = 2E/3`,
  :math:`\tau = e_1 / 5`:

  .. math::
      \eta_r(e) = \begin{cases} 0.5 & e < e_1 \\ 1 - 0.5 e^{-(e - e_1)/\tau} & e_1 \le e < e_2
                  \\ 1 & e \ge e_2 \end{cases} \qquad
      \eta(e) = \begin{cases} 0.5 & e < e_1 \\ 0.5 - 0.5 \frac{e - e_1}{e_2 - e_1}
                & e_1 \le e < e_2 \\ 0 & e \ge e_2 \end{cases}
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor


def scheduled_sampling_eta(step: int, total_steps: int) -> float:
    """Probability of feeding a true future frame after ``step`` of ``total_steps`` steps.

    Example:
        >>> scheduled_sampling_eta(0, 100), scheduled_sampling_eta(25, 100)
        (1.0, 0.75)
    """
    if total_steps < 1:
        raise ValueError(f"total_steps must be at least 1, got {total_steps}")
    return max(0.0, 1.0 - step / total_steps)


def reverse_sampling_etas(epoch: int, num_epochs: int) -> tuple[float, float]:
    """``(eta_r, eta)`` of reverse scheduled sampling in 1-based ``epoch`` of ``num_epochs``.

    Example:
        >>> [round(v, 3) for v in reverse_sampling_etas(7, 20)]
        [0.611, 0.475]
    """
    if num_epochs < 1:
        raise ValueError(f"num_epochs must be at least 1, got {num_epochs}")
    e1, e2 = num_epochs / 3, 2 * num_epochs / 3
    tau = e1 / 5
    if epoch < e1:
        return 0.5, 0.5
    if epoch < e2:
        return 1.0 - 0.5 * math.exp(-(epoch - e1) / tau), 0.5 - 0.5 * (epoch - e1) / (e2 - e1)
    return 1.0, 0.0


class _MaskSampler:
    """Seeded Bernoulli masks on any device; one generator per device, saved in ``state_dict``."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._generators: dict[str, torch.Generator] = {}

    def _generator(self, device: torch.device) -> torch.Generator:
        key = str(device)
        if key not in self._generators:
            generator = torch.Generator(device=device)
            generator.manual_seed(self.seed)
            self._generators[key] = generator
        return self._generators[key]

    def _draw(self, shape: tuple[int, int], probability: float, device: torch.device) -> Tensor:
        uniform = torch.rand(shape, generator=self._generator(device), device=device)
        return (uniform < probability).float()

    def state_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "generators": {k: g.get_state() for k, g in self._generators.items()},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.seed = state["seed"]
        self._generators = {}
        for key, rng_state in state["generators"].items():
            self._generator(torch.device(key)).set_state(rng_state)


def _check_lengths(seq_len: int, input_frames: int) -> None:
    if not 1 <= input_frames < seq_len:
        raise ValueError(
            f"input_frames must be between 1 and seq_len-1={seq_len - 1}, got {input_frames}"
        )


class ScheduledSampling(_MaskSampler):
    """Linear scheduled sampling over ``total_steps`` optimiser steps.

    Args:
        total_steps: steps until :math:`\\eta` reaches 0 (the whole run in the paper).
        seed: seed of the mask generator.
    """

    def __init__(self, total_steps: int, *, seed: int = 0) -> None:
        super().__init__(seed)
        scheduled_sampling_eta(0, total_steps)  # validates total_steps
        self.total_steps = total_steps

    def mask(
        self,
        batch: int,
        seq_len: int,
        input_frames: int,
        *,
        step: int,
        device: torch.device | str = "cpu",
    ) -> Tensor:
        """``(batch, seq_len-1)`` mask for optimiser step ``step`` (0-based)."""
        _check_lengths(seq_len, input_frames)
        device = torch.device(device)
        eta = scheduled_sampling_eta(step, self.total_steps)
        observed = torch.ones(batch, input_frames, device=device)
        future = self._draw((batch, seq_len - 1 - input_frames), eta, device)
        return torch.cat([observed, future], dim=1)


class ReverseScheduledSampling(_MaskSampler):
    """PredRNN-V2's reverse scheduled sampling over ``num_epochs`` epochs.

    Args:
        num_epochs: length of the run in epochs.
        seed: seed of the mask generator.
    """

    def __init__(self, num_epochs: int, *, seed: int = 0) -> None:
        super().__init__(seed)
        reverse_sampling_etas(1, num_epochs)  # validates num_epochs
        self.num_epochs = num_epochs

    def mask(
        self,
        batch: int,
        seq_len: int,
        input_frames: int,
        *,
        epoch: int,
        device: torch.device | str = "cpu",
    ) -> Tensor:
        """``(batch, seq_len-1)`` mask for 1-based ``epoch``."""
        _check_lengths(seq_len, input_frames)
        device = torch.device(device)
        eta_r, eta = reverse_sampling_etas(epoch, self.num_epochs)
        first = torch.ones(batch, 1, device=device)
        observed = self._draw((batch, input_frames - 1), eta_r, device)
        future = self._draw((batch, seq_len - 1 - input_frames), eta, device)
        return torch.cat([first, observed, future], dim=1)
