"""msrnn: multi-scale recurrent networks for spatiotemporal predictive learning."""

from msrnn.models import (
    Forecaster,
    ForecastOutput,
    MultiScaleStack,
    build_model,
    list_models,
    register_model,
)

__version__ = "0.1.0"

__all__ = [
    "ForecastOutput",
    "Forecaster",
    "MultiScaleStack",
    "__version__",
    "build_model",
    "list_models",
    "register_model",
]
