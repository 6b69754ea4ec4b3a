"""The peer: what users do today. Step real torch schedulers in a loop, then pyplot or csv.

python benchmarks/peer.py N png|svg|csv   -> peer.<fmt> in the current folder
"""

import csv
import sys
import warnings

import torch

warnings.filterwarnings("ignore")
n, fmt = int(sys.argv[1]), sys.argv[2]
S = torch.optim.lr_scheduler
makers = {
    "cosine": lambda o: S.CosineAnnealingLR(o, T_max=n),
    "multistep": lambda o: S.MultiStepLR(o, milestones=[3 * n // 10, 6 * n // 10, 9 * n // 10]),
    "exponential": lambda o: S.ExponentialLR(o, gamma=0.999995),
    "step": lambda o: S.StepLR(o, step_size=n // 4, gamma=0.5),
}
curves = {}
for name, make in makers.items():
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.1)
    sched = make(opt)
    lrs = []
    for _ in range(n):
        lrs.append(opt.param_groups[0]["lr"])
        sched.step()
    curves[name] = lrs

if fmt == "csv":
    with open("peer.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["step", *curves])
        for i, row in enumerate(zip(*curves.values(), strict=True)):
            w.writerow([i, *row])
else:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for name, lrs in curves.items():
        plt.plot(lrs, label=name)
    plt.legend()
    plt.xlabel("step")
    plt.ylabel("lr")
    plt.savefig(f"peer.{fmt}")
