"""EXT-X-GAP in a live channel, as in a title (RFC 8216bis §6.3.3): plain ffmpeg writes a two-variant sliding-window
HLS, served over HTTP on 127.0.0.1 by a server whose playlists mark segment 6 as a gap (and which has no file for it),
played by libmpv. A gap in one variant is fetched from the other, the play complete; a gap in every variant is
skipped and named. Before, live lists left gaps out: a gap in one variant made the ladder look unaligned (a
``LadderNotAligned`` notice for a fault the packaging did not have), a gap in every variant passed in silence."""
from __future__ import annotations

import asyncio
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_live_outside import _Quiet, serving

from backend_stub.live.channel import default_ffmpeg
from player.errors import IncompletePlay
from player.playback import PlaybackSession, SessionOptions

GAP = 6  # the segment number marked EXT-X-GAP
WINDOW = 4


class _Gapped(_Quiet):
    """Marks segment ``GAP`` of the variants in ``gapped`` as EXT-X-GAP, and has no file for it there."""

    gapped: tuple[str, ...] = ()

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        path = self.path.split("?")[0].lstrip("/")
        variant = path.split("_")[0].removesuffix(".m3u8")
        if variant in self.gapped and path == f"{variant}_{GAP}.ts":
            self.send_error(404)
            return
        if variant in self.gapped and path == f"{variant}.m3u8":
            text = Path(self.directory, path).read_text()
            body = re.sub(rf"(#EXTINF:[^\n]*\n{variant}_{GAP}\.ts)", r"#EXT-X-GAP\n\1", text).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.apple.mpegurl")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


@pytest.fixture
def channel(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The master playlist's URL of a two-variant channel (200 and 500 kbit/s), once a window is written;
    ``request.param``: the variants whose segment ``GAP`` is a gap."""
    proc = subprocess.Popen([
        default_ffmpeg(), "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
        "testsrc2=size=320x180:rate=25", "-re", "-f", "lavfi", "-i", "sine=r=48000",
        "-map", "0:v", "-map", "1:a", "-map", "0:v", "-map", "1:a",
        "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0",
        "-b:v:0", "200k", "-b:v:1", "500k", "-c:a", "aac", "-b:a", "48k", "-ac", "1",
        "-f", "hls", "-hls_time", "1", "-hls_list_size", str(WINDOW), "-hls_flags", "delete_segments",
        "-var_stream_map", "v:0,a:0 v:1,a:1", "-master_pl_name", "master.m3u8",
        "-hls_segment_filename", "v%v_%d.ts", "v%v.m3u8"], cwd=tmp_path, stdin=subprocess.DEVNULL)
    handler = type("Handler", (_Gapped,), {"gapped": tuple(request.param)})
    with serving(proc, tmp_path, (tmp_path / f"v1_{WINDOW}.ts").exists, "master.m3u8", handler) as url:
        yield url


def _session(url: str, **options: Any) -> PlaybackSession:
    return PlaybackSession(target=url, manifest_urls=[url], options=SessionOptions(until_s=10.0, low_latency=False,
                                                                                   **options))


def _requested(report: dict[str, Any], name: str) -> bool:
    return any(r["url"].split("?")[0].endswith(f"/{name}") for r in report["requests"])


@pytest.mark.parametrize("channel", [("v0",)], indirect=True)
def test_a_gap_in_the_variant_played_is_fetched_from_the_other(channel: str) -> None:
    """The lowest variant, pinned, has a gap at segment 6: that segment comes from the other variant, and the play is
    complete, with nothing named (the ladder is aligned)."""
    report = asyncio.run(asyncio.wait_for(_session(channel, force_rendition=0).run(), 60))
    assert report["complete"] is True and report["errors"] == [], report["errors"]
    assert not [n for n in report["notices"] if n["code"] == "LadderNotAligned"], report["notices"]
    assert report["decoder_errors"] == 0
    assert _requested(report, f"v0_{GAP - 1}.ts") and _requested(report, f"v1_{GAP}.ts")
    assert not _requested(report, f"v0_{GAP}.ts")


@pytest.mark.parametrize("channel", [("v0", "v1")], indirect=True)
def test_a_gap_in_every_variant_is_skipped_and_named(channel: str) -> None:
    """Segment 6 is a gap everywhere: skipped, named, and the play is not complete (exit 1)."""
    session = _session(channel)
    with pytest.raises(IncompletePlay) as ended:
        asyncio.run(asyncio.wait_for(session.run(), 60))
    # the skip alone: libmpv's "Invalid audio PTS" as it resyncs past the hole is no decoder error
    assert re.fullmatch(r"incomplete play: segment [0-9.]+–[0-9.]+ s skipped \(EXT-X-GAP\)"
                        r"(; segment [0-9.]+–[0-9.]+ s skipped \(EXT-X-GAP\))*", str(ended.value)), str(ended.value)
    report = session.report()
    assert report["complete"] is False
    assert _requested(report, f"v0_{GAP - 1}.ts") or _requested(report, f"v1_{GAP - 1}.ts")
    assert not _requested(report, f"v0_{GAP}.ts") and not _requested(report, f"v1_{GAP}.ts")
