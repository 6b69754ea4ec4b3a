"""Write the golden traces of compositions (SequentialLR, ChainedScheduler) and of
warmup, by running real PyTorch. Run as ``python tools/goldens_compose.py``.

Same file format and training loop as tools/make_goldens.py (see its docstring):
line 1 ``# {json}`` (schedule, params, lr, epochs, steps_per_epoch, interval), a
``step,lr`` header, one row per optimizer step. The ``params`` are what
``lrplot.schedules.lookup(schedule).build(params)`` accepts: a composition's
children are SPEC strings or tables (``{"type": "cosine", "t_max": 10}``).

It writes ``sequential-*.csv`` and ``chained-*.csv`` and deletes only its own old
files (those two prefixes), never another generator's. The warmup cases are named
``sequential-warmup-*``: lrplot's ``warmup=N, warmup_start=s`` (prefix, linear) run
against PyTorch's ``SequentialLR([LinearLR(start_factor=s, total_iters=N), main],
milestones=[N])``.

PyTorch is needed here only. lrplot is imported only to learn which schedules it has,
so cases with children lrplot does not have yet are left out (and say so).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import golden_io
from golden_io import Case, Columns, record

try:
    import torch
    from torch.optim import lr_scheduler as S
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit(
        "goldens_compose.py needs PyTorch (it is not a dependency of lrplot): "
        "install torch into this Python, then run it again"
    )

ROOT = Path(__file__).resolve().parent.parent
PREFIXES = ("sequential-", "chained-")

# lrplot's parameter names -> PyTorch's, where they differ
TORCH_NAMES = {"t_max": "T_max", "t_0": "T_0", "t_mult": "T_mult"}


def _lambda(expr: str) -> Any:
    """An lr_lambda from lrplot's expression text (a Python expression of epoch)."""
    code = compile(expr, "<lr_lambda>", "eval")
    names = {
        "__builtins__": {},
        "pi": math.pi,
        "e": math.e,
        "min": min,
        "max": max,
        "abs": abs,
        **{f: getattr(math, f) for f in ("floor", "ceil", "exp", "log", "sqrt", "cos", "sin")},
        "tanh": math.tanh,
    }
    return lambda epoch: eval(code, names, {"epoch": epoch})


TORCH_CLASSES: dict[str, Any] = {
    "step": S.StepLR,
    "multistep": S.MultiStepLR,
    "exponential": S.ExponentialLR,
    "cosine": S.CosineAnnealingLR,
    "linear": S.LinearLR,
    "constant": S.ConstantLR,
    "polynomial": S.PolynomialLR,
    "cosine-restarts": S.CosineAnnealingWarmRestarts,
    "multiplicative": S.MultiplicativeLR,
    "lambda": S.LambdaLR,
    "cyclic": S.CyclicLR,
    "onecycle": S.OneCycleLR,
}
EXPRESSIONS = {"expr": "lr_lambda"}  # lrplot's expression parameter -> PyTorch's function


def torch_child(opt: Any, name: str, params: dict[str, Any]) -> Any:
    kwargs = {}
    for k, v in params.items():
        if k in EXPRESSIONS:
            kwargs[EXPRESSIONS[k]] = _lambda(v)
        else:
            kwargs[TORCH_NAMES.get(k, k)] = v
    return TORCH_CLASSES[name](opt, **kwargs)


# --- the cases ----------------------------------------------------------------------

Child = tuple[str, dict[str, Any]]


def spec_text(child: Child) -> str:
    """A child as a SPEC string (lrplot's syntax)."""
    name, params = child
    if not params:
        return name

    def value(v: Any) -> str:
        if isinstance(v, (list, tuple)):
            return "[" + ",".join(str(x) for x in v) + "]"
        if isinstance(v, str):
            return "'" + v + "'"
        return repr(v)

    return name + ":" + ",".join(f"{k}={value(v)}" for k, v in params.items())


def case(
    name: str,
    kind: str,
    children: list[Child],
    milestones: list[int] | None = None,
    as_tables: bool = False,
    **run: Any,
) -> Case:
    """A composition; children written as SPEC strings (or as tables). ``run``: the
    spec's lr, epochs, steps_per_epoch, interval (golden_io.case's defaults)."""
    kids: list[Any] = [{"type": n, **p} if as_tables else spec_text((n, p)) for n, p in children]
    params: dict[str, Any] = {"schedulers": kids}
    if kind == "sequential":
        params["milestones"] = list(milestones or [])
    return {**golden_io.case(name, kind, params, **run), "torch": (kind, children, milestones)}


def warmup_case(name: str, main: Child, steps: int, start: float, **run: Any) -> Case:
    """lrplot's prefix linear warmup vs SequentialLR([LinearLR(s, N), main], [N])."""
    params = {**main[1], "warmup": steps, "warmup_start": start}
    linear = ("linear", {"start_factor": start, "total_iters": steps})
    return {
        **golden_io.case(name, main[0], params, **run),
        "name": f"sequential-warmup-{name}",
        "torch": ("sequential", [linear, main], [steps]),
    }


def cases(have: set[str] | None) -> list[dict[str, Any]]:
    step = ("step", {"step_size": 3, "gamma": 0.5})
    exp9 = ("exponential", {"gamma": 0.9})
    exp5 = ("exponential", {"gamma": 0.5})
    cos10 = ("cosine", {"t_max": 10})
    cos7e = ("cosine", {"t_max": 7, "eta_min": 0.01})
    cos5e = ("cosine", {"t_max": 5, "eta_min": 0.02})
    ms = ("multistep", {"milestones": [2, 4], "gamma": 0.5})
    ms0 = ("multistep", {"milestones": [0, 0, 3], "gamma": 0.5})
    linear = ("linear", {"start_factor": 0.1, "total_iters": 5})
    linear_down = ("linear", {"start_factor": 1.0, "end_factor": 0.2, "total_iters": 8})
    const = ("constant", {"factor": 0.5, "total_iters": 4})
    poly = ("polynomial", {"total_iters": 10, "power": 2.0})
    restarts = ("cosine-restarts", {"t_0": 5, "t_mult": 2, "eta_min": 0.001})
    mult = ("multiplicative", {"expr": "0.9"})
    mult_epoch = ("multiplicative", {"expr": "0.5 if epoch == 0 else 0.95"})
    lam = ("lambda", {"expr": "0.97 ** epoch"})
    cyclic = ("cyclic", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4})
    onecycle = ("onecycle", {"max_lr": 0.5, "total_steps": 40})
    sq, ch = "sequential", "chained"
    out = [
        # SequentialLR: the README's example shape, a warmup then cosine
        case("01-exp-cosine", sq, [exp5, cos10], [5], epochs=30),
        case("02-linear-cosine", sq, [linear, ("cosine", {"t_max": 95})], [5]),
        # milestone 0: the second child starts at step 0 with its initial step
        case("03-milestone-0", sq, [step, exp9], [0], epochs=20),
        case("04-milestones-0-0", sq, [step, exp9, cos10], [0, 0], epochs=25, as_tables=True),
        # milestones at and past the end of the run
        case("05-milestone-last-row", sq, [cos10, exp9], [29], epochs=30),
        case("06-milestone-at-end", sq, [cos10, exp9], [30], epochs=30),
        case("07-milestone-beyond", sq, [exp9, cos10], [100], epochs=30),
        # repeated milestones: the middle child never runs
        case("08-repeated", sq, [exp9, step, cos10], [5, 5], epochs=25),
        # three children of several kinds, cosine restarts with eta_min > 0
        case(
            "09-three-kinds",
            sq,
            [ms, cos7e, ("step", {"step_size": 3, "gamma": 0.1})],
            [10, 30],
            epochs=60,
        ),
        # a later MultiStepLR child with milestone 0: closed form gamma ** count
        case("10-later-multistep-0", sq, [exp9, ms0], [4], epochs=15, lr=1.0),
        case("11-cosine-eta-restarts", sq, [step, cos5e], [3], epochs=40),
        case(
            "12-step-interval",
            sq,
            [("exponential", {"gamma": 0.99}), ("cosine", {"t_max": 80})],
            [20],
            epochs=10,
            steps_per_epoch=10,
            interval="step",
        ),
        case("13-epoch-interval-s5", sq, [exp9, cos10], [3], epochs=12, steps_per_epoch=5),
        case("14-one-child", sq, [cos10], [], epochs=25),
        case("15-cosine-first-eta", sq, [cos7e, exp9], [12], epochs=30, lr=3e-4),
        case(
            "16-long",
            sq,
            [("exponential", {"gamma": 0.999}), ("cosine", {"t_max": 1000, "eta_min": 1e-4})],
            [500],
            epochs=5000,
        ),
        # children of the wider catalog (when lrplot has them)
        case("17-linear-cos-restarts", sq, [linear, restarts], [5], epochs=60),
        case("18-constant-exp", sq, [const, exp9], [10], epochs=30),
        case("19-multiplicative-later", sq, [exp9, mult_epoch], [6], epochs=20),
        case("20-multiplicative-first", sq, [mult, step], [8], epochs=20),
        case("21-lambda-later", sq, [linear, lam], [5], epochs=30),
        case("22-restarts-later", sq, [exp9, restarts, cos10], [4, 30], epochs=50),
        case("23-linear-down-poly", sq, [linear_down, poly], [8], epochs=25),
        case("24-constant-milestone-0", sq, [const, linear, exp9], [0, 6], epochs=20),
        # children that set the LR themselves: CyclicLR writes group["lr"] when built,
        # OneCycleLR overwrites group["initial_lr"], which SequentialLR restores
        case("25-onecycle-later", sq, [exp9, onecycle], [5], epochs=40),
        case("26-cyclic-later", sq, [cos10, cyclic], [6], epochs=30),
        case("27-cyclic-first", sq, [cyclic, exp9], [9], epochs=20),
        case("28-multiplicative-milestone-0", sq, [exp9, mult_epoch], [0], epochs=12),
        # ChainedScheduler
        case("01-exp-step", ch, [exp9, step], epochs=30),
        case("02-step-cosine", ch, [("step", {"step_size": 5, "gamma": 0.5}), cos10], epochs=40),
        case("03-cosine-eta-exp", ch, [cos7e, ("exponential", {"gamma": 0.95})], epochs=50),
        case(
            "04-three",
            ch,
            [
                ("multistep", {"milestones": [3, 6], "gamma": 0.5}),
                ("exponential", {"gamma": 0.95}),
                ("step", {"step_size": 4, "gamma": 0.8}),
            ],
            epochs=30,
        ),
        case("05-multistep-0", ch, [ms0, exp9], epochs=12, lr=1.0, as_tables=True),
        case("06-one-child", ch, [("cosine", {"t_max": 7})], epochs=30),
        case(
            "07-step-interval",
            ch,
            [("exponential", {"gamma": 0.995}), ("cosine", {"t_max": 30})],
            epochs=8,
            steps_per_epoch=10,
            interval="step",
        ),
        case(
            "08-long",
            ch,
            [("exponential", {"gamma": 0.999}), ("step", {"step_size": 100, "gamma": 0.5})],
            epochs=5000,
        ),
        case("09-cosine-t1-exp", ch, [("cosine", {"t_max": 1}), exp9], epochs=20),
        case("10-cosine-cosine", ch, [cos10, ("cosine", {"t_max": 4, "eta_min": 0.01})], epochs=40),
        case(
            "11-constant-exp-step",
            ch,
            [const, ("exponential", {"gamma": 0.95}), ("step", {"step_size": 3, "gamma": 0.5})],
            epochs=30,
        ),
        case("12-linear-exp", ch, [linear, exp9], epochs=20),
        case("13-linear-constant", ch, [linear, const], epochs=15, lr=1.0),
        case("14-multiplicative-step", ch, [mult, step], epochs=20),
        case("15-lambda-exp", ch, [exp9, lam], epochs=20),
        case("16-restarts-exp", ch, [restarts, exp9], epochs=40),
        case("17-poly-cosine", ch, [poly, cos10], epochs=25),
        case("18-cyclic-exp", ch, [cyclic, ("exponential", {"gamma": 0.97})], epochs=30),
        case("19-exp-onecycle", ch, [exp9, onecycle], epochs=40),
        case("20-lambda-multiplicative", ch, [lam, mult], epochs=20),
        # warmup (prefix, linear, warmup_start > 0) == SequentialLR(LinearLR, main)
        warmup_case("01-cosine", ("cosine", {"t_max": 95}), 5, 0.1),
        warmup_case(
            "02-cosine-eta", ("cosine", {"t_max": 40, "eta_min": 1e-3}), 10, 0.01, epochs=120
        ),
        warmup_case("03-step", ("step", {"step_size": 10, "gamma": 0.5}), 3, 0.5, epochs=40),
        warmup_case(
            "04-exp-step-interval",
            ("exponential", {"gamma": 0.99}),
            25,
            0.2,
            epochs=10,
            steps_per_epoch=10,
            interval="step",
        ),
        warmup_case("05-multistep", ("multistep", {"milestones": [10, 20]}), 4, 0.25, epochs=30),
        warmup_case(
            "06-cosine-long", ("cosine", {"t_max": 2000}), 200, 0.001, lr=3e-4, epochs=2500
        ),
    ]
    if have is None:
        return out
    kept = []
    for c in out:
        _, children, _ = c["torch"]
        names = {n for n, _ in children}
        if c["name"].startswith("sequential-warmup-"):
            names = {c["spec"]["schedule"]}  # LinearLR is on torch's side only
        missing = sorted(names - have)
        if missing:
            print(f"skipped {c['name']}: lrplot has no {', '.join(missing)} yet")
        else:
            kept.append(c)
    return kept


# --- running PyTorch ------------------------------------------------------------------


def run(c: Case) -> Columns:
    """The LR of every optimizer step, and its momentum when a child cycles it."""
    kind, children, milestones = c["torch"]

    def build(opt: torch.optim.Optimizer) -> Any:
        built = [torch_child(opt, name, params) for name, params in children]
        if kind == "sequential":
            return S.SequentialLR(opt, built, milestones=list(milestones or []))
        return S.ChainedScheduler(built, optimizer=opt)

    columns = record(c["spec"], build, keys=("lr", "momentum"))
    if not any(m != 0.0 for m in columns["momentum"]):  # no child cycles it
        del columns["momentum"]
    return columns


def known_schedules() -> set[str] | None:
    sys.path.insert(0, str(ROOT))
    try:
        from lrplot.schedules import REGISTRY
    except ImportError:  # pragma: no cover
        print("lrplot not importable: writing every case")
        return None
    return set(REGISTRY)


def main() -> int:
    return golden_io.main(cases(known_schedules()), run, PREFIXES)


if __name__ == "__main__":
    sys.exit(main())
