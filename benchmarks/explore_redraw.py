"""How long the explorer takes to redraw after a change, at 1M steps (target: < 100 ms).

    python benchmarks/explore_redraw.py [STEPS]

A redraw is what the app does after a keystroke: State.simulate (lrplot.compare on the
fields' text), the current schedule's summary and check findings, and the chart drawn
at 120x40 (render.termchart; decimated per column). Timed headless, in-process: the
worker thread's part and the chart's render separately, then the total, median of 9.
"""

from __future__ import annotations

import statistics
import sys
import time

from rich.console import Console

from lrplot.explore import state
from lrplot.render.termchart import chart_traces


def main() -> None:
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    cases = {
        "cosine": ["cosine:t_max=50%"],
        "onecycle (lr + momentum)": ["onecycle:max_lr=0.1"],
        "3 schedules": ["cosine:t_max=50%", "step:step_size=30%", "exponential:gamma=0.99999"],
    }
    console = Console(width=86, file=open("/dev/null", "w"))  # the chart panel at 120x40
    for name, specs in cases.items():
        s = state.from_specs(specs, {"epochs": str(steps // 1000), "steps_per_epoch": "1000",
                                     "interval": "step"})  # fmt: skip
        sim, draw = [], []
        for i in range(9):
            s.entries[0].texts["warmup"] = str(i)  # a change, as a keystroke makes
            t0 = time.perf_counter()
            outcome = s.simulate()
            assert outcome.comparison is not None, outcome
            outcome.comparison[0].check()
            outcome.comparison[0].summary()
            t1 = time.perf_counter()
            console.print(chart_traces(list(outcome.comparison), 86, height=24))
            t2 = time.perf_counter()
            sim.append(t1 - t0)
            draw.append(t2 - t1)
        ms = [1000 * (a + b) for a, b in zip(sim, draw, strict=True)]
        print(
            f"{name:<26} {steps:>9,} steps: simulate+check {1000 * statistics.median(sim):6.1f} ms"
            f", chart {1000 * statistics.median(draw):5.1f} ms, redraw {statistics.median(ms):6.1f}"
            f" ms (max {max(ms):.1f})"
        )


if __name__ == "__main__":
    main()
