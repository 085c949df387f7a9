"""Where CMCD (CTA-5004) rides, as a loopback CDN sees it: ``reelbox play --cmcd query|headers|off``, else ``cmcd`` in
config.toml's ``[app]``, else the query (issue 7's default). A CDN whose cache key includes the query string misses
on every query-mode request, so the setting must really move the data into headers, or drop it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from corpus_server import Seen, serve_corpus

from player.net.cmcd import CmcdMode, decode
from ui.cli import CMCD_MODES


def _play(corpus_root: Path, home: Path, *flags: str) -> list[Seen]:
    """``reelbox play`` of the first 2 s of ``hls-ts`` on its own ``REELBOX_HOME``: the media segments' requests."""
    seen: list[Seen] = []
    with serve_corpus(corpus_root, seen) as base:
        run = subprocess.run([sys.executable, "-m", "ui", "play", f"{base}/hls-ts/master.m3u8", "--headless",
                              "--until", "2", *flags], capture_output=True, text=True, timeout=120,
                             cwd=Path(__file__).resolve().parents[2], env=dict(os.environ, REELBOX_HOME=str(home)))
    assert run.returncode == 0, run.stderr
    segments = [s for s in seen if s[0].endswith(".ts")]
    assert segments
    return segments


@pytest.mark.parametrize("flag,configured,expected", [
    (None, None, "query"), ("headers", None, "headers"), ("off", "headers", "off"), (None, "headers", "headers")])
def test_cmcd_rides_where_the_setting_says(corpus_root: Path, tmp_path: Path, flag: str | None, configured: str | None,
                                           expected: str) -> None:
    """query: ``CMCD=`` in every segment URL and no header; headers: the CMCD-Object/-Request/-Session headers (the
    video segment's ``ot=v`` and its bitrate) and a bare URL; off: neither. The flag wins over the config file."""
    home = tmp_path / "home"
    if configured is not None:
        (home / "config").mkdir(parents=True)
        (home / "config" / "config.toml").write_text(f'[app]\ncmcd = "{configured}"\n')
    segments = _play(corpus_root, home, *(("--cmcd", flag) if flag else ()))
    queries = [parse_qs(query).get("CMCD", [""])[0] for _, query, _ in segments]
    headers = [sent for _, _, sent in segments]
    if expected == "query":
        assert all(decode(q).get("ot") in ("v", "av") for q in queries) and not any(headers), (queries, headers)
    elif expected == "headers":
        assert not any(queries), queries
        assert all({"CMCD-Object", "CMCD-Request", "CMCD-Session"} <= set(h) for h in headers), headers
        assert all(decode(h["CMCD-Object"]).get("ot") in ("v", "av") and "br" in decode(h["CMCD-Object"])
                   for h in headers), headers
    else:
        assert not any(queries) and not any(headers), (queries, headers)


def test_a_bad_cmcd_setting_is_named_or_ignored(corpus_root: Path, tmp_path: Path) -> None:
    """``--cmcd cookie`` is bad usage (exit 2, the choices named); a bad value in config.toml is ignored, as every bad
    setting there is (the app must start), so the default holds; the parser's choices are the engine's modes."""
    assert CMCD_MODES == tuple(m.value for m in CmcdMode)
    bad = subprocess.run([sys.executable, "-m", "ui", "play", "http://127.0.0.1:9/x.m3u8", "--headless", "--cmcd",
                          "cookie"], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parents[2], env=dict(os.environ, REELBOX_HOME=str(tmp_path)))
    assert bad.returncode == 2 and "query" in bad.stderr and "headers" in bad.stderr
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "config.toml").write_text('[app]\ncmcd = "cookie"\n')
    segments = _play(corpus_root, home)
    assert all("CMCD" in parse_qs(query) for _, query, _ in segments), segments
