"""mmengine's own schedulers: ``python mmengine_ref.py CONFIG OUT.csv [ITERS_PER_EPOCH]``.

Needs torch and mmengine (0.10 here). The schedulers are built as
``Runner._build_param_scheduler`` builds them (``end`` defaults to the loop's
max_epochs / max_iters; ``epoch_length`` for convert_to_iter_based) and stepped as
``ParamSchedulerHook`` steps them: after each iteration the per-iteration ones, after
each epoch the per-epoch ones, in list order. The LR is recorded before each
iteration's optimizer step.
"""

from __future__ import annotations

import copy
import sys
import warnings

from common import load, write

warnings.filterwarnings("ignore")

import mmengine.optim.scheduler  # noqa: E402, F401  (registers the schedulers)
import torch  # noqa: E402
from mmengine.registry import PARAM_SCHEDULERS  # noqa: E402


def main(config: str, out: str, per_epoch: int) -> None:
    cfg = load(config)
    train = cfg["train_cfg"]
    iter_loop = train.get("type") == "IterBasedTrainLoop" or train.get("by_epoch") is False
    lr = cfg["optim_wrapper"]["optimizer"]["lr"]
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    if iter_loop:
        max_epochs, per_epoch = 1, train["max_iters"]
    else:
        max_epochs = train["max_epochs"]
    max_iters = max_epochs * per_epoch
    items = cfg["param_scheduler"]
    schedulers = []
    for item in items if isinstance(items, list) else [items]:
        item = copy.deepcopy(item)
        item.setdefault("end", max_epochs if item.get("by_epoch", True) else max_iters)
        default = dict(optimizer=opt, epoch_length=per_epoch)
        schedulers.append(PARAM_SCHEDULERS.build(item, default_args=default))
    lrs: list[float] = []
    for _ in range(max_epochs):
        for _ in range(per_epoch):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            for s in schedulers:
                if not s.by_epoch:
                    s.step()
        for s in schedulers:
            if s.by_epoch:
                s.step()
    write(out, lrs)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1)
