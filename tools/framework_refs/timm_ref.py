"""timm's own scheduler code, stepped as train.py steps it:
``python timm_ref.py CONFIG OUT.csv TIMM_DIR [METRIC_CSV]``.

Needs torch and an unpacked timm wheel (TIMM_DIR/timm/scheduler/*.py, timm 1.0.31
here): its scheduler package is loaded on its own (the rest of timm needs
torchvision). Keys the config leaves out take train.py's argparse defaults; ``lr``
absent follows train.py's lr_base scaling; the updates per epoch are train.py's,
``(len(loader) + grad_accum_steps - 1) // grad_accum_steps`` with the training
loader's drop_last, from ``dataset_size``.
"""

from __future__ import annotations

import argparse
import sys
import types
import warnings

from common import load, metric_from, write

warnings.filterwarnings("ignore")

import torch  # noqa: E402

DEFAULTS = dict(  # train.py's argparse defaults
    sched="cosine",
    sched_on_updates=False,
    lr=None,
    lr_base=0.1,
    lr_base_size=256,
    lr_base_scale="",
    lr_noise=None,
    lr_noise_pct=0.67,
    lr_noise_std=1.0,
    lr_cycle_mul=1.0,
    lr_cycle_decay=0.5,
    lr_cycle_limit=1,
    lr_k_decay=1.0,
    warmup_lr=1e-5,
    min_lr=0.0,
    epochs=300,
    decay_milestones=[90, 180, 270],
    decay_epochs=90,
    warmup_epochs=5,
    warmup_prefix=False,
    cooldown_epochs=0,
    patience_epochs=10,
    decay_rate=0.1,
    batch_size=128,
    grad_accum_steps=1,
    opt="sgd",
    eval_metric="top1",
    seed=42,
    world_size=1,
)


def main(config: str, out: str, timm_dir: str, metric_csv: str | None) -> None:
    package = types.ModuleType("timm")
    package.__path__ = [f"{timm_dir}/timm"]
    sys.modules["timm"] = package
    from timm.scheduler import create_scheduler_v2, scheduler_kwargs

    cfg = load(config)
    n = cfg.pop("dataset_size", None)
    args = argparse.Namespace(**{**DEFAULTS, **cfg})
    if not args.lr:  # train.py
        global_batch = args.batch_size * args.world_size * args.grad_accum_steps
        ratio = global_batch / args.lr_base_size
        if not args.lr_base_scale:
            on = args.opt.lower()
            args.lr_base_scale = "sqrt" if any(o in on for o in ("ada", "lamb")) else "linear"
        if args.lr_base_scale == "sqrt":
            ratio = ratio**0.5
        args.lr = args.lr_base * ratio
    batches = n // args.batch_size if n else 1  # the training loader drops the last batch
    per_epoch = (batches + args.grad_accum_steps - 1) // args.grad_accum_steps
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=args.lr)
    sched, num_epochs = create_scheduler_v2(
        opt, **scheduler_kwargs(args), updates_per_epoch=per_epoch
    )
    metric = metric_from(metric_csv)
    lrs: list[float] = []
    updates = 0
    for epoch in range(num_epochs):
        for _ in range(per_epoch if args.sched_on_updates else 1):
            lrs.append(opt.param_groups[0]["lr"])
            updates += 1
            if sched is not None:
                sched.step_update(num_updates=updates)
        if sched is not None:
            sched.step(epoch + 1, metric[epoch] if metric else None)
    write(out, lrs)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
