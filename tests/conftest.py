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
def _one_thread():
    # The tests use tiny tensors, for which a second intra-op thread costs more in
    # synchronisation than it gains (10-20x slower on a loaded 2-core machine).
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
