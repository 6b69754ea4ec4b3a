"""Reading the files a user names, in bounded memory and time.

A config or a metric file must be a regular file: a device (``/dev/zero``), a FIFO
or a folder is refused at once. A config is read whole, up to :data:`MAX_CONFIG`
bytes (no real config comes near it: a mistyped path to a checkpoint is refused
without reading it). A metric file is read as a stream of lines, each at most
:data:`MAX_LINE` bytes, and binary data (a NUL byte, text that is not UTF-8) is an
error at the line it is on.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from .errors import LrplotError

MAX_CONFIG = 8 * 1024 * 1024  # bytes
MAX_LINE = 64 * 1024  # bytes in one line of a metric file


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:g} MiB" if count >= 1024 * 1024 else f"{count} bytes"


def open_regular(path: Path, what: str) -> BinaryIO:
    """``path`` opened for reading, if it is a regular file (errors name ``what``)."""
    try:
        info = os.stat(path)
    except OSError as err:
        raise LrplotError(f"cannot read {what} {path}: {err.strerror or err}") from None
    if stat.S_ISDIR(info.st_mode):
        raise LrplotError(f"cannot read {what} {path}: it is a folder")
    if not stat.S_ISREG(info.st_mode):
        kind = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "a device or socket"
        raise LrplotError(f"cannot read {what} {path}: it is {kind}, not a regular file")
    try:
        return open(path, "rb")
    except OSError as err:
        raise LrplotError(f"cannot read {what} {path}: {err.strerror or err}") from None


def read_at_most(path: Path, what: str, limit: int) -> bytes:
    """Up to ``limit`` + 1 bytes of a regular file (one more: the caller can tell it is
    longer); errors name it as ``what`` (config, log)."""
    with open_regular(path, what) as f:
        try:
            return f.read(limit + 1)
        except OSError as err:
            raise LrplotError(f"cannot read {what} {path}: {err.strerror or err}") from None


def read_config_bytes(path: Path) -> bytes:
    """A config file's bytes: a regular file of at most MAX_CONFIG bytes."""
    data = read_at_most(path, "config", MAX_CONFIG)
    if len(data) > MAX_CONFIG:
        size = os.stat(path).st_size
        raise LrplotError(
            f"config {path} is {_size(size)}: configs are at most {_size(MAX_CONFIG)} "
            "(no real one comes near): is it the right file?"
        )
    return data


def text_lines(path: Path, what: str) -> Iterator[tuple[int, str]]:
    """(line number, text) of each line of a UTF-8 text file, read as a stream."""
    with open_regular(path, what) as f:
        number = 0
        while True:
            try:
                raw = f.readline(MAX_LINE + 1)
            except OSError as err:
                raise LrplotError(f"cannot read {what} {path}: {err.strerror or err}") from None
            if not raw:
                return
            number += 1
            if b"\0" in raw:
                raise LrplotError(f"{what} {path}, line {number}: binary data, not text")
            if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
                raise LrplotError(
                    f"{what} {path}, line {number}: longer than {_size(MAX_LINE)}; "
                    "is it a text file of numbers?"
                )
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte order mark
                raw = raw[3:]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise LrplotError(f"{what} {path}, line {number}: not UTF-8 text") from None
            yield number, text.rstrip("\r\n")
