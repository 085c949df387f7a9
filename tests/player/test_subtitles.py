"""WebVTT merging of segmented text tracks, and subtitles reaching libmpv in a real session."""
from __future__ import annotations

import asyncio

import pytest

from player.subtitles import merge_webvtt

SEG1 = "WEBVTT\n\n1\n00:00:00.500 --> 00:00:02.500\nHello\n\n2\n00:00:01.900 --> 00:00:02.100\nspans\n"
SEG2 = "WEBVTT\nX-TIMESTAMP-MAP=LOCAL:00:00:00.000,MPEGTS:0\n\n2\n00:00:01.900 --> 00:00:02.100\nspans\n\n3\n00:00:02.500 --> 00:00:03.500\nWorld\n"


def test_merge_keeps_one_header_and_each_cue_once_in_order():
    """Repeated headers are dropped and a cue repeated across segments appears once."""
    merged = merge_webvtt([SEG1, SEG2])
    assert merged.count("WEBVTT") == 1
    assert merged.count("spans") == 1
    assert merged.index("Hello") < merged.index("spans") < merged.index("World")


def test_merge_refuses_text_that_is_not_webvtt():
    """A text track whose first segment is not WebVTT is an error, not a silent empty track."""
    with pytest.raises(ValueError):
        merge_webvtt(["<tt>not vtt</tt>"])


def test_a_session_with_subtitles_shows_the_text_track_in_libmpv(tmp_path):
    """Asking for English subtitles loads the merged track into libmpv, selected, while the title plays."""
    from backend_stub.config import ApiSettings
    from backend_stub.encode import make_test_title
    from backend_stub.server import Backend
    from player.backend import BackendClient
    from player.playback import PlaybackSession, SessionOptions

    make_test_title(tmp_path, "subbed", seconds=4, heights=(144,), subtitles=True)
    tracks: list = []

    async def scenario(backend: Backend) -> dict:
        client = BackendClient(backend.api_url)
        await client.login("demo@reelbox.local", "demo")
        session = PlaybackSession(target="subbed", backend=client,
                                  options=SessionOptions(subtitle_language="en", buffer_capacity_s=6))

        async def watch() -> None:
            while session.qoe.startup_at is None:
                await asyncio.sleep(0.05)
            # the track is sub-add'ed when the file has loaded, asynchronously: it may land just after the first frame
            for _ in range(40):
                listed = session.output.property("track-list") or []
                if any(t.get("type") == "sub" for t in listed):
                    break
                await asyncio.sleep(0.05)
            tracks.extend(listed)

        watcher = asyncio.create_task(watch())
        try:
            return await session.run()
        finally:
            watcher.cancel()
            await client.aclose()

    with Backend(tmp_path, demo_user=True, edges=1, settings=ApiSettings(argon2_time_cost=1, argon2_memory_kib=8192)) as backend:
        report = asyncio.run(scenario(backend))
    assert report["errors"] == [] and report["decoder_errors"] == 0
    subs = [t for t in tracks if t.get("type") == "sub"]
    assert subs and subs[0].get("lang") == "en" and subs[0].get("selected")
