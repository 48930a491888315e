"""PredRNN-V2's memory decoupling loss (Wang et al., 2022); the cell itself is the ST-LSTM."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class DecouplingLoss(nn.Module):
    r"""Memory decoupling term of PredRNN-V2, with one adapter shared by all layers.

    "PredRNN: A Recurrent Neural Network for Spatiotemporal Predictive Learning", Wang et al.,
    TPAMI 2022, https://arxiv.org/abs/2103.09504.

    For the increments :math:`\Delta C, \Delta M` of one layer (see
    :class:`~msrnn.cells.predrnn.STLSTMCell`) and the shared ``1x1`` adapter :math:`A`:

    .. math::
        a_c = A * \Delta C, \quad a_m = A * \Delta M, \qquad
        d_{b,c} = \left| \frac{\langle a_c[b,c], a_m[b,c] \rangle}
                              {\lVert a_c[b,c] \rVert_2 \, \lVert a_m[b,c] \rVert_2} \right|

    where the inner products and norms run over space. ``forward`` returns
    :math:`\sum_c d_{b,c}` per sample; the forecaster sums it over layers and averages over time
    steps and samples, as the MS-RNN code does.

    Args:
        channels: hidden channels ``C`` of the cells.
        bias: give the adapter a bias (the MS-RNN code does, 4,160 parameters for ``C = 64``;
            the original PredRNN-V2 code does not).

    Shape:
        ``delta_c``, ``delta_m``: ``(B, C, h, w)``; output ``(B,)``.

    Deviations from the reference code: none. Note that with the adapter bias the cosines are
    close to 1 at initialisation.
    """

    def __init__(self, channels: int, *, bias: bool = True) -> None:
        super().__init__()
        self.adapter = nn.Conv2d(channels, channels, kernel_size=1, bias=bias)

    def forward(self, delta_c: Tensor, delta_m: Tensor) -> Tensor:
        a_c = self.adapter(delta_c).flatten(2)
        a_m = self.adapter(delta_m).flatten(2)
        # NOTE: normalising first and then taking the dot product equals the cosine similarity;
        # the epsilon guards the all-zero maps of the first steps.
        cosine = (F.normalize(a_c, dim=2, eps=1e-12) * F.normalize(a_m, dim=2, eps=1e-12)).sum(2)
        return torch.abs(cosine).sum(dim=1)
