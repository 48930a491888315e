"""Space-to-depth patching: every model runs on the ``H/p x W/p`` grid of ``p x p`` patches."""

import pytest
import torch

from msrnn.models import build_model, list_models
from msrnn.profiling.max_size import find_max_size
from msrnn.profiling.units import activation_law
from tests.conftest import parameter_count, tiny_model

ALL = list_models()


def _small(name, seed=0, **overrides):
    """Width 4; PrecipLSTM with a 5x5 attention window."""
    cells = {"cell_kwargs": {"window": 5}} if "preciplstm" in name else {}
    return tiny_model(name, seed, hidden_channels=4, **cells, **overrides)


def _frames(shape, seed=0):
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("name", ALL)
def test_patch_size_1_is_the_unpatched_model_bit_for_bit(name):
    plain, patched = _small(name), _small(name, patch_size=1)
    assert list(plain.state_dict()) == list(patched.state_dict())
    frames = _frames((2, 4, 1, 16, 16))
    assert torch.equal(
        plain(frames, input_frames=2).predictions, patched(frames, input_frames=2).predictions
    )


def test_patches_are_the_pixels_of_each_p_by_p_block_as_channels():
    model = build_model("convlstm", hidden_channels=4, num_layers=1, in_channels=2, patch_size=2)
    frames = _frames((1, 3, 2, 4, 6))
    patched = model._to_patches(frames)
    assert patched.shape == (1, 3, 8, 2, 3)
    # channel c * p^2 + i * p + j of grid cell (y, x) is pixel (p y + i, p x + j) of channel c
    for c in range(2):
        for i in range(2):
            for j in range(2):
                expected = frames[:, :, c, i::2, j::2]
                assert torch.equal(patched[:, :, c * 4 + i * 2 + j], expected)
    assert torch.equal(model._from_patches(patched), frames)


@pytest.mark.parametrize("patch", [2, 4])
@pytest.mark.parametrize("name", ALL)
def test_every_model_trains_on_patches(name, patch):
    # 32x48 frames: a 16x24 or 8x12 grid, whose deepest pyramid level still has 2x2 cells
    model = _small(name, patch_size=patch)
    frames = _frames((2, 4, 1, 32, 48))
    out = model(frames, teacher_forcing=torch.ones(2, 3))
    assert out.predictions.shape == (2, 3, 1, 32, 48)
    loss = (out.predictions - frames[:, 1:]).square().sum()
    if out.decoupling_loss is not None:
        loss = loss + out.decoupling_loss
    loss.backward()
    assert model.embed.weight.shape == (4, patch**2, 1, 1)
    assert model.readout.weight.shape == (patch**2, 4, 1, 1)
    for weight in (model.embed.weight, model.readout.weight):
        assert torch.isfinite(weight.grad).all() and weight.grad.abs().sum() > 0
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert len(grads) > 2 and all(torch.isfinite(g).all() for g in grads)


@pytest.mark.parametrize("name", ["convlstm", "ms-convlstm", "predrnn", "ms-predrnn"])
def test_only_the_embedding_and_read_out_grow(name):
    plain, patched = _small(name), _small(name, patch_size=4)
    channels, p2 = 4, 16
    assert parameter_count(patched) - parameter_count(plain) == (p2 - 1) * (2 * channels + 1)
    plain_stack = {k: v.shape for k, v in plain.stack.state_dict().items()}
    assert plain_stack == {k: v.shape for k, v in patched.stack.state_dict().items()}


@pytest.mark.parametrize("size", [(64, 64), (64, 48), (48, 80)])
def test_ms_stack_runs_its_pyramid_on_the_patch_grid(size):
    model = tiny_model("ms-convlstm", num_layers=4, patch_size=4)  # levels 0, 1, 1, 0
    assert model.stack.levels == (0, 1, 1, 0)
    grids = []
    for cell in model.stack.cells:
        cell.register_forward_hook(lambda _m, args, _o: grids.append(tuple(args[0].shape[-2:])))
    frames = _frames((1, 3, 1, *size))
    out = model(frames, input_frames=2)
    assert out.predictions.shape == (1, 2, 1, *size)
    h, w = size[0] // 4, size[1] // 4
    assert grids[:4] == [(h, w), (h // 2, w // 2), (h // 2, w // 2), (h, w)]


def test_options_work_on_the_patched_grid():
    frames = _frames((2, 6, 1, 32, 32))
    mask = torch.tensor([[1.0, 1.0, 0.3, 0.0, 1.0], [1.0, 0.0, 1.0, 0.5, 0.0]])

    def run(**options):
        model = tiny_model("ms-convlstm", num_layers=4, patch_size=4, **options)
        out = model(frames, teacher_forcing=mask)
        out.predictions.square().sum().backward()
        return out.predictions, model.embed.weight.grad

    reference, reference_grad = run()
    for options in ({"recompute": 2}, {"recompute": True}):
        predictions, grad = run(**options)
        torch.testing.assert_close(predictions, reference)
        torch.testing.assert_close(grad, reference_grad)
    model = tiny_model("ms-convlstm", num_layers=4, patch_size=4, channels_last=True)
    torch.testing.assert_close(model(frames, teacher_forcing=mask).predictions, reference)
    future = tiny_model("ms-convlstm", num_layers=4, patch_size=4).forecast(frames[:, :3], 4)
    assert future.shape == (2, 4, 1, 32, 32)


def test_a_frame_not_divisible_by_the_patch_names_the_nearest_sizes():
    model = tiny_model("convlstm", num_layers=2, patch_size=4)
    with pytest.raises(
        ValueError,
        match=r"63x50 is not a multiple of patch_size=4: crop the "
        r"frames to 60x48 or pad them to 64x52",
    ):
        model(_frames((1, 3, 1, 63, 50)), input_frames=2)
    with pytest.raises(ValueError, match="patch_size must be a positive integer"):
        build_model("convlstm", patch_size=0)
    with pytest.raises(ValueError, match="patch_size must be a positive integer"):
        build_model("convlstm", patch_size=2.0)


def test_too_small_frames_count_the_patch():
    model = tiny_model("ms-convlstm", num_layers=4, patch_size=4)
    assert model.min_frame_size() == 8 and model.frame_granularity() == 8
    with pytest.raises(ValueError, match=r"on 4x4 patches: each side must be at least 8"):
        model(_frames((1, 3, 1, 4, 8)), input_frames=2)


def test_the_memory_law_follows_the_patched_grid():
    patched = tiny_model("ms-convlstm", num_layers=4, patch_size=4)
    plain = tiny_model("ms-convlstm", num_layers=4)
    law = activation_law(patched, (64, 48), batch=2, frames=5)
    assert law.grids == ((16, 12), (8, 6), (8, 6), (16, 12))
    assert law.predicted_bytes == activation_law(plain, (16, 12), batch=2, frames=5).predicted_bytes


def test_max_size_answers_in_multiples_of_the_patch_grid():
    build = lambda: tiny_model("ms-convlstm", num_layers=3, patch_size=4)  # noqa: E731
    report = find_max_size(build, 64 * 2**20, batch=1, frames=3)
    unpatched = find_max_size(
        lambda: tiny_model("ms-convlstm", num_layers=3), 64 * 2**20, batch=1, frames=3
    )
    assert report.result.side % 8 == 0  # patch 4 times the deepest level's 2
    # the recurrence runs on 16x fewer cells, so the side grows by nearly 4x; not fully, since
    # the frames, the predictions and the loss stay at full resolution
    assert 3 * unpatched.result.side < report.result.side <= 4 * unpatched.result.side + 8
