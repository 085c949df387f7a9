"""The backend's live channel end to end: real ffmpeg, real edges on 127.0.0.1, plain libmpv as a client.

One backend with one live channel serves the whole module (a real-time encode costs CPU; the tests
share it). Everything goes through signed edge URLs from ``POST /playback/live``.
"""
from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from testkit import FAST_SETTINGS

from backend_stub.edge.faults import FaultConfig
from backend_stub.live.channel import LiveChannel
from backend_stub.server import Backend


@dataclass(frozen=True)
class Live:
    backend: Backend
    channel: LiveChannel
    grant: dict[str, object]
    base: str  # ``http://edge/c/<token>/live`` on edge 0


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    backend = Backend(tmp_path_factory.mktemp("live"), demo_user=True, edges=2, settings=FAST_SETTINGS, ingest_worker=False,
                      live_channels=1).start()
    try:
        channel = backend.live.channels[0]
        assert channel.wait_ready(30, segments=3), "the live channel produced no segments"
        api = httpx.Client(base_url=backend.api_url + "/api/v1")
        token = api.post("/auth/login", json={"email": "demo@reelbox.local", "password": "demo"}).json()["access_token"]
        grant = api.post("/playback/live", headers={"Authorization": f"Bearer {token}"}, json={"format": "hls"}).json()
        api.close()
        yield Live(backend, channel, grant, str(grant["hls"][0]).rsplit("/", 1)[0])
    finally:
        backend.stop()


def media_sequence(text: str) -> int:
    return int(next(ln for ln in text.splitlines() if ln.startswith("#EXT-X-MEDIA-SEQUENCE:")).split(":")[1])


def test_catalog_and_grant_say_live(live: Live) -> None:
    """The channel is a catalog title with ``live: true``; the grant has HLS, DASH and LL-DASH per edge."""
    with httpx.Client(base_url=live.backend.api_url + "/api/v1") as api:
        token = api.post("/auth/login", json={"email": "demo@reelbox.local", "password": "demo"}).json()["access_token"]
        items = api.get("/catalog", headers={"Authorization": f"Bearer {token}"}).json()["items"]
    assert [(t["id"], t["live"]) for t in items if t["id"] == "live"] == [("live", True)]
    assert live.grant["live"] is True
    assert [len(live.grant[k]) for k in ("hls", "dash", "dash_ll")] == [2, 2, 2]  # type: ignore[arg-type]
    assert str(live.grant["dash_ll"][0]).endswith("/manifest-ll.mpd")  # type: ignore[index]


def test_playlist_advances_with_program_date_time(live: Live) -> None:
    """A media playlist fetched twice a segment apart has new segments and PDTs near the wall clock."""
    first = httpx.get(f"{live.base}/v360.m3u8").text
    time.sleep(2.2)
    second = httpx.get(f"{live.base}/v360.m3u8").text
    assert "#EXT-X-PRELOAD-HINT:TYPE=PART" in second and "#EXT-X-PROGRAM-DATE-TIME:" in second
    last = lambda t: max(int(ln.split("/")[1].split(".")[0]) for ln in t.splitlines() if ln.startswith("v360/"))  # noqa: E731
    assert last(second) >= last(first) + 1
    newest = live.channel.tracks["v360"].window()[-1]
    assert abs(live.channel.epoch + newest.start + newest.duration - time.time()) < 1.5
    assert media_sequence(second) >= media_sequence(first)


def test_blocking_reload_returns_when_the_part_exists(live: Live) -> None:
    """``_HLS_msn/_HLS_part`` for the next part holds until it is published, then lists it."""
    track = live.channel.tracks["v360"]
    msn, _ = track.published
    want = (msn + 1, 1)  # a whole part away: the very next one could be published before the request arrives
    started = time.monotonic()
    r = httpx.get(f"{live.base}/v360.m3u8?_HLS_msn={want[0]}&_HLS_part={want[1]}", timeout=10)
    held = time.monotonic() - started
    assert r.status_code == 200
    assert f'URI="v360/{want[0]}.{want[1]}.m4s"' in r.text
    assert held > 0.05  # it did wait for the encoder (a part takes 0.5 s)
    assert httpx.get(f"{live.base}/v360.m3u8?_HLS_msn={want[0] + 5}").status_code == 400
    assert httpx.get(f"{live.base}/v360.m3u8?_HLS_msn=x").status_code == 400


def test_preload_hint_part_is_held_then_served(live: Live) -> None:
    """The hinted part does not exist yet; the edge waits for it instead of answering 404."""
    hint = httpx.get(f"{live.base}/v180.m3u8").text.splitlines()[-1]
    uri = hint.split('URI="')[1].rstrip('"')
    r = httpx.get(f"{live.base}/{uri}", timeout=10)
    assert r.status_code == 200 and r.content[4:8] == b"moof"
    assert r.content == (live.channel.folder / uri).read_bytes()


def test_segment_in_progress_arrives_chunked(live: Live) -> None:
    """LL-DASH asks for a segment early: chunked transfer, chunks as parts land, bytes equal the file."""
    number = live.channel.tracks["v180"].position[0] + 1
    arrivals: list[float] = []
    body = b""
    with httpx.stream("GET", f"{live.base}/v180/{number}.m4s", timeout=10) as r:
        assert r.status_code == 200 and r.headers["transfer-encoding"] == "chunked"
        for chunk in r.iter_raw():
            arrivals.append(time.monotonic())
            body += chunk
    assert body == (live.channel.folder / f"v180/{number}.m4s").read_bytes()
    assert arrivals[-1] - arrivals[0] > 0.9  # spread over the segment's parts, not one burst


def test_time_resource_and_signed_urls(live: Live) -> None:
    """``time`` answers the edge clock (UTCTiming); a forged token gets 403 like any title."""
    text = httpx.get(f"{live.base}/time").text
    assert text.endswith("Z") and text[:4].isdigit()
    forged = live.base.replace("/c/", "/c/1-" + "0" * 32 + "x/", 1).replace("x/" + live.base.split("/c/")[1].split("/")[0], "")
    assert httpx.get(f"{forged}/v360.m3u8").status_code == 403


def test_fault_injection_applies_to_live(live: Live) -> None:
    """An edge told to fail answers 503 to playlist requests; the other edge still serves."""
    edge0 = live.backend.edges[0]
    edge0.set_faults(FaultConfig(error_fraction=1.0, error_status=503))
    try:
        assert httpx.get(f"{live.base}/v360.m3u8").status_code == 503
        other = str(live.grant["hls"][1]).rsplit("/", 1)[0]  # type: ignore[index]
        assert httpx.get(f"{other}/v360.m3u8").status_code == 200
    finally:
        edge0.set_faults(FaultConfig())


@pytest.mark.parametrize("key", ["hls", "dash"])
def test_plain_libmpv_plays_the_channel(live: Live, key: str) -> None:
    """mpv's own HLS/DASH demuxers play the live URLs: the playhead advances in real time."""
    import mpv

    player = mpv.MPV(vo="null", ao="null")
    try:
        player.play(str(live.grant[key][0]))  # type: ignore[index]
        player.wait_for_property("video-params", lambda v: v is not None, timeout=15)
        start = player.playback_time
        time.sleep(5)
        advanced = player.playback_time - start
    finally:
        player.terminate()
    assert advanced > 2.5


def test_encoder_crash_is_restarted(live: Live) -> None:
    """Killing ffmpeg: a new one starts, segments resume after a discontinuity, numbers keep to the clock."""
    channel = live.channel
    old_pid = channel.encoder_pid
    before = channel.tracks["v360"].position[0]
    channel.kill_encoder()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and channel.tracks["v360"].position[0] < before + 3:
        time.sleep(0.2)
    assert channel.restarts >= 1 and channel.encoder_pid not in (None, old_pid)
    text = httpx.get(f"{live.base}/v360.m3u8").text
    assert "#EXT-X-DISCONTINUITY" in text
    newest = channel.tracks["v360"].window()[-1]
    assert abs(channel.epoch + newest.start - time.time()) < 3.0


def test_stopping_the_backend_ends_ffmpeg_and_unlists(tmp_path: Path) -> None:
    """The encoder dies with the backend and the catalog row goes."""
    backend = Backend(tmp_path, demo_user=True, edges=1, settings=FAST_SETTINGS, ingest_worker=False, live_channels=1).start()
    channel = backend.live.channels[0]
    deadline = time.monotonic() + 10
    while channel.encoder_pid is None and time.monotonic() < deadline:
        time.sleep(0.05)
    pid = channel.encoder_pid
    assert pid is not None
    backend.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    conn = sqlite3.connect(tmp_path / "backend.sqlite")
    try:
        assert conn.execute("SELECT count(*) FROM titles WHERE id = 'live'").fetchone()[0] == 0
    finally:
        conn.close()


def _fetcher(client: httpx.AsyncClient):  # type: ignore[no-untyped-def]
    async def fetch(url: str) -> bytes:
        r = await client.get(url, timeout=10)
        if r.status_code != 200:
            from player.errors import FetchError

            raise FetchError(f"{r.status_code} for {url}")
        return r.content
    return fetch


@pytest.mark.parametrize("low_latency", [True, False])
def test_refresher_follows_the_channel(live: Live, low_latency: bool) -> None:
    """Blocking reloads: LL wakes per part, standard per segment; the index grows and its PDTs match the
    clock; LL lists the segment being written after the complete ones."""
    import asyncio

    from player.live.hls_refresh import HlsRefresher
    from player.net.clock import MonotonicClock

    async def follow() -> HlsRefresher:
        async with httpx.AsyncClient() as client:
            refresher = HlsRefresher(f"{live.base}/v180.m3u8", _fetcher(client), MonotonicClock(), low_latency=low_latency)
            task = asyncio.ensure_future(refresher.run())
            await asyncio.sleep(4.5)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            return refresher

    refresher = asyncio.run(follow())
    index = refresher.index
    numbers = [s.number for s in index.segments]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    assert [s.start_s for s in index.segments[1:]] == pytest.approx([s.end_s for s in index.segments[:-1]])
    assert (7 <= refresher.reloads <= 12) if low_latency else (2 <= refresher.reloads <= 4), refresher.reloads
    newest = index.complete[-1]
    served = next(seg for seg in live.channel.tracks["v180"].window() if seg.number == newest.number)
    assert index.epoch_at(newest.end_s) == pytest.approx(live.channel.epoch + served.start + served.duration, abs=0.01)
    if low_latency:  # the segment being written is listed after it, to be fetched part by part
        assert index.provisional == newest.number + 1 == index.segments[-1].number
        assert index.segments[-1].start_s == pytest.approx(newest.end_s)
    else:
        assert index.provisional is None and index.segments[-1] is newest
    assert refresher.frozen is not None and not refresher.frozen.frozen and refresher.failures == 0


def test_frozen_playlist_is_detected(live: Live) -> None:
    """A playlist that stops advancing (a copy frozen in time) is reported within three target durations."""
    import asyncio

    from player.live.hls_refresh import HlsRefresher
    from player.net.clock import MonotonicClock

    (live.channel.folder / "frozen.m3u8").write_bytes((live.channel.folder / "v180.m3u8").read_bytes())

    async def follow() -> HlsRefresher:
        async with httpx.AsyncClient() as client:
            refresher = HlsRefresher(f"{live.base}/frozen.m3u8", _fetcher(client), MonotonicClock(), low_latency=True)
            task = asyncio.ensure_future(refresher.run())
            await asyncio.sleep(8.0)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            return refresher

    refresher = asyncio.run(follow())
    assert refresher.frozen is not None and refresher.frozen.frozen
    assert len(refresher.frozen.events) == 1 and refresher.reloads <= 10  # half-target pauses, no hammering


@pytest.mark.parametrize("key", ["dash", "dash_ll"])
def test_dash_refresher_lists_the_available_segments(live: Live, key: str) -> None:
    """Timeline MPD (reloaded) and $Number$ MPD (from the clock): every rendition indexed, both edges' URLs,
    numbers consecutive, the newest one available on the edge."""
    import asyncio

    from player.live.clock_sync import from_date_header
    from player.live.dash_refresh import DashRefresher

    async def follow() -> DashRefresher:
        async with httpx.AsyncClient() as client:
            refresher = DashRefresher([str(u) for u in live.grant[key]], _fetcher(client))  # type: ignore[attr-defined]
            sent = time.monotonic()
            r = await client.head(str(live.grant[key][0]))  # type: ignore[index]
            clock = from_date_header(r.headers.get("date"), sent, time.monotonic())
            await refresher.reload()
            refresher.extend(clock.epoch(time.monotonic()))
            return refresher

    refresher = asyncio.run(follow())
    assert set(refresher.indexes) == {"v180", "v360", "a_en"}
    video = refresher.indexes["v360"].segments
    assert len(video) >= 3 and [s.number for s in video] == list(range(video[0].number, video[-1].number + 1))
    assert len(video[-1].urls) == 2 and video[-1].urls[0].endswith(f"/v360/{video[-1].number}.m4s")
    assert video[-1].start_s == pytest.approx(2.0 * video[-1].number)
    newest = httpx.get(video[-1].urls[1], timeout=10)
    assert newest.status_code == 200 and newest.content[4:8] == b"moof"
