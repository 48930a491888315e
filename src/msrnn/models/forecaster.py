"""The forecaster: embedding, the recurrent stack unrolled in time, and the read-out."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F
from torch.utils._pytree import tree_flatten, tree_map, tree_unflatten
from torch.utils.checkpoint import checkpoint

from msrnn.cells.predrnn_v2 import DecouplingLoss
from msrnn.layers.fusable import is_fused, set_fused
from msrnn.layers.gates import shared_weight_casts
from msrnn.models.runtime import AUTOCAST_DTYPES, RuntimeOptions
from msrnn.models.stack import MultiScaleStack, StackState, StepOutput


@dataclass
class ForecastOutput:
    """What a forecaster returns for a sequence.

    Attributes:
        predictions: next-frame predictions, ``(B, T-1, C, H, W)``; ``predictions[:, t]``
            predicts ``frames[:, t + 1]``.
        decoupling_loss: PredRNN-V2's memory decoupling term (unweighted; summed over layers
            and channels, averaged over time steps and samples), ``None`` for other models.
    """

    predictions: Tensor
    decoupling_loss: Tensor | None = None


class Forecaster(nn.Module):
    r"""Autoregressive next-frame forecaster around a :class:`MultiScaleStack`.

    One time step: :math:`\hat X_{t+1} = W_{out} * \mathrm{Stack}(W_{in} * x_t)` with ``1x1``
    convolutions :math:`W_{in}: C_{img} p^2 \to C` and :math:`W_{out}: C \to C_{img} p^2` (no
    activation; outputs are not clipped). The input :math:`x_t` is the true frame :math:`X_t` or
    the model's own previous prediction :math:`\hat X_t`:

    * default: :math:`x_t = X_t` for ``t < input_frames``, :math:`\hat X_t` afterwards;
    * ``teacher_forcing`` mask :math:`m \in [0, 1]^{B \times (T-1)}` (scheduled sampling):
      :math:`x_t = m_{b,t} X_t + (1 - m_{b,t}) \hat X_t`, per sample.

    The last frame :math:`X_{T-1}` is never fed in. All ``T-1`` predictions are returned.

    **Patching** (space-to-depth, ``patch_size`` :math:`p`): each frame is cut into ``p x p``
    patches whose pixels become channels, :math:`(C_{img}, H, W) \to (C_{img} p^2, H/p, W/p)`
    (:func:`torch.nn.functional.pixel_unshuffle`), the whole recurrence runs on that :math:`p^2`
    times smaller grid, and the read-out is put back with
    :func:`~torch.nn.functional.pixel_shuffle`. The rearrangement is a permutation of pixels, so
    feeding a prediction back and the scheduled-sampling mix commute with it: the loop runs in patch
    space and only the returned predictions are rearranged. Only :math:`W_{in}` and :math:`W_{out}`
    grow, by :math:`(p^2 - 1)(2 C_{img} C + C_{img})` parameters (weights of both and the read-out's
    biases); ``p = 1`` is the unpatched model. Frame sides must be multiples of :math:`p` (an error
    names the nearest valid sizes): padding would score pixels that do not exist and cropping would
    drop real ones, so neither happens silently.

    Under autocast (e.g. Lightning's ``precision="bf16-mixed"``) the initial state is created in
    the autocast dtype, so the gate arithmetic of every step runs in that dtype instead of being
    promoted to float32 by a float32 state.

    **Runtime options** (fused gates, activation recomputation over time, channels-last, compiled
    step, precision; :mod:`msrnn.models.runtime`) are set with :meth:`configure` and read from
    :attr:`runtime`; they change neither parameters nor results. With recomputation in segments
    of ``k`` steps, per-step state ``S``, per-step activations ``A`` and ``R`` steps, the training
    peak is about :math:`\lceil R/k \rceil S + k A`, smallest near :math:`k = \sqrt{R S / A}`;
    every step runs forward twice whatever ``k``.

    Args:
        stack: the recurrent stack.
        in_channels: image channels :math:`C_{img}`.
        input_frames: number of observed frames used by default (10 in the paper's setting).
        decoupling: PredRNN-V2's decoupling loss; then every cell must return increments.
        patch_size: side :math:`p` of the square patches folded into channels (1: none).

    Shape:
        ``frames``: ``(B, T, C_img, H, W)`` float; ``predictions``: ``(B, T-1, C_img, H, W)``.
    """

    def __init__(
        self,
        stack: MultiScaleStack,
        *,
        in_channels: int = 1,
        input_frames: int = 10,
        decoupling: DecouplingLoss | None = None,
        patch_size: int = 1,
    ) -> None:
        super().__init__()
        if in_channels < 1:
            raise ValueError(f"in_channels must be positive, got {in_channels}")
        if input_frames < 1:
            raise ValueError(f"input_frames must be at least 1, got {input_frames}")
        if isinstance(patch_size, bool) or not isinstance(patch_size, int) or patch_size < 1:
            raise ValueError(f"patch_size must be a positive integer, got {patch_size!r}")
        self.in_channels = in_channels
        self.input_frames = input_frames
        self.patch_size = patch_size
        patched = in_channels * patch_size**2
        self.embed = nn.Conv2d(patched, stack.channels, kernel_size=1)
        self.stack = stack
        self.readout = nn.Conv2d(stack.channels, patched, kernel_size=1)
        self.decoupling = decoupling
        self._runtime = RuntimeOptions(fused=is_fused(stack))
        self._compiled_step: Callable[..., Any] | None = None

    @property
    def runtime(self) -> RuntimeOptions:
        """The runtime options in force (see :mod:`msrnn.models.runtime`)."""
        return self._runtime

    @property
    def memory_format(self) -> torch.memory_format:
        """``torch.channels_last`` when the ``channels_last`` option is on, else contiguous."""
        return torch.channels_last if self._runtime.channels_last else torch.contiguous_format

    def configure(self, **options: Any) -> Forecaster:
        """Set runtime options: ``fused``, ``recompute``, ``channels_last``, ``compile``,
        ``precision`` (see :mod:`msrnn.models.runtime`); the others stay as they are.

        * ``fused`` is set on every :class:`~msrnn.layers.fusable.Fusable` layer and cell.
        * ``channels_last`` converts the 4-D parameters in place, and every step keeps its
          embedded input and recurrent state channels-last, so the convolutions run as NHWC
          kernels (oneDNN on CPUs, cuDNN's NHWC path on GPUs) without a conversion per call;
          frames and predictions stay ``(B, T, C, H, W)`` tensors of the usual layout.
        * ``compile`` compiles one time step (``True``, or a mapping of :func:`torch.compile`
          options); ``False`` drops the compiled step.

        Returns:
            ``self``.

        Raises:
            ValueError: for an unknown option or a value outside its range.

        Example:
            >>> import msrnn
            >>> model = msrnn.build_model("ms-convlstm", hidden_channels=8, num_layers=4)
            >>> model.configure(recompute=2, channels_last=True).runtime.recompute
            2
        """
        runtime = self._runtime.replace(**options)
        if "fused" in options:
            set_fused(self, runtime.fused)
        if "channels_last" in options:
            self._runtime = runtime  # memory_format reads it
            self.to(memory_format=self.memory_format)
        if "compile" in options:
            compile_options = dict(runtime.compile) if not isinstance(runtime.compile, bool) else {}
            self._compiled_step = (
                torch.compile(self._step, **compile_options) if runtime.compile else None
            )
        self._runtime = runtime
        return self

    def forward(
        self,
        frames: Tensor,
        *,
        input_frames: int | None = None,
        teacher_forcing: Tensor | None = None,
    ) -> ForecastOutput:
        """Predict every next frame of ``frames``.

        Args:
            frames: ``(B, T, C, H, W)`` sequence, ``T >= 2``.
            input_frames: observed frames fed as ground truth (default: the constructor's);
                ignored when ``teacher_forcing`` is given.
            teacher_forcing: ``(B, T-1)`` probabilities or booleans of feeding the true frame at
                each step (1 = truth, 0 = own prediction); column 0 must be 1.

        Returns:
            :class:`ForecastOutput` with ``predictions`` of shape ``(B, T-1, C, H, W)``.

        Raises:
            ValueError: on a wrong shape, channel count, frame count, non-finite values or a bad
                mask.
            TypeError: if ``frames`` is not a floating-point tensor.
        """
        self.check_frames(frames, min_frames=2)
        steps = frames.shape[1] - 1
        if teacher_forcing is not None:
            mask = self._check_mask(teacher_forcing, frames)
            return self._unroll(frames, steps, truth_steps=1, mask=mask)
        observed = self.input_frames if input_frames is None else input_frames
        if not 1 <= observed <= frames.shape[1]:
            raise ValueError(
                f"input_frames must be between 1 and T={frames.shape[1]}, got {observed}"
            )
        return self._unroll(frames, steps, truth_steps=observed, mask=None)

    def forecast(self, context: Tensor, horizon: int) -> Tensor:
        """Forecast ``horizon`` frames after the observed ``context``.

        Args:
            context: ``(B, T_in, C, H, W)`` observed frames.
            horizon: number of future frames, at least 1.

        Returns:
            ``(B, horizon, C, H, W)`` predictions of the frames after the context.
        """
        self.check_frames(context, min_frames=1)
        if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1:
            raise ValueError(
                f"horizon must be a whole number of frames, at least 1, got {horizon!r}"
            )
        observed = context.shape[1]
        out = self._unroll(context, observed + horizon - 1, truth_steps=observed, mask=None)
        return out.predictions[:, observed - 1 :]

    def grid_size(self, height: int, width: int) -> tuple[int, int]:
        """The grid the recurrence runs on for ``height x width`` frames: ``(H/p, W/p)``.

        Raises:
            ValueError: if a side is not a multiple of ``patch_size``; the message names the
                nearest valid frame sizes.
        """
        p = self.patch_size
        if height % p or width % p:
            below = (height // p * p, width // p * p)
            above = (-(-height // p) * p, -(-width // p) * p)
            raise ValueError(
                f"frame size {height}x{width} is not a multiple of patch_size={p}: crop the "
                f"frames to {below[0]}x{below[1]} or pad them to {above[0]}x{above[1]}, or "
                f"choose a patch_size that divides both sides"
            )
        return height // p, width // p

    def min_frame_size(self) -> int:
        """Smallest frame side the model accepts: the scale plan's smallest grid, times ``p``."""
        return self.patch_size * self.stack.min_frame_size()

    def frame_granularity(self) -> int:
        """Frame sides that are multiples of this give every layer an exact grid: p·2^max level."""
        return self.patch_size * 2 ** max(self.stack.levels)

    def _unroll(
        self, frames: Tensor, steps: int, *, truth_steps: int, mask: Tensor | None
    ) -> ForecastOutput:
        with self._autocast(frames.device.type), shared_weight_casts():
            return self._unroll_in_context(frames, steps, truth_steps=truth_steps, mask=mask)

    def _autocast(self, device_type: str) -> contextlib.AbstractContextManager:
        """Autocast to the ``precision`` option's dtype; nothing when it is ``None``."""
        if self._runtime.precision is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type, dtype=AUTOCAST_DTYPES[self._runtime.precision])

    def _unroll_in_context(
        self, frames: Tensor, steps: int, *, truth_steps: int, mask: Tensor | None
    ) -> ForecastOutput:
        frames = self._to_patches(frames)
        state = self._initial_state(frames)
        recompute = self._runtime.recompute
        segmented = bool(recompute) and torch.is_grad_enabled()
        length = recompute if segmented else steps  # steps per segment
        predictions: list[Tensor] = []
        terms: list[Tensor] = []
        prediction = None
        for start in range(0, steps, length):
            times = range(start, min(start + length, steps))
            inputs = (times, frames, mask, truth_steps, prediction, state)
            if segmented:
                new, state, new_terms = self._recomputed_steps(*inputs)
            else:
                new, state, new_terms = self._steps(*inputs)
            predictions += new
            terms += new_terms
            prediction = predictions[-1]
        loss = torch.stack(terms).mean() if self.decoupling is not None else None
        # NOTE: stacking channels-last frames gives a time-fastest layout; make it (B, T, C, H, W).
        stacked = torch.stack(predictions, dim=1).contiguous()
        return ForecastOutput(self._from_patches(stacked), loss)

    def _patch_note(self) -> str:
        return f" on {self.patch_size}x{self.patch_size} patches" if self.patch_size > 1 else ""

    def _to_patches(self, frames: Tensor) -> Tensor:
        """``(B, T, C, H, W) -> (B, T, C p^2, H/p, W/p)`` (the identity for ``p = 1``)."""
        if self.patch_size == 1:
            return frames
        batch, length = frames.shape[:2]
        patched = F.pixel_unshuffle(frames.flatten(0, 1), self.patch_size)
        return patched.unflatten(0, (batch, length))

    def _from_patches(self, frames: Tensor) -> Tensor:
        """The inverse of :meth:`_to_patches`."""
        if self.patch_size == 1:
            return frames
        batch, length = frames.shape[:2]
        restored = F.pixel_shuffle(frames.flatten(0, 1), self.patch_size)
        return restored.unflatten(0, (batch, length))

    def _steps(
        self,
        times: range,
        frames: Tensor,
        mask: Tensor | None,
        truth_steps: int,
        prediction: Tensor | None,
        state: StackState,
    ) -> tuple[list[Tensor], StackState, list[Tensor]]:
        """Run the time steps ``times`` (the compiled step if ``compile`` is on): their
        predictions, the state after them and their decoupling terms. Step ``t`` is fed
        :math:`X_t` while ``t < truth_steps``, then the previous ``prediction`` (mixed with
        :math:`X_t` by ``mask`` when one is given)."""
        predictions: list[Tensor] = []
        terms: list[Tensor] = []
        for t in times:
            if t < truth_steps:
                x = frames[:, t]
            elif mask is None:
                x = prediction
            else:
                m = mask[:, t].view(-1, 1, 1, 1)
                x = m * frames[:, t] + (1 - m) * prediction
            prediction, state, term = (self._compiled_step or self._step)(x, state)
            predictions.append(prediction)
            if term is not None:
                terms.append(term)
        return predictions, state, terms

    def _initial_state(self, frames: Tensor) -> StackState:
        """The zero state, in the autocast dtype when autocast is on, in :attr:`memory_format`."""
        batch, _, _, height, width = frames.shape
        device = frames.device
        dtype = frames.dtype
        if torch.amp.is_autocast_available(device.type) and torch.is_autocast_enabled(device.type):
            # NOTE: a float32 state would promote every gate product to float32 (bf16 * fp32 ->
            # fp32) and cast the hidden state back to bf16 before each convolution.
            dtype = torch.get_autocast_dtype(device.type)
        state = self.stack.init_state(batch, (height, width), device=device, dtype=dtype)
        if self.memory_format is torch.contiguous_format:
            return state
        return tree_map(self._to_memory_format, state)

    def _to_memory_format(self, leaf: Tensor | None) -> Tensor | None:
        if isinstance(leaf, Tensor) and leaf.dim() == 4:
            return leaf.contiguous(memory_format=self.memory_format)
        return leaf

    def _step(self, x: Tensor, state: StackState) -> tuple[Tensor, StackState, Tensor | None]:
        """One time step: next-frame prediction, new state, decoupling term (or None)."""
        embedded = self.embed(x).contiguous(memory_format=self.memory_format)
        step: StepOutput = self.stack(embedded, state)
        term = self._decoupling_step(step) if self.decoupling is not None else None
        return self.readout(step.hidden), step.state, term

    def _recomputed_steps(
        self,
        times: range,
        frames: Tensor,
        mask: Tensor | None,
        truth_steps: int,
        prediction: Tensor | None,
        state: StackState,
    ) -> tuple[list[Tensor], StackState, list[Tensor]]:
        """:meth:`_steps` as one segment recomputed in backward (:func:`~torch.utils.checkpoint.
        checkpoint`).

        The state's tensors are passed as separate arguments (not inside the nested tuple) so that
        the checkpoint saves them like any other input: they, the previous prediction and the
        frames are exactly what the segment keeps for backward.
        """
        leaves, spec = tree_flatten(state)

        def run(frames: Tensor, mask: Tensor | None, prediction: Tensor | None, *leaves):
            state = tree_unflatten(list(leaves), spec)
            return self._steps(times, frames, mask, truth_steps, prediction, state)

        return checkpoint(run, frames, mask, prediction, *leaves, use_reentrant=False)

    def _decoupling_step(self, step: StepOutput) -> Tensor:
        """Per-sample decoupling term of one step, summed over layers: ``(B,)``."""
        total = None
        for aux in step.aux:
            if aux is None:
                raise ValueError("decoupling needs cells built with return_increments=True")
            term = self.decoupling(aux["delta_c"], aux["delta_m"])
            total = term if total is None else total + term
        return total

    def check_frames(self, frames: Tensor, *, min_frames: int) -> None:
        """Validate a ``(B, T, C, H, W)`` sequence at the public boundary.

        Raises:
            TypeError: if ``frames`` is not a floating-point tensor, or (outside autocast) not of
                the weights' dtype.
            ValueError: on a wrong rank, channel count, too few frames, a frame too small for the
                scale plan, or NaN/inf values.
        """
        if not isinstance(frames, Tensor) or not frames.is_floating_point():
            kind = frames.dtype if isinstance(frames, Tensor) else type(frames).__name__
            raise TypeError(f"frames must be a floating-point tensor, got {kind}")
        if frames.dim() != 5:
            raise ValueError(f"frames must be (B, T, C, H, W), got shape {tuple(frames.shape)}")
        weights = next(self.parameters()).dtype
        if frames.dtype != weights and not _autocast_enabled(frames.device.type):
            raise TypeError(
                f"frames are {frames.dtype} but the model's weights are {weights}: convert the "
                f"frames (frames.to({weights})) or the model (model.to({frames.dtype})), or run "
                "under torch.autocast"
            )
        _, length, channels, height, width = frames.shape
        if channels != self.in_channels:
            raise ValueError(
                f"frames have {channels} channels but the model expects {self.in_channels}; "
                f"build it with in_channels={channels} or convert the data"
            )
        if length < min_frames:
            raise ValueError(f"frames must hold at least {min_frames} frames, got T={length}")
        self.grid_size(height, width)
        smallest = self.min_frame_size()
        if min(height, width) < smallest:
            raise ValueError(
                f"frame size {height}x{width} is too small for the scale plan "
                f"{self.stack.levels}{self._patch_note()}: each side must be at least {smallest}"
            )
        if not torch.isfinite(frames).all():
            raise ValueError("frames contain NaN or infinite values; clean or mask the data first")

    @staticmethod
    def _check_mask(mask: Tensor, frames: Tensor) -> Tensor:
        expected = (frames.shape[0], frames.shape[1] - 1)
        if tuple(mask.shape) != expected:
            raise ValueError(
                f"teacher_forcing must have shape (B, T-1) = {expected}, got {tuple(mask.shape)}"
            )
        mask = mask.to(device=frames.device, dtype=frames.dtype)
        if not bool(((mask >= 0) & (mask <= 1)).all()):  # NaN fails both comparisons
            raise ValueError("teacher_forcing must hold probabilities in [0, 1] (no NaN)")
        if not bool((mask[:, 0] == 1).all()):
            raise ValueError("teacher_forcing[:, 0] must be 1: no prediction exists before step 0")
        return mask


def _autocast_enabled(device_type: str) -> bool:
    """Whether autocast is on for ``device_type`` (devices without autocast, such as the meta
    device of dry runs, count as on: their dtypes are the tracer's business)."""
    try:
        return torch.is_autocast_enabled(device_type)
    except RuntimeError:
        return True
