"""Hostile servers against the real player (``reelbox play URL --headless`` in its own process, issue 16).

Endless, huge, wide and trickling manifests, a trickling init and huge or trickling segments each end
in one named ``error:`` line and exit 1, within 20 s and under 300 MB peak RSS (the child's ``VmHWM``,
read while it runs: ``ru_maxrss`` would count the forked copy of pytest from before the ``exec``).
The good parts are a real encoded title served byte for byte.

"Within 20 s" is checked on the child's CPU time (user + system), with wall time allowed twice that:
on this shared 2-core box a load of 10+ stretches a 4 s parse past 20 s of wall time; the trickle cases,
which wait rather than compute, end on their own deadlines and floors well inside it. Both are printed.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hostile_server import Answer, hostile

ROOT = Path(__file__).resolve().parents[2]
MPD = "application/dash+xml"
GB2 = 2_000_000_000


@pytest.fixture(scope="module")
def title_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Every file of a real 6 s clear title (one 144p rung), by path relative to its folder."""
    from backend_stub.encode import make_test_title

    data = tmp_path_factory.mktemp("bounds-title")
    make_test_title(data, "t", seconds=6, heights=(144,))
    folder = data / "content" / "t"
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _wide_mpd(reps: int = 60, segments: int = 199_000) -> bytes:
    body = "".join(
        f'<Representation id="v{i}" bandwidth="{100000 + i}" width="256" height="144" codecs="avc1.42c00d">'
        f'<SegmentTemplate media="v{i}/$Number$.m4s" initialization="v{i}/init.mp4" duration="1" timescale="1"/>'
        "</Representation>" for i in range(reps))
    return (f'<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" '
            f'mediaPresentationDuration="PT{segments}S" minBufferTime="PT2S" profiles="urn:mpeg:dash:profile:isoff-live:2011">'
            f'<Period><AdaptationSet mimeType="video/mp4">{body}</AdaptationSet></Period></MPD>').encode()


def _long_hls(segments: int = 250_000) -> bytes:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:2", "#EXT-X-PLAYLIST-TYPE:VOD"]
    lines += [f"#EXTINF:2,\ns{i}.ts" for i in range(segments)]
    return ("\n".join(lines) + "\n#EXT-X-ENDLIST\n").encode()


def _title_routes(files: dict[str, bytes], **overrides: Answer) -> dict[str, Answer]:
    routes = {f"/t/{rel}": Answer(body=data) for rel, data in files.items()}
    routes.update({f"/t/{rel}": a for rel, a in overrides.items()})
    return routes


CASES = {
    "endless manifest": ({"/m.mpd": Answer(body=b'<?xml version="1.0"?><MPD>', announce=-1, endless=True,
                                           content_type=MPD)}, "/m.mpd", "BodyTooLarge"),
    "huge manifest": ({"/m.mpd": Answer(body=b"<MPD>", announce=GB2, content_type=MPD)}, "/m.mpd", "BodyTooLarge"),
    "trickling manifest": ({"/m.mpd": Answer(body=_wide_mpd(1, 10), rate=1, content_type=MPD)}, "/m.mpd",
                           "StallDetected"),
    "wide manifest": ({"/m.mpd": Answer(body=_wide_mpd(), content_type=MPD)}, "/m.mpd", "segments"),
    "long HLS playlist": ({"/m.m3u8": Answer(body=_long_hls())}, "/m.m3u8", "segments"),
}
TITLE_CASES = {
    "trickling init": ("v144/init.mp4", dict(rate=1), "StallDetected"),
    "huge segment": ("v144/1.m4s", dict(announce=GB2), "BodyTooLarge"),
    "trickling segment": ("v144/1.m4s", dict(rate=1), "StallDetected"),
}


def _hwm_kb(pid: int) -> int:
    """The process's peak resident set so far (0 once it has exited)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _play(url: str, home: Path) -> tuple[int, str, float, float, float]:
    """Run the player on ``url``: (exit status, stderr, wall seconds, CPU seconds, peak RSS in MB)."""
    env = {**os.environ, "REELBOX_HOME": str(home), "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "ui", "play", url, "--headless"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stderr = proc.stderr
    assert stderr is not None
    chunks: list[str] = []
    reader = threading.Thread(target=lambda: chunks.append(stderr.read()), daemon=True)
    reader.start()
    peak_kb = 0
    while reader.is_alive():  # stderr closes when the player exits
        peak_kb = max(peak_kb, _hwm_kb(proc.pid))
        reader.join(0.05)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return proc.returncode, "".join(chunks), time.monotonic() - started, cpu, peak_kb / 1024


def _check(code: int, err: str, wall: float, cpu: float, rss_mb: float, expected: str) -> None:
    print(f"wall {wall:.1f} s, cpu {cpu:.1f} s, peak RSS {rss_mb:.0f} MB: {err.strip()[-160:]}")
    lines = [ln for ln in err.strip().splitlines() if ln]
    assert code == 1 and lines and lines[-1].startswith("error: "), (code, err[-2000:])
    assert expected in lines[-1], lines[-1]
    assert cpu < 20 and wall < 40, (wall, cpu)
    assert rss_mb < 300, rss_mb


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_manifest_ends_in_a_named_error(case: str, tmp_path: Path) -> None:
    """Endless, huge, trickling, wide (60 x 199,000) and long (250,000) manifests: one error line, < 20 s, < 300 MB."""
    routes, path, expected = CASES[case]
    with hostile(routes) as server:
        _check(*_play(server.base + path, tmp_path), expected)


@pytest.mark.parametrize("case", list(TITLE_CASES))
def test_hostile_init_or_segment_ends_in_a_named_error(case: str, title_files: dict[str, bytes],
                                                        tmp_path: Path) -> None:
    """A trickling init, a segment announced as 2 GB, a trickling segment: one error line, < 20 s, < 300 MB."""
    rel, how, expected = TITLE_CASES[case]
    answer = Answer(body=title_files[rel], **how)
    with hostile(_title_routes(title_files, **{rel: answer})) as server:
        _check(*_play(server.base + "/t/manifest.mpd", tmp_path), expected)
