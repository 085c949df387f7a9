"""``python -m downloads`` has no player of its own: one offline player, ``reelbox downloads play``."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _downloads(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REELBOX_HOME": str(home), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "downloads", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=60)


def test_python_m_downloads_offers_no_second_player(tmp_path: Path) -> None:
    """``downloads play`` is a usage error there (exit 2), not a second offline player that lacked the
    playback options, the HTML report and the exit status of a short play; ``list`` still works."""
    played = _downloads("downloads", "play", "any-title", home=tmp_path)
    assert played.returncode == 2, played.stderr
    assert "invalid choice: 'play'" in played.stderr
    listed = _downloads("downloads", "list", home=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == ""


def test_reelbox_downloads_play_still_parses_its_playback_options() -> None:
    """The ``reelbox`` parser keeps ``downloads play ID`` with ``--report`` (once) and the playing options."""
    from ui.cli import build_parser

    args = build_parser().parse_args(["downloads", "play", "abc", "--headless", "--report", "r.html", "--until", "2"])
    assert (args.action, args.id, args.headless, args.report, args.until) == ("play", "abc", True, "r.html", 2.0)
