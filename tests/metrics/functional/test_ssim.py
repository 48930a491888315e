"""SSIM against a loop-based implementation written from the definition, and hand cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from msrnn.metrics.functional import gaussian_window, ssim


def _window(size: int, sigma: float) -> np.ndarray:
    """Gaussian on a grid centred on the window (half-pixel offsets for even sizes)."""
    radius = size // 2
    start = -radius + (0.5 if size % 2 == 0 else 0.0)
    coords = [start + i for i in range(size)]
    g = np.array(
        [[math.exp(-(u * u + v * v) / (2 * sigma * sigma)) for v in coords] for u in coords]
    )
    return g / g.sum()


def _reference_ssim(x: np.ndarray, y: np.ndarray) -> float:
    """Explicit loops over channels and window positions, (C, H, W) images, range 1."""
    channels, height, width = x.shape
    size = min(11, height, width)
    g = _window(size, 1.5 * size / 11)
    c1, c2 = 0.01**2, 0.03**2
    values = []
    for c in range(channels):
        for i in range(height - size + 1):
            for j in range(width - size + 1):
                px, py = x[c, i : i + size, j : j + size], y[c, i : i + size, j : j + size]
                mx, my = (g * px).sum(), (g * py).sum()
                vx = (g * px * px).sum() - mx * mx
                vy = (g * py * py).sum() - my * my
                cov = (g * px * py).sum() - mx * my
                num = (2 * mx * my + c1) * (2 * cov + c2)
                values.append(num / ((mx * mx + my * my + c1) * (vx + vy + c2)))
    return float(np.mean(values))


@pytest.mark.parametrize(
    "shape",
    [(1, 13, 15), (2, 12, 12), (1, 5, 7), (1, 6, 8)],
    ids=["window-fits", "two-channels", "odd-shrunk-window", "even-shrunk-window"],
)
def test_matches_loop_reference(shape):
    generator = torch.Generator().manual_seed(sum(shape))
    preds = torch.rand(2, 2, *shape, generator=generator)
    target = (preds + 0.2 * torch.rand(2, 2, *shape, generator=generator)).clamp(0, 1)
    values = ssim(preds, target)
    assert values.shape == (2, 2)
    for b in range(2):
        for t in range(2):
            expected = _reference_ssim(preds[b, t].double().numpy(), target[b, t].double().numpy())
            assert values[b, t].item() == pytest.approx(expected, rel=1e-10)


def test_identical_images_score_one():
    frames = torch.rand(2, 3, 1, 16, 16, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(ssim(frames, frames), torch.ones(2, 3, dtype=torch.float64))


def test_constant_images_reduce_to_the_luminance_term():
    # No variance: the contrast-structure term is c2 / c2 = 1.
    a, b, c1 = 0.2, 0.6, 0.01**2
    preds = torch.full((1, 1, 1, 3, 3), a)
    target = torch.full((1, 1, 1, 3, 3), b)
    expected = (2 * a * b + c1) / (a * a + b * b + c1)
    assert ssim(preds, target).item() == pytest.approx(expected, rel=1e-6)


def test_gaussian_window_matches_the_definition():
    window = gaussian_window(4, 0.8)
    np.testing.assert_allclose(window.numpy(), _window(4, 0.8), rtol=1e-12)
    assert gaussian_window(11, 1.5).sum().item() == pytest.approx(1.0)


def test_invalid_window_parameters():
    with pytest.raises(ValueError, match="window size must be >= 1"):
        gaussian_window(0, 1.5)
    with pytest.raises(ValueError, match="sigma must be > 0"):
        ssim(torch.zeros(1, 1, 1, 4, 4), torch.zeros(1, 1, 1, 4, 4), sigma=0.0)
    with pytest.raises(ValueError, match="data_range must be > 0"):
        ssim(torch.zeros(1, 1, 1, 4, 4), torch.zeros(1, 1, 1, 4, 4), data_range=0.0)
