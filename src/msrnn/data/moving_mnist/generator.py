r"""Moving MNIST generated on demand, deterministically, from MNIST digits.

Srivastava et al., "Unsupervised Learning of Video Representations using LSTMs", ICML 2015,
https://arxiv.org/abs/1502.04681, with the rules of the generator used by MS-RNN
Per sequence, each of the ``num_digits`` digits is
drawn with replacement from the split's pool and gets

* a direction :math:`\theta \sim U(-\pi, \pi)` and an integer speed :math:`s \sim U\{2, \dots, 6\}`
  px/frame, i.e. the velocity :math:`v = (s\cos\theta, s\sin\theta)` in ``(x, y)`` = (column, row);
* a top-left start position :math:`p_0 \sim U[0, L)^2` with :math:`L = \text{size} - 28`.

Frame :math:`t` pastes every digit with its top-left corner at :math:`p_t` truncated toward zero
(``int(p_t)``; parts outside the canvas are cut), adds the digits (overlaps add up) and clips to
255. Then, per coordinate, with the margin :math:`m = 2`:

.. math::
    v \leftarrow -v \ \text{ if } \ p_t + v < -m \ \text{ or } \ p_t + v > L + m, \qquad
    p_{t+1} = p_t + v,

so positions stay in :math:`[-m, L + m]` (whenever :math:`L + 2m \ge 2s`, i.e. for any
``size >= 36``). Digits are drawn upright (no transpose/flip needed).

Every random draw of sequence ``i`` of ``split`` comes from a generator seeded with
``(seed, split_id, i)``, so any sequence can be generated alone, in any order, in any worker.
Splits use disjoint digit pools (:mod:`msrnn.data.moving_mnist.digits`) and differently seeded
sequences.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from numpy.lib.stride_tricks import as_strided
from torch import Tensor
from torch.utils.data import Dataset

from msrnn.data.info import DatasetInfo
from msrnn.data.moving_mnist.digits import digit_pool
from msrnn.data.splits import FRACTIONS, SPLITS, Split, check_split, split_id

NAME = "moving-mnist"
#: The paper's 15 000 sequences split 7 : 1 : 2 (10 500 / 1 500 / 3 000).
PAPER_NUM_SEQUENCES = {
    split: round(15_000 * fraction) for split, fraction in zip(SPLITS, FRACTIONS, strict=True)
}
PAPER_SIZE = 64
PAPER_NUM_DIGITS = 2
PAPER_INPUT_FRAMES = 10
PAPER_OUTPUT_FRAMES = 10
BOUNCE_MARGIN = 2
SPEEDS = (2, 6)


class SequenceLayout(NamedTuple):
    """Where the digits of one sequence are.

    Attributes:
        digits: ``(D,)`` indices of the digits in their source file (see ``DigitPool.indices``).
        positions: ``(T, D, 2)`` float top-left corners ``(x, y)`` per frame, in pixels.
    """

    digits: np.ndarray
    positions: np.ndarray


class MovingMNIST(Dataset):
    """Bouncing MNIST digits, generated per index; clips ``(T, 1, size, size)`` in [0, 1].

    Args:
        split: ``"train"``, ``"val"`` or ``"test"``.
        num_sequences: sequences in this split; default the paper's 15 000 split 7 : 1 : 2
            (10 500 / 1 500 / 3 000).
        seq_len: frames per sequence ``T``.
        size: canvas height and width in pixels.
        num_digits: digits per sequence.
        seed: base seed; the same seed gives the same sequences.
        mnist_train: real MNIST training images (IDX, for the train and val pools); default the
            embedded 5 000 digits.
        mnist_test: real MNIST test images (IDX, for the test pool); give both files or neither.

    Shape:
        ``dataset[i]``: ``(seq_len, 1, size, size)`` float32; :meth:`sequence`: ``(T, size, size)``
        uint8.

    Example:
        >>> data = MovingMNIST(split="val", num_sequences=3, seq_len=4, size=32)
        >>> clip = data[0]
        >>> tuple(clip.shape), clip.dtype, bool(clip.max() <= 1.0)
        ((4, 1, 32, 32), torch.float32, True)
    """

    def __init__(
        self,
        *,
        split: Split = "train",
        num_sequences: int | None = None,
        seq_len: int = PAPER_INPUT_FRAMES + PAPER_OUTPUT_FRAMES,
        size: int = PAPER_SIZE,
        num_digits: int = PAPER_NUM_DIGITS,
        seed: int = 0,
        mnist_train: str | Path | None = None,
        mnist_test: str | Path | None = None,
    ) -> None:
        check_split(split)
        self.pool = digit_pool(split, mnist_train=mnist_train, mnist_test=mnist_test)
        if num_sequences is None:
            num_sequences = PAPER_NUM_SEQUENCES[split]
        _check_settings(num_sequences, seq_len, size, num_digits, seed, self.pool.images.shape)
        self.split = split
        self.num_sequences = num_sequences
        self.num_digits = num_digits
        self.seed = seed
        self.size = size
        digit_h, digit_w = self.pool.images.shape[1:]
        self._limit = np.array([size - digit_w, size - digit_h], dtype=np.float64)
        self.info = DatasetInfo(name=NAME, channels=1, frame_size=(size, size), seq_len=seq_len)

    def __len__(self) -> int:
        return self.num_sequences

    def __getitem__(self, index: int) -> Tensor:
        # numpy, not torch: a tiny torch op can stall on busy intra-op threads in the main process
        frames = np.divide(self.sequence(index)[:, None], np.float32(255), dtype=np.float32)
        return torch.from_numpy(frames)

    def layout(self, index: int) -> SequenceLayout:
        """Digits and trajectories of sequence ``index`` (the random part of the sequence)."""
        slots, positions = self._draw(index)
        return SequenceLayout(self.pool.indices[slots], positions)

    def sequence(self, index: int) -> np.ndarray:
        """Sequence ``index`` as ``(T, size, size)`` uint8 (0 = background)."""
        slots, positions = self._draw(index)
        return render(self.pool.images[slots], positions, self.size)

    def materialize(self) -> np.ndarray:
        """All sequences as one ``(N, T, size, size)`` uint8 array (``N * T * size**2`` bytes)."""
        out = np.empty((self.num_sequences, self.info.seq_len, self.size, self.size), np.uint8)
        for index in range(self.num_sequences):
            out[index] = self.sequence(index)
        return out

    def _draw(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Pool slots ``(D,)`` of the digits and their positions ``(T, D, 2)``."""
        if not 0 <= index < self.num_sequences:
            raise IndexError(f"index {index} out of range for {self.num_sequences} sequences")
        rng = np.random.default_rng((self.seed, split_id(self.split), index))
        slots = rng.integers(0, len(self.pool.indices), self.num_digits)
        theta = rng.uniform(-np.pi, np.pi, self.num_digits)
        speed = rng.integers(SPEEDS[0], SPEEDS[1] + 1, self.num_digits)
        start = rng.uniform(0.0, 1.0, (self.num_digits, 2)) * self._limit
        velocity = speed[:, None] * np.stack([np.cos(theta), np.sin(theta)], axis=1)
        return slots, bounce(start, velocity, self.info.seq_len, self._limit)


def bounce(
    start: np.ndarray, velocity: np.ndarray, num_frames: int, limit: np.ndarray
) -> np.ndarray:
    """Positions ``(T, D, 2)`` from ``start`` and ``velocity`` ``(D, 2)`` under the bounce rule.

    ``limit`` ``(2,)`` is :math:`L` per coordinate; see the module docstring. The state is a few
    numbers, so plain Python floats are faster here than numpy calls per frame.

    Example:
        >>> bounce(np.array([[1.0, 5.0]]), np.array([[-2.0, 0.0]]), 4, np.array([36.0, 36.0]))[:, 0]
        array([[ 1.,  5.],
               [-1.,  5.],
               [ 1.,  5.],
               [ 3.,  5.]])
    """
    low, high = -BOUNCE_MARGIN, (np.asarray(limit, dtype=np.float64) + BOUNCE_MARGIN).tolist()
    position = np.asarray(start, dtype=np.float64).tolist()
    speed = np.asarray(velocity, dtype=np.float64).tolist()
    frames = []
    for _ in range(num_frames):
        frames.append([list(p) for p in position])
        for p, v in zip(position, speed, strict=True):
            for axis in (0, 1):
                tentative = p[axis] + v[axis]
                if tentative < low or tentative > high[axis]:
                    v[axis] = -v[axis]
                p[axis] += v[axis]
    return np.array(frames, dtype=np.float64).reshape(num_frames, *np.shape(start))


def render(digits: np.ndarray, positions: np.ndarray, size: int) -> np.ndarray:
    """Frames ``(T, size, size)`` uint8: ``digits`` ``(D, h, w)`` summed at ``positions``.

    ``positions`` ``(T, D, 2)`` are top-left corners ``(x, y)``, truncated toward zero; the parts
    of a digit outside the canvas are cut off. All frames of all digits come from one gather:
    frame ``t`` of digit ``d`` is the ``size x size`` window at offset ``(size - y, size - x)`` of
    a ``(2 size + h, 2 size + w)`` canvas holding the digit at ``(size, size)``.
    """
    num_digits, digit_h, digit_w = digits.shape
    # corners beyond a full digit outside the canvas draw nothing, like the clipped ones
    corners = np.clip(positions.astype(np.int64), [-digit_w, -digit_h], size)
    canvas = np.zeros((num_digits, 2 * size + digit_h, 2 * size + digit_w), np.uint8)
    canvas[:, size : size + digit_h, size : size + digit_w] = digits
    step_d, step_y, step_x = canvas.strides
    windows = as_strided(
        canvas,
        shape=(num_digits, size + digit_h + 1, size + digit_w + 1, size, size),
        strides=(step_d, step_y, step_x, step_y, step_x),
        writeable=False,
    )
    rows, cols = size - corners[..., 1].T, size - corners[..., 0].T  # (D, T)
    frames = windows[np.arange(num_digits)[:, None], rows, cols].sum(axis=0, dtype=np.uint16)
    # NOTE: minimum against an array; numpy's array-with-scalar minimum is several times slower
    return np.minimum(frames, np.full(frames.shape, 255, np.uint16)).astype(np.uint8)


def _check_settings(
    num_sequences: int, seq_len: int, size: int, num_digits: int, seed: int, pool_shape: tuple
) -> None:
    for name, value in [("num_sequences", num_sequences), ("seq_len", seq_len)]:
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    if num_digits < 1:
        raise ValueError(f"num_digits must be >= 1, got {num_digits}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    if size < max(pool_shape[1:]):
        raise ValueError(f"size={size} is smaller than the {pool_shape[1:]} digits; use size >= 28")
