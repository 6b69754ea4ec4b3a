"""Writing output files safely: never a half-written file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import ParamError


def _error(name: str, path: Path, problem: str) -> ParamError:
    return ParamError(name, f"{name}: {path}: {problem}", f"{path}: {problem}")


def check_writable(path: Path, name: str) -> None:
    """Fail early, before any work, when ``path`` cannot be written (``name``: the
    parameter that gave it, ``out`` or ``csv``)."""
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise _error(name, path, "is a directory")
    if not parent.is_dir():
        what = "is not a folder" if parent.exists() else "does not exist"
        raise _error(name, path, f"{parent} {what}")
    if not os.access(parent, os.W_OK):
        raise _error(name, path, f"folder {parent} is not writable")


@contextlib.contextmanager
def atomic_path(path: Path, name: str) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` on success.

    On any error the temporary file is removed and ``path`` is left as it was.
    """
    check_writable(path, name)
    parent = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=parent)
    except OSError as err:
        raise _error(name, path, f"cannot write: {err.strerror or err}") from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, path)
    except OSError as err:
        raise _error(name, path, f"cannot write: {err.strerror or err}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
