r"""Single-scale SSIM as evaluated by MS-RNN (the TF ``_SSIMForMultiScale`` definition).

For each frame, local statistics are Gaussian-weighted averages over every position where the
window fits entirely ("valid" convolution, no padding):

.. math::
    \mu_x = G * x, \quad \sigma_x^2 = G * x^2 - \mu_x^2, \quad \sigma_{xy} = G * (xy) - \mu_x \mu_y,

.. math::
    \mathrm{SSIM} = \operatorname{mean}\, \frac{(2 \mu_x \mu_y + c_1)(2 \sigma_{xy} + c_2)}
    {(\mu_x^2 + \mu_y^2 + c_1)(\sigma_x^2 + \sigma_y^2 + c_2)}, \qquad
    c_1 = (k_1 L)^2, \ c_2 = (k_2 L)^2,

with an 11×11 Gaussian window of standard deviation 1.5 normalised to sum 1, :math:`k_1 = 0.01`,
:math:`k_2 = 0.03` and data range :math:`L = 1`. A frame smaller than the window uses a window of
size ``min(H, W)`` with the standard deviation scaled by the same factor (as the reference); an
even window is centred between pixels. Multichannel frames: the map is computed per channel and
averaged over channels and positions (the reference's window has extent 1 over channels).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from msrnn.metrics.functional._checks import check_sequences


def gaussian_window(
    size: int,
    sigma: float,
    *,
    dtype: torch.dtype = torch.float64,
    device: torch.device | None = None,
) -> Tensor:
    r"""Normalised 2-D Gaussian window :math:`\propto \exp(-(u^2 + v^2) / (2 \sigma^2))`.

    Offsets ``u, v`` run over ``arange(size) - (size - 1) / 2`` (half-integers for even sizes).

    Args:
        size: window side, >= 1.
        sigma: standard deviation in pixels, > 0.
        dtype: floating dtype of the result.
        device: device of the result.

    Returns:
        ``(size, size)`` window summing to 1.

    Raises:
        ValueError: if ``size < 1`` or ``sigma <= 0``.

    Example:
        >>> window = gaussian_window(3, 1.0)
        >>> round(window.sum().item(), 12), round(window[1, 1].item(), 4)
        (1.0, 0.2042)
    """
    if size < 1:
        raise ValueError(f"window size must be >= 1, got {size}")
    if not sigma > 0:
        raise ValueError(f"sigma must be > 0, got {sigma}")
    offsets = torch.arange(size, dtype=dtype, device=device) - (size - 1) / 2
    profile = torch.exp(-(offsets**2) / (2.0 * sigma**2))
    window = torch.outer(profile, profile)
    return window / window.sum()


def ssim(
    preds: Tensor,
    target: Tensor,
    *,
    window_size: int = 11,
    sigma: float = 1.5,
    k1: float = 0.01,
    k2: float = 0.03,
    data_range: float = 1.0,
) -> Tensor:
    """SSIM of each frame (module docstring), computed in float64.

    Args:
        preds: predicted frames in [0, 1].
        target: true frames in [0, 1].
        window_size: Gaussian window side for frames at least that large.
        sigma: Gaussian standard deviation for that window size.
        k1: luminance stabiliser.
        k2: contrast stabiliser.
        data_range: dynamic range ``L`` of the values, > 0.

    Returns:
        ``(B, T)`` float64 SSIM values (1 for identical frames).

    Raises:
        TypeError: for non-tensor or non-floating inputs.
        ValueError: for mismatched shapes or invalid window parameters.

    Shape:
        ``preds``, ``target``: ``(B, T, C, H, W)``; output ``(B, T)``.

    Example:
        >>> frames = torch.rand(2, 3, 1, 8, 8)
        >>> values = ssim(frames, frames)
        >>> values.shape, torch.allclose(values, torch.ones(2, 3, dtype=torch.float64))
        (torch.Size([2, 3]), True)
    """
    check_sequences(preds, target)
    if not data_range > 0:
        raise ValueError(f"data_range must be > 0, got {data_range}")
    batch, steps, channels, height, width = preds.shape
    size = min(window_size, height, width)
    window = gaussian_window(size, sigma * size / window_size, device=preds.device)
    x = preds.double().reshape(batch * steps, channels, height, width)
    y = target.double().reshape(batch * steps, channels, height, width)
    # The Gaussian window is the outer product of its (normalised) marginal, so the valid 2-D
    # filtering is two 1-D passes: 2*size instead of size**2 multiply-adds per pixel. Grouped
    # convolutions filter the five moment images of every channel at once.
    profile = window.sum(dim=1)
    groups = 5 * channels
    moments = torch.cat([x, y, x * x, y * y, x * y], dim=1)
    moments = F.conv2d(
        moments, profile.view(1, 1, size, 1).expand(groups, 1, size, 1), groups=groups
    )
    moments = F.conv2d(
        moments, profile.view(1, 1, 1, size).expand(groups, 1, 1, size), groups=groups
    )
    mu_x, mu_y, xx, yy, xy = moments.chunk(5, dim=1)
    c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
    contrast = (2.0 * (xy - mu_x * mu_y) + c2) / (xx - mu_x**2 + yy - mu_y**2 + c2)
    luminance = (2.0 * mu_x * mu_y + c1) / (mu_x**2 + mu_y**2 + c1)
    return (luminance * contrast).mean(dim=(1, 2, 3)).reshape(batch, steps)
