"""Where the command line prints: a terminal (fit to it), or a pipe (never wrapped).

On a terminal, rich does what it does: colour unless ``NO_COLOR``, lines that fit
the width. Piped or redirected, a line is as long as its content: nothing is
wrapped at 80 columns, and no line carries trailing spaces (rich pads table cells
to their column's width; those pads are taken off the line ends).
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator

from rich.console import Console

UNWRAPPED = 1 << 20  # the width of a pipe: no line is ever that long


@contextlib.contextmanager
def stdout_console() -> Iterator[Console]:
    """A Console for standard output (see the module docstring)."""
    console = Console()
    if console.is_terminal:
        yield console
        return
    buffer = io.StringIO()
    yield Console(file=buffer, width=UNWRAPPED, soft_wrap=True)
    text = "\n".join(line.rstrip() for line in buffer.getvalue().splitlines())
    sys.stdout.write(text + "\n" if text else "")
    sys.stdout.flush()
