"""Write golden LR traces of runs with several optimizer param groups (lrplot.groups).

Run as ``python tools/goldens_groups.py [--timm-src DIR]`` with torch 2.13. Each case
builds ``torch.optim.SGD`` with one param group per lrplot group (group lr = the run's
lr x the group's scale, Python's float product), the scheduler from
``torch.optim.lr_scheduler`` on it (OneCycleLR's ``max_lr`` and CyclicLR's ``base_lr``
/ ``max_lr`` as per-group lists, scaled the same way; every other argument shared),
and runs the seed's training loop (tools/golden_io.py), recording every group's lr
before each optimizer step.

The layer-decay cases take their scales from timm 1.0.31's own
``param_groups_layer_decay`` (timm/optim/_param_groups.py, loaded alone with
timm/models/_manipulate.py: timm's package would import torchvision) on a ViT-shaped
module (cls_token, pos_embed, patch_embed, blocks.0 .. blocks.{L-1}, norm, head, with
VisionTransformer's group_matcher): one column per layer id, ``lr[layer_{i}]``. Give
the unpacked wheel with ``--timm-src`` (``pip download timm==1.0.31 --no-deps``, then
``python -m zipfile -e timm-1.0.31-py3-none-any.whl DIR``); without it the layer-decay
files are left as they are.

The timm cases (``11-timm-*``, ``12-timm-*``) run timm's own CosineLRScheduler /
TanhLRScheduler (timm/scheduler/*.py, loaded alone) on param groups that all have the
run's lr and each its ``lr_scale`` (timm's layer-decay groups), stepped as timm's
train.py steps them; they need ``--timm-src`` too.

The transformers cases (``13-hf-*`` ..) need transformers 5.24 in this Python (its
lambdas read ``optimizer.defaults["lr"]``, the run's lr, besides each group's base lr);
without it those files are left as they are.

The files (tests/golden/groups/<name>.csv): line 1 ``# {json}`` (the lrplot SPEC, the
run, the groups or layer_decay/num_layers, the plan), then ``step,lr[NAME],...``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import sys
import types
import warnings
from pathlib import Path
from typing import Any

import golden_io

try:
    import torch
    from torch.optim import lr_scheduler as S
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit("goldens_groups.py needs PyTorch 2.13 (not a dependency of lrplot)")

OUT = golden_io.GOLDEN / "groups"

Case = dict[str, Any]
# (torch class, kwargs, the kwargs that are per-group lists) or a composition
Torch = tuple[str, dict[str, Any], tuple[str, ...]]


def case(
    name: str,
    spec: str,
    torch_sched: Any,
    *,
    groups: list[tuple[str, float]] | None = None,
    layer_decay: float | None = None,
    num_layers: int | None = None,
    lr: float = 0.1,
    epochs: int = 30,
    steps_per_epoch: int = 1,
    interval: str = "epoch",
    plan: dict[str, Any] | None = None,
) -> Case:
    run: dict[str, Any] = {
        "spec": spec,
        "lr": lr,
        "epochs": epochs,
        "steps_per_epoch": steps_per_epoch,
        "interval": interval,
    }
    if groups is not None:
        run["groups"] = [[n, s] for n, s in groups]
    if layer_decay is not None:
        run["layer_decay"] = layer_decay
        run["num_layers"] = num_layers
    if plan is not None:
        run["plan"] = plan
    return {"name": name, "spec": run, "torch": torch_sched}


def cls(name: str, kwargs: dict[str, Any], per_group: tuple[str, ...] = ()) -> Torch:
    return (name, kwargs, per_group)


TWO = [("backbone", 0.1), ("head", 1.0)]


def cases() -> list[Case]:
    return [
        case(
            "01-step-two",
            "step:step_size=3,gamma=0.5",
            cls("StepLR", {"step_size": 3, "gamma": 0.5}),
            groups=TWO,
            epochs=12,
        ),
        case(
            "02-cosine-eta-min-shared",
            "cosine:t_max=20,eta_min=0.001",
            cls("CosineAnnealingLR", {"T_max": 20, "eta_min": 0.001}),
            groups=[("embed", 0.01), ("body", 0.5), ("head", 2.0)],
            epochs=30,
        ),
        case(
            "03-onecycle-max-lr-list",
            "onecycle:max_lr=0.4",
            cls("OneCycleLR", {"max_lr": 0.4, "total_steps": 100}, ("max_lr",)),
            groups=TWO,
            epochs=5,
            steps_per_epoch=20,
            interval="step",
        ),
        case(
            "04-cyclic-lists",
            "cyclic:base_lr=0.001,max_lr=0.1,step_size_up=5,mode=triangular2",
            cls(
                "CyclicLR",
                {"base_lr": 0.001, "max_lr": 0.1, "step_size_up": 5, "mode": "triangular2"},
                ("base_lr", "max_lr"),
            ),
            groups=[("backbone", 0.25), ("head", 1.0)],
            epochs=40,
        ),
        case(
            "05-layer-decay-12",
            "cosine:t_max=30",
            cls("CosineAnnealingLR", {"T_max": 30}),
            layer_decay=0.65,
            num_layers=12,
            lr=1e-3,
            epochs=30,
        ),
        case(
            "06-sequential-warmup-cosine",
            "sequential:schedulers=[linear:start_factor=0.1,total_iters=5; cosine:t_max=25],"
            "milestones=[5]",
            (
                "SequentialLR",
                [
                    cls("LinearLR", {"start_factor": 0.1, "total_iters": 5}),
                    cls("CosineAnnealingLR", {"T_max": 25}),
                ],
                [5],
            ),
            groups=TWO,
            epochs=30,
        ),
        case(
            "07-exponential-per-step",
            "exponential:gamma=0.99",
            cls("ExponentialLR", {"gamma": 0.99}),
            groups=[("a", 3.0), ("b", 0.7), ("c", 1e-3)],
            epochs=4,
            steps_per_epoch=25,
            interval="step",
        ),
        case(
            "08-layer-decay-onecycle",
            "onecycle:max_lr=0.01,pct_start=0.25",
            cls("OneCycleLR", {"max_lr": 0.01, "total_steps": 60, "pct_start": 0.25}, ("max_lr",)),
            layer_decay=0.75,
            num_layers=4,
            epochs=3,
            steps_per_epoch=20,
            interval="step",
        ),
        case(
            "09-batch-scaled-groups",
            "multistep:milestones=[10,20],gamma=0.1",
            cls("MultiStepLR", {"milestones": [10, 20], "gamma": 0.1}),
            groups=TWO,
            epochs=25,
            steps_per_epoch=2,  # what the plan gives: ceil(ceil(1000 / 256) / 2)
            plan={
                "dataset_size": 1000,
                "batch_size": 64,
                "devices": 4,
                "grad_accum": 2,
                "reference_batch": 128,
                "scale": "linear",
            },
        ),
        case(
            "10-batch-sqrt-onecycle",
            "onecycle:max_lr=0.2",
            cls("OneCycleLR", {"max_lr": 0.2, "total_steps": 8}, ("max_lr",)),
            groups=[("backbone", 0.3), ("head", 1.0)],
            epochs=8,
            steps_per_epoch=6,  # ceil(16 batches / 3)
            plan={
                "dataset_size": 512,
                "batch_size": 32,
                "devices": 1,
                "grad_accum": 3,
                "reference_batch": 64,
                "scale": "sqrt",
            },
        ),
        # timm's own schedulers: every group at the base lr with its lr_scale, which
        # timm's Scheduler.update_groups multiplies in (value * lr_scale)
        case(
            "11-timm-cosine-layer-decay",
            "timm-cosine:t_initial=30,warmup_t=3,warmup_lr_init=1e-6,lr_min=1e-5",
            (
                "timm",
                "CosineLRScheduler",
                {"t_initial": 30, "warmup_t": 3, "warmup_lr_init": 1e-6, "lr_min": 1e-5},
            ),
            layer_decay=0.75,
            num_layers=4,
            lr=1e-3,
            epochs=30,
        ),
        case(
            "12-timm-tanh-groups-per-step",
            "timm-tanh:t_initial=20,warmup_t=4,warmup_lr_init=1e-4",
            ("timm", "TanhLRScheduler", {"t_initial": 20, "warmup_t": 4, "warmup_lr_init": 1e-4}),
            groups=TWO,
            epochs=2,
            steps_per_epoch=10,
            interval="step",
        ),
        # transformers' lambdas that read optimizer.defaults["lr"] (the run's lr) as well
        # as each group's own base lr
        case(
            "13-hf-polynomial-groups",
            "hf-polynomial:num_warmup_steps=3,num_training_steps=20,lr_end=0.001,power=2",
            (
                "hf",
                "get_polynomial_decay_schedule_with_warmup",
                {"num_warmup_steps": 3, "num_training_steps": 20, "lr_end": 0.001, "power": 2.0},
            ),
            groups=[("backbone", 0.5), ("head", 1.0)],
            epochs=25,
        ),
        case(
            "14-hf-cosine-min-lr-groups",
            "hf-cosine-with-min-lr:num_warmup_steps=2,num_training_steps=20,min_lr=0.002",
            (
                "hf",
                "get_cosine_with_min_lr_schedule_with_warmup",
                {"num_warmup_steps": 2, "num_training_steps": 20, "min_lr": 0.002},
            ),
            groups=[("backbone", 0.1), ("head", 1.0)],
            epochs=20,
        ),
        case(
            "15-hf-cosine-warmup-min-lr-groups",
            "hf-cosine-warmup-with-min-lr:num_warmup_steps=4,num_training_steps=20,min_lr=0.005",
            (
                "hf",
                "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
                {"num_warmup_steps": 4, "num_training_steps": 20, "min_lr": 0.005},
            ),
            groups=[("a", 0.3), ("b", 3.0)],
            epochs=20,
        ),
    ]


def lr_factor(plan: dict[str, Any] | None) -> float:
    """Batch-size scaling: k = batch_size x devices x grad_accum / reference_batch."""
    if plan is None:
        return 1.0
    k = plan["batch_size"] * plan["devices"] * plan["grad_accum"] / plan["reference_batch"]
    return k if plan["scale"] == "linear" else math.sqrt(k)


def load_timm(src: Path) -> tuple[Any, Any]:
    """timm's optim/_param_groups.py (param_groups_layer_decay) and its scheduler
    package (CosineLRScheduler, TanhLRScheduler), from its source files alone."""
    timm = types.ModuleType("timm")
    timm.__path__ = []  # type: ignore[attr-defined]
    layers = types.ModuleType("timm.layers")
    layers.use_reentrant_ckpt = lambda: False  # type: ignore[attr-defined]
    sys.modules.update({"timm": timm, "timm.layers": layers})

    def load(name: str, path: Path) -> Any:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module

    manipulate = load("timm.models._manipulate", src / "timm/models/_manipulate.py")
    models = types.ModuleType("timm.models")
    models.group_parameters = manipulate.group_parameters  # type: ignore[attr-defined]
    sys.modules["timm.models"] = models
    param_groups = load("timm.optim._param_groups", src / "timm/optim/_param_groups.py")
    scheduler = types.ModuleType("timm.scheduler")
    scheduler.__path__ = [str(src / "timm/scheduler")]  # type: ignore[attr-defined]
    sys.modules["timm.scheduler"] = scheduler
    for name in ("scheduler", "cosine_lr", "tanh_lr"):
        setattr(scheduler, name, load(f"timm.scheduler.{name}", src / f"timm/scheduler/{name}.py"))
    return param_groups, scheduler


class TinyViT(torch.nn.Module):
    """The parameter names of timm's VisionTransformer, and its group_matcher."""

    def __init__(self, depth: int) -> None:
        super().__init__()
        self.cls_token = torch.nn.Parameter(torch.zeros(1, 1, 2))
        self.pos_embed = torch.nn.Parameter(torch.zeros(1, 2, 2))
        self.patch_embed = torch.nn.Linear(2, 2)
        self.blocks = torch.nn.ModuleList(torch.nn.Linear(2, 2) for _ in range(depth))
        self.norm = torch.nn.LayerNorm(2)
        self.head = torch.nn.Linear(2, 2)

    def group_matcher(self, coarse: bool = False) -> dict[str, Any]:
        return dict(  # timm 1.0.31 vision_transformer.py, VisionTransformer.group_matcher
            stem=r"^cls_token|reg_token|pos_embed|patch_embed|norm_pre",
            blocks=[(r"^blocks\.(\d+)", None), (r"^norm", (99999,))],
        )


def layer_scales(timm_groups: Any, decay: float, depth: int) -> list[tuple[str, float]]:
    """One (layer_{i}, lr_scale) per layer id, from timm's groups (decay and no_decay
    groups of a layer share their scale)."""
    groups = timm_groups.param_groups_layer_decay(TinyViT(depth), layer_decay=decay)
    scales: list[float] = []
    for g in groups:
        if g["lr_scale"] not in scales:
            scales.append(g["lr_scale"])
    scales.sort()  # layer 0 (the stem) has the smallest scale, the head 1.0
    return [(f"layer_{i}", s) for i, s in enumerate(scales)]


def build(opt: Any, desc: Any, scales: list[float]) -> Any:
    name = desc[0]
    if name == "hf":  # a transformers schedule: a LambdaLR on every group
        from transformers import optimization

        return getattr(optimization, desc[1])(opt, **desc[2])
    if name == "SequentialLR":
        children = [build(opt, d, scales) for d in desc[1]]
        return S.SequentialLR(opt, children, milestones=desc[2])
    _, kwargs, per_group = desc
    args = {k: ([v * s for s in scales] if k in per_group else v) for k, v in kwargs.items()}
    return getattr(S, name)(opt, **args)


def run_timm(c: Case, groups: list[tuple[str, float]], scheduler: Any) -> dict[str, list[float]]:
    """timm's scheduler on param groups of one lr, each with its lr_scale, stepped as
    timm's train.py does: step(epoch + 1) per epoch, step_update(num_updates) per step."""
    spec = c["spec"]
    _, name, kwargs = c["torch"]
    cls = getattr(scheduler.cosine_lr if "Cosine" in name else scheduler.tanh_lr, name)
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in groups]
    lr = spec["lr"]
    opt = torch.optim.SGD(
        [
            {"params": [p], "lr": lr, "lr_scale": s}
            for p, (_, s) in zip(params, groups, strict=True)
        ],
        lr=lr,
    )
    per_epoch = spec["interval"] == "epoch"
    sched = cls(opt, t_in_epochs=per_epoch, **kwargs)
    columns: dict[str, list[float]] = {f"lr[{n}]": [] for n, _ in groups}
    j = 0
    for _epoch in range(spec["epochs"]):
        for _batch in range(spec["steps_per_epoch"]):
            for (n, _), g in zip(groups, opt.param_groups, strict=True):
                columns[f"lr[{n}]"].append(g["lr"])
            opt.step()
            if not per_epoch:
                j += 1
                sched.step_update(num_updates=j)
        if per_epoch:
            j += 1
            sched.step(j)
    return columns


def run(c: Case, groups: list[tuple[str, float]]) -> dict[str, list[float]]:
    spec = c["spec"]
    factor = lr_factor(spec.get("plan"))
    lr = spec["lr"] * factor if "plan" in spec else spec["lr"]
    scales = [s for _, s in groups]
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in groups]
    opt = torch.optim.SGD(
        [{"params": [p], "lr": lr * s} for p, s in zip(params, scales, strict=True)], lr=lr
    )
    desc = c["torch"]
    if factor != 1.0:  # the schedule's own LRs (OneCycleLR's max_lr) get the same factor
        desc = (
            desc[0],
            {k: v * factor if k in desc[2] else v for k, v in desc[1].items()},
            desc[2],
        )
    sched = build(opt, desc, scales)
    columns: dict[str, list[float]] = {f"lr[{n}]": [] for n, _ in groups}
    for _epoch in range(spec["epochs"]):
        for _batch in range(spec["steps_per_epoch"]):
            for (n, _), g in zip(groups, opt.param_groups, strict=True):
                columns[f"lr[{n}]"].append(g["lr"])
            opt.step()
            if spec["interval"] == "step":
                sched.step()
        if spec["interval"] == "epoch":
            sched.step()
    return columns


def write(path: Path, spec: dict[str, Any], columns: dict[str, list[float]]) -> None:
    lines = ["# " + json.dumps(spec, separators=(", ", ": ")), ",".join(["step", *columns])]
    rows = zip(*columns.values(), strict=True)
    lines += [",".join([str(k), *(repr(float(v)) for v in row)]) for k, row in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timm-src", type=Path, help="an unpacked timm 1.0.31 wheel")
    args = parser.parse_args()
    timm_groups, timm_scheduler = load_timm(args.timm_src) if args.timm_src else (None, None)
    OUT.mkdir(parents=True, exist_ok=True)
    current = {c["name"] for c in cases()}
    for old in OUT.glob("*.csv"):
        if old.stem not in current:
            old.unlink()
    written = 0
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for c in cases():
            spec = c["spec"]
            is_timm = c["torch"][0] == "timm"
            if ("layer_decay" in spec or is_timm) and timm_groups is None:
                continue  # needs timm's files: left as it is
            if c["torch"][0] == "hf" and importlib.util.find_spec("transformers") is None:
                continue  # needs transformers: left as it is
            if "layer_decay" in spec:
                groups = layer_scales(timm_groups, spec["layer_decay"], spec["num_layers"])
            else:
                groups = [(n, s) for n, s in spec["groups"]]
            columns = run_timm(c, groups, timm_scheduler) if is_timm else run(c, groups)
            write(OUT / f"{c['name']}.csv", spec, columns)
            written += 1
    print(f"wrote {written} golden files to {OUT} (torch {torch.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
