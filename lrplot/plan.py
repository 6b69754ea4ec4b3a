"""The training plan (dataset, batch, devices, accumulation -> steps per epoch) and
durations with units (``500``, ``3ep``, ``10%``).

Steps per epoch from a plan, with N samples, batch B per device, D devices and A
batches accumulated per optimizer step:

* batches per device per epoch: ``ceil(N / (B*D))``, or ``floor(N / (B*D))`` with
  drop_last. This is what each process's DataLoader yields under PyTorch's
  DistributedSampler when the sampler and the DataLoader get the same drop_last
  (without it, the sampler pads the dataset by repeating samples so that every
  process gets ``ceil(N / D)``; with it, it drops the tail so every process gets
  ``floor(N / D)``), and what accelerate's sharded DataLoader (HF Trainer) yields.
* optimizer steps per epoch: ``ceil(batches / A)``, HF Trainer's
  ``num_update_steps_per_epoch``: the last, partial accumulation window of an epoch
  still makes an optimizer step.

A duration is a number of scheduler steps (``500``), of epochs (``3ep``: one
scheduler step per epoch with interval epoch, steps_per_epoch with interval step;
it must come to a whole number of scheduler steps) or a percentage of the run's
scheduler steps (``10%``, rounded to the nearest step, halves up).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .durations import FORMS, MAX_STEPS, Run, is_duration, resolve
from .params import BOOL, CHOICE, INT, LrplotError, Param, ParamError

PARAMS: tuple[Param, ...] = (
    Param(
        "dataset_size",
        INT,
        "training samples per epoch; with --batch-size it gives --steps-per-epoch",
        None,
        low=1,
    ),
    Param("batch_size", INT, "samples per batch on each device", None, low=1),
    Param(
        "devices",
        INT,
        "data-parallel devices (processes), each with its own batch",
        1,
        low=1,
    ),
    Param(
        "grad_accum",
        INT,
        "batches accumulated per optimizer step (gradient_accumulation_steps)",
        1,
        low=1,
    ),
    Param(
        "drop_last",
        BOOL,
        "drop each epoch's last partial batch (DataLoader and DistributedSampler drop_last)",
        False,
    ),
    Param(
        "reference_batch",
        INT,
        "the batch --lr is tuned for: --lr is scaled to the effective batch "
        "(batch_size x devices x grad_accum) by --scale",
        None,
        low=1,
    ),
    Param(
        "scale",
        CHOICE,
        "how --reference-batch scales --lr: linear (x k, Goyal et al., with a warmup) or "
        "sqrt (x sqrt(k), adaptive optimizers), k = effective batch / reference batch",
        "linear",
        choices=("linear", "sqrt"),
    ),
)
NAMES = tuple(p.name for p in PARAMS)


@dataclass(frozen=True)
class Plan:
    """A training plan: how many optimizer steps one epoch has."""

    dataset_size: int
    batch_size: int
    devices: int = 1
    grad_accum: int = 1
    drop_last: bool = False
    reference_batch: int | None = None  # batch-size LR scaling: the batch lr is tuned for
    scale: str = "linear"

    @classmethod
    def from_values(cls, values: Mapping[str, Any], given: Mapping[str, Any]) -> Plan | None:
        """The plan from bound run values; None when no plan key was given.

        ``given``: the raw keys (a default is not 'given')."""
        # a key at its default (devices 1, no accumulation, keep the last batch) changes
        # nothing: it may be given without a plan
        named = [
            p.name for p in PARAMS if given.get(p.name) is not None and values[p.name] != p.default
        ]
        if not named:
            return None
        if values["scale"] == "sqrt" and values["reference_batch"] is None:
            raise ParamError(
                "scale",
                "scale needs reference_batch: it says how lr goes from the reference batch "
                "to the effective batch",
            )
        missing = [n for n in ("dataset_size", "batch_size") if values[n] is None]
        if missing:
            raise LrplotError(
                f"{', '.join(named)} needs {' and '.join(missing)} too: a plan is "
                "dataset_size and batch_size, with devices, grad_accum and drop_last "
                "(or give steps_per_epoch alone)"
            )
        plan = cls(*(values[n] for n in NAMES))
        if plan.batches_per_epoch == 0:
            raise LrplotError(
                f"dataset_size {plan.dataset_size:,} is less than one batch of "
                f"{plan.global_batch:,} samples ({plan._batch_text()}) with drop_last: "
                "an epoch would have no batch"
            )
        return plan

    @property
    def effective_batch(self) -> int:
        """Samples per optimizer step: batch_size x devices x grad_accum."""
        return self.batch_size * self.devices * self.grad_accum

    @property
    def lr_factor(self) -> float:
        """What batch-size scaling multiplies the LRs by (1.0 without reference_batch):
        k = effective_batch / reference_batch (linear) or sqrt(k) (math.sqrt)."""
        if self.reference_batch is None:
            return 1.0
        k = self.effective_batch / self.reference_batch
        return math.sqrt(k) if self.scale == "sqrt" else k

    def scaled_lr(self, lr: float) -> float:
        """``lr`` at the effective batch: lr * lr_factor (lr itself without scaling)."""
        return lr if self.reference_batch is None else lr * self.lr_factor

    def describe_lr(self, lr: float) -> str:
        """``lr 0.1 at batch 256 -> 1.6 at batch 4096 (linear)``; "" without scaling."""
        if self.reference_batch is None:
            return ""
        return (
            f"lr {lr:g} at batch {self.reference_batch} -> {self.scaled_lr(lr):g} at batch "
            f"{self.effective_batch} ({self.scale})"
        )

    @property
    def global_batch(self) -> int:
        """Samples per batch over all devices."""
        return self.batch_size * self.devices

    @property
    def batches_per_epoch(self) -> int:
        """Batches each device takes per epoch."""
        whole, rest = divmod(self.dataset_size, self.global_batch)
        return whole if self.drop_last or rest == 0 else whole + 1

    @property
    def steps_per_epoch(self) -> int:
        """Optimizer steps per epoch: HF's ceil(batches / grad_accum)."""
        return -(-self.batches_per_epoch // self.grad_accum)

    def _batch_text(self) -> str:
        if self.devices == 1:
            return f"batch {self.batch_size:,}"
        return f"batch {self.batch_size:,} x {self.devices:,} devices"

    def describe(self, epochs: int) -> str:
        """``50,000 samples / (batch 64 x 2 devices) = 391 batches/epoch, accumulate 4
        -> 98 steps/epoch (last step: 3 batches), 9,800 steps``."""
        return f"{self.per_epoch()}, {epochs * self.steps_per_epoch:,} steps"

    def per_epoch(self) -> str:
        """The plan of one epoch (describe() without the run's total)."""
        batch = self._batch_text()
        if self.devices > 1:
            batch = f"({batch})"
        text = f"{self.dataset_size:,} samples / {batch} = {self.batches_per_epoch:,} batches/epoch"
        rest = self.dataset_size % self.global_batch
        if rest:
            samples = "sample" if rest == 1 else "samples"
            text += f" (last {rest:,} {samples} {'dropped' if self.drop_last else 'kept'})"
        if self.grad_accum > 1:
            text += f", accumulate {self.grad_accum:,} -> {self.steps_per_epoch:,} steps/epoch"
            partial = self.batches_per_epoch % self.grad_accum
            if partial:
                text += f" (last step: {partial} batches)"
        return text


# --- durations: lrplot.durations (below params, which parses them); re-exported here


def check_steps_per_epoch(plan: Plan, given: Any, steps_per_epoch: int) -> None:
    """steps_per_epoch given together with a plan: they must agree."""
    if given is not None and steps_per_epoch != plan.steps_per_epoch:
        raise LrplotError(
            f"steps_per_epoch {steps_per_epoch:,} disagrees with the plan "
            f"({plan.per_epoch()}): give one or the other"
        )


__all__ = [
    "FORMS",
    "MAX_STEPS",
    "NAMES",
    "PARAMS",
    "Plan",
    "Run",
    "check_steps_per_epoch",
    "is_duration",
    "resolve",
]
