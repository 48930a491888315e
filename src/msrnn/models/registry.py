"""The model registry: one record per name, and the queries every other module asks of it.

Each registered name has a :class:`ModelEntry` stating its cell family, whether it runs the
multi-scale pyramid, its skip policy, its aliases and its tags. Everything that needs to know
"which models are MS variants", "what is the base of MS-X" or "which models the paper wraps"
asks :func:`list_models`, :func:`model_entry`, :func:`base_of` or :func:`ms_variant_of`;
nothing else parses model names.

Tags in use: ``"paper"`` (the eight base models the MS-RNN paper wraps and their MS variants)
and ``"skip-ablation"`` (MS-ConvLSTM with a skip policy other than the paper's UNet).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from torch import nn

Builder = Callable[..., nn.Module]


@dataclass(frozen=True)
class ModelEntry:
    """What the registry knows about one model name.

    Attributes:
        name: canonical name (lower case, ``-``, ``++``).
        builder: ``builder(preset=..., **overrides) -> nn.Module``.
        family: the cell family, named by its single-scale model (``"convlstm"`` for
            ``ms-convlstm-full``).
        multiscale: runs the mirror pyramid (the MS variants), else one scale.
        skip: skip policy of the pyramid (``None`` for single-scale models).
        tags: labels such as ``"paper"`` or ``"skip-ablation"``.
        aliases: further names that resolve to this entry.
        summary: one line for listings.
    """

    name: str
    builder: Builder = field(repr=False, compare=False)
    family: str
    multiscale: bool = False
    skip: str | None = None
    tags: frozenset[str] = frozenset()
    aliases: tuple[str, ...] = ()
    summary: str = ""

    @property
    def weights(self) -> tuple[str, ...]:
        """The datasets whose trained weights ship for this model (see :mod:`msrnn.pretrained`)."""
        from msrnn.pretrained import list_pretrained

        return tuple(entry.dataset for entry in list_pretrained(self.name))


_ENTRIES: dict[str, ModelEntry] = {}
_ALIASES: dict[str, str] = {}


def _normalise(name: str) -> str:
    name = name.strip().lower().replace("_", "-")
    return re.sub(r"-?pp(?=$|-)", "++", name)


def canonical_name(name: str) -> str:
    """Normalise a model name (lower case, ``_`` -> ``-``, ``pp`` -> ``++``) and resolve aliases.

    Example:
        >>> canonical_name("MS_PredRNN_pp")
        'ms-predrnn++'
        >>> canonical_name("ms-lstm")
        'ms-mk-lstm'
    """
    key = _normalise(name)
    return _ALIASES.get(key, key)


def add_entry(entry: ModelEntry) -> ModelEntry:
    """Register ``entry`` under its name and aliases; each may be taken once only."""
    names = [_normalise(entry.name), *(_normalise(alias) for alias in entry.aliases)]
    taken = [name for name in names if name in _ENTRIES or name in _ALIASES]
    if taken:
        raise ValueError(f"model name {taken[0]!r} is already registered")
    if entry.name != names[0]:
        raise ValueError(f"register {entry.name!r} under its canonical name {names[0]!r}")
    _ENTRIES[entry.name] = entry
    _ALIASES.update(dict.fromkeys(names[1:], entry.name))
    return entry


def register_model(
    name: str,
    *,
    family: str | None = None,
    multiscale: bool = False,
    skip: str | None = None,
    tags: Iterable[str] = (),
    aliases: Iterable[str] = (),
    summary: str = "",
) -> Callable[[Builder], Builder]:
    """Decorator registering a builder ``(preset=..., **overrides) -> nn.Module`` as ``name``.

    ``family`` defaults to the name itself (a model of its own family).

    Example:
        >>> @register_model("my-convlstm", family="convlstm")  # doctest: +SKIP
        ... def my_convlstm(preset="paper", **overrides): ...
    """

    def decorator(builder: Builder) -> Builder:
        key = _normalise(name)
        add_entry(
            ModelEntry(
                key,
                builder,
                family=family or key,
                multiscale=multiscale,
                skip=skip,
                tags=frozenset(tags),
                aliases=tuple(aliases),
                summary=summary or (builder.__doc__ or "").strip().split("\n")[0],
            )
        )
        return builder

    return decorator


def list_models(
    pattern: str = "*",
    *,
    family: str | None = None,
    multiscale: bool | None = None,
    tag: str | None = None,
) -> list[str]:
    """Registered canonical names matching the shell-style ``pattern`` and every filter given,
    in registration order (for the built-in models: the paper's eight families, each base before
    its MS variant, then the later families, then the skip ablations). Aliases are not listed
    (see :func:`list_aliases`).

    Example:
        >>> list_models("ms-predrnn*")
        ['ms-predrnn', 'ms-predrnn++', 'ms-predrnn-v2']
        >>> list_models(family="convlstm", multiscale=True)
        ['ms-convlstm', 'ms-convlstm-noskip', 'ms-convlstm-unet3p', 'ms-convlstm-full']
    """
    wanted = _normalise(pattern)
    return [
        entry.name
        for entry in _ENTRIES.values()
        if fnmatch.fnmatchcase(entry.name, wanted)
        and (family is None or entry.family == canonical_name(family))
        and (multiscale is None or entry.multiscale == multiscale)
        and (tag is None or tag in entry.tags)
    ]


def list_aliases() -> dict[str, str]:
    """Alias -> canonical name."""
    return dict(sorted(_ALIASES.items()))


def find_entry(name: str) -> ModelEntry | None:
    """The entry of ``name`` (any spelling or alias), or ``None`` if it is not registered."""
    return _ENTRIES.get(canonical_name(name))


def model_entry(name: str) -> ModelEntry:
    """The entry of ``name`` (any spelling or alias).

    Raises:
        ValueError: for an unknown name, listing the registered ones.
    """
    entry = find_entry(name)
    if entry is None:
        known = ", ".join(sorted(list_models()))
        raise ValueError(f"unknown model {name!r}; available: {known}")
    return entry


def base_of(name: str) -> str | None:
    """The single-scale model of the family of an MS model, ``None`` for a single-scale one.

    Example:
        >>> base_of("ms-convlstm-full"), base_of("convlstm")
        ('convlstm', None)
    """
    entry = model_entry(name)
    if not entry.multiscale:
        return None
    bases = list_models(family=entry.family, multiscale=False)
    return bases[0] if bases else None


def ms_variant_of(name: str) -> str | None:
    """The MS model of a single-scale model's family with the paper's UNet skips, or ``None``.

    Example:
        >>> ms_variant_of("predrnn")
        'ms-predrnn'
    """
    entry = model_entry(name)
    found = [
        other
        for other in list_models(family=entry.family, multiscale=True)
        if _ENTRIES[other].skip == "unet" and not entry.multiscale
    ]
    return found[0] if found else None
