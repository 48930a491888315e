import pytest
import torch
import torch.nn.functional as F

from msrnn.cells.preciplstm import PrecipLSTMCell
from msrnn.layers import local_attention as local_attention_module
from msrnn.layers.local_attention import LocalAttention, local_attention, window_pair
from msrnn.models.zoo import build_forecaster
from msrnn.profiling import saved_tensor_bytes


def brute_force_attention(q, k, v, window):
    """The definition, one pixel and one neighbour at a time (vectorised over B and C only)."""
    kh, kw = window_pair(window)
    batch, channels, height, width = q.shape
    out = torch.zeros_like(v)
    for y in range(height):
        for x in range(width):
            logits, values = [], []
            for a in range(kh):
                for b in range(kw):
                    yy, xx = y + a - kh // 2, x + b - kw // 2
                    if 0 <= yy < height and 0 <= xx < width:
                        logits.append((q[:, :, y, x] * k[:, :, yy, xx]).sum(1))
                        values.append(v[:, :, yy, xx])
                    else:  # outside: logit 0 (it still takes part in the softmax), no value
                        logits.append(q.new_zeros(batch))
                        values.append(q.new_zeros(batch, channels))
            weights = torch.softmax(torch.stack(logits, 1), dim=1)
            out[:, :, y, x] = (weights.unsqueeze(1) * torch.stack(values, 2)).sum(2)
    return out


def unfold_attention(q, k, v, window):
    """Autograd-native oracle: all shifted keys and values materialised by ``F.unfold``."""
    kh, kw = window_pair(window)
    batch, channels, height, width = q.shape
    pad = (kw // 2, kw - 1 - kw // 2, kh // 2, kh - 1 - kh // 2)
    shape = (batch, channels, kh * kw, height, width)
    keys = F.unfold(F.pad(k, pad), (kh, kw)).view(shape)
    values = F.unfold(F.pad(v, pad), (kh, kw)).view(shape)
    weights = torch.softmax((q.unsqueeze(2) * keys).sum(1), dim=1)
    return (weights.unsqueeze(1) * values).sum(2)


def _qkv(*shape, dtype=torch.float64, seed=0, requires_grad=False):
    generator = torch.Generator().manual_seed(seed)
    return [
        torch.randn(*shape, generator=generator, dtype=dtype).requires_grad_(requires_grad)
        for _ in range(3)
    ]


@pytest.mark.parametrize(
    ("size", "window"),
    [((5, 7), 3), ((5, 7), 4), ((6, 4), (3, 5)), ((4, 6), (2, 1)), ((3, 5), 9), ((4, 4), 1)],
)
def test_matches_brute_force(size, window):
    q, k, v = _qkv(2, 3, *size)
    expected = brute_force_attention(q, k, v, window)
    assert torch.allclose(local_attention(q, k, v, window), expected, atol=1e-12)
    assert torch.allclose(unfold_attention(q, k, v, window), expected, atol=1e-12)


def test_even_window_is_asymmetric_and_outside_logits_are_zero():
    # q = 0 makes every logit 0: each pixel averages v over its 4 neighbours at offsets -1..0,
    # counting the ones outside the image as 0 (a -inf logit would renormalise over the inside).
    v = torch.arange(12.0).view(1, 1, 3, 4)
    q = torch.zeros_like(v)
    out = local_attention(q, q, v, 2)
    assert out[0, 0, 0, 0] == v[0, 0, 0, 0] / 4
    assert out[0, 0, 2, 3] == v[0, 0, 1:3, 2:4].mean()
    assert out[0, 0, 0, 2] == v[0, 0, 0, 1:3].sum() / 4


@pytest.mark.parametrize("window", [3, 4, (2, 3)])
def test_gradcheck(window):
    q, k, v = _qkv(1, 2, 3, 4, requires_grad=True)
    assert torch.autograd.gradcheck(lambda *t: local_attention(*t, window), (q, k, v))


def test_gradients_match_the_unfold_oracle():
    q, k, v = _qkv(2, 4, 9, 11, dtype=torch.float32, requires_grad=True)
    grad = torch.randn(2, 4, 9, 11, generator=torch.Generator().manual_seed(1))
    ours = torch.autograd.grad(local_attention(q, k, v, 6), (q, k, v), grad)
    oracle = torch.autograd.grad(unfold_attention(q, k, v, 6), (q, k, v), grad)
    for mine, theirs in zip(ours, oracle, strict=True):
        assert torch.allclose(mine, theirs, atol=1e-5)


def test_saves_only_queries_keys_values_and_weights():
    q, k, v = (t * 1 for t in _qkv(2, 3, 6, 5, dtype=torch.float32, requires_grad=True))
    _, nbytes = saved_tensor_bytes(lambda: local_attention(q, k, v, 4))
    assert nbytes == 4 * (3 * 2 * 3 * 6 * 5 + 2 * 16 * 6 * 5)


def test_autocast_keeps_one_dtype_inside_the_op():
    attention = LocalAttention(4, window=3)
    x = torch.randn(1, 4, 5, 5)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = attention(x)
    out.float().sum().backward()
    assert out.dtype == torch.bfloat16
    assert attention.projection.weight.grad.dtype == torch.float32


def test_module_projects_without_bias():
    torch.manual_seed(0)
    attention = LocalAttention(4, window=(3, 2))
    assert [p.numel() for p in attention.parameters()] == [3 * 4 * 4]
    x = torch.randn(2, 4, 5, 6)
    q, k, v = (F.conv2d(x, w) for w in attention.projection.weight.chunk(3, dim=0))
    assert torch.allclose(attention(x), brute_force_attention(q, k, v, (3, 2)), atol=1e-5)


def test_input_validation():
    q = torch.zeros(1, 2, 3, 3)
    with pytest.raises(ValueError, match="one shape"):
        local_attention(q, torch.zeros(1, 2, 3, 4), q, 3)
    with pytest.raises(ValueError, match="one shape"):
        local_attention(q[0], q[0], q[0], 3)
    with pytest.raises(ValueError, match="one dtype"):
        local_attention(q, q.double(), q, 3)
    with pytest.raises(ValueError, match="at least 1"):
        local_attention(q, q, q, (3, 0))
    for window in (2.5, (3,), (3, 3.0)):
        with pytest.raises(TypeError, match="window must be"):
            local_attention(q, q, q, window)


def _preciplstm_cells(n, channels, kernel_size, *, preset, window=30):
    return [PrecipLSTMCell(channels, kernel_size, window=window) for _ in range(n)]


def test_training_step_saves_a_tenth_of_an_unfold_attention(monkeypatch):
    # MS-PrecipLSTM at 64x64 with the paper's 30x30 window. One time step: every step saves the
    # same tensors, so the ratio does not depend on the sequence length.
    torch.manual_seed(0)
    model = build_forecaster(_preciplstm_cells, multiscale=True, hidden_channels=8)
    frames = torch.rand(1, 2, 1, 64, 64, generator=torch.Generator().manual_seed(0))
    ours, ours_bytes = saved_tensor_bytes(lambda: model(frames, input_frames=1).predictions)
    monkeypatch.setattr(local_attention_module, "local_attention", unfold_attention)
    oracle, oracle_bytes = saved_tensor_bytes(lambda: model(frames, input_frames=1).predictions)
    assert torch.allclose(ours, oracle, atol=1e-5)
    assert ours_bytes < oracle_bytes / 10
