"""Parameter-free and small building blocks shared by the cells and the stack.

The functional operators live in their modules (``msrnn.layers.warp.warp``,
``msrnn.layers.local_attention.local_attention``); they are not re-exported here so that the
function names do not shadow their modules.
"""

from msrnn.layers.gates import SummedConv2d
from msrnn.layers.local_attention import LocalAttention
from msrnn.layers.resample import level_size, resample

__all__ = ["LocalAttention", "SummedConv2d", "level_size", "resample"]
