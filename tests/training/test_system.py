import pytest
import torch

from msrnn.training import ForecastSystem


def test_sampling_auto_is_reverse_for_predrnn_v2_only():
    v2 = ForecastSystem(model="predrnn-v2", model_kwargs={"hidden_channels": 4, "num_layers": 2})
    plain = ForecastSystem(model="ms-predrnn", model_kwargs={"hidden_channels": 4, "num_layers": 2})
    assert v2.sampling == "reverse" and plain.sampling == "scheduled"


def test_system_builds_from_plain_values_and_predicts():
    system = ForecastSystem(
        model="ms-convlstm",
        model_kwargs={"hidden_channels": 4, "num_layers": 2},
        input_frames=3,
        output_frames=2,
    )
    assert system.hparams.model == "ms-convlstm"
    out = system.predict_step(torch.rand(2, 5, 1, 8, 8), 0)
    assert out["forecast"].shape == (2, 2, 1, 8, 8) and out["context"].shape == (2, 3, 1, 8, 8)


def test_bad_arguments():
    with pytest.raises(ValueError, match="sampling must be"):
        ForecastSystem(sampling="sometimes")
    with pytest.raises(ValueError, match="lr must be positive"):
        ForecastSystem(lr=0)
