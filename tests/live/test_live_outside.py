"""Live streams from outside our backend: plain ffmpeg ``-f hls`` (sliding window) and ``-f dash``
(dynamic, with and without ``-ldash``), written to a folder and served by a threaded HTTP server on
127.0.0.1 — what a QA engineer points a player at before any CDN is involved."""
from __future__ import annotations

import asyncio
import contextlib
import functools
import http.server
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend_stub.live.channel import default_ffmpeg
from player.errors import FetchError, IncompletePlay, LivePeriodsUnsupported
from player.live.clock_sync import from_date_header
from player.live.dash_refresh import DashRefresher
from player.live.hls_refresh import HlsRefresher
from player.net.clock import MonotonicClock

SOURCE = ["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25,realtime", "-f", "lavfi", "-i", "sine=r=48000,arealtime",
          "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "50",
          "-keyint_min", "50", "-sc_threshold", "0", "-b:v", "200k", "-c:a", "aac", "-b:a", "48k", "-ac", "1"]
OUTPUTS = {
    "hls": ["-f", "hls", "-hls_time", "2", "-hls_list_size", "4", "-hls_flags", "delete_segments+program_date_time",
            "-hls_segment_type", "fmp4", "live.m3u8"],
    "dash": ["-f", "dash", "-seg_duration", "2", "-window_size", "5", "-extra_window_size", "2", "-use_timeline", "1",
             "-use_template", "1", "live.mpd"],
    "ldash": ["-f", "dash", "-seg_duration", "2", "-window_size", "5", "-streaming", "1", "-ldash", "1",
              "-use_timeline", "1", "-use_template", "1", "-frag_type", "duration", "-frag_duration", "0.5", "live.mpd"],
}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass


@contextlib.contextmanager
def serving(proc: subprocess.Popen[bytes], folder: Path, ready: Callable[[], bool], manifest: str,
            handler: type[http.server.SimpleHTTPRequestHandler] = _Quiet) -> Iterator[str]:
    """The URL of ``manifest`` in ``folder``, served over HTTP on 127.0.0.1 once ``ready()`` (at most 20 s) while the
    encoder ``proc`` writes it; the encoder is killed and the server shut down after."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not ready():
            time.sleep(0.1)
        yield f"http://127.0.0.1:{server.server_address[1]}/{manifest}"
    finally:
        proc.kill()
        proc.wait(timeout=10)
        server.shutdown()
        server.server_close()


def report_of(session: Any, beside: Callable[[], Coroutine[Any, Any, None]], timeout_s: float) -> dict[str, Any]:
    """``session``'s report while ``beside()`` acts on it (a viewer, a CDN); a play ended by ``IncompletePlay`` adds
    ``incomplete``: the line ``reelbox play`` exits 1 with."""
    async def play() -> dict[str, Any]:
        acting = asyncio.ensure_future(beside())
        try:
            return await asyncio.wait_for(session.run(), timeout_s)
        except IncompletePlay as exc:
            return {**session.report(), "incomplete": str(exc)}
        finally:
            acting.cancel()

    return asyncio.run(play())


@contextlib.contextmanager
def ffmpeg_live(folder: Path, output: list[str], segments: int = 4, *, stops_after_s: float | None = None,
                how: signal.Signals = signal.SIGKILL) -> Iterator[str]:
    """The URL of a live stream plain ffmpeg writes into ``folder`` (``output``: its muxer arguments, the
    manifest's name last), served over HTTP on 127.0.0.1 once ``segments`` media segments exist.
    ``stops_after_s``: the encoder gets signal ``how`` that long after — SIGKILL as a crash (no end of stream
    written), SIGINT as an operator ending the event (ffmpeg writes EXT-X-ENDLIST, or the MPD turns static)."""
    proc = subprocess.Popen([default_ffmpeg(), "-hide_banner", "-loglevel", "error", *SOURCE, *output],
                            cwd=folder, stdin=subprocess.DEVNULL)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stop = threading.Timer(stops_after_s or 0.0, proc.send_signal, [how])
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(list(folder.glob("*.m4s"))) < segments:
            time.sleep(0.2)
        assert (folder / output[-1]).exists(), "ffmpeg wrote no manifest"
        if stops_after_s is not None:
            stop.start()
        yield f"http://127.0.0.1:{server.server_address[1]}/{output[-1]}"
    finally:
        stop.cancel()
        proc.kill()
        proc.wait(timeout=10)
        server.shutdown()
        server.server_close()


@pytest.fixture(params=list(OUTPUTS))
def outside(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(kind, URL) of a live stream being written by plain ffmpeg, served over HTTP on 127.0.0.1."""
    with ffmpeg_live(tmp_path, OUTPUTS[request.param]) as url:
        yield request.param, url


async def _fetch_with(client: httpx.AsyncClient, url: str) -> bytes:
    r = await client.get(url, timeout=10)
    if r.status_code != 200:
        raise FetchError(f"{r.status_code} for {url}")
    return r.content


def test_outside_live_stream_is_followed(outside: tuple[str, str]) -> None:
    """ffmpeg's sliding-window HLS and dynamic DASH: segments accumulate on a stable timeline past the window."""
    kind, url = outside

    async def follow() -> list[int]:
        async with httpx.AsyncClient() as client:
            fetch = functools.partial(_fetch_with, client)
            if kind == "hls":
                hls = HlsRefresher(url, fetch, MonotonicClock(), low_latency=False)
                task = asyncio.ensure_future(hls.run())
                await asyncio.sleep(7.0)
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                assert hls.info is not None and not hls.info.can_block_reload and hls.info.hold_back_s == 3 * hls.info.target_s
                segments = hls.index.segments
                assert hls.index.epoch_at(segments[-1].end_s) == pytest.approx(time.time(), abs=4.0)
            else:
                dash = DashRefresher([url], fetch)
                for _ in range(4):
                    await dash.reload()
                    await asyncio.sleep(2.0)
                assert dash.info is not None and dash.info.dynamic
                sent = time.monotonic()
                head = await client.head(url)
                dash.extend(from_date_header(head.headers.get("date"), sent, time.monotonic()).epoch(time.monotonic()))
                segments = next(i for rid, i in dash.indexes.items() if rid == "0").segments
            newest = await client.get(segments[-1].urls[0])
            assert newest.status_code == 200
            assert [b.start_s for b in segments[1:]] == pytest.approx([a.end_s for a in segments[:-1]], abs=0.05)
            return [s.number for s in segments]

    numbers = asyncio.run(follow())
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    assert len(numbers) >= (5 if kind == "hls" else 4)  # more than the 4-segment HLS window held at once


def test_a_live_mpd_that_splits_into_periods_is_named() -> None:
    """A dynamic MPD listing a second Period (an ad break a stitcher added as a Period): LivePeriodsUnsupported naming
    it, where the play went on with what the first Period lists (the programme the ad replaced) and exit 0."""
    period = ('<Period id="{id}" start="{start}"><AdaptationSet mimeType="video/mp4" contentType="video">'
              '<Representation id="{id}-v" bandwidth="1000" codecs="avc1.42c01e" width="320" height="180">'
              '<SegmentTemplate timescale="1" media="{id}/$Number$.m4s" initialization="{id}/init.mp4">'
              '<SegmentTimeline><S t="0" d="2" r="3"/></SegmentTimeline></SegmentTemplate>'
              '</Representation></AdaptationSet></Period>')
    head = ('<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="dynamic" availabilityStartTime="2026-01-01T00:00:00Z" '
            'minimumUpdatePeriod="PT2S" profiles="urn:mpeg:dash:profile:isoff-live:2011">')
    one = head + period.format(id="p0", start="PT0S") + "</MPD>"
    two = head + period.format(id="p0", start="PT0S") + period.format(id="ad1", start="PT8S") + "</MPD>"
    ended = two.replace('type="dynamic"', 'type="static"')  # the last update of an event: static, Periods and all

    async def follow(update: str) -> None:
        texts = [one, update]

        async def fetch(url: str) -> bytes:
            return texts.pop(0).encode()

        dash = DashRefresher(["http://127.0.0.1:1/live.mpd"], fetch)
        await dash.reload()
        with pytest.raises(LivePeriodsUnsupported, match=r"lists 2 Periods \(the second, 'ad1', at 8\.0 s\)"):
            await dash.reload()

    for update in (two, ended):
        asyncio.run(follow(update))
