"""What a schedule declares about itself besides its parameters and ``lr(t)``.

A schedule module fills these in its ``@schedule(...)`` declaration; the explainer,
the emitter, the linter and the framework readers only ask them:

* :class:`Explain`: where ``scheduler.step()`` goes (a :class:`Stepping`) and the
  mistakes people make with it (``lrplot explain``);
* :class:`Emit`: how ``--emit torch|hf|lightning|megatron`` writes it (a torch class, a
  LambdaLR, a transformers equivalent, run-dependent defaults, Megatron-LM's flags);
* ``known_as``: its names in other frameworks, by :data:`FRAMEWORKS` key.

The steppings that many schedules share are here; a family's own (transformers',
timm's, the compositions') live in its module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# the keys of ScheduleDef.known_as: what each framework's config calls a schedule
# (lrplot run reads these configs: lrplot.frameworks)
FRAMEWORKS = {
    "lightning": "Lightning class_path",
    "mmengine": "mmengine type",
    "hf": "transformers lr_scheduler_type",
    "timm": "timm sched",
    "deepspeed": "DeepSpeed scheduler type",
    "megatron": "Megatron-LM scheduler",
    "torchtune": "torchtune lr_scheduler _component_",
    "axolotl": "axolotl lr_scheduler",
}

TORCH = "torch.optim.lr_scheduler"  # the library most schedules reproduce


@dataclass(frozen=True)
class Stepping:
    """Where ``scheduler.step()`` goes in the training loop: in words, and as a loop."""

    text: str
    loop: str  # the body of the training loop below LOOP_HEAD, at most 76 columns


LOOP_HEAD = (
    "for epoch in range(epochs):\n"
    "    for batch in loader:\n"
    "        loss = model(batch)\n"
    "        loss.backward()\n"
    "        optimizer.step()\n"
    "        optimizer.zero_grad()\n"
)

EPOCH = Stepping(
    "Once per epoch, after the epoch's optimizer.step() calls. Its lengths then "
    "count epochs (lrplot: --interval epoch, the default). Stepping it before "
    "optimizer.step() skips the first value (PyTorch warns).",
    "    scheduler.step()                # once per epoch",
)
EITHER = Stepping(
    "After optimizer.step(): once per epoch (lengths in epochs, lrplot --interval "
    "epoch) or after every batch (lengths in optimizer steps, --interval step). "
    "Pick one and give every length in that unit.",
    "        scheduler.step()            # per batch (--interval step), or\n"
    "    scheduler.step()                # per epoch (--interval epoch)",
)
BATCH = Stepping(
    "After every optimizer.step(), once per batch: its lengths count optimizer "
    "steps (lrplot: --interval step with --steps-per-epoch).",
    "        scheduler.step()            # after every batch",
)
METRIC = Stepping(
    "Once per epoch, after validation, with the metric: scheduler.step(val_loss). "
    "patience and cooldown then count epochs.",
    "    val_loss = validate(model)\n"
    "    scheduler.step(val_loss)        # after validation, with the metric",
)


@dataclass(frozen=True)
class Explain:
    """What ``lrplot explain`` says beyond the declaration's formula and parameters."""

    stepping: Stepping
    mistakes: tuple[str, ...]
    notes: tuple[str, ...] = ()  # more to know (e.g. the framework's usual way to use it)


@dataclass(frozen=True)
class HfForm:
    """A transformers schedule that gives the same LRs: its ``lr_scheduler_type`` (the
    ``known_as["hf"]`` of an lrplot schedule) and its arguments."""

    hf_type: str
    values: Mapping[str, Any]


# (values, warmup steps, run's scheduler steps) -> the transformers form, or None
HfEquivalent = Callable[[Mapping[str, Any], int, int], HfForm | None]


@dataclass(frozen=True)
class TorchCode:
    """Code that builds a schedule as a ``torch.optim`` scheduler when it is not its
    own class (timm's, as a LambdaLR): top-level helper blocks, the imports and the
    constructor call. ``comment`` is wrapped by the emitter above the first helper."""

    call: str  # the class, e.g. "LambdaLR"
    args: tuple[str, ...]  # its arguments, e.g. ("optimizer", "lr_lambda=...")
    imports: frozenset[tuple[str, str]] = frozenset()  # (module, name)
    helpers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # by name
    comment: str = ""


# (schedule, py) -> TorchCode; py(value) writes a value as Python source
TorchCoder = Callable[[Any, Callable[[Any], str]], TorchCode]
# (trace) -> the command-line flags of a framework that runs it (Megatron-LM), or
# raises ValueError saying why it cannot
FlagWriter = Callable[[Any], list[str]]


@dataclass(frozen=True)
class Emit:
    """How ``--emit`` writes a schedule.

    * ``torch``: ``"class"`` (its own class, ``library.torch_class(optimizer,
      **params)``), ``"lambdalr"`` (the same, and it is a LambdaLR: SequentialLR restarts
      it exactly), ``"code"`` (``torch_code`` writes it), or ``""`` (no torch form:
      ``no_torch`` says why).
    * ``hf``: the transformers schedule that gives the same LRs (checked before use);
      a schedule of transformers itself (``library="transformers"``) needs none.
    * ``run_defaults``: parameters whose None means "the run's scheduler steps"
      (OneCycleLR's total_steps): written out in the code.
    * ``compose``: a composition's constructor arguments, given its children's
      variable names as a list literal.
    * ``hf_function``: a transformers function that builds it directly (plateau).
    * ``megatron``: Megatron-LM's flags for the run (``--emit megatron``), lines of an
      args file; raises ValueError (why) for a run Megatron cannot give.
    """

    torch: str = "class"
    torch_code: TorchCoder | None = None
    no_torch: str = ""
    hf: HfEquivalent | None = None
    hf_function: str = ""
    run_defaults: tuple[str, ...] = ()
    compose: Callable[[Mapping[str, Any], str], list[str]] | None = None
    megatron: FlagWriter | None = None


DEFAULT_EMIT = Emit()
