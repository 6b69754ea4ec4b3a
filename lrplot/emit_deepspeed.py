"""``--emit deepspeed``: the ds_config.json ``"optimizer"`` and ``"scheduler"`` that
give the run's LRs under DeepSpeed.

DeepSpeed (0.19.8, ``runtime/engine.py``) builds ``"scheduler": {"type": T, "params":
P}`` as ``T(optimizer, **P)``, T from ``deepspeed.runtime.lr_schedules`` or else from
``torch.optim.lr_scheduler``, and steps it after every optimizer step. So the snippet
is exact for:

* a schedule DeepSpeed knows by name (its declaration's ``known_as["deepspeed"]``:
  the ``ds-*`` schedules), with its parameters under DeepSpeed's names;
* a torch.optim.lr_scheduler class (declared ``emit.torch == "class"``, no metric, no
  children, no expression), stepped after every optimizer step: DeepSpeed builds the
  same class with the same arguments;

and only when the run steps the scheduler after every optimizer step (``--interval
step``, or one step per epoch). Anything else is a clear error naming emit.
``"optimizer"`` holds the run's lr (``params.lr``, what WarmupLR and WarmupCosineLR
scale); its type is AdamW, DeepSpeed's usual (the LR does not depend on it).

``lrplot run`` reads the snippet back (lrplot.frameworks.deepspeed) to the same LRs;
give it the run's ``--epochs``/``--steps-per-epoch`` when the scheduler has no
``total_num_steps``.
"""

from __future__ import annotations

import json
from typing import Any

from . import expr as expressions
from .engine import Trace
from .schedules.declare import TORCH

FRAMEWORK = "deepspeed"  # the declarations' known_as key
OPTIMIZER = "AdamW"


class NoDeepSpeedForm(Exception):
    """This run has no exact ds_config form (the message says why)."""


def snippet(trace: Trace) -> str:
    """The ds_config JSON of ``trace``'s schedule and optimizer lr."""
    schedule = trace.schedule
    settings = trace.settings
    if schedule.warmup is not None:
        raise NoDeepSpeedForm(
            f"a ds_config holds one scheduler, and {schedule.warmup.describe()} + "
            f"{schedule.definition.torch_class} is two"
        )
    if settings.interval != "step" and settings.steps_per_epoch > 1:
        raise NoDeepSpeedForm(
            "DeepSpeed steps its scheduler after every optimizer step, and this run steps it "
            "once per epoch: use --interval step (lengths in optimizer steps)"
        )
    count = settings.scheduler_steps
    resolved = schedule.resolved(count)
    d = schedule.definition
    kind = d.known_as.get(FRAMEWORK)
    if kind is None:
        if not _torch_class(trace):
            raise NoDeepSpeedForm(
                f"{schedule.label} has no DeepSpeed equivalent: DeepSpeed builds its own "
                "schedulers (WarmupLR, WarmupDecayLR, WarmupCosineLR, OneCycle, LRRangeTest) "
                "or a torch.optim.lr_scheduler class with plain arguments"
            )
        kind = d.torch_class
    params: dict[str, Any] = {}
    for p in d.params:
        value = resolved.values[p.name]
        if value is None:  # left to the class's own default (the optimizer's lr, ...)
            continue
        params[p.torch_name] = list(value) if isinstance(value, tuple) else value
    config = {
        "optimizer": {"type": OPTIMIZER, "params": {"lr": settings.lr}},
        "scheduler": {"type": kind, "params": params},
    }
    return json.dumps(config, indent=2) + "\n"


def _torch_class(trace: Trace) -> bool:
    """A torch.optim.lr_scheduler class DeepSpeed can build from JSON arguments."""
    d = trace.schedule.definition
    if d.library != TORCH or d.emit.torch != "class" or d.emulator is None:
        return False
    if d.needs_metric or d.children is not None:
        return False
    return all(p.check is not expressions.check for p in d.params)  # no lambda in JSON


__all__ = ["NoDeepSpeedForm", "snippet"]
