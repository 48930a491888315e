import pytest
import torch

from msrnn.cells.cmslstm import (
    BlockSelfAttention,
    CMSLSTMCell,
    SpatiotemporalExpression,
    _bands,
)
from msrnn.cells.convlstm import ConvLSTMState
from msrnn.models.zoo import build_forecaster
from tests.cells.conftest import conv, random_state, summed


def _cells(n, channels, kernel_size, *, preset, fused):
    return [CMSLSTMCell(channels, kernel_size, fused=fused) for _ in range(n)]


def _model(multiscale, *, preset="paper", seed=0, **overrides):
    torch.manual_seed(seed)
    return build_forecaster(_cells, multiscale=multiscale, preset=preset, **overrides)


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


@pytest.mark.parametrize("multiscale", [False, True])
@pytest.mark.parametrize("preset", ["paper", "clean"])
def test_whole_model_parameter_count(multiscale, preset):
    model = _model(multiscale, preset=preset)
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


# The base model's scale-1 attention costs O((2HW)^2) at every layer: 96x64 only for MS.
@pytest.mark.parametrize(
    ("multiscale", "size"),
    [(ms, size) for ms in (False, True) for size in [(16, 16), (30, 30), (33, 35), (40, 24)]]
    + [(True, (96, 64))],
)
def test_output_shape_at_any_frame_size(multiscale, size):
    model = _model(multiscale, hidden_channels=4)
    with torch.no_grad():
        out = model(torch.rand(1, 2, 1, *size), input_frames=1)
    assert out.predictions.shape == (1, 1, 1, *size)
    assert torch.isfinite(out.predictions).all()


@pytest.mark.parametrize("multiscale", [False, True])
def test_seeded_runs_are_identical_and_samples_independent(multiscale):
    frames = torch.rand(3, 4, 1, 12, 10, generator=torch.Generator().manual_seed(1))
    other = frames.clone()
    other[1:] = torch.rand(2, 4, 1, 12, 10, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        first = _model(multiscale, hidden_channels=4)(frames, input_frames=2).predictions
        again = _model(multiscale, hidden_channels=4)(frames, input_frames=2).predictions
        mixed = _model(multiscale, hidden_channels=4)(other, input_frames=2).predictions
    assert torch.equal(first, again)
    assert torch.allclose(first[0], mixed[0], atol=1e-6)
    assert not torch.equal(first[1], mixed[1])


def test_presets_build_the_same_parameters():
    paper, clean = _model(True, preset="paper"), _model(True, preset="clean")
    assert {n: p.shape for n, p in paper.named_parameters()} == {
        n: p.shape for n, p in clean.named_parameters()
    }


@pytest.mark.parametrize("multiscale", [False, True])
def test_gradient_reaches_every_parameter(multiscale):
    model = _model(multiscale, hidden_channels=4)
    frames = torch.rand(2, 3, 1, 12, 12)
    out = model(frames, input_frames=2)
    (out.predictions - frames[:, 1:]).square().sum().backward()
    assert [n for n, p in model.named_parameters() if p.grad is None or not p.grad.any()] == []


def test_one_optimiser_step_lowers_the_loss_on_a_fixed_batch():
    model = _model(True, hidden_channels=4, num_layers=4)
    frames = torch.rand(2, 4, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(2):
        optimiser.zero_grad()
        loss = (model(frames, input_frames=2).predictions - frames[:, 1:]).square().sum()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[1] < losses[0]
