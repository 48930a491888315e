"""Runtime options: one way to set them (``configure`` or ``build_model``), and they compose."""

import pytest
import torch

import msrnn
from msrnn.layers.fusable import Fusable
from msrnn.models import RUNTIME_OPTIONS, RuntimeOptions
from tests.conftest import tiny_model


def _fusables(model):
    return [module for module in model.modules() if isinstance(module, Fusable)]


def _trained(model, frames, mask):
    out = model(frames, teacher_forcing=mask)
    loss = out.predictions.square().sum()
    if out.decoupling_loss is not None:
        loss = loss + out.decoupling_loss
    loss.backward()
    return out.predictions.detach(), [
        p.grad.clone() for p in model.parameters() if p.grad is not None
    ]


FRAMES = torch.rand(2, 5, 1, 16, 16, generator=torch.Generator().manual_seed(0))
MASK = torch.tensor([[1, 1, 0.0, 1], [1, 0, 1, 0]])


def test_the_defaults_and_every_option_are_reported():
    model = tiny_model("ms-predrnn", num_layers=4)
    assert model.runtime == RuntimeOptions(fused=True)
    assert RUNTIME_OPTIONS == ("fused", "recompute", "channels_last", "compile", "precision")
    model.configure(fused=False, recompute=2, channels_last=True, precision="bf16-mixed")
    assert model.runtime == RuntimeOptions(
        fused=False, recompute=2, channels_last=True, precision="bf16-mixed"
    )
    assert model.memory_format is torch.channels_last


@pytest.mark.parametrize("name", ["ms-mim", "predrnn++", "ms-motionrnn", "mk-lstm"])
def test_fused_is_one_switch_over_every_layer_and_cell(name):
    fused = tiny_model(name, num_layers=4)
    oracle = tiny_model(name, num_layers=4, fused=False)
    assert all(module.fused for module in _fusables(fused))
    assert not any(module.fused for module in _fusables(oracle))
    fused.configure(fused=False)
    assert not any(module.fused for module in _fusables(fused)) and not fused.runtime.fused
    expected = _trained(oracle, FRAMES, MASK)
    flipped = _trained(fused, FRAMES, MASK)
    assert torch.equal(flipped[0], expected[0])  # the same code path: bit for bit


@pytest.mark.parametrize("backend", ["eager", "aot_eager"])
def test_compile_and_recompute_compose(backend):
    reference = _trained(tiny_model("ms-predrnn-v2", num_layers=3), FRAMES, MASK)
    model = tiny_model("ms-predrnn-v2", num_layers=3)
    model.configure(recompute=2, compile={"backend": backend})
    calls = []
    compiled = model._compiled_step
    model._compiled_step = lambda *args: calls.append(1) or compiled(*args)
    predictions, grads = _trained(model, FRAMES, MASK)
    assert len(calls) == 2 * 4  # every step in forward, again when backward recomputes it
    torch.testing.assert_close(predictions, reference[0], rtol=1e-5, atol=1e-6)
    for grad, expected in zip(grads, reference[1], strict=True):
        torch.testing.assert_close(grad, expected, rtol=1e-4, atol=1e-5)
    model.configure(compile=False)
    assert model._compiled_step is None and not model.runtime.compile


def test_precision_runs_the_forward_under_autocast():
    model = tiny_model("ms-convlstm", num_layers=4)
    with torch.no_grad():
        expected = model(FRAMES, input_frames=2).predictions
        model.configure(precision="bf16-mixed")
        seen = []
        model.stack.cells[0].register_forward_pre_hook(lambda cell, args: seen.append(args[0]))
        mixed = model(FRAMES, input_frames=2).predictions
    assert seen and all(x.dtype == torch.bfloat16 for x in seen)
    assert mixed.dtype == torch.bfloat16
    torch.testing.assert_close(mixed.float(), expected, rtol=0, atol=0.05)
    assert model.configure(precision=None).runtime.precision is None


def test_runtime_options_change_no_parameter():
    model = tiny_model("ms-predrnn", num_layers=4)
    keys = {key: value.clone() for key, value in model.state_dict().items()}
    model.configure(fused=False, recompute=True, channels_last=True, precision="bf16-mixed")
    assert {key: value.shape for key, value in model.state_dict().items()} == {
        key: value.shape for key, value in keys.items()
    }
    assert all(torch.equal(model.state_dict()[key], value) for key, value in keys.items())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"fused": "yes"}, "fused must be True or False"),
        ({"channels_last": 1}, "channels_last must be True or False"),
        ({"recompute": -2}, "recompute must be"),
        ({"compile": "max-autotune"}, "compile must be True, False or a mapping"),
        ({"precision": "bf16"}, r"precision must be None \(the caller's\) or one of"),
        ({"speed": "fast"}, r"unknown runtime option\(s\) \['speed'\]"),
    ],
)
def test_bad_options_are_refused_by_name(options, message):
    model = tiny_model("convlstm", num_layers=1)
    with pytest.raises(ValueError, match=message):
        model.configure(**options)
    assert model.runtime == RuntimeOptions()  # nothing half-applied


def test_build_model_takes_the_same_options():
    model = msrnn.build_model("convlstm", hidden_channels=4, num_layers=2, recompute=3,
                              channels_last=True, fused=False)  # fmt: skip
    assert model.runtime == RuntimeOptions(fused=False, recompute=3, channels_last=True)


def test_the_options_in_words():
    assert RuntimeOptions().describe() == (
        "fused gates, NCHW, no recomputation, eager step, precision of the caller"
    )
    assert RuntimeOptions(
        fused=False, recompute=1, channels_last=True, compile=True, precision="bf16-mixed"
    ).describe() == (
        "plain autograd gates, channels-last, recompute every step, compiled step, bf16-mixed"
    )
