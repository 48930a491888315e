import pytest
import torch

import msrnn
from msrnn.cells.cmslstm import (
    BlockSelfAttention,
    CMSLSTMCell,
    SpatiotemporalExpression,
    _bands,
    _query_groups,
)
from msrnn.cells.convlstm import ConvLSTMState
from tests.cells.conftest import conv, random_state, summed


def _band_ids(length, parts):
    sizes = [length // parts + (i < length % parts) for i in range(parts)]
    return torch.repeat_interleave(torch.arange(parts), torch.tensor(sizes))


def _reference_attention(block, side_by_side):
    """Masked global attention over the official [h | c] map (width concatenation)."""
    b, c, height, width2 = side_by_side.shape
    q, k, v = conv(block.qkv, side_by_side).chunk(3, dim=1)
    rows = _band_ids(height, block.scale)[:, None].expand(height, width2)
    cols = _band_ids(width2 // 2, block.scale).repeat(2)[None, :].expand(height, width2)
    ids = (rows * block.scale + cols).flatten()
    logits = q.flatten(2).transpose(1, 2) @ k.flatten(2)
    logits = logits.masked_fill(ids[:, None] != ids[None, :], float("-inf"))
    out = v.flatten(2) @ torch.softmax(logits, dim=-1).transpose(1, 2)
    return out.view(b, c, height, width2)


def _reference_expression(se, h, c):
    width = h.shape[-1]
    side_by_side = torch.cat([h, c], dim=-1)
    feats = [side_by_side + _reference_attention(a, side_by_side) for a in se.attention]
    feats = torch.cat(feats, dim=1)
    halves = [conv(se.merge, feats[..., :width]), conv(se.merge, feats[..., width:])]
    return conv(se.fuse, torch.cat(halves, dim=1))


def _reference(cell, x, h, c):
    ctx = cell.context
    x = 2 * torch.sigmoid(conv(ctx.from_hidden.convs[0], h)) * x
    h = 2 * torch.sigmoid(conv(ctx.from_input.convs[0], x)) * h
    x = 2 * torch.sigmoid(conv(ctx.from_hidden.convs[0], h)) * x
    h = 2 * torch.sigmoid(conv(ctx.from_input.convs[0], x)) * h
    x = 2 * torch.sigmoid(conv(ctx.from_hidden.convs[0], h)) * x
    i, f, g, o = summed(cell.lstm.gates, x, h).chunk(4, dim=1)
    c_hat = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h_hat = torch.sigmoid(o) * torch.tanh(c_hat)
    z = _reference_expression(cell.expression, h_hat, c_hat)
    i, g, o = summed(cell.gates, h_hat, z).chunk(3, dim=1)
    c_new = (1 - torch.sigmoid(i)) * c_hat + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * c_new, c_new


@pytest.mark.parametrize("size", [(4, 4), (5, 7), (6, 3), (1, 3)])
def test_matches_equations_at_any_grid(size):
    torch.manual_seed(0)
    cell = CMSLSTMCell(4, 3).double()
    x, h, c, *_ = (t.double() for t in random_state(2, 4, *size))
    out = cell(x, ConvLSTMState(h, c))
    h_new, c_new = _reference(cell, x, h, c)
    assert torch.allclose(out.hidden, h_new, atol=1e-10)
    assert torch.allclose(out.state.c, c_new, atol=1e-10)
    assert out.state.h is out.hidden and out.memory is None


def test_bands_partition_every_side():
    assert _bands(8, 4) == [slice(0, 2), slice(2, 4), slice(4, 6), slice(6, 8)]
    assert _bands(5, 2) == [slice(0, 3), slice(3, 5)]
    assert _bands(2, 4) == [slice(0, 1), slice(1, 2)]


def test_block_attention_stays_inside_its_block_in_both_maps():
    torch.manual_seed(0)
    block = BlockSelfAttention(3, scale=2)
    pair = torch.randn(4, 3, 5, 6)
    changed = pair.clone()
    changed[3, :, 0, 0] += 1.0  # cell-state map of sample 1, block (0, 0)
    delta = (block(changed) - block(pair)).abs().amax(dim=1)
    assert delta[[1, 3], :3, :3].gt(0).all()  # both maps of sample 1 see it in that block
    delta[[1, 3], :3, :3] = 0
    assert delta.eq(0).all()


def test_expression_merge_does_not_leak_across_the_maps():
    # The reference code's [h | c] map puts h's last column next to c's first one.
    torch.manual_seed(0)
    se = SpatiotemporalExpression(3, 3, scales=(2,))
    h, c = torch.randn(1, 3, 4, 6), torch.randn(1, 3, 4, 6)
    shifted = c.clone()
    shifted[..., 0] += 1.0
    delta = (se(h, shifted) - se(h, c)).abs().amax(dim=(0, 1, 2))
    assert delta[:4].gt(0).all() and delta[4:].eq(0).all()


def test_parameter_count_of_paper_cell():
    assert sum(p.numel() for p in CMSLSTMCell(64, 3).parameters()) == 747_200


@pytest.mark.parametrize("name", ["cms-lstm", "ms-cms-lstm"])
@pytest.mark.parametrize("preset", ["paper", "clean"])
def test_whole_model_parameter_count(name, preset):
    model = msrnn.build_model(name, preset=preset)
    assert sum(p.numel() for p in model.parameters()) == 4_483_393


def test_fused_equals_unfused():
    torch.manual_seed(0)
    cell = CMSLSTMCell(4, 3)
    x, h, c, *_ = random_state(1, 4, 6, 6)
    reference = cell(x, ConvLSTMState(h, c))
    cell.lstm.gates.fused = cell.gates.fused = True
    assert torch.allclose(cell(x, ConvLSTMState(h, c)).hidden, reference.hidden, atol=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"iterations": 0}, "iterations"), ({"scales": ()}, "scales"), ({"scales": (1, 0)}, "scales")],
)
def test_rejects_bad_hyper_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CMSLSTMCell(4, **kwargs)


def test_presets_build_the_same_parameters():
    paper, clean = (msrnn.build_model("ms-cms-lstm", preset=p) for p in ("paper", "clean"))
    assert {n: p.shape for n, p in paper.named_parameters()} == {
        n: p.shape for n, p in clean.named_parameters()
    }


@pytest.mark.parametrize(
    ("threads", "tokens", "items", "groups"),
    [(2, 8192, 1, 2), (2, 2048, 4, 1), (4, 12, 1, 4), (5, 12, 1, 4), (8, 6, 2, 3), (1, 8, 1, 1)],
)
def test_query_groups_give_each_thread_an_item(monkeypatch, threads, tokens, items, groups):
    monkeypatch.setattr(torch, "get_num_threads", lambda: threads)
    assert _query_groups(tokens, items, torch.device("cpu")) == groups
    assert _query_groups(tokens, items, torch.device("cuda")) == 1


@pytest.mark.parametrize("scale", [1, 2])
def test_query_groups_leave_values_and_gradients_unchanged(monkeypatch, scale):
    torch.manual_seed(0)
    block = BlockSelfAttention(3, scale=scale).double()
    pair = torch.randn(2, 3, 4, 6, dtype=torch.float64, requires_grad=True)

    def run(threads):
        monkeypatch.setattr(torch, "get_num_threads", lambda: threads)
        out = block(pair)
        grads = torch.autograd.grad(out.square().sum(), [pair, *block.parameters()])
        return out, grads

    single, single_grads = run(1)  # one group
    grouped, grouped_grads = run(8)  # 2 * 3 * 2 / scale**2 tokens in up to 8 groups
    assert torch.allclose(grouped, single, atol=1e-12)
    for a, b in zip(grouped_grads, single_grads, strict=True):
        assert torch.allclose(a, b, atol=1e-12)
