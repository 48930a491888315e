"""Shared test helpers: tiny configurations that run fast on 2 CPU cores."""

from __future__ import annotations

import pytest
import torch

import msrnn

TINY = {"hidden_channels": 8}


def tiny_model(name: str, seed: int = 0, **overrides) -> msrnn.Forecaster:
    """A registered model at width 8 (other hyper-parameters as the preset), seeded."""
    torch.manual_seed(seed)
    return msrnn.build_model(name, **{**TINY, **overrides})


def parameter_count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.fixture(autouse=True)
def _deterministic_threads():
    torch.set_num_threads(2)
    yield
