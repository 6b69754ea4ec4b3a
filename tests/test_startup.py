"""What a short command loads (speed is measured by benchmarks/bench.py, not here):
`lrplot --help` no numpy, no pydantic and none of the engine (only the schedules'
registry, for their names), a table or CSV no matplotlib, a schedule's table none of
the config readers (nor pydantic: lrplot's commands are click's); `import lrplot`
itself loads nothing until a name is used."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import lrplot

PROBE = textwrap.dedent(
    """
    import sys
    sys.argv = ["lrplot", *sys.argv[1:]]
    from lrplot.cli import main
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    watched = ("numpy", "pydantic", "matplotlib", "lrplot.engine", "lrplot.configs")
    loaded = [m for m in watched if m in sys.modules]
    sys.stderr.write(f"\\nexit={code} loaded={','.join(loaded)}\\n")
    """
)


def _probe(tmp_path: Path, *args: str, **given: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LRPLOT_", "MPL"))}
    env.update(given)
    root = str(Path(lrplot.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in [root, env.get("PYTHONPATH", "")] if p)
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    return proc.stderr.strip().splitlines()[-1]


def test_help_loads_no_numpy_no_pydantic_and_no_engine(tmp_path):
    assert _probe(tmp_path, "--help") == "exit=0 loaded="


def test_a_schedule_table_loads_no_config_reader(tmp_path):
    status = _probe(tmp_path, "cosine", "--t-max", "5", "--epochs", "10")
    assert status == "exit=0 loaded=numpy,lrplot.engine", status


def test_import_lrplot_loads_its_names_on_first_use(tmp_path):
    code = (
        "import sys, lrplot, lrplot.errors\n"
        "print('lrplot.api' in sys.modules, end=' ')\n"
        "print(lrplot.simulate.__module__, lrplot.Schedule.__module__, 'lrplot.api' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(lrplot.__file__).resolve().parents[1])}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert proc.stdout == "False lrplot.api lrplot.schedules.base True\n", proc.stderr
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        lrplot.nothing  # noqa: B018
    code = "import lrplot; print(lrplot.engine.RunSettings.__name__, lrplot.logs.read_log.__name__)"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert proc.stdout == "RunSettings read_log\n", proc.stderr  # its submodules, on first use
    assert dir(lrplot) == sorted(lrplot.__all__)
    assert not hasattr(lrplot, "a.b") and not hasattr(lrplot, "_HOMESX")


@pytest.mark.parametrize(
    "args",
    [
        ["cosine", "--t-max", "5", "--epochs", "10"],
        ["compare", "cosine:t_max=5", "step:step_size=2", "--epochs", "10", "--log-y"],
        ["onecycle", "--max-lr", "0.1", "--total-steps", "20", "--epochs", "20", "--csv", "-"],
        ["check", "cosine", "--t-max", "5", "--epochs", "10"],
        ["list"],
        # child schedules are parsed by lrplot.spec, which the engine does not import:
        # a fresh process (no test module has loaded it) must parse them all the same
        [
            "sequential",
            "--schedule",
            "linear:start_factor=0.1,total_iters=3",
            "--schedule",
            "cosine:t_max=5",
            "--milestones",
            "3",
            "--epochs",
            "10",
        ],
        [
            "check",
            "chained",
            "--schedule",
            "step:step_size=2",
            "--schedule",
            "exponential:gamma=0.9",
            "--epochs",
            "10",
        ],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_a_command_loads_no_matplotlib(tmp_path, args):
    status = _probe(tmp_path, *args)
    assert status.startswith(("exit=0 ", "exit=1 ")), status
    assert "matplotlib" not in status, status
    if args[0] in ("sequential", "chained") or args[1:2] == ["chained"]:
        assert status.startswith("exit=0 "), status


@pytest.mark.parametrize(
    "args",
    [
        ["cosine", "--t-max", "5", "--epochs", "10", "--csv", "-"],
        ["cosine", "--t-max", "5", "--csv", "x.csv", "-q"],
        ["compare", "cosine:t_max=5", "plateau", "--epochs", "20"],
        ["plateau", "--epochs", "20", "--csv", "-"],
        ["cosine", "--help"],
        ["cosine", "--t-max", "0"],
    ],
    ids=" ".join,
)
def test_matplotlib_not_imported_without_a_chart(tmp_path, args):
    status = _probe(tmp_path, *args, COLUMNS="120")
    assert status.startswith(("exit=0 ", "exit=2 ")), status
    assert "matplotlib" not in status, status


def test_matplotlib_is_imported_for_a_chart(tmp_path):
    status = _probe(tmp_path, "cosine", "--t-max", "5", "-o", "c.png", "-q")
    assert status.startswith("exit=0 ") and "matplotlib" in status, status
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"


BLAS_PROBE = textwrap.dedent(
    """
    import os, sys
    sys.argv = ["lrplot", "cosine", "--t-max", "5", "--epochs", "10"]
    from lrplot.cli import main
    try:
        main()
    finally:
        sys.stderr.write(f"\\nthreads={os.environ.get('OPENBLAS_NUM_THREADS')}\\n")
    """
)


@pytest.mark.parametrize(("given", "expected"), [(None, "1"), ("3", "3")])
def test_the_command_starts_openblas_with_one_thread_unless_told(tmp_path, given, expected):
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    env["PYTHONPATH"] = str(Path(lrplot.__file__).resolve().parents[1])
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    proc = subprocess.run(
        [sys.executable, "-c", BLAS_PROBE], cwd=tmp_path, capture_output=True, text=True,
        timeout=120, env=env,
    )  # fmt: skip
    assert proc.stderr.strip().splitlines()[-1] == f"threads={expected}", proc.stderr
