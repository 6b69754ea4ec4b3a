"""`lrplot explain NAME`: the texts that the declarations do not hold.

A schedule's formula, parameters (defaults, allowed ranges) and class come from its
declaration (lrplot.schedules); this module adds, per schedule, where its
``step()`` goes in the training loop and the mistakes people make with it.
tests/test_explain.py checks that every registered schedule has an entry here, so a
new schedule cannot be added without one.
"""

from __future__ import annotations

from dataclasses import dataclass

# the library each schedule module reproduces (the module that declares it)
LIBRARIES = {
    "seed": "torch.optim.lr_scheduler",
    "torch_more": "torch.optim.lr_scheduler",
    "compose": "torch.optim.lr_scheduler",
    "hf": "transformers",
    "timm": "timm.scheduler",
}

# --- where scheduler.step() goes ------------------------------------------------------

STEPPING = {
    "epoch": (
        "Once per epoch, after the epoch's optimizer.step() calls. Its lengths then "
        "count epochs (lrplot: --interval epoch, the default). Stepping it before "
        "optimizer.step() skips the first value (PyTorch warns)."
    ),
    "either": (
        "After optimizer.step(): once per epoch (lengths in epochs, lrplot --interval "
        "epoch) or after every batch (lengths in optimizer steps, --interval step). "
        "Pick one and give every length in that unit."
    ),
    "batch": (
        "After every optimizer.step(), once per batch: its lengths count optimizer "
        "steps (lrplot: --interval step with --steps-per-epoch)."
    ),
    "metric": (
        "Once per epoch, after validation, with the metric: scheduler.step(val_loss). "
        "patience and cooldown then count epochs."
    ),
    "hf": (
        "After every optimizer.step() (the Trainer does this): num_warmup_steps and "
        "num_training_steps count optimizer steps, after gradient accumulation "
        "(lrplot: --interval step)."
    ),
    "timm": (
        "timm schedulers are told the step number: scheduler.step(epoch + 1) after "
        "each epoch (lengths in epochs), or scheduler.step_update(num_updates) after "
        "each optimizer step with t_in_epochs=False (lengths in optimizer steps)."
    ),
    "compose": (
        "Step the SequentialLR/ChainedScheduler itself, never its children, after "
        "optimizer.step(): once per epoch or after every batch, like the children."
    ),
}

_LOOP_HEAD = (
    "for epoch in range(epochs):\n"
    "    for batch in loader:\n"
    "        loss = model(batch)\n"
    "        loss.backward()\n"
    "        optimizer.step()\n"
    "        optimizer.zero_grad()\n"
)

LOOPS = {
    "epoch": _LOOP_HEAD + "    scheduler.step()                # once per epoch",
    "either": _LOOP_HEAD
    + "        scheduler.step()            # per batch (--interval step), or\n"
    + "    scheduler.step()                # per epoch (--interval epoch)",
    "batch": _LOOP_HEAD + "        scheduler.step()            # after every batch",
    "metric": _LOOP_HEAD
    + "    val_loss = validate(model)\n"
    + "    scheduler.step(val_loss)        # after validation, with the metric",
    "hf": _LOOP_HEAD + "        scheduler.step()            # after every optimizer step",
    "timm": _LOOP_HEAD
    + "        num_updates += 1\n"
    + "        scheduler.step_update(num_updates)  # per step, or\n"
    + "    scheduler.step(epoch + 1)       # per epoch",
    "compose": _LOOP_HEAD
    + "    scheduler.step()                # the composite only, never a child",
}


@dataclass(frozen=True)
class Entry:
    """What `lrplot explain` adds to a schedule's declaration."""

    step: str  # a key of STEPPING and LOOPS
    mistakes: tuple[str, ...]


_WARMUP_ZERO = (
    "The warmup starts at LR 0, so the first optimizer step does nothing (lrplot check says so)."
)
_HF_TRAINING = (
    "num_training_steps must be the run's optimizer steps (epochs x steps per epoch, "
    "after gradient accumulation): too large and the decay never finishes, too small "
    "and the LR sits at its end value (or rises again)."
)
_HF_MIN_LR = "Give exactly one of min_lr (an LR) and min_lr_rate (a fraction of lr)."
_MOMENTUM = (
    "cycle_momentum (on by default) writes base_momentum..max_momentum into the "
    "optimizer's momentum (Adam: beta1), replacing your own; turn it off if you tuned "
    "momentum."
)
_TIMM = (
    "timm schedulers do not count: pass the epoch (scheduler.step(epoch + 1)) or the "
    "update count (step_update, t_in_epochs=False); t_initial must be in that same unit."
)

ENTRIES: dict[str, Entry] = {
    "step": Entry(
        "epoch",
        (
            "step_size counts scheduler steps: stepped per batch, step_size=30 decays every "
            "30 batches, not every 30 epochs.",
            "A step_size as long as the run never decays at all.",
            "gamma multiplies the LR at every decay: three decays with gamma=0.1 end at lr / 1000.",
        ),
    ),
    "multistep": Entry(
        "epoch",
        (
            "Milestones past the last scheduler step never apply; milestones in epochs "
            "with a scheduler stepped per batch all fire in the first epochs.",
            "A repeated milestone (30,30) decays twice; a milestone 0 decays before "
            "the first step.",
            "gamma applies per milestone: two milestones with gamma=0.1 end at lr / 100.",
        ),
    ),
    "exponential": Entry(
        "either",
        (
            "gamma applies at every scheduler step: stepped per batch, gamma=0.95 halves "
            "the LR every 14 batches; use gamma ** (1 / steps_per_epoch) for the same "
            "decay per epoch.",
            "There is no floor: the LR keeps shrinking towards 0; check the final value.",
        ),
    ),
    "cosine": Entry(
        "either",
        (
            "t_max shorter than the run: PyTorch's cosine does not stop at eta_min, it "
            "rises back to lr at 2 x t_max (and keeps oscillating); set t_max to the "
            "run's scheduler steps, or use cosine-restarts.",
            "t_max in epochs with a scheduler stepped per batch (or the reverse): the "
            "cosine ends far too early (or is barely started at the end).",
            "After a warmup (SequentialLR or --warmup), t_max counts from the end of the "
            "warmup: a 100-step run with a 5-step warmup needs t_max=95.",
            "eta_min is an LR, not a fraction of lr.",
        ),
    ),
    "plateau": Entry(
        "metric",
        (
            "step() needs the metric: pass the validation metric, not the last batch's "
            "training loss.",
            "mode must match the metric: min for a loss, max for an accuracy; the wrong "
            "mode takes every improvement for a bad epoch and keeps cutting the LR.",
            "The LR drops after patience + 1 bad steps, not patience; after a drop, "
            "cooldown + patience + 1 more steps pass before the next.",
            "Stepped per batch, patience and cooldown count batches.",
        ),
    ),
    "linear": Entry(
        "either",
        (
            "start_factor and end_factor are factors of lr, not LRs; start_factor must "
            "be above 0 (a warmup from exactly 0 needs LambdaLR).",
            "After total_iters the factor stays at end_factor: to decay after a warmup, "
            "follow it with another schedule (sequential).",
        ),
    ),
    "constant": Entry(
        "either",
        (
            "ConstantLR is not a constant schedule: it scales lr by factor for "
            "total_iters steps, then jumps back to lr.",
            "total_iters defaults to 5: only the first 5 scheduler steps are scaled.",
        ),
    ),
    "polynomial": Entry(
        "either",
        (
            "total_iters defaults to 5: the LR reaches 0 after 5 scheduler steps and "
            "stays there; set it to the run's scheduler steps.",
            "It decays to 0, not to a floor (hf-polynomial has lr_end).",
        ),
    ),
    "cosine-restarts": Entry(
        "either",
        (
            "Every restart jumps back to lr: end the run at a restart (t_0, t_0 + "
            "t_0 * t_mult, ...), or it stops in the middle of a period at a high LR.",
            "t_mult is an integer >= 1: the periods grow by whole multiples.",
            "Stepped per batch, PyTorch's docs pass fractional epochs "
            "(scheduler.step(epoch + i / iters)); lrplot steps whole steps, so give t_0 "
            "in optimizer steps with --interval step.",
        ),
    ),
    "cyclic": Entry(
        "batch",
        (
            "It sets the LR itself, from base_lr to max_lr: the optimizer's lr (--lr) is ignored.",
            "step_size_up counts batches and defaults to 2000, often longer than a short "
            "run: the LR then never reaches max_lr.",
            _MOMENTUM,
        ),
    ),
    "onecycle": Entry(
        "batch",
        (
            "Step it after every batch: total_steps (or epochs x steps_per_epoch) counts "
            "optimizer steps, and stepping it more than total_steps times raises ValueError.",
            "The LR starts at max_lr / div_factor, not at the optimizer's lr (ignored), "
            "and ends at max_lr / div_factor / final_div_factor.",
            "total_steps longer than the run leaves the anneal unfinished: the LR ends "
            "far above its final value.",
            _MOMENTUM,
        ),
    ),
    "lambda": Entry(
        "either",
        (
            "The expression is a factor of lr, not an LR: 0.1 means lr * 0.1.",
            "It is evaluated at epoch 0 when the scheduler is built: epoch / 5 gives "
            "LR 0 at the first step; (epoch + 1) / 5 does not.",
            "'epoch' is the number of scheduler steps so far: stepped per batch, it "
            "counts batches.",
        ),
    ),
    "multiplicative": Entry(
        "either",
        (
            "The factor multiplies the current LR at every step, compounding: 0.95 "
            "every step is ExponentialLR; return 1 where the LR should stay.",
            "It is not applied when the scheduler is built: the first factor used is "
            "expr at epoch 1.",
        ),
    ),
    "hf-linear": Entry(
        "hf",
        (_HF_TRAINING, _WARMUP_ZERO, "From num_training_steps on the LR is 0."),
    ),
    "hf-cosine": Entry(
        "hf",
        (
            _HF_TRAINING,
            "num_cycles=0.5 is one half cosine down to 0; a larger value is more waves "
            "(they rise again), not restarts (see hf-cosine-with-restarts).",
            "Past num_training_steps the cosine keeps going and the LR rises again.",
            _WARMUP_ZERO,
        ),
    ),
    "hf-cosine-with-restarts": Entry(
        "hf",
        (
            _HF_TRAINING,
            "num_cycles is a whole number of cosines, each restarting at lr.",
            "From num_training_steps on the LR is 0.",
        ),
    ),
    "hf-polynomial": Entry(
        "hf",
        (
            _HF_TRAINING,
            "lr_end is an LR and must be below the optimizer's lr (transformers raises "
            "otherwise); the default is 1e-7.",
            "From num_training_steps on the LR stays at lr_end.",
        ),
    ),
    "hf-constant": Entry(
        "hf",
        ("It never changes the LR: for a warmup use hf-constant-with-warmup or --warmup.",),
    ),
    "hf-constant-with-warmup": Entry(
        "hf",
        (
            _WARMUP_ZERO,
            "num_warmup_steps counts optimizer steps, after gradient accumulation.",
        ),
    ),
    "hf-inverse-sqrt": Entry(
        "hf",
        (
            "Without a warmup, timescale defaults to 10000 steps: the decay starts very slowly.",
            "There is no floor: the LR keeps falling as 1 / sqrt(step).",
        ),
    ),
    "hf-cosine-with-min-lr": Entry(
        "hf",
        (
            _HF_MIN_LR,
            _HF_TRAINING,
            "Past num_training_steps the cosine rises again.",
        ),
    ),
    "hf-cosine-warmup-with-min-lr": Entry(
        "hf",
        (
            _HF_MIN_LR,
            "Unlike the other transformers warmups it starts above 0 (lr / "
            "num_warmup_steps, or warmup_lr_rate), and the cosine reaches its floor at "
            "step num_training_steps - 1.",
            _HF_TRAINING,
        ),
    ),
    "hf-warmup-stable-decay": Entry(
        "hf",
        (
            "num_warmup_steps + num_stable_steps + num_decay_steps should add up to the "
            "run; when num_stable_steps is given, num_training_steps is not used.",
            "min_lr_ratio is a fraction of lr (the LR before the warmup and after the "
            "decay), not an LR.",
            "With min_lr_ratio 0 the warmup starts at LR 0: the first optimizer step does nothing.",
        ),
    ),
    "timm-cosine": Entry(
        "timm",
        (
            _TIMM,
            "With warmup_prefix false (the default) the warmup overlays the start of the "
            "cosine: a long warmup hides its top.",
            "cycle_limit=1 holds lr_min after t_initial; a t_initial longer than the run "
            "never reaches lr_min.",
        ),
    ),
    "timm-tanh": Entry(
        "timm",
        (
            _TIMM,
            "lb must be below ub; the tanh is flat near both ends, so most of the decay "
            "happens mid-cycle.",
            "With warmup_prefix false (the default) the warmup overlays the start of the cycle.",
        ),
    ),
    "sequential": Entry(
        "compose",
        (
            "Step the SequentialLR only, never its children; milestones count its steps.",
            "A child starts at its own step 0 at its milestone and its lengths count from "
            "there: a cosine after a 5-step warmup in a 100-step run needs t_max=95.",
            "Build every child on the same optimizer; ReduceLROnPlateau cannot be a "
            "child (PyTorch refuses it).",
        ),
    ),
    "chained": Entry(
        "compose",
        (
            "Every child steps at every step and their effects multiply: two decays compound.",
            "Each child's constructor already applies its step 0 (ConstantLR's factor, "
            "LinearLR's start_factor) to the shared LR.",
        ),
    ),
}
