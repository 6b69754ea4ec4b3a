"""Check a real run: the LR it logged against the schedule it was configured with.

:func:`compare` compares, at every logged step, the LR a run logged (a
:class:`lrplot.logs.Log`, read by :func:`lrplot.logs.read_log`) with the simulated
trace; when they differ, :mod:`lrplot.diagnose` finds which of the usual mistakes
reproduces the log (its :func:`~lrplot.diagnose.verify` does both). ``lrplot NAME
... --against LOG`` and ``lrplot run CONFIG --against LOG`` print its
:meth:`Verdict.lines` and exit 0 (the run did what was configured) or 1 (it did not).

Two LRs agree when they are within ``rtol`` of each other, relative to the larger
(default 1e-6: TensorBoard and most loggers store float32), or both within a
millionth of ``rtol`` of the schedule's peak LR (an LR that decays to 0 is logged as
a tiny float, or 0).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from .logs import Log
else:
    from ._lazy import np

from .engine import Logged, Trace
from .errors import ParamError
from .metrics import SyntheticMetric
from .params import FLOAT, INT, TEXT, Param

RTOL = 1e-6

# the options of --against (the log's path, format and key are read by lrplot.logs)
PARAMS: tuple[Param, ...] = (
    Param(
        "against",
        TEXT,
        "compare the LR a run logged (trainer_state.json, Lightning metrics.csv, "
        "TensorBoard events, MLflow, W&B CSV, CSV/JSON lines; a file or a run's folder) "
        "with this schedule at every logged step: exit 0 when it matches, 1 when not, "
        "with the likely cause and a command that reproduces the log",
        None,
    ),
    Param("log_format", TEXT, "the log's format; default: recognised from the file", None),
    Param(
        "log_key",
        TEXT,
        "the log's key, column or tag holding the LR; default: its one LR key, or param group 0's",
        None,
    ),
    Param(
        "log_offset",
        INT,
        "each logged value is the LR this many steps later (1: a logger that reads the LR "
        "after scheduler.step())",
        0,
        low=-1_000_000,
        high=1_000_000,
    ),
    Param(
        "rtol",
        FLOAT,
        "the relative difference two LRs may have and agree (1e-6: float32 logs)",
        RTOL,
        low=0,
        low_open=True,
        high=1,
        high_open=True,
    ),
)
_PARAMS = {p.name: p for p in PARAMS}


def check_rtol(rtol: float) -> float:
    return float(_PARAMS["rtol"].parse(rtol))


def rows_of(log: Log, offset: int = 0) -> np.ndarray:
    """The rows of the simulated trace the log's values are compared with: the log's
    own (``offset``: each value is the LR ``offset`` steps later)."""
    return log.row + offset


def expected_at(trace: Trace, rows: np.ndarray) -> np.ndarray:
    """The trace's LR at ``rows`` (NaN outside the run)."""
    inside = (rows >= 0) & (rows < len(trace))
    out = np.full(len(rows), np.nan)
    if trace.group_lr:  # param groups: the log's is group 0's (logs.read_log's default)
        out[inside] = trace.values_at(trace.group_lr[0], rows[inside])
    else:
        out[inside] = trace.lr_at(rows[inside])
    return out


def agree(logged: np.ndarray, expected: np.ndarray, rtol: float, peak: float) -> np.ndarray:
    """Where the logged LR equals the simulated one (see the module docstring)."""
    with np.errstate(invalid="ignore"):
        diff = np.abs(logged - expected)
        scale = np.maximum(np.abs(logged), np.abs(expected))
        ok = (diff <= rtol * scale) | (diff <= rtol * 1e-6 * peak)
    return ok | ((logged == expected) & ~np.isnan(expected))  # inf == inf


def peak_of(trace: Trace) -> float:
    lr = trace.unit_lr
    finite = lr[np.isfinite(lr)]
    return float(np.abs(finite).max()) if finite.size else 0.0


@dataclass(frozen=True)
class Verdict:
    """A log compared with a trace, row by row (see the module docstring)."""

    trace: Trace
    log: Log
    rtol: float = RTOL
    offset: int = 0  # --log-offset: each logged value is the LR this many steps later
    cause: Cause | None = None  # what reproduces the log, when it differs
    diagnosed: bool = False  # whether the causes were searched

    @cached_property
    def rows(self) -> np.ndarray:
        return rows_of(self.log, self.offset)

    @cached_property
    def expected(self) -> np.ndarray:
        """The simulated LR at each logged row."""
        return expected_at(self.trace, self.rows)

    @cached_property
    def compared(self) -> np.ndarray:
        """The logged steps inside the run (with an offset, the last may fall past it)."""
        return (self.rows >= 0) & (self.rows < len(self.trace))

    @cached_property
    def close(self) -> np.ndarray:
        """Where the log agrees with the trace (True where it is not compared)."""
        ok = agree(self.log.lr, self.expected, self.rtol, peak_of(self.trace))
        return ok | ~self.compared

    @property
    def matches(self) -> bool:
        return bool(self.close.all())

    @property
    def differing(self) -> int:
        return int(np.count_nonzero(~self.close))

    @property
    def first(self) -> int | None:
        """Index (into the log) of the first logged step that differs."""
        bad = np.flatnonzero(~self.close)
        return int(bad[0]) if bad.size else None

    @cached_property
    def rel_err(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            err = np.abs(self.log.lr - self.expected) / np.abs(self.expected)
        same = (self.log.lr == self.expected) | ~self.compared
        return np.where(same, 0.0, err)

    @property
    def max_rel_err(self) -> float:
        finite = self.rel_err[np.isfinite(self.rel_err)]
        return float(finite.max()) if finite.size else 0.0

    def logged(self) -> Logged:
        """The log as the renderers show it beside the trace (a ``logged`` column)."""
        rows = self.rows
        inside = (rows >= 0) & (rows < len(self.trace))
        return Logged(rows[inside], self.log.lr[inside], ~self.close[inside], self.rtol)

    def shown(self) -> Trace:
        """The trace, with the log to show beside it."""
        return dataclasses.replace(self.trace, logged=self.logged())

    @property
    def count(self) -> int:
        """Logged steps compared."""
        return int(np.count_nonzero(self.compared))

    def lines(self, against: Sequence[str] | None = None) -> list[str]:
        """What ``--against`` prints: one line when the log matches; else where it
        first differs, how often, and the diagnosis, with a ``try:`` command that
        reproduces the log (``against``: its --against options; default: the log's
        path)."""
        n = self.count
        steps = "logged step" if n == 1 else "logged steps"
        outside = len(self.log.lr) - n
        past = f"; {outside:,} past the run's end with --log-offset" if outside else ""
        if self.matches:
            every = "the" if n == 1 else f"all {n:,}"
            err = f"max rel err {self.max_rel_err:.2g}"
            return [f"logged LR matches at {every} {steps} ({err}{past})"]
        i = self.first
        assert i is not None
        step = int(self.log.logged_step[i])
        logged, expected = float(self.log.lr[i]), float(self.expected[i])
        row = int(self.rows[i])
        at = f"step {step:,}" if row == step else f"step {step:,} of the log (lrplot step {row:,})"
        lines = [
            f"logged LR differs at {self.differing:,} of {n:,} {steps}; the first at {at}: "
            f"logged {logged:.6g}, configured {expected:.6g}"
            + (f" (rel err {self.rel_err[i]:.2g})" if np.isfinite(self.rel_err[i]) else "")
        ]
        if self.cause is not None:
            lines.append(f"likely cause: {self.cause.text}")
            words = ["--against", str(self.log.path)] if against is None else against
            lines.append(f"try: {self.cause.command(words)}")
        elif self.diagnosed:
            lines.append(
                "likely cause: none of the usual mistakes reproduces the log (stepping per "
                "epoch or per batch, several or skipped scheduler steps, a logging offset, a "
                f"scaled LR, another length or warmup, a resume); the curves part at {at}"
            )
            if isinstance(self.trace.source, SyntheticMetric):
                lines.append(
                    "note: this schedule follows a metric, and lrplot's is a "
                    f"{self.trace.metric_source}: give the run's own with --metric-file "
                    "(and --metric-column), one value per scheduler step"
                )
        return lines


def compare(trace: Trace, log: Log, rtol: float = RTOL, offset: int = 0) -> Verdict:
    """Compare the LR ``log`` recorded with ``trace`` at every logged step (without the
    diagnosis: :func:`lrplot.diagnose.verify` adds it)."""
    rtol = check_rtol(rtol)
    offset = int(_PARAMS["log_offset"].parse(offset))
    _check_span(trace, log, offset)
    return Verdict(trace, log, rtol, offset)


@dataclass(frozen=True)
class Cause:
    """A mistake that reproduces the log: in words, and as the run that shows it."""

    text: str
    trace: Trace  # the run that reproduces the log (the try: line's)
    extra: tuple[str, ...] = ()  # options beyond the trace's own (--log-offset 1)

    def command(self, against: Sequence[str]) -> str:
        """The ``lrplot`` command of this cause's run, checked against the log
        (``against``: the --against options, as OPTION VALUE pairs; the cause's own
        options replace theirs)."""
        from .commands import command

        own = set(self.extra[::2])
        pairs = zip(against[::2], against[1::2], strict=False)
        kept = [w for option, value in pairs if option not in own for w in (option, value)]
        return command([self.trace], [*kept, *self.extra])


def _check_span(trace: Trace, log: Log, offset: int) -> None:
    """The log must fall inside the simulated run (else the run's length is wrong)."""
    if not len(log.lr):
        raise ParamError("against", f"{log.path}: the log has no LR values")
    rows = rows_of(log, 0)  # the log itself: an offset may take its last step past the end
    last = int(rows.max())
    if last >= len(trace):
        at = int(log.logged_step[int(np.argmax(rows))])
        raise ParamError(
            "against",
            f"{log.path}: the log goes to step {at:,}, past the simulated run's "
            f"{len(trace):,} steps ({trace.settings.describe(with_lr=False)}): give the "
            "run's own length (--epochs, --steps-per-epoch; of a run resumed to train "
            "longer, the resumed run's config)",
        )
