"""Name -> builder registry of the forecasters."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from typing import TypeVar

from torch import nn

Builder = TypeVar("Builder", bound=Callable[..., nn.Module])

_BUILDERS: dict[str, Callable[..., nn.Module]] = {}


def canonical_name(name: str) -> str:
    """Normalise a model name: lower case, ``_`` -> ``-``, ``pp`` -> ``++``.

    Example:
        >>> canonical_name("MS_PredRNN_pp")
        'ms-predrnn++'
    """
    name = name.strip().lower().replace("_", "-")
    return re.sub(r"-?pp(?=$|-)", "++", name)


def register_model(name: str) -> Callable[[Builder], Builder]:
    """Register a builder under ``name``; a name may be registered once only."""

    def decorator(builder: Builder) -> Builder:
        key = canonical_name(name)
        if key in _BUILDERS:
            raise ValueError(f"model name {key!r} is already registered")
        _BUILDERS[key] = builder
        return builder

    return decorator


def list_models(pattern: str = "*") -> list[str]:
    """Registered model names matching the shell-style ``pattern``, sorted.

    Example:
        >>> list_models("ms-predrnn*")
        ['ms-predrnn', 'ms-predrnn++', 'ms-predrnn-v2']
    """
    return sorted(n for n in _BUILDERS if fnmatch.fnmatchcase(n, canonical_name(pattern)))


def get_builder(name: str) -> Callable[..., nn.Module]:
    """The builder registered as ``name`` (see :func:`canonical_name`).

    Raises:
        ValueError: for an unknown name, listing the registered ones.
    """
    key = canonical_name(name)
    if key not in _BUILDERS:
        raise ValueError(f"unknown model {name!r}; available: {', '.join(list_models())}")
    return _BUILDERS[key]
