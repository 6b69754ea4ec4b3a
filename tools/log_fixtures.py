"""Record the real-framework log fixtures of tests/fixtures/logs/ (lrplot issue 10).

Each case runs a tiny real training (a 4 -> 1 linear model on random data, CPU, a
second or two) with a real framework, right or with one mistake injected the way it
happens in real runs, and keeps only its small log files (never a checkpoint):

* transformers 5.24 ``Trainer``: ``trainer_state.json`` (in one case also its
  TensorBoardCallback's event file, in another its MLflowCallback's run), and one run
  of transformers 4.50.3;
* Lightning 2.6 with ``LearningRateMonitor``, ``CSVLogger`` and ``TensorBoardLogger``:
  ``metrics.csv`` and the event file (in one case also its ``MLFlowLogger``'s run);
* a plain Accelerate loop on 2 CPU processes (torchrun), its scheduler prepared;
* a plain torch loop writing the LR with ``torch.utils.tensorboard.SummaryWriter``, a
  CSV file, JSON lines, MLflow's file store (``mlflow`` itself, ``file:`` tracking URI);
* a W&B "Export CSV" of a plain torch loop: W&B cannot run offline into an export, so
  that file is written here in the export's documented layout (``Step``,
  ``<run> - <key>``, ``<run> - <key>__MIN``, ``<run> - <key>__MAX``); its LRs are the
  torch loop's.

It writes ``tests/fixtures/logs/<case>/...`` and the manifest
``tests/fixtures/logs/cases.toml``: per case the lrplot command line of the schedule
the run was CONFIGURED with, the verdict a comparison must reach, the cause of a
mismatch, the command line of what really ran (when lrplot can say it; it may use the
comparison's options ``--scheduler-steps K``, ``--scheduler-every K``, ``--resume-at R
--resume-mode fresh|jump``), and what was injected.

Run it with torch 2.13.0, transformers 5.24.0, lightning 2.6.6, tensorboard, accelerate
and mlflow-skinny in one virtualenv (see docs/logs.md); names after the options record
only those cases. Event files, MLflow and HF's trainer_state.json hold wall-clock times,
so a rerun rewrites the same LRs and steps, not the same bytes.

    python tools/log_fixtures.py [--hf450-python ENV/bin/python] [CASE ...]

``--hf450-python`` gives a Python with transformers 4.50.3 (torch 2.13.0, accelerate):
it records the one case of a transformers that logged the next step's LR.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "logs"
EPOCHS = 3
BATCHES = 10  # per epoch
BATCH = 4
STEPS = EPOCHS * BATCHES


@dataclass
class Case:
    name: str
    log: str  # relative to OUT
    configured: list[str]
    verdict: str  # match | mismatch
    cause: str  # "" for a match
    injected: str
    truth: list[str] | None = None
    log_key: str | None = None  # the --log-key a reader needs (several LR keys)
    log_format: str | None = None  # the --log-format a reader needs (not told by the file)
    record: Callable[[Case, Path], None] = field(default=lambda c, d: None, repr=False)


def run_settings(interval: str = "step") -> list[str]:
    return [
        "--epochs",
        str(EPOCHS),
        "--steps-per-epoch",
        str(BATCHES),
        "--interval",
        interval,
    ]


# --- data ---------------------------------------------------------------------------------


def tensors(samples: int):  # -> (x, y)
    import torch

    generator = torch.Generator().manual_seed(0)
    x = torch.randn(samples, 4, generator=generator)
    y = x @ torch.tensor([1.0, -2.0, 0.5, 3.0]) + 0.1 * torch.randn(samples, generator=generator)
    return x, y


def keep(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)


def event_file(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*tfevents*") if p.is_file())


# --- transformers Trainer -------------------------------------------------------------------


def hf_trainer(
    out: Path,
    *,
    lr: float = 1e-3,
    scheduler: str = "cosine",
    warmup: int = 5,
    logging_steps: int = 1,
    accumulate: int = 1,
    epochs: int = EPOCHS,
    tensorboard: bool = False,
    report_to: str | list[str] | None = None,
    callbacks: tuple = (),
    optimizers: Callable | None = None,
    save_steps: int | None = None,
    resume: str | None = None,
    seed_model: bool = True,
):
    import torch
    from torch import nn
    from transformers import Trainer, TrainingArguments

    class Tiny(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = nn.Linear(4, 1)

        def forward(self, x, labels=None):
            pred = self.lin(x).squeeze(-1)
            return {"loss": nn.functional.mse_loss(pred, labels), "logits": pred}

    class Data(torch.utils.data.Dataset):
        def __init__(self, samples: int) -> None:
            self.x, self.y = tensors(samples)

        def __len__(self) -> int:
            return len(self.x)

        def __getitem__(self, i):
            return {"x": self.x[i], "labels": self.y[i]}

    if seed_model:
        torch.manual_seed(0)
    model = Tiny()
    args = TrainingArguments(
        output_dir=str(out),
        per_device_train_batch_size=BATCH,
        gradient_accumulation_steps=accumulate,
        num_train_epochs=epochs,
        learning_rate=lr,
        lr_scheduler_type=scheduler,
        warmup_steps=warmup,
        weight_decay=0.0,
        logging_steps=logging_steps,
        save_strategy="steps" if save_steps else "no",
        save_steps=save_steps or 500,
        report_to=report_to or (["tensorboard"] if tensorboard else "none"),
        use_cpu=True,
        seed=0,
        disable_tqdm=True,
        dataloader_num_workers=0,
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=Data(BATCHES * BATCH * accumulate),
        callbacks=list(callbacks),
        optimizers=optimizers(model) if optimizers else (None, None),
    )
    trainer.train(resume_from_checkpoint=resume)
    trainer.save_state()
    return trainer


def hf_keep(case: Case, out: Path, tensorboard: bool = False) -> None:
    keep(out / "trainer_state.json", OUT / case.name / "trainer_state.json")
    if tensorboard:
        (events,) = event_file(out)
        keep(events, OUT / case.name / "runs" / events.name)


def hf_callback(on_step_end: Callable) -> object:
    from transformers import TrainerCallback

    class Inject(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            on_step_end(state, control, kwargs)

    return Inject()


def hf_right(case: Case, out: Path) -> None:
    hf_trainer(out, tensorboard=True)
    hf_keep(case, out, tensorboard=True)


def hf_every5(case: Case, out: Path) -> None:
    hf_trainer(out, scheduler="linear", warmup=3, logging_steps=5)
    hf_keep(case, out)


def hf_multi(case: Case, out: Path) -> None:
    # Accelerate's AcceleratedScheduler steps the scheduler once per process when the
    # batches are not split: on 2 processes, 2 scheduler steps per optimizer step
    def twice(state, control, kwargs) -> None:
        kwargs["lr_scheduler"].step()

    hf_trainer(out, callbacks=(hf_callback(twice),))
    hf_keep(case, out)


def hf_scale(case: Case, out: Path) -> None:
    world_size = 2
    hf_trainer(out, lr=1e-3 * world_size)  # "linear scaling rule" applied to the peak LR
    hf_keep(case, out)


def hf_length(case: Case, out: Path) -> None:
    # the user builds the scheduler with len(train_dataloader) * epochs batches, but with
    # gradient_accumulation_steps=2 the Trainer steps it once per 2 batches
    import torch
    from transformers import get_cosine_schedule_with_warmup

    def build(model):
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.0)
        batches = BATCHES * 2 * EPOCHS
        return optimizer, get_cosine_schedule_with_warmup(optimizer, 5, batches)

    hf_trainer(out, accumulate=2, optimizers=build)
    hf_keep(case, out)


def hf_warmup(case: Case, out: Path) -> None:
    # warmup_steps counted in batches (10 = half an epoch of 20 batches) where the
    # Trainer counts optimizer steps (gradient_accumulation_steps=2): twice as long
    hf_trainer(out, accumulate=2, warmup=10)
    hf_keep(case, out)


def stop_at(step: int) -> object:
    def stop(state, control, kwargs) -> None:
        if state.global_step == step:
            control.should_training_stop = True

    return hf_callback(stop)


def hf_restart(case: Case, out: Path) -> None:
    # the run dies at step 20; it resumes from checkpoint-15, which lost its
    # scheduler.pt (copied without it): the Trainer then loads neither the optimizer
    # nor the scheduler state, and a fresh scheduler starts again at step 15
    hf_trainer(out, save_steps=15, callbacks=(stop_at(20),))
    checkpoint = out / "checkpoint-15"
    (checkpoint / "scheduler.pt").unlink()
    hf_trainer(out, save_steps=15, resume=str(checkpoint))
    hf_keep(case, out)


def hf_changed(case: Case, out: Path) -> None:
    # stopped at step 15 (checkpoint-15), resumed with warmup_steps=10 instead of 5: the
    # scheduler's state (its step count) is loaded, but LambdaLR does not save the
    # lambda's arguments, so the rest of the run follows the new warmup
    hf_trainer(out, save_steps=15, callbacks=(stop_at(15),))
    hf_trainer(out, save_steps=15, warmup=10, resume=str(out / "checkpoint-15"))
    hf_keep(case, out)


def hf_resume_right(case: Case, out: Path) -> None:
    # stopped at step 20, resumed from checkpoint-15 with everything loaded: the log
    # history is the checkpoint's (to 15) and goes on from there
    hf_trainer(out, save_steps=15, callbacks=(stop_at(20),))
    hf_trainer(out, save_steps=15, resume=str(out / "checkpoint-15"))
    hf_keep(case, out)


def hf_longer(case: Case, out: Path) -> None:
    # a linear schedule for 3 epochs, stopped at step 12 (checkpoint-12) and resumed with
    # num_train_epochs=5 to train longer: the config lrplot is given is the resumed
    # run's (50 steps); steps 0..12 followed the first run's num_training_steps 30
    kwargs = {"scheduler": "linear", "warmup": 3, "save_steps": 12}
    hf_trainer(out, callbacks=(stop_at(12),), **kwargs)
    hf_trainer(out, epochs=5, resume=str(out / "checkpoint-12"), **kwargs)
    hf_keep(case, out)


def hf_resume_tensorboard(case: Case, out: Path) -> None:
    # report_to tensorboard, logging_steps=2: stopped at step 12 (checkpoint-12) and
    # resumed; the resumed Trainer's TensorBoardCallback writes a new runs/<date> folder
    import time

    kwargs = {"scheduler": "linear", "warmup": 3, "save_steps": 12, "logging_steps": 2}
    hf_trainer(out, callbacks=(stop_at(12),), tensorboard=True, **kwargs)
    time.sleep(1.1)  # the folder's name has the time in seconds
    hf_trainer(out, resume=str(out / "checkpoint-12"), tensorboard=True, **kwargs)
    for n, events in enumerate(sorted(event_file(out), key=lambda p: p.name)):
        keep(events, OUT / case.name / "runs" / f"run_{n}" / events.name)


# the run's files kept besides metrics/: the params lrplot looks at (of ~120 written)
HF_MLFLOW_PARAMS = ("lr_scheduler_type", "learning_rate", "warmup_steps", "logging_steps")


def hf_mlflow_right(case: Case, out: Path) -> None:
    # report_to mlflow: MLflowCallback logs the Trainer's logs at step=global_step
    os.environ["MLFLOW_TRACKING_URI"] = (out / "mlruns").as_uri()
    os.environ["MLFLOW_EXPERIMENT_NAME"] = "tiny-hf"
    try:
        hf_trainer(out, report_to=["mlflow"])
    finally:
        del os.environ["MLFLOW_TRACKING_URI"], os.environ["MLFLOW_EXPERIMENT_NAME"]
    (run,) = {p.parent.parent for p in (out / "mlruns").rglob("metrics/learning_rate")}
    for metric in (run / "metrics").iterdir():
        keep(metric, OUT / case.name / "metrics" / metric.name)
    for param in HF_MLFLOW_PARAMS:
        keep(run / "params" / param, OUT / case.name / "params" / param)


def hf_argv(name: str, lr: float = 1e-3, warmup: int = 5, total: int = STEPS) -> list[str]:
    return [
        name,
        "--lr",
        repr(lr),
        "--num-warmup-steps",
        str(warmup),
        "--num-training-steps",
        str(total),
        *run_settings(),
    ]


# --- Lightning --------------------------------------------------------------------------------


def lightning_run(
    case: Case,
    out: Path,
    build: Callable,
    *,
    logging_interval: str | None = "step",
    log_every_n_steps: int = 1,
    momentum: bool = True,
    accumulate: int = 1,
    manual: Callable | None = None,
    mlflow_case: str | None = None,
) -> None:
    import lightning as L
    import torch
    from lightning.pytorch.callbacks import LearningRateMonitor
    from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger
    from torch import nn

    class Tiny(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.lin = nn.Linear(4, 1)

        def training_step(self, batch, batch_idx):
            x, y = batch
            loss = nn.functional.mse_loss(self.lin(x).squeeze(-1), y)
            self.log("train_loss", loss)
            if manual is not None:
                manual(self, loss)
            return loss

        def configure_optimizers(self):
            return build(self)

    loggers = [CSVLogger(out, name="csv"), TensorBoardLogger(out, name="tb")]
    if mlflow_case is not None:  # and its MLFlowLogger, into a file store
        from lightning.pytorch.loggers import MLFlowLogger

        loggers.append(MLFlowLogger("tiny-lightning", tracking_uri=(out / "mlruns").as_uri()))
    torch.manual_seed(0)
    x, y = tensors(BATCHES * BATCH)
    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=BATCH)
    trainer = L.Trainer(
        max_epochs=EPOCHS,
        accelerator="cpu",
        devices=1,
        logger=loggers,
        callbacks=[LearningRateMonitor(logging_interval=logging_interval, log_momentum=momentum)],
        log_every_n_steps=log_every_n_steps,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        accumulate_grad_batches=accumulate,
    )
    module = Tiny()
    module.automatic_optimization = manual is None
    trainer.fit(module, data)
    keep(out / "csv" / "version_0" / "metrics.csv", OUT / case.name / "metrics.csv")
    (events,) = event_file(out / "tb")
    keep(events, OUT / case.name / "tb" / events.name)
    if mlflow_case is not None:
        (run,) = {p.parent.parent for p in (out / "mlruns").rglob("metrics/lr-SGD")}
        if (OUT / mlflow_case).exists():
            shutil.rmtree(OUT / mlflow_case)
        for metric in (run / "metrics").iterdir():
            keep(metric, OUT / mlflow_case / "metrics" / metric.name)


def sgd(module, lr: float = 0.1, momentum: float = 0.9):
    import torch

    return torch.optim.SGD(module.parameters(), lr=lr, momentum=momentum)


def onecycle(interval: str) -> Callable:
    def build(module):
        import torch

        optimizer = sgd(module)
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=STEPS)
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": interval},
        }

    return build


def lightning_onecycle_right(case: Case, out: Path) -> None:
    lightning_run(case, out, onecycle("step"), mlflow_case="mlflow-lightning-onecycle-right")


def lightning_onecycle_interval(case: Case, out: Path) -> None:
    # interval "epoch" (Lightning's default) for a per-batch OneCycleLR
    lightning_run(case, out, onecycle("epoch"), logging_interval=None)


def lightning_exponential_interval(case: Case, out: Path) -> None:
    # an ExponentialLR meant per epoch, given interval "step"
    def build(module):
        import torch

        optimizer = sgd(module)
        scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "step"},
        }

    lightning_run(case, out, build, logging_interval=None)


def lightning_cosine_every(case: Case, out: Path) -> None:
    # frequency 2: Lightning steps the scheduler when (batch_idx + 1) % 2 == 0
    def build(module):
        import torch

        optimizer = sgd(module)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=STEPS)
        config = {"scheduler": scheduler, "interval": "step", "frequency": 2}
        return {"optimizer": optimizer, "lr_scheduler": config}

    lightning_run(case, out, build)


def lightning_cosine_groups(case: Case, out: Path) -> None:
    def build(module):
        import torch

        groups = [
            {"params": [module.lin.weight], "lr": 0.1},
            {"params": [module.lin.bias], "lr": 0.01},
        ]
        optimizer = torch.optim.SGD(groups, lr=0.1)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=STEPS)
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "step"},
        }

    lightning_run(case, out, build, log_every_n_steps=5, momentum=False)


def lightning_multistep_epoch(case: Case, out: Path) -> None:
    def build(module):
        import torch

        optimizer = sgd(module)
        scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[1, 2], gamma=0.1)
        return {"optimizer": optimizer, "lr_scheduler": scheduler}  # interval "epoch"

    lightning_run(case, out, build, logging_interval="epoch")


def cosine_config(t_max: int = STEPS, lr: float = 0.1) -> Callable:
    def build(module):
        import torch

        optimizer = sgd(module, lr=lr)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=t_max)
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "step"},
        }

    return build


def lightning_cosine_scale(case: Case, out: Path) -> None:
    lightning_run(case, out, cosine_config(lr=0.1 * 2))  # lr x devices (2)


def lightning_cosine_length(case: Case, out: Path) -> None:
    # T_max = self.trainer.estimated_stepping_batches computed for max_epochs=5
    lightning_run(case, out, cosine_config(t_max=5 * BATCHES))


def lightning_cosine_accumulate(case: Case, out: Path) -> None:
    # accumulate_grad_batches=2: 5 optimizer steps per epoch; the monitor logs at the
    # start of every batch, so each step twice, with the same value
    def build(module):
        import torch

        optimizer = sgd(module)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=STEPS // 2)
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "step"},
        }

    lightning_run(case, out, build, accumulate=2)


def lightning_two_optimizers(case: Case, out: Path) -> None:
    # manual optimization with an SGD and an Adam, each with its CosineAnnealingLR,
    # stepped after every batch: two LR keys, lr-Adam and lr-SGD
    def build(module):
        import torch

        first = torch.optim.SGD([module.lin.weight], lr=0.1, momentum=0.9)
        second = torch.optim.Adam([module.lin.bias], lr=0.01)
        schedulers = [
            torch.optim.lr_scheduler.CosineAnnealingLR(first, T_max=STEPS),
            torch.optim.lr_scheduler.CosineAnnealingLR(second, T_max=STEPS),
        ]
        return [first, second], schedulers

    def step(module, loss) -> None:
        optimizers = module.optimizers()
        for optimizer in optimizers:
            optimizer.zero_grad()
        module.manual_backward(loss)
        for optimizer in optimizers:
            optimizer.step()
        for scheduler in module.lr_schedulers():
            scheduler.step()

    lightning_run(case, out, build, manual=step, momentum=False)


def lightning_resumed(case: Case, out: Path, t_max: Callable) -> None:
    """A fit of 2 epochs, then ``fit(ckpt_path=last.ckpt)`` with max_epochs=4: CSVLogger
    writes each into its own version_N; both are kept. ``t_max(module)`` is the
    CosineAnnealingLR's T_max (stepped per step)."""
    import lightning as L
    import torch
    from lightning.pytorch.callbacks import LearningRateMonitor, ModelCheckpoint
    from lightning.pytorch.loggers import CSVLogger
    from torch import nn

    class Tiny(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.lin = nn.Linear(4, 1)

        def training_step(self, batch, batch_idx):
            x, y = batch
            return nn.functional.mse_loss(self.lin(x).squeeze(-1), y)

        def configure_optimizers(self):
            optimizer = sgd(self)
            scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=t_max(self))
            return {
                "optimizer": optimizer,
                "lr_scheduler": {"scheduler": scheduler, "interval": "step"},
            }

    x, y = tensors(BATCHES * BATCH)
    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=BATCH)
    for epochs, resume in ((2, None), (4, str(out / "ckpt" / "last.ckpt"))):
        torch.manual_seed(0)
        trainer = L.Trainer(
            max_epochs=epochs,
            accelerator="cpu",
            devices=1,
            logger=CSVLogger(out, name="csv"),
            callbacks=[
                LearningRateMonitor(logging_interval="step"),
                ModelCheckpoint(dirpath=out / "ckpt", save_last=True),
            ],
            log_every_n_steps=1,
            enable_progress_bar=False,
            enable_model_summary=False,
        )
        trainer.fit(Tiny(), data, ckpt_path=resume)
    for version in ("version_0", "version_1"):
        src = out / "csv" / version / "metrics.csv"
        keep(src, OUT / case.name / "csv" / version / "metrics.csv")


def lightning_resume_right(case: Case, out: Path) -> None:
    lightning_resumed(case, out, lambda module: 4 * BATCHES)


def lightning_resume_longer(case: Case, out: Path) -> None:
    # T_max = estimated_stepping_batches: 20 in the first fit, 40 in the resumed one,
    # but the restored scheduler state keeps T_max 20: the cosine turns back up
    lightning_resumed(case, out, lambda module: module.trainer.estimated_stepping_batches)


# --- a plain torch loop -------------------------------------------------------------------------


@dataclass
class Logged:
    step: int
    lr: float


def torch_loop(
    build: Callable,
    log: Callable[[int, float], None],
    *,
    steps: int = STEPS,
    after: bool = False,
    every: int = 1,
    start: int = 0,
    state: dict | None = None,
    stop: int | None = None,
    save_at: int | None = None,
    catch_up: bool = False,
    per_epoch: bool = False,
    times: int = 1,
    lr: float = 0.1,
    rebuild: Callable | None = None,
) -> dict | None:
    """SGD over the tiny data, ``scheduler.step()`` after each optimizer step (or every
    ``every``); ``log(step, lr)`` before ``optimizer.step()`` (``after``: after
    ``scheduler.step()``, with the same step number). Resumes from ``state`` at
    ``start``; returns the state saved at ``save_at``."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    scheduler = build(optimizer)
    if state is not None:
        model.load_state_dict(state["model"])
        if "optimizer" in state:  # else a fresh optimizer and scheduler
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
        if catch_up:  # written for a fresh scheduler: fast-forward it to the resume step
            for _ in range(start):
                scheduler.step()
        if rebuild is not None:  # a new scheduler told where it is, with new parameters
            scheduler = rebuild(optimizer, start - 1)
    x, y = tensors(BATCHES * BATCH)
    saved = None
    for step in range(start, steps):
        if save_at is not None and step == save_at:
            saved = {
                "model": {k: v.clone() for k, v in model.state_dict().items()},
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
            }
        if stop is not None and step == stop:
            break
        i = (step % BATCHES) * BATCH
        loss = nn.functional.mse_loss(model(x[i : i + BATCH]).squeeze(-1), y[i : i + BATCH])
        if not after:
            log(step, optimizer.param_groups[0]["lr"])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if per_epoch:
            if (step + 1) % BATCHES == 0:
                scheduler.step()
        elif (step + 1) % every == 0:
            for _ in range(times):
                scheduler.step()
        if after:
            log(step, optimizer.param_groups[0]["lr"])
    return saved


def cosine(t_max: int = STEPS) -> Callable:
    def build(optimizer):
        import torch

        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=t_max)

    return build


def cosine_argv(t_max: int = STEPS, lr: float = 0.1) -> list[str]:
    return ["cosine", "--t-max", str(t_max), "--lr", repr(lr), *run_settings()]


def summary_writer(folder: Path):
    from torch.utils.tensorboard import SummaryWriter

    return SummaryWriter(log_dir=str(folder))


def resumed(state: dict | None, how: bool | str) -> dict | None:
    """The state a run resumes from: all of it, the model's weights only, or none."""
    if not how or state is None:
        return None
    return {"model": state["model"]} if how == "weights" else state


def tb_case(case: Case, out: Path, runs: list[dict]) -> None:
    """One SummaryWriter per run (a resume opens a new one on the same folder)."""
    state = None
    for run in runs:
        writer = summary_writer(out / "tb")
        tag = run.pop("tag", "lr")
        saved = torch_loop(
            run.pop("build", cosine()),
            lambda s, lr, w=writer, t=tag: w.add_scalar(t, lr, s),
            state=resumed(state, run.pop("resume", False)),
            **run,
        )
        state = saved or state
        writer.close()
    for events in event_file(out / "tb"):
        keep(events, OUT / case.name / "tb" / events.name)


def torch_cosine_right(case: Case, out: Path) -> None:
    tb_case(case, out, [{}])


def torch_cosine_hf_tag(case: Case, out: Path) -> None:
    # transformers' tag name in a loop of one's own: not the Trainer's rule
    tb_case(case, out, [{"tag": "train/learning_rate"}])


def torch_cosine_interval(case: Case, out: Path) -> None:
    # scheduler.step() at the end of each epoch, for a T_max counted in batches
    tb_case(case, out, [{"per_epoch": True}])


def torch_cosine_multi(case: Case, out: Path) -> None:
    tb_case(case, out, [{"times": 2}])


def torch_cosine_scale(case: Case, out: Path) -> None:
    tb_case(case, out, [{"lr": 0.1 * 4}])  # lr x world size 4


def torch_cosine_length(case: Case, out: Path) -> None:
    tb_case(case, out, [{"build": cosine(3 * 8)}])  # T_max for a batch size of 5: 3 x 8


def warmup_cosine(warmup: int) -> Callable:
    def build(optimizer):
        import torch

        lr = torch.optim.lr_scheduler
        ramp = lr.LinearLR(optimizer, start_factor=0.1, total_iters=warmup)
        main = lr.CosineAnnealingLR(optimizer, T_max=STEPS - warmup)
        return lr.SequentialLR(optimizer, [ramp, main], milestones=[warmup])

    return build


def warmup_argv(warmup: int = 5) -> list[str]:
    return [
        "sequential",
        "--schedule",
        f"linear:start_factor=0.1,total_iters={warmup}",
        "--schedule",
        f"cosine:t_max={STEPS - warmup}",
        "--milestones",
        str(warmup),
        "--lr",
        "0.1",
        *run_settings(),
    ]


def torch_warmup_right(case: Case, out: Path) -> None:
    tb_case(case, out, [{"build": warmup_cosine(5)}])


def torch_warmup_warmup(case: Case, out: Path) -> None:
    # the warmup given in epochs' worth of batches where 5 steps were meant... 10
    tb_case(case, out, [{"build": warmup_cosine(10)}])


def torch_cosine_restart(case: Case, out: Path) -> None:
    # died at 20; resumed at 15 from the model's weights only: fresh optimizer, scheduler
    tb_case(case, out, [{"stop": 20, "save_at": 15}, {"start": 15, "resume": "weights"}])


def torch_cosine_changed(case: Case, out: Path) -> None:
    # resumed at 15 with everything loaded, then the scheduler rebuilt with T_max=40 (to
    # train longer) and last_epoch=14: CosineAnnealingLR goes on from the current LR
    def longer(optimizer, last_epoch):
        import torch

        return torch.optim.lr_scheduler.CosineAnnealingLR(
            optimizer, T_max=40, last_epoch=last_epoch
        )

    tb_case(
        case,
        out,
        [{"stop": 15, "save_at": 15}, {"start": 15, "resume": True, "rebuild": longer}],
    )


def torch_cosine_offset(case: Case, out: Path) -> None:
    tb_case(case, out, [{"after": True}])


def torch_cosine_every(case: Case, out: Path) -> None:
    tb_case(case, out, [{"every": 2}])


def torch_cosine_jump(case: Case, out: Path) -> None:
    # dies at step 20 with a checkpoint of step 15; the resume loads the scheduler's
    # state and then also fast-forwards it 15 steps, as the code did for a fresh one:
    # steps 15..19 are logged twice (a second event file), the schedule is 15 ahead
    tb_case(
        case,
        out,
        [{"stop": 20, "save_at": 15}, {"start": 15, "resume": True, "catch_up": True}],
    )


def table_rows(build: Callable | None = None, **kwargs) -> list[Logged]:
    rows: list[Logged] = []
    torch_loop(build or cosine(), lambda s, lr: rows.append(Logged(s, lr)), **kwargs)
    return rows


def csv_cosine_right(case: Case, out: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["step", "epoch", "lr"])
    for row in table_rows():
        writer.writerow([row.step, row.step // BATCHES, repr(row.lr)])
    write(case, "lr.csv", buffer.getvalue())


def cyclic(base_lr: float, max_lr: float) -> Callable:
    def build(optimizer):
        import torch

        return torch.optim.lr_scheduler.CyclicLR(
            optimizer, base_lr=base_lr, max_lr=max_lr, step_size_up=5, mode="triangular2"
        )

    return build


def cyclic_argv(base_lr: float, max_lr: float) -> list[str]:
    return [
        "cyclic",
        "--base-lr",
        repr(base_lr),
        "--max-lr",
        repr(max_lr),
        "--step-size-up",
        "5",
        "--mode",
        "triangular2",
        *run_settings(),
    ]


def csv_cyclic_scale(case: Case, out: Path) -> None:
    # CyclicLR's base_lr and max_lr both multiplied by the world size (2)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["step", "lr"])
    for row in table_rows(cyclic(0.01 * 2, 0.1 * 2)):
        writer.writerow([row.step, repr(row.lr)])
    write(case, "lr.csv", buffer.getvalue())


def jsonl_cosine_length(case: Case, out: Path) -> None:
    # T_max given in epochs (3) where the scheduler is stepped per batch... as 20
    lines = []
    for row in table_rows(cosine(20)):
        lines.append(json.dumps({"global_step": row.step, "learning_rate": row.lr, "loss": 0.0}))
        if row.step % 10 == 9:  # an eval record without the LR
            lines.append(json.dumps({"global_step": row.step, "eval_loss": 0.5}))
    write(case, "log.jsonl", "\n".join(lines) + "\n")


def jsonl_onecycle_lists(case: Case, out: Path) -> None:
    # two param groups (weight, bias), OneCycleLR(max_lr=[0.1, 0.01]); the loop logs
    # {"step": s, "lr": scheduler.get_last_lr()} before optimizer.step(): a list per line
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    groups = [{"params": [model.weight]}, {"params": [model.bias]}]
    optimizer = torch.optim.SGD(groups, lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=[0.1, 0.01], total_steps=STEPS
    )
    x, y = tensors(BATCHES * BATCH)
    lines = []
    for step in range(STEPS):
        i = (step % BATCHES) * BATCH
        loss = nn.functional.mse_loss(model(x[i : i + BATCH]).squeeze(-1), y[i : i + BATCH])
        lines.append(json.dumps({"step": step, "lr": scheduler.get_last_lr(), "loss": loss.item()}))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
    write(case, "log.jsonl", "\n".join(lines) + "\n")


def write(case: Case, name: str, text: str) -> None:
    path = OUT / case.name / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def mlflow_case(case: Case, out: Path, rows: list[Logged]) -> None:
    import mlflow

    mlflow.set_tracking_uri((out / "mlruns").as_uri())
    mlflow.set_experiment("tiny")
    with mlflow.start_run() as run:
        for row in rows:
            mlflow.log_metric("lr", row.lr, step=row.step)
        mlflow.log_metric("train_loss", 0.5, step=STEPS - 1)
        run_id = run.info.run_id
    (folder,) = [p for p in (out / "mlruns").rglob(run_id) if p.is_dir()]
    for metric in ("lr", "train_loss"):
        keep(folder / "metrics" / metric, OUT / case.name / "metrics" / metric)


def mlflow_cosine_right(case: Case, out: Path) -> None:
    mlflow_case(case, out, table_rows())


def mlflow_cosine_restart(case: Case, out: Path) -> None:
    # dies at step 20; resumed at 15 from a checkpoint of the model's weights only
    rows: list[Logged] = []
    saved = torch_loop(cosine(), lambda s, lr: rows.append(Logged(s, lr)), stop=20, save_at=15)
    assert saved is not None
    weights = {"model": saved["model"]}
    torch_loop(cosine(), lambda s, lr: rows.append(Logged(s, lr)), start=15, state=weights)
    mlflow_case(case, out, rows)


def wandb_export(case: Case, run: str, key: str, rows: list[Logged]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    column = f"{run} - {key}"
    writer.writerow(["Step", column, f"{column}__MIN", f"{column}__MAX"])
    for row in rows:
        writer.writerow([row.step, repr(row.lr), repr(row.lr), repr(row.lr)])
    write(case, "wandb_export.csv", buffer.getvalue())


def wandb_cosine_right(case: Case, out: Path) -> None:
    wandb_export(case, "tiny-cosine-1", "lr", table_rows())


def wandb_cosine_offset(case: Case, out: Path) -> None:
    wandb_export(case, "tiny-cosine-2", "lr", table_rows(after=True))


# --- the cases ---------------------------------------------------------------------------------


LONGER = ["--steps-per-epoch", str(BATCHES), "--interval", "step"]  # after --epochs 5


def cases() -> list[Case]:
    onecycle_argv = ["onecycle", "--max-lr", "0.1", "--total-steps", str(STEPS)]
    return [
        Case(
            "hf-cosine-right",
            "hf-cosine-right/trainer_state.json",
            hf_argv("hf-cosine"),
            "match",
            "",
            "nothing: TrainingArguments(lr_scheduler_type='cosine', "
            "warmup_steps=5, logging_steps=1, report_to=tensorboard)",
            record=hf_right,
        ),
        Case(
            "hf-cosine-right-tensorboard",
            "hf-cosine-right/runs",
            hf_argv("hf-cosine"),
            "match",
            "",
            "the same run's TensorBoardCallback event file",
        ),
        Case(
            OLD_HF,
            f"{OLD_HF}/trainer_state.json",
            hf_argv("hf-cosine"),
            "match",
            "",
            "nothing, with transformers 4.50.3 (which logged the next step's LR): read with "
            "--log-format hf-4.50",
            log_format="hf-4.50",
            record=hf_legacy,
        ),
        Case(
            "hf-linear-every5-right",
            "hf-linear-every5-right/trainer_state.json",
            hf_argv("hf-linear", warmup=3),
            "match",
            "",
            "nothing: lr_scheduler_type='linear', warmup_steps=3, logging_steps=5",
            record=hf_every5,
        ),
        Case(
            "hf-cosine-multi",
            "hf-cosine-multi/trainer_state.json",
            hf_argv("hf-cosine"),
            "mismatch",
            "multi",
            "a callback steps the scheduler once more per optimizer "
            "step (Accelerate's scheduler on 2 processes)",
            truth=[*hf_argv("hf-cosine"), "--scheduler-steps", "2"],
            record=hf_multi,
        ),
        Case(
            ACCELERATE,
            f"{ACCELERATE}/lr.csv",
            cosine_argv(),
            "mismatch",
            "multi",
            "a plain Accelerate loop on 2 CPU processes (torchrun), the scheduler through "
            "accelerator.prepare: AcceleratedScheduler steps it once per process",
            truth=[*cosine_argv(), "--scheduler-steps", "2"],
            record=accelerate_multi,
        ),
        Case(
            "hf-cosine-scale",
            "hf-cosine-scale/trainer_state.json",
            hf_argv("hf-cosine"),
            "mismatch",
            "scale",
            "learning_rate multiplied by the world size (2)",
            truth=hf_argv("hf-cosine", lr=2e-3),
            record=hf_scale,
        ),
        Case(
            "hf-cosine-length",
            "hf-cosine-length/trainer_state.json",
            hf_argv("hf-cosine"),
            "mismatch",
            "length",
            "own get_cosine_schedule_with_warmup(num_training_steps="
            "len(train_dataloader) * epochs = 60) with gradient_accumulation_steps=2 (30 "
            "optimizer steps)",
            truth=hf_argv("hf-cosine", total=60),
            record=hf_length,
        ),
        Case(
            "hf-cosine-warmup",
            "hf-cosine-warmup/trainer_state.json",
            hf_argv("hf-cosine"),
            "mismatch",
            "warmup",
            "warmup_steps=10 counted in batches with "
            "gradient_accumulation_steps=2 (meant 5 optimizer steps)",
            truth=hf_argv("hf-cosine", warmup=10),
            record=hf_warmup,
        ),
        Case(
            "hf-cosine-restart",
            "hf-cosine-restart/trainer_state.json",
            hf_argv("hf-cosine"),
            "mismatch",
            "restart",
            "stopped at step 20, resumed from checkpoint-15 without "
            "its scheduler.pt: a fresh scheduler from step 15",
            truth=[*hf_argv("hf-cosine"), "--resume-at", "15", "--resume-mode", "fresh"],
            record=hf_restart,
        ),
        Case(
            "hf-cosine-changed",
            "hf-cosine-changed/trainer_state.json",
            hf_argv("hf-cosine"),
            "mismatch",
            "changed",
            "stopped at step 15, resumed from checkpoint-15 with "
            "warmup_steps=10 instead of 5 (the scheduler's step count and the optimizer's LR "
            "are loaded: step 15 runs at the old LR, the next ones on the new warmup)",
            record=hf_changed,
        ),
        Case(
            "hf-cosine-resume-right",
            "hf-cosine-resume-right/trainer_state.json",
            hf_argv("hf-cosine"),
            "match",
            "",
            "nothing wrong: stopped at step 20, resumed from checkpoint-15 with its optimizer "
            "and scheduler state",
            record=hf_resume_right,
        ),
        Case(
            "hf-linear-longer",
            "hf-linear-longer/trainer_state.json",
            [*hf_argv("hf-linear", warmup=3, total=50)[:-6], "--epochs", "5", *LONGER],
            "mismatch",
            "changed",
            "linear, warmup_steps=3, 3 epochs, stopped at step 12 and resumed from "
            "checkpoint-12 with num_train_epochs=5: checked with the resumed run's config "
            "(50 steps); the first 12 steps decayed towards 30",
            record=hf_longer,
        ),
        Case(
            "hf-linear-resume-tensorboard-right",
            "hf-linear-resume-tensorboard-right/runs",
            hf_argv("hf-linear", warmup=3),
            "match",
            "",
            "nothing wrong: report_to tensorboard, logging_steps=2, stopped at step 12 and "
            "resumed from checkpoint-12: two runs/<date> folders (renamed run_0, run_1), read "
            "as one resumed run",
            record=hf_resume_tensorboard,
        ),
        Case(
            "mlflow-hf-cosine-right",
            "mlflow-hf-cosine-right",
            hf_argv("hf-cosine"),
            "match",
            "",
            "nothing: the Trainer with report_to=['mlflow'] (a file: tracking URI); the run's "
            "metrics/ and 4 of its params/ kept",
            record=hf_mlflow_right,
        ),
        Case(
            "lightning-onecycle-right",
            "lightning-onecycle-right/metrics.csv",
            [*onecycle_argv, *run_settings()],
            "match",
            "",
            "nothing: OneCycleLR, interval 'step', LearningRateMonitor(log_momentum=True)",
            record=lightning_onecycle_right,
        ),
        Case(
            "lightning-onecycle-right-tensorboard",
            "lightning-onecycle-right/tb",
            [*onecycle_argv, *run_settings()],
            "match",
            "",
            "the same run's TensorBoardLogger event file",
        ),
        Case(
            "mlflow-lightning-onecycle-right",
            "mlflow-lightning-onecycle-right",
            [*onecycle_argv, *run_settings()],
            "match",
            "",
            "the same run's MLFlowLogger (a file: tracking URI): its metrics/ folder",
        ),
        Case(
            "lightning-onecycle-interval",
            "lightning-onecycle-interval/metrics.csv",
            [*onecycle_argv, *run_settings()],
            "mismatch",
            "interval",
            "OneCycleLR with interval 'epoch' (Lightning's default) instead of 'step'",
            truth=[*onecycle_argv, *run_settings("epoch")],
            record=lightning_onecycle_interval,
        ),
        Case(
            "lightning-exponential-interval",
            "lightning-exponential-interval/metrics.csv",
            ["exponential", "--gamma", "0.9", "--lr", "0.1", *run_settings("epoch")],
            "mismatch",
            "interval",
            "ExponentialLR(gamma=0.9) meant per epoch, given interval 'step'",
            truth=["exponential", "--gamma", "0.9", "--lr", "0.1", *run_settings()],
            record=lightning_exponential_interval,
        ),
        Case(
            "lightning-cosine-every",
            "lightning-cosine-every/metrics.csv",
            cosine_argv(),
            "mismatch",
            "every",
            "lr_scheduler frequency 2: stepped every 2 optimizer steps",
            truth=[*cosine_argv(), "--scheduler-every", "2"],
            record=lightning_cosine_every,
        ),
        Case(
            "lightning-cosine-scale",
            "lightning-cosine-scale/metrics.csv",
            cosine_argv(),
            "mismatch",
            "scale",
            "SGD lr 0.2: the LR multiplied by the number of devices (2)",
            truth=cosine_argv(lr=0.2),
            record=lightning_cosine_scale,
        ),
        Case(
            "lightning-cosine-length",
            "lightning-cosine-length/metrics.csv",
            cosine_argv(),
            "mismatch",
            "length",
            "T_max=50, the stepping batches of max_epochs=5, for a run cut to 3 epochs",
            truth=cosine_argv(50),
            record=lightning_cosine_length,
        ),
        Case(
            "lightning-cosine-groups-right",
            "lightning-cosine-groups-right/metrics.csv",
            cosine_argv(),
            "match",
            "",
            "nothing: two param groups (lr 0.1, 0.01), log_every_n_steps=5; group 0 is lr-SGD/pg1",
            record=lightning_cosine_groups,
        ),
        Case(
            "lightning-multistep-epoch-right",
            "lightning-multistep-epoch-right/metrics.csv",
            [
                "multistep",
                "--milestones",
                "1,2",
                "--gamma",
                "0.1",
                "--lr",
                "0.1",
                *run_settings("epoch"),
            ],
            "match",
            "",
            "nothing: MultiStepLR per epoch, LearningRateMonitor(logging_interval='epoch')",
            record=lightning_multistep_epoch,
        ),
        Case(
            "lightning-cosine-accumulate-right",
            "lightning-cosine-accumulate-right/metrics.csv",
            [
                "cosine",
                "--t-max",
                str(STEPS // 2),
                "--lr",
                "0.1",
                "--epochs",
                str(EPOCHS),
                "--steps-per-epoch",
                str(BATCHES // 2),
                "--interval",
                "step",
            ],
            "match",
            "",
            "nothing: accumulate_grad_batches=2 (each step logged at both of its batches)",
            record=lightning_cosine_accumulate,
        ),
        Case(
            "lightning-two-optimizers-right",
            "lightning-two-optimizers-right/metrics.csv",
            cosine_argv(lr=0.01),
            "match",
            "",
            "nothing: manual optimization, SGD (lr 0.1) and Adam (lr 0.01), each with "
            "CosineAnnealingLR(T_max=30); read with --log-key lr-Adam",
            log_key="lr-Adam",
            record=lightning_two_optimizers,
        ),
        Case(
            "torch-cosine-right",
            "torch-cosine-right/tb",
            cosine_argv(),
            "match",
            "",
            "nothing: add_scalar('lr', lr, step) before optimizer.step()",
            record=torch_cosine_right,
        ),
        Case(
            "torch-cosine-hftag-right",
            "torch-cosine-hftag-right/tb",
            cosine_argv(),
            "match",
            "",
            "nothing: add_scalar('train/learning_rate', lr, step) before optimizer.step(), "
            "transformers' tag in a plain loop",
            record=torch_cosine_hf_tag,
        ),
        Case(
            "torch-cosine-interval",
            "torch-cosine-interval/tb",
            cosine_argv(),
            "mismatch",
            "interval",
            "scheduler.step() at each epoch's end instead of after each batch",
            truth=["cosine", "--t-max", str(STEPS), "--lr", "0.1", *run_settings("epoch")],
            record=torch_cosine_interval,
        ),
        Case(
            "torch-cosine-multi",
            "torch-cosine-multi/tb",
            cosine_argv(),
            "mismatch",
            "multi",
            "scheduler.step() called twice per optimizer step (once in the loop, once in a hook)",
            truth=[*cosine_argv(), "--scheduler-steps", "2"],
            record=torch_cosine_multi,
        ),
        Case(
            "torch-cosine-scale",
            "torch-cosine-scale/tb",
            cosine_argv(),
            "mismatch",
            "scale",
            "SGD lr 0.4: the base LR multiplied by the world size (4)",
            truth=cosine_argv(lr=0.4),
            record=torch_cosine_scale,
        ),
        Case(
            "torch-cosine-length",
            "torch-cosine-length/tb",
            cosine_argv(),
            "mismatch",
            "length",
            "T_max=24 (3 epochs of the 8 batches a batch size of 5 gives) for a 30-step run",
            truth=cosine_argv(24),
            record=torch_cosine_length,
        ),
        Case(
            "torch-warmup-right",
            "torch-warmup-right/tb",
            warmup_argv(5),
            "match",
            "",
            "nothing: SequentialLR([LinearLR(start_factor=0.1, total_iters=5), "
            "CosineAnnealingLR(T_max=25)], milestones=[5])",
            record=torch_warmup_right,
        ),
        Case(
            "torch-warmup-warmup",
            "torch-warmup-warmup/tb",
            warmup_argv(5),
            "mismatch",
            "warmup",
            "the same with a 10-step warmup (and T_max=20) where 5 was configured",
            truth=warmup_argv(10),
            record=torch_warmup_warmup,
        ),
        Case(
            "torch-cosine-restart",
            "torch-cosine-restart/tb",
            cosine_argv(),
            "mismatch",
            "restart",
            "died at step 20, resumed at 15 from the model's weights only: a fresh optimizer "
            "and scheduler (steps 15-19 logged twice)",
            truth=[*cosine_argv(), "--resume-at", "15", "--resume-mode", "fresh"],
            record=torch_cosine_restart,
        ),
        Case(
            "torch-cosine-changed",
            "torch-cosine-changed/tb",
            cosine_argv(),
            "mismatch",
            "changed",
            "stopped at 15, resumed with all state, then the scheduler rebuilt as "
            "CosineAnnealingLR(T_max=40, last_epoch=14) to train longer",
            record=torch_cosine_changed,
        ),
        Case(
            "torch-cosine-offset",
            "torch-cosine-offset/tb",
            cosine_argv(),
            "mismatch",
            "offset",
            "add_scalar after scheduler.step() with the step's own number: each "
            "value is the next step's LR",
            record=torch_cosine_offset,
        ),
        Case(
            "torch-cosine-every",
            "torch-cosine-every/tb",
            cosine_argv(),
            "mismatch",
            "every",
            "scheduler.step() once every 2 optimizer steps",
            truth=[*cosine_argv(), "--scheduler-every", "2"],
            record=torch_cosine_every,
        ),
        Case(
            "torch-cosine-jump",
            "torch-cosine-jump/tb",
            cosine_argv(),
            "mismatch",
            "jump",
            "died at step 20, resumed from the step-15 checkpoint: scheduler state loaded "
            "and then fast-forwarded 15 more steps (steps 15-19 logged twice)",
            truth=[*cosine_argv(), "--resume-at", "15", "--resume-mode", "jump"],
            record=torch_cosine_jump,
        ),
        Case(
            "csv-cosine-right",
            "csv-cosine-right/lr.csv",
            cosine_argv(),
            "match",
            "",
            "nothing: a csv.writer row (step, epoch, lr) before optimizer.step()",
            record=csv_cosine_right,
        ),
        Case(
            "lightning-cosine-resume-right",
            "lightning-cosine-resume-right/csv",
            [*cosine_argv(40)[:-6], "--epochs", "4", *LONGER],
            "match",
            "",
            "nothing wrong: a fit of 2 epochs, then fit(ckpt_path='last.ckpt') with "
            "max_epochs=4, T_max=40: two CSVLogger versions, read as one resumed fit",
            record=lightning_resume_right,
        ),
        Case(
            "lightning-cosine-resume-length",
            "lightning-cosine-resume-length/csv",
            [*cosine_argv(40)[:-6], "--epochs", "4", *LONGER],
            "mismatch",
            "length",
            "T_max=self.trainer.estimated_stepping_batches: 20 in a fit of 2 epochs; resumed "
            "with max_epochs=4 (40), but the checkpoint's scheduler state restores T_max 20",
            truth=[*cosine_argv(20)[:-6], "--epochs", "4", *LONGER],
            record=lightning_resume_longer,
        ),
        Case(
            "csv-cyclic-scale",
            "csv-cyclic-scale/lr.csv",
            cyclic_argv(0.01, 0.1),
            "mismatch",
            "scale",
            "CyclicLR(base_lr=0.01 * 2, max_lr=0.1 * 2): both multiplied by the world size",
            truth=cyclic_argv(0.02, 0.2),
            record=csv_cyclic_scale,
        ),
        Case(
            "jsonl-onecycle-lists-right",
            "jsonl-onecycle-lists-right/log.jsonl",
            [*onecycle_argv, *run_settings()],
            "match",
            "",
            "nothing: two param groups, OneCycleLR(max_lr=[0.1, 0.01]), each line's lr is "
            "scheduler.get_last_lr() (a list): group 0 is read",
            record=jsonl_onecycle_lists,
        ),
        Case(
            "jsonl-cosine-length",
            "jsonl-cosine-length/log.jsonl",
            cosine_argv(),
            "mismatch",
            "length",
            "CosineAnnealingLR(T_max=20) for a 30-step run; eval records without the LR in between",
            truth=cosine_argv(20),
            record=jsonl_cosine_length,
        ),
        Case(
            "mlflow-cosine-right",
            "mlflow-cosine-right/metrics/lr",
            cosine_argv(),
            "match",
            "",
            "nothing: mlflow.log_metric('lr', lr, step=step) before optimizer.step()",
            record=mlflow_cosine_right,
        ),
        Case(
            "mlflow-cosine-restart",
            "mlflow-cosine-restart/metrics/lr",
            cosine_argv(),
            "mismatch",
            "restart",
            "died at step 20, resumed at 15 with the model's weights "
            "only: a fresh optimizer and scheduler (steps 15-19 logged twice)",
            truth=[*cosine_argv(), "--resume-at", "15", "--resume-mode", "fresh"],
            record=mlflow_cosine_restart,
        ),
        Case(
            "wandb-cosine-right",
            "wandb-cosine-right/wandb_export.csv",
            cosine_argv(),
            "match",
            "",
            "nothing: wandb.log({'lr': lr}, step=step) before optimizer.step() "
            "(export written in W&B's layout)",
            record=wandb_cosine_right,
        ),
        Case(
            "wandb-cosine-offset",
            "wandb-cosine-offset/wandb_export.csv",
            cosine_argv(),
            "mismatch",
            "offset",
            "logged after scheduler.step() with the step's own "
            "number (export written in W&B's layout)",
            record=wandb_cosine_offset,
        ),
    ]


def toml_value(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(json.dumps(v) for v in value) + "]"
    return json.dumps(value)


def manifest(all_cases: list[Case]) -> str:
    lines = [
        "# Real-framework log fixtures: written by tools/log_fixtures.py (do not edit).",
        "# configured: the lrplot command line of the schedule the run was configured with;",
        "# truth: the one of what really ran, when lrplot can say it; cause: the mistake's",
        "# family (interval | multi | every | offset | scale | length | warmup | restart | jump",
        "# | changed); log_key, log_format: the --log-key and --log-format to read it with",
        "# (several LR keys; a transformers 4.50 trainer_state.json, which nothing marks).",
        "",
    ]
    for case in all_cases:
        lines.append("[[case]]")
        for key in ("name", "log", "configured", "verdict", "cause"):
            lines.append(f"{key} = {toml_value(getattr(case, key))}")
        if case.truth is not None:
            lines.append(f"truth = {toml_value(case.truth)}")
        if case.log_key is not None:
            lines.append(f"log_key = {toml_value(case.log_key)}")
        if case.log_format is not None:
            lines.append(f"log_format = {toml_value(case.log_format)}")
        lines.append(f"injected = {toml_value(case.injected)}")
        lines.append("")
    return "\n".join(lines)


ACCELERATE = "accelerate-cosine-multi"  # 2 CPU processes under torchrun


def accelerate_worker(csv_path: Path) -> None:
    """One process of a plain Accelerate loop on 2 CPU processes: the scheduler goes
    through accelerator.prepare, whose AcceleratedScheduler steps it once per process
    at every optimizer step; the main process writes (step, lr) before optimizer.step()."""
    import torch
    from accelerate import Accelerator
    from torch import nn

    accelerator = Accelerator(cpu=True)
    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    # T_max: the optimizer steps the user counted, 3 epochs of the 10 batches per process
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=STEPS)
    x, y = tensors(BATCHES * BATCH * accelerator.num_processes)
    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=BATCH)
    model, optimizer, data, scheduler = accelerator.prepare(model, optimizer, data, scheduler)
    rows = []
    step = 0
    for _ in range(EPOCHS):
        for xb, yb in data:
            rows.append((step, optimizer.param_groups[0]["lr"]))
            loss = nn.functional.mse_loss(model(xb).squeeze(-1), yb)
            optimizer.zero_grad()
            accelerator.backward(loss)
            optimizer.step()
            scheduler.step()
            step += 1
    assert accelerator.num_processes == 2, accelerator.distributed_type
    if accelerator.is_main_process:
        with open(csv_path, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(["step", "lr"])
            writer.writerows((s, repr(lr)) for s, lr in rows)
    accelerator.wait_for_everyone()


def accelerate_multi(case: Case, out: Path) -> None:
    path = OUT / case.name / "lr.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    # torchrun's 2 processes on a CPU: Accelerate's MULTI_CPU (gloo)
    launch = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2"]
    subprocess.run([*launch, __file__, "--accelerate-worker", str(path)], check=True)


OLD_HF = "hf-4.50-cosine-right"  # recorded with transformers 4.50 (--hf450-python)


def hf_legacy(case: Case, out: Path) -> None:
    """The right run with transformers 4.50: it logged the LR after scheduler.step()."""
    import transformers

    assert transformers.__version__.startswith("4.50."), transformers.__version__
    hf_trainer(out)
    hf_keep(case, out)


def record(case: Case) -> None:
    folder = OUT / case.name
    with tempfile.TemporaryDirectory() as tmp:
        if folder.exists() and case.record.__name__ != "<lambda>":
            shutil.rmtree(folder)
        case.record(case, Path(tmp))
    print(f"recorded {case.name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="record only these cases")
    parser.add_argument(
        "--hf450-python",
        help=f"a Python with transformers 4.50.x, torch 2.13.0 and accelerate: records "
        f"{OLD_HF} (without it, its files are left as they are)",
    )
    parser.add_argument("--inner", help=argparse.SUPPRESS)  # record one case, no manifest
    parser.add_argument("--accelerate-worker", help=argparse.SUPPRESS)  # a process of it
    options = parser.parse_args()
    if options.accelerate_worker:
        accelerate_worker(Path(options.accelerate_worker))
        return
    chosen = set(options.names)
    all_cases = cases()
    known = {c.name for c in all_cases}
    if chosen - known:
        sys.exit(f"unknown cases: {', '.join(sorted(chosen - known))}")
    warnings.filterwarnings("ignore")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # MLflow 3 refuses its file store (maintenance mode) unless told: lrplot reads that layout
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    if options.inner:
        record(next(c for c in all_cases if c.name == options.inner))
        return
    for case in all_cases:
        if chosen and case.name not in chosen:
            continue
        if case.name == OLD_HF:
            if options.hf450_python:
                command = [options.hf450_python, __file__, "--inner", OLD_HF]
                subprocess.run(command, check=True)
            else:
                print(f"kept {OLD_HF} (no --hf450-python)")
            continue
        record(case)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "cases.toml").write_text(manifest(all_cases), encoding="utf-8")


if __name__ == "__main__":
    main()
