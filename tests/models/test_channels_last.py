import copy

import pytest
import torch

from tests.conftest import tiny_model

CL = torch.channels_last


def _forward_backward(model, frames):
    out = model(frames, input_frames=3)
    loss = out.predictions.square().sum()
    if out.decoupling_loss is not None:
        loss = loss + out.decoupling_loss
    loss.backward()
    return out.predictions.detach(), {n: p.grad for n, p in model.named_parameters()}


@pytest.mark.parametrize("name", ["convlstm", "predrnn", "ms-predrnn"])
def test_channels_last_gives_the_nchw_outputs_and_gradients(name):
    nchw = tiny_model(name, num_layers=4)
    nhwc = copy.deepcopy(nchw).configure(channels_last=True)
    frames = torch.rand(2, 5, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    expected, expected_grads = _forward_backward(nchw, frames)
    predictions, grads = _forward_backward(nhwc, frames)
    assert torch.allclose(predictions, expected, atol=1e-5)
    for key, grad in expected_grads.items():
        if grad is None:
            assert grads[key] is None
        else:
            scale = grad.abs().max().clamp(min=1)
            assert torch.allclose(grads[key], grad, atol=1e-5 * scale), key


def test_weights_states_and_inputs_of_every_cell_are_channels_last():
    model = tiny_model("ms-convlstm", num_layers=4, channels_last=True)
    assert model.memory_format is CL
    weights = [p for p in model.parameters() if p.dim() == 4 and p.shape[1] > 1]
    assert weights and all(p.is_contiguous(memory_format=CL) for p in weights)
    seen = []

    def record(cell, args, kwargs):
        x, state = args
        seen.append(x.is_contiguous(memory_format=CL) and state.c.is_contiguous(memory_format=CL))

    for cell in model.stack.cells:
        cell.register_forward_pre_hook(record, with_kwargs=True)
    predictions = model(torch.rand(1, 4, 1, 16, 16), input_frames=2).predictions
    assert len(seen) == 4 * 3 and all(seen)
    assert predictions.is_contiguous() and predictions.shape == (1, 3, 1, 16, 16)


def test_switching_back_and_state_dicts_are_layout_free():
    model = tiny_model("predrnn", num_layers=2)
    frames = torch.rand(1, 4, 1, 8, 8)
    with torch.no_grad():
        expected = model(frames, input_frames=2).predictions
        model.configure(channels_last=True)
        fresh = tiny_model("predrnn", num_layers=2, seed=1)
        fresh.load_state_dict(model.state_dict())  # NCHW model, channels-last weights
        assert torch.allclose(fresh(frames, input_frames=2).predictions, expected, atol=1e-5)
        assert model.configure(channels_last=False) is model and model.memory_format is not CL
        assert all(p.is_contiguous() for p in model.parameters())
        assert torch.allclose(model(frames, input_frames=2).predictions, expected, atol=1e-5)
