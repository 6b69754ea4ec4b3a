"""lrplot's one exception family, at the bottom of the import graph.

Every user mistake is an :class:`LrplotError` (a ``ValueError``) whose message is
one line naming the parameter (``t_max must be an integer >= 1, got '0'``). The
library raises them; only the CLI turns them into ``Error: ...`` and exit code 2,
mapping parameter names to its options at its one error boundary.
"""

from __future__ import annotations


class LrplotError(ValueError):
    """A user's mistake: shown as one line, exit code 2, never a traceback."""

    exit_code = 2


class ParamError(LrplotError):
    """A value that a parameter does not accept; ``name`` is the parameter."""

    def __init__(self, name: str, message: str, bare: str | None = None) -> None:
        super().__init__(message)
        self.name = name
        self.bare = bare or message  # the message without context prefixes

    def within(self, context: str) -> ParamError:
        """The same error with a context prefix (a schedule, a SPEC, a file)."""
        return type(self)(self.name, f"{context}: {self}", self.bare)


class MissingParam(ParamError):
    """A required parameter that was not given."""
