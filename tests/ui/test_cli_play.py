"""`reelbox play`, `downloads play` and `qa` as a QA engineer runs them: real processes, a real backend."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def reelbox(*args: str, home: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, REELBOX_HOME=str(home))
    return subprocess.run([sys.executable, "-m", "ui", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def _token(api_url: str) -> dict[str, str]:
    body = httpx.post(f"{api_url}/api/v1/auth/login", json={"email": "demo@reelbox.local", "password": "demo"}).json()
    return {"Authorization": f"Bearer {body['access_token']}"}


def _save_position(api_url: str, title_id: str, position_s: float) -> None:
    httpx.put(f"{api_url}/api/v1/progress/{title_id}", headers=_token(api_url), json={
        "position_s": position_s, "duration_s": 6.0, "device_id": "other-device", "client_ts": 1.0,
        "event_id": f"seed-{position_s}"}).raise_for_status()


def _stored_position(api_url: str, title_id: str) -> float:
    r = httpx.get(f"{api_url}/api/v1/progress/{title_id}", headers=_token(api_url))
    r.raise_for_status()
    return float(r.json()["position_s"])


def test_play_starts_at_zero_and_leaves_progress_alone_unless_asked(ui_backend: Any, tmp_path: Path) -> None:
    """With a saved position of 4 s, `play` starts at 0 and does not move the viewer's position; `--resume`
    starts at 4 s; `--sync` reports the new position."""
    api = ui_backend.api_url
    _save_position(api, "ui-alpha", 4.0)
    plain = reelbox("play", "ui-alpha", "--headless", "--until", "1", "--report", str(tmp_path / "a.json"),
                    "--backend", api, home=tmp_path / "home")
    assert plain.returncode == 0, plain.stderr
    report = json.loads((tmp_path / "a.json").read_text())
    assert report["start_s"] == 0.0 and report["played_s"] >= 0.5
    assert _stored_position(api, "ui-alpha") == 4.0

    resumed = reelbox("play", "ui-alpha", "--headless", "--resume", "--report", str(tmp_path / "b.json"),
                      "--backend", api, home=tmp_path / "home")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads((tmp_path / "b.json").read_text())["start_s"] == 4.0

    synced = reelbox("play", "ui-alpha", "--headless", "--until", "1.5", "--sync", "--backend", api, home=tmp_path / "home")
    assert synced.returncode == 0, synced.stderr
    assert _stored_position(api, "ui-alpha") < 4.0


def test_the_next_play_starts_from_the_estimate_the_last_one_kept_unless_cold(ui_backend: Any, tmp_path: Path) -> None:
    """Three `play` processes on one REELBOX_HOME: the first starts at the bottom rung and leaves the link's
    estimate in the state dir; the next starts at the top rung from it (the report says so); `--cold-start`
    starts at the bottom again and leaves the file as it was."""
    def first_rendition(name: str, *extra: str) -> tuple[str, dict[str, Any]]:
        run = reelbox("play", "ui-beta", "--headless", "--until", "2", "--report", str(tmp_path / name),
                      "--backend", ui_backend.api_url, *extra, home=tmp_path / "home")
        assert run.returncode == 0, run.stderr
        report = json.loads((tmp_path / name).read_text())
        return next(s["rendition"] for s in report["segments"] if s["type"] == "video"), report

    kept = tmp_path / "home" / "state" / "throughput.json"
    first, report = first_rendition("a.json")
    assert report["start_estimate_kbps"] is None
    stored = kept.read_bytes()
    assert list(json.loads(stored)) == ["127.0.0.1"]
    second, report = first_rendition("b.json")
    assert second != first and report["start_estimate_kbps"] is not None
    stored = kept.read_bytes()
    cold, report = first_rendition("c.json", "--cold-start")
    assert cold == first and report["start_estimate_kbps"] is None
    assert kept.read_bytes() == stored


def test_qa_help_shows_a_runnable_example(tmp_path: Path) -> None:
    """`reelbox qa --help` ends with a matrix file that `reelbox qa --example` prints verbatim, that parses, and
    whose every threshold is one the runner knows; run against a backend holding its target, every cell passes."""
    from backend_stub.encode import make_test_title
    from backend_stub.server import Backend
    from testkit import FAST_SETTINGS
    from ui.qa_matrix import load_matrix

    help_text = reelbox("qa", "--help", home=tmp_path / "home").stdout
    example = reelbox("qa", "--example", home=tmp_path / "home").stdout
    assert example.strip() and example.strip() in help_text
    matrix_file = tmp_path / "smoke.toml"
    matrix_file.write_text(example)
    matrix = load_matrix(matrix_file)
    assert tomllib.loads(example)["qa"]["targets"] == list(matrix.targets)

    data = tmp_path / "backend"
    for target in matrix.targets:
        make_test_title(data, target, seconds=10, heights=(144, 240))
    with Backend(data, demo_user=True, settings=FAST_SETTINGS, ingest_worker=False) as backend:
        run = reelbox("qa", str(matrix_file), "--backend", f"{backend.api_url}/api/v1", "--out", str(tmp_path / "out"),
                      home=tmp_path / "home", timeout=300)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert run.returncode == 0, (run.stdout, run.stderr, [c["failed"] for c in summary["cells"]])
    assert summary["total"] == len(matrix.targets) * len(matrix.faults) and summary["failed"] == 0


@pytest.mark.parametrize("stderr, cause", [
    ("Traceback...\nerror: POST /auth/login: Not Found\n", "POST /auth/login: Not Found"),
    ("", ""),
    ("warning: slow\n", "warning: slow"),
])
def test_failed_cell_names_its_cause(stderr: str, cause: str) -> None:
    """A failed cell's summary carries the session's own error line."""
    from ui.qa import _cause

    assert _cause(stderr) == cause


def test_download_at_another_quality_says_why_and_downloads_play_takes_play_options(ui_backend: Any, tmp_path: Path) -> None:
    """`download --quality 240p` over a 144p download names the stored quality and how to change it (it used to
    return the old download silently); `downloads play ID --headless --report` plays the download headless."""
    home = tmp_path / "home"
    first = reelbox("download", "ui-beta", "--quality", "144p", "--backend", ui_backend.api_url, home=home)
    assert first.returncode == 0, first.stderr
    asset_id = first.stdout.split("\t")[0]
    again = reelbox("download", "ui-beta", "--quality", "240p", "--backend", ui_backend.api_url, home=home)
    assert again.returncode == 1 and "stored at 144p; to get 240p" in again.stderr
    assert f"reelbox downloads delete {asset_id}" in again.stderr and again.stderr.count("\n") == 1
    same = reelbox("download", "ui-beta", "--quality", "144p", "--backend", ui_backend.api_url, home=home)
    assert same.returncode == 0 and same.stdout.startswith(asset_id)

    played = reelbox("downloads", "play", asset_id, "--headless", "--until", "1", "--report", str(tmp_path / "o.json"),
                     home=home)
    assert played.returncode == 0, played.stderr
    report = json.loads((tmp_path / "o.json").read_text())
    assert report["start_s"] == 0.0 and report["played_s"] >= 0.5 and report["errors"] == []


def test_an_until_of_zero_is_bad_usage_before_anything_is_fetched(capsys: pytest.CaptureFixture[str]) -> None:
    """``--until 0`` played nothing and exited 1 with libmpv's "unrecognized file format"; it is bad usage (exit 2,
    naming the option) before anything is fetched: the target's port is never connected to."""
    from ui.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["play", "--headless", "--until", "0", "http://127.0.0.1:9/none.m3u8"])
    assert stop.value.code == 2 and "--until" in capsys.readouterr().err


@pytest.mark.parametrize("window", [["--start", "5", "--until", "5"], ["--start", "4", "--until", "3"]])
def test_an_until_at_or_before_the_start_of_a_title_is_bad_usage_before_any_segment(
        window: list[str], ui_backend: Any, tmp_path: Path) -> None:
    """On a title (6 s), ``--until`` at or before ``--start`` leaves nothing to play: exit 2 naming both, before any
    segment is fetched. Checked once the title is known, not by the parser: on a live channel ``--until`` counts
    from the start, and the parser refused ``--start 40 --until 10`` there too (``tests/live/test_live_start.py``)."""
    report = tmp_path / "r.json"
    run = reelbox("play", "ui-alpha", "--headless", *window, "--backend", ui_backend.api_url, "--report", str(report),
                  home=tmp_path / "home")
    assert run.returncode == 2, run.stderr[-2000:]
    assert run.stderr.startswith("error: The stop position (--until) is at or before the start") and \
        f"--until {window[3]} is at or before the start ({window[1]} s)" in run.stderr, run.stderr
    assert json.loads(report.read_text())["segments"] == []


def test_a_report_in_a_missing_folder_is_bad_usage_before_the_target_is_fetched(tmp_path: Path) -> None:
    """`play --report` into a folder that does not exist played the whole title, then exited 1 with a raw
    "[Errno 2] ..." and the report was lost; it is bad usage (exit 2) naming the folder, found before anything
    is fetched: the target's port listens but is never connected to."""
    import socket

    missing = tmp_path / "no-such-dir"
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.setblocking(False)
        url = f"http://127.0.0.1:{server.getsockname()[1]}/title.m3u8"
        run = reelbox("play", url, "--headless", "--report", str(missing / "r.json"), home=tmp_path / "home", timeout=60)
        with pytest.raises(BlockingIOError):  # no connection waiting: nothing was fetched
            server.accept()
    errors = [line for line in run.stderr.splitlines() if "error:" in line]
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    assert len(errors) == 1 and f"folder {missing} does not exist" in errors[0], run.stderr


@pytest.mark.parametrize("command, folder", [
    (["play", "http://127.0.0.1:9/none.m3u8", "--requests-csv", "{missing}/requests.csv"], "missing"),
    (["downloads", "play", "no-such-download", "--report", "{missing}/r.json"], "missing"),
    (["abr-bench", "{traces}", "--json", "{missing}/bench.json"], "missing"),
    (["play", "http://127.0.0.1:9/none.m3u8", "--report", "{file}/r.json"], "file"),
])
def test_every_file_named_on_the_command_line_is_checked_before_the_work(
        command: list[str], folder: str, tmp_path: Path, reelbox_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every option naming a file the command writes (``--report``, ``--requests-csv``, ``abr-bench --json``) has
    its folder checked up front: bad usage (exit 2) naming the folder, not a failure once the work is done."""
    from ui.cli import main

    (tmp_path / "traces").mkdir()
    (tmp_path / "a-file").write_text("")
    names = {"missing": tmp_path / "no-such-dir", "traces": tmp_path / "traces", "file": tmp_path / "a-file"}
    with pytest.raises(SystemExit) as stop:
        main([arg.format(**names) for arg in command])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and f"folder {names[folder]} " in err and "Traceback" not in err, err
