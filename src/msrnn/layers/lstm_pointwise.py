r"""The element-wise part of LSTM-type cells as autograd functions with analytic backward passes.

Written with autograd's operators, a ConvLSTM step's gate arithmetic is nine element-wise kernels
forward, each with its own output tensor, and more backward, where each operator's gradient is a
new tensor and the four gate gradients are concatenated at the end. The functions here write the
activations of all gates into one tensor, reuse their buffers in place, write the gate gradients
straight into one tensor, and save only what the derivatives need. The backward passes use the
identities :math:`\sigma'(x) = \sigma(x)(1 - \sigma(x))` and :math:`\tanh'(x) = 1 - \tanh^2(x)`
on the saved activations (``aten.sigmoid_backward`` and ``aten.tanh_backward``, as autograd
itself does). On the CPU in float32 they evaluate :math:`\tanh(x) = 2\sigma(2x) - 1`
(:func:`fast_tanh`): PyTorch's CPU tanh kernel is several times slower than its sigmoid.

Gate tensors are channel blocks of one convolution output, in the order of the cells' equations:
``[i, f, g, o]`` for ConvLSTM, ``[i, f, g]`` for an LSTM state update. Under autocast the gates
may be lower precision than the state; the arithmetic then follows PyTorch's type promotion, as
the autograd formulation does, and each gradient is returned in its input's dtype. Double backward
is not supported.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable

_sigmoid_backward = torch.ops.aten.sigmoid_backward.grad_input
_tanh_backward = torch.ops.aten.tanh_backward.grad_input


def fast_tanh(x: Tensor, out: Tensor | None = None) -> Tensor:
    r""":math:`\tanh(x) = 2\sigma(2x) - 1`, evaluated that way for float32 on the CPU.

    PyTorch's vectorised CPU tanh is about four times slower than the three in-place passes and
    one sigmoid this takes; the absolute error stays below :math:`2 \cdot 10^{-7}` (the
    cancellation near 0 costs relative, not absolute, accuracy, which an LSTM's sums do not
    notice). Other dtypes (bf16 would lose its few mantissa bits to the cancellation) and devices
    call :func:`torch.tanh`. Not differentiable by autograd: used inside the functions here.

    Args:
        x: the input.
        out: where to write the result (may be ``x`` itself), or ``None`` for a new tensor.

    Returns:
        ``out`` (or the new tensor) holding :math:`\tanh(x)`.
    """
    if x.dtype != torch.float32 or x.device.type != "cpu":
        return torch.tanh(x) if out is None else torch.tanh(x, out=out)
    out = torch.mul(x, 2) if out is None else torch.mul(x, 2, out=out)
    return torch.sigmoid(out, out=out).mul_(2).sub_(1)


def convlstm_pointwise(
    gates: Tensor, c_prev: Tensor, *, fused: bool = True
) -> tuple[Tensor, Tensor]:
    r"""The ConvLSTM update from its gate pre-activations.

    .. math::
        [i, f, g, o] &= \mathrm{split}_4(\mathrm{gates}) \\
        C_t &= \sigma(f) \odot C_{t-1} + \sigma(i) \odot \tanh(g) \\
        H_t &= \sigma(o) \odot \tanh(C_t)

    Autograd keeps the four activated gates (one tensor), :math:`C_{t-1}` and :math:`C_t`; the
    cell states are saved by the neighbouring steps anyway, so a step adds five maps where the
    autograd formulation adds six (it keeps :math:`\tanh(C_t)`, a new tensor, instead of
    :math:`C_t`).

    Args:
        gates: pre-activations of the input, forget, candidate and output gates.
        c_prev: the previous cell state :math:`C_{t-1}`.
        fused: ``False`` evaluates the equations with autograd's operators (the test oracle).

    Returns:
        ``(H_t, C_t)``.

    Shape:
        ``gates``: ``(B, 4C, H, W)``; ``c_prev`` and both outputs: ``(B, C, H, W)``.
    """
    if fused:
        return _ConvLSTMPointwise.apply(gates, c_prev)
    i, f, g, o = gates.chunk(4, dim=1)
    c = torch.sigmoid(f) * c_prev + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def lstm_update(
    gates: Tensor, state: Tensor, *, increment: bool = False, fused: bool = True
) -> tuple[Tensor, Tensor | None]:
    r"""An LSTM state update from input, forget and candidate pre-activations.

    .. math::
        [i, f, g] &= \mathrm{split}_3(\mathrm{gates}) \\
        \Delta &= \sigma(i) \odot \tanh(g) \\
        S_t &= \sigma(f) \odot S_{t-1} + \Delta

    ST-LSTM updates both its cell state :math:`C` and its memory :math:`M` this way. Autograd keeps
    the three activated gates (one tensor) and :math:`S_{t-1}`.

    Args:
        gates: pre-activations of the input, forget and candidate gates.
        state: the previous state :math:`S_{t-1}`.
        increment: also return :math:`\Delta` (PredRNN-V2's decoupling loss reads it); otherwise
            it is never materialised.
        fused: ``False`` evaluates the equations with autograd's operators (the test oracle).

    Returns:
        ``(S_t, Δ)``, with ``Δ`` ``None`` unless ``increment``.

    Shape:
        ``gates``: ``(B, 3C, H, W)``; ``state`` and the outputs: ``(B, C, H, W)``.
    """
    if not fused:
        i, f, g = gates.chunk(3, dim=1)
        delta = torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(f) * state + delta, delta if increment else None
    if increment:
        return _LSTMUpdate.apply(gates, state, True)
    return _LSTMUpdate.apply(gates, state, False), None


def stlstm_output(o_gates: Tensor, o_memory: Tensor, z: Tensor, *, fused: bool = True) -> Tensor:
    r"""ST-LSTM's hidden state: :math:`H_t = \sigma(o' + o_{CM}) \odot \tanh(Z)`.

    :math:`o'` is the output-gate block of the input and hidden convolutions,
    :math:`o_{CM} = W_{co} * C_t + W_{mo} * M_t` and :math:`Z = W_1 * [C_t, M_t]`. Autograd keeps
    :math:`\sigma(o' + o_{CM})` and :math:`\tanh(Z)`, as the autograd formulation does, with one
    new tensor less forward and two less backward.

    Args:
        o_gates: :math:`o'`.
        o_memory: :math:`o_{CM}`.
        z: :math:`Z`.
        fused: ``False`` evaluates the expression with autograd's operators (the test oracle).

    Returns:
        :math:`H_t`.

    Shape:
        all tensors ``(B, C, H, W)``.
    """
    if not fused:
        return torch.sigmoid(o_gates + o_memory) * torch.tanh(z)
    return _STLSTMOutput.apply(o_gates, o_memory, z)


def _activate(gates: Tensor, tanh_block: int, blocks: int) -> Tensor:
    """Sigmoid of every channel block of ``gates`` but block ``tanh_block``, which gets tanh."""
    width = gates.shape[1] // blocks
    lo, hi = tanh_block * width, (tanh_block + 1) * width
    act = torch.empty_like(gates)
    torch.sigmoid(gates[:, :lo], out=act[:, :lo])
    fast_tanh(gates[:, lo:hi], out=act[:, lo:hi])
    if hi < gates.shape[1]:
        torch.sigmoid(gates[:, hi:], out=act[:, hi:])
    return act


def _blocks(gates: Tensor, width: int) -> tuple[Tensor, Tensor, Tensor]:
    """The first three ``width``-channel blocks of ``gates`` (views)."""
    return tuple(gates[:, k * width : (k + 1) * width] for k in range(3))


def _state_gradients(
    grad: Tensor, act: Tensor, state: Tensor, d_state: Tensor, d_increment: Tensor, need: bool
) -> Tensor | None:
    r"""Fill ``grad``'s ``[i, f, g]`` blocks; return the gradient of ``state`` if ``need``.

    ``d_state`` is the gradient reaching :math:`\sigma(f) \odot S_{t-1}` and ``d_increment``
    the one reaching :math:`\sigma(i) \odot \tanh(g)` (they differ when :math:`\Delta` is
    also an output).
    """
    i, f, g = _blocks(act, state.shape[1])
    d_i, d_f, d_g = _blocks(grad, state.shape[1])
    scratch = torch.mul(d_increment, g)
    _sigmoid_backward(scratch, i, grad_input=d_i)
    torch.mul(d_increment, i, out=scratch)
    _tanh_backward(scratch, g, grad_input=d_g)
    torch.mul(d_state, state, out=scratch)
    _sigmoid_backward(scratch, f, grad_input=d_f)
    return torch.mul(d_state, f, out=scratch).to(state.dtype) if need else None


class _ConvLSTMPointwise(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, gates: Tensor, c_prev: Tensor) -> tuple[Tensor, Tensor]:
        act = _activate(gates, tanh_block=2, blocks=4)
        i, f, g, o = act.chunk(4, dim=1)
        c = f * c_prev
        c.addcmul_(i, g)
        h = fast_tanh(c).mul_(o)
        ctx.save_for_backward(act, c_prev, c)
        ctx.set_materialize_grads(False)
        return h, c

    @staticmethod
    @once_differentiable
    def backward(
        ctx: Any, grad_h: Tensor | None, grad_c: Tensor | None
    ) -> tuple[Tensor | None, ...]:
        if grad_h is None and grad_c is None:
            return None, None
        act, c_prev, c = ctx.saved_tensors
        grad = torch.empty_like(act)
        o, d_o = act[:, -c.shape[1] :], grad[:, -c.shape[1] :]
        if grad_h is None:
            d_o.zero_()
            d_c = grad_c
        else:
            d_c = fast_tanh(c)
            scratch = grad_h * d_c
            _sigmoid_backward(scratch, o, grad_input=d_o)
            torch.mul(grad_h, o, out=scratch)
            _tanh_backward(scratch, d_c, grad_input=d_c)
            if grad_c is not None:
                d_c.add_(grad_c)
        d_prev = _state_gradients(grad, act, c_prev, d_c, d_c, ctx.needs_input_grad[1])
        return grad, d_prev


class _LSTMUpdate(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, gates: Tensor, state: Tensor, increment: bool) -> Any:
        act = _activate(gates, tanh_block=2, blocks=3)
        i, f, g = act.chunk(3, dim=1)
        ctx.save_for_backward(act, state)
        ctx.set_materialize_grads(False)
        if increment:
            delta = i * g
            return torch.addcmul(delta, f, state), delta
        new = f * state
        return new.addcmul_(i, g)

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad_new: Tensor | None, grad_delta: Tensor | None = None) -> Any:
        if grad_new is None and grad_delta is None:
            return None, None, None
        act, state = ctx.saved_tensors
        d_state = grad_new if grad_new is not None else torch.zeros_like(state)
        d_increment = d_state if grad_delta is None else d_state + grad_delta
        grad = torch.empty_like(act)
        d_prev = _state_gradients(grad, act, state, d_state, d_increment, ctx.needs_input_grad[1])
        return grad, d_prev, None


class _STLSTMOutput(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, o_gates: Tensor, o_memory: Tensor, fused: Tensor) -> Tensor:
        o = torch.add(o_gates, o_memory).sigmoid_()
        t = fast_tanh(fused)
        ctx.save_for_backward(o, t)
        ctx.dtypes = o_gates.dtype, o_memory.dtype, fused.dtype
        return o * t

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad_h: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        o, t = ctx.saved_tensors
        d_o = grad_h * t
        _sigmoid_backward(d_o, o, grad_input=d_o)
        d_fused = grad_h * o
        _tanh_backward(d_fused, t, grad_input=d_fused)
        gates_dtype, memory_dtype, fused_dtype = ctx.dtypes
        return d_o.to(gates_dtype), d_o.to(memory_dtype), d_fused.to(fused_dtype)
