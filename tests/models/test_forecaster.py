import pytest
import torch

from msrnn.models import ScheduledSampling
from msrnn.profiling import saved_tensor_bytes
from tests.conftest import tiny_model


@pytest.fixture(scope="module")
def model():
    return tiny_model("ms-predrnn", num_layers=4).eval()


def test_teacher_forcing_mask_reproduces_fixed_input_frames(model):
    frames = torch.rand(2, 6, 1, 16, 16)
    mask = torch.tensor([[1, 1, 1, 0, 0]] * 2, dtype=torch.float32)
    with torch.no_grad():
        expected = model(frames, input_frames=3).predictions
        masked = model(frames, teacher_forcing=mask).predictions
    assert torch.allclose(masked, expected, atol=1e-6)


def test_all_ones_mask_is_pure_next_frame_prediction(model):
    frames = torch.rand(1, 5, 1, 16, 16)
    with torch.no_grad():
        forced = model(frames, teacher_forcing=torch.ones(1, 4)).predictions
        observed_all = model(frames, input_frames=5).predictions
    assert torch.allclose(forced, observed_all, atol=1e-6)


def test_scheduled_mask_mixes_truth_and_prediction_per_sample(model):
    frames = torch.rand(2, 6, 1, 16, 16)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=torch.float32)
    with torch.no_grad():
        mixed = model(frames, teacher_forcing=mask).predictions
        truth = model(frames, input_frames=6).predictions
        free = model(frames, input_frames=3).predictions
    assert torch.allclose(mixed[0], truth[0], atol=1e-6)
    assert torch.allclose(mixed[1], free[1], atol=1e-6)


def test_forecast_continues_the_context(model):
    context = torch.rand(2, 4, 1, 16, 16)
    with torch.no_grad():
        future = model.forecast(context, horizon=3)
        padded = torch.cat([context, torch.zeros(2, 3, 1, 16, 16)], dim=1)
        reference = model(padded, input_frames=4).predictions[:, 3:]
    assert future.shape == (2, 3, 1, 16, 16)
    assert torch.allclose(future, reference, atol=1e-6)


def test_output_of_a_sample_does_not_depend_on_the_rest_of_the_batch(model):
    frames = torch.rand(3, 5, 1, 16, 16)
    with torch.no_grad():
        alone = model(frames[:1], input_frames=2).predictions
        changed = frames.clone()
        changed[1:] = torch.rand(2, 5, 1, 16, 16)
        batched = model(changed, input_frames=2).predictions[:1]
    assert torch.allclose(alone, batched, atol=1e-5)


def test_seeded_training_step_is_bit_for_bit_repeatable():
    def run():
        model = tiny_model("ms-predrnn++", seed=3, num_layers=4)
        frames = torch.rand(2, 5, 1, 16, 16, generator=torch.Generator().manual_seed(0))
        mask = ScheduledSampling(10, seed=0).mask(2, 5, 2, step=3)
        out = model(frames, teacher_forcing=mask)
        out.predictions.square().sum().backward()
        return out.predictions.detach(), [
            p.grad.clone() for p in model.parameters() if p.grad is not None
        ]

    (pred_a, grads_a), (pred_b, grads_b) = run(), run()
    assert torch.equal(pred_a, pred_b)
    assert all(torch.equal(a, b) for a, b in zip(grads_a, grads_b, strict=True))


@pytest.mark.parametrize(
    ("frames", "kwargs", "error", "match"),
    [
        (torch.rand(2, 5, 16, 16), {}, ValueError, r"\(B, T, C, H, W\)"),
        (torch.rand(2, 5, 3, 16, 16), {}, ValueError, "3 channels but the model expects 1"),
        (torch.rand(2, 1, 1, 16, 16), {}, ValueError, "at least 2 frames"),
        (torch.full((1, 3, 1, 16, 16), float("nan")), {"input_frames": 2}, ValueError, "NaN"),
        (torch.zeros(1, 3, 1, 16, 16, dtype=torch.uint8), {}, TypeError, "floating-point"),
        (
            torch.rand(1, 3, 1, 1, 16),
            {"input_frames": 2},
            ValueError,
            "too small for the scale plan",
        ),
        (torch.rand(1, 3, 1, 16, 16), {"input_frames": 4}, ValueError, "between 1 and T=3"),
        (
            torch.rand(1, 3, 1, 16, 16),
            {"teacher_forcing": torch.ones(1, 3)},
            ValueError,
            r"shape \(B, T-1\)",
        ),
        (
            torch.rand(1, 3, 1, 16, 16),
            {"teacher_forcing": torch.zeros(1, 2)},
            ValueError,
            "must be 1",
        ),
    ],
)
def test_bad_input_is_rejected_with_a_clear_message(model, frames, kwargs, error, match):
    with pytest.raises(error, match=match):
        model(frames, **kwargs)


def test_bad_forecast_horizon(model):
    with pytest.raises(ValueError, match="horizon"):
        model.forecast(torch.rand(1, 2, 1, 16, 16), horizon=0)


def test_frame_size_check_knows_the_cells_smallest_grid():
    model = tiny_model("ms-motionrnn", num_layers=4)  # levels (0, 1, 1, 0): needs 2 * 2 pixels
    with pytest.raises(ValueError, match="each side must be at least 4"):
        model(torch.rand(1, 3, 1, 3, 8), input_frames=2)
    assert model(torch.rand(1, 3, 1, 4, 5), input_frames=2).predictions.shape == (1, 2, 1, 4, 5)


def _loss(out):
    loss = out.predictions.square().sum()
    return loss if out.decoupling_loss is None else loss + out.decoupling_loss


def _trained(model, frames, **kwargs):
    """Predictions, gradients and saved bytes of one forward and backward."""
    out, nbytes = saved_tensor_bytes(lambda: model(frames, **kwargs))
    _loss(out).backward()
    grads = [p.grad.clone() for p in model.parameters() if p.grad is not None]
    return out.predictions.detach(), grads, nbytes


@pytest.mark.parametrize("name", ["ms-predrnn-v2", "ms-motionrnn"])
def test_recompute_keeps_outputs_and_gradients_and_saves_memory(name):
    frames = torch.rand(2, 5, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    results = []
    for recompute in (False, True):
        model = tiny_model(name, num_layers=4, recompute=recompute)
        results.append(_trained(model, frames, input_frames=2))
    (plain, plain_grads, plain_bytes), (ckpt, ckpt_grads, ckpt_bytes) = results
    assert torch.allclose(ckpt, plain, atol=1e-6)
    assert all(
        torch.allclose(a, b, atol=1e-5) for a, b in zip(plain_grads, ckpt_grads, strict=True)
    )
    assert ckpt_bytes * 3 < plain_bytes


@pytest.mark.parametrize("segment", [2, 3, 6, 9])
def test_recomputed_segments_keep_outputs_and_gradients(segment):
    """Segments of several steps (6 steps: even, uneven, whole, longer than the sequence), with
    the scheduled-sampling mask mixing truth and predictions inside a segment and PredRNN-V2's
    decoupling loss collected across segments."""
    frames = torch.rand(2, 7, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    mask = torch.tensor([[1, 1, 0.0, 1, 0, 0], [1, 0, 1, 1, 0, 1]])
    plain = _trained(tiny_model("ms-predrnn-v2", num_layers=3), frames, teacher_forcing=mask)
    model = tiny_model("ms-predrnn-v2", num_layers=3, recompute=segment)
    ckpt = _trained(model, frames, teacher_forcing=mask)
    assert torch.allclose(ckpt[0], plain[0], atol=1e-6)
    assert all(torch.allclose(a, b, atol=1e-5) for a, b in zip(plain[1], ckpt[1], strict=True))


def test_recomputed_segments_keep_only_the_state_at_segment_starts():
    """Saved bytes fall by exactly the states and predictions of the boundaries a longer segment
    skips: 6 steps keep boundaries at t = 1..5 per step, t = 2, 4 by twos, t = 3 by threes (the
    zero state of t = 0 is one shared storage either way)."""
    frames = torch.rand(1, 7, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    model = tiny_model("ms-convlstm", num_layers=3)
    state = model._initial_state(frames)
    leaves = torch.utils._pytree.tree_leaves(state)
    boundary = sum(leaf.nbytes for leaf in leaves if leaf is not None)
    boundary += frames[:, 0].nbytes  # the prediction fed to the next segment
    saved = {}
    for segment in (1, 2, 3):
        model.configure(recompute=segment)
        saved[segment] = _trained(model, frames, input_frames=2)[2]
    assert saved[1] - saved[2] == 3 * boundary
    assert saved[1] - saved[3] == 4 * boundary


@pytest.mark.parametrize("bad", [-1, 1.5, "2", None])
def test_recompute_refuses_what_is_not_a_step_count(bad):
    with pytest.raises(ValueError, match="recompute must be"):
        tiny_model("convlstm", num_layers=1, recompute=bad)
    with pytest.raises(ValueError, match="recompute must be"):
        tiny_model("convlstm", num_layers=1).configure(recompute=bad)


def test_the_old_checkpointing_name_is_refused_with_the_new_one():
    with pytest.raises(ValueError, match="checkpointing was renamed recompute"):
        tiny_model("convlstm", num_layers=1, checkpointing=True)


def test_compiled_step_gives_the_same_predictions():
    model = tiny_model("ms-convlstm", num_layers=2).eval()
    frames = torch.rand(1, 4, 1, 8, 8)
    with torch.no_grad():
        expected = model(frames, input_frames=2).predictions
        model.configure(compile={"backend": "eager"})  # the wiring; inductor is tested upstream
        compiled = model(frames, input_frames=2).predictions
    assert torch.allclose(compiled, expected, atol=1e-6)
    assert set(model.state_dict()) == set(tiny_model("ms-convlstm", num_layers=2).state_dict())
