import pytest
import torch
import torch.nn.functional as F

from msrnn.profiling.flops import conv_ceiling, count_flops
from msrnn.profiling.timing import Timing, time_calls

CPU = torch.device("cpu")


def test_convolution_flops_by_hand():
    x = torch.rand(1, 2, 4, 4, requires_grad=True)
    w = torch.rand(3, 2, 3, 3, requires_grad=True)
    forward = 2 * 1 * 3 * 4 * 4 * 2 * 9  # 2 FLOPs per multiply-accumulate
    assert count_flops(lambda: F.conv2d(x, w, padding=1))[1] == forward
    # backward computes the gradients of the input and of the weight: twice the forward
    assert count_flops(lambda: F.conv2d(x, w, padding=1).sum().backward())[1] == 3 * forward


def test_cpu_attention_flops_by_hand():
    # batch 2, 3 heads, 5 queries, 7 keys, 4 channels: QK^T and PV, 2 * 2*3*5*7*4 FLOPs each
    q = torch.rand(2, 3, 5, 4, requires_grad=True)
    k, v = torch.rand(2, 3, 7, 4, requires_grad=True), torch.rand(2, 3, 7, 4, requires_grad=True)
    forward = 2 * (2 * 2 * 3 * 5 * 7 * 4)
    assert count_flops(lambda: F.scaled_dot_product_attention(q, k, v))[1] == forward
    # backward: the scores again, then dP, dV, dQ and dK (five products)
    step = count_flops(lambda: F.scaled_dot_product_attention(q, k, v).sum().backward())[1]
    assert step == forward + 5 * forward // 2


def test_conv_ceiling_counts_and_times_forward_and_backward():
    ceiling = conv_ceiling(CPU, batch=1, in_channels=2, out_channels=4, size=8, repeats=2)
    assert ceiling.flops == 3 * 2 * 1 * 4 * 8 * 8 * 2 * 9
    assert len(ceiling.timing.seconds) == 2
    assert ceiling.gflops_per_second == pytest.approx(ceiling.flops / ceiling.timing.median / 1e9)


def test_conv_ceiling_in_bf16_and_channels_last_counts_the_same_convolution():
    ceiling = conv_ceiling(
        CPU, batch=1, in_channels=2, out_channels=4, size=8, repeats=1,
        precision="bf16-mixed", channels_last=True,
    )  # fmt: skip
    assert ceiling.flops == 3 * 2 * 1 * 4 * 8 * 8 * 2 * 9
    with pytest.raises(ValueError, match="precision must be one of"):
        conv_ceiling(CPU, batch=1, in_channels=2, out_channels=4, size=8, precision="16")


def test_time_calls_warms_up_then_times():
    calls = []
    timing = time_calls(lambda: calls.append(1), repeats=3, warmup=2, device=CPU)
    assert len(calls) == 5 and len(timing.seconds) == 3
    assert Timing((3.0, 1.0, 2.0)).median == 2.0


@pytest.mark.parametrize(("repeats", "warmup"), [(0, 0), (1, -1)])
def test_time_calls_rejects_bad_counts(repeats, warmup):
    with pytest.raises(ValueError, match="must be"):
        time_calls(lambda: None, repeats=repeats, warmup=warmup, device=CPU)
