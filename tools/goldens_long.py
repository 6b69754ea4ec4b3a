"""Write the long-run goldens of tests/golden/long/ by running real PyTorch.

Run as ``python tools/goldens_long.py``. These are the runs where a fast path could
take over from PyTorch's own arithmetic: a 2M-step CosineAnnealingLR with eta_min > 0,
LambdaLR over a million epochs with ``tanh``, ``exp``, ``log`` and ``**`` (numpy's
functions are not Python's ``math`` bit for bit), the same inside a SequentialLR,
PolynomialLR and CyclicLR's exp_range over more than a million steps (``**``).
Their full traces would be megabytes, so each file holds:

* line 1: ``# {json}``, the case as in tools/make_goldens.py (schedule, params, lr,
  epochs, steps_per_epoch, interval), plus ``rows`` (the run's optimizer steps) and
  ``sha256``: the hash of every row's LR as little-endian float64, in order, so a
  test can check the whole run bit for bit;
* a header ``step,lr`` and a sample of the rows (the first, evenly spaced ones and
  the last ``TAIL``, where the LR is smallest and drifts most), floats by ``repr``,
  for the error message: which row is off, and by how much.

The loop is the seed's (tools/golden_io.py) without ``optimizer.step()``, which does
not touch ``param_groups[0]["lr"]``: a million steps then take seconds. tests/
test_long.py reads the files; it never needs torch.
"""

from __future__ import annotations

import hashlib
import json
import sys
import warnings
from typing import Any

import golden_io
from golden_io import Case, case

try:
    import torch
    from goldens_compose import torch_child
    from torch.optim import lr_scheduler as S
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit("goldens_long.py needs PyTorch (not a dependency of lrplot); install it, then rerun")

LONG = golden_io.GOLDEN / "long"
SAMPLES = 400  # evenly spaced rows kept in a file
TAIL = 200  # and the last rows

_KIDS = {"linear": S.LinearLR}


def cases() -> list[Case]:
    tanh_half = "(1 - tanh(epoch / 5e4 - 3)) / 2"
    return [
        # CosineAnnealingLR with eta_min > 0, ending at T_max: a realistic 2M-step run
        case(
            "01-2m-steps",
            "cosine",
            {"t_max": 2_000_000, "eta_min": 1e-6},
            lr=3e-4,
            epochs=100,
            steps_per_epoch=20000,
            interval="step",
        ),
        # eta_min above lr: the cosine rises, and the closed form is off from row 7
        case("02-eta-above-lr", "cosine", {"t_max": 10000, "eta_min": 1.0}, lr=1e-6, epochs=10001),
        case("03-to-tmax", "cosine", {"t_max": 300000, "eta_min": 1e-5}, lr=1e-3, epochs=300001),
        case("01-tanh", "lambda", {"expr": "1 - tanh(epoch / 1e4)"}, epochs=100000),
        case("02-tanh-million", "lambda", {"expr": tanh_half}, epochs=1_000_000),
        case(
            "03-exp-log-pow",
            "lambda",
            {"expr": "exp(-epoch / 1e5) * log(epoch + 2) * 0.99999 ** epoch"},
            epochs=200000,
        ),
        case(
            "04-cos-sqrt",
            "lambda",
            {"expr": "(1 + cos(pi * epoch / 2e5)) / 2 / sqrt(epoch + 1)"},
            epochs=200000,
        ),
        case(
            "01-lambda-tanh",
            "sequential",
            {
                "schedulers": [
                    "linear:start_factor=0.1,total_iters=10",
                    "lambda:expr='1 - tanh(epoch / 5e3)'",
                ],
                "milestones": [10],
            },
            epochs=100010,
        ),
        # ** over more than a million steps (numpy's power is not C's pow bit for bit)
        case("01-power", "polynomial", {"total_iters": 1_200_000, "power": 2.5}, epochs=1_200_000),
        case(
            "01-exp-range",
            "cyclic",
            {
                "base_lr": 0.001,
                "max_lr": 0.1,
                "step_size_up": 5000,
                "mode": "exp_range",
                "gamma": 0.999999,
            },
            epochs=1_100_000,
        ),
        case("01-tanh", "multiplicative", {"expr": "1 - tanh(epoch / 1e6) / 1e3"}, epochs=100000),
    ]


def _name(c: Case) -> str:
    return f"long-{c['name']}"


def _scheduler(spec: dict[str, Any], opt: Any) -> Any:
    name, params = spec["schedule"], spec["params"]
    if name == "sequential":
        kids = []
        for text in params["schedulers"]:
            kind, _, rest = text.partition(":")
            kid: dict[str, Any] = {}
            for item in _split(rest):
                key, _, value = item.partition("=")
                kid[key] = value.strip("'") if key == "expr" else json.loads(value)
            kids.append(torch_child(opt, kind, kid))
        return S.SequentialLR(opt, kids, milestones=params["milestones"])
    return torch_child(opt, name, params)


def _split(text: str) -> list[str]:
    """SPEC items split at commas outside quotes."""
    out, depth, cur = [], False, ""
    for ch in text:
        if ch == "'":
            depth = not depth
        if ch == "," and not depth:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    return [*out, cur] if cur else out


def run(c: Case) -> list[float]:
    spec = c["spec"]
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=spec["lr"])
    sched = _scheduler(spec, opt)
    group = opt.param_groups[0]
    lrs: list[float] = []
    per_epoch = spec["steps_per_epoch"]
    for _ in range(golden_io.scheduler_steps(spec)):
        lr = group["lr"]
        if spec["interval"] == "epoch":
            lrs.extend([lr] * per_epoch)
        else:
            lrs.append(lr)
        sched.step()
    return lrs


def digest(lrs: Any) -> str:
    import numpy as np

    return hashlib.sha256(np.asarray(lrs, dtype="<f8").tobytes()).hexdigest()


def sample(count: int) -> list[int]:
    import numpy as np

    even = np.linspace(0, count - 1, SAMPLES).round().astype(int).tolist()
    return sorted({*even, *range(max(0, count - TAIL), count)})


def main() -> int:
    LONG.mkdir(parents=True, exist_ok=True)
    names = {_name(c) for c in cases()}
    for old in LONG.glob("*.csv"):
        if old.stem not in names:
            old.unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for c in cases():
            lrs = run(c)
            spec = {**c["spec"], "rows": len(lrs), "sha256": digest(lrs)}
            lines = ["# " + json.dumps(spec, separators=(", ", ": ")), "step,lr"]
            lines += [f"{k},{lrs[k]!r}" for k in sample(len(lrs))]
            (LONG / f"{_name(c)}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(names)} golden files to {LONG} (torch {torch.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
