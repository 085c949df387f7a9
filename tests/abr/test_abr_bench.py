"""`reelbox abr-bench` end to end on a few real trace files: table, JSON contract, errors."""
from __future__ import annotations

import json
import shutil
import statistics
from pathlib import Path

import pytest

from abr import DEFAULT_ALGORITHM
from abr.bench import run_bench, run_cli
from abr.errors import AbrError
from abr.metrics import paired_per_log, per_log
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


def test_buffer_latency_flags_and_the_built_in_ladder(tmp_path: Path, shared_dir: Path) -> None:
    """Without a ladders/ folder the built-in netflix10 ladder is used; --latency replaces every trace's
    latency (0 ms: a faster startup than the traces' 80 ms), --buffer is recorded, and the log-utility
    and startup metrics are in the JSON beside QoE_lin."""
    (tmp_path / "fcc").mkdir()
    for f in sorted((shared_dir / "abr-traces" / "fcc").iterdir())[:2]:
        shutil.copy(f, tmp_path / "fcc")
    runs = {}
    for name, extra in (("base", []), ("fast", ["--buffer", "10", "--latency", "0"])):
        out = tmp_path / f"{name}.json"
        assert main(["abr-bench", str(tmp_path / "fcc"), "--algorithms", "throughput", "--json", str(out), *extra]) == 0
        runs[name] = json.loads(out.read_text())
    assert runs["base"]["ladder"].startswith("netflix10") and runs["base"]["buffer_s"] == 25.0
    assert runs["fast"]["buffer_s"] == 10.0 and runs["fast"]["latency_ms"] == 0.0
    base, fast = runs["base"]["sets"]["fcc"]["throughput"], runs["fast"]["sets"]["fcc"]["throughput"]
    assert base["startup_s"] - 0.09 < fast["startup_s"] < base["startup_s"] - 0.07  # the link moves on meanwhile
    for key in ("qoe_log", "startup_below_s", "qoe_first_10s"):
        assert isinstance(base[key], float)
    for bad in (["--buffer", "-1"], ["--buffer", "inf"], ["--buffer", "0"], ["--latency", "nan"], ["--latency", "-5"]):
        with pytest.raises(SystemExit) as usage:  # bad usage, as `play`'s options are: argparse's exit 2
            main(["abr-bench", str(tmp_path / "fcc"), *bad])
        assert usage.value.code == 2, bad


def test_each_log_entered_at_several_starts_and_paired_per_log(traces: Path) -> None:
    """``run_bench(starts=K)`` plays every log from K points of its loop (each a session of its own, in
    trace then start order: the first is the log itself), and ``per_log`` folds those sessions back into
    one figure per log, the unit a paired interval may count."""
    ladder = traces / "ladders" / "netflix10_4s_cbr.json"
    once = run_bench([str(traces / "hsdpa")], ["throughput"], ladder, processes=1).sessions["hsdpa"]["throughput"]
    four = run_bench([str(traces / "hsdpa")], ["throughput"], ladder, processes=1, starts=4).sessions["hsdpa"]["throughput"]
    assert len(once) == 3 and len(four) == 12
    assert [r.trace for r in four[:4]] == [once[0].trace] + [f"{once[0].trace}@{k / 4:.2f}" for k in (1, 2, 3)]
    assert four[0] == once[0] and four[4] == once[1]
    assert len({r.qoe_lin for r in four[:4]}) > 1  # another start is another session on the same link
    means = per_log(four, lambda r: r.qoe_lin)
    assert list(means) == [r.trace for r in once]
    assert list(means.values()) == pytest.approx([statistics.fmean(r.qoe_lin for r in four[i:i + 4]) for i in (0, 4, 8)])
    # pairing matches logs by name, not by position, and refuses sides that played different logs
    shuffled = four[4:] + four[:4]
    assert paired_per_log(shuffled, four, lambda r: r.qoe_lin).mean == pytest.approx(0.0)
    assert paired_per_log(four, once, lambda r: r.qoe_lin).n == 3
    with pytest.raises(ValueError):
        paired_per_log(four, once[:2], lambda r: r.qoe_lin)
    for bad in (0, 101):
        with pytest.raises(AbrError):
            run_bench([str(traces / "hsdpa")], ["throughput"], ladder, starts=bad)
