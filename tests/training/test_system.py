import lightning as L
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from msrnn.training import ForecastSystem
from msrnn.training.schedules import lr_factor


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


def test_cosine_schedule_with_warm_up_sets_the_rate_of_every_step():
    rates = []

    class Record(L.Callback):
        def on_train_batch_start(self, trainer, *args):
            rates.append(trainer.optimizers[0].param_groups[0]["lr"])

    system = ForecastSystem(
        model="convlstm",
        model_kwargs={"hidden_channels": 2, "num_layers": 1},
        input_frames=2,
        output_frames=1,
        lr=0.01,
        lr_schedule="cosine",
        warmup_steps=2,
    )
    trainer = L.Trainer(
        max_steps=6,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        limit_val_batches=0,
        callbacks=[Record()],
    )
    trainer.fit(system, DataLoader(TensorDataset(torch.rand(6, 3, 1, 8, 8)), batch_size=1))
    expected = [
        0.01 * lr_factor(s, total_steps=6, warmup_steps=2, schedule="cosine") for s in range(6)
    ]
    assert rates == pytest.approx(expected)
    assert rates[0] == pytest.approx(0.005) and rates[2] == pytest.approx(0.01)
    assert rates[-1] < rates[3] < rates[2]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr_schedule": "step"}, "lr_schedule must be one of"),
        ({"warmup_steps": -1}, "warmup_steps must be 0 or more"),
        ({"l1_weight": -0.5}, "l1_weight must be 0 or more"),
        ({"loss": "huber"}, "loss must be one of"),
    ],
)
def test_bad_training_options_are_refused_at_construction(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ForecastSystem(model="convlstm", **kwargs)
