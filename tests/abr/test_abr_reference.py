"""The simulator and the baselines reproduce the reference figures of shared/abr-traces/README.md
(Sabre setting: 25 s buffer, 80 ms latency, first segment at the lowest rung) on the full fcc + hsdpa
sets: BOLA-E and DYNAMIC within 3 %, the faithful RobustMPC within 1 % (about 2 min of CPU on two
cores, hence ``slow``; ``benchmarks/abr_reference.py`` prints every figure)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from abr.bench import run_bench
from abr.metrics import summarize

ROWS = {"bola-e": "BOLA-E", "dynamic": "DYNAMIC", "robust-mpc": "RobustMPC"}
TOLERANCE = {"bola-e": 0.03, "dynamic": 0.03, "robust-mpc": 0.01}


def reference_figures(readme: Path) -> dict[str, tuple[float, float]]:
    """(fcc QoE_lin, hsdpa QoE_lin) per algorithm, read from the README's reference table."""
    out = {}
    for line in readme.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        for name, label in ROWS.items():
            if cells and re.match(rf"{re.escape(label)}\b(?!-)", cells[0]) and len(cells) >= 5:
                out[name] = (float(cells[1]), float(cells[3]))
    return out


@pytest.mark.slow
def test_baselines_match_the_reference_table(shared_dir: Path) -> None:
    """Per set mean QoE_lin within the tolerance of the published figures."""
    root = shared_dir / "abr-traces"
    ref = reference_figures(root / "README.md")
    assert set(ref) == set(ROWS)
    result = run_bench([str(root / "fcc"), str(root / "hsdpa")], list(ROWS), root / "ladders" / "netflix10_4s_cbr.json")
    for name, (fcc, hsdpa) in ref.items():
        got_fcc = summarize(result.sessions["fcc"][name]).qoe_lin
        got_hsdpa = summarize(result.sessions["hsdpa"][name]).qoe_lin
        assert got_fcc == pytest.approx(fcc, rel=TOLERANCE[name]), name
        assert got_hsdpa == pytest.approx(hsdpa, rel=TOLERANCE[name]), name
