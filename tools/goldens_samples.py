"""Write the golden traces of sample_configs/ into tests/golden/samples/<stem>.csv.

Run as ``python tools/goldens_samples.py [--timm-src DIR]`` with a Python that has torch
and transformers (timm as in tools/goldens_hf.py: installed, or an unpacked wheel given
by ``--timm-src``). tests/test_samples.py compares ``lrplot run <config>`` with them.

Each sample is written out here again as the real library's own objects (torch's
schedulers, transformers' ``get_scheduler``, timm's ``CosineLRScheduler``), not through
lrplot: only the metric a plateau sample feeds its scheduler comes from outside torch (the
sample's metric file, or lrplot's synthetic metric with the sample's settings). The
training loop is golden_io's (:func:`golden_io.record`): the LR of every optimizer step.

The file format: line 1 is ``# {json}`` (the sample and what produced each column), then
a CSV whose header is lrplot's own for that config (``step``, then ``lr`` for one
schedule or each schedule's label, ``<label> momentum`` where the scheduler cycles the
momentum, ``metric`` for a plateau), one row per optimizer step, floats by ``repr``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import golden_io
from goldens_deepspeed import SAMPLES as DEEPSPEED_SAMPLES
from goldens_hf import load_timm

try:
    import torch
    import transformers
    from torch.optim import lr_scheduler as tl
except ImportError as err:  # pragma: no cover - depends on the machine
    sys.exit(f"goldens_samples.py needs torch and transformers ({err}); install them, then rerun")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_configs"
FOLDER = golden_io.GOLDEN / "samples"
Factory = Callable[[Any], Any]  # the optimizer -> its scheduler


@dataclass
class Column:
    """One schedule of a sample: its CSV column (lrplot's header) and the real scheduler."""

    name: str
    about: str  # what produced it, for the file's first line
    factory: Factory
    momentum: float | None = None  # SGD's momentum, for the schedulers that cycle it
    metric: list[float] | None = None  # one value per scheduler step (ReduceLROnPlateau)
    step: Callable[[Any, int], None] | None = None  # how the j-th scheduler step is taken


@dataclass
class Sample:
    config: str  # its file in sample_configs/
    lr: float
    epochs: int
    columns: list[Column]
    steps_per_epoch: int = 1
    interval: str = "epoch"
    extra: dict[str, Any] = field(default_factory=dict)

    def spec(self) -> dict[str, Any]:
        return {
            "sample": self.config,
            "lr": self.lr,
            "epochs": self.epochs,
            "steps_per_epoch": self.steps_per_epoch,
            "interval": self.interval,
            "columns": {c.name: c.about for c in self.columns},
        }


def val_loss() -> list[float]:
    """sample_configs/val_loss.csv's val_loss column, as plateau.toml reads it."""
    with (SAMPLES / "val_loss.csv").open(newline="", encoding="utf-8") as f:
        return [float(row["val_loss"]) for row in csv.DictReader(f)]


def synthetic(
    shape: str, noise: float, drops: int, seed: int, count: int, mode: str
) -> list[float]:
    """lrplot's synthetic metric with a sample's [metric] settings: an input, like a file."""
    from lrplot.metrics import SyntheticMetric

    return SyntheticMetric(shape, noise, drops, seed).values(count, mode).tolist()


def hf(name: str, warmup: int, training: int, **kwargs: Any) -> Factory:
    """transformers.get_scheduler(name, ...), as the Trainer builds it."""
    return lambda opt: transformers.get_scheduler(
        name,
        opt,
        num_warmup_steps=warmup,
        num_training_steps=training,
        scheduler_specific_kwargs=kwargs,
    )


def timm_epoch_step(sched: Any, j: int) -> None:
    sched.step(j + 1)  # timm's train loop: lr_scheduler.step(epoch + 1) after each epoch


def samples(timm: types.ModuleType) -> list[Sample]:
    accuracy = synthetic("plateaus", 0.01, 3, 0, 120, "max")
    return [
        Sample("step.toml", 0.1, 90, [
            Column("lr", "StepLR(step_size=30, gamma=0.1)",
                   lambda o: tl.StepLR(o, step_size=30, gamma=0.1)),
        ]),
        Sample("multistep.toml", 0.1, 200, [
            Column("lr", "MultiStepLR(milestones=[60, 120, 160], gamma=0.2)",
                   lambda o: tl.MultiStepLR(o, milestones=[60, 120, 160], gamma=0.2)),
        ]),
        Sample("exponential.json", 0.01, 50, [
            Column("lr", "ExponentialLR(gamma=0.95)", lambda o: tl.ExponentialLR(o, gamma=0.95)),
        ]),
        Sample("cosine.toml", 0.1, 100, [
            Column("lr", "CosineAnnealingLR(T_max=100, eta_min=1e-4)",
                   lambda o: tl.CosineAnnealingLR(o, T_max=100, eta_min=1e-4)),
        ]),
        Sample("cosine_per_step.toml", 0.1, 30, steps_per_epoch=391, interval="step", columns=[
            Column("lr", "CosineAnnealingLR(T_max=11730), stepped per batch",
                   lambda o: tl.CosineAnnealingLR(o, T_max=11730)),
        ]),
        Sample("plateau.toml", 1e-3, 60, [
            Column("lr", "ReduceLROnPlateau(mode=min, factor=0.5, patience=4, min_lr=1e-5), "
                   "step(val_loss.csv's val_loss)",
                   lambda o: tl.ReduceLROnPlateau(o, mode="min", factor=0.5, patience=4,
                                                  min_lr=1e-5),
                   metric=val_loss()[:60]),
        ]),
        Sample("plateau_accuracy.toml", 0.1, 120, [
            Column("lr", "ReduceLROnPlateau(mode=max, factor=0.1, patience=8, threshold=1e-3, "
                   "cooldown=3), step(lrplot's synthetic plateaus metric, drops 3, noise 0.01, "
                   "seed 0)",
                   lambda o: tl.ReduceLROnPlateau(o, mode="max", factor=0.1, patience=8,
                                                  threshold=1e-3, cooldown=3),
                   metric=accuracy),
        ]),
        Sample("compare.toml", 0.1, 100, [
            Column("step /10 every 30", "StepLR(step_size=30, gamma=0.1)",
                   lambda o: tl.StepLR(o, step_size=30, gamma=0.1)),
            Column("multistep 50,75", "MultiStepLR(milestones=[50, 75], gamma=0.1)",
                   lambda o: tl.MultiStepLR(o, milestones=[50, 75], gamma=0.1)),
            Column("exponential 0.95", "ExponentialLR(gamma=0.95)",
                   lambda o: tl.ExponentialLR(o, gamma=0.95)),
            Column("cosine t_max=100", "CosineAnnealingLR(T_max=100)",
                   lambda o: tl.CosineAnnealingLR(o, T_max=100)),
        ]),
        Sample("onecycle_cyclic.toml", 0.1, 10, steps_per_epoch=100, interval="step", columns=[
            Column("onecycle", "OneCycleLR(max_lr=0.1, total_steps=1000), SGD momentum 0.9",
                   lambda o: tl.OneCycleLR(o, max_lr=0.1, total_steps=1000), momentum=0.9),
            Column("cyclic triangular2", "CyclicLR(base_lr=0.001, max_lr=0.1, "
                   "step_size_up=100, mode=triangular2), SGD momentum 0.9",
                   lambda o: tl.CyclicLR(o, base_lr=0.001, max_lr=0.1, step_size_up=100,
                                         mode="triangular2"), momentum=0.9),
        ]),
        Sample("sequential_warmup.toml", 0.1, 100, [
            Column("SequentialLR", "SequentialLR([LinearLR(start_factor=0.1, total_iters=5), "
                   "CosineAnnealingLR(T_max=95)], milestones=[5])", sequential_warmup),
            # lrplot's warmup option is meant to be this same curve
            Column("cosine + warmup", "the same SequentialLR", sequential_warmup),
        ]),
        Sample("lambda.toml", 0.1, 30, [
            Column("lambda: warmup 5, then x0.9",
                   "LambdaLR(lambda epoch: min(1, (epoch + 1) / 5) * 0.9 ** max(0, epoch - 4))",
                   lambda o: tl.LambdaLR(
                       o, lambda epoch: min(1, (epoch + 1) / 5) * 0.9 ** max(0, epoch - 4))),
            Column("multiplicative: halve every 10",
                   "MultiplicativeLR(lambda epoch: 0.5 if epoch % 10 == 0 else 1)",
                   lambda o: tl.MultiplicativeLR(
                       o, lambda epoch: 0.5 if epoch % 10 == 0 else 1)),
        ]),
        Sample("hf_llm.toml", 3e-4, 2, steps_per_epoch=1000, interval="step", columns=[
            Column("cosine", "transformers get_scheduler('cosine', num_warmup_steps=100, "
                   "num_training_steps=2000)", hf("cosine", 100, 2000)),
            Column("wsd 1-sqrt", "transformers get_scheduler('warmup_stable_decay', "
                   "num_warmup_steps=100, num_training_steps=2000, num_decay_steps=400, "
                   "decay_type='1-sqrt')",
                   hf("warmup_stable_decay", 100, 2000, num_decay_steps=400,
                      decay_type="1-sqrt")),
            Column("inverse sqrt", "transformers get_scheduler('inverse_sqrt', "
                   "num_warmup_steps=100)", hf("inverse_sqrt", 100, 2000)),
        ]),
        Sample("timm_cosine.toml", 0.1, 70, [
            Column("lr", "timm CosineLRScheduler(t_initial=20, lr_min=1e-4, cycle_decay=0.5, "
                   "cycle_limit=3, warmup_t=3, warmup_lr_init=1e-5), step(epoch + 1)",
                   lambda o: timm.CosineLRScheduler(
                       o, t_initial=20, lr_min=1e-4, cycle_decay=0.5, cycle_limit=3,
                       warmup_t=3, warmup_lr_init=1e-5, t_in_epochs=True),
                   step=timm_epoch_step),
        ]),
    ]  # fmt: skip


def sequential_warmup(opt: Any) -> Any:
    warmup = tl.LinearLR(opt, start_factor=0.1, total_iters=5)
    cosine = tl.CosineAnnealingLR(opt, T_max=95)
    return tl.SequentialLR(opt, schedulers=[warmup, cosine], milestones=[5])


def run(sample: Sample) -> dict[str, list[float]]:
    """Every column of the sample: the LRs (and momenta, metric) of every optimizer step."""
    spec = {"lr": sample.lr, "epochs": sample.epochs, "steps_per_epoch": sample.steps_per_epoch,
            "interval": sample.interval}  # fmt: skip
    out: dict[str, list[float]] = {}
    for c in sample.columns:
        keys = ("lr",) if c.momentum is None else ("lr", "momentum")
        got = golden_io.record(
            spec, c.factory, keys=keys, metric=c.metric, momentum=c.momentum, step=c.step
        )
        out[c.name] = got["lr"]
        if "momentum" in got:
            out[f"{c.name} momentum"] = got["momentum"]
        if "metric" in got:
            out["metric"] = got["metric"]
    return out


def write(path: Path, spec: dict[str, Any], columns: dict[str, list[float]]) -> None:
    """``# {json}``, then ``step,<columns>`` (quoted where a label needs it), floats by repr."""
    rows = zip(*columns.values(), strict=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        f.write("# " + json.dumps(spec, separators=(", ", ": ")) + "\n")
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["step", *columns])
        out.writerows([k, *(repr(float(v)) for v in row)] for k, row in enumerate(rows))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timm-src", type=Path, help="an unpacked timm wheel (if not installed)")
    args = parser.parse_args()
    timm = load_timm(args.timm_src)
    if timm is None:
        sys.exit("timm_cosine.toml needs timm: install it, or give --timm-src (an unpacked wheel)")
    todo = samples(timm)
    configs = {p.name for p in SAMPLES.iterdir() if p.suffix in (".toml", ".json", ".yaml")}
    framework = {"hf_trainer.json", "timm_train.yaml", "lightning.yaml", "mmengine.json"}
    framework |= set(DEEPSPEED_SAMPLES)  # written by goldens_deepspeed.py
    missing = configs - framework - {s.config for s in todo}  # those: goldens_frameworks.py
    if missing:
        sys.exit(f"no golden recipe for {sorted(missing)}: add one to samples()")
    FOLDER.mkdir(parents=True, exist_ok=True)
    current = {f"{Path(s.config).stem}.csv" for s in todo}
    if len(current) != len(todo):
        sys.exit("two samples share a file stem")
    others = {f"{Path(name).stem}.csv" for name in DEEPSPEED_SAMPLES}
    for old in FOLDER.glob("*.csv"):
        if old.name not in current | others:
            old.unlink()  # a sample that is gone
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for sample in todo:
            write(FOLDER / f"{Path(sample.config).stem}.csv", sample.spec(), run(sample))
    source = Path(timm.__path__[0]).parent.parent
    print(
        f"wrote {len(todo)} golden files to {FOLDER} (torch {torch.__version__}, "
        f"transformers {transformers.__version__}, timm from {source})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
