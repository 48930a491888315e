import contextlib

import pytest
import torch
from torch import nn
from torch.profiler import ProfilerActivity, profile

from msrnn.layers import SummedConv2d
from msrnn.layers.gates import conv2d_of_concatenation, shared_weight_casts, summed_conv2d
from msrnn.profiling import saved_tensor_bytes


@pytest.mark.parametrize("kernel_size", [1, 3, 5])
def test_fused_equals_unfused(kernel_size):
    torch.manual_seed(0)
    conv = SummedConv2d([4, 6], 8, kernel_size)
    x, h = torch.rand(2, 4, 9, 7), torch.rand(2, 6, 9, 7)
    conv.fused = False
    reference = conv(x, h)
    conv.fused = True
    assert torch.allclose(conv(x, h), reference, atol=1e-5)


def test_equals_sum_of_separate_convolutions_with_own_biases():
    torch.manual_seed(0)
    conv = SummedConv2d([3, 5], 4, 3)
    first = nn.Conv2d(3, 4, 3, padding=1)
    second = nn.Conv2d(5, 4, 3, padding=1)
    with torch.no_grad():
        first.weight.copy_(conv.weight[:, :3])
        second.weight.copy_(conv.weight[:, 3:])
        first.bias.copy_(conv.bias[0])
        second.bias.copy_(conv.bias[1])
    x, h = torch.rand(1, 3, 6, 6), torch.rand(1, 5, 6, 6)
    for fused in (False, True):
        conv.fused = fused
        assert torch.allclose(conv(x, h), first(x) + second(h), atol=1e-5)


def test_parameter_count_equals_separate_convolutions():
    conv = SummedConv2d([64, 64], 256, 3)
    separate = 2 * sum(p.numel() for p in nn.Conv2d(64, 256, 3).parameters())
    assert sum(p.numel() for p in conv.parameters()) == separate == 295_424


def test_each_block_is_initialised_with_its_own_fan_in():
    torch.manual_seed(0)
    conv = SummedConv2d([2, 200], 16, 3)
    # kaiming_uniform(a=sqrt(5)) gives the bound 1/sqrt(fan_in) for weights and biases alike
    assert conv.weight[:, :2].abs().max() <= 1 / (2 * 9) ** 0.5
    assert conv.weight[:, :2].abs().max() > 1 / (200 * 9) ** 0.5
    assert conv.bias[1].abs().max() <= 1 / (200 * 9) ** 0.5


def test_rejects_even_kernel_and_wrong_input_count():
    with pytest.raises(ValueError, match="odd"):
        SummedConv2d([4], 4, 2)
    with pytest.raises(ValueError, match="at least one input"):
        SummedConv2d([], 4, 3)
    with pytest.raises(ValueError, match="expected 2 inputs"):
        SummedConv2d([4, 4], 4, 3)(torch.rand(1, 4, 5, 5))


def _produced(*shape, seed=0, dtype=torch.float32):
    """A non-leaf input that requires grad, like a hidden state produced by an earlier step."""
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(*shape, generator=generator, dtype=dtype).requires_grad_().clone()


def _run(conv, fused, *inputs):
    """Output and gradients of weight, bias and inputs for a fixed random output gradient."""
    conv.fused = fused
    out = conv(*inputs)
    weights = torch.rand(out.shape, generator=torch.Generator().manual_seed(9))
    wrt = [conv.weight, conv.bias, *(x for x in inputs if x.requires_grad)]
    return out, torch.autograd.grad((out.float() * weights).sum(), wrt)


@pytest.mark.parametrize("channels", [[4, 6], [5], [2, 3, 4]])
def test_fused_gradients_equal_unfused(channels):
    torch.manual_seed(0)
    conv = SummedConv2d(channels, 8, 3)
    inputs = [_produced(2, c, 7, 6, seed=i) for i, c in enumerate(channels)]
    reference, reference_grads = _run(conv, False, *inputs)
    out, grads = _run(conv, True, *inputs)
    assert torch.allclose(out, reference, atol=1e-5)
    for grad, expected in zip(grads, reference_grads, strict=True):
        assert grad.shape == expected.shape
        assert torch.allclose(grad, expected, atol=1e-5)


@pytest.mark.parametrize("channels", [[2, 3], [3]])
def test_fused_gradcheck_in_double_precision(channels):
    torch.manual_seed(0)
    conv = SummedConv2d(channels, 4, 3, fused=True).double()
    inputs = [torch.rand(2, c, 5, 4, dtype=torch.float64, requires_grad=True) for c in channels]

    def fn(weight, bias, *inputs):
        return summed_conv2d(inputs, weight, bias, padding=1)

    assert torch.autograd.gradcheck(fn, (conv.weight, conv.bias, *inputs))


def test_fused_saves_the_inputs_not_their_concatenation():
    torch.manual_seed(0)
    conv = SummedConv2d([4, 6], 8, 3)
    x, h = _produced(2, 4, 9, 7), _produced(2, 6, 9, 7, seed=1)
    saved = {}
    for fused in (False, True):
        conv.fused = fused
        # x * x and h * h save x and h, as the recurrence keeps them for other operations
        _, saved[fused] = saved_tensor_bytes(lambda: (conv(x, h), x * x, h * h))
    assert saved[True] == saved[False] == (x.numel() + h.numel()) * 4


def test_input_without_gradient_gets_none_and_weight_gradient_still_equal():
    torch.manual_seed(0)
    conv = SummedConv2d([3, 3], 6, 3)
    x, h = _produced(1, 3, 6, 6), torch.zeros(1, 3, 6, 6)
    (_, reference), (_, grads) = _run(conv, False, x, h), _run(conv, True, x, h)
    assert len(grads) == 3  # weight, bias, x: h needs none
    assert all(torch.allclose(a, b, atol=1e-5) for a, b in zip(grads, reference, strict=True))


def test_fused_keeps_channels_last_and_matches():
    torch.manual_seed(0)
    conv = SummedConv2d([4, 4], 8, 3)
    x, h = (_produced(2, 4, 6, 6, seed=s).to(memory_format=torch.channels_last) for s in (0, 1))
    (reference, reference_grads), (out, grads) = _run(conv, False, x, h), _run(conv, True, x, h)
    assert out.is_contiguous(memory_format=torch.channels_last)
    assert torch.allclose(out, reference, atol=1e-5)
    assert all(torch.allclose(a, b, atol=1e-5) for a, b in zip(grads, reference_grads, strict=True))


def test_fused_under_bf16_autocast_runs_in_bf16_and_returns_fp32_gradients():
    torch.manual_seed(0)
    conv = SummedConv2d([4, 4], 8, 3)
    x, h = _produced(2, 4, 6, 6), _produced(2, 4, 6, 6, seed=1)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        (reference, reference_grads), (out, grads) = _run(conv, False, x, h), _run(conv, True, x, h)
    assert out.dtype == reference.dtype == torch.bfloat16
    assert [g.dtype for g in grads] == [torch.float32] * 4
    assert torch.allclose(out.float(), reference.float(), atol=3e-2)
    for grad, expected in zip(grads, reference_grads, strict=True):
        assert torch.allclose(grad, expected, rtol=2e-2, atol=2e-2 * expected.abs().max())


def _three_steps_under_bf16(conv: SummedConv2d, shared: bool) -> list[torch.Tensor]:
    """Output sum and parameter gradients of three recurrent uses of ``conv`` under bf16."""
    torch.manual_seed(1)
    x, h = torch.randn(2, 4, 6, 6), torch.randn(2, 4, 6, 6, requires_grad=True)
    conv.zero_grad()
    sharing = shared_weight_casts() if shared else contextlib.nullcontext()
    with torch.autocast("cpu", dtype=torch.bfloat16), sharing:
        for _ in range(3):
            h = torch.tanh(conv(x, h)[:, :4].float())
    h.sum().backward()
    return [h.detach(), conv.weight.grad.clone(), conv.bias.grad.clone()]


def test_shared_weight_casts_reuse_one_cast_and_change_no_result():
    conv = SummedConv2d([4, 4], 8, 3, fused=True)
    results, casts = {}, {}
    for shared in (True, False):
        with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
            results[shared] = _three_steps_under_bf16(conv, shared)
        weight_shape = list(conv.weight.shape)
        casts[shared] = sum(
            event.name == "aten::_to_copy" and event.input_shapes[:1] == [weight_shape]
            for event in prof.events()
        )
    assert all(torch.equal(a, b) for a, b in zip(results[True], results[False], strict=True))
    # in the block: one cast, and each call's weight gradient back to float32; without it each
    # call also casts the weight itself
    assert casts == {True: 1 + 3, False: 3 + 3}


def test_shared_weight_casts_cast_again_after_an_in_place_update():
    conv = SummedConv2d([4, 4], 8, 3, fused=True)
    x = torch.randn(1, 4, 5, 5)
    with torch.autocast("cpu", dtype=torch.bfloat16), shared_weight_casts():
        before = conv(x, x)
        with torch.no_grad():
            conv.weight.mul_(2)
        after = conv(x, x)
    assert not torch.allclose(before.float(), after.float())
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert torch.equal(after, conv(x, x))


def test_fused_traces_on_the_meta_device():
    conv = SummedConv2d([2, 3], 4, 3, fused=True).to("meta")
    x = torch.empty(1, 2, 5, 5, device="meta", requires_grad=True)
    h = torch.empty(1, 3, 5, 5, device="meta", requires_grad=True)
    conv(x, h).sum().backward()
    assert conv.weight.grad.shape == conv.weight.shape and h.grad.shape == h.shape


@pytest.mark.parametrize("kernel_size", [1, 3])
def test_conv2d_of_concatenation_equals_the_expression(kernel_size):
    torch.manual_seed(0)
    conv = nn.Conv2d(5, 4, kernel_size, padding=kernel_size // 2)
    inputs = [torch.randn(2, c, 6, 7, requires_grad=True) for c in (2, 3)]
    results = {}
    for fused in (False, True):
        out = conv2d_of_concatenation(conv, inputs, fused=fused)
        grads = torch.autograd.grad((out * out).sum(), [*inputs, *conv.parameters()])
        results[fused] = [out, *grads]
    for got, want in zip(results[True], results[False], strict=True):
        assert torch.allclose(got, want, atol=1e-5)


@pytest.mark.parametrize(
    "conv",
    [nn.Conv2d(4, 2, 3, stride=2), nn.Conv2d(4, 2, 3, bias=False), nn.Conv2d(4, 2, 3, groups=2)],
)
def test_conv2d_of_concatenation_refuses_other_convolutions(conv):
    inputs = [torch.randn(1, 2, 5, 5)] * 2
    with pytest.raises(ValueError, match="plain biased convolution"):
        conv2d_of_concatenation(conv, inputs)
    assert conv2d_of_concatenation(conv, inputs, fused=False).shape[1] == 2
