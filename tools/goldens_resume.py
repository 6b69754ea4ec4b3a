"""Write golden LR traces of runs saved and resumed (lrplot/resume.py), from torch itself.

Run from anywhere as ``python tools/goldens_resume.py``. PyTorch is needed here only
(and transformers 5.24 for the ``hf-*`` cases, e.g. /work/venvs/ci; without it those
files are kept as they are).
Each case is the seed's training loop (tools/golden_io.py) on SGD, saved after
``resume_at`` optimizer steps: ``torch.save`` of ``optimizer.state_dict()`` and
``scheduler.state_dict()`` into a BytesIO, ``torch.load`` back, then a new SGD and a
new scheduler (``resume_with``'s parameters, else the same), by ``resume_mode``:

* ``restored``: the scheduler built, then ``optimizer.load_state_dict`` and
  ``scheduler.load_state_dict`` (PyTorch's documented order);
* ``fresh``: ``optimizer.load_state_dict``, then the scheduler built (last_epoch=-1);
* ``last-epoch``: ``optimizer.load_state_dict``, then the scheduler built with
  ``last_epoch = done - 1`` (``done``: its steps so far; SequentialLR gets it, its
  children none; ChainedScheduler has none, so every child gets it);
* ``restart``: only the model's weights: a new SGD and a new scheduler, nothing loaded;
* ``unloaded``: a new SGD and the scheduler built on it, then
  ``optimizer.load_state_dict`` (the scheduler's state not loaded);
* ``jump``: as restored, then ``scheduler.step()`` once for every step already done
  (a loop that fast-forwards a restored scheduler: the steps counted twice);

and the loop goes on to the end of the run. Files: tests/golden/resume/<name>.csv in
golden_io's format (``step,lr`` plus ``momentum`` for cyclic/onecycle and ``metric``
for plateau); line 1 holds the case: lrplot's schedule and params, the run, and
``resume_at``, ``resume_mode``, ``resume_with`` (a SPEC, or null). Only this folder's
files are replaced.
"""

from __future__ import annotations

import io
import sys
import warnings
from typing import Any

import golden_io
from golden_io import GOLDEN, Case, Columns
from goldens_torch_more import NAMESPACE

try:
    import torch
    from torch.optim.swa_utils import SWALR
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit(
        "goldens_resume.py needs PyTorch (it is not a dependency of lrplot): "
        "install torch into this Python, then run it again"
    )
try:  # transformers' LambdaLRs (hf-*): optional, their files are kept without it
    import transformers
except ImportError:  # pragma: no cover - depends on the machine
    transformers = None

S = torch.optim.lr_scheduler
FOLDER = GOLDEN / "resume"
MODES = ("restored", "fresh", "last-epoch", "restart", "unloaded", "jump")

CLASSES: dict[str, Any] = {
    "step": S.StepLR,
    "multistep": S.MultiStepLR,
    "exponential": S.ExponentialLR,
    "cosine": S.CosineAnnealingLR,
    "linear": S.LinearLR,
    "constant": S.ConstantLR,
    "polynomial": S.PolynomialLR,
    "cosine-restarts": S.CosineAnnealingWarmRestarts,
    "cyclic": S.CyclicLR,
    "onecycle": S.OneCycleLR,
    "lambda": S.LambdaLR,
    "multiplicative": S.MultiplicativeLR,
    "plateau": S.ReduceLROnPlateau,
    "swa": SWALR,
}
HF = {
    "hf-linear": "get_linear_schedule_with_warmup",
    "hf-cosine": "get_cosine_schedule_with_warmup",
}
TORCH_NAMES = {"t_max": "T_max", "t_0": "T_0", "t_mult": "T_mult"}
MOMENTUM = ("cyclic", "onecycle")

Sched = tuple[str, dict[str, Any]]  # (lrplot name, lrplot params); children are Scheds


def spec_text(s: Sched) -> str:
    """A schedule as lrplot's SPEC string."""
    name, params = s

    def value(v: Any) -> str:
        if isinstance(v, list) and v and isinstance(v[0], tuple):
            return "[" + "; ".join(spec_text(c) for c in v) + "]"
        if isinstance(v, list):
            return "[" + ",".join(str(x) for x in v) + "]"
        return str(v).lower() if isinstance(v, bool) else str(v)

    return name + (":" + ",".join(f"{k}={value(v)}" for k, v in params.items()) if params else "")


def lrplot_params(s: Sched) -> dict[str, Any]:
    params = dict(s[1])
    if "schedulers" in params:
        params["schedulers"] = [spec_text(c) for c in params["schedulers"]]
    return params


def build(opt: Any, s: Sched, last_epoch: int = -1) -> Any:
    """The torch scheduler of ``s`` on ``opt`` (with last_epoch, when not -1)."""
    name, params = s
    kw = {} if last_epoch == -1 else {"last_epoch": last_epoch}
    if name == "sequential":
        children = [build(opt, c) for c in params["schedulers"]]
        return S.SequentialLR(opt, children, milestones=params["milestones"], **kw)
    if name == "chained":
        return S.ChainedScheduler([build(opt, c, last_epoch) for c in params["schedulers"]], opt)
    if name.startswith("hf-"):
        assert transformers is not None
        factory = getattr(transformers, HF[name])
        return factory(opt, **params, **kw)
    args = dict(params)
    if name in ("lambda", "multiplicative"):
        args["lr_lambda"] = eval("lambda epoch: " + args.pop("expr"), dict(NAMESPACE))
    return CLASSES[name](opt, **{TORCH_NAMES.get(k, k): v for k, v in args.items()}, **kw)


def moves_momentum(s: Sched) -> bool:
    name, params = s
    if name in ("sequential", "chained"):
        return any(moves_momentum(c) for c in params["schedulers"])
    return name in MOMENTUM and params.get("cycle_momentum", True)


def resumed(
    name: str,
    s: Sched,
    at: int,
    mode: str,
    after: Sched | None = None,
    metric: list[float] | None = None,
    **run: Any,
) -> Case:
    c = golden_io.case(
        name,
        s[0],
        lrplot_params(s),
        **run,
        resume_at=at,
        resume_mode=mode,
        resume_with=None if after is None else spec_text(after),
    )
    return {**c, "name": f"{c['name']}-{mode}", "torch": (s, after, metric)}


def every_mode(
    name: str,
    s: Sched,
    at: int,
    after: Sched | None = None,
    modes: tuple[str, ...] = MODES,
    **run: Any,
) -> list[Case]:
    # jump continues the saved schedule itself: no resume_with
    return [
        resumed(name, s, at, mode, after, **run)
        for mode in modes
        if not (mode == "jump" and after is not None)
    ]


def plateau_metric(count: int) -> list[float]:
    """A loss that falls, then stalls twice (reductions before and after the resume)."""
    out = []
    for j in range(count):
        if j < 15:
            out.append(1.0 / (1 + j))
        elif j < 40:
            out.append(1 / 15 + 0.001 * (j % 3))
        else:
            out.append(0.05 - 0.0005 * (j - 40) if j < 50 else 0.045)
    return out


def cases() -> list[Case]:
    step = ("step", {"step_size": 10, "gamma": 0.5})
    multi = ("multistep", {"milestones": [20, 40], "gamma": 0.1})
    cos = ("cosine", {"t_max": 50})
    cos_eta = ("cosine", {"t_max": 50, "eta_min": 0.01})
    warm_cos = (
        "sequential",
        {
            "schedulers": [
                ("linear", {"start_factor": 0.1, "total_iters": 5}),
                ("cosine", {"t_max": 55}),
            ],
            "milestones": [5],
        },
    )
    chained = (
        "chained",
        {
            "schedulers": [
                ("exponential", {"gamma": 0.95}),
                ("step", {"step_size": 10, "gamma": 0.5}),
            ]
        },
    )
    per_step = {"epochs": 5, "steps_per_epoch": 10, "interval": "step"}
    pm = plateau_metric(60)
    out: list[Case] = [
        *every_mode("01-on-milestone", step, 30, epochs=60),
        *every_mode("02-off-milestone", step, 25, epochs=60),
        *every_mode("03-per-step", ("step", {"step_size": 15, "gamma": 0.5}), 30, **per_step),
        *every_mode("01-on-milestone", multi, 20, epochs=60),
        *every_mode("02-off-milestone", multi, 33, epochs=60),
        *every_mode(
            "03-with-milestones",
            multi,
            25,
            ("multistep", {"milestones": [20, 50], "gamma": 0.1}),
            epochs=60,
        ),
        *every_mode("01-gamma", ("exponential", {"gamma": 0.95}), 17, epochs=50),
        *every_mode("01-eta0", cos, 20, epochs=60),
        *every_mode("02-eta-min", cos_eta, 20, epochs=60),
        *every_mode("03-with-t-max", cos, 20, ("cosine", {"t_max": 80}), epochs=100),
        *every_mode("04-epoch-s5", ("cosine", {"t_max": 20}), 50, epochs=20, steps_per_epoch=5),
        *every_mode("05-per-step", ("cosine", {"t_max": 50}), 23, **per_step),
        *every_mode(
            "04-to-cosine", step, 30, ("cosine", {"t_max": 30}), ("fresh", "last-epoch"), epochs=60
        ),
        *every_mode(
            "01-warmup", ("linear", {"start_factor": 0.1, "total_iters": 10}), 5, epochs=30
        ),
        *every_mode(
            "02-after-warmup", ("linear", {"start_factor": 0.1, "total_iters": 10}), 15, epochs=30
        ),
        *every_mode("01-power2", ("polynomial", {"total_iters": 40, "power": 2.0}), 15, epochs=50),
        *every_mode("01-t0-10-mult2", ("cosine-restarts", {"t_0": 10, "t_mult": 2}), 25, epochs=80),
        *every_mode("02-t0-10", ("cosine-restarts", {"t_0": 10}), 35, epochs=60),
        # jump steps a OneCycleLR past its total_steps (torch raises): its own case, with room
        *every_mode(
            "02-jump-room",
            ("onecycle", {"max_lr": 0.5, "total_steps": 80}),
            23,
            modes=("jump",),
            **per_step,
        ),
        *every_mode(
            "01-per-step",
            ("onecycle", {"max_lr": 0.5, "total_steps": 50}),
            23,
            modes=MODES[:5],
            **per_step,
        ),
        *every_mode(
            "01-per-step",
            ("cyclic", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 10}),
            27,
            **per_step,
        ),
        *every_mode("01-exp", ("lambda", {"expr": "0.95**epoch"}), 12, epochs=40),
        *every_mode(
            "02-with-expr",
            ("lambda", {"expr": "0.95**epoch"}),
            12,
            ("lambda", {"expr": "0.9**epoch"}),
            epochs=40,
        ),
        *every_mode("01-warmup-cosine", warm_cos, 20, epochs=60),
        *every_mode("02-in-warmup", warm_cos, 3, epochs=60),
        *every_mode("01-in-factor", ("constant", {"factor": 0.5, "total_iters": 10}), 6, epochs=20),
        *every_mode(
            "01-every-5",
            ("multiplicative", {"expr": "0.5 if epoch % 5 == 0 else 1"}),
            10,
            epochs=30,
        ),
        *every_mode("01-anneal", ("swa", {"swa_lr": 0.02, "anneal_epochs": 10}), 4, epochs=20),
        *every_mode(
            "02-with-max-lr",
            ("onecycle", {"max_lr": 0.5, "total_steps": 50}),
            20,
            ("onecycle", {"max_lr": 0.2, "total_steps": 50}),
            modes=MODES[:5],
            **per_step,
        ),
        *every_mode(
            "03-with-children",
            warm_cos,
            30,
            (
                "sequential",
                {
                    "schedulers": [
                        ("linear", {"start_factor": 0.5, "total_iters": 3}),
                        ("cosine", {"t_max": 27, "eta_min": 0.001}),
                    ],
                    "milestones": [3],
                },
            ),
            epochs=60,
        ),
        *every_mode("03-per-step", chained, 24, **per_step),
        *every_mode("01-exp-step", chained, 20, epochs=40),
        *every_mode("02-exp-step-off", chained, 13, epochs=40),
        *[
            resumed("01-loss", ("plateau", {"patience": 3}), 30, mode, metric=pm, epochs=60)
            for mode in ("restored", "fresh")
        ],
        resumed(
            "02-with-patience",
            ("plateau", {"patience": 3}),
            30,
            "fresh",
            ("plateau", {"patience": 1, "factor": 0.5}),
            metric=pm,
            epochs=60,
        ),
    ]
    return out


def hf_cases() -> list[Case]:
    """transformers' LambdaLRs: the lambda is never saved, so a changed
    num_training_steps applies even restored (the Trainer's resume)."""
    linear = ("hf-linear", {"num_warmup_steps": 10, "num_training_steps": 100})
    longer = ("hf-linear", {"num_warmup_steps": 10, "num_training_steps": 150})
    cosine = ("hf-cosine", {"num_warmup_steps": 5, "num_training_steps": 60})
    per_step = {"epochs": 10, "steps_per_epoch": 10, "interval": "step"}
    return [
        *every_mode("01-per-step", linear, 40, **per_step),
        *every_mode("02-with-training-steps", linear, 40, longer, **per_step),
        *every_mode("01-after-warmup", cosine, 20, epochs=60),
        *every_mode("02-in-warmup", cosine, 3, epochs=60),
    ]


def run(c: Case) -> Columns:
    """The seed's loop, saved after resume_at steps and resumed (module docstring)."""
    spec = c["spec"]
    s, after, metric = c["torch"]
    after = after or s
    epochs, per_epoch, interval = spec["epochs"], spec["steps_per_epoch"], spec["interval"]
    at, mode = spec["resume_at"], spec["resume_mode"]
    keys = ("lr", "momentum") if moves_momentum(s) or moves_momentum(after) else ("lr",)
    momentum = 0.9 if "momentum" in keys else 0.0

    def optimizer() -> Any:
        return torch.optim.SGD(
            [torch.nn.Parameter(torch.zeros(1))], lr=spec["lr"], momentum=momentum
        )

    opt = optimizer()
    sched = build(opt, s)
    columns: Columns = {key: [] for key in keys}
    if metric is not None:
        columns["metric"] = []
    j = 0  # scheduler steps taken
    for k in range(epochs * per_epoch):
        if k == at:  # save, load in a "new process", rebuild
            buffer = io.BytesIO()
            torch.save({"optimizer": opt.state_dict(), "scheduler": sched.state_dict()}, buffer)
            buffer.seek(0)
            saved = torch.load(buffer, weights_only=False)
            opt = optimizer()
            if mode == "restart":  # only the model's weights: a new optimizer and scheduler
                sched = build(opt, after)
            elif mode == "unloaded":  # scheduler.load_state_dict forgotten
                sched = build(opt, after)
                opt.load_state_dict(saved["optimizer"])
            elif mode in ("restored", "jump"):
                sched = build(opt, after)
                opt.load_state_dict(saved["optimizer"])
                sched.load_state_dict(saved["scheduler"])
                if mode == "jump":  # fast-forwarded over the steps already done: twice
                    for _ in range(j):
                        sched.step()
            else:
                opt.load_state_dict(saved["optimizer"])
                sched = build(opt, after, -1 if mode == "fresh" else j - 1)
        group = opt.param_groups[0]
        for key in keys:
            columns[key].append(group[key])
        if metric is not None:
            columns["metric"].append(metric[j])
        opt.step()
        if interval == "step" or (k + 1) % per_epoch == 0:
            if metric is None:
                sched.step()
            else:
                sched.step(metric[j])
            j += 1
    return columns


def main() -> int:
    all_cases = cases()
    keep = "hf-" if transformers is None else None  # without transformers: leave them
    if transformers is not None:
        all_cases += hf_cases()
    else:
        print("transformers is not installed: the hf-* files are left as they are")
    names = [c["name"] for c in all_cases]
    if len(set(names)) != len(names):
        raise SystemExit("duplicate case names")
    FOLDER.mkdir(parents=True, exist_ok=True)
    for old in FOLDER.glob("*.csv"):
        if old.stem not in names and not (keep and old.stem.startswith(keep)):
            old.unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for c in all_cases:
            try:
                columns = run(c)
            except ValueError as err:
                raise SystemExit(f"{c['name']}: torch raised {err}") from None
            golden_io.write(FOLDER / f"{c['name']}.csv", c["spec"], columns)
    hf = "" if transformers is None else f", transformers {transformers.__version__}"
    print(f"wrote {len(all_cases)} golden files to {FOLDER} (torch {torch.__version__}{hf})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
