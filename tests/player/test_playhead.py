"""The playhead, fed plain libmpv events (no libmpv, no loop): startup, rebuffers, played time, seeks, the end."""
from __future__ import annotations

from player.feed.events import EndOfFile, FirstFrame, LogProblem, OutputNotice, PositionChanged, StallChanged
from player.playback import Playhead
from player.qoe import PositionReached, QoeTracker, StallStarted


def _playhead(**kw: object) -> tuple[Playhead, QoeTracker, list[object]]:
    qoe = QoeTracker(target="t", opened_at=100.0)
    heard: list[object] = []
    qoe.listeners.append(heard.append)
    return Playhead(qoe=qoe, start_s=0.0, **kw), qoe, heard  # type: ignore[arg-type]


def test_startup_is_open_to_first_frame_and_a_stall_before_it_is_no_rebuffer() -> None:
    """A stall while the first frame is awaited is startup; after it, a stall is a rebuffer with its duration."""
    shown: list[bool] = []
    head, qoe, _ = _playhead(on_first_frame=lambda: shown.append(True))
    head.restart(0.0, generation=1)
    head.handle(StallChanged(at=100.1, stalled=True))
    head.handle(FirstFrame(at=100.3, position_s=0.0, generation=1))
    head.handle(StallChanged(at=100.3, stalled=False))
    head.handle(StallChanged(at=105.0, stalled=True))
    head.handle(StallChanged(at=105.5, stalled=False))
    assert qoe.startup_ms() == 300.0 and shown == [True]
    assert qoe.rebuffers == [(105.0, 105.5)]


def test_running_dry_after_the_last_segment_is_the_end_not_a_rebuffer() -> None:
    """When the scheduler says it is draining, libmpv's stall is not counted."""
    draining = [False]
    head, qoe, heard = _playhead(draining=lambda: draining[0])
    head.restart(0.0, generation=1)
    head.handle(FirstFrame(at=100.2, position_s=0.0, generation=1))
    draining[0] = True
    head.handle(StallChanged(at=110.0, stalled=True))
    assert qoe.rebuffers == [] and not any(isinstance(e, StallStarted) for e in heard)


def test_played_time_counts_small_steps_only_and_positions_are_told_once_a_second() -> None:
    """Media time played grows with the position; a jump (a seek) adds nothing; listeners hear each new second."""
    head, qoe, heard = _playhead()
    head.restart(0.0, generation=1)
    head.handle(FirstFrame(at=100.2, position_s=0.0, generation=1))
    for i in range(1, 11):
        head.handle(PositionChanged(at=100.2 + i * 0.25, position_s=i * 0.25))
    head.handle(PositionChanged(at=103.0, position_s=30.0))  # a jump
    assert head.played_s == 2.5 and qoe.played_s == 2.5  # from the first frame (0.0) on
    assert [e.position_s for e in heard if isinstance(e, PositionReached)] == [0.25, 1.0, 2.0, 30.0]
    assert head.position_s() == 30.0


def test_a_seek_counts_from_its_target_and_ignores_the_replaced_file() -> None:
    """After restart() the position is the target until the new file's first frame; the old file's events are dropped."""
    head, qoe, _ = _playhead()
    head.restart(0.0, generation=1)
    head.handle(FirstFrame(at=100.2, position_s=0.0, generation=1))
    head.handle(PositionChanged(at=101.0, position_s=0.8))
    head.restart(42.0, generation=2)
    assert head.position_s() == 42.0 and head.awaiting_frame
    head.handle(FirstFrame(at=101.1, position_s=0.9, generation=1))  # the replaced file's late restart
    head.handle(EndOfFile(at=101.1, reason="error", error="x", generation=1))
    assert head.awaiting_frame and not head.done and head.end_error is None
    head.handle(StallChanged(at=101.2, stalled=True))  # waiting for the seek's frame: no rebuffer
    head.handle(FirstFrame(at=101.5, position_s=42.0, generation=2))
    assert head.first_frame_position_s == 42.0 and not head.awaiting_frame and qoe.rebuffers == []
    assert qoe.startup_ms() == 200.0  # startup is the first start only


def test_the_end_comes_from_until_eof_or_an_error_with_libmpvs_words() -> None:
    """``until_s`` reached, end of file, or a libmpv error (its text kept) mark the session done."""
    head, _, _ = _playhead(until_s=5.0)
    head.restart(0.0, generation=1)
    head.handle(PositionChanged(at=101.0, position_s=4.9))
    assert not head.done
    head.handle(PositionChanged(at=101.1, position_s=5.0))
    assert head.done
    head, _, _ = _playhead()
    head.restart(0.0, generation=3)
    head.handle(EndOfFile(at=101.0, reason="error", error="audio output initialization failed", generation=3))
    assert head.done and head.end_error == "audio output initialization failed"


def test_decoder_problems_are_counted_from_the_log() -> None:
    """Only decoder components count as decoder errors."""
    head, _, _ = _playhead()
    head.handle(LogProblem(at=1.0, level="error", component="ffmpeg/video", text="bad", decoder=True))
    head.handle(LogProblem(at=1.0, level="warn", component="cplayer", text="meh", decoder=False))
    assert head.decoder_errors == 1


def test_an_output_notice_is_kept_for_the_report_and_told_to_listeners() -> None:
    """libmpv's fallbacks (e.g. no sound device) reach the report's notices and the listeners, and end nothing."""
    head, _, heard = _playhead()
    head.handle(OutputNotice(at=100.5, code="no_audio_device", message="no sound device"))
    assert [n.code for n in head.notices] == ["no_audio_device"] and heard == head.notices and not head.done


def test_the_end_of_a_part_opens_the_next_period_and_only_the_last_end_is_the_end() -> None:
    """A Period played as its own file: its end of file continues in the next part's file (its generation
    counts from then on); the end of the last part is the end of the session."""
    parts = [(4.0, 2)]
    head, _, _ = _playhead(next_part=lambda: parts.pop() if parts else None)
    head.restart(0.0, generation=1)
    head.handle(FirstFrame(at=100.2, position_s=0.0, generation=1))
    head.handle(EndOfFile(at=104.2, reason="eof", error=None, generation=1))
    assert not head.done and head.generation == 2 and head.position_s() == 4.0
    head.handle(FirstFrame(at=104.3, position_s=4.0, generation=2))
    head.handle(EndOfFile(at=108.3, reason="eof", error=None, generation=2))
    assert head.done and head.reached_eof


def test_a_next_period_file_that_gets_no_media_ends_the_session_without_libmpv_error() -> None:
    """Every segment of the next Period was skipped: its file fails before a first frame; the session ends
    (the completeness check names the lost Period) instead of reporting libmpv's 'unrecognized file format'."""
    head, _, _ = _playhead(next_part=lambda: (4.0, 2))
    head.restart(0.0, generation=1)
    head.handle(FirstFrame(at=100.2, position_s=0.0, generation=1))
    head.handle(EndOfFile(at=104.2, reason="eof", error=None, generation=1))
    head.handle(EndOfFile(at=104.4, reason="error", error="unrecognized file format", generation=2))
    assert head.done and head.end_error is None and not head.reached_eof
