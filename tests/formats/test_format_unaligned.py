"""A ladder encoded rung by rung, whose segments start at different times (2 s on one rung, 3 s on the other):
the play changes rung only where both rungs start a segment, so no media is fed twice and none is missed, and the
report names the packaging fault. Before, "segment i" of each rung was fetched: 0-2 s at 180p, then 0-3 s at 360p
(libmpv showed 0-2 s again), and 6-9 s twice; 13.4 s played of a 12 s title, reported complete."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest

from player.playback import PlaybackSession, SessionOptions

TITLE_S = 12.0
SHARED_BOUNDARIES = (6.0,)  # inside the title: 2 s and 3 s segments both start at 0, 6 and 12 s


def _play(url: str, start_s: float | None = None) -> dict[str, Any]:
    # no throughput memory: the play starts at the bottom rung and climbs on the loopback link
    options = SessionOptions(start_s=start_s, mpv_options={"speed": 4})
    return asyncio.run(PlaybackSession(target=url, manifest_urls=[url], options=options).run())


def _video(report: dict[str, Any]) -> list[tuple[float, float, str]]:
    return [(s["start_s"], s["start_s"] + s["duration_s"], s["rendition"]) for s in report["segments"]
            if s["type"] == "video"]


def _tiles(video: list[tuple[float, float, str]], start_s: float) -> bool:
    """Each segment starts where the one before ended, from the one holding ``start_s`` to the title's end."""
    return (video[0][0] <= start_s < video[0][1] and video[-1][1] == pytest.approx(TITLE_S, abs=0.05)
            and all(b[0] == pytest.approx(a[1], abs=0.05) for a, b in zip(video, video[1:])))


def test_an_unaligned_ladder_climbs_only_where_both_rungs_start_a_segment(corpus_url: str) -> None:
    report = _play(f"{corpus_url}/hls-ts-unaligned/master.m3u8")
    assert report["complete"] is True, report["errors"]
    video = _video(report)
    assert _tiles(video, 0.0), video
    switches = [b[0] for a, b in zip(video, video[1:]) if a[2] != b[2]]
    assert switches, video  # it climbed ...
    assert all(any(t == pytest.approx(b, abs=0.05) for b in SHARED_BOUNDARIES) for t in switches), video  # ... at 6 s
    assert report["played_s"] <= TITLE_S + 0.2
    assert [n["code"] for n in report["notices"]] == ["LadderNotAligned"]


def test_a_start_inside_an_unaligned_ladder_plays_each_moment_once(corpus_url: str) -> None:
    report = _play(f"{corpus_url}/hls-ts-unaligned/master.m3u8", start_s=7.0)
    assert report["complete"] is True, report["errors"]
    assert _tiles(_video(report), 7.0), _video(report)
    assert report["played_s"] == pytest.approx(TITLE_S - 7.0, abs=0.2)
