"""The chart: the drawn lines hold the engine's LRs; files are real PNG/SVG/PDF."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import trace

from lrplot.render.plot import decimate, draw


def lr_lines(fig):
    ax = fig.axes[0]
    return [line for line in ax.get_lines() if (line.get_gid() or "").startswith("lr:")]


def legend_texts(fig) -> list[str]:
    legend = fig.legends[0] if fig.legends else fig.axes[0].get_legend()
    assert legend is not None
    return [t.get_text() for t in legend.get_texts()]


def test_single_schedule_lines_labels_title():
    t = trace("step:step_size=2,gamma=0.5", epochs=7)
    fig = draw([t])
    ax = fig.axes[0]
    (line,) = lr_lines(fig)
    # each step's LR over its whole step [k, k+1): the last one to the run's end
    assert line.get_ydata().tolist() == [*t.lr.tolist(), t.lr[-1]]
    assert line.get_ydata().tolist() == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125]
    assert line.get_xdata().tolist() == list(range(8))
    assert line.get_drawstyle() == "steps-post"
    assert ax.get_xlabel() == "epoch"
    assert ax.get_ylabel() == "learning rate"
    assert ax.get_yscale() == "linear"
    assert "StepLR(step_size=2, gamma=0.5)" in ax.get_title()
    assert "lr=0.1, 7 epochs" in ax.get_title()
    assert ax.get_xlim() == (0.0, 7.0)  # the last epoch shows whole
    assert all(float(x).is_integer() for x in ax.get_xticks())  # no ticks at 0.5, 1.5
    # the milestones are marked where the LR changes
    (marks,) = [ln for ln in ax.get_lines() if (ln.get_gid() or "").startswith("changes:")]
    assert marks.get_xdata().tolist() == [2, 4, 6]
    assert marks.get_ydata().tolist() == [0.05, 0.025, 0.0125]
    assert ax.get_legend() is None and not fig.legends  # one line needs no legend


@pytest.mark.parametrize(
    ("spec", "torch_class"),
    [
        ("step:step_size=3", "StepLR"),
        ("multistep:milestones=[2,5]", "MultiStepLR"),
        ("exponential:gamma=0.9", "ExponentialLR"),
        ("cosine:t_max=10", "CosineAnnealingLR"),
        ("plateau:patience=1", "ReduceLROnPlateau"),
    ],
)
def test_every_schedule_draws_its_lrs(spec, torch_class):
    t = trace(spec, epochs=40)
    fig = draw([t])
    (line,) = lr_lines(fig)
    assert np.array_equal(line.get_ydata(), np.append(t.lr, t.lr[-1]))
    assert fig.axes[0].get_title().startswith(torch_class + "(")


def test_log_y():
    fig = draw([trace("exponential:gamma=0.5", epochs=10)], log_y=True)
    assert fig.axes[0].get_yscale() == "log"


def test_compare_legend_and_lines():
    a = trace("cosine:t_max=10", epochs=12)
    b = trace("exponential:gamma=0.8,label=exp", epochs=12)
    fig = draw([a, b])
    lines = lr_lines(fig)
    assert [ln.get_label() for ln in lines] == ["cosine:t_max=10", "exp"]
    assert lines[0].get_ydata().tolist()[:-1] == a.lr.tolist()
    assert lines[1].get_ydata().tolist()[:-1] == b.lr.tolist()
    assert lines[0].get_linestyle() != lines[1].get_linestyle()
    assert lines[0].get_color() != lines[1].get_color()
    assert legend_texts(fig) == ["cosine:t_max=10", "exp"]
    assert fig.axes[0].get_title().startswith("LR schedules compared")


def test_plateau_metric_on_a_second_axis():
    t = trace("plateau:patience=2", epochs=30, seed=5)
    fig = draw([t])
    metric_ax = fig.axes[1]
    assert metric_ax.get_ylabel() == "metric"
    (metric_line,) = metric_ax.get_lines()
    assert metric_line.get_ydata().tolist()[:-1] == t.sched_metric.tolist()
    assert metric_line.get_color() == "0.45"  # its own colour, not the LR's
    assert legend_texts(fig) == ["plateau:patience=2", "metric"]


def test_compare_with_plateau_legend():
    fig = draw([trace("plateau", epochs=20), trace("cosine:t_max=20,label=cos", epochs=20)])
    assert legend_texts(fig) == ["plateau", "cos", "plateau metric"]


def test_per_step_axes():
    t = trace("step:step_size=1", epochs=3, steps_per_epoch=4)
    fig = draw([t])
    ax = fig.axes[0]
    (line,) = lr_lines(fig)
    assert line.get_ydata().tolist() == [0.1] * 4 + [0.1 * 0.1] * 4 + [0.1 * 0.1 * 0.1] * 5
    assert ax.get_xlabel() == "optimizer step"
    assert ax.get_xlim() == (0.0, 12.0)
    assert "3 epochs x 4 steps, stepped per epoch" in ax.get_title()
    assert any(child.get_xlabel() == "epoch" for child in ax.child_axes)  # the top axis


def test_long_run_is_decimated_but_keeps_extremes():
    t = trace("plateau:patience=3", epochs=200_000, metric_noise=0.5)
    fig = draw([t])
    (line,) = lr_lines(fig)
    y = np.asarray(line.get_ydata())
    assert len(y) < len(t.lr) // 10
    assert y.max() == t.lr.max() and y.min() == t.lr.min()
    assert y[0] == t.lr[0] and y[-1] == t.lr[-1]
    x = np.asarray(line.get_xdata())
    assert x[0] == 0 and x[-2] == len(t.lr) - 1 and x[-1] == len(t.lr)
    assert np.array_equal(y[:-1], t.lr[x[:-1]])


# --- decimate ---------------------------------------------------------------------


def test_decimate_short_series_is_untouched():
    y = np.linspace(0, 1, 100)
    idx, out = decimate(y, 25)
    assert idx.tolist() == list(range(100))
    assert out is y


@pytest.mark.parametrize(("n", "columns"), [(1_000_000, 3000), (123_457, 1000), (4001, 1000)])
def test_decimate_keeps_bin_extremes_and_ends(n, columns):
    rng = np.random.default_rng(n)
    y = np.cumsum(rng.standard_normal(n)) + rng.standard_normal(n) * 5
    y[n // 3] = 1e6  # a single spike must survive
    y[2 * n // 3] = -1e6
    idx, out = decimate(y, columns)
    assert len(idx) <= 4 * columns
    assert np.all(np.diff(idx) > 0)
    assert np.array_equal(out, y[idx])
    assert idx[0] == 0 and idx[-1] == n - 1
    assert out.max() == y.max() == 1e6
    assert out.min() == y.min() == -1e6
    # every bin keeps its own min and max
    size = -(-n // columns)
    kept = set(idx.tolist())
    for start in range(0, n, size):
        chunk = y[start : start + size]
        assert start + int(chunk.argmin()) in kept
        assert start + int(chunk.argmax()) in kept
        assert start in kept and min(start + size, n) - 1 in kept


# --- chart files through the CLI ----------------------------------------------------

MAGIC = {
    "png": lambda b: b.startswith(b"\x89PNG\r\n\x1a\n"),
    "svg": lambda b: b.lstrip().startswith((b"<?xml", b"<svg")) and b"<svg" in b[:2000],
    "pdf": lambda b: b.startswith(b"%PDF-"),
}


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_chart_files(cli, fmt):
    result = cli.ok("cosine", "--t-max", "10", "--epochs", "20", "-o", f"lr.{fmt}", "-q")
    assert result.stderr == f"wrote lr.{fmt}\n"
    assert result.stdout == ""
    data = (cli.folder / f"lr.{fmt}").read_bytes()
    assert MAGIC[fmt](data), data[:40]
    assert cli.files() == {f"lr.{fmt}"}


def test_chart_extension_is_case_insensitive(cli):
    cli.ok("step", "--step-size", "3", "--epochs", "9", "-o", "LR.PNG", "-q")
    assert MAGIC["png"]((cli.folder / "LR.PNG").read_bytes())


def test_chart_files_are_reproducible(cli):
    # no dates in the files; SVG is left out: matplotlib's clip-path ids vary per run
    args = ("compare", "cosine:t_max=5", "plateau", "--epochs", "10", "--log-y", "-q")
    for fmt in ["png", "pdf"]:
        cli.ok(*args, "-o", f"a.{fmt}")
        cli.ok(*args, "-o", f"b.{fmt}")
        a = (cli.folder / f"a.{fmt}").read_bytes()
        assert a == (cli.folder / f"b.{fmt}").read_bytes(), fmt
        assert MAGIC[fmt](a)


@pytest.mark.parametrize(
    "traces",
    [
        [trace("cosine:t_max=50", epochs=100)],
        [trace("onecycle:max_lr=0.1", epochs=100)],  # the momentum panel
        [trace("plateau", epochs=60), trace("cosine:t_max=20", epochs=60)],  # legend below
        [trace("cosine:t_max=300", epochs=3, steps_per_epoch=100, interval="step")],
    ],
    ids=["cosine", "momentum", "compare-metric", "per-step"],
)
@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_chart_is_the_file_savefig_writes(traces, fmt):
    # drawn once, not twice: the same bytes as savefig's (which draws twice, the first
    # time only to run the constrained layout)
    import io

    from matplotlib import rc_context

    from lrplot.render.plot import METADATA, write_chart

    ours, theirs = io.BytesIO(), io.BytesIO()
    write_chart(draw(traces), ours, fmt)
    with rc_context({"svg.hashsalt": "lrplot"}):
        draw(traces).savefig(theirs, format=fmt, metadata=METADATA[fmt])
    assert ours.getvalue() == theirs.getvalue()
    assert MAGIC[fmt](ours.getvalue())


def test_chart_follows_a_matplotlibrc_that_changes_savefig():
    import io

    from matplotlib import rc_context

    from lrplot.render.plot import DPI, HEIGHT_IN, WIDTH_IN, write_chart

    def size(png: bytes) -> tuple[int, int]:  # the IHDR chunk: width, height
        return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")

    traces = [trace("cosine:t_max=10", epochs=20)]
    plain, big = io.BytesIO(), io.BytesIO()
    write_chart(draw(traces), plain)
    with rc_context({"savefig.dpi": 2 * DPI}):
        write_chart(draw(traces), big)
    assert size(plain.getvalue()) == (int(WIDTH_IN * DPI), int(HEIGHT_IN * DPI))
    assert size(big.getvalue()) == (int(2 * WIDTH_IN * DPI), int(2 * HEIGHT_IN * DPI))


def test_chart_and_csv_together(cli):
    result = cli.ok(
        "plateau", "--epochs", "12", "--steps-per-epoch", "3", "-o", "p.svg", "--csv", "p.csv"
    )
    assert result.stderr == "wrote p.csv (36 rows)\nwrote p.svg\n"
    assert MAGIC["svg"]((cli.folder / "p.svg").read_bytes())
    lines = (cli.folder / "p.csv").read_text().splitlines()
    assert lines[0] == "step,epoch,lr,metric" and len(lines) == 37
    assert "ReduceLROnPlateau(" in result.stdout  # the table too


def test_chart_of_overflowing_and_underflowing_lrs(cli):
    # inf and 0 in the LR must not break the chart (log axis included)
    cli.ok("exponential", "--gamma", "1e308", "--epochs", "6", "-o", "big.png", "-q")
    cli.ok("exponential", "--gamma", "1e-300", "--epochs", "6", "-o", "small.png", "-q", "--log-y")
    assert MAGIC["png"]((cli.folder / "big.png").read_bytes())
    assert MAGIC["png"]((cli.folder / "small.png").read_bytes())


def test_titles_show_the_run_and_read_as_python():
    """OneCycleLR's total_steps defaults to the run: the title says how long (after a
    prefix warmup, the steps left), and booleans are Python's True/False."""
    t = trace("onecycle:max_lr=0.1", epochs=40)
    title = draw([t]).axes[0].get_title()
    assert "total_steps=40," in title and "cycle_momentum=True" in title
    assert "three_phase=False" in title and "None" not in title
    warm = trace("hf-cosine:warmup=4", epochs=40)
    assert "num_training_steps=36," in draw([warm]).axes[0].get_title()
    given = trace("onecycle:max_lr=0.1,total_steps=50", epochs=40)
    assert "total_steps=50," in draw([given]).axes[0].get_title()
