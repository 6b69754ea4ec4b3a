"""`lrplot check`: every rule fires on a crafted case, with its exact message, and stays
quiet on a clean one; the command's output and exit codes."""

from __future__ import annotations

import shlex

import pytest
from conftest import trace

from lrplot import lint
from lrplot.lint import (
    blow_up,
    epoch_step_units,
    first_lr_zero,
    scaled_no_warmup,
    unscaled_lengths,
    warmup_fit,
)
from lrplot.schedules import (
    REGISTRY,
    axolotl,
    compose,
    deepspeed,
    hf,
    megatron,
    seed,
    swa,
    timm,
    torch_more,
)

# the schedules' own rules (declared in their modules); a tuple is one check that
# several schedules declare, each its own function
cosine_length = seed.cosine_length
plateau_room = seed.plateau_room
onecycle_length = torch_more.onecycle_length
restarts_length = torch_more.restarts_length
hf_warmup = hf.warmup_longer
training_steps = hf.training_steps
wsd_phases = hf.wsd_phases
floor_reached = (torch_more.polynomial_floor, torch_more.linear_floor, timm.floor_reached)
milestones_in_run = (seed.milestones_in_run, compose.milestones_in_run)
step_size_in_run = (seed.step_size_in_run, torch_more.cyclic_step_size)
swa_anneal = swa.anneal_in_run
megatron_decay = megatron.decay_in_run
axolotl_length = axolotl.run_length  # axolotl's num_training_steps / rex's total_steps
gamma_grows = seed.gamma_grows  # step's and multistep's
cosine_eta_min = seed.cosine_eta_min
cyclic_inverted = torch_more.cyclic_inverted
SWA_AFTER_COSINE = "sequential:schedulers=[cosine:t_max=75; swa:swa_lr=0.05,anneal_epochs="


def _run(rule, t):
    """The findings of one rule (or of each rule of a tuple) for the trace."""
    rules = rule if isinstance(rule, tuple) else (rule,)
    return [f for r in rules for f in lint.apply(r, t)]


def _flat(rules):
    return {r for rule in rules for r in (rule if isinstance(rule, tuple) else (rule,))}


SEQ = "sequential:schedulers=[linear:start_factor=0.1,total_iters=5; "

# (rule, SPEC, run options, the rule's exact messages)
MEGATRON_RUN = {"epochs": 1, "steps_per_epoch": 100, "interval": "step"}
FIRES = [
    (
        unscaled_lengths,
        "cosine:t_max=100",
        {"epochs": 100, "accelerate": True, "num_processes": 4},
        [
            "cosine t_max 100 counts the run's 100 epochs, but Accelerate steps the scheduler "
            "4 times per epoch (once per process, 400 in the run), so it ends at 1/4 of the "
            "run: set --t-max 400, or --split-batches (Accelerate's split_batches)",
        ],
    ),
    (
        unscaled_lengths,
        "hf-cosine:num_training_steps=1000",
        {"epochs": 10, "steps_per_epoch": 100, "interval": "step", "scheduler_every": 2},
        [
            "hf-cosine num_training_steps 1000 counts the run's 1000 steps, but the scheduler "
            "is stepped every 2 steps only (500 times in the run), so it ends after the run "
            "does: set --num-training-steps 500",
        ],
    ),
    (
        deepspeed.total_in_run,
        "ds-warmup-decay:total_num_steps=80,warmup_num_steps=10",
        {"epochs": 100},
        [
            "ds-warmup-decay total_num_steps 80 is not the run (100 steps): the LR reaches its "
            'end at step 80 and stays at 0; set --total-num-steps 100 (HF\'s "auto" fills the '
            "run's steps)",
        ],
    ),
    (
        deepspeed.total_in_run,
        "ds-warmup-cosine:total_num_steps=120,warmup_num_steps=10",
        {"epochs": 100},
        [
            "ds-warmup-cosine total_num_steps 120 is not the run (100 steps): the decay is cut "
            "off at LR 0.00873553; set --total-num-steps 100 (HF's \"auto\" fills the run's "
            "steps)",
        ],
    ),
    (
        megatron_decay,
        "megatron:lr_decay_steps=3840,increment=64,min_lr=0.001",
        MEGATRON_RUN,
        [
            "megatron ends its decay at iteration 60 of 100 (lr_decay_steps 3840, increment "
            "64): the LR then stays at min_lr (0.001) for the last 39 iterations: set "
            "--lr-decay-steps 6400 (Megatron: leave --lr-decay-iters out, it defaults to "
            "--train-iters)",
        ],
    ),
    (
        megatron_decay,
        "megatron:lr_decay_steps=150",
        MEGATRON_RUN,
        [
            "megatron decays over lr_decay_steps 150, more than the run's 100 (100 iterations "
            "x increment 1): it never reaches min_lr (0) and ends at 0.034: set "
            "--lr-decay-steps 100 (Megatron: leave --lr-decay-iters out, it defaults to "
            "--train-iters)",
        ],
    ),
    (
        scaled_no_warmup,
        "cosine:t_max=100",
        {
            "epochs": 100,
            "dataset_size": 50000,
            "batch_size": 512,
            "devices": 8,
            "reference_batch": 256,
        },
        [
            "lr 0.1 at batch 256 -> 1.6 at batch 4096 (linear) multiplies the LR by 16, and the "
            "schedule starts at that LR with no warmup (a large LR from the first step often "
            "diverges): add --warmup 5ep (Goyal et al. ramp up over the first 5 epochs), or "
            "scale less (--scale sqrt)"
        ],
    ),
    (
        epoch_step_units,
        "cosine:t_max=1000",
        {"epochs": 100, "steps_per_epoch": 10},
        [
            "cosine t_max 1000 counts optimizer steps (100 epochs x 10), but the scheduler "
            "steps once per epoch: set --t-max 100, or --interval step",
        ],
    ),
    (
        epoch_step_units,
        "cosine:t_max=100",
        {"epochs": 100, "steps_per_epoch": 10, "interval": "step"},
        [
            "cosine t_max 100 is the number of epochs, but the scheduler steps after every "
            "optimizer step (1000 in the run): set --t-max 1000, or --interval epoch",
        ],
    ),
    (
        epoch_step_units,
        "multistep:milestones=[300,800]",
        {"epochs": 100, "steps_per_epoch": 10},
        [
            "multistep milestones 300,800 count optimizer steps, but the scheduler steps once"
            " per epoch (100 in the run): set --milestones 30,80, or --interval step",
        ],
    ),
    (
        epoch_step_units,
        "multistep:milestones=[30,80]",
        {"epochs": 100, "steps_per_epoch": 10, "interval": "step"},
        [
            "multistep milestones 30,80 look like epochs, but the scheduler steps after every"
            " optimizer step (1000 in the run): set --milestones 300,800, or --interval epoch",
        ],
    ),
    (
        first_lr_zero,
        "cosine:t_max=95,warmup=5",
        {"epochs": 100},
        [
            "the LR is 0 at step 0, so the first optimizer step does nothing (--warmup-start "
            "is 0): set --warmup-start 0.2 (the LR of step 1 at step 0)",
        ],
    ),
    (
        first_lr_zero,
        "cosine:t_max=20,warmup=4",
        {"epochs": 20, "steps_per_epoch": 50},
        [
            "the LR is 0 for all of epoch 0, so its 50 optimizer steps do nothing "
            "(--warmup-start is 0): set --warmup-start 0.25 (the LR of step 1 at step 0)",
        ],
    ),
    (
        first_lr_zero,
        "hf-linear:num_warmup_steps=10",
        {"epochs": 100},
        [
            "the LR is 0 at step 0, so the first optimizer step does nothing (transformers' "
            "warmup starts at 0): harmless in a long run; to avoid it, replace "
            "--num-warmup-steps 10 by --warmup 10 --warmup-start 0.1",
        ],
    ),
    (
        first_lr_zero,
        "timm-cosine:t_initial=100,warmup_t=5",
        {"epochs": 100},
        [
            "the LR is 0 at step 0, so the first optimizer step does nothing "
            "(--warmup-lr-init is 0): set --warmup-lr-init 0.02 (lr / warmup_t)",
        ],
    ),
    (
        first_lr_zero,
        "cyclic:base_lr=0,max_lr=0.1,step_size_up=20",
        {"epochs": 100},
        [
            "the LR is 0 at step 0, so the first optimizer step does nothing (--base-lr is "
            "0): set --base-lr 0.01 (max_lr / 10)",
        ],
    ),
    (
        first_lr_zero,
        "lambda:expr='epoch / 5'",
        {"epochs": 100},
        [
            "the LR is 0 at step 0, so the first optimizer step does nothing (expr is 0 at "
            "epoch 0): make expr positive at epoch 0, e.g. (epoch + 1) / 5 instead of epoch /"
            " 5",
        ],
    ),
    (
        warmup_fit,
        "cosine:t_max=100,warmup=100,warmup_start=0.1",
        {"epochs": 100},
        [
            "the warmup (100 steps) fills the whole run (100 steps), so cosine never starts: "
            "set --warmup 10 (10% of the run) or less",
        ],
    ),
    (
        warmup_fit,
        "cosine:t_max=100,warmup=60,warmup_mode=overlap,warmup_start=0.1",
        {"epochs": 100},
        [
            "the warmup overlaps cosine's decay: when it ends, at step 60, 65% of the decay "
            "is already done and the LR drops from 0.0985 to 0.0345492: set --warmup-mode "
            "prefix (or a shorter warmup)",
        ],
    ),
    (
        warmup_fit,
        "timm-cosine:t_initial=20,warmup_t=15,warmup_lr_init=0.01",
        {"epochs": 100},
        [
            "the warmup overlaps timm-cosine's decay: when it ends, at step 15, 85% of the "
            "decay is already done and the LR drops from 0.094 to 0.0146447: set "
            "--warmup-prefix (or a shorter warmup)",
        ],
    ),
    (
        hf_warmup,
        "hf-linear:num_warmup_steps=100",
        {"epochs": 100},
        [
            "hf-linear warms up for 100 steps, not fewer than its 100 training steps, so it "
            "never gets past the warmup: set --num-warmup-steps 10 (10% of them) or less",
        ],
    ),
    (
        cosine_length,
        "cosine:t_max=50",
        {"epochs": 100},
        [
            "cosine rises again after step 50 of 100: set --t-max 100 (or use cosine-restarts)",
        ],
    ),
    (
        cosine_length,
        "cosine:t_max=200",
        {"epochs": 100},
        [
            "cosine never reaches eta_min (0): t_max 200 is longer than the run (100 steps) "
            "and the LR ends at 0.0507854: set --t-max 100",
        ],
    ),
    (
        cosine_length,
        "cosine:t_max=100,warmup=5,warmup_start=0.2",
        {"epochs": 100},
        [
            "cosine never reaches eta_min (0): t_max 100 is longer than the 95 steps after "
            "the warmup and the LR ends at 0.000885637: set --t-max 95",
        ],
    ),
    (
        cosine_length,
        SEQ + "cosine:t_max=50],milestones=[5]",
        {"epochs": 100},
        [
            "schedulers[1] (cosine) rises again after step 55 of 100: set t_max=95 in "
            "schedulers[1] (or use cosine-restarts)",
        ],
    ),
    (
        onecycle_length,
        "onecycle:max_lr=0.1,total_steps=2000",
        {"epochs": 10, "steps_per_epoch": 100, "interval": "step"},
        [
            "onecycle never finishes its cycle: total_steps 2000 is longer than the run (1000"
            " steps), so the LR ends at 0.0811746, not at 4e-07: set --total-steps 1000 (or "
            "leave it out)",
        ],
    ),
    (
        restarts_length,
        "cosine-restarts:t_0=300",
        {"epochs": 100},
        [
            "cosine-restarts never reaches eta_min (0): t_0 300 is longer than the run (100 "
            "steps) and the LR ends at 0.0754521: set --t-0 100 or less",
        ],
    ),
    (
        restarts_length,
        "cosine-restarts:t_0=30",
        {"epochs": 100},
        [
            "cosine-restarts ends in the middle of a period, at LR 0.0793893 (the period from"
            " step 90 restarts at step 120): end the run at a restart, --epochs 90 or "
            "--epochs 120",
        ],
    ),
    (
        wsd_phases,
        "hf-warmup-stable-decay:num_warmup_steps=10,num_decay_steps=20,num_stable_steps=50,min_lr_ratio=0.1",
        {"epochs": 100},
        [
            "hf-warmup-stable-decay phases add up to 10 + 50 + 20 = 80 steps, but the run has"
            " 100: the LR stays at 0.01 for the last 20 steps; set --num-stable-steps 70 (or "
            "leave it out)",
        ],
    ),
    (
        wsd_phases,
        "hf-warmup-stable-decay:num_warmup_steps=10,num_decay_steps=20,num_stable_steps=90,min_lr_ratio=0.1",
        {"epochs": 100},
        [
            "hf-warmup-stable-decay phases add up to 10 + 90 + 20 = 120 steps, but the run "
            "has 100: the decay is cut off at LR 0.1; set --num-stable-steps 70 (or leave it "
            "out)",
        ],
    ),
    (
        wsd_phases,
        "hf-warmup-stable-decay:num_warmup_steps=10,num_decay_steps=20,num_training_steps=80,min_lr_ratio=0.1",
        {"epochs": 100},
        [
            "hf-warmup-stable-decay phases add up to 10 + 50 + 20 = 80 steps, but the run has"
            " 100: the LR stays at 0.01 for the last 20 steps; leave out --num-training-steps",
        ],
    ),
    (
        training_steps,
        "hf-polynomial:num_training_steps=200",
        {"epochs": 100},
        [
            "hf-polynomial never reaches lr_end (1e-07): num_training_steps 200 is longer "
            "than the run (100 steps) and the LR ends at 0.0505: set --num-training-steps 100"
            " (or leave it out)",
        ],
    ),
    (
        training_steps,
        "hf-cosine-with-min-lr:min_lr_rate=0.1,num_training_steps=200",
        {"epochs": 100},
        [
            "hf-cosine-with-min-lr never reaches lr * min_lr_rate (0.01): num_training_steps "
            "200 is longer than the run (100 steps) and the LR ends at 0.0557068: set "
            "--num-training-steps 100 (or leave it out)",
        ],
    ),
    (
        training_steps,
        "hf-linear:num_training_steps=80",
        {"epochs": 100},
        [
            "hf-linear ends its decay at step 80 of 100, the LR then stays at 0 for the last "
            "20 steps: set --num-training-steps 100 (or leave it out)",
        ],
    ),
    (
        training_steps,
        "hf-cosine:num_training_steps=80",
        {"epochs": 100},
        [
            "hf-cosine ends its decay at step 80 of 100, then the LR rises again: set "
            "--num-training-steps 100 (or leave it out)",
        ],
    ),
    (
        floor_reached,
        "polynomial",
        {"epochs": 100},
        [
            "polynomial reaches 0 at step 5 of 100, so the last 95 steps do nothing: set "
            "--total-iters 100",
        ],
    ),
    (
        floor_reached,
        "polynomial:total_iters=200",
        {"epochs": 100},
        [
            "polynomial never reaches 0: total_iters 200 is longer than the run (100 steps) "
            "and the LR ends at 0.0505: set --total-iters 100",
        ],
    ),
    (
        floor_reached,
        "linear:total_iters=200,start_factor=0.1",
        {"epochs": 100},
        [
            "linear never reaches end_factor (1): total_iters 200 is longer than the run (100"
            " steps) and the LR ends at 0.05455: set --total-iters 100 or less",
        ],
    ),
    (
        floor_reached,
        "timm-cosine:t_initial=200",
        {"epochs": 100},
        [
            "timm-cosine never reaches lr_min (0): t_initial 200 is longer than the run (100 "
            "steps) and the LR ends at 0.0507854: set --t-initial 100",
        ],
    ),
    (
        floor_reached,
        "timm-cosine:t_initial=50,warmup_t=5,warmup_lr_init=0.01",
        {"epochs": 100},
        [
            "timm-cosine reaches lr_min 0 at step 50 of 100 (after 1 cycle), so the last 50 "
            "steps do nothing: set --t-initial 100 (or --lr-min above 0)"
        ],
    ),
    (
        plateau_room,
        "plateau:patience=98",
        {"epochs": 100},
        [
            "plateau can never reduce the LR: with patience 98 the first reduction comes at "
            "step 100 at the earliest, after the run's last step (99): set --patience 97 or "
            "less",
        ],
    ),
    (
        plateau_room,
        "plateau:patience=10,cooldown=77",
        {"epochs": 100},
        [
            "plateau has no room for a second reduction: after the earliest first one (step "
            "12), cooldown 77 + patience 10 put the next at step 100 or later, after the "
            "run's last step (99): set --cooldown 76 or less",
        ],
    ),
    (
        milestones_in_run,
        "multistep:milestones=[30,120,150]",
        {"epochs": 100},
        [
            "multistep milestones 120,150 are past the run's last step (99), so they never "
            "apply: drop them, or lengthen the run (--epochs 151)",
        ],
    ),
    (
        milestones_in_run,
        "multistep:milestones=[30,100]",
        {"epochs": 100},
        [
            "multistep milestone 100 is past the run's last step (99), so it never applies: "
            "drop it, or lengthen the run (--epochs 101)",
        ],
    ),
    (
        milestones_in_run,
        SEQ + "cosine:t_max=95; exponential:gamma=0.9],milestones=[5,120]",
        {"epochs": 100},
        [
            "sequential milestone 120 is past the run's last step (99), so schedulers[2] "
            "(exponential) never runs: drop it and schedulers[2] (exponential), or lengthen "
            "the run (--epochs 121)",
        ],
    ),
    (
        step_size_in_run,
        "step:step_size=100",
        {"epochs": 100},
        [
            "step never decays: step_size 100 is not shorter than the run (100 steps): set "
            "--step-size 33 (three decays) or anything below 100",
        ],
    ),
    (
        step_size_in_run,
        "cyclic:base_lr=0.001,max_lr=0.1,step_size_up=200",
        {"epochs": 100},
        [
            "cyclic never reaches max_lr (0.1): step_size_up 200 is not shorter than the run "
            "(100 steps): set --step-size-up 50 or less",
        ],
    ),
    (
        swa_anneal,
        "swa:swa_lr=0.05,anneal_epochs=20",
        {"epochs": 20},
        [
            "swa never reaches swa_lr (0.05): anneal_epochs 20 needs 21 steps, more than the "
            "run (20 steps), and the LR ends at 0.0503078: set --anneal-epochs 19 or less",
        ],
    ),
    (
        swa_anneal,
        SWA_AFTER_COSINE + "40],milestones=[75]",
        {"epochs": 100},
        [
            "schedulers[1] (swa) never reaches swa_lr (0.05): anneal_epochs 40 needs 41 steps, "
            "more than its 25 steps (steps 75 to 99), and the LR ends at 0.0327406: set "
            "anneal_epochs=24 in schedulers[1] or less",
        ],
    ),
    (
        blow_up,
        "exponential:gamma=1.5",
        {"epochs": 3000},
        [
            "the LR overflows to inf at step 1757 of 3000 (from 1.64532e+308 at step 1756), "
            "and training with it diverges: make the factor that compounds it 1 or less, or "
            "end the run before step 1757 (--epochs 1757)",
        ],
    ),
    (
        blow_up,
        "multiplicative:expr=2",
        {"epochs": 2000},
        [
            "the LR overflows to inf at step 1028 of 2000 (from 1.43815e+308 at step 1027), "
            "and training with it diverges: make the factor that compounds it 1 or less, or "
            "end the run before step 1028 (--epochs 1028)",
        ],
    ),
    (
        blow_up,
        "exponential:gamma=0.5",
        {"epochs": 2000},
        [
            "the LR underflows to exactly 0 at step 1072 of 2000 (it is below 1e-300 from "
            "step 994), and the optimizer steps from there do nothing: decay more slowly, or "
            "end the run before step 994 (--epochs 994)",
        ],
    ),
    (
        gamma_grows,
        "step:step_size=30,gamma=2",
        {"epochs": 100},
        [
            "step grows the LR: gamma 2 is above 1, so each decay multiplies it by 2 (from "
            "0.1 to 0.8): set --gamma 0.5 (1 / gamma) to decay",
        ],
    ),
    (
        gamma_grows,
        SEQ + "multistep:milestones=[30,60],gamma=3],milestones=[5]",
        {"epochs": 100},
        [
            "schedulers[1] (multistep) grows the LR: gamma 3 is above 1, so each decay "
            "multiplies it by 3 (from 0.1 to 0.9): set gamma=0.333 in schedulers[1] (1 / "
            "gamma) to decay",
        ],
    ),
    (
        cosine_eta_min,
        "cosine:t_max=100,eta_min=1",
        {"epochs": 100},
        [
            "cosine rises instead of annealing: eta_min 1 is above the LR it starts from "
            "(0.1), so it climbs to 1: set --eta-min 0 (or any value below 0.1), or raise --lr",
        ],
    ),
    (
        cyclic_inverted,
        "cyclic:base_lr=0.1,max_lr=0.01,step_size_up=10",
        {"epochs": 60},
        [
            "cyclic is upside down: base_lr 0.1 is above max_lr 0.01, so the LR dips from 0.1 "
            "to 0.01 (and the momentum cycles the wrong way): swap them, --base-lr 0.01 "
            "--max-lr 0.1",
        ],
    ),
    (
        cyclic_inverted,
        "chained:schedulers=[cyclic:base_lr=0.1,max_lr=0.01,step_size_up=5; exponential:gamma=0.9]",
        {"epochs": 20},
        [
            "schedulers[0] (cyclic) is upside down: base_lr 0.1 is above max_lr 0.01, so the "
            "LR dips from 0.1 to 0.01 (and the momentum cycles the wrong way): swap them, "
            "base_lr=0.01 in schedulers[0] and max_lr=0.1 in schedulers[0]",
        ],
    ),
    (
        axolotl_length,
        "axolotl-rex:total_steps=150,min_lr=0.01",
        {"epochs": 100},
        [
            "axolotl-rex never reaches min_lr (0.01): total_steps 150 is longer than the run "
            "(100 steps) and the LR ends at 0.085: set --total-steps 100 (or leave it out)",
        ],
    ),
    (
        axolotl_length,
        "axolotl-cosine-quadratic:num_training_steps=50",
        {"epochs": 100},
        [
            "axolotl-cosine-quadratic ends its decay at step 50 of 100, then the LR rises "
            "again: set --num-training-steps 100 (or leave it out)",
        ],
    ),
]

# (rule, SPEC, run options): the same rules on a run that fits, at the edge where it can
QUIET = [
    (unscaled_lengths, "cosine:t_max=400", {"epochs": 100, "accelerate": True, "num_processes": 4}),
    (
        unscaled_lengths,
        "cosine:t_max=100",
        {"epochs": 100, "accelerate": True, "num_processes": 4, "split_batches": True},
    ),
    (deepspeed.total_in_run, "ds-warmup-decay:total_num_steps=100", {"epochs": 100}),
    (deepspeed.total_in_run, "ds-warmup-cosine", {"epochs": 100}),
    (megatron_decay, "megatron:lr_decay_steps=6400,increment=64", MEGATRON_RUN),
    (megatron_decay, "megatron:lr_decay_steps=6336,increment=64", MEGATRON_RUN),
    (megatron_decay, "megatron:lr_decay_style=constant,lr_decay_steps=60", MEGATRON_RUN),
    (axolotl_length, "axolotl-rex:total_steps=100", {"epochs": 100}),
    (axolotl_length, "axolotl-cosine-min-lr:min_lr_ratio=0.1", {"epochs": 100}),
    (
        scaled_no_warmup,
        "cosine:t_max=100,warmup=5ep,warmup_start=0.1",
        {
            "epochs": 100,
            "dataset_size": 50000,
            "batch_size": 512,
            "devices": 8,
            "reference_batch": 256,
        },
    ),
    (
        scaled_no_warmup,
        "onecycle:max_lr=0.1",
        {
            "epochs": 100,
            "dataset_size": 50000,
            "batch_size": 512,
            "devices": 8,
            "reference_batch": 256,
        },
    ),  # it warms up itself
    (
        scaled_no_warmup,
        "cosine:t_max=100",
        {
            **{
                "epochs": 100,
                "dataset_size": 50000,
                "batch_size": 512,
                "devices": 8,
                "reference_batch": 256,
            },
            "reference_batch": 2048,
        },
    ),
    (swa_anneal, "swa:swa_lr=0.05,anneal_epochs=19", {"epochs": 20}),
    (swa_anneal, SWA_AFTER_COSINE + "24],milestones=[75]", {"epochs": 100}),
    (epoch_step_units, "cosine:t_max=100", {"epochs": 100, "steps_per_epoch": 10}),
    (
        epoch_step_units,
        "cosine:t_max=1000",
        {"epochs": 100, "steps_per_epoch": 10, "interval": "step"},
    ),
    (epoch_step_units, "multistep:milestones=[30,80]", {"epochs": 100, "steps_per_epoch": 10}),
    (
        epoch_step_units,
        "multistep:milestones=[300,800]",
        {"epochs": 100, "steps_per_epoch": 10, "interval": "step"},
    ),
    (first_lr_zero, "cosine:t_max=95,warmup=5,warmup_start=0.2", {"epochs": 100}),
    (first_lr_zero, "timm-cosine:t_initial=100,warmup_t=5,warmup_lr_init=0.01", {"epochs": 100}),
    (
        first_lr_zero,
        "hf-cosine-warmup-with-min-lr:num_warmup_steps=10,min_lr_rate=0.1",
        {"epochs": 100},
    ),
    (warmup_fit, "cosine:t_max=100,warmup=99,warmup_start=0.1", {"epochs": 100}),
    (
        warmup_fit,
        "cosine:t_max=100,warmup=20,warmup_mode=overlap,warmup_start=0.1",
        {"epochs": 100},
    ),
    (warmup_fit, "timm-cosine:t_initial=100,warmup_t=5,warmup_lr_init=0.01", {"epochs": 100}),
    (hf_warmup, "hf-linear:num_warmup_steps=99", {"epochs": 100}),
    (cosine_length, "cosine:t_max=100", {"epochs": 100}),
    (cosine_length, "cosine:t_max=99", {"epochs": 100}),
    (cosine_length, "cosine:t_max=95,warmup=5,warmup_start=0.2", {"epochs": 100}),
    (cosine_length, SEQ + "cosine:t_max=95],milestones=[5]", {"epochs": 100}),
    (
        onecycle_length,
        "onecycle:max_lr=0.1,total_steps=1000",
        {"epochs": 10, "steps_per_epoch": 100, "interval": "step"},
    ),
    (
        onecycle_length,
        "onecycle:max_lr=0.1",
        {"epochs": 10, "steps_per_epoch": 100, "interval": "step"},
    ),
    (restarts_length, "cosine-restarts:t_0=10,t_mult=2", {"epochs": 70}),
    (restarts_length, "cosine-restarts:t_0=25", {"epochs": 100}),
    (
        wsd_phases,
        "hf-warmup-stable-decay:num_warmup_steps=10,num_decay_steps=20,num_stable_steps=70,min_lr_ratio=0.1",
        {"epochs": 100},
    ),
    (
        wsd_phases,
        "hf-warmup-stable-decay:num_warmup_steps=10,num_decay_steps=20,min_lr_ratio=0.1",
        {"epochs": 100},
    ),
    (training_steps, "hf-linear:num_training_steps=100", {"epochs": 100}),
    (training_steps, "hf-cosine", {"epochs": 100}),
    (floor_reached, "polynomial:total_iters=100", {"epochs": 100}),
    (floor_reached, "polynomial:total_iters=99", {"epochs": 100}),
    (floor_reached, "linear:total_iters=5,start_factor=0.1", {"epochs": 100}),
    (floor_reached, "timm-cosine:t_initial=100", {"epochs": 100}),
    (floor_reached, "timm-cosine:t_initial=99", {"epochs": 100}),
    (floor_reached, "timm-cosine:t_initial=50,lr_min=1e-5", {"epochs": 100}),
    (floor_reached, "timm-tanh:t_initial=50,cycle_limit=2", {"epochs": 100}),
    (plateau_room, "plateau:patience=97", {"epochs": 100}),
    (plateau_room, "plateau:patience=10,cooldown=76", {"epochs": 100}),
    (milestones_in_run, "multistep:milestones=[30,99]", {"epochs": 100}),
    (step_size_in_run, "step:step_size=99", {"epochs": 100}),
    (step_size_in_run, "cyclic:base_lr=0.001,max_lr=0.1,step_size_up=99", {"epochs": 100}),
    (blow_up, "exponential:gamma=1.5", {"epochs": 1757}),
    (blow_up, "exponential:gamma=0.5", {"epochs": 994}),
    (blow_up, "cosine:t_max=99", {"epochs": 100}),  # an LR of 0 on purpose: no underflow
    (blow_up, "hf-linear", {"epochs": 100}),
    (gamma_grows, "step:step_size=30,gamma=1", {"epochs": 100}),
    (gamma_grows, "multistep:milestones=[30],gamma=0.5", {"epochs": 100}),
    (cosine_eta_min, "cosine:t_max=100,eta_min=0.1", {"epochs": 100}),  # flat, at the LR
    (cosine_eta_min, "cosine:t_max=100,eta_min=1", {"epochs": 100, "lr": 2.0}),
    (cyclic_inverted, "cyclic:base_lr=0.01,max_lr=0.1,step_size_up=10", {"epochs": 60}),
]


@pytest.mark.parametrize(("rule", "spec", "options", "expected"), FIRES)
def test_rule_fires_with_its_message(rule, spec, options, expected):
    t = trace(spec, **options)
    assert [f.message for f in _run(rule, t)] == expected


@pytest.mark.parametrize(("rule", "spec", "options"), QUIET)
def test_rule_is_quiet_on_a_run_that_fits(rule, spec, options):
    t = trace(spec, **options)
    assert _run(rule, t) == []


def test_every_rule_has_a_firing_and_a_quiet_case():
    rules = set(lint.every_rule())
    assert _flat(case[0] for case in FIRES) == rules
    assert _flat(case[0] for case in QUIET) == rules


@pytest.mark.parametrize("name", list(REGISTRY))
def test_check_runs_every_schedule_example(cli, name):
    """lrplot check takes each schedule's own example (the same options as its
    command) and answers with findings or 'no problems found', never an error."""
    result = cli("check", name, *shlex.split(REGISTRY[name].example))
    assert result.exit_code in (0, 1), result.output
    lines = result.stdout.splitlines()
    if result.exit_code == 0:
        assert lines == ["no problems found"]
    else:
        assert lines and all(line.startswith("warning: ") for line in lines), lines


def test_a_units_mixup_is_reported_once():
    """t_max in optimizer steps is also 'longer than the run': only the cause is said."""
    findings = lint.lint(trace("cosine:t_max=1000", epochs=100, steps_per_epoch=10))
    assert [f.rule for f in findings] == ["units"]


def test_several_problems_are_each_reported():
    findings = lint.lint(trace("cosine:t_max=50,warmup=5", epochs=100))
    assert [f.rule for f in findings] == ["zero-start", "cosine-length"]
    assert findings[1].message == (
        "cosine rises again after step 55 of 100: set --t-max 95 (or use cosine-restarts)"
    )


# --- the command ------------------------------------------------------------------------


def test_check_prints_one_line_per_finding_and_exits_1(cli):
    result = cli("check", "cosine", "--t-max", "50", "--epochs", "100")
    assert result.exit_code == 1, result.output
    assert result.stdout == (
        "warning: cosine rises again after step 50 of 100: set --t-max 100 "
        "(or use cosine-restarts)\n"
    )
    result = cli("check", "plateau", "--patience", "20", "--epochs", "15", "--warmup", "3")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith("warning: ") for line in lines)


def test_check_clean_run_says_so_and_exits_0(cli):
    result = cli("check", "cosine", "--t-max", "100", "--epochs", "100")
    assert result.exit_code == 0, result.output
    assert result.stdout == "no problems found\n"


def test_check_long_finding_is_not_wrapped(cli):
    result = cli(
        "check", "hf-warmup-stable-decay", "--num-warmup-steps", "10", "--num-decay-steps", "20",
        "--num-stable-steps", "50", "--min-lr-ratio", "0.1", "--epochs", "100",
        env={"COLUMNS": "40"},
    )  # fmt: skip
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 1


def test_check_takes_the_schedule_options_and_gives_their_errors(cli):
    line = cli.fail("check", "cosine", "--t-max", "0")
    assert line == "Error: invalid value for --t-max: t_max must be " + line.split("must be ", 1)[1]
    cli.fail("check", "cosine", "--epochs", "10", fragments=["t_max"])
    cli.fail("check", "cosine", "--t-max", "5", "--csv", "-", fragments=["--csv"])


def test_check_has_a_subcommand_per_schedule(cli):
    out = cli.ok("check", "--help").stdout
    for name in REGISTRY:
        assert name in out
    result = cli("check", "onecycle", "--max-lr", "0.1", "--epochs", "10",
                 "--steps-per-epoch", "100", "--interval", "step")  # fmt: skip
    assert result.exit_code == 0 and result.stdout == "no problems found\n"


# --- the findings as the user sees them ------------------------------------------------

BLOW_UPS = [
    (
        "exponential --gamma 1.5 --epochs 3000",
        ["warning: the LR overflows to inf at step 1757 of 3000 (from 1.64532e+308 at step "
         "1756), and training with it diverges: make the factor that compounds it 1 or less, "
         "or end the run before step 1757 (--epochs 1757)"],
    ),
    (
        "multiplicative --expr 2 --epochs 2000",
        ["warning: the LR overflows to inf at step 1028 of 2000 (from 1.43815e+308 at step "
         "1027), and training with it diverges: make the factor that compounds it 1 or less, "
         "or end the run before step 1028 (--epochs 1028)"],
    ),
    (
        "step --step-size 30 --gamma 2",
        ["warning: step grows the LR: gamma 2 is above 1, so each decay multiplies it by 2 "
         "(from 0.1 to 0.8): set --gamma 0.5 (1 / gamma) to decay"],
    ),
    (
        "cosine --t-max 100 --eta-min 1",
        ["warning: cosine rises instead of annealing: eta_min 1 is above the LR it starts "
         "from (0.1), so it climbs to 1: set --eta-min 0 (or any value below 0.1), or raise "
         "--lr"],
    ),
    (
        "exponential --gamma 0.5 --epochs 2000",
        ["warning: the LR underflows to exactly 0 at step 1072 of 2000 (it is below 1e-300 "
         "from step 994), and the optimizer steps from there do nothing: decay more slowly, "
         "or end the run before step 994 (--epochs 994)"],
    ),
    (
        "cyclic --base-lr 0.1 --max-lr 0.01",
        ["warning: cyclic never reaches max_lr (0.01): step_size_up 2000 is not shorter than "
         "the run (100 steps): set --step-size-up 50 or less",
         "warning: cyclic is upside down: base_lr 0.1 is above max_lr 0.01, so the LR dips "
         "from 0.1 to 0.01 (and the momentum cycles the wrong way): swap them, --base-lr "
         "0.01 --max-lr 0.1"],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("command", "lines"), BLOW_UPS, ids=[c for c, _ in BLOW_UPS])
def test_check_catches_blow_ups(cli, command, lines):
    result = cli("check", *shlex.split(command))
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == lines


@pytest.mark.parametrize(("command", "lines"), BLOW_UPS, ids=[c for c, _ in BLOW_UPS])
def test_a_schedule_command_notes_its_findings_under_the_table(cli, command, lines):
    """What check would say, one line each after the summary (piped: no wrapping)."""
    out = cli.ok(*shlex.split(command), "--no-chart").stdout.splitlines()
    notes = [line.replace("warning: ", "note: ", 1) for line in lines]
    assert out[-len(notes) :] == notes
    assert out[-len(notes) - 1].startswith("initial ")


def test_the_headline_command_says_the_cosine_rises_again(cli):
    out = cli.ok("cosine", "--t-max", "50", "--epochs", "100").stdout.splitlines()
    assert out[-1] == (
        "note: cosine rises again after step 50 of 100: set --t-max 100 (or use cosine-restarts)"
    )


@pytest.mark.parametrize("extra", [["--csv", "-"], ["-q"], ["--emit", "torch"]])
def test_notes_only_on_the_table(cli, extra):
    out = cli.ok("cosine", "--t-max", "50", "--epochs", "100", *extra).output
    assert "note:" not in out and "rises again" not in out


def test_a_run_that_fits_has_no_note(cli):
    out = cli.ok("cosine", "--t-max", "100", "--epochs", "100").stdout
    assert "note:" not in out
