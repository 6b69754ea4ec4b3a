"""transformers' Trainer, for real: ``python hf_ref.py CONFIG OUT.csv``.

Needs torch, transformers (5.24 here) and accelerate. The config's TrainingArguments
keys go to TrainingArguments as they are; ``dataset_size`` (lrplot's key) sizes a
dataset of that many samples. A tiny model trains on CPU; a callback records the
optimizer's LR at the start of every optimizer step.
"""

from __future__ import annotations

import sys
import tempfile
import warnings

from common import load, write

warnings.filterwarnings("ignore")

import torch  # noqa: E402
from transformers import Trainer, TrainerCallback, TrainingArguments  # noqa: E402


class Samples(torch.utils.data.Dataset):
    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"x": torch.zeros(1), "labels": torch.zeros(1)}


class Tiny(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"loss": ((self.w * x).sum()) ** 2}


class Record(TrainerCallback):
    def __init__(self) -> None:
        self.lrs: list[float] = []

    def on_step_begin(self, args, state, control, optimizer=None, **kwargs):
        self.lrs.append(optimizer.param_groups[0]["lr"])


def main(config: str, out: str) -> None:
    cfg = load(config)
    n = cfg.pop("dataset_size", None)
    with tempfile.TemporaryDirectory() as folder:
        cfg.update(
            output_dir=folder,
            report_to=[],
            save_strategy="no",
            logging_strategy="no",
            use_cpu=True,
            disable_tqdm=True,
            dataloader_num_workers=0,
        )
        record = Record()
        trainer = Trainer(
            model=Tiny(),
            args=TrainingArguments(**cfg),
            train_dataset=Samples(n or 1),
            callbacks=[record],
        )
        trainer.train()
    write(out, record.lrs)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
