"""Write golden LR traces for SWALR (lrplot/schedules/swa.py), alone and composed.

Run from anywhere as ``python tools/goldens_swa.py``. PyTorch is needed here only.
The files have the format of tools/golden_io.py (line 1 ``# {json}``, then
``step,lr``): ``tests/golden/swa-NN-<what>.csv`` for SWALR on its own, and
``swa-seq-NN-*`` / ``swa-chain-NN-*`` for SWALR after a main schedule in
SequentialLR (as SWA uses it: a milestone at swa_start) or in a ChainedScheduler.
Only this script's own files (``swa-*``) are replaced.

The stepping model is the seed's training loop (golden_io.record): the scheduler
(SWALR, or the composite) built on SGD, ``step()`` after every epoch or batch.
"""

from __future__ import annotations

import sys
from typing import Any

import golden_io
from golden_io import Case, Columns, record

try:
    from torch.optim import lr_scheduler as S
    from torch.optim.swa_utils import SWALR
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit(
        "goldens_swa.py needs PyTorch (it is not a dependency of lrplot): "
        "install torch into this Python, then run it again"
    )

PREFIXES = ("swa-",)

# the main schedules the composition cases put before SWALR: lrplot name -> torch class
MAIN: dict[str, Any] = {
    "cosine": S.CosineAnnealingLR,
    "exponential": S.ExponentialLR,
    "step": S.StepLR,
    "linear": S.LinearLR,
    "multistep": S.MultiStepLR,
}
TORCH_NAMES = {"t_max": "T_max"}  # lrplot's parameter names -> PyTorch's, where they differ

Child = tuple[str, dict[str, Any]]


def swa(swa_lr: float, anneal_epochs: int | None = None, strategy: str | None = None) -> Child:
    params: dict[str, Any] = {"swa_lr": swa_lr}
    if anneal_epochs is not None:
        params["anneal_epochs"] = anneal_epochs
    if strategy is not None:
        params["anneal_strategy"] = strategy
    return ("swa", params)


def spec_text(child: Child) -> str:
    """A child as lrplot's SPEC string."""
    name, params = child

    def value(v: Any) -> str:
        return "[" + ",".join(str(x) for x in v) + "]" if isinstance(v, list) else str(v)

    return name + (":" + ",".join(f"{k}={value(v)}" for k, v in params.items()) if params else "")


def alone(
    name: str, swa_lr: float, anneal: int | None = None, strategy: str | None = None, **run: Any
) -> Case:
    """SWALR on its own, annealing from the optimizer's lr."""
    params = swa(swa_lr, anneal, strategy)[1]
    c = golden_io.case(name, "swa", params, **run)
    return {**c, "torch": ("swa", [("swa", params)], None)}


def composed(
    name: str, kind: str, children: list[Child], milestones: list[int] | None = None, **run: Any
) -> Case:
    """SWALR in a SequentialLR (``seq``) or ChainedScheduler (``chain``)."""
    params: dict[str, Any] = {"schedulers": [spec_text(c) for c in children]}
    schedule = "sequential" if kind == "seq" else "chained"
    if schedule == "sequential":
        params["milestones"] = list(milestones or [])
    c = golden_io.case(name, schedule, params, **run)
    return {**c, "name": f"swa-{kind}-{name}", "torch": (schedule, children, milestones)}


def cases() -> list[Case]:
    cos75 = ("cosine", {"t_max": 75})
    return [
        alone("01-defaults", 0.05, epochs=30),
        alone("02-linear", 0.05, 10, "linear", epochs=30),
        alone("03-anneal0", 0.02, 0, epochs=10),
        alone("04-anneal0-linear", 0.02, 0, "linear", epochs=10),
        alone("05-anneal1", 0.03, 1, epochs=10),
        alone("06-upwards", 0.5, 7, lr=0.1, epochs=20),
        alone("07-long", 1e-4, 37, lr=3e-3, epochs=100),
        alone(
            "08-step-interval", 0.01, 25, "linear", epochs=5, steps_per_epoch=10, interval="step"
        ),
        alone("09-anneal-past-run", 0.001, 200, epochs=50),
        alone("10-tiny-lr", 1e-8, 3, lr=1e-6, epochs=12),
        # as SWA uses it: the main schedule, then SWALR from swa_start
        composed("01-cosine-swa", "seq", [cos75, swa(0.05, 5)], [75]),
        composed("02-cosine-swa-linear", "seq", [cos75, swa(0.05, 10, "linear")], [75]),
        composed(
            "03-exp-swa0", "seq", [("exponential", {"gamma": 0.9}), swa(0.02, 0)], [20], epochs=40
        ),
        composed(
            "04-step-swa",
            "seq",
            [("step", {"step_size": 10, "gamma": 0.5}), swa(0.08, 3)],
            [30],
            epochs=50,
        ),
        composed("05-swa-first", "seq", [swa(0.01, 4), cos75], [10], epochs=40),
        composed(
            "06-warmup-cosine-swa",
            "seq",
            [
                ("linear", {"start_factor": 0.1, "total_iters": 5}),
                ("cosine", {"t_max": 60}),
                swa(0.03, 8),
            ],
            [5, 65],
            epochs=90,
        ),
        composed(
            "07-steps",
            "seq",
            [("cosine", {"t_max": 80}), swa(0.02, 15)],
            [80],
            epochs=10,
            steps_per_epoch=10,
            interval="step",
        ),
        composed(
            "01-exp-swa",
            "chain",
            [("exponential", {"gamma": 0.95}), swa(0.01, 8, "linear")],
            epochs=50,
        ),
        composed(
            "02-swa-exp", "chain", [swa(0.05, 6), ("exponential", {"gamma": 0.97})], epochs=40
        ),
        composed(
            "03-multistep-swa",
            "chain",
            [("multistep", {"milestones": [10, 20], "gamma": 0.5}), swa(0.02, 12)],
            epochs=40,
        ),
    ]


def torch_scheduler(opt: Any, name: str, params: dict[str, Any]) -> Any:
    if name == "swa":
        return SWALR(opt, **params)
    return MAIN[name](opt, **{TORCH_NAMES.get(k, k): v for k, v in params.items()})


def run(c: Case) -> Columns:
    kind, children, milestones = c["torch"]

    def factory(opt: Any) -> Any:
        built = [torch_scheduler(opt, name, params) for name, params in children]
        if kind == "sequential":
            return S.SequentialLR(opt, built, milestones=milestones)
        if kind == "chained":
            return S.ChainedScheduler(built, optimizer=opt)
        return built[0]

    return record(c["spec"], factory)


def main() -> int:
    return golden_io.main(cases(), run, PREFIXES)


if __name__ == "__main__":
    sys.exit(main())
