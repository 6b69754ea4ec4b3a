"""Charts of long runs are decimated per pixel column and must look the same.

Each chart is rendered twice, decimated (what lrplot saves) and with every point,
and the two RGB rasters are compared pixel by pixel. Tolerance: no pixel may differ
by more than 100/255 in any channel, and at most 2% of pixels may differ at all.
Why not zero: the full series is drawn as sub-pixel stairs and the decimated one
as straight segments through each column's first/min/max/last points; they cover
the same pixels, but antialiasing weighs the partly covered edge pixels a little
differently (measured: max 84/255, at most 1.1% of pixels, on these cases).
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from lrplot.engine import RunSettings, simulate
from lrplot.metrics import SyntheticMetric
from lrplot.render.plot import decimate, draw
from lrplot.schedules import lookup

N = 300_000


def _raster(fig) -> np.ndarray:
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].astype(int)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("cosine", {"t_max": 30_000}),
        ("multistep", {"milestones": [100_000, 200_000, 250_000]}),
        ("exponential", {"gamma": 0.99998}),
        ("plateau", {"patience": 20}),
    ],
)
def test_decimated_chart_looks_like_full_chart(name: str, params: dict) -> None:
    trace = simulate(lookup(name).build(params), RunSettings(epochs=N), SyntheticMetric(noise=0.05))
    fast, full = _raster(draw([trace])), _raster(draw([trace], full=True))
    diff = np.abs(fast - full).max(axis=2)
    assert diff.max() <= 100, f"max pixel difference {diff.max()}"
    assert (diff > 0).mean() <= 0.02, f"{(diff > 0).mean():.2%} of pixels differ"


def test_decimated_line_is_bounded_and_keeps_extremes() -> None:
    trace = simulate(
        lookup("plateau").build({"patience": 5}), RunSettings(epochs=N), SyntheticMetric(noise=0.5)
    )
    fig = draw([trace])
    ax = fig.axes[0]
    lr_line = next(line for line in ax.get_lines() if line.get_gid().startswith("lr:"))
    y = np.asarray(lr_line.get_ydata())
    assert len(y) <= 4 * 3000
    assert y.max() == trace.lr.max() and y.min() == trace.lr.min()
    metric_line = fig.axes[1].get_lines()[0]
    my = np.asarray(metric_line.get_ydata())
    full = trace.metric_at(np.arange(N))
    assert my.max() == full.max() and my.min() == full.min()


def test_decimate_keeps_every_jump() -> None:
    jumps = [250_437, 500_001, 749_999]
    y = np.full(1_000_000, 1.0)
    for j in jumps:
        y[j:] /= 2
    idx, kept = decimate(y, 1000)  # bins of 1000 steps: every jump is inside a bin
    assert len(idx) < 5000
    for j in jumps:  # the exact step of each jump is kept, with the values on both sides
        assert j in idx.tolist()
        before = idx[idx < j].max()
        assert y[before] == y[j - 1] and kept[idx.tolist().index(j)] == y[j]


def test_svg_of_a_million_noisy_epochs_stays_small(tmp_path) -> None:
    from lrplot.render.plot import save_chart

    trace = simulate(
        lookup("plateau").build({}), RunSettings(epochs=1_000_000), SyntheticMetric(noise=0.3)
    )
    out = tmp_path / "big.svg"
    save_chart([trace], str(out))
    assert out.stat().st_size < 2_000_000
