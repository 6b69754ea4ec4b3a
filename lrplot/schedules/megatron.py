"""Megatron's ``OptimizerParamScheduler`` (megatron-core 0.19.2,
``megatron/core/optimizer_param_scheduler.py``), as the schedule ``megatron``.

It is not a ``torch.optim`` scheduler: Megatron-LM's training loop calls
``opt_param_scheduler.step(increment=global_batch_size)`` after every iteration's
optimizer step, and the constructor calls ``step(0)``. So the scheduler counts
*samples* (``num_steps``), and every length it takes is in samples: Megatron-LM's
``get_optimizer_param_scheduler`` multiplies the ``--*-iters`` flags by the global
batch size (``--*-samples`` are used as they are). Here the lengths are the
scheduler's own (``lr_warmup_steps``, ``lr_decay_steps``, ``wsd_decay_steps``) and
``increment`` is what one iteration adds (the global batch size; 1 when the lengths
count iterations). Row k, the LR iteration k uses, is ``get_lr()`` at
``num_steps = k * increment``; the run's lr is ``max_lr``.

``get_lr`` (one param group, no per-group overrides), with n = num_steps, W =
lr_warmup_steps (a float when it comes from ``--lr-warmup-fraction``), D =
lr_decay_steps::

    if W > 0 and n <= W: init_lr + (max_lr - init_lr) * float(n) / float(W)
    constant:            max_lr
    n > D:               min_lr
    inverse-square-root: max(min_lr, max_lr * max(W, 1)**0.5 / max(n, 1)**0.5)
    else: r = float(n - W) / float(D - W), delta = max_lr - min_lr,
          min_lr + coeff * delta, coeff = 1 - r (linear), 0.5 * (cos(pi r) + 1) (cosine),
          WSD: 1 while n <= D - S, then with q = float(n - (D - S)) / float(S):
          2 * 0.5**q - 1 (exponential), 1 - q (linear), 0.5 * (cos(pi q) + 1) (cosine),
          1 - sqrt(q) (minus_sqrt)

Each branch is evaluated over the whole array of iterations with numpy in that
operation order on doubles (``np.cos`` and ``np.sqrt`` give ``math``'s bits; Python's
``**`` and ``math.pow`` are C's pow, applied element-wise with ``math.pow``, as numpy's
power rounds differently), so a long run costs a few array passes. The
constructor's asserts (min_lr >= 0, init_lr <= max_lr >= min_lr, D > 0, W < D, WSD
needs S) are one-line errors here. Weight-decay increments (``get_wd``) and
per-group ``max_lr``/``min_lr`` overrides (``--decoupled-lr``) are not modelled.
tests/test_megatron.py checks it against traces recorded from the real class
(tools/goldens_megatron.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from ..engine import RunSettings, Trace
else:
    from .._lazy import np

from ..params import CHOICE, FLOAT, INT, Param, ParamError
from .base import schedule
from .declare import Emit, Explain, Stepping
from .rules import Finding, Part, num

LISTING = 40  # after transformers' and timm's

DECAY_STYLES = ("linear", "constant", "cosine", "inverse-square-root", "wsd")
WSD_STYLES = ("exponential", "linear", "cosine", "minus_sqrt")

PARAMS = (
    Param(
        "lr_decay_style",
        CHOICE,
        "the decay after the warmup (Megatron --lr-decay-style; WSD is wsd)",
        "linear",
        choices=DECAY_STYLES,
    ),
    Param(
        "lr_warmup_steps",
        FLOAT,
        "warmup length in scheduler units (samples in Megatron: --lr-warmup-iters x global "
        "batch, --lr-warmup-samples, or --lr-warmup-fraction x lr_decay_steps)",
        0.0,
        low=0,
    ),
    Param(
        "lr_decay_steps",
        INT,
        "where the decay ends, in scheduler units from the start (Megatron: --lr-decay-iters x "
        "global batch, or --lr-decay-samples); default: the run's iterations x increment",
        None,
        low=1,
    ),
    Param(
        "wsd_decay_steps",
        INT,
        "WSD: the length of the final anneal, in scheduler units (--lr-wsd-decay-iters x "
        "global batch, or --lr-wsd-decay-samples)",
        None,
        low=0,
    ),
    Param(
        "lr_wsd_decay_style",
        CHOICE,
        "WSD: the shape of the final anneal (Megatron --lr-wsd-decay-style)",
        "exponential",
        choices=WSD_STYLES,
    ),
    Param("init_lr", FLOAT, "the LR the warmup starts from (--lr-warmup-init)", 0.0, low=0),
    Param("min_lr", FLOAT, "the LR the decay ends at, and holds after (--min-lr)", 0.0, low=0),
    Param(
        "increment",
        INT,
        "scheduler units per iteration: step(increment) after each one (Megatron: the "
        "global batch size; 1 when the lengths count iterations)",
        1,
        low=1,
    ),
)


def _check(values: Mapping[str, Any]) -> None:
    """OptimizerParamScheduler's asserts that need no run."""
    w, d = values["lr_warmup_steps"], values["lr_decay_steps"]
    if d is not None and not w < d:
        raise ParamError(
            "lr_warmup_steps",
            f"lr_warmup_steps ({w:g}) must be less than lr_decay_steps ({d}): Megatron asserts it",
        )
    if values["lr_decay_style"] == "wsd" and values["wsd_decay_steps"] is None:
        raise ParamError(
            "wsd_decay_steps",
            "wsd_decay_steps is needed with lr_decay_style wsd (Megatron: --lr-wsd-decay-iters "
            "or --lr-wsd-decay-samples)",
        )


def decay_steps(p: Mapping[str, Any], count: int) -> int:
    """lr_decay_steps, or its default: the run's iterations x increment (Megatron's
    lr_decay_iters defaults to train_iters)."""
    d = p["lr_decay_steps"]
    return count * p["increment"] if d is None else int(d)


def _run_checks(p: Mapping[str, Any], max_lr: float, decay: int) -> None:
    """The constructor's asserts that involve the run's lr (max_lr) or length."""
    if not p["init_lr"] <= max_lr:
        raise ParamError(
            "init_lr",
            f"init_lr ({p['init_lr']:g}) must be at most lr ({max_lr:g}): Megatron asserts it",
        )
    if not max_lr >= p["min_lr"]:
        raise ParamError(
            "min_lr",
            f"min_lr ({p['min_lr']:g}) must be at most lr ({max_lr:g}): Megatron asserts it",
        )
    if not p["lr_warmup_steps"] < decay:
        raise ParamError(
            "lr_warmup_steps",
            f"lr_warmup_steps ({p['lr_warmup_steps']:g}) must be less than lr_decay_steps "
            f"({decay}, the run's length): Megatron asserts it",
        )


def _pow(base: np.ndarray, exp: np.ndarray) -> np.ndarray:
    """``math.pow`` element-wise (C's pow, as Python's ``**`` and ``math.pow`` are):
    numpy's own power differs in the last bit for about 5% of arguments, and its
    ``x ** 0.5`` is a sqrt, which Python's is not."""
    if not len(base):
        return np.empty(0)
    return np.asarray(np.frompyfunc(math.pow, 2, 1)(base, exp), dtype=float)


def _first_after(limit: float, inc: int) -> int:
    """The first iteration k whose num_steps k * inc is above ``limit`` (k >= 0)."""
    return max(0, math.floor(limit) // inc + 1)


def _units(lo: int, hi: int, inc: int) -> np.ndarray:
    """float(num_steps) of iterations lo .. hi-1: exact (integers below 2**53)."""
    return np.arange(lo, hi, dtype=float) * float(inc)


def _coeff(p: Mapping[str, Any], lo: int, hi: int, w: float, d: int) -> np.ndarray:
    """The decay coefficient of iterations lo .. hi-1 (W < num_steps <= D)."""
    inc, style = int(p["increment"]), p["lr_decay_style"]
    if style != "wsd":
        ratio = _units(lo, hi, inc)
        ratio -= w
        ratio /= float(d) - w  # float(num_steps_) / float(decay_steps_)
        if style == "linear":
            return 1.0 - ratio
        ratio *= math.pi
        return 0.5 * (np.cos(ratio) + 1.0)
    s = int(p["wsd_decay_steps"])
    start = d - s  # wsd_anneal_start_: coeff 1 up to it
    coeff = np.ones(hi - lo)
    late = min(hi, max(lo, _first_after(start, inc)))
    if late == hi:
        return coeff
    q = _units(late, hi, inc)
    q -= float(start)
    q /= float(s)  # float(wsd_steps) / float(wsd_decay_steps)
    wsd, tail = p["lr_wsd_decay_style"], coeff[late - lo :]
    if wsd == "linear":
        tail[:] = 1.0 - q
    elif wsd == "cosine":
        tail[:] = 0.5 * (np.cos(math.pi * q) + 1.0)
    elif wsd == "exponential":
        tail[:] = (2.0 * _pow(np.full(len(q), 0.5), q)) - 1.0
    else:  # minus_sqrt
        tail[:] = 1.0 - np.sqrt(q)
    return coeff


def megatron_lr(count: int, max_lr: float, p: Mapping[str, Any]) -> np.ndarray:
    """get_lr() before iteration k, k = 0 .. count-1 (num_steps = k * increment).

    num_steps grows with k, so the branches are stretches of iterations: the warmup
    (num_steps <= W), the decay (up to D), then min_lr."""
    max_lr = float(max_lr)
    d = decay_steps(p, count)
    _run_checks(p, max_lr, d)
    init, low, w = float(p["init_lr"]), float(p["min_lr"]), float(p["lr_warmup_steps"])
    inc = int(p["increment"])
    out = np.empty(count)
    warm = min(count, _first_after(w, inc)) if w > 0 else 0
    if warm:
        ramp = _units(0, warm, inc)
        ramp *= max_lr - init
        ramp /= w
        ramp += init
        out[:warm] = ramp  # init + (max_lr - init) * float(n) / float(W)
    style = p["lr_decay_style"]
    if style == "constant":
        out[warm:] = max_lr
        return out
    end = max(warm, min(count, _first_after(d, inc)))  # num_steps > D: min_lr
    out[end:] = low
    if end == warm:
        return out
    if style == "inverse-square-root":
        top = max_lr * max(w, 1.0) ** 0.5
        root = _pow(np.maximum(_units(warm, end, inc), 1.0), np.full(end - warm, 0.5))
        lr = top / root
        out[warm:end] = np.where(lr > low, lr, low)  # Python's max(min_lr, lr)
        return out
    coeff = _coeff(p, warm, end, w, d)
    coeff *= max_lr - low
    coeff += low
    out[warm:end] = coeff  # min_lr + coeff * delta_lr
    return out


# --- its check rule ------------------------------------------------------------------


def decay_in_run(part: Part, settings: RunSettings, trace: Trace) -> list[Finding]:
    """A decay that ends before the run (the LR then sits at min_lr) or after it (the
    run never gets down to min_lr)."""
    p, n = part.values, part.length
    if p["lr_decay_style"] in ("constant", "inverse-square-root") or p["lr_decay_steps"] is None:
        return []
    inc, d = p["increment"], p["lr_decay_steps"]
    run = n * inc
    last = (n - 1) * inc  # num_steps of the last iteration
    if last <= d <= run:
        return []  # it ends at the last iteration, or within it (Megatron's default)
    fix = (
        f"set {part.option('lr_decay_steps', run)} (Megatron: leave --lr-decay-iters out, "
        "it defaults to --train-iters)"
    )
    if d < last:
        flat = n - 1 - d // inc
        message = (
            f"{part.subject} ends its decay at iteration {d // inc} of {n} (lr_decay_steps "
            f"{d}, increment {inc}): the LR then stays at min_lr ({num(p['min_lr'])}) for the "
            f"last {flat} iterations: {fix}"
        )
    else:
        message = (
            f"{part.subject} decays over lr_decay_steps {d}, more than the run's {run} ({n} "
            f"iterations x increment {inc}): it never reaches min_lr ({num(p['min_lr'])}) "
            f"and ends at {num(part.lr(trace)[-1])}: {fix}"
        )
    return [Finding("megatron-decay", message, "lr_decay_steps")]


# --- --emit megatron: the flags of the same run --------------------------------------------

_MEGATRON_STYLE = {"wsd": "WSD"}  # lrplot's lr_decay_style -> Megatron's, where they differ


def megatron_flags(trace: Trace) -> list[str]:
    """Megatron-LM's flags for the run (lines of an args file): iteration-based when every
    length is a whole number of iterations, else sample-based. ValueError when Megatron
    cannot run it (a warmup of lrplot's own, a per-epoch run)."""
    s, run = trace.schedule, trace.settings
    if s.warmup is not None:
        raise ValueError("lrplot's --warmup has no Megatron flag (use --lr-warmup-steps)")
    if run.interval != "step" and run.steps_per_epoch > 1:
        raise ValueError("Megatron steps its scheduler every iteration: use --interval step")
    p, n = s.values, run.scheduler_steps
    inc, w = int(p["increment"]), float(p["lr_warmup_steps"])
    d = p["lr_decay_steps"]
    wsd = p["wsd_decay_steps"] if p["lr_decay_style"] == "wsd" else None
    style = p["lr_decay_style"]
    lines = [
        f"--lr {run.lr!r}",
        f"--lr-decay-style {_MEGATRON_STYLE.get(style, style)}",
    ]
    if p["min_lr"]:
        lines.append(f"--min-lr {float(p['min_lr'])!r}")
    if p["init_lr"]:
        lines.append(f"--lr-warmup-init {float(p['init_lr'])!r}")
    if wsd is not None:
        lines.append(f"--lr-wsd-decay-style {p['lr_wsd_decay_style']}")
    decay = n * inc if d is None else int(d)
    fraction = None  # --lr-warmup-fraction: Megatron multiplies it by lr_decay_steps
    if w and (not w.is_integer() or w % inc):
        f = w / decay
        fraction = f if f * decay == w else None
    if w and not w.is_integer() and fraction is None:
        raise ValueError(
            f"lr_warmup_steps {w:g} is not whole samples, nor a fraction of lr_decay_steps "
            f"{decay} that Megatron multiplies back exactly"
        )
    # iteration-based when every length is whole iterations (a warmup by its fraction)
    lengths = (d, wsd) if fraction is not None else (d, wsd, w)
    whole = all(v is None or v % inc == 0 for v in lengths)
    if not whole and w.is_integer():
        fraction = None  # sample-based: the warmup in samples
    unit, scale = ("iters", inc) if whole else ("samples", 1)
    lines.append(f"--global-batch-size {inc}")
    lines.append(f"--train-{unit} {n * inc // scale}")
    if d is not None:
        lines.append(f"--lr-decay-{unit} {int(d) // scale}")
    if fraction is not None:
        lines.append(f"--lr-warmup-fraction {fraction!r}")
    elif w:
        lines.append(f"--lr-warmup-{unit} {int(w) // scale}")
    if wsd is not None:
        lines.append(f"--lr-wsd-decay-{unit} {int(wsd) // scale}")
    return lines


MEGATRON_STEPPING = Stepping(
    "Once per iteration, after the optimizer step: Megatron-LM's train_step calls "
    "opt_param_scheduler.step(increment=global_batch_size), so the scheduler counts samples; "
    "its constructor calls step(0). Row k is the LR of iteration k (num_steps = k x "
    "increment; lrplot: --interval step).",
    "        opt_param_scheduler.step(increment=global_batch_size)  # samples",
)

EXPLAIN = Explain(
    MEGATRON_STEPPING,
    (
        "--lr-warmup-fraction is a fraction of the decay (lr_decay_iters, which defaults to "
        "train_iters), not of --train-iters: with --lr-decay-iters shorter than the run, the "
        "warmup is shorter too.",
        "Megatron counts samples: --lr-warmup-iters, --lr-decay-iters and "
        "--lr-wsd-decay-iters are multiplied by --global-batch-size, while the *-samples "
        "flags are samples already; mixing the two kinds is refused by Megatron's argument "
        "checks.",
        "With sample counts, the LR moves in whole iterations: a warmup of samples that the "
        "global batch size does not divide ends part way into an iteration (lrplot rows are "
        "iterations, at num_steps = k x global batch).",
        "inverse-square-root is lr x sqrt(W / n) after the warmup, held at min_lr from "
        "below; past lr_decay_steps (--lr-decay-iters, by default --train-iters) it is "
        "min_lr, as every decaying style is.",
        "WSD needs --lr-wsd-decay-iters (or -samples): the stable phase is everything "
        "between the warmup and the final anneal, which ends at --lr-decay-iters.",
        "Past lr_decay_steps the LR is min_lr (constant stays at lr).",
    ),
    notes=(
        "lrplot run reads a Megatron launch script or args file: "
        "lrplot run pretrain.sh --format megatron.",
        "Batch-size rampup (--rampup-batch-size) changes the increment from iteration to "
        "iteration; lrplot refuses it. Weight-decay increments are not shown.",
    ),
)


@schedule(
    "megatron",
    "OptimizerParamScheduler",
    "Megatron's OptimizerParamScheduler: linear warmup from init_lr, then constant, "
    "linear, cosine, inverse-square-root or WSD decay to min_lr, counted in samples",
    "lr = init + (lr0 - init) n/W while n <= W; then min_lr + coeff(r) (lr0 - min_lr), "
    "r = (n - W)/(D - W), n = k x increment",
    PARAMS,
    aliases=("optimizer-param-scheduler", "megatron-core"),
    example="--lr-decay-style cosine --lr-warmup-steps 10 --min-lr 0.01 --epochs 100",
    check=_check,
    library="megatron.core.optimizer_param_scheduler",
    explain=EXPLAIN,
    lint=(decay_in_run,),
    known_as={"megatron": "OptimizerParamScheduler"},
    emit=Emit(
        torch="",
        no_torch="Megatron's OptimizerParamScheduler, not a torch.optim.lr_scheduler class",
        megatron=megatron_flags,
    ),
)
def _megatron(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    return megatron_lr(count, base_lr, p)
