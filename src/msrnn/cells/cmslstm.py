"""CMS-LSTM (Chai et al., 2022): context embedding, a ConvLSTM and multi-scale self-attention."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate, pairwise

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from msrnn.cells.base import CellOutput, RecurrentCell
from msrnn.cells.convlstm import ConvLSTMCell, ConvLSTMState
from msrnn.cells.modernn import ContextBlock
from msrnn.layers import SummedConv2d


def _bands(length: int, parts: int) -> list[slice]:
    """Split ``range(length)`` into ``parts`` contiguous bands whose sizes differ by at most one.

    The larger bands come first (as :func:`torch.tensor_split`); when ``length < parts`` only
    ``length`` one-element bands remain (empty bands are dropped).
    """
    base, extra = divmod(length, parts)
    sizes = [base + 1] * extra + [base] * (parts - extra)
    return [slice(a, b) for a, b in pairwise(accumulate(sizes, initial=0)) if b > a]


def _query_groups(tokens: int, items: int, device: torch.device) -> int:
    """How many groups to split each item's queries into for the attention kernel.

    PyTorch's CPU attention kernel parallelises its backward over batch items and heads only, so
    one sample's whole-grid attention would run on one thread. Queries attend independently, so
    they can be split into groups (as heads sharing the keys and values): the largest divisor of
    ``tokens`` not above the threads per item. Other devices split work inside an item already
    (1 group).
    """
    if device.type != "cpu":
        return 1
    wanted = -(-torch.get_num_threads() // items)
    divisors = [d for d in range(1, min(wanted, tokens) + 1) if tokens % d == 0]
    return divisors[-1]


def _attend(q: Tensor, k: Tensor, v: Tensor, blocks: int) -> Tensor:
    """Unscaled softmax self-attention inside each of ``blocks x blocks`` equal blocks of a pair.

    ``q, k, v`` are ``(2B, C, h, w)`` with ``h`` and ``w`` divisible by ``blocks``: the first
    ``B`` rows belong to the hidden-state map, the last ``B`` to the cell-state map; each position
    attends over the ``2 (h / blocks) (w / blocks)`` positions of its block in both maps of its
    sample. Every block of every sample is one item of a single batched attention call.
    """
    pair_batch, channels, height, width = q.shape
    batch, hb, wb = pair_batch // 2, height // blocks, width // blocks
    items, tokens = batch * blocks * blocks, 2 * hb * wb
    groups = _query_groups(tokens, items, q.device)

    def as_tokens(t: Tensor) -> Tensor:
        t = t.reshape(2, batch, channels, blocks, hb, blocks, wb)
        t = t.permute(1, 3, 5, 0, 4, 6, 2)  # (B, block row, block column, map, y, x, C)
        return t.reshape(items, 1, tokens, channels)

    keys = as_tokens(k).expand(items, groups, tokens, channels)
    values = as_tokens(v).expand(items, groups, tokens, channels)
    queries = as_tokens(q).reshape(items, groups, tokens // groups, channels)
    out = F.scaled_dot_product_attention(queries, keys, values, scale=1.0)
    out = out.reshape(batch, blocks, blocks, 2, hb, wb, channels)
    return out.permute(3, 0, 6, 1, 4, 2, 5).reshape(pair_batch, channels, height, width)


class BlockSelfAttention(nn.Module):
    r"""Self-attention inside each of ``s x s`` spatial blocks, over both maps of a pair.

    For a block :math:`\mathcal B` (the same location in the hidden- and the cell-state map, so
    :math:`2|\mathcal B|` positions) and ``1x1`` projections :math:`q, k, v` of the pair:

    .. math::
        y_p = \sum_{n \in \mathcal B} \mathrm{softmax}_n(q_p^\top k_n)\, v_n, \qquad
        p \in \mathcal B

    (no :math:`1/\sqrt{C}` scaling, as the CMS-LSTM code). Rows are split into ``s`` bands whose
    heights differ by at most one, columns likewise, so any frame size works. When ``s`` divides
    both sides, all blocks of all samples go through one batched attention call; otherwise one
    call per block.

    Args:
        channels: channels ``C`` of both maps.
        scale: number ``s`` of bands per axis (1 = attention over the whole pair).

    Shape:
        ``pair``: ``(2B, C, h, w)``, the hidden-state maps stacked on top of the cell-state maps
        along the batch axis; output of the same shape (without the residual).
    """

    def __init__(self, channels: int, scale: int) -> None:
        super().__init__()
        self.scale = scale
        self.qkv = nn.Conv2d(channels, 3 * channels, kernel_size=1)

    def forward(self, pair: Tensor) -> Tensor:
        q, k, v = self.qkv(pair).chunk(3, dim=1)
        height, width = pair.shape[-2:]
        if height % self.scale == 0 and width % self.scale == 0:
            return _attend(q, k, v, self.scale)
        rows = []
        for r in _bands(height, self.scale):
            blocks = [
                _attend(q[..., r, c], k[..., r, c], v[..., r, c], blocks=1)
                for c in _bands(width, self.scale)
            ]
            rows.append(torch.cat(blocks, dim=-1))
        return torch.cat(rows, dim=-2)

    def extra_repr(self) -> str:
        return f"scale={self.scale}"


class SpatiotemporalExpression(nn.Module):
    r"""CMS-LSTM's spatiotemporal expression block: multi-scale attention over :math:`(H, C)`.

    .. math::
        P &= (H, C), \qquad A_s = P + \mathrm{Attn}_s(P) \quad (s \in S) \\
        (Z_H, Z_C) &= W_m * [A_{s_1}, A_{s_2}, \dots] \quad \text{(on each map separately)} \\
        Z &= W_z * [Z_H, Z_C]

    with :math:`\mathrm{Attn}_s` a :class:`BlockSelfAttention` per scale, :math:`W_m:
    |S| C \to C` (``k x k``) and :math:`W_z: 2C \to C` (``1x1``), both with bias.

    Args:
        channels: channels ``C``.
        kernel_size: odd kernel size ``k`` of :math:`W_m`.
        scales: the block counts per axis ``S``.

    Raises:
        ValueError: if ``scales`` is empty or holds a non-positive value.

    Shape:
        ``forward(h, c)`` with both ``(B, C, h, w)`` returns ``Z``, ``(B, C, h, w)``.
    """

    def __init__(self, channels: int, kernel_size: int, scales: Sequence[int]) -> None:
        super().__init__()
        scales = tuple(scales)
        if not scales or any(s < 1 for s in scales):
            raise ValueError(f"scales must be a non-empty list of positive integers, got {scales}")
        self.attention = nn.ModuleList(BlockSelfAttention(channels, s) for s in scales)
        c, k = channels, kernel_size
        self.merge = nn.Conv2d(len(scales) * c, c, k, padding=k // 2)
        self.fuse = nn.Conv2d(2 * c, c, kernel_size=1)

    def forward(self, h: Tensor, c: Tensor) -> Tensor:
        # The two maps ride on the batch axis, so W_m's padding never mixes them.
        pair = torch.cat([h, c], dim=0)
        attended = torch.cat([pair + attention(pair) for attention in self.attention], dim=1)
        z_h, z_c = self.merge(attended).chunk(2, dim=0)
        return self.fuse(torch.cat([z_h, z_c], dim=1))


class CMSLSTMCell(RecurrentCell):
    r"""CMS-LSTM cell: context embedding, a ConvLSTM, then spatiotemporal expression.

    "CMS-LSTM: Context Embedding and Multi-Scale Spatiotemporal Expression LSTM for Predictive
    Learning", Chai et al., ICME 2022, https://arxiv.org/abs/2102.03586.

    With CE the :class:`~msrnn.cells.modernn.ContextBlock` (one ``k x k`` convolution per operator,
    five alternating updates) and SE the :class:`SpatiotemporalExpression` block (scales 1, 2, 4):

    .. math::
        (\tilde X, \tilde H) &= \mathrm{CE}(X_t, H_{t-1}) \\
        [i', f', g', o'] &= \mathrm{split}_4(W_x * \tilde X + W_h * \tilde H) \\
        \hat C &= \sigma(f') \odot C_{t-1} + \sigma(i') \odot \tanh(g'), \qquad
        \hat H = \sigma(o') \odot \tanh(\hat C) \\
        Z &= \mathrm{SE}(\hat H, \hat C) \\
        [i, g, o] &= \mathrm{split}_3(W_{\hat h} * \hat H + W_z * Z) \\
        C_t &= (1 - \sigma(i)) \odot \hat C + \sigma(i) \odot \tanh(g), \qquad
        H_t = \sigma(o) \odot C_t

    (no ``tanh`` on :math:`C_t` in the last line, as the reference code). Parameters for
    ``C = 64, k = 3``: CE 73,856, ConvLSTM 295,424, SE 156,352, last gates 221,568; 747,200.

    The scale-1 attention runs over all :math:`L = 2hw` positions of the layer's grid: its compute
    is :math:`O(L^2 C)` per step. It uses :func:`torch.nn.functional.scaled_dot_product_attention`,
    whose fused kernels (flash on CPU; flash or memory-efficient on CUDA) do not store the
    :math:`L \times L` matrix, so activation memory stays :math:`O(LC)` (CPU, 64x64, ``C = 8``:
    7.8 MiB saved for backward per cell step instead of 256 MiB for the matrix). Its math fallback
    (e.g. float64 on CUDA) and the reference code store it (out of memory at 88x88 on 24 GB).

    Args:
        channels: input and hidden channels ``C``.
        kernel_size: odd kernel size ``k`` of every spatial convolution.
        iterations: alternating updates of the context embedding block.
        scales: block counts per axis of the expression block's attentions.
        fused: evaluate each sum of two convolutions as one convolution (same result).

    Shape:
        ``x``, state tensors, ``hidden``: ``(B, C, h, w)``, any ``h, w >= 1``.

    Deviations from the reference code (same parameters, same maths on square frames whose side
    is divisible by every scale, except the first point):

    * the reference code places :math:`\hat H` and :math:`\hat C` side by side along the width and
      runs :math:`W_m` (``3x3``) over that map, so the convolution mixes the two maps along the
      seam; here the maps stay separate and :math:`W_m` runs on each one with its own zero padding;
    * blocks use the grid's real height and width (the reference uses the height for both, which
      breaks non-square frames);
    * a side not divisible by the scale is split into bands whose sizes differ by at most one
      (larger bands first); a side shorter than the scale gets one-pixel bands (the reference
      requires divisibility);
    * the attention is evaluated by fused kernels: equal up to floating-point rounding.
    """

    def __init__(
        self,
        channels: int,
        kernel_size: int = 3,
        *,
        iterations: int = 5,
        scales: Sequence[int] = (1, 2, 4),
        fused: bool = False,
    ) -> None:
        super().__init__(channels, kernel_size, fused=fused)
        c, k = channels, kernel_size
        self.context = ContextBlock(c, (k,), iterations=iterations)
        self.lstm = ConvLSTMCell(c, k, fused=fused)
        self.expression = SpatiotemporalExpression(c, k, scales)
        self.gates = SummedConv2d([c, c], 3 * c, k, fused=fused)

    def init_state(
        self, batch: int, height: int, width: int, *, device: torch.device, dtype: torch.dtype
    ) -> ConvLSTMState:
        return self.lstm.init_state(batch, height, width, device=device, dtype=dtype)

    def forward(
        self,
        x: Tensor,
        state: ConvLSTMState,
        *,
        memory: Tensor | None = None,
        diagonal: Tensor | None = None,
    ) -> CellOutput:
        x, h = self.context(x, state.h)
        h_lstm, c_lstm = self.lstm(x, ConvLSTMState(h, state.c)).state
        z = self.expression(h_lstm, c_lstm)
        i, g, o = self.gates(h_lstm, z).chunk(3, dim=1)
        i = torch.sigmoid(i)
        c = (1 - i) * c_lstm + i * torch.tanh(g)
        h = torch.sigmoid(o) * c
        return CellOutput(h, ConvLSTMState(h, c))
