"""The floor of a small chart: a bare matplotlib Figure of 100 steps' LR, saved as PNG
(benchmark baseline for `lrplot cosine --t-max 50 --epochs 100 -o x.png`)."""

import math
import sys

from matplotlib.figure import Figure

lr = [0.05 * (1 + math.cos(math.pi * k / 50)) for k in range(100)]
fig = Figure(figsize=(10, 5.6), dpi=150, layout="constrained")
ax = fig.add_subplot()
ax.plot(range(100), lr, drawstyle="steps-post")
ax.set_title("CosineAnnealingLR(T_max=50)")
ax.set_xlabel("epoch")
ax.set_ylabel("learning rate")
ax.grid(True, alpha=0.3)
fig.savefig(sys.argv[1], format="png")
