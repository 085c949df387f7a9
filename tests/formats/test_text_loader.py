"""The text loader on its own, over real HTTP through the CDN pool: a live track's segments let go are never fetched
again, and a DASH Period's subtitles (a whole file listed by BaseURL alone) are placed by its start and cut to it."""
from __future__ import annotations

import asyncio
import re
from pathlib import Path

from corpus_server import serve_corpus

from player.manifest import Rendition, SegmentRef
from player.net import CdnPool, HttpTransport, MonotonicClock
from player.source import CdnSource
from player.subtitles import TextLoader
from player.vtt_timestamp_map import cue_time


def _cues(webvtt: str) -> list[tuple[float, float, str]]:
    return [(cue_time(a), cue_time(b), text)
            for a, b, text in re.findall(r"^(\S+) --> (\S+).*\n(.*)$", webvtt, re.MULTILINE)]


async def _loading(base: str, rendition: Rendition,
                   steps: list[tuple[list[SegmentRef], float | None]]) -> tuple[list[int], str]:
    """Add each step's segments (then forget before its time, if any): the requests made after each step, and the
    document libmpv would get at the end."""
    async with HttpTransport(clock=MonotonicClock()) as transport:
        pool = CdnPool([base], transport, MonotonicClock())
        loader, counts = TextLoader(rendition, CdnSource(pool)), []
        try:
            for segments, forget in steps:
                await loader.add(segments)
                if forget is not None:
                    loader.forget_before(forget)
                counts.append(len(pool.log.records))
        finally:
            await pool.aclose()
    return counts, loader.loaded().webvtt


def test_segments_let_go_behind_a_live_window_are_never_fetched_again(tmp_path: Path) -> None:
    """Ten 1 s WebVTT segments, still listed after the window moved past the first five (a live index keeps them):
    they are not fetched again (before, 5 more requests at each update, mostly 404s named as missing), and their
    cues are gone from the document libmpv gets."""
    segments = []
    for n in range(10):
        (tmp_path / f"s{n}.vtt").write_text(f"WEBVTT\n\n00:00:{n:02d}.100 --> 00:00:{n:02d}.900\ncue {n}\n")
        segments.append(SegmentRef(number=n, start_s=float(n), duration_s=1.0, urls=(f"s{n}.vtt",)))
    with serve_corpus(tmp_path) as base:
        rendition = Rendition(id="t", bandwidth=0, mime_type="text/vtt",
                              segments=tuple(SegmentRef(number=s.number, start_s=s.start_s, duration_s=1.0,
                                                        urls=(f"{base}/{s.urls[0]}",)) for s in segments))
        counts, webvtt = asyncio.run(_loading(base, rendition, [(list(rendition.segments[:7]), 5.5),
                                                         (list(rendition.segments), None)]))
    assert counts == [7, 10]  # the second step fetched only 7, 8 and 9
    assert [text for _, _, text in _cues(webvtt)] == [f"cue {n}" for n in range(5, 10)]


def test_a_whole_file_in_a_later_period_is_placed_by_its_start_and_cut_to_it(tmp_path: Path) -> None:
    """A Period from 4 to 8 s lists its subtitles as one file by BaseURL (no presentationTimeOffset to go by): its
    cues count from 4 s, and the one past the Period's end is cut there (Shaka Player's append window)."""
    (tmp_path / "p1.vtt").write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nin the Period\n\n"
                                     "00:00:03.500 --> 00:00:05.000\nacross its end\n\n"
                                     "00:00:06.000 --> 00:00:07.000\npast it\n")
    with serve_corpus(tmp_path) as base:
        ref = SegmentRef(number=0, start_s=4.0, duration_s=4.0, urls=(f"{base}/p1.vtt",), timeline=1,
                         period_start_s=4.0, period_end_s=8.0)
        _, webvtt = asyncio.run(_loading(base, Rendition(id="t", bandwidth=0, mime_type="text/vtt", segments=(ref,)),
                                         [([ref], None)]))
    assert _cues(webvtt) == [(5.0, 6.0, "in the Period"), (7.5, 8.0, "across its end")]


def _ttml(n: int) -> str:
    return (f'<tt xmlns="http://www.w3.org/ns/ttml"><body><div><p begin="00:00:0{n}.100" end="00:00:0{n}.900">cue {n}'
            "</p></div></body></tt>")


def test_a_segment_that_is_not_what_its_track_says_stays_missed_at_every_update(tmp_path: Path) -> None:
    """Three TTML segments, the second one not XML, the third not there yet; read at three updates of a live track.
    The malformed one is named at every update (and so counts against the play); the missing one until an update
    reads it. Before, the malformed one, marked read, was taken back at the next update: the play came out whole."""
    from player.playback.output_start import ShownText, read_text

    (tmp_path / "s0.ttml").write_text(_ttml(0))
    (tmp_path / "s1.ttml").write_text("<tt><body>cut")
    with serve_corpus(tmp_path) as base:
        refs = tuple(SegmentRef(number=n, start_s=float(n), duration_s=1.0, urls=(f"{base}/s{n}.ttml",)) for n in range(3))
        rendition = Rendition(id="t", bandwidth=0, mime_type="application/ttml+xml", segments=refs)

        async def updates() -> list[list[int]]:
            async with HttpTransport(clock=MonotonicClock()) as transport:
                pool = CdnPool([base], transport, MonotonicClock())
                loader, missed, seen = TextLoader(rendition, CdnSource(pool)), {}, []
                try:
                    for step in range(3):
                        if step == 2:
                            (tmp_path / "s2.ttml").write_text(_ttml(2))
                        await read_text(loader, missed, refs)
                        seen.append(sorted(number for _, number in missed))
                finally:
                    await pool.aclose()
            shown = ShownText(loader=loader, rendition_id="t", file=None, missed=missed)  # type: ignore[arg-type]
            seen.append([len(shown.lost(until_s=3.0))])
            return seen
        assert asyncio.run(updates()) == [[1, 2], [1, 2], [1], [1]]
