"""DeepSpeed's own schedulers (``deepspeed/runtime/lr_schedules.py``, deepspeed 0.19.8):
WarmupLR, WarmupDecayLR, WarmupCosineLR, OneCycle and LRRangeTest, as ``ds-*``.

Everything lrplot knows about them is declared here: parameters (DeepSpeed's names,
as a ds_config.json ``"scheduler": {"type": ..., "params": {...}}`` spells them), the
LR (and OneCycle's momentum), what ``explain`` says, what DeepSpeed calls them
(``known_as["deepspeed"]``: the config reader lrplot.frameworks.deepspeed and
``--emit deepspeed`` ask it).

How DeepSpeed runs them (``runtime/engine.py``): the engine builds the scheduler
when it is initialised, with ``last_batch_iteration=-1``, and calls
``lr_scheduler.step()`` in ``engine.step()`` after ``optimizer.step()`` at every
gradient-accumulation boundary (skipped when fp16 overflows: that step is not
counted). So row k (the LR optimizer step k uses) is the LR after k calls to
``step()``, and ``step()`` k sets ``last_batch_iteration = k - 1``:

* the constructors set the LR of row 0 without stepping: WarmupLR/WarmupDecayLR
  ``warmup_min_lr`` (``get_lr`` at -1), WarmupCosineLR 0.0 (its ``get_lr`` at -1),
  OneCycle ``cycle_min_lr`` (and beta1 ``cycle_min_mom``), LRRangeTest
  ``lr_range_test_min_lr``;
* the warmups then compute ``gamma`` at ``last_batch_iteration`` = k - 1: a log warmup
  gives 0 at the first step, so rows 0 and 1 both have the start LR;
* ``warmup_num_steps`` is clamped to at least 2 (``max(2, warmup_num_steps)``): with
  1 the warmup still takes 2 steps (and log(1) would divide by 0).

Exactness: the same float operations in the same order, over all steps at once;
``math.log`` is called for each warmup step (numpy's log may round differently),
the cosine is ``np.cos`` (math.cos's bits, as in lrplot's other cosines).
tests/test_deepspeed.py checks every case of tests/golden/ds-*.csv, recorded from
the real module by tools/goldens_deepspeed.py.

They have no emulator (DeepSpeed takes one scheduler, not a composition): they cannot
be children of sequential/chained, and lrplot's ``--warmup`` is refused on them.
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

from ..params import BOOL, CHOICE, FLOAT, INT, Param
from .base import schedule
from .declare import Emit, Explain, Stepping
from .rules import Finding, Part, num

LISTING = 45  # after transformers' and timm's schedules

LIBRARY = "deepspeed.runtime.lr_schedules"
LONGEST = 10**15

# --- parameters (DeepSpeed's names and defaults: the classes', not argparse's) ----------


def _warmup_min_lr() -> Param:
    return Param("warmup_min_lr", FLOAT, "the LR at the start of the warmup", 0.0, low=0)


def _warmup_num_steps() -> Param:
    return Param(
        "warmup_num_steps",
        INT,
        "optimizer steps of the warmup (DeepSpeed uses at least 2: max(2, warmup_num_steps))",
        1000,
        low=1,
        high=LONGEST,
        length=True,
    )


def _warmup_type() -> Param:
    return Param(
        "warmup_type",
        CHOICE,
        "the warmup's curve: log (log(n + 1) / log(W)) or linear (n / W)",
        "log",
        choices=("log", "linear"),
    )


def _total_num_steps() -> Param:
    return Param(
        "total_num_steps",
        INT,
        "optimizer steps of the whole run, warmup included (DeepSpeed requires it; "
        "default here: the run's steps)",
        None,
        low=1,
        high=LONGEST,
        length=True,
    )


_NO_WARMUP = (
    "DeepSpeed's schedulers have their own warmup (warmup_num_steps) and a ds_config "
    "holds one scheduler: give the warmup there, not lrplot's --warmup"
)
_NO_TORCH = (
    "DeepSpeed's {torch_class} (deepspeed.runtime.lr_schedules), not a torch.optim.lr_scheduler "
    "class: --emit deepspeed writes its ds_config"
)

DS_STEPPING = Stepping(
    "The DeepSpeed engine steps it itself: engine.step() calls lr_scheduler.step() after "
    "optimizer.step(), once per gradient-accumulation boundary, so its lengths count "
    "optimizer steps (lrplot: --interval step). A step skipped on fp16 overflow does not "
    "step the scheduler either (lrplot assumes none).",
    "        # DeepSpeed: model_engine.backward(loss), model_engine.step()\n"
    "        # instead; its step() calls lr_scheduler.step() itself",
)
_OVERFLOW = (
    "With fp16 and dynamic loss scaling, every step that overflows is skipped and does not "
    "step the scheduler: the schedule runs later than the step count by the number of "
    "skipped steps (a few, early in training). lrplot shows the run without overflows."
)
_HF_OVERRIDES = (
    'Under the HF Trainer (deepspeed=ds_config.json), a ds_config "scheduler" replaces '
    "lr_scheduler_type: DeepSpeed builds and steps it, the Trainer's own is never made "
    "(accelerate's DeepSpeedSchedulerWrapper.step() does nothing: the engine steps it)."
)
_ROW1 = (
    "Row 0 is the LR the constructor sets (warmup_min_lr); the first step() computes "
    "last_batch_iteration 0, where the log warmup gives log(1) = 0 and the linear one "
    "0 / W: the first two optimizer steps both use warmup_min_lr (0 by default: they "
    "do nothing)."
)
_CLAMP = (
    "warmup_num_steps below 2 counts as 2 (max(2, warmup_num_steps)); 0 or a non-integer "
    "is a ValueError in deepspeed >= 0.19.6."
)


def _ramp(lbi: np.ndarray, w: int, kind: str) -> np.ndarray:
    """``_get_gamma`` in the warmup (``last_batch_iteration`` < W)."""
    if kind == "log":
        inverse = 1.0 / math.log(w)
        logs = np.fromiter(map(math.log, (lbi + 1).tolist()), float, len(lbi))
        return inverse * logs
    return lbi / w  # int / int: one correctly rounded division, as Python's


def _iterations(count: int) -> np.ndarray:
    """``last_batch_iteration`` after each of steps 1 .. count-1 (row k: k - 1)."""
    return np.arange(max(count - 1, 0), dtype=np.int64)


def _warmup_lr(
    count: int, p: Mapping[str, Any], max_lr: float, decay_total: int | None
) -> np.ndarray:
    """WarmupLR (decay_total None) and WarmupDecayLR: min_lr + delta_lr * gamma."""
    w = max(2, p["warmup_num_steps"])
    min_lr = float(p["warmup_min_lr"])
    delta = max_lr - min_lr
    lbi = _iterations(count)
    gamma = np.ones(len(lbi))
    ramp = lbi < w
    gamma[ramp] = _ramp(lbi[ramp], w, p["warmup_type"])
    if decay_total is not None:
        after = ~ramp
        span = float(max(1.0, decay_total - w))
        gamma[after] = np.maximum(0.0, (decay_total - lbi[after]).astype(float) / span)
    out = np.empty(count)
    out[0] = min_lr
    out[1:] = min_lr + delta * gamma
    return out


def _total(p: Mapping[str, Any], count: int) -> int:
    total = p["total_num_steps"]
    return count if total is None else int(total)


# --- WarmupLR -------------------------------------------------------------------------------


def _zero_warmup(p: Mapping[str, Any], lr: float) -> tuple[str, str] | None:
    if p.get("warmup_min_lr"):
        return None
    return (
        "DeepSpeed's warmup starts at warmup_min_lr = 0, and steps 0 and 1 both use it",
        "set --warmup-min-lr above 0 (e.g. a tenth of the peak)",
    )


@schedule(
    "ds-warmup",
    "WarmupLR",
    "DeepSpeed's WarmupLR: warm up from warmup_min_lr to warmup_max_lr (default: the "
    "optimizer's lr) over warmup_num_steps, log or linear, then hold",
    "lr = min + (max - min) * g, g = log(n + 1) / log(W) (log) or n / W (linear) while "
    "n < W, then 1; n = step - 1, W = max(2, warmup_num_steps); lr(0) = min",
    (
        _warmup_min_lr(),
        Param(
            "warmup_max_lr",
            FLOAT,
            "the LR at the end of the warmup (default: the optimizer's lr, --lr)",
            None,
            low=0,
        ),
        _warmup_num_steps(),
        _warmup_type(),
    ),
    aliases=("warmuplr", "ds-warmuplr"),
    example="--warmup-num-steps 50 --warmup-type linear --lr 0.001 --epochs 100",
    library=LIBRARY,
    explain=Explain(
        DS_STEPPING,
        (
            _ROW1,
            'warmup_max_lr left out is the optimizer\'s lr ("optimizer": {"params": '
            '{"lr": ...}}); given, it replaces it.',
            "The default warmup_type is log, not linear: the LR rises fast at first, then "
            "slowly (half the way after sqrt(W) steps).",
            _CLAMP,
            _OVERFLOW,
        ),
        notes=(_HF_OVERRIDES,),
    ),
    zero_start=_zero_warmup,
    known_as={"deepspeed": "WarmupLR"},
    emit=Emit(torch="", no_torch=_NO_TORCH),
    no_warmup=_NO_WARMUP,
)
def _ds_warmup(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    top = p["warmup_max_lr"]
    return _warmup_lr(count, p, float(base_lr) if top is None else float(top), None)


# --- WarmupDecayLR ---------------------------------------------------------------------------


def total_in_run(part: Part, settings: RunSettings, trace: Trace) -> list[Finding]:
    """total_num_steps other than the run's steps: the decay ends early or never."""
    total = part.values["total_num_steps"]
    n = part.length
    if total is None or total == n:
        return []
    lr = part.lr(trace)
    if total < n:
        then = f"the LR reaches its end at step {total} and stays at {num(lr[-1])}"
    else:
        then = f"the decay is cut off at LR {num(lr[-1])}"
    return [
        Finding(
            "ds-total-steps",
            f"{part.subject} total_num_steps {total} is not {part.span}: {then}; set "
            f"{part.option('total_num_steps', n)} (HF's \"auto\" fills the run's steps)",
            "total_num_steps",
        )
    ]


@schedule(
    "ds-warmup-decay",
    "WarmupDecayLR",
    "DeepSpeed's WarmupDecayLR: WarmupLR's warmup to warmup_max_lr (its own default "
    "0.001, which replaces the optimizer's lr), then a linear decay to warmup_min_lr "
    "at total_num_steps; sets the LR itself",
    "lr = min + (max - min) * g: the warmup of ds-warmup while n < W, then "
    "g = max(0, (T - n) / max(1, T - W)); n = step - 1",
    (
        _total_num_steps(),
        _warmup_min_lr(),
        Param(
            "warmup_max_lr",
            FLOAT,
            "the LR at the end of the warmup (DeepSpeed's default 0.001 replaces the "
            "optimizer's lr)",
            0.001,
            low=0,
        ),
        _warmup_num_steps(),
        _warmup_type(),
    ),
    aliases=("warmupdecaylr",),
    example="--total-num-steps 200 --warmup-num-steps 20 --warmup-max-lr 0.01 --epochs 200",
    sets_lr=True,
    library=LIBRARY,
    explain=Explain(
        DS_STEPPING,
        (
            "warmup_max_lr defaults to 0.001 and then replaces the optimizer's lr: a "
            'config with "optimizer": {"params": {"lr": 3e-4}} and no warmup_max_lr '
            'trains at 0.001 (deepspeed #7303). Give warmup_max_lr (HF: "auto").',
            "The decay goes down to warmup_min_lr at total_num_steps (0 by default), "
            "then stays there: total_num_steps must be the run's optimizer steps, after "
            "gradient accumulation.",
            _ROW1,
            _CLAMP,
            _OVERFLOW,
        ),
        notes=(_HF_OVERRIDES,),
    ),
    lint=(total_in_run,),
    run_length=("total_num_steps",),
    zero_start=_zero_warmup,
    known_as={"deepspeed": "WarmupDecayLR"},
    emit=Emit(torch="", no_torch=_NO_TORCH, run_defaults=("total_num_steps",)),
    no_warmup=_NO_WARMUP,
)
def _ds_warmup_decay(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    return _warmup_lr(count, p, float(p["warmup_max_lr"]), _total(p, count))


# --- WarmupCosineLR --------------------------------------------------------------------------


def _ratio(name: str, help: str, default: float) -> Param:
    return Param(name, FLOAT, help, default, low=0)


def _zero_cosine(p: Mapping[str, Any], lr: float) -> tuple[str, str] | None:
    return (
        "WarmupCosineLR's constructor sets the LR to 0.0 before its first step",
        "unavoidable with WarmupCosineLR (one step: harmless in a long run)",
    )


@schedule(
    "ds-warmup-cosine",
    "WarmupCosineLR",
    "DeepSpeed's WarmupCosineLR: the optimizer's lr times a ratio that warms up from "
    "warmup_min_ratio to 1 over warmup_num_steps, then follows a half cosine down to "
    "cos_min_ratio at total_num_steps",
    "lr = lr0 * r: r = wmin + (1 - wmin) * g (g as ds-warmup) while n < W, then "
    "r = max(0, cmin + (1 - cmin) * (1 + cos(pi * min(1, (n - W + 1) / max(1, T - W)))) / 2); "
    "n = step - 1; lr(0) = 0",
    (
        _total_num_steps(),
        _ratio("warmup_min_ratio", "the ratio of the optimizer's lr the warmup starts at", 0.0),
        _warmup_num_steps(),
        _ratio("cos_min_ratio", "the ratio of the optimizer's lr the cosine ends at", 0.0001),
        _warmup_type(),
    ),
    aliases=("warmupcosinelr",),
    example="--total-num-steps 200 --warmup-num-steps 20 --warmup-type linear --lr 0.001 "
    "--epochs 200",
    library=LIBRARY,
    explain=Explain(
        DS_STEPPING,
        (
            'It scales the optimizer\'s lr ("optimizer": {"params": {"lr": ...}}) by a '
            "ratio: it takes warmup_min_ratio and cos_min_ratio, not warmup_min_lr or "
            "warmup_max_lr.",
            "Row 0 is 0.0 (its constructor's get_lr before any step), whatever "
            "warmup_min_ratio is: the first optimizer step does nothing.",
            "The default cos_min_ratio is 0.0001 and the default warmup_type is log.",
            "total_num_steps must be the run's optimizer steps; past it the ratio stays "
            "at cos_min_ratio.",
            _CLAMP,
            _OVERFLOW,
        ),
        notes=(_HF_OVERRIDES,),
    ),
    lint=(total_in_run,),
    run_length=("total_num_steps",),
    zero_start=_zero_cosine,
    known_as={"deepspeed": "WarmupCosineLR"},
    emit=Emit(torch="", no_torch=_NO_TORCH, run_defaults=("total_num_steps",)),
    no_warmup=_NO_WARMUP,
)
def _ds_warmup_cosine(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    total = _total(p, count)
    w = max(2, p["warmup_num_steps"])
    lbi = _iterations(count)
    ratio = np.empty(len(lbi))
    ramp = lbi < w
    wmin = float(p["warmup_min_ratio"])
    ratio[ramp] = wmin + _ramp(lbi[ramp], w, p["warmup_type"]) * (1.0 - wmin)
    after = ~ramp
    real_last = lbi[after] - w + 1
    real_total = max(1, total - w)
    progress = np.minimum(1.0, real_last / real_total)
    cmin = float(p["cos_min_ratio"])
    cosine = (1 + np.cos(math.pi * progress)) / 2
    ratio[after] = np.maximum(0.0, cmin + (1.0 - cmin) * cosine)
    out = np.empty(count)
    out[0] = 0.0
    out[1:] = float(base_lr) * ratio
    return out


# --- OneCycle --------------------------------------------------------------------------------


def _shape(p: Mapping[str, Any]) -> tuple[float, float, float, int, int]:
    """_initialize_cycle: (first, second, total) as floats, and the stair counts."""
    first = float(p["cycle_first_step_size"])
    second = first if p["cycle_second_step_size"] is None else float(p["cycle_second_step_size"])
    stairs1 = p["cycle_first_stair_count"]
    stairs2 = stairs1 if p["cycle_second_stair_count"] is None else p["cycle_second_stair_count"]
    return first, second, first + second, stairs1, stairs2


def _scale(bi: np.ndarray, p: Mapping[str, Any]) -> np.ndarray:
    """``_get_scale_factor`` at batch_iteration ``bi`` (= last_batch_iteration + 1)."""
    first, second, total, stairs1, stairs2 = _shape(p)
    ratio = first / total
    q = bi / total
    cycle = np.floor(1 + q)
    x = 1.0 + q - cycle
    up = x <= ratio
    with np.errstate(divide="ignore", invalid="ignore"):  # ratio == 1 with no second half
        scale = np.where(up, x / ratio, (x - 1) / (ratio - 1))
    stairs = np.where(up, stairs1, stairs2)
    if stairs1 > 0 or stairs2 > 0:
        ci = np.mod(bi.astype(float), total)
        with np.errstate(divide="ignore", invalid="ignore"):
            pos = np.where(ci <= first, ci * stairs / first, (total - ci) * stairs / second)
            stair = np.floor(pos) / stairs
        scale = np.where(stairs > 0, stair, scale)
    return scale


def _decays(p: Mapping[str, Any], rate: str) -> bool:
    """DeepSpeed decays after the cycle unless decay_step_size or the rate is ~0."""
    return not (math.isclose(p["decay_step_size"], 0) or math.isclose(p[rate], 0))


def _onecycle_curve(count: int, p: Mapping[str, Any], momentum: bool) -> np.ndarray:
    _, _, total, _, _ = _shape(p)
    lbi = _iterations(count)
    out = np.empty(count)
    if momentum:
        low, high, rate = p["cycle_min_mom"], p["cycle_max_mom"], "decay_mom_rate"
        out[0] = low  # the constructor writes cycle_min_mom into beta1
    else:
        low, high, rate = p["cycle_min_lr"], p["cycle_max_lr"], "decay_lr_rate"
        out[0] = low
    low, high = float(low), float(high)
    rows = out[1:]
    cycling = lbi < total
    scale = _scale(lbi[cycling] + 1, p)
    if momentum:
        rows[cycling] = high - (high - low) * scale
    else:
        rows[cycling] = low + (high - low) * scale
    after = ~cycling
    if not _decays(p, rate):
        rows[after] = high if momentum else low
    else:
        interval = (lbi[after] - total + 1) / p["decay_step_size"]
        factor = 1 + p[rate] * interval
        rows[after] = high * factor if momentum else low / factor
    return out


def _onecycle_momentum(
    count: int, base_lr: float, p: Mapping[str, Any], metric: Any
) -> np.ndarray | None:
    return _onecycle_curve(count, p, momentum=True) if p["cycle_momentum"] else None


def _mom(name: str, help: str, default: float) -> Param:
    return Param(name, FLOAT, help, default, low=0, high=1)


def _stairs(name: str, help: str, default: int | None) -> Param:
    return Param(name, INT, help, default)  # 0 or less: no stairs (argparse's default is -1)


@schedule(
    "ds-onecycle",
    "OneCycle",
    "DeepSpeed's OneCycle: up from cycle_min_lr to cycle_max_lr, back down (optionally "
    "in stairs), then decay below cycle_min_lr every decay_step_size steps; beta1 cycles "
    "the other way; sets the LR itself",
    "s = x / r up, (x - 1) / (r - 1) down, x = fraction of the cycle at step n + 1; "
    "lr = min + (max - min) * s; after the cycle lr = min / (1 + decay_lr_rate * d / "
    "decay_step_size), d = steps since it ended",
    (
        Param("cycle_min_lr", FLOAT, "the LR at the start and end of the cycle", low=0),
        Param("cycle_max_lr", FLOAT, "the LR at the top of the cycle", low=0),
        Param("decay_lr_rate", FLOAT, "the decay after the cycle (0: hold cycle_min_lr)", 0.0),
        Param(
            "cycle_first_step_size",
            INT,
            "optimizer steps of the rising half",
            2000,
            low=1,
            high=LONGEST,
            length=True,
        ),
        Param(
            "cycle_second_step_size",
            INT,
            "optimizer steps of the falling half (default: cycle_first_step_size)",
            None,
            low=0,
            high=LONGEST,
            length=True,
        ),
        _stairs(
            "cycle_first_stair_count",
            "stairs of the rising half (0 or less: a straight line)",
            0,
        ),
        _stairs(
            "cycle_second_stair_count",
            "stairs of the falling half (default: cycle_first_stair_count)",
            None,
        ),
        Param(
            "decay_step_size",
            INT,
            "steps per unit of decay after the cycle (0: no decay)",
            0,
            low=0,
            high=LONGEST,
            length=True,
        ),
        Param(
            "cycle_momentum",
            BOOL,
            "also cycle beta1 (Adam-style optimizers with betas), inversely to the LR",
            True,
        ),
        _mom("cycle_min_mom", "beta1 at the top of the cycle (and at step 0)", 0.8),
        _mom("cycle_max_mom", "beta1 at the start and end of the cycle", 0.9),
        Param("decay_mom_rate", FLOAT, "beta1's growth after the cycle (0: hold)", 0.0),
    ),
    aliases=("ds-one-cycle",),
    example="--cycle-min-lr 0.001 --cycle-max-lr 0.01 --cycle-first-step-size 40 "
    "--decay-lr-rate 0.5 --decay-step-size 10 --epochs 120",
    momentum=_onecycle_momentum,
    sets_lr=True,
    library=LIBRARY,
    explain=Explain(
        DS_STEPPING,
        (
            "It sets the LR itself: the optimizer's lr is replaced by cycle_min_lr at once.",
            "decay_step_size defaults to 0, and 0 turns the decay off: after the cycle "
            "the LR holds cycle_min_lr unless both decay_step_size and decay_lr_rate are set.",
            "cycle_momentum (on by default) writes betas = (beta1, 0.99) into the "
            "optimizer: beta2 becomes 0.99, whatever you set. Optimizers without betas "
            "(SGD) turn it off with a warning.",
            "beta1 is cycle_min_mom at step 0 (the constructor writes it), where the cycle "
            "would give cycle_max_mom; from step 1 on it follows the cycle.",
            "The cycle is cycle_first_step_size + cycle_second_step_size optimizer steps; "
            "the stair counts hold the LR flat in that many stairs per half.",
            _OVERFLOW,
        ),
        notes=(_HF_OVERRIDES,),
    ),
    known_as={"deepspeed": "OneCycle"},
    emit=Emit(torch="", no_torch=_NO_TORCH),
    no_warmup=_NO_WARMUP,
)
def _ds_onecycle(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    return _onecycle_curve(count, p, momentum=False)


# --- LRRangeTest -----------------------------------------------------------------------------


@schedule(
    "ds-lr-range-test",
    "LRRangeTest",
    "DeepSpeed's LRRangeTest: grow the LR linearly from lr_range_test_min_lr, by "
    "lr_range_test_step_rate every lr_range_test_step_size steps (or in stairs), to find "
    "the largest LR that still trains; sets the LR itself",
    "lr = min_lr * (1 + rate * n / size), n / size floored with staircase",
    (
        Param("lr_range_test_min_lr", FLOAT, "the LR it starts at", 1e-3, low=0, low_open=True),
        Param(
            "lr_range_test_step_size",
            INT,
            "optimizer steps per unit of growth",
            2000,
            low=1,
            high=LONGEST,
            length=True,
        ),
        Param("lr_range_test_step_rate", FLOAT, "growth per step_size, times min_lr", 1.0),
        Param(
            "lr_range_test_staircase",
            BOOL,
            "grow in stairs of step_size steps rather than every step",
            False,
        ),
    ),
    aliases=("lrrangetest", "ds-lrrt"),
    example="--lr-range-test-min-lr 0.0001 --lr-range-test-step-size 10 --epochs 100",
    sets_lr=True,
    library=LIBRARY,
    explain=Explain(
        DS_STEPPING,
        (
            "It grows without end: run it only to find an LR (watch the loss), not to train.",
            "It sets the LR itself: the optimizer's lr is replaced by lr_range_test_min_lr.",
            "The growth is linear (min_lr * (1 + rate * n / size)), not exponential.",
            _OVERFLOW,
        ),
    ),
    known_as={"deepspeed": "LRRangeTest"},
    emit=Emit(torch="", no_torch=_NO_TORCH),
    no_warmup=_NO_WARMUP,
)
def _ds_lr_range_test(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    steps = np.arange(count, dtype=np.int64)
    size = p["lr_range_test_step_size"]
    if p["lr_range_test_staircase"]:
        interval = np.floor(steps.astype(float) / size)
    else:
        interval = steps.astype(float) / size
    return float(p["lr_range_test_min_lr"]) * (1 + p["lr_range_test_step_rate"] * interval)
