"""Contract tests over every registered model, on tiny configurations."""

import pytest
import torch

from msrnn.models import list_models
from tests.conftest import tiny_model

ALL = list_models()
SIZES = [(16, 16), (30, 30), (33, 35), (88, 88), (124, 124), (96, 64)]
# CMS-LSTM's scale-1 self-attention is O((2HW)^2): its base model takes about a minute per
# forward at 124x124, so it is checked at sizes up to 64x64 only (its own tests add 96x64 in MS).
SHAPE_CASES = [
    (name, size)
    for name in ALL
    for size in SIZES
    if not ("cms-lstm" in name and size[0] * size[1] > 64 * 64)
]
# (parameter-name fragment, cell attribute) of the parts the paper preset allocates but never runs
DORMANT_PARTS = (
    (".ghu.", "highway"),
    (".non_stationary.", "blocks"),
    (".stationary.", "blocks"),
    (".motion_gru.", "motion"),
)
WITH_DORMANT = ("predrnn++", "mim", "motionrnn")


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


@pytest.mark.parametrize(("name", "size"), SHAPE_CASES)
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
    # MODEL_SPEC §9.2: five unused GHUs; layer 0's MIM blocks; plus the top MotionGRU
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


@pytest.mark.parametrize("name", ["ms-convlstm", "ms-predrnn++"])
def test_one_optimiser_step_lowers_the_loss_on_a_fixed_batch(name):
    model = tiny_model(name, num_layers=4)
    frames = torch.rand(2, 4, 1, 16, 16, generator=torch.Generator().manual_seed(0))
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
