import pytest
import torch

from msrnn.losses import frame_sum_loss


def test_frame_sums_then_mean_over_frames_and_samples():
    predictions = torch.zeros(2, 3, 1, 2, 2)
    targets = torch.zeros(2, 3, 1, 2, 2)
    targets[0, 0] = 0.5  # one frame: 4 pixels off by 0.5
    # that frame: L2 sum 4 * 0.25 = 1, L1 sum 4 * 0.5 = 2; mean over the 6 frames
    assert frame_sum_loss(predictions, targets).item() == pytest.approx(3 / 6)
    assert frame_sum_loss(predictions, targets, "l2").item() == pytest.approx(1 / 6)
    assert frame_sum_loss(predictions, targets, "l1").item() == pytest.approx(2 / 6)


def test_the_l1_weight_scales_only_the_l1_term():
    predictions = torch.zeros(1, 1, 1, 2, 2)
    targets = torch.full((1, 1, 1, 2, 2), 0.5)  # L2 sum 1, L1 sum 2
    assert frame_sum_loss(predictions, targets, l1_weight=0.25).item() == pytest.approx(1.5)
    assert frame_sum_loss(predictions, targets, l1_weight=0.0).item() == pytest.approx(1.0)
    # "l1" alone is the L1 sum whatever the weight
    assert frame_sum_loss(predictions, targets, "l1", l1_weight=0.25).item() == pytest.approx(2)
    with pytest.raises(ValueError, match="l1_weight must be 0 or more"):
        frame_sum_loss(predictions, targets, l1_weight=-1.0)
    with pytest.raises(ValueError, match="l1_weight must be 0 or more"):
        frame_sum_loss(predictions, targets, l1_weight=float("nan"))


def test_bad_loss_arguments():
    x = torch.zeros(1, 2, 1, 2, 2)
    with pytest.raises(ValueError, match="loss must be one of"):
        frame_sum_loss(x, x, "huber")
    with pytest.raises(ValueError, match="differ"):
        frame_sum_loss(x, x[:, :1])


def test_the_loss_imports_without_lightning():
    import subprocess
    import sys

    code = (
        "import sys, msrnn.losses; assert not any(m.startswith('lightning') for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
