"""Contract tests over every registered model, on tiny configurations."""

import pytest
import torch

from msrnn.models import list_models
from tests.conftest import tiny_model

ALL = list_models()
SIZES = [(16, 16), (30, 30), (33, 35), (40, 24), (88, 88), (124, 124), (96, 64)]
# CMS-LSTM's scale-1 self-attention is O((2HW)^2): its base model takes about a minute per
# forward at 124x124, so it is checked up to 64x64 pixels, and MS-CMS-LSTM up to 96x64.
CMS_MAX_PIXELS = {"cms-lstm": 64 * 64, "ms-cms-lstm": 96 * 64}
SHAPE_CASES = [
    (name, size)
    for name in ALL
    for size in SIZES
    if size[0] * size[1] <= CMS_MAX_PIXELS.get(name, size[0] * size[1])
]
# (parameter-name fragment, cell attribute) of the parts the paper preset allocates but never runs
DORMANT_PARTS = (
    (".ghu.", "highway"),
    (".non_stationary.", "blocks"),
    (".stationary.", "blocks"),
    (".motion_gru.", "motion"),
)
WITH_DORMANT = ("predrnn++", "mim", "motionrnn")
# Small, odd frames: every model's coarsest level keeps at least 2x2 pixels (MotionGRU's need).
ODD_SIZE = (13, 11)


def _dormant(model):
    """Names of parameters allocated but never used (the paper preset's dormant parts)."""
    return {
        name
        for name, _ in model.named_parameters()
        for part, mode in DORMANT_PARTS
        if part in name and getattr(model.get_submodule(name.split(part)[0]), mode) == "dormant"
    }


def _loss(out, frames):
    loss = (out.predictions - frames[:, 1:]).square().sum()
    if out.decoupling_loss is not None:
        loss = loss + out.decoupling_loss
    return loss


def _frames(batch, size=ODD_SIZE, seed=0):
    return torch.rand(batch, 4, 1, *size, generator=torch.Generator().manual_seed(seed))


def _small(name, seed=0, **overrides):
    """Width 4; PrecipLSTM with a 5x5 attention window (its default 30 covers a tiny frame)."""
    cells = {"cell_kwargs": {"window": 5}} if "preciplstm" in name else {}
    return tiny_model(name, seed, hidden_channels=4, **cells, **overrides)


@pytest.mark.parametrize(
    ("name", "size"), SHAPE_CASES, ids=[f"{n}-{h}x{w}" for n, (h, w) in SHAPE_CASES]
)
def test_output_shape_at_any_frame_size(name, size):
    model = tiny_model(name, hidden_channels=4)
    frames = torch.rand(1, 3, 1, *size)
    with torch.no_grad():
        out = model(frames, input_frames=2)
    assert out.predictions.shape == (1, 2, 1, *size)
    assert torch.isfinite(out.predictions).all()
    assert (out.decoupling_loss is not None) == ("predrnn-v2" in name)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("preset", ["paper", "clean"])
def test_gradient_reaches_every_parameter_the_maths_uses(name, preset):
    model = tiny_model(name, preset=preset)
    frames = torch.rand(2, 4, 1, 16, 16)
    _loss(model(frames, input_frames=2), frames).backward()
    without = {n for n, p in model.named_parameters() if p.grad is None}
    zero = [n for n, p in model.named_parameters() if p.grad is not None and not p.grad.any()]
    assert zero == []
    assert without == _dormant(model)
    assert bool(without) == (preset == "paper" and any(f in name for f in WITH_DORMANT))


@pytest.mark.parametrize(
    ("name", "count"),
    # five unused GHUs; layer 0's MIM blocks; plus the top MotionGRU
    [("predrnn++", 738_560), ("mim", 627_776), ("motionrnn", 627_776 + 33_179)],
)
def test_paper_dormant_parameter_counts(name, count):
    model = tiny_model(name, hidden_channels=64)
    dormant = _dormant(model)
    assert sum(p.numel() for n, p in model.named_parameters() if n in dormant) == count


@pytest.mark.parametrize("name", ALL)
def test_three_channel_frames(name):
    model = tiny_model(name, in_channels=3, num_layers=3)
    out = model(torch.rand(2, 3, 3, 12, 12), input_frames=1)
    assert out.predictions.shape == (2, 2, 3, 12, 12)


def _seeded_run(name, frames, run):
    model = _small(name, seed=3)
    torch.manual_seed(run)  # a forward pass that drew from the global generator would differ
    out = model(frames, input_frames=2)
    _loss(out, frames).backward()
    grads = {n: p.grad for n, p in model.named_parameters() if p.grad is not None}
    return out.predictions.detach(), grads


@pytest.mark.parametrize("name", ALL)
def test_seeded_runs_are_bit_for_bit_equal(name):
    frames = _frames(2)
    (first, first_grads), (second, second_grads) = (_seeded_run(name, frames, r) for r in (0, 1))
    assert torch.equal(first, second)
    assert first_grads.keys() == second_grads.keys() and first_grads
    assert [n for n, g in first_grads.items() if not torch.equal(g, second_grads[n])] == []


@pytest.mark.parametrize("name", ALL)
def test_samples_of_a_batch_do_not_interact(name):
    model = _small(name)
    frames = _frames(3)
    other = frames.clone()
    other[1:] = _frames(2, seed=1)
    with torch.no_grad():
        first = model(frames, input_frames=2).predictions
        mixed = model(other, input_frames=2).predictions
    assert torch.allclose(first[0], mixed[0], rtol=0, atol=1e-6)
    assert not torch.equal(first[1], mixed[1])  # the other samples did change the output


@pytest.mark.parametrize("name", ALL)
def test_one_adam_step_lowers_the_loss_on_a_fixed_batch(name):
    model = _small(name, num_layers=4)
    frames = _frames(2)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(2):
        optimiser.zero_grad()
        loss = _loss(model(frames, input_frames=2), frames)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[1] < losses[0]


@pytest.mark.parametrize("name", ["convlstm", "ms-predrnn-v2"])
def test_float64_and_default_dtype_follow_the_input(name):
    model = tiny_model(name, num_layers=2).double()
    out = model(torch.rand(1, 3, 1, 8, 8, dtype=torch.float64), input_frames=2)
    assert out.predictions.dtype == torch.float64
