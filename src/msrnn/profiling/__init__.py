"""Memory and speed measurement."""

from msrnn.profiling.memory import saved_tensor_bytes

__all__ = ["saved_tensor_bytes"]
