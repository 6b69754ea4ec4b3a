"""What the golden-file generators of tools/ share: the case, the file, the loop, main().

Imported by tools/make_goldens.py, goldens_torch_more.py, goldens_compose.py,
goldens_hf.py and goldens_samples.py (a script's own folder is on ``sys.path``, so
``import golden_io`` works however the script is started). torch is imported inside the
functions that step a scheduler, so each script reports a missing torch in its own words
first.

The file format (tests/golden/<name>.csv), read by tests/test_parity.py:

* line 1: ``# {json}``, the case's spec: schedule, params, lr, epochs,
  steps_per_epoch, interval (plus whatever else a generator records about it);
* a header ``step,lr`` plus any further columns (``metric``, ``momentum``);
* one row per optimizer step, floats written with ``repr``.

The training loop (:func:`record`) is the seed's::

    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=base_lr)
    sched = <factory>(opt)
    for epoch in range(E):
        for batch in range(S):
            row k = opt.param_groups[0]["lr"] (and any other keys recorded)
            opt.step()
            if interval == "step": sched.step()          # step(metric[j]) with a metric
        if interval == "epoch": sched.step()             # step(metric[j]) with a metric
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "golden"

Case = dict[str, Any]  # {"name": ..., "spec": {...}} plus whatever its generator needs
Columns = dict[str, list[float]]  # the CSV's columns after ``step``, in order


def case(
    name: str,
    schedule: str,
    params: dict[str, Any],
    lr: float = 0.1,
    epochs: int = 100,
    steps_per_epoch: int = 1,
    interval: str = "epoch",
    **extra: Any,
) -> Case:
    """The case ``<schedule>-<name>``; ``extra`` entries follow the spec's usual six."""
    spec = {
        "schedule": schedule,
        "params": params,
        "lr": lr,
        "epochs": epochs,
        "steps_per_epoch": steps_per_epoch,
        "interval": interval,
        **extra,
    }
    return {"name": f"{schedule}-{name}", "spec": spec}


def scheduler_steps(spec: dict[str, Any]) -> int:
    """How many times the run steps its scheduler."""
    if spec["interval"] == "epoch":
        return spec["epochs"]
    return spec["epochs"] * spec["steps_per_epoch"]


def default_step(sched: Any, j: int, metric: list[float] | None) -> None:
    """``sched.step()``, or ``sched.step(metric[j])`` for a metric-driven scheduler."""
    if metric is None:
        sched.step()
    else:
        sched.step(metric[j])


def record(
    spec: dict[str, Any],
    factory: Callable[[Any], Any],
    *,
    keys: Iterable[str] = ("lr",),
    metric: list[float] | None = None,
    momentum: float | None = None,
    step: Callable[[Any, int], None] | None = None,
) -> Columns:
    """Run the seed's training loop and return the columns of its rows.

    ``factory(opt)`` builds the scheduler on the loop's ``SGD`` (with ``momentum``
    when given). Each row holds ``opt.param_groups[0][key]`` for every key, read
    before the optimizer step, then (with ``metric``: one value per scheduler step)
    the ``metric`` value of the scheduler step the row belongs to. ``step(sched, j)``
    steps the scheduler for the ``j``-th time (from 0); by default ``sched.step()``,
    or ``sched.step(metric[j])``.
    """
    import torch

    epochs, per_epoch, interval = spec["epochs"], spec["steps_per_epoch"], spec["interval"]
    p = torch.nn.Parameter(torch.zeros(1))
    if momentum is None:
        opt = torch.optim.SGD([p], lr=spec["lr"])
    else:
        opt = torch.optim.SGD([p], lr=spec["lr"], momentum=momentum)
    sched = factory(opt)
    columns: Columns = {key: [] for key in keys}
    if metric is not None:
        columns["metric"] = []
    j = 0  # scheduler steps taken

    def step_scheduler() -> None:
        nonlocal j
        if step is None:
            default_step(sched, j, metric)
        else:
            step(sched, j)
        j += 1

    for _epoch in range(epochs):
        for _batch in range(per_epoch):
            group = opt.param_groups[0]
            for key in keys:
                columns[key].append(group[key])
            if metric is not None:
                columns["metric"].append(metric[j])
            opt.step()
            if interval == "step":
                step_scheduler()
        if interval == "epoch":
            step_scheduler()
    return columns


def write(path: Path, spec: dict[str, Any], columns: Columns) -> None:
    """``# {json}``, the header ``step,<columns>``, one row per step (floats by ``repr``)."""
    lines = ["# " + json.dumps(spec, separators=(", ", ": ")), ",".join(["step", *columns])]
    values = list(zip(*columns.values(), strict=True))
    lines += [",".join([str(k), *(repr(float(v)) for v in row)]) for k, row in enumerate(values)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def owns(stem: str, prefixes: Iterable[str], numbered: bool = False) -> bool:
    """Whether a golden file (by stem) is a generator's: it starts with one of its
    prefixes (followed by a digit when ``numbered``, so ``cosine-`` is not
    ``cosine-restarts-``)."""
    return any(
        stem.startswith(p) and (not numbered or stem[len(p) :][:1].isdigit()) for p in prefixes
    )


def main(
    cases: list[Case],
    run: Callable[[Case], Columns],
    prefixes: Iterable[str],
    *,
    numbered: bool = False,
    about: str = "",
) -> int:
    """Write every case with ``run(case)``'s columns; delete the generator's stale files.

    The generator's files are those :func:`owns` gives it (by ``prefixes``); those
    no case writes any more are deleted, every other golden file is left alone.
    ``about`` ends the summary line (more versions than torch's).
    """
    import torch

    names = [c["name"] for c in cases]
    if len(set(names)) != len(names):
        raise SystemExit("duplicate case names")
    prefixes = tuple(prefixes)
    GOLDEN.mkdir(parents=True, exist_ok=True)
    current = set(names)
    for old in GOLDEN.glob("*.csv"):
        if owns(old.stem, prefixes, numbered) and old.stem not in current:
            old.unlink()  # a stale file of this generator's own
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for c in cases:
            write(GOLDEN / f"{c['name']}.csv", c["spec"], run(c))
    print(f"wrote {len(cases)} golden files to {GOLDEN} (torch {torch.__version__}{about})")
    return 0
