"""`reelbox abr-bench` end to end on a few real trace files: table, JSON contract, errors."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from abr import DEFAULT_ALGORITHM
from abr.bench import run_cli
from abr.errors import AbrError
from ui.cli import main


@pytest.fixture
def traces(tmp_path: Path, shared_dir: Path) -> Path:
    """Two small sets beside a ladders/ folder, as in shared/abr-traces (both trace formats)."""
    root = shared_dir / "abr-traces"
    (tmp_path / "ladders").mkdir()
    shutil.copy(root / "ladders" / "netflix10_4s_cbr.json", tmp_path / "ladders")
    shutil.copy(root / "ladders" / "pensieve_envivio_48x4s.json", tmp_path / "ladders")
    for name, count in (("hsdpa", 3), ("lte", 2)):
        (tmp_path / name).mkdir()
        for f in sorted((root / name).iterdir())[:count]:
            shutil.copy(f, tmp_path / name)
    return tmp_path


def test_cli_writes_the_contract_json(traces: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every algorithm runs on every trace of every set; the JSON has the DESIGN.md fields."""
    out = traces / "out.json"
    code = main(["abr-bench", str(traces / "hsdpa"), str(traces / "lte"),
                 "--algorithms", f"{DEFAULT_ALGORITHM},dynamic", "--json", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "### hsdpa" in printed and "### lte" in printed and "paired" in printed
    data = json.loads(out.read_text())
    assert data["default"] == DEFAULT_ALGORITHM and data["ladder"].endswith("netflix10_4s_cbr.json")
    assert set(data["sets"]) == {"hsdpa", "lte"}
    for set_name, count in (("hsdpa", 3), ("lte", 2)):
        for algo in (DEFAULT_ALGORITHM, "dynamic"):
            entry = data["sets"][set_name][algo]
            for key in ("qoe_lin", "rebuffer_ratio", "switches_per_150", "avg_bitrate_kbps", "startup_s"):
                assert isinstance(entry[key], float)
            assert len(entry["per_trace"]) == count
            assert entry["qoe_lin"] == pytest.approx(sum(entry["per_trace"].values()) / count)
    assert "dynamic" in data["paired_vs_default"]["pooled"]


def test_explicit_vbr_ladder(traces: Path) -> None:
    """--ladder selects another ladder (real VBR sizes)."""
    out = traces / "vbr.json"
    assert run_cli([str(traces / "hsdpa")], algorithms="bba0", ladder=str(traces / "ladders" / "pensieve_envivio_48x4s.json"),
                   json_path=str(out)) == 0
    entry = json.loads(out.read_text())["sets"]["hsdpa"]["bba0"]
    assert 300 <= entry["avg_bitrate_kbps"] <= 4300


def test_bad_input_is_our_error_and_exit_1(traces: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown algorithm or a missing ladder raises AbrError; the CLI turns it into exit status 1."""
    with pytest.raises(AbrError):
        run_cli([str(traces / "hsdpa")], algorithms="nope", ladder=None, json_path=None)
    with pytest.raises(AbrError):
        run_cli([str(traces / "hsdpa")], algorithms=None, ladder=str(traces / "missing.json"), json_path=None)
    assert main(["abr-bench", str(traces / "nowhere")]) == 1
    assert capsys.readouterr().err.startswith("error: ")
