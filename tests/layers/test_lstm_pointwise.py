from functools import partial

import pytest
import torch

from msrnn.layers.lstm_pointwise import convlstm_pointwise, fast_tanh, lstm_update, stlstm_output
from msrnn.profiling import saved_tensor_bytes

C = 3


def _leaf(channels, seed, dtype=torch.float32, shape=(2, 5, 4)):
    generator = torch.Generator().manual_seed(seed)
    data = torch.randn(shape[0], channels, *shape[1:], generator=generator, dtype=torch.float64)
    return data.to(dtype).requires_grad_()


def _reference_convlstm(gates, c_prev):
    i, f, g, o = gates.chunk(4, dim=1)
    c = torch.sigmoid(f) * c_prev + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def _reference_update(gates, state):
    i, f, g = gates.chunk(3, dim=1)
    delta = torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(f) * state + delta, delta


def _reference_output(o_gates, o_memory, fused):
    return torch.sigmoid(o_gates + o_memory) * torch.tanh(fused)


def _update_with_increment(gates, state, **kwargs):
    return lstm_update(gates, state, increment=True, **kwargs)


def _update_only(gates, state, **kwargs):
    return lstm_update(gates, state, **kwargs)[0]


def _reference_update_only(gates, state):
    return _reference_update(gates, state)[0]


# (function, its autograd formulation, channels of each input)
CASES = {
    "convlstm": (convlstm_pointwise, _reference_convlstm, (4 * C, C)),
    "update": (_update_with_increment, _reference_update, (3 * C, C)),
    "update-only": (_update_only, _reference_update_only, (3 * C, C)),
    "output": (stlstm_output, _reference_output, (C, C, C)),
}


def _outputs_and_grads(fn, inputs, seed=7):
    """Outputs and input gradients for random gradients on every output."""
    outputs = fn(*inputs)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    generator = torch.Generator().manual_seed(seed)
    loss = sum((out.double() * torch.rand(out.shape, generator=generator)).sum() for out in outputs)
    return outputs, torch.autograd.grad(loss, inputs)


@pytest.mark.parametrize("case", CASES)
def test_equals_the_autograd_formulation(case):
    fn, reference, channels = CASES[case]
    inputs = [_leaf(c, seed) for seed, c in enumerate(channels)]
    outputs, grads = _outputs_and_grads(fn, inputs)
    expected, expected_grads = _outputs_and_grads(reference, inputs)
    for got, want in zip((*outputs, *grads), (*expected, *expected_grads), strict=True):
        assert got.dtype == want.dtype and got.shape == want.shape
        assert torch.allclose(got, want, atol=1e-5)


@pytest.mark.parametrize("case", CASES)
def test_gradcheck_in_double_precision(case):
    fn, _, channels = CASES[case]
    inputs = [_leaf(c, seed, torch.float64) for seed, c in enumerate(channels)]
    assert torch.autograd.gradcheck(fn, inputs)


@pytest.mark.parametrize("output", [0, 1])
def test_gradient_of_one_output_alone(output):
    gates, c_prev = _leaf(4 * C, 0, torch.float64), _leaf(C, 1, torch.float64)
    assert torch.autograd.gradcheck(lambda g, c: convlstm_pointwise(g, c)[output], (gates, c_prev))
    gates = gates[:, : 3 * C].detach().requires_grad_()
    assert torch.autograd.gradcheck(
        lambda g, s: lstm_update(g, s, increment=True)[output], (gates, c_prev)
    )


def test_update_without_increment_returns_none():
    new, delta = lstm_update(_leaf(3 * C, 0), _leaf(C, 1))
    assert delta is None and new.shape == (2, C, 5, 4)


def test_initial_state_without_gradient():
    gates, zeros = _leaf(4 * C, 0), torch.zeros(2, C, 5, 4)
    h, c = convlstm_pointwise(gates, zeros)
    (grad,) = torch.autograd.grad(h.sum() + c.sum(), gates)
    (expected,) = torch.autograd.grad(
        sum(t.sum() for t in _reference_convlstm(gates, zeros)), gates
    )
    assert torch.allclose(grad, expected, atol=1e-6)


@pytest.mark.parametrize("case", CASES)
def test_bf16_gates_with_fp32_state_follow_type_promotion(case):
    fn, reference, channels = CASES[case]
    # The gates come from bf16 convolutions under autocast; the state stays in fp32.
    # ST-LSTM's output gate reads only convolution outputs: all bf16.
    state = torch.bfloat16 if case == "output" else torch.float32
    dtypes = [torch.bfloat16] + [state] * (len(channels) - 1)
    inputs = [_leaf(c, i, dtype) for i, (c, dtype) in enumerate(zip(channels, dtypes, strict=True))]
    outputs, grads = _outputs_and_grads(fn, inputs)
    expected, expected_grads = _outputs_and_grads(reference, inputs)
    for got, want in zip((*outputs, *grads), (*expected, *expected_grads), strict=True):
        assert got.dtype == want.dtype
        assert torch.allclose(got.float(), want.float(), atol=2e-2)


def test_channels_last_inputs():
    gates = _leaf(4 * C, 0).detach().to(memory_format=torch.channels_last).requires_grad_()
    c_prev = _leaf(C, 1)
    outputs, grads = _outputs_and_grads(convlstm_pointwise, [gates, c_prev])
    expected, expected_grads = _outputs_and_grads(_reference_convlstm, [gates, c_prev])
    for got, want in zip((*outputs, *grads), (*expected, *expected_grads), strict=True):
        assert torch.allclose(got, want, atol=1e-5)


def test_two_convlstm_steps_save_one_map_less_per_step():
    # C_t is saved by the step that makes it and by the next one: one storage. The autograd
    # formulation keeps tanh(C_t) instead, an extra map.
    def steps(fn):
        gates = [_leaf(4 * C, seed).clone() for seed in (0, 1)]
        c = _leaf(C, 2).clone()
        for g in gates:
            _, c = fn(g, c)
        return c

    _, fused = saved_tensor_bytes(lambda: steps(convlstm_pointwise))
    _, autograd = saved_tensor_bytes(lambda: steps(_reference_convlstm))
    one_map = 2 * C * 5 * 4 * 4
    assert fused == autograd - one_map


def test_fast_tanh_is_accurate_over_the_whole_range_and_writes_out():
    x = torch.cat([torch.linspace(-30, 30, 200_001), torch.tensor([0.0, -0.0, 1e-30])])
    exact = torch.tanh(x.double())
    assert (fast_tanh(x).double() - exact).abs().max() < 2e-7
    assert torch.equal(
        fast_tanh(torch.tensor([-1e4, 1e4, -torch.inf, torch.inf])),
        torch.tensor([-1.0, 1.0, -1.0, 1.0]),
    )
    out = torch.empty(4, 6)[:, 1:4]  # a strided view, as the gate blocks are
    values = torch.randn(4, 3)
    assert fast_tanh(values, out=out) is out
    assert torch.allclose(out, torch.tanh(values), atol=2e-7)
    assert fast_tanh(values, out=values) is values  # in place


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float64])
def test_fast_tanh_calls_torch_tanh_for_other_dtypes(dtype):
    x = torch.randn(64, dtype=dtype)
    assert torch.equal(fast_tanh(x), torch.tanh(x))


@pytest.mark.parametrize("case", CASES)
def test_unfused_switch_is_the_autograd_formulation(case):
    fn, reference, channels = CASES[case]
    inputs = [_leaf(c, seed) for seed, c in enumerate(channels)]
    outputs, grads = _outputs_and_grads(partial(fn, fused=False), inputs)
    expected, expected_grads = _outputs_and_grads(reference, inputs)
    for got, want in zip((*outputs, *grads), (*expected, *expected_grads), strict=True):
        assert torch.equal(got, want)
