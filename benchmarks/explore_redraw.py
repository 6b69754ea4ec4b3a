"""How long the explorer takes to redraw after a change, at 1M steps (target: < 100 ms).

    python benchmarks/explore_redraw.py [STEPS]

A redraw is what the app does after a keystroke: State.simulate (lrplot.compare on the
fields' text), the current schedule's summary and check findings, and the chart drawn
at 120x40 (render.termchart; decimated per column). Timed headless, in-process: the
worker thread's part and the chart's render separately, then the total, median of 9.

Then the app itself (needs lrplot[explore]), headless at 120x40: an Up key on t_max to
the refreshed screen, through Textual's Pilot, at STEPS and at 100 steps (the Pilot's
own waiting, which the difference leaves out).
"""

from __future__ import annotations

import io
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
    console = Console(width=86, file=io.StringIO())  # the chart panel at 120x40
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


async def in_app(steps: int) -> float:
    from lrplot.explore.app import ExploreApp

    run = {"epochs": str(max(steps // 1000, 1)), "steps_per_epoch": str(min(steps, 1000))}
    s = state.from_specs([f"cosine:t_max={steps // 2}"], {**run, "interval": "step"})
    app = ExploreApp(s)
    times = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        for _ in range(9):
            t0 = time.perf_counter()
            await pilot.press("up")
            await app.workers.wait_for_complete()
            await pilot.pause()
            times.append(1000 * (time.perf_counter() - t0))
    return statistics.median(times)


if __name__ == "__main__":
    main()
    import asyncio
    import importlib.util

    if importlib.util.find_spec("textual") is not None:
        steps = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
        big, small = asyncio.run(in_app(steps)), asyncio.run(in_app(100))
        print(
            f"in the app, key to refreshed screen: {big:.0f} ms at {steps:,} steps, "
            f"{small:.0f} ms at 100 steps (the Pilot's own wait): {big - small:.0f} ms more"
        )
