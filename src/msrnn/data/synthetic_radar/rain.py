r"""Synthetic rain fields with a known motion: advected, growing and decaying Gaussian cells over
advected stratiform rain.

Per sequence, with :math:`t = 0, \dots, T-1` in frames and pixel coordinates :math:`x` (column),
:math:`y` (row):

* a uniform background motion :math:`u = (u_x, u_y)` px/frame;
* stratiform rain: a periodic power-law noise field :math:`n` (radial amplitude spectrum
  :math:`\propto k^{-3/2}`, i.e. a :math:`k^{-3}` power spectrum) advected exactly by the Fourier
  shift theorem, :math:`n_t(x) = n_0(x - u t)`, standardised with the statistics of :math:`n_0`;
  the wettest ``stratiform_fraction`` of :math:`n_0` is rain, rising linearly from ``lo`` to
  ``hi`` mm/h above the threshold :math:`q`;
* :math:`K \sim \mathrm{Poisson}(\text{num\_cells})` convective cells, each an anisotropic
  Gaussian (axes :math:`\sigma_a, \sigma_b`, orientation :math:`\theta`) moving with
  :math:`u + w_k` (own drift :math:`w_k`) and with a life cycle

.. math::
    I_k(t) = I_k^{\max} \exp\!\Big(-\frac{(t - t_k)^2}{2 \tau_k^2}\Big),
    \qquad R(x, t) = R_s(x, t) + \sum_k I_k(t)\,
    \exp\!\Big(-\tfrac12 \big(\tfrac{a^2}{\sigma_a^2} + \tfrac{b^2}{\sigma_b^2}\big)\Big),

where :math:`(a, b)` are the coordinates of :math:`x - c_k(t)` along the cell's axes. Cells peak
at :math:`t_k \sim U(-T/4, 5T/4)`, so some grow into the forecast window and some decay in it:
what pure advection cannot predict. With ``lifecycle=False`` intensities stay at
:math:`I_k^{\max}`; with ``cell_drift=0`` as well, the whole field is advected by :math:`u` alone.

Every draw of sequence ``index`` of a split comes from a generator seeded with
``(seed, split_id, index)``: any sequence can be generated alone, in any worker, in any order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from msrnn.data.splits import check_split, split_id

#: The demo setting of :class:`msrnn.training.SyntheticRadarDataModule` (HKO-7's 10 -> 10 frames at
#: a demo scale), and the generator's defaults.
DEMO_SIZE = 64
DEMO_INPUT_FRAMES = 10
DEMO_OUTPUT_FRAMES = 10
DEMO_NUM_CELLS = 5.0
DEMO_MAX_SPEED = 2.0
DEMO_STRATIFORM_FRACTION = 0.3


@dataclass(frozen=True)
class RainSample:
    """One generated sequence.

    Attributes:
        rain: ``(T, H, W)`` float32 rain rate in mm/h.
        motion: ``(2,)`` background motion ``(u_x, u_y)`` in px/frame (x = column, y = row).
        centres: ``(T, K, 2)`` cell centres ``(x, y)`` in px.
        intensity: ``(T, K)`` cell peak rain rates in mm/h.
    """

    rain: np.ndarray
    motion: np.ndarray
    centres: np.ndarray
    intensity: np.ndarray


def _pair(value: Sequence[float], name: str, *, positive: bool = True) -> tuple[float, float]:
    lo, hi = (float(v) for v in value)
    if lo > hi or (positive and lo <= 0):
        raise ValueError(f"{name} must be (low, high) with 0 < low <= high, got {tuple(value)}")
    return lo, hi


class SyntheticRain:
    """Generator of synthetic rain sequences (see the module docstring for the model).

    Args:
        size: frame side or ``(H, W)`` in pixels.
        seq_len: frames per sequence ``T``.
        num_cells: mean number of convective cells (Poisson).
        cell_sigma: range of the cells' Gaussian axes in pixels.
        peak_rain: range of the cells' peak rates in mm/h (log-uniform).
        max_speed: background motion components drawn from ``U(-max_speed, max_speed)`` px/frame.
        cell_drift: cells' own velocity components from ``U(-cell_drift, cell_drift)``.
        lifecycle: cells grow and decay (else constant intensity).
        stratiform_fraction: wet share of the stratiform layer, in [0, 1).
        stratiform_rain: rate range of the stratiform rain in mm/h.
        motion: a fixed background motion ``(u_x, u_y)`` instead of a random one.
        seed: base seed.

    Raises:
        ValueError: for invalid settings.

    Example:
        >>> sample = SyntheticRain(size=16, seq_len=3).sample(0)
        >>> sample.rain.shape, sample.rain.dtype, bool(sample.rain.min() >= 0)
        ((3, 16, 16), dtype('float32'), True)
    """

    def __init__(
        self,
        *,
        size: int | tuple[int, int] = DEMO_SIZE,
        seq_len: int = DEMO_INPUT_FRAMES + DEMO_OUTPUT_FRAMES,
        num_cells: float = DEMO_NUM_CELLS,
        cell_sigma: Sequence[float] = (2.0, 6.0),
        peak_rain: Sequence[float] = (5.0, 80.0),
        max_speed: float = DEMO_MAX_SPEED,
        cell_drift: float = 0.5,
        lifecycle: bool = True,
        stratiform_fraction: float = DEMO_STRATIFORM_FRACTION,
        stratiform_rain: Sequence[float] = (0.2, 3.0),
        motion: Sequence[float] | None = None,
        seed: int = 0,
    ) -> None:
        height, width = (size, size) if isinstance(size, int) else (int(s) for s in size)
        if min(height, width) < 2 or seq_len < 1:
            raise ValueError(f"size must be >= 2 px and seq_len >= 1, got {size}, {seq_len}")
        if num_cells < 0 or max_speed < 0 or cell_drift < 0:
            raise ValueError("num_cells, max_speed and cell_drift must be >= 0")
        if not 0.0 <= stratiform_fraction < 1.0:
            raise ValueError(f"stratiform_fraction must be in [0, 1), got {stratiform_fraction}")
        if motion is not None and len(motion) != 2:
            raise ValueError(f"motion must be (u_x, u_y) in px/frame, got {motion}")
        self.size, self.seq_len, self.seed = (height, width), seq_len, seed
        self.num_cells, self.max_speed, self.cell_drift = num_cells, max_speed, cell_drift
        self.cell_sigma = _pair(cell_sigma, "cell_sigma")
        self.peak_rain = _pair(peak_rain, "peak_rain")
        self.stratiform_rain = _pair(stratiform_rain, "stratiform_rain")
        self.lifecycle, self.stratiform_fraction = lifecycle, stratiform_fraction
        self.motion = None if motion is None else np.asarray(motion, dtype=np.float64)

    def sample(self, index: int, split: str = "train") -> RainSample:
        """Sequence ``index`` of ``split`` (``"train"``, ``"val"`` or ``"test"``)."""
        check_split(split)
        if index < 0:
            raise IndexError(f"index must be >= 0, got {index}")
        rng = np.random.default_rng((self.seed, split_id(split), index))
        motion = rng.uniform(-self.max_speed, self.max_speed, 2)
        motion = motion if self.motion is None else self.motion
        centres, intensity, shapes = self._cells(rng, motion)
        rain = self._stratiform(rng, motion)
        for t in range(self.seq_len):
            rain[t] += self._render_cells(centres[t], intensity[t], shapes)
        return RainSample(rain.astype(np.float32), motion, centres, intensity)

    def _cells(self, rng: np.random.Generator, motion: np.ndarray):
        count, steps = rng.poisson(self.num_cells), self.seq_len
        height, width = self.size
        drift = rng.uniform(-self.cell_drift, self.cell_drift, (count, 2))
        velocity = motion[None] + drift
        # start so that the cells are spread over the frame in the middle of the sequence
        start = rng.uniform(0, 1, (count, 2)) * [width, height] - velocity * (steps - 1) / 2
        t = np.arange(steps, dtype=np.float64)[:, None]
        centres = start[None] + t[..., None] * velocity[None]
        sigmas = rng.uniform(*self.cell_sigma, (count, 2))
        angles = rng.uniform(0, np.pi, count)
        peaks = np.exp(rng.uniform(*np.log(self.peak_rain), count))
        t_peak = rng.uniform(-0.25 * steps, 1.25 * steps, count)
        tau = np.maximum(rng.uniform(0.15 * steps, 0.5 * steps, count), 1.0)
        envelope = np.exp(-0.5 * ((t - t_peak) / tau) ** 2) if self.lifecycle else 1.0
        return centres, peaks[None] * envelope * np.ones((steps, 1)), (sigmas, angles)

    def _render_cells(self, centres: np.ndarray, intensity: np.ndarray, shapes) -> np.ndarray:
        sigmas, angles = shapes
        height, width = self.size
        y, x = np.mgrid[0:height, 0:width].astype(np.float64)
        dx = x[None] - centres[:, 0, None, None]
        dy = y[None] - centres[:, 1, None, None]
        cos, sin = np.cos(angles)[:, None, None], np.sin(angles)[:, None, None]
        along, across = dx * cos + dy * sin, dy * cos - dx * sin
        exponent = (along / sigmas[:, 0, None, None]) ** 2 + (
            across / sigmas[:, 1, None, None]
        ) ** 2
        return (intensity[:, None, None] * np.exp(-0.5 * exponent)).sum(axis=0)

    def _stratiform(self, rng: np.random.Generator, motion: np.ndarray) -> np.ndarray:
        height, width = self.size
        if self.stratiform_fraction == 0:
            return np.zeros((self.seq_len, height, width))
        ky, kx = np.fft.fftfreq(height)[:, None], np.fft.rfftfreq(width)[None, :]
        radius = np.hypot(kx, ky)
        radius[0, 0] = np.inf  # no mean component
        spectrum = radius**-1.5 * (
            rng.normal(size=radius.shape) + 1j * rng.normal(size=radius.shape)
        )
        t = np.arange(self.seq_len, dtype=np.float64)[:, None, None]
        shift = np.exp(-2j * np.pi * (kx[None] * motion[0] + ky[None] * motion[1]) * t)
        noise = np.fft.irfft2(spectrum[None] * shift, s=(height, width))
        noise = (noise - noise[0].mean()) / noise[0].std()
        threshold = np.quantile(noise[0], 1.0 - self.stratiform_fraction)
        lo, hi = self.stratiform_rain
        excess = (noise - threshold) / max(noise[0].max() - threshold, 1e-6)
        return np.where(noise > threshold, np.clip(lo + (hi - lo) * excess, lo, hi), 0.0)
