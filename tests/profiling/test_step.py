import pytest
import torch

from msrnn.losses import frame_sum_loss
from msrnn.profiling.step import TrainingStep, check_precision
from tests.conftest import tiny_model


def _frames(t: int = 4) -> torch.Tensor:
    return torch.rand(2, t, 1, 8, 8, generator=torch.Generator().manual_seed(0))


def test_step_trains_with_the_paper_loss_under_teacher_forcing():
    model = tiny_model("convlstm", num_layers=2)
    frames = _frames()
    step = TrainingStep(model, frames)
    before = [p.detach().clone() for p in model.parameters()]
    loss = step()
    with torch.no_grad():
        out = model(frames, teacher_forcing=torch.ones(2, 3))
    after = frame_sum_loss(out.predictions, frames[:, 1:])
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    # the loss was computed before the update; after it the same loss is lower
    assert after.item() < loss.item()


def test_decoupling_term_is_added_for_predrnn_v2():
    model = tiny_model("predrnn-v2", num_layers=2)
    frames = _frames()
    step = TrainingStep(model, frames, decoupling_weight=0.0)
    plain = step.loss().item()
    step.decoupling_weight = 1.0
    with_term = step.loss().item()
    decoupling = model(frames, teacher_forcing=torch.ones(2, 3)).decoupling_loss.item()
    assert with_term == pytest.approx(plain + decoupling, rel=1e-5)


def test_dormant_parameters_count_as_untrained():
    step = TrainingStep(tiny_model("predrnn++", num_layers=3), _frames(3))
    step()
    total, trained = step.parameter_counts()
    assert trained < total
    assert step.state_bytes().gradients == 4 * trained


def test_bf16_mixed_runs_on_cpu():
    step = TrainingStep(tiny_model("convlstm", num_layers=1), _frames(3), precision="bf16-mixed")
    assert torch.isfinite(step())


def test_forward_kwargs_reach_the_model():
    model = tiny_model("convlstm", num_layers=1)
    mask = torch.zeros(2, 3)
    mask[:, 0] = 1
    step = TrainingStep(model, _frames(), forward_kwargs={"teacher_forcing": mask})
    assert step.forward_kwargs["teacher_forcing"] is mask
    with pytest.raises(ValueError, match="teacher_forcing must have shape"):
        TrainingStep(model, _frames(), forward_kwargs={"teacher_forcing": mask[:, :2]}).loss()


def test_bad_precision_raises():
    with pytest.raises(ValueError, match="precision must be one of"):
        check_precision("16", torch.device("cpu"))
    with pytest.raises(ValueError, match="bf16-mixed cannot be traced on the meta device"):
        check_precision("bf16-mixed", torch.device("meta"))
