"""Frozen behaviour: seeded weights, outputs and state-dict keys equal the golden files.

The files are written by ``python -m tests.models.golden`` (see that module). Outputs are
compared with a tolerance because CPUs differ in the rounding of their convolution kernels; the
weights a seed draws and the state-dict layout must match exactly.
"""

import json

import pytest
import torch
from safetensors.torch import load_file

import msrnn
from tests.models import golden

ALL = msrnn.list_models()
# about 100x float32 rounding over a few recurrent steps: cross-host kernel differences pass,
# any change of the maths fails
OUTPUT_TOLERANCE = {"rtol": 1e-4, "atol": 1e-5}


def _stored(name):
    path = golden.golden_file(name)
    assert path.is_file(), f"no golden file for {name}: run python -m tests.models.golden"
    return load_file(path)


def _weights(case):
    return {key.removeprefix("weight."): v for key, v in case.items() if key.startswith("weight.")}


@pytest.mark.parametrize("name", ALL)
def test_a_seed_builds_the_frozen_weights(name):
    stored = _weights(_stored(name))
    built = golden.tiny(name).state_dict()
    assert sorted(built) == sorted(stored)  # a safetensors file keeps keys sorted
    assert [key for key, value in built.items() if not torch.equal(value, stored[key])] == []


@pytest.mark.parametrize("name", ALL)
def test_frozen_weights_compute_the_frozen_outputs(name):
    case = _stored(name)
    model = golden.tiny(name).eval()
    model.load_state_dict(_weights(case))
    computed = golden.outputs(model, {"input": case["input"], "mask": case["mask"]})
    expected = {key: case[key] for key in ("forecast", "teacher_forced", "decoupling_loss")
                if key in case}  # fmt: skip
    assert computed.keys() == expected.keys()
    for key, value in expected.items():
        torch.testing.assert_close(computed[key], value, **OUTPUT_TOLERANCE, msg=key)


def test_the_golden_inputs_are_the_stored_ones():
    case = _stored(ALL[0])
    for key, value in golden.golden_inputs().items():
        assert torch.equal(case[key], value)


FROZEN = json.loads(golden.STATE_DICT_FILE.read_text())


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("architecture", sorted(golden.FROZEN_ARCHITECTURES))
def test_state_dict_keys_and_shapes_are_frozen(name, architecture):
    assert name in FROZEN, f"{name} has no frozen state dict: run python -m tests.models.golden"
    shapes = golden.state_dict_shapes(name, golden.FROZEN_ARCHITECTURES[architecture])
    assert list(shapes.items()) == list(FROZEN[name][architecture].items())


def test_every_golden_file_belongs_to_a_registered_model():
    files = {path.name.removesuffix(".safetensors") for path in golden.FOLDER.glob("*.safetensors")}
    assert files == set(ALL)
    assert set(FROZEN) == set(ALL)
