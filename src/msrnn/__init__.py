"""msrnn: multi-scale recurrent networks for spatiotemporal predictive learning."""

from msrnn.models import (
    Forecaster,
    ForecastOutput,
    MultiScaleStack,
    build_model,
    list_models,
    model_entry,
    register_model,
)
from msrnn.pretrained import PretrainedEntry, list_pretrained

__version__ = "0.1.0"

__all__ = [
    "ForecastOutput",
    "Forecaster",
    "MultiScaleStack",
    "PretrainedEntry",
    "__version__",
    "build_model",
    "list_models",
    "list_pretrained",
    "model_entry",
    "register_model",
]
