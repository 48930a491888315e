"""Models must learn: a bright square moving at constant speed, trained through ForecastSystem.

A broken training step (wrong loss target, gradients not reaching the weights, predictions fed
back wrongly, a schedule that never steps) cannot pass: after a fixed, seeded number of steps the
test forecast must be far better than predicting nothing and than repeating the last frame.
"""

import json

import lightning as L
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from msrnn.training import ForecastSystem

SIDE, SQUARE, INPUT, OUTPUT = 16, 4, 4, 4


def moving_squares(count: int, seed: int) -> torch.Tensor:
    """``(count, INPUT + OUTPUT, 1, SIDE, SIDE)`` clips of a 4x4 square of ones on black.

    Each clip starts at a random position with a random velocity of -1, 0 or 1 pixel per frame
    along each axis (not both 0) and bounces off the borders.
    """
    generator = torch.Generator().manual_seed(seed)
    length = INPUT + OUTPUT
    clips = torch.zeros(count, length, 1, SIDE, SIDE)
    limit = SIDE - SQUARE
    for index in range(count):
        position = torch.randint(0, limit + 1, (2,), generator=generator)
        velocity = torch.zeros(2, dtype=torch.long)
        while not velocity.any():
            velocity = torch.randint(-1, 2, (2,), generator=generator)
        for t in range(length):
            y, x = position.tolist()
            clips[index, t, 0, y : y + SQUARE, x : x + SQUARE] = 1.0
            moved = position + velocity
            bounced = (moved < 0) | (moved > limit)
            velocity = torch.where(bounced, -velocity, velocity)
            position = position + velocity
    return clips


def _loader(clips: torch.Tensor, *, shuffle: bool) -> DataLoader:
    return DataLoader(TensorDataset(clips), batch_size=16, shuffle=shuffle)


def _train_and_test(tmp_path, model: str, model_kwargs: dict) -> dict:
    L.seed_everything(0, verbose=False)
    system = ForecastSystem(
        model=model,
        model_kwargs=model_kwargs,
        input_frames=INPUT,
        output_frames=OUTPUT,
        lr=2e-2,
        lr_schedule="cosine",
        warmup_steps=10,
        loss="l2",
        sampling_steps=100,
    )
    trainer = L.Trainer(
        max_steps=240,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=tmp_path,
    )
    train = moving_squares(512, seed=1)
    trainer.fit(system, _loader(train, shuffle=True), _loader(train[:16], shuffle=False))
    trainer.test(system, _loader(moving_squares(64, seed=2), shuffle=False), verbose=False)
    return json.loads((system.test_dir / "metrics.json").read_text())


@pytest.mark.slow
@pytest.mark.parametrize(
    ("model", "model_kwargs"),
    [
        ("convlstm", {"hidden_channels": 16, "num_layers": 2}),
        # layer 0 on the half grid (max-pooled input), layer 1 on the full grid
        ("ms-convlstm", {"hidden_channels": 16, "levels": [1, 0]}),
    ],
)
def test_a_small_model_learns_a_moving_square(tmp_path, model, model_kwargs):
    metrics = _train_and_test(tmp_path, model, model_kwargs)
    mse = metrics["mse_frame_sum_mean"]
    blank = metrics["blank"]["mse_frame_sum_mean"]
    persistence = metrics["persistence"]["mse_frame_sum_mean"]
    assert blank == pytest.approx(SQUARE * SQUARE)  # one square of ones per frame
    assert mse <= 0.3 * blank, (mse, blank)
    assert mse <= 0.5 * persistence, (mse, persistence)
