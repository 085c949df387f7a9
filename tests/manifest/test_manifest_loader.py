"""load_presentation / load_presentation_multi over a real loopback HTTP server."""
from __future__ import annotations

import asyncio

import httpx
import pytest
from manifest_builders import media_playlist, seg, simple_mpd, template
from manifest_http import make_fetch, serve

from player.errors import FetchError
from player.manifest import ByteRange, UnsafeManifestUri, load_presentation, load_presentation_multi

MASTER = """#EXTM3U
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",LANGUAGE="en",URI="audio.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=300000,RESOLUTION=426x240,AUDIO="a"
v240.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=1280x720,AUDIO="a"
v720.m3u8
"""


def hls_title(prefix: str) -> dict[str, bytes]:
    files = {f"{prefix}/master.m3u8": MASTER.encode()}
    for name in ("v240", "v720", "audio"):
        body = media_playlist(*(seg(f"{name}/s{i}.m4s") for i in range(3)), header='#EXT-X-MAP:URI="init.mp4"\n')
        files[f"{prefix}/{name}.m3u8"] = body.encode()
    return files


def run_load(coro_factory):
    async def main():
        async with httpx.AsyncClient() as client:
            fetch = make_fetch(client)
            in_flight = {"now": 0, "max": 0}

            async def counting(url: str, byte_range: ByteRange | None = None) -> bytes:
                in_flight["now"] += 1
                in_flight["max"] = max(in_flight["max"], in_flight["now"])
                try:
                    return await fetch(url, byte_range)
                finally:
                    in_flight["now"] -= 1

            return await coro_factory(counting), in_flight["max"]
    return asyncio.run(main())


def test_hls_master_and_every_media_playlist_fetched_concurrently() -> None:
    """The master and each media playlist are fetched once, the media playlists in parallel."""
    with serve(hls_title("/e0")) as site:
        p, peak = run_load(lambda f: load_presentation(f"{site.base}/e0/master.m3u8", f))
    assert sorted(path for path, _ in site.log) == ["/e0/audio.m3u8", "/e0/master.m3u8", "/e0/v240.m3u8", "/e0/v720.m3u8"]
    assert peak >= 2, "media playlists were fetched one after another"
    video = p.video_track()
    assert [len(r.segments) for r in video.renditions] == [3, 3]
    assert video.renditions[1].segments[2].urls == (f"{site.base}/e0/v720/s2.m4s",)
    assert p.audio_tracks()[0].renditions[0].segments[0].urls == (f"{site.base}/e0/audio/s0.m4s",)


def test_multi_edge_hls_merges_urls_in_edge_order() -> None:
    """Per-edge manifests merge into one model whose segment URLs list every edge, first edge first."""
    with serve({**hls_title("/e0"), **hls_title("/e1")}) as site:
        p, _ = run_load(lambda f: load_presentation_multi([f"{site.base}/e0/master.m3u8", f"{site.base}/e1/master.m3u8"], f))
    r = p.video_track().renditions[0]
    assert r.segments[1].urls == (f"{site.base}/e0/v240/s1.m4s", f"{site.base}/e1/v240/s1.m4s")
    assert r.init.urls == (f"{site.base}/e0/init.mp4", f"{site.base}/e1/init.mp4")
    assert r.segments[1].init is r.init
    assert p.source_urls == (f"{site.base}/e0/master.m3u8", f"{site.base}/e1/master.m3u8")


def test_multi_edge_survives_a_down_edge() -> None:
    """An edge answering 503 is left out; the other edge's URLs remain."""
    with serve({**hls_title("/e0"), **hls_title("/e1")}) as site:
        site.down.add("/e0/")
        p, _ = run_load(lambda f: load_presentation_multi([f"{site.base}/e0/master.m3u8", f"{site.base}/e1/master.m3u8"], f))
    assert p.video_track().renditions[0].segments[0].urls == (f"{site.base}/e1/v240/s0.m4s",)


def test_all_edges_down_raises_the_fetch_error() -> None:
    """When no edge loads, the first edge's FetchError propagates unchanged."""
    with serve(hls_title("/e0")) as site:
        site.down.add("/e0/")
        with pytest.raises(FetchError, match="503"):
            run_load(lambda f: load_presentation_multi([f"{site.base}/e0/master.m3u8"], f))


def test_multi_edge_dash_merges_template_urls() -> None:
    """Two edges' MPDs merge: every template segment carries both edges' URLs."""
    mpd = simple_mpd(template(attrs='duration="2"')).encode()
    with serve({"/e0/m.mpd": mpd, "/e1/m.mpd": mpd}) as site:
        p, _ = run_load(lambda f: load_presentation_multi([f"{site.base}/e0/m.mpd", f"{site.base}/e1/m.mpd"], f))
    (r,) = p.renditions()
    assert len(r.segments) == 4
    assert r.segments[3].urls == (f"{site.base}/e0/seg-4.m4s", f"{site.base}/e1/seg-4.m4s")


def test_hostile_uri_in_a_fetched_media_playlist_is_refused() -> None:
    """A file: URI inside a media playlist fetched by the loader raises UnsafeManifestUri; nothing reads it."""
    files = hls_title("/e0")
    files["/e0/v720.m3u8"] = media_playlist(seg("file:///etc/passwd")).encode()
    with serve(files) as site:
        with pytest.raises(UnsafeManifestUri):
            run_load(lambda f: load_presentation(f"{site.base}/e0/master.m3u8", f))


def test_manifest_url_itself_must_be_http() -> None:
    """load_presentation refuses a file: manifest URL before calling fetch."""
    calls: list[str] = []

    async def fetch(url: str, byte_range: ByteRange | None = None) -> bytes:
        calls.append(url)
        return b""

    with pytest.raises(UnsafeManifestUri):
        asyncio.run(load_presentation("file:///etc/passwd", fetch))
    assert calls == []


def test_a_variant_no_cdn_serves_is_dropped_and_named() -> None:
    """A variant playlist answering 404 leaves the ladder with its reason in ``unavailable``; the rest loads."""
    files = hls_title("/e0")
    del files["/e0/v720.m3u8"]
    with serve(files) as site:
        p, _ = run_load(lambda f: load_presentation(f"{site.base}/e0/master.m3u8", f))
    assert [r.height for r in p.video_track().renditions] == [240]
    (phrase,) = p.unavailable
    assert "v720.m3u8" in phrase and "404" in phrase


def test_every_variant_lost_raises_the_first_failure() -> None:
    """With no variant playlist left there is nothing to play: the fetch error propagates."""
    files = hls_title("/e0")
    del files["/e0/v720.m3u8"], files["/e0/v240.m3u8"]
    with serve(files) as site:
        with pytest.raises(FetchError, match="404"):
            run_load(lambda f: load_presentation(f"{site.base}/e0/master.m3u8", f))
