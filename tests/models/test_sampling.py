import itertools

import pytest
import torch

from msrnn.models import (
    ReverseScheduledSampling,
    ScheduledSampling,
    reverse_sampling_etas,
    scheduled_sampling_eta,
)

# The official schedule's (eta_r, eta) per epoch of a 20-epoch run, 3 decimals
RSS_TABLE_20 = {
    **{epoch: (0.5, 0.5) for epoch in range(1, 7)},
    7: (0.611, 0.475),
    8: (0.816, 0.400),
    9: (0.913, 0.325),
    10: (0.959, 0.25),
    11: (0.981, 0.175),
    12: (0.991, 0.1),
    13: (0.996, 0.025),
    **{epoch: (1.0, 0.0) for epoch in range(14, 21)},
}


@pytest.mark.parametrize("epoch", range(1, 21))
def test_reverse_schedule_reproduces_paper_table(epoch):
    eta_r, eta = reverse_sampling_etas(epoch, 20)
    assert (round(eta_r, 3), round(eta, 3)) == RSS_TABLE_20[epoch]


def test_linear_schedule_reaches_zero_at_the_end_of_training():
    steps_per_epoch, epochs = 2500, 20  # MNIST: 10,500 sequences / batch 4 ~ 2,625 steps
    total = steps_per_epoch * epochs
    assert scheduled_sampling_eta(0, total) == 1.0
    assert scheduled_sampling_eta(total // 2, total) == 0.5
    assert scheduled_sampling_eta(total, total) == 0.0
    assert scheduled_sampling_eta(total + 10, total) == 0.0
    etas = [scheduled_sampling_eta(k, total) for k in range(0, total, 997)]
    assert all(a > b for a, b in itertools.pairwise(etas))


def test_scheduled_mask_layout_and_probability():
    sampler = ScheduledSampling(100, seed=1)
    mask = sampler.mask(4000, 20, 10, step=25)
    assert mask.shape == (4000, 19)
    assert mask[:, :10].eq(1).all()
    assert mask[:, 10:].mean().item() == pytest.approx(0.75, abs=0.02)
    assert set(mask.unique().tolist()) <= {0.0, 1.0}


def test_reverse_mask_layout_and_probabilities():
    sampler = ReverseScheduledSampling(20, seed=1)
    mask = sampler.mask(4000, 20, 10, epoch=8)
    assert mask.shape == (4000, 19)
    assert mask[:, 0].eq(1).all()
    assert mask[:, 1:10].mean().item() == pytest.approx(0.816, abs=0.02)
    assert mask[:, 10:].mean().item() == pytest.approx(0.4, abs=0.02)


def test_masks_are_reproducible_from_seed_and_decided_per_sample():
    first = ScheduledSampling(10, seed=7).mask(8, 20, 10, step=5)
    second = ScheduledSampling(10, seed=7).mask(8, 20, 10, step=5)
    other = ScheduledSampling(10, seed=8).mask(8, 20, 10, step=5)
    assert torch.equal(first, second)
    assert not torch.equal(first, other)
    assert len({tuple(row.tolist()) for row in first}) > 1


def test_generator_state_round_trips():
    sampler = ScheduledSampling(10, seed=3)
    sampler.mask(2, 8, 4, step=1)
    saved = sampler.state_dict()
    expected = sampler.mask(2, 8, 4, step=2)
    restored = ScheduledSampling(10, seed=0)
    restored.load_state_dict(saved)
    assert torch.equal(restored.mask(2, 8, 4, step=2), expected)


def test_bad_schedule_arguments():
    with pytest.raises(ValueError, match="total_steps"):
        ScheduledSampling(0)
    with pytest.raises(ValueError, match="num_epochs"):
        ReverseScheduledSampling(0)
    with pytest.raises(ValueError, match="input_frames"):
        ScheduledSampling(5).mask(1, 10, 10, step=0)
