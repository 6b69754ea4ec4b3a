"""Write golden LR traces of schedulers prepared by Accelerate (``--accelerate``), from
Accelerate's own ``AcceleratedScheduler`` and torch.

Run as ``python tools/goldens_accelerate.py`` in a Python with torch 2.13 and
accelerate 1.15 (transformers 5.24 for the ``hf-*`` cases; without it they are left as
they are). Each case is the seed's training loop (tools/golden_io.py) with the
scheduler wrapped in ``accelerate.scheduler.AcceleratedScheduler`` and the loop calling
the wrapper's ``step()``. Only ``AcceleratorState`` is stood in for: a real one needs
several processes; the stand-in gives ``num_processes``, which is all the wrapper
reads of it. The optimizer is the loop's SGD with ``step_was_skipped = False`` (what an
``AcceleratedOptimizer`` says after a real step); ``GradientState`` is Accelerate's
own (gradients in sync: every loop step is an optimizer step).

Files: tests/golden/accelerate/<name>.csv in golden_io's format; line 1 holds the case
with ``accelerate``, ``num_processes`` and ``split_batches``. Only this folder's files
are replaced.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

import golden_io
from golden_io import GOLDEN, Case
from goldens_resume import build, lrplot_params, moves_momentum, plateau_metric

try:
    import torch  # noqa: F401
    from accelerate import scheduler as accelerated
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit("goldens_accelerate.py needs torch and accelerate: install them, then run it again")

try:
    import transformers
except ImportError:  # pragma: no cover - depends on the machine
    transformers = None

FOLDER = GOLDEN / "accelerate"
Sched = tuple[str, dict[str, Any]]


class _State:
    """Stands in for AcceleratorState (its num_processes, all the wrapper reads)."""

    processes = 1

    def __init__(self) -> None:
        self.num_processes = _State.processes


def case(name: str, s: Sched, processes: int, split: bool = False, **run: Any) -> Case:
    c = golden_io.case(
        name,
        s[0],
        lrplot_params(s),
        **run,
        accelerate=True,
        num_processes=processes,
        split_batches=split,
    )
    return {**c, "torch": s}


def cases() -> list[Case]:
    per_step = {"epochs": 4, "steps_per_epoch": 10, "interval": "step"}
    out = [
        # the classic: lengths in optimizer steps, the scheduler stepped once per process
        case("01-cos-unscaled-2", ("cosine", {"t_max": 40}), 2, **per_step),
        case("02-cos-scaled-4", ("cosine", {"t_max": 160, "eta_min": 0.001}), 4, **per_step),
        case("03-cos-split", ("cosine", {"t_max": 40}), 4, split=True, **per_step),
        case("04-step-epoch", ("step", {"step_size": 10, "gamma": 0.5}), 3, epochs=40),
        case(
            "05-multistep-per-step",
            ("multistep", {"milestones": [30, 60], "gamma": 0.1}),
            2,
            **per_step,
        ),
        # OneCycleLR: the wrapper stops stepping it once _step_count passes total_steps
        case("06-onecycle-capped", ("onecycle", {"max_lr": 0.1, "total_steps": 40}), 2, **per_step),
        case(
            "07-onecycle-capped-8", ("onecycle", {"max_lr": 0.5, "total_steps": 50}), 8, **per_step
        ),
        case("08-onecycle-room", ("onecycle", {"max_lr": 0.1, "total_steps": 80}), 2, **per_step),
        case(
            "09-sequential-warmup",
            (
                "sequential",
                {
                    "schedulers": [
                        ("linear", {"start_factor": 0.1, "total_iters": 10}),
                        ("cosine", {"t_max": 70}),
                    ],
                    "milestones": [10],
                },
            ),
            2,
            **per_step,
        ),
        case("10-plateau", ("plateau", {"patience": 2}), 3, epochs=30),
    ]
    if transformers is not None:
        out.append(
            case(
                "11-hf-cosine",
                ("hf-cosine", {"num_warmup_steps": 5, "num_training_steps": 40}),
                2,
                **per_step,
            )
        )
    return out


def run(c: Case) -> golden_io.Columns:
    spec, s = c["spec"], c["torch"]
    metric = plateau_metric(spec["epochs"]) if s[0] == "plateau" else None
    keys = ("lr", "momentum") if moves_momentum(s) else ("lr",)
    _State.processes = spec["num_processes"]
    wrapped: dict[str, Any] = {}

    def factory(opt: Any) -> Any:
        opt.step_was_skipped = False  # an AcceleratedOptimizer's, after a real step
        inner = build(opt, s)
        wrapped["scheduler"] = accelerated.AcceleratedScheduler(
            inner, opt, step_with_optimizer=True, split_batches=spec["split_batches"]
        )
        return wrapped["scheduler"]

    def step(sched: Any, j: int) -> None:
        if metric is None:
            sched.step()
        else:
            sched.step(metric[j])

    return golden_io.record(
        spec,
        factory,
        keys=keys,
        metric=metric,
        momentum=0.9 if "momentum" in keys else None,
        step=step,
    )


def main() -> int:
    accelerated.AcceleratorState = _State  # the one stand-in (see the module docstring)
    all_cases = cases()
    FOLDER.mkdir(parents=True, exist_ok=True)
    keep = {c["name"] for c in all_cases}
    for old in FOLDER.glob("*.csv"):
        if old.stem not in keep and not (transformers is None and old.stem.startswith("hf-")):
            old.unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for c in all_cases:
            golden_io.write(FOLDER / f"{c['name']}.csv", c["spec"], run(c))
    print(f"wrote {len(all_cases)} golden files to {FOLDER}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
