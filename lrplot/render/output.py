"""Writing output files without ever harming what is there.

* A regular file, or a new path, is written atomically: a temporary file beside it,
  renamed over it once complete. Interrupted or failed (a full disk, Ctrl-C), the
  old file is left exactly as it was and the temporary file is removed. The new
  file keeps the old one's permission bits (and owner, where allowed).
* Through symlinks: the link's target is replaced, the link stays a link.
* Anything that is not a regular file (a device such as /dev/null or /dev/full, a
  FIFO, a pipe or terminal behind /dev/stdout, /proc/self/fd/N or ``>(...)``) is
  written to directly, as a stream, never replaced.
* A file the user may not write is refused before any work, as the shell's ``>``
  would refuse it ("Permission denied").

Errors are :class:`~lrplot.errors.ParamError` naming the parameter that gave the
path (``out``, ``csv``); the command line shows it as its option.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..errors import ParamError

STREAM_PREFIXES = ("/dev/", "/proc/")  # /dev/stdout, /dev/fd/63, /proc/self/fd/1: streams


def _error(name: str, path: Path, problem: str) -> ParamError:
    return ParamError(name, f"{name}: {path}: {problem}", f"{path}: {problem}")


@dataclass(frozen=True)
class Target:
    """Where an output really goes, and how it is written."""

    given: Path  # what the user named
    path: Path  # the file written (a symlink's target)
    stream: bool  # written in place (device, FIFO, pipe), not replaced
    mode: int | None  # the existing file's permission bits, kept
    owner: tuple[int, int] | None  # the existing file's (uid, gid), kept where allowed


def target(dest: str | os.PathLike[str], name: str) -> Target:
    """Where ``dest`` writes, checked: fails early, before any work, when it cannot be
    written (``name``: the parameter that gave it, for the message)."""
    given = Path(dest)
    try:
        info = os.stat(given)  # follows symlinks
    except (FileNotFoundError, NotADirectoryError):
        info = None
    except OSError as err:
        raise _error(name, given, err.strerror or str(err)) from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise _error(name, given, "is a directory")
    if info is not None and not stat.S_ISREG(info.st_mode):
        if not os.access(given, os.W_OK):
            raise _error(name, given, "Permission denied")
        return Target(given, given, True, None, None)
    if str(given).startswith(STREAM_PREFIXES):  # a descriptor's name: never replaced
        return Target(given, given, True, None, None)
    real = Path(os.path.realpath(given))  # a symlink (even a dangling one): its target
    parent = real.parent
    if not parent.is_dir():
        shown = given.parent if given.parent != Path() else parent
        what = "is not a folder" if parent.exists() else "does not exist"
        raise _error(name, given, f"{shown} {what}")
    if info is not None:
        if not os.access(real, os.W_OK):
            raise _error(name, given, "Permission denied")
        mode, owner = stat.S_IMODE(info.st_mode), (info.st_uid, info.st_gid)
    else:
        mode, owner = None, None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise _error(name, given, f"folder {parent} is not writable")
    return Target(given, real, False, mode, owner)


def check_writable(path: Path, name: str) -> None:
    """Fail early, before any work, when ``path`` cannot be written."""
    target(path, name)


@contextlib.contextmanager
def open_output(dest: str | os.PathLike[str], name: str) -> Iterator[BinaryIO]:
    """A binary stream to write ``dest`` through (see the module docstring)."""
    where = target(dest, name)
    if where.stream:
        try:
            with open(where.path, "wb") as stream:
                yield stream
        except OSError as err:
            raise _error(name, where.given, f"cannot write: {err.strerror or err}") from None
        return
    with atomic_path(where, name) as tmp, open(tmp, "wb") as f:
        yield f


@contextlib.contextmanager
def atomic_path(where: Target | Path, name: str) -> Iterator[Path]:
    """Yield a temporary path beside the target; rename it over the target on success.

    On any error the temporary file is removed and the target is left as it was."""
    if not isinstance(where, Target):
        where = target(where, name)
    real = where.path
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=real.suffix, dir=real.parent)
    except OSError as err:
        raise _error(name, where.given, f"cannot write: {err.strerror or err}") from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, where.mode if where.mode is not None else 0o666 & ~_umask())
        if where.owner is not None:
            with contextlib.suppress(OSError):  # only root may give a file away
                os.chown(tmp_path, *where.owner)
        os.replace(tmp_path, real)
    except OSError as err:
        raise _error(name, where.given, f"cannot write: {err.strerror or err}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
