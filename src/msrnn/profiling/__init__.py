"""Memory and speed measurement: saved-tensor bytes, training-step profiles, the paper's law."""

from msrnn.profiling.max_size import find_max_size
from msrnn.profiling.memory import saved_tensor_bytes
from msrnn.profiling.profile import Profile, RunSetup, profile_training
from msrnn.profiling.units import activation_law

__all__ = [
    "Profile",
    "RunSetup",
    "activation_law",
    "find_max_size",
    "profile_training",
    "saved_tensor_bytes",
]
