"""A live encoder restarted mid-stream, as ffmpeg's ``-hls_flags append_list+discont_start`` leaves it: the
second run appends to the first run's sliding-window playlist after an EXT-X-DISCONTINUITY, on a media clock of
its own, and ffmpeg writes no EXT-X-DISCONTINUITY-SEQUENCE — so once the tag slides out of the window, the
playlist numbers the second run's segments as discontinuity sequence 0 again (RFC 8216 §4.4.3.3 asks for the
tag; hls.js carries the count across reloads). Real ffmpeg, served over HTTP on 127.0.0.1, played by libmpv."""
from __future__ import annotations

import asyncio
import functools
import http.server
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_live_outside import _Quiet

from backend_stub.live.channel import default_ffmpeg
from player.playback import PlaybackSession, SessionOptions

SEGMENT_S = 1
WINDOW = 3  # segments listed: the tag has left the window WINDOW segments after the restart
SOURCE = ["-re", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-f", "lavfi", "-i", "sine=r=48000",
          "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-b:v", "200k",
          "-c:a", "aac", "-b:a", "48k", "-ac", "1"]


def _encoder(folder: Path, flags: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([default_ffmpeg(), "-hide_banner", "-loglevel", "error", *SOURCE, "-f", "hls",
                             "-hls_time", str(SEGMENT_S), "-hls_list_size", str(WINDOW), "-hls_flags", flags,
                             "live.m3u8"], cwd=folder, stdin=subprocess.DEVNULL)


@pytest.fixture
def restarted(tmp_path: Path) -> Iterator[tuple[str, threading.Event]]:
    """(URL, restarted): a live HLS stream whose encoder dies 3 s into the play (no EXT-X-ENDLIST) and
    starts again 0.5 s later, appending to the playlist."""
    procs = [_encoder(tmp_path, "delete_segments")]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    done = threading.Event()
    stop = threading.Event()

    def restart() -> None:
        if stop.wait(3.0):
            return
        procs[0].kill()
        procs[0].wait(timeout=10)
        time.sleep(0.5)
        procs.append(_encoder(tmp_path, "delete_segments+append_list+discont_start"))
        done.set()

    restarter = threading.Thread(target=restart, daemon=True)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(list(tmp_path.glob("*.ts"))) < WINDOW:
            time.sleep(0.1)
        restarter.start()
        yield f"http://127.0.0.1:{server.server_address[1]}/live.m3u8", done
    finally:
        stop.set()
        if restarter.is_alive():
            restarter.join(timeout=15)
        for proc in procs:
            proc.kill()
            proc.wait(timeout=10)
        server.shutdown()
        server.server_close()


def test_a_restarted_encoder_plays_on_after_its_discontinuity_leaves_the_window(
        restarted: tuple[str, threading.Event]) -> None:
    """The second run's segments listed only after the EXT-X-DISCONTINUITY slid out stay on its timeline: the
    play goes on to ``until`` with both tracks fed — before, they were taken for the first run's and placed
    by its clock, short of the end: "stopped at 10.0 s of 16.0 s", IncompletePlay, exit 1."""
    url, done = restarted
    until_s = 16.0  # well past the restart (~3-4 s) plus the window: the tag left the playlist at ~7 s
    session = PlaybackSession(target=url, manifest_urls=[url], options=SessionOptions(until_s=until_s, low_latency=False))
    report = asyncio.run(asyncio.wait_for(session.run(), 60))
    assert done.is_set()
    assert report["errors"] == [] and report["complete"] is True
    assert all(t["fed_until_s"] >= until_s - 0.5 for t in report["tracks"]), report["tracks"]
    assert report["decoder_errors"] == 0
