"""The CSV writer: to a regular file, chunks written by a thread while the next is
formatted, in order; a failed write (or a failure while formatting) stops it, raised to
the caller. A pipe is written in turn."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest

import lrplot
from lrplot.render import export


def _traces(steps: int) -> list[lrplot.Trace]:
    return list(lrplot.compare(["cosine:t_max=1000", "step:step_size=300"], epochs=steps))


class Recorder(io.RawIOBase):
    """A binary stream that keeps each write, and fails the ``fail_at``-th one."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.writes: list[bytes] = []
        self.fail_at = fail_at

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        if self.fail_at is not None and len(self.writes) + 1 == self.fail_at:
            raise OSError(28, "No space left on device")
        self.writes.append(bytes(data))
        return len(data)


def test_chunks_arrive_in_order_and_read_back(monkeypatch):
    monkeypatch.setattr(export, "CHUNK", 1000)  # 10 chunks
    traces = _traces(10_000)
    out = Recorder()
    export.write_rows(traces, out, background=True)  # type: ignore[arg-type]
    assert len(out.writes) == 11  # the header, then a write per chunk
    lines = b"".join(out.writes).decode().splitlines()
    assert lines[0] == "step,epoch,cosine:t_max=1000,step:step_size=300"
    assert len(lines) == 10_001
    assert [int(line.split(",")[0]) for line in lines[1:]] == list(range(10_000))
    cells = [line.split(",") for line in lines[1:]]
    assert [float(c[2]) for c in cells] == traces[0].lr.tolist()
    assert [float(c[3]) for c in cells] == traces[1].lr.tolist()


def test_a_failed_write_is_raised_and_stops_the_writing(monkeypatch):
    monkeypatch.setattr(export, "CHUNK", 1000)
    out = Recorder(fail_at=3)
    with pytest.raises(OSError, match="No space left on device"):
        export.write_rows(_traces(10_000), out, background=True)  # type: ignore[arg-type]
    assert len(out.writes) == 2  # the header and the first chunk, nothing after the failure


def test_a_failure_while_formatting_stops_the_writing(monkeypatch):
    monkeypatch.setattr(export, "CHUNK", 1000)
    real, calls = export._chunk_fast, []

    def fails_third(cols):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(cols)

    monkeypatch.setattr(export, "_chunk_fast", fails_third)
    monkeypatch.setattr(export, "_chunk_plain", lambda cols, empty=None: fails_third(cols))
    out = Recorder()
    with pytest.raises(KeyboardInterrupt):
        export.write_rows(_traces(10_000), out, background=True)  # type: ignore[arg-type]
    assert len(out.writes) <= 3  # the header and the chunks formatted before it, no more
    text = b"".join(out.writes).decode()
    assert text.startswith("step,epoch,")
    assert text.count("\n") in (1, 1001, 2001)  # whole chunks only


@pytest.mark.skipif(export.orjson is None, reason="orjson is not installed (lrplot[fast])")
def test_the_fast_rows_are_the_plain_rows_cell_for_cell():
    traces = list(
        lrplot.compare(
            ["constant:factor=1,total_iters=3", "exponential:gamma=0.5", "cosine:t_max=40"],
            epochs=50,
            steps_per_epoch=7,
            lr=1.0,
        )
    )
    rows = np.arange(traces[0].settings.total_steps)
    cols, empty = export._columns(traces, rows)
    fast = export._chunk_fast(cols).decode().splitlines()
    plain = export._chunk_plain(cols, empty).decode().splitlines()
    assert len(fast) == len(plain) == 350
    for f, p, row in zip(fast, plain, rows.tolist(), strict=True):
        fc, pc = f.split(","), p.split(",")
        assert fc[:2] == pc[:2] == [str(row), str(row // 7)]  # integers, as written
        assert [float(c) for c in fc[2:]] == [float(c) for c in pc[2:]]  # the same doubles
    assert fast[-1].split(",")[2:4] == ["1.0", repr(0.5**49)]  # an integral LR keeps its .0


def test_only_a_regular_file_is_written_on_a_thread(tmp_path):
    with open(tmp_path / "lr.csv", "wb") as f:
        assert export._regular_file(f)
    read, write = os.pipe()
    with os.fdopen(read, "rb") as r, os.fdopen(write, "wb") as w:
        assert not export._regular_file(w)  # a reader may stall: Ctrl-C must stop at once
        assert not export._regular_file(r)
    assert not export._regular_file(io.BytesIO())  # type: ignore[arg-type]


def test_the_plain_path_keeps_the_sign_of_zero():
    texts = export._format_floats(np.array([0.0, -0.0, 0.1, -0.0, 0.0]))
    assert texts.tolist() == ["0.0", "-0.0", "0.1", "-0.0", "0.0"]
