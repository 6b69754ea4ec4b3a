"""Record the LR traces of tests/golden/frameworks/ from the real libraries.

Each case of ``tests/golden/frameworks/cases.json`` is a framework config (and the
command-line arguments lrplot gets with it); this script runs that config through
the framework itself and writes ``NAME.csv`` (``step,lr``, one row per optimizer
step, floats with ``repr``). tests/test_frameworks.py checks ``lrplot run`` against
every file, without any of these libraries.

The libraries need not share an environment: give each one's Python::

    python tools/goldens_frameworks.py \\
        --hf-python ENV1/bin/python          # torch, transformers 5.24, accelerate
        --lightning-python ENV2/bin/python   # torch, lightning 2.6
        --mmengine-python ENV3/bin/python    # torch, mmengine 0.10.7
        --timm-src DIR                       # an unpacked timm 1.0.31 wheel (torch: this Python)
        [NAME ...]                               # only these cases

A library left out is skipped (its files are kept). The runners are in
tools/framework_refs/: they build the run the way the framework does (Trainer,
train.py's loop and argparse defaults, Lightning's Trainer, mmengine's Runner and
ParamSchedulerHook) and record the optimizer's LR at every step. For plateau cases
the metric is lrplot's own synthetic one (an input, read from lrplot's CSV).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "golden" / "frameworks"
REFS = Path(__file__).resolve().parent / "framework_refs"


def _steps(args: list[str]) -> str:
    return args[args.index("--steps-per-epoch") + 1] if "--steps-per-epoch" in args else "1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--hf-python")
    parser.add_argument("--lightning-python")
    parser.add_argument("--mmengine-python")
    parser.add_argument("--timm-src")
    opts = parser.parse_args()
    cases = json.loads((CASES / "cases.json").read_text())
    pythons = {
        "hf": opts.hf_python,
        "lightning": opts.lightning_python,
        "mmengine": opts.mmengine_python,
        "timm": sys.executable if opts.timm_src else None,
    }
    for name, case in cases.items():
        if name.startswith("_") or (opts.names and name not in opts.names):
            continue
        kind, python = case["reference"], pythons[case["reference"]]
        if python is None:
            print(f"skip {name}: no {kind} given")
            continue
        config = str((CASES / case["config"]).resolve())
        args = case.get("args", [])
        out = str(CASES / f"{name}.csv")
        with tempfile.TemporaryDirectory() as tmp:
            metric = []
            if case.get("metric"):  # the metric lrplot feeds its plateau, as the input
                lrplot_csv = str(Path(tmp) / "lrplot.csv")
                command = [sys.executable, "-m", "lrplot", "run", config, *args, "-q"]
                subprocess.run([*command, "--csv", lrplot_csv], check=True, cwd=ROOT)
                metric = [lrplot_csv]
            runner = str(REFS / f"{kind}_ref.py")
            extra = {
                "hf": [],
                "timm": [opts.timm_src or ""],
                "lightning": [_steps(args)],
                "mmengine": [_steps(args)],
            }[kind]
            subprocess.run([python, runner, config, out, *extra, *metric], check=True, cwd=REFS)
        rows = len(Path(out).read_text().splitlines()) - 1
        print(f"wrote {out} ({rows} rows, {kind})")


if __name__ == "__main__":
    main()
