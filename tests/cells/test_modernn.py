import pytest
import torch

import msrnn
from msrnn.cells.convlstm import ConvLSTMState
from msrnn.cells.modernn import ContextBlock, MoDeRNNCell, MultiKernelConv2d
from tests.cells.conftest import conv, random_state, summed


def _detail(multi, x):
    """(W_3 * x + W_5 * x + W_7 * x) / 3, written out."""
    w3, w5, w7 = multi.convs
    return (conv(w3, x) + conv(w5, x) + conv(w7, x)) / 3


def _reference(cell, x, h, c):
    ctx = cell.context
    x = 2 * torch.sigmoid(_detail(ctx.from_hidden, h)) * x
    h = 2 * torch.sigmoid(_detail(ctx.from_input, x)) * h
    x = 2 * torch.sigmoid(_detail(ctx.from_hidden, h)) * x
    h = 2 * torch.sigmoid(_detail(ctx.from_input, x)) * h
    x = 2 * torch.sigmoid(_detail(ctx.from_hidden, h)) * x
    i, f, g, o = summed(cell.lstm.gates, x, h).chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new


@pytest.mark.parametrize("size", [(5, 6), (9, 9), (2, 3)])
def test_matches_equations(size):
    torch.manual_seed(0)
    cell = MoDeRNNCell(4, 3)
    assert [m.kernel_size for m in cell.context.from_input.convs] == [(3, 3), (5, 5), (7, 7)]
    x, h, c, *_ = random_state(2, 4, *size)
    out = cell(x, ConvLSTMState(h, c))
    h_new, c_new = _reference(cell, x, h, c)
    assert torch.allclose(out.hidden, h_new, atol=1e-6)
    assert torch.allclose(out.state.c, c_new, atol=1e-6)
    assert out.state.h is out.hidden and out.memory is None


def test_context_block_alternates_starting_with_the_input():
    torch.manual_seed(0)
    block = ContextBlock(3, (3,), iterations=1)
    x, h, *_ = random_state(1, 3, 4, 4)
    new_x, new_h = block(x, h)
    assert new_h is h
    assert torch.allclose(new_x, 2 * torch.sigmoid(conv(block.from_hidden.convs[0], h)) * x)


def test_parameter_count_of_paper_cell():
    assert sum(p.numel() for p in MoDeRNNCell(64, 3).parameters()) == 975_744


@pytest.mark.parametrize("name", ["modernn", "ms-modernn"])
def test_whole_model_parameter_count(name):
    for preset in ("paper", "clean"):
        model = msrnn.build_model(name, preset=preset)
        assert sum(p.numel() for p in model.parameters()) == 5_854_657


def test_fused_equals_unfused():
    torch.manual_seed(0)
    cell = MoDeRNNCell(4, 3)
    x, h, c, *_ = random_state(1, 4, 6, 6)
    reference = cell(x, ConvLSTMState(h, c))
    cell.lstm.gates.fused = True
    assert torch.allclose(cell(x, ConvLSTMState(h, c)).hidden, reference.hidden, atol=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"iterations": 0}, "iterations"),
        ({"detail_kernel_sizes": ()}, "kernel_sizes"),
        ({"detail_kernel_sizes": (3, 4)}, "kernel_sizes"),
    ],
)
def test_rejects_bad_hyper_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MoDeRNNCell(4, **kwargs)


def test_multi_kernel_conv_rejects_even_kernels():
    with pytest.raises(ValueError, match="odd"):
        MultiKernelConv2d(4, (2,))
