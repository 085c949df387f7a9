"""The scheduler on ``ManualClock``: the real pool, loops and ABR, no sockets and no real sleeping.

These moved here from the real-time session tests, which keep only smoke runs (``realtime`` marker):
abandonment under a collapsing link, emergency down-switch, audio following the video, seek/resume
start and the first-frame hold, end of stream, CDN failover, the buffer cap. Each run takes
milliseconds of real time whatever the virtual time it covers.
"""
from __future__ import annotations

import asyncio
from typing import Any

import pytest
from schedkit import BASE, ORIGINS, SEGMENT_S, RecordingSink, World, files_for, link, presentation, run, with_length, world

from abr.session import AbrSession
from player.errors import FetchError
from player.net import ConnectFailed, FetchResult, SegmentRequest, StallDetected
from player.net.testing import files_handler
from player.qoe import DownloadAbandoned, EmergencyDownswitch, FailedOver
from player.scheduling import Scheduler, SchedulerConfig
from player.scheduling.scheduler import FIRST_FRAME_HOLD_S
from player.scheduling.video_loop import RETRY_PAUSE_S
from player.source import CdnSource


def _video_indices(w: World) -> list[int]:
    return [s.index for s in w.qoe.ladder_segments()]


def test_every_segment_is_fed_once_in_order_then_the_stream_ends() -> None:
    """Video and audio each go to the feed once per segment, in order, and the sink hears the end."""
    w = run(lambda: world(presentation(6)))
    assert _video_indices(w) == list(range(6))
    assert [s.index for s in w.qoe.segments if s.type == "audio"] == list(range(6))
    assert w.sink.finished_at is not None and w.scheduler.video_done


def test_audio_follows_the_video_at_most_one_segment_ahead() -> None:
    """Audio segment i is fed only once the video covers its start minus one segment (they interleave in the mux)."""
    w = run(lambda: world(presentation(8)))
    video_until, audio_index = 0.0, 0
    for kind, *_ in w.sink.added:
        if kind == "video":
            video_until += SEGMENT_S
        else:
            assert audio_index * SEGMENT_S < video_until + SEGMENT_S
            audio_index += 1
    assert audio_index == 8


def test_the_buffer_never_exceeds_its_capacity_while_the_playhead_moves() -> None:
    """With an instant link, fetching waits on the clock for room: media fed minus the playhead stays ≤ capacity."""
    capacity = 6.0
    w = run(lambda: world(presentation(20), config=SchedulerConfig(buffer_capacity_s=capacity)))
    fed_at = [at for kind, _, _, at in w.sink.added if kind == "video"]
    assert len(fed_at) == 20
    for index, at in enumerate(fed_at):
        position = at - 1000.0  # the playhead started moving at clock 1000
        assert (index + 1) * SEGMENT_S - position <= capacity + 0.1
    # the last segment went out when the playhead was within a buffer of the end
    assert w.clock.now() - 1000.0 == pytest.approx(20 * SEGMENT_S - capacity, abs=0.2)


class HalfMediaSink(RecordingSink):
    """A feed whose segments each hold half the media their playlist declares (a lying #EXTINF): it answers where
    each track's media really ends, as MuxFeed does."""

    def add(self, kind: str, *args: Any, **kwargs: Any) -> float:
        super().add(kind, *args, **kwargs)
        return sum(1 for k, *_ in self.added if k == kind) * SEGMENT_S / 2


def test_the_buffer_counts_the_media_a_segment_really_holds_not_its_declared_length() -> None:
    """Segments holding half their declared length: the scheduler counts the buffer by the media, so it keeps
    fetching where the declared times would say the buffer is full (a playlist with #EXTINF ten times too long
    hung the play: the fetch waited for room while libmpv starved)."""
    capacity = 6.0
    w = run(lambda: world(presentation(20), config=SchedulerConfig(buffer_capacity_s=capacity),
                          sink_type=HalfMediaSink))
    fed_at = [at for kind, _, _, at in w.sink.added if kind == "video"]
    assert len(fed_at) == 20
    for index, at in enumerate(fed_at):
        position = at - 1000.0
        assert (index + 1) * SEGMENT_S / 2 - position <= capacity + 0.1  # never more media ahead than the capacity
    # the last segment went out when the media before it was within a buffer of the playhead (room for it is asked by
    # its declared length), not when the declared end was: by the declared times that is at 34 s, not 15 s
    assert w.clock.now() - 1000.0 == pytest.approx(19 * SEGMENT_S / 2 - (capacity - SEGMENT_S), abs=0.2)
    assert w.scheduler.timeline.video.added_until_s == pytest.approx(20 * SEGMENT_S / 2)


def test_a_collapsing_link_abandons_top_rung_downloads_and_refetches_them_lower() -> None:
    """At 4 Mbit/s the ABR climbs to the top; at 450 kbit/s the top-rung download is abandoned and refetched lower."""
    shaping = link([(8.0, 4000), (1.0, 450)])
    w = run(lambda: world(presentation(20), shaping=shaping, config=SchedulerConfig(buffer_capacity_s=4.0)))
    abandoned = w.of(DownloadAbandoned)
    assert abandoned, "the collapse must make the algorithm give up on a download"
    video = {s.index: s for s in w.qoe.ladder_segments()}
    assert sorted(video) == list(range(20))  # every segment fed once: an abandoned one is not
    for event in abandoned:
        assert 0 <= event.to_rung < event.from_rung and event.received_bytes > 0
        assert video[event.index].rendition == f"v{event.to_rung}" or video[event.index].bitrate_kbps < \
            (300, 600, 1100)[event.from_rung]
    assert w.qoe.abandonments == len(abandoned)
    aborted = [r for r in w.pool.records if r.aborted]
    assert len(aborted) >= len(abandoned) and all(r.failover_to is None for r in aborted)


def test_without_the_collapse_nothing_is_abandoned() -> None:
    """The negative control: the same link without the drop abandons nothing and ends at the top rung."""
    w = run(lambda: world(presentation(20), shaping=link([(1.0, 4000)]), config=SchedulerConfig(buffer_capacity_s=4.0)))
    assert w.of(DownloadAbandoned) == [] and w.sink.renditions()[-1] == "v2"


def _stalling(rendition: str, files: dict[str, bytes]):  # type: ignore[no-untyped-def]
    base = with_length(files_handler(files))

    def handler(request: SegmentRequest) -> FetchResult:
        if f"/{rendition}/" in request.url and not request.url.split("?")[0].endswith("init.mp4"):
            raise StallDetected(f"stalled: {request.url}", received=100)
        return base(request)
    return handler


def test_a_segment_stalling_on_every_cdn_is_refetched_at_the_lowest_rung() -> None:
    """Emergency down-switch: every CDN stalls on the top rung, the segment comes from the lowest, the title ends."""
    p = presentation(6)
    w = run(lambda: world(p, handler=_stalling("v2", files_for(p))))
    downs = w.of(EmergencyDownswitch)
    assert downs and all(d.from_rung == 2 and d.error in ("PoolFailure", "AllCdnsFailed") for d in downs)
    assert w.qoe.emergency_downswitches == len(downs)
    assert _video_indices(w) == list(range(6)) and "v2" not in w.sink.renditions()
    assert {s.rendition for s in w.qoe.ladder_segments() if s.index in {d.index for d in downs}} == {"v0"}


def test_a_pinned_rung_that_keeps_stalling_is_retried_patiently_then_fails() -> None:
    """A pinned rung has no lower fallback: it is retried after pauses slept on the clock, then the error ends the run."""
    p = presentation(3)
    holder: list[World] = []

    def build() -> World:
        holder.append(world(p, handler=_stalling("v1", files_for(p)), config=SchedulerConfig(force_rung=1)))
        return holder[0]

    with pytest.raises(FetchError):
        run(build)
    w = holder[0]
    assert w.clock.slept.count(RETRY_PAUSE_S) >= 3 and w.clock.now() - 1000.0 >= 3 * RETRY_PAUSE_S
    assert w.of(EmergencyDownswitch) == []  # pinned: the algorithm may not switch
    assert w.qoe.ladder_segments() == []


def test_a_failing_cdn_fails_over_without_losing_the_segment() -> None:
    """Every request to cdn0 is refused: each segment arrives from cdn1 and the failovers are counted."""
    files = files_for(presentation(4))
    other = {url.replace("cdn0.test", "cdn1.test"): body for url, body in files.items()}
    served = with_length(files_handler(other))

    def handler(request: SegmentRequest) -> FetchResult:
        if "cdn0.test" in request.url:
            raise ConnectFailed("refused")
        return served(request)

    w = run(lambda: world(presentation(4), handler=handler))
    assert _video_indices(w) == list(range(4))
    assert {s.cdn for s in w.qoe.segments} == {1}
    assert w.qoe.cdn_failovers >= 1 and w.of(FailedOver)
    assert ORIGINS[1].startswith("http://cdn1.test")


def test_a_start_at_a_time_fetches_from_the_segment_holding_it() -> None:
    """Resume/seek: a start at 7 s begins with segment 3 (6–8 s) for video and audio, and tells the ABR where it is."""
    w = run(lambda: world(presentation(8), config=SchedulerConfig(start_s=7.0)))
    assert _video_indices(w) == [3, 4, 5, 6, 7]
    assert [s.index for s in w.qoe.segments if s.type == "audio"] == [3, 4, 5, 6, 7]


def test_until_stops_the_fetch_at_the_segment_starting_there() -> None:
    """``until_s`` ends the run early: no segment starting at or after it is fetched, and the stream still ends."""
    w = run(lambda: world(presentation(8), config=SchedulerConfig(until_s=5.0)))
    assert _video_indices(w) == [0, 1, 2] and w.sink.finished_at is not None


@pytest.mark.parametrize(("start_s", "needs"), [(7.0, {"video": 2, "audio": 3}), (6.0, {"video": 1, "audio": 2}),
                                              (0.0, {"video": 1, "audio": 1})])
def test_later_segments_wait_for_the_first_frame_at_most_the_hold(start_s: float, needs: dict[str, int]) -> None:
    """Before the first frame only the segments it needs go out (video: 2 for a start inside a segment, the
    next keyframe closes its GOP; 1 at a segment's start, whose keyframe is the target; audio one more after
    a start at a time, its segments end elsewhere); the rest wait the hold."""
    w = run(lambda: world(presentation(8), config=SchedulerConfig(start_s=start_s), plays=False))
    for kind, count in needs.items():
        times = [at for k, _, _, at in w.sink.added if k == kind]
        assert times[:count] == [times[0]] * count, kind  # the first ones at once
        assert times[count] - times[0] >= FIRST_FRAME_HOLD_S - 1e-9, kind


TS = ("avc1.64001e", "mp4a.40.2")  # what the feed remuxes to MPEG-TS


@pytest.mark.parametrize(("start_s", "codecs", "video"), [
    (7.0, TS, 1),  # well inside the GOP: libmpv's start seek needs no next keyframe
    (6.05, TS, 2),  # just after the keyframe: shown first, then the exact seek in the cache
    (7.6, TS, 2),  # the GOP's last frames come out of the decoder only with the next packets
    (7.0, ("avc1.64001e", "opus"), 2),  # Matroska: no start seek
    (7.0, None, 2),  # codecs unknown
])
def test_a_start_inside_a_segment_fetches_the_next_one_first_only_when_the_start_seek_cannot_serve_it(
        start_s: float, codecs: tuple[str, str] | None, video: int) -> None:
    """``MuxFeed`` opens a start well inside an MPEG-TS segment with libmpv's start seek: then the target's
    segment is all its first frame needs (audio still one more); elsewhere the next segment's keyframe too."""
    w = run(lambda: world(presentation(8, codecs=codecs), config=SchedulerConfig(start_s=start_s), plays=False))
    for kind, count in (("video", video), ("audio", video + 1)):
        times = [at for k, _, _, at in w.sink.added if k == kind]
        assert times[:count] == [times[0]] * count, kind
        assert times[count] - times[0] >= FIRST_FRAME_HOLD_S - 1e-9, kind


def test_the_first_frame_releases_the_hold_at_once() -> None:
    """Once libmpv shows the first picture nothing waits: with the frame shown, no hold is slept."""
    w = run(lambda: world(presentation(8), config=SchedulerConfig(start_s=7.0), plays=True))
    assert FIRST_FRAME_HOLD_S not in w.clock.slept


def test_pinning_a_rung_applies_from_the_next_segment() -> None:
    """``pin(rung)`` takes effect for the next segment fetched; ``pin(None)`` hands the choice back to the ABR."""
    async def pin_after_two(w: World) -> None:
        while len(w.qoe.ladder_segments()) < 2:
            await asyncio.sleep(0)
        w.scheduler.pin(0)

    w = run(lambda: world(presentation(8), config=SchedulerConfig(buffer_capacity_s=4.0)), during=pin_after_two)
    renditions = w.sink.renditions()
    assert renditions[-1] == "v0" and renditions.count("v0") >= 4


def test_a_seek_keeps_the_throughput_estimate_and_the_fetched_inits() -> None:
    """The run after a seek reuses the ABR session and init cache: no init is fetched twice."""
    async def go() -> tuple[list[str], AbrSession, AbrSession]:
        w = world(presentation(8))
        await w.scheduler.run()
        first_abr = w.scheduler.abr
        seen_before = len(w.handler.seen)
        again = Scheduler(presentation=presentation(8), source=CdnSource(w.pool), sink=w.sink, algorithm=first_abr,
                          clock=w.clock, position=lambda: 9.0, qoe=w.qoe, config=SchedulerConfig(start_s=9.0),
                          init_cache=w.scheduler.init_cache)
        again.first_frame_shown()
        await again.run()
        return [r.url for r in w.handler.seen[seen_before:]], first_abr, again.abr

    urls, before, after = asyncio.run(go())
    assert after is before
    assert urls and not any(u.split("?")[0].endswith("init.mp4") for u in urls)
    assert all(u.startswith(BASE) for u in urls)


def _after_seek(kbps: float, on_screen: int | None, paused_s: float = 0.0) -> list[str]:
    """Play 8 s on a ``kbps`` link, (pause ``paused_s``,) then seek to 15 s with ``on_screen`` the rung shown:
    the video rungs fetched then."""
    async def go() -> list[str]:
        w = world(presentation(12), shaping=link([(1.0, kbps)]), config=SchedulerConfig(until_s=8.0))
        await w.scheduler.run()
        w.clock.advance(paused_s)
        before = len(w.sink.added)
        again = Scheduler(presentation=presentation(12), source=CdnSource(w.pool), sink=w.sink,
                          algorithm=w.scheduler.abr, clock=w.clock, position=lambda: 15.0, qoe=w.qoe,
                          config=SchedulerConfig(start_s=15.0, on_screen_rung=on_screen),
                          init_cache=w.scheduler.init_cache)
        again.first_frame_shown()
        await again.run()
        return [r for kind, r, _, _ in w.sink.added[before:] if kind == "video"]
    return asyncio.run(go())


def test_a_seek_keeps_the_rung_on_screen_when_the_estimate_carries_it() -> None:
    """2000 kbit/s carries the top rung (1100): the first segment after the seek stays there (no new picture
    size for libmpv to set up), where the ABR alone restarts at the bottom with the buffer empty."""
    assert _after_seek(2000, on_screen=None)[0] == "v0"
    assert _after_seek(2000, on_screen=2)[0] == "v2"


def test_a_seek_drops_the_rung_on_screen_when_the_estimate_cannot_carry_it() -> None:
    """1000 kbit/s does not carry 1100 with the 10 % margin: the ABR's own pick stands (as with no rung kept)."""
    assert _after_seek(1000, on_screen=2) == _after_seek(1000, on_screen=None)
    assert _after_seek(1000, on_screen=2)[0] == "v0"


def test_a_seek_after_a_long_pause_does_not_trust_the_old_estimate() -> None:
    """Paused 60 s: the estimate is a minute old (the link may have dropped), so the ABR picks, as with no rung kept."""
    assert _after_seek(2000, on_screen=2, paused_s=60.0)[0] == "v0"
