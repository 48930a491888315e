"""Errors that name the argument to fix, phrased for the interface that was used.

A message that tells the user which argument to set is written once, with ``{argument}`` where
the argument's name goes. Python callers read ``value_range=``; the ``msrnn`` command line reads
the flag that sets it, ``--data.predict_value_range``: the layer that owns the argument (a data
module passing ``predict_value_range`` on as ``value_range``) renames it with :meth:`renamed`,
and names its command-line group (``data``, ``model``), which :meth:`phrased` uses.
"""

from __future__ import annotations


class ArgumentError(ValueError):
    """A bad or missing argument; ``str(error)`` names it as a Python keyword argument.

    Args:
        template: the message, with ``{argument}`` where the argument is named, e.g.
            ``"x.npy holds float32 values; pass {argument}(lo, hi)"`` (a space after
            ``{argument}`` is kept in both phrasings, and added on the command line).
        argument: the argument's Python name (``value_range``).
        group: the command-line group whose flag sets it (``data`` for ``--data.*``), when known.
    """

    def __init__(self, template: str, argument: str, group: str | None = None) -> None:
        self.template = template
        self.argument = argument
        self.group = group
        super().__init__(template.replace("{argument}", f"{argument}="))

    def renamed(self, argument: str | None = None, *, group: str | None = None) -> ArgumentError:
        """The same error, naming the caller's ``argument`` that carries this one (default: the
        same name) in the caller's command-line ``group`` (``data``, ``model``)."""
        return ArgumentError(self.template, argument or self.argument, group or self.group)

    def phrased(self) -> str:
        """The message for the command line: the argument as ``--<group>.<argument>`` (as a
        Python keyword when no group owns it)."""
        if self.group is None:
            return str(self)
        flag = f"--{self.group}.{self.argument}"
        return self.template.replace("{argument} ", f"{flag} ").replace("{argument}", f"{flag} ")
