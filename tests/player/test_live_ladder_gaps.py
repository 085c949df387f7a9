"""EXT-X-GAP in a live playlist, as in a title (RFC 8216bis §6.3.3): a gap in one rung is fetched from another and
the ladder stays aligned; a gap in every rung is skipped and named. Real follower, refreshers, pool and loops on a
``ManualClock`` (``livekit``)."""
from __future__ import annotations

from livekit import VIDEO_KBPS, SlidingChannel, play
from schedkit import SEGMENT_S

from player.net import ManualClock

ONE_RUNG, EVERY_RUNG = 20, 40  # segment numbers


def test_a_gap_in_one_rung_plays_from_another_and_a_gap_in_every_rung_is_named() -> None:
    everything = set(VIDEO_KBPS) | {"a"}
    channel = SlidingChannel(ManualClock(), gaps={ONE_RUNG: {"v0", "v1"}, EVERY_RUNG: everything})
    w, _follower, _held = play(channel, 120.0)
    assert w.scheduler.ladder.aligned  # a rung with a gap is not a ladder out of step
    video = {round(s.start_s / SEGMENT_S): s for s in w.qoe.ladder_segments()}
    audio = {round(s.start_s / SEGMENT_S) for s in w.qoe.segments if s.type == "audio"}
    numbers = sorted(video)
    assert video[ONE_RUNG].rendition == "v2"  # the only rung that has it
    assert EVERY_RUNG not in video and EVERY_RUNG not in audio
    assert set(range(numbers[0], numbers[-1] + 1)) - set(video) == {EVERY_RUNG}
    skipped = [e.message for e in w.qoe.errors if e.code == "SegmentSkipped"]
    assert len(skipped) == 2 and all("EXT-X-GAP" in m for m in skipped), skipped
    assert [round(s.start_s / SEGMENT_S) for s in w.scheduler.skipped] == [EVERY_RUNG, EVERY_RUNG]
