"""SWALR (``torch.optim.swa_utils.SWALR``): anneal the LR to a fixed swa_lr, for
Stochastic Weight Averaging.

Everything lrplot knows about it is declared here: its parameters, its LR, its
emulator (so it composes: SWALR usually follows a main schedule, ``sequential:
schedulers=[cosine:t_max=75; swa:swa_lr=0.05],milestones=[75]``), what ``explain``
says, its check rule, how ``--emit`` writes it and what Lightning calls it.

What torch 2.13 does (``swa_utils.SWALR``), transliterated by :class:`SWALR` below:
the constructor writes ``group["swa_lr"]`` and takes the usual initial step; each
``get_lr`` works on the group's *current* LR. With ``step = _step_count - 1`` (at
least 1 when anneal_epochs is 0), ``t = clamp(step / max(1, anneal_epochs), 0, 1)``
and ``alpha = (1 - cos(pi * t)) / 2`` (cos) or ``t`` (linear), it first undoes the
previous step, ``lr0 = (lr - alpha' * swa_lr) / (1 - alpha')`` (``swa_lr`` when
alpha' = 1, alpha' from ``step - 1``), then returns ``swa_lr * alpha + lr0 * (1 -
alpha)``. It counts its own ``step()`` calls, not ``last_epoch``: at a SequentialLR
milestone (``_update_lr(0)``, no closed form) it computes step 0 again and keeps the
LR, and anneals from there, from whatever LR the previous schedule left.

Exactness: the same Python float operations in the same order, step after step; once
the anneal is over (step > anneal_epochs) every step gives exactly swa_lr, so the
rest of a run is filled at once.
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

from ..params import CHOICE, FLOAT, INT, Param
from .base import TorchScheduler, schedule
from .declare import Explain, Stepping
from .rules import Finding, Part, num

LISTING = 25  # after the rest of torch.optim.lr_scheduler, before transformers'

PARAMS = (
    Param(
        "swa_lr",
        FLOAT,
        "the LR it anneals to, and then holds (torch: swa_lr, one for all groups)",
        low=0,
        low_open=True,
    ),
    Param(
        "anneal_epochs",
        INT,
        "its own step() calls from the LR it starts at to swa_lr (0: swa_lr at once)",
        10,
        low=0,
        length=True,
    ),
    Param(
        "anneal_strategy",
        CHOICE,
        "the shape of the anneal: cos (half cosine) or linear",
        "cos",
        choices=("cos", "linear"),
    ),
)


def _cosine_anneal(t: float) -> float:
    return (1 - math.cos(math.pi * t)) / 2


def _linear_anneal(t: float) -> float:
    return t


class SWALR(TorchScheduler):
    """torch.optim.swa_utils.SWALR, one param group (see the module's docstring)."""

    def __init__(
        self, group: dict[str, Any], values: Mapping[str, Any], last_epoch: int = -1
    ) -> None:
        group["swa_lr"] = values["swa_lr"]  # shared: a later SWALR on the group overrides it
        strategy = values["anneal_strategy"]
        self.anneal_func = _cosine_anneal if strategy == "cos" else _linear_anneal
        self.anneal_epochs = values["anneal_epochs"]
        super().__init__(group, values, last_epoch)

    @staticmethod
    def _get_initial_lr(lr: float, swa_lr: float, alpha: float) -> float:
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self) -> float:
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        swa_lr = self.group["swa_lr"]
        lr = self._get_initial_lr(self.group["lr"], swa_lr, prev_alpha)
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self.anneal_func(t)
        return swa_lr * alpha + lr * (1 - alpha)

    def advance(self, count: int) -> np.ndarray:
        """Step by step through the anneal; after it every step gives swa_lr exactly
        (alpha' = alpha = 1), whatever the LR was: the rest at once."""
        out = np.empty(count)
        over = max(0, self.anneal_epochs + 2 - self._step_count)  # steps left in the anneal
        done = min(count, over)
        for i in range(done):
            self.step()
            out[i] = self.group["lr"]
        if done < count:
            self.step()  # past the anneal: swa_lr
            out[done:] = self.group["lr"]
            rest = count - done - 1
            self.last_epoch += rest
            self._step_count += rest
        return out


# --- when to step it, and what goes wrong ----------------------------------------------

SWA_STEPPING = Stepping(
    "Once per epoch, and only from the epoch SWA starts (swa_start): before it the main "
    "scheduler steps, from it SWALR does, while the averaged model collects the weights "
    "(swa_model.update_parameters(model)). In lrplot that is sequential with a "
    "milestone at swa_start (interval epoch).",
    "    if epoch >= swa_start:\n"
    "        swa_model.update_parameters(model)\n"
    "        swa_scheduler.step()        # SWALR, from swa_start on\n"
    "    else:\n"
    "        scheduler.step()            # the main schedule before it",
)

EXPLAIN = Explain(
    SWA_STEPPING,
    (
        "SWALR anneals from the optimizer's current LR, whatever set it: after a main "
        "schedule it starts from that schedule's last LR, not from --lr.",
        "anneal_epochs counts SWALR's own step() calls (epochs, as SWA steps it), not "
        "the run's epochs: the anneal ends anneal_epochs steps after SWA starts.",
        "With anneal_epochs=0 the LR jumps to swa_lr as soon as SWALR is built, before "
        "its first step: building it at the start of training, next to the main "
        "scheduler, overrides that scheduler's LR.",
        "Under SequentialLR the step at the milestone keeps the LR (SWALR computes its "
        "step 0 again) and the anneal starts one step later; stepping SWALR yourself "
        "from swa_start + 1 (PyTorch's docs: if epoch > swa_start) anneals at once.",
        "swa_lr above the LR it anneals from anneals upwards: allowed, and common in "
        "SWA (a constant, fairly high LR while averaging), but check that you meant it.",
        "swa_lr is written into the optimizer's param groups: two SWALRs on one "
        "optimizer both use the swa_lr of the one built last.",
    ),
    notes=(
        "Lightning: SWA is usually its StochasticWeightAveraging callback "
        "(lightning.pytorch.callbacks, swa_lrs, swa_epoch_start, annealing_epochs, "
        "annealing_strategy), which builds a SWALR itself at swa_epoch_start and "
        "replaces the configured scheduler from then on; as an lr_scheduler config, "
        "lrplot reads class_path torch.optim.swa_utils.SWALR.",
        "After training, update the averaged model's BatchNorm statistics "
        "(torch.optim.swa_utils.update_bn(loader, swa_model)) before evaluating it.",
    ),
)


# --- its check rule ----------------------------------------------------------------------


def anneal_in_run(part: Part, settings: RunSettings, trace: Trace) -> list[Finding]:
    """An anneal longer than the stretch SWALR drives never reaches swa_lr (it gets
    there at its own step anneal_epochs, so it needs anneal_epochs + 1 steps)."""
    p, n = part.values, part.length
    if p["anneal_epochs"] <= n - 1:
        return []
    return [
        Finding(
            "swa-anneal",
            f"{part.subject} never reaches swa_lr ({num(p['swa_lr'])}): anneal_epochs "
            f"{p['anneal_epochs']} needs {p['anneal_epochs'] + 1} steps, more than "
            f"{part.span}, and the LR ends at "
            f"{num(part.lr(trace)[-1])}: set {part.option('anneal_epochs', max(0, n - 1))} "
            "or less",
            "anneal_epochs",
        )
    ]


@schedule(
    "swa",
    "SWALR",
    "anneal the LR from where it is to swa_lr over anneal_epochs steps, then hold it "
    "(Stochastic Weight Averaging; usually after a main schedule, in sequential)",
    "lr = swa_lr * a + lr_start * (1 - a), a = anneal(min(n / anneal_epochs, 1)), "
    "anneal(t) = (1 - cos(pi * t)) / 2 or t; lr_start = the LR it starts from",
    PARAMS,
    aliases=("swalr",),
    example="--swa-lr 0.05 --anneal-epochs 5 --epochs 20",
    emulator=SWALR,
    library="torch.optim.swa_utils",
    explain=EXPLAIN,
    lint=(anneal_in_run,),
    known_as={"lightning": "torch.optim.swa_utils.SWALR"},
)
def _swa(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    scheduler = SWALR({"lr": float(base_lr), "momentum": 0.0}, p)
    out = np.empty(count)
    out[0] = scheduler.group["lr"]
    out[1:] = scheduler.advance(count - 1)
    return out
