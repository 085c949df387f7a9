"""The simulator reproduces the reference figures of shared/abr-traces/README.md (Sabre setting:
25 s buffer, 80 ms latency, first segment at the lowest rung) within 3 % for BOLA-E and DYNAMIC, on
the full fcc + hsdpa sets (about 10 s of CPU on two cores)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from abr.bench import run_bench
from abr.metrics import summarize

ROWS = {"bola-e": "BOLA-E", "dynamic": "DYNAMIC"}


def reference_figures(readme: Path) -> dict[str, tuple[float, float]]:
    """(fcc QoE_lin, hsdpa QoE_lin) per algorithm, read from the README's reference table."""
    out = {}
    for line in readme.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        for name, label in ROWS.items():
            if cells and re.match(rf"{re.escape(label)}\b(?!-)", cells[0]) and len(cells) >= 5:
                out[name] = (float(cells[1]), float(cells[3]))
    return out


def test_bola_e_and_dynamic_match_the_reference_table(shared_dir: Path) -> None:
    """Per set mean QoE_lin within 3 % of the published Sabre figures."""
    root = shared_dir / "abr-traces"
    ref = reference_figures(root / "README.md")
    assert set(ref) == set(ROWS)
    result = run_bench([str(root / "fcc"), str(root / "hsdpa")], list(ROWS), root / "ladders" / "netflix10_4s_cbr.json")
    for name, (fcc, hsdpa) in ref.items():
        got_fcc = summarize(result.sessions["fcc"][name]).qoe_lin
        got_hsdpa = summarize(result.sessions["hsdpa"][name]).qoe_lin
        assert got_fcc == pytest.approx(fcc, rel=0.03), name
        assert got_hsdpa == pytest.approx(hsdpa, rel=0.03), name
