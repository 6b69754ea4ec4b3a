"""Exact at every length: the long runs of tests/golden/long/, bit for bit.

tools/goldens_long.py records them from real PyTorch (a 2M-step CosineAnnealingLR
with eta_min > 0, LambdaLR and MultiplicativeLR over up to a million epochs with
tanh, exp, log, ``**``, cos and sqrt, a LambdaLR inside a SequentialLR). Each file
holds a sample of the rows and the sha256 of every row's LR: the sample must match to
1e-12 relative (0.0 exactly), and the hash says every row matches bit for bit.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import case_settings

from lrplot.engine import simulate
from lrplot.schedules import lookup

LONG = Path(__file__).resolve().parent / "golden" / "long"
FILES = sorted(LONG.glob("*.csv"))
RTOL = 1e-12


def _load(path: Path) -> tuple[dict, np.ndarray, np.ndarray]:
    with path.open(encoding="utf-8") as f:
        case = json.loads(f.readline()[2:])
        assert f.readline().strip() == "step,lr"
        rows = [line.split(",") for line in f if line.strip()]
    return case, np.array([int(r[0]) for r in rows]), np.array([float(r[1]) for r in rows])


def test_there_are_long_goldens() -> None:
    names = {json.loads(p.read_text().splitlines()[0][2:])["schedule"] for p in FILES}
    assert {"cosine", "lambda", "multiplicative", "sequential"} <= names


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_long_run_matches_pytorch_bit_for_bit(path: Path) -> None:
    case, rows, expected = _load(path)
    settings = case_settings(case)
    trace = simulate(lookup(case["schedule"]).build(case["params"]), settings)
    lr = np.asarray(trace.lr, dtype=float)
    assert len(lr) == case["rows"]
    actual = lr[rows]
    zeros = expected == 0.0
    assert np.array_equal(actual[zeros], expected[zeros]), f"{path.name}: torch gives 0.0"
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=0, err_msg=path.name)
    digest = hashlib.sha256(lr.astype("<f8").tobytes()).hexdigest()
    assert digest == case["sha256"], f"{path.name}: some row is not PyTorch's bits"
