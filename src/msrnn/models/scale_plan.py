"""Scale plans and skip policies: where each layer of the stack lives and what it reads.

A *scale plan* gives every layer ``l`` a pyramid level; level ``k`` is the grid
``(H // 2**k, W // 2**k)``. The paper's mirror pyramid is ``level(l) = min(l, N-1-l)``
(``0, 1, 2, 2, 1, 0`` for ``N = 6``); an all-zero plan is the classic single-scale model.

A *skip policy* says which earlier layer outputs are summed (after resampling to the layer's grid)
into the input of layer ``l >= 1``. The output of layer ``l-1`` is always one of them. To state the
policies for any plan, the stack is split at the first layer ``b`` that reaches the deepest level:
layers ``0..b`` form the encoder, layers ``b+1..N-1`` the decoder.

* ``none``: only the previous layer (the pyramid without skips, "MS w/o skip").
* ``unet``: a decoder layer whose level is *finer* than its predecessor's also receives the last
  encoder output at its own level (the paper's default; for ``N = 6`` the skips 1->4 and 0->5).
* ``unet3p``: a decoder layer receives every encoder output at its own or a finer level and every
  earlier decoder output (UNet 3+ style full-scale aggregation).
* ``full``: every layer receives the outputs of all earlier layers.

For ``N = 6`` and the default plan these reproduce the MS-RNN code exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

SkipPolicy = Literal["none", "unet", "unet3p", "full"]
SKIP_POLICIES: tuple[str, ...] = get_args(SkipPolicy)
#: How tables and figures name each policy.
SKIP_LABELS = {"none": "none", "unet": "UNet", "unet3p": "UNet3+", "full": "full"}


def pyramid_levels(num_layers: int, max_level: int | None = None) -> tuple[int, ...]:
    """The mirror-pyramid plan ``level(l) = min(l, N-1-l, max_level)``.

    Example:
        >>> pyramid_levels(6)
        (0, 1, 2, 2, 1, 0)
        >>> pyramid_levels(5, max_level=1)
        (0, 1, 1, 1, 0)
    """
    if num_layers < 1:
        raise ValueError(f"num_layers must be at least 1, got {num_layers}")
    cap = num_layers if max_level is None else max_level
    return tuple(min(layer, num_layers - 1 - layer, cap) for layer in range(num_layers))


def check_levels(levels: Sequence[int], num_layers: int) -> tuple[int, ...]:
    """Validate a scale plan and return it as a tuple.

    Raises:
        ValueError: if the plan has the wrong length or a negative or non-integer level.
    """
    levels = tuple(levels)
    if len(levels) != num_layers:
        raise ValueError(
            f"levels must give one level per layer ({num_layers}), got {len(levels)}: {levels}"
        )
    for level in levels:
        if not isinstance(level, int) or isinstance(level, bool) or level < 0:
            raise ValueError(f"levels must be non-negative integers, got {levels}")
    return levels


def skip_sources(levels: Sequence[int], policy: SkipPolicy) -> tuple[tuple[int, ...], ...]:
    """For each layer, the earlier layers whose outputs are summed into its input.

    Entry 0 is empty (layer 0 reads the embedded frame). Entry ``l >= 1`` starts with ``l - 1``,
    followed by the extra sources in increasing order.

    Example:
        >>> skip_sources((0, 1, 2, 2, 1, 0), "unet")
        ((), (0,), (1,), (2,), (3, 1), (4, 0))
    """
    if policy not in SKIP_POLICIES:
        raise ValueError(f"skip policy must be one of {SKIP_POLICIES}, got {policy!r}")
    levels = tuple(levels)
    bottleneck = levels.index(max(levels))
    encoder = range(bottleneck + 1)
    sources: list[tuple[int, ...]] = [()]
    for layer in range(1, len(levels)):
        extra: list[int] = []
        in_decoder = layer > bottleneck
        if policy == "full":
            extra = list(range(layer - 1))
        elif policy == "unet" and in_decoder and levels[layer] < levels[layer - 1]:
            same_level = [j for j in encoder if levels[j] == levels[layer]]
            extra = same_level[-1:]
        elif policy == "unet3p" and in_decoder:
            extra = [j for j in encoder if levels[j] <= levels[layer]]
            extra += list(range(bottleneck + 1, layer))
        extra = sorted(set(extra) - {layer - 1})
        sources.append((layer - 1, *extra))
    return tuple(sources)
