"""Lightning's Trainer, for real: ``python lightning_ref.py CONFIG OUT.csv STEPS [METRIC_CSV]``.

Needs torch and lightning (2.6 here). configure_optimizers builds the config's
optimizer and schedulers from their class paths (this reference script imports
them; lrplot never does) and returns the lr_scheduler config as it is. An epoch is
STEPS batches of one sample; a hook records the optimizer's LR at every batch.
With METRIC_CSV, validation logs that metric as ``val`` (the ``monitor``).
"""

from __future__ import annotations

import importlib
import logging
import sys
import warnings

from common import load, metric_from, write

warnings.filterwarnings("ignore")
logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)

import lightning  # noqa: E402
import torch  # noqa: E402


def make(spec: dict, optimizer: torch.optim.Optimizer) -> object:
    module, _, name = spec["class_path"].rpartition(".")
    cls = getattr(importlib.import_module(module or "torch.optim.lr_scheduler"), name)
    args = dict(spec.get("init_args") or {})
    if "schedulers" in args:
        args["schedulers"] = [make(s, optimizer) for s in args["schedulers"]]
    if name == "ChainedScheduler":
        return cls(args["schedulers"])
    return cls(optimizer, **args)


class Module(lightning.LightningModule):
    def __init__(self, cfg: dict, metric: list[float] | None) -> None:
        super().__init__()
        self.cfg, self.metric = cfg, metric
        self.w = torch.nn.Parameter(torch.zeros(1))
        self.lrs: list[float] = []

    def training_step(self, batch, i):
        return (self.w * batch[0]).sum() ** 2

    def on_train_batch_start(self, batch, i):
        self.lrs.append(self.trainer.optimizers[0].param_groups[0]["lr"])

    def validation_step(self, batch, i):
        return None

    def on_validation_epoch_end(self) -> None:
        if self.metric:
            self.log("val", self.metric[self.current_epoch])

    def configure_optimizers(self):
        spec = self.cfg["optimizer"]
        module, _, name = spec["class_path"].rpartition(".")
        cls = getattr(importlib.import_module(module or "torch.optim"), name)
        opt = cls(self.parameters(), **(spec.get("init_args") or {}))
        items = self.cfg["lr_scheduler"]
        configs = []
        for item in items if isinstance(items, list) else [items]:
            if "class_path" in item:
                configs.append(make(item, opt))
            else:
                entry = dict(item)
                entry["scheduler"] = make(entry["scheduler"], opt)
                if self.metric:
                    entry["monitor"] = "val"
                configs.append(entry)
        return [opt], configs


def main(config: str, out: str, steps: int, metric_csv: str | None) -> None:
    cfg = load(config)
    metric = metric_from(metric_csv)
    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.zeros(steps, 1)))
    trainer = lightning.Trainer(
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        limit_val_batches=1 if metric else 0,
        **(cfg.get("trainer") or {}),
    )
    module = Module(cfg, metric)
    trainer.fit(module, data, data if metric else None)
    write(out, module.lrs)


if __name__ == "__main__":
    metric = sys.argv[4] if len(sys.argv) > 4 else None
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), metric)
