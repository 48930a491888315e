import pytest
import torch

from msrnn.profiling.profile import Profile, RunSetup, profile_training
from msrnn.profiling.report import format_profile
from tests.conftest import tiny_model

B, C, H, W, T = 2, 3, 5, 5, 4


def _profile(fused: bool) -> Profile:
    torch.manual_seed(0)
    model = tiny_model("convlstm", hidden_channels=C, num_layers=1, fused=fused)
    return profile_training(model, RunSetup(size=(H, W), batch=B, frames=T, repeats=2, warmup=1))


@pytest.fixture(scope="module")
def one_layer_convlstm() -> Profile:
    return _profile(fused=True)


STEPS = T - 1
HIDDEN_MAP, FRAME = B * C * H * W * 4, B * H * W * 4
FRAMEWORK = (
    T * FRAME  # the frames tensor itself (step 0 reads a view of it)
    + (STEPS - 1) * FRAME  # the mixed teacher-forcing input of steps 1.. (a new tensor)
    + (STEPS - 1) * B * 4  # 1 - mask, kept to route the gradient to the previous prediction
    + STEPS * FRAME  # the prediction error, kept by the square and the absolute value
)


def test_activation_bytes_of_a_one_layer_convlstm_by_hand():
    # per step: the embedded input; sigma(i), sigma(f), tanh(g), sigma(o), tanh(C_t);
    # C_{t-1} (the zero initial state, shared with H_{-1}, at t = 0); H_t (read-out input)
    assert _profile(fused=False).activation_bytes == 8 * STEPS * HIDDEN_MAP + FRAMEWORK


def test_activation_bytes_of_a_fused_one_layer_convlstm_by_hand(one_layer_convlstm):
    # per step: the embedded input, the four activated gates (one tensor), C_t (which the next
    # step also keeps as its C_{t-1}) and H_t; once: the zero initial state (C_{-1} = H_{-1})
    assert one_layer_convlstm.activation_bytes == (7 * STEPS + 1) * HIDDEN_MAP + FRAMEWORK


def test_checkpointed_profile_by_hand(one_layer_convlstm):
    """Segments of two steps over three: the forward keeps the frames, the mask, the zero state
    (one storage) for the first segment, the prediction and (H_1, C_1) for the second, and the
    prediction error; backward recomputes two steps at a time, what a 3-frame step saves."""
    setup = RunSetup(size=(H, W), batch=B, frames=T, repeats=1, warmup=0)
    torch.manual_seed(0)
    model = tiny_model("convlstm", hidden_channels=C, num_layers=1, recompute=2)
    profile = profile_training(model, setup)
    kept = T * FRAME + B * STEPS * 4 + HIDDEN_MAP + FRAME + 2 * HIDDEN_MAP + STEPS * FRAME
    assert profile.activation_bytes == kept and profile.recompute == 2
    torch.manual_seed(0)
    plain = tiny_model("convlstm", hidden_channels=C, num_layers=1)
    two_steps = profile_training(plain, RunSetup(size=(H, W), batch=B, frames=3, repeats=1))
    assert profile.recomputed_bytes == two_steps.activation_bytes
    assert profile.total_bytes == profile.state.total + kept + profile.recomputed_bytes
    assert one_layer_convlstm.recomputed_bytes == 0 and one_layer_convlstm.recompute == 0
    report = format_profile(profile)
    assert "recomputes one segment (2 steps)" in report
    assert "without recomputation" in report and "measured / law" not in report
    assert "recomputed" not in format_profile(one_layer_convlstm)


def test_state_bytes_and_counts(one_layer_convlstm):
    profile = one_layer_convlstm
    params = C * 1 + C + 2 * (4 * C * C * 9 + 4 * C) + 1 * C + 1  # embed, gates, read-out
    assert profile.params == profile.trained_params == params
    assert profile.state.parameters == profile.state.gradients == 4 * params
    # two moments per parameter and one float32 step counter per parameter tensor
    assert profile.state.optimizer == 8 * params + 4 * 6
    assert profile.total_bytes == 16 * params + 24 + profile.activation_bytes
    assert profile.paper_total_bytes == 4 * 4 * params + 2 * profile.law.predicted_bytes


def test_flops_timing_and_derived_figures(one_layer_convlstm):
    profile = one_layer_convlstm
    gates_forward = 2 * (2 * B * 4 * C * H * W * C * 9)  # W_x * X and W_h * H, per step
    assert profile.flops > 2 * (T - 1) * gates_forward  # backward costs about twice forward
    assert profile.flops < 3.2 * (T - 1) * gates_forward
    assert len(profile.timing.seconds) == 2
    assert profile.sequences_per_second == pytest.approx(B / profile.step_seconds)
    assert profile.gflops_per_second == pytest.approx(profile.flops / profile.step_seconds / 1e9)
    assert profile.cuda_peak_allocated is None


def test_to_dict_is_json_ready(one_layer_convlstm):
    data = one_layer_convlstm.to_dict()
    assert data["macs"] == one_layer_convlstm.flops // 2
    assert data["law"]["mean_units"] == 6
    assert data["setup"]["size"] == (H, W)
    assert data["total_bytes"] == one_layer_convlstm.total_bytes


def test_meta_dry_run_matches_the_cpu_and_is_not_timed(one_layer_convlstm):
    torch.manual_seed(0)
    model = tiny_model("convlstm", hidden_channels=C, num_layers=1).to("meta")
    dry = profile_training(model, RunSetup(size=(H, W), batch=B, frames=T))
    assert dry.activation_bytes == one_layer_convlstm.activation_bytes
    assert dry.flops == one_layer_convlstm.flops
    assert dry.state == one_layer_convlstm.state
    assert dry.timing is None and dry.step_seconds is None


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (RunSetup(size=(0, 8)), "size must be two positive integers"),
        (RunSetup(batch=0), "batch must be at least 1"),
        (RunSetup(frames=1), "frames must be at least 2"),
        (RunSetup(repeats=0), "repeats must be >= 1"),
    ],
)
def test_bad_setups_raise(setup, message):
    with pytest.raises(ValueError, match=message):
        profile_training(tiny_model("convlstm", num_layers=1), setup)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_peaks_are_reported():
    model = tiny_model("ms-convlstm", num_layers=2).to("cuda")
    profile = profile_training(model, RunSetup(size=(16, 16), batch=2, frames=3, repeats=1))
    assert profile.cuda_peak_allocated >= profile.state.parameters + profile.state.optimizer
    assert profile.cuda_peak_reserved >= profile.cuda_peak_allocated
