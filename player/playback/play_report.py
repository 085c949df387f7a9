"""The end of a play: what it lost (issue 14) and its QoE report (DESIGN.md contract), from the play's parts.

Pure assembly, no I/O: the session calls these once the play has ended (or failed, when the report
still says what happened up to the failure — QA needs it most then).
"""
from __future__ import annotations

from player.completeness import (
    LanguageChoice, TrackPlayed, end_slack_s, expected_kinds, fed_end, furthest_by_kind, kind_ends, shortfalls,
    tracks_fed, tracks_json,
)
from player.manifest import Presentation
from player.manifest.viewing import VIDEO_FAMILIES
from player.net import CdnPool
from player.playback.playhead import Playhead
from player.playback.running import RunningPlay
from player.qoe import Notice, QoeReport, QoeTracker, build_report


EOF_SLACK_S = 2.0  # how far the last time-pos seen may trail the end of what was fed, at eof
#: media short of the manifest before the last segment by more than this (a frame, an AAC frame are less): overstated
OVERSTATED_BEFORE_LAST_S = 0.1


def tracks_of(running: RunningPlay | None, presentation: Presentation | None,
              chosen: LanguageChoice) -> list[TrackPlayed]:
    """Each track as it reached the feed (every stream part's): codec, language, how far it was fed (none
    before the play ran); the subtitle track chosen."""
    if running is None:
        return []
    text_until_s = running.text.loader.read_until_s if running.text is not None and running.live is not None else None
    return tracks_fed(running.feed.remuxers(), presentation, chosen, running.text_codec, text_until_s)


def lost_by(running: RunningPlay, playhead: Playhead, presentation: Presentation, *, until_s: float | None,
            chosen: LanguageChoice) -> list[str] | None:
    """What a play that ended by itself lost, one phrase each (empty: nothing); None with no end to compare.

    Lost: stopped short of the end (beyond half a segment), a track lost midway or never played,
    segments skipped, media missing inside a track, or frames libmpv could not decode (see
    :func:`player.completeness.shortfalls`), subtitles that stopped or missed segments (``ShownText.lost``). The end
    is the title's (from its segments when the manifest states no duration; a live event's once it has ended), or
    ``until_s`` when that comes first.
    """
    scheduler = running.scheduler
    timeline = scheduler.ladder.timeline
    # a live event that ended (EXT-X-ENDLIST, or the MPD turned static) has an end to judge the play by
    has_end = not presentation.is_live or (running.live is not None and running.live.follower.ended())
    duration_s = presentation.duration_s or (timeline[-1].end_s if timeline and has_end else None)
    ends = [e for e in (until_s, duration_s) if e is not None]
    if not ends:
        return None
    asked_end_s = min(ends)  # --until past the end is the end
    end_s = max(asked_end_s, playhead.start_s)  # a jump past it (a live window that moved on) ends where it landed
    tracks = tracks_of(running, presentation, chosen)
    segment_s = scheduler.segment_duration_s
    reached = playhead.last_position_s or playhead.start_s
    if playhead.reached_eof and tracks:
        # time-pos events are coalesced, so at eof the last one can trail what was shown; but libmpv also
        # ends a stream it gave up on with eof, so only a playhead already near the end of what was fed counts
        fed = fed_end(tracks)
        if reached >= fed - max(segment_s, EOF_SLACK_S):
            reached = max(reached, fed)
    overstated = _media_end_if_overstated(running, end_s, reached, tracks, end_slack_s(segment_s))
    lost = shortfalls(end_s=end_s, reached_s=reached, segment_s=segment_s, tracks=tracks,
                      skipped=running.fetching.skipped, parts=running.opened.parts, unavailable=presentation.unavailable,
                      expected=expected_kinds(presentation), holes=running.feed.holes,
                      decoder_errors=playhead.decoder_errors, track_ends=kind_ends(running.opened.streams, end_s))
    if overstated is not None:  # the play is short of what the manifest promised all the same: why, in its words
        lost.append(f"the manifest lists {overstated[0]:.1f} s, its media holds {overstated[1]:.1f} s: every segment was "
                    "fed whole, each holding less than the manifest says")
    return lost + (running.text.lost(asked_end_s) if running.text is not None else []) + \
        (running.live.lost() if running.live is not None else [])


def play_report(
    *, qoe: QoeTracker, now: float, playhead: Playhead, running: RunningPlay | None, pool: CdnPool | None,
    presentation: Presentation | None, lost: list[str] | None, chosen: LanguageChoice,
) -> QoeReport:
    """The typed report as of ``now``; every request (licence included) is in the pool's log."""
    tracks = tracks_of(running, presentation, chosen)
    notices = (*playhead.notices, *_switch_drops(running), *_unaligned(running), *_codecs_unlike(running, tracks),
               *_stand_ins(running, qoe), *_absences(running, presentation, qoe), *_text_stopped(running),
               *_live_jumps(running))
    return build_report(
        qoe, now, start_s=playhead.start_s, decoder_errors=playhead.decoder_errors,
        algorithm=running.scheduler.abr.algorithm.name if running is not None else None,
        pool_failovers=pool.failovers if pool is not None else None,
        requests=pool.log.records if pool is not None else (), notices=notices,
        requests_dropped=pool.log.dropped if pool is not None else 0,
        duration_s=presentation.duration_s if presentation else None,
        complete=lost == [] if lost is not None else False,
        tracks=tuple(tracks_json(tracks)),
        start_estimate_kbps=running.fetching.started_from if running is not None else None,
    )


def _media_end_if_overstated(running: RunningPlay, end_s: float, reached_s: float, tracks: list[TrackPlayed],
                             slack_s: float) -> tuple[float, float] | None:
    """(where the manifest's segments end, where their media ends) when the manifest overstates its media (every EXTINF
    or ``@duration`` longer than what the segment holds). Plain libmpv plays that media to its end and stops; so does
    a play here, and it is still not whole (the manifest promised more, and its seeks land wrong), but the loss names
    the manifest's overstatement beside "stopped at", which alone would send a QA engineer after a player fault. Only
    when every segment to the end was fed, nothing skipped, every track fed to about the same end and played to it,
    and the media already fell short of the manifest before the last segment: a last segment cut short (its media
    lost, with no next segment to show the hole) is not. None otherwise."""
    scheduler = running.scheduler
    fed = list(furthest_by_kind(tracks).values())
    declared = max((s.start_s + s.duration_s for s in scheduler.qoe.ladder_segments()), default=0.0)
    if not fed or not scheduler.video_done or running.fetching.skipped or declared < end_s - slack_s:
        return None
    media_end = min(fed)
    if media_end >= end_s - slack_s or max(fed) - media_end > slack_s or reached_s < media_end - slack_s:
        return None
    return (declared, media_end) if scheduler.timeline.video.short_before_s > OVERSTATED_BEFORE_LAST_S else None


def _switch_drops(running: RunningPlay | None) -> list[Notice]:
    """Video held on its last picture at a switch: segments that do not start with a keyframe (a packaging
    fault a QA engineer wants named; the play itself is whole)."""
    if running is None:
        return []
    return [Notice(code="SwitchNotAtKeyframe", message=f"{d.seconds:.2f} s of video from rendition {d.rendition_id!r} "
                   f"dropped at {d.at_s:.1f} s: its segment does not start with a keyframe") for d in running.feed.dropped]


def _absences(running: RunningPlay | None, presentation: Presentation | None, qoe: QoeTracker) -> list[Notice]:
    """Stretches played without one of the title's tracks, as plain libmpv plays them, and named, since a QA engineer
    may not expect them: a muxed variant's segments with no audio (an ad slate: silence fed) or no picture (an
    audio-only ad: the last picture held), and a DASH Period (a stream part) without audio or video."""
    if running is None:
        return []
    notices = [Notice(code="AudioAbsent", message=f"the segments from {s.from_s:.1f} to {s.to_s:.1f} s carry no audio: "
                      "silence played there") for s in running.feed.silences]
    notices += [Notice(code="VideoAbsent", message=f"the segments from {s.from_s:.1f} to {s.to_s:.1f} s carry no "
                       "picture: the last one stayed on screen") for s in running.feed.stills]
    streams = running.opened.streams
    fed = [r.start_s for r in qoe.segments]
    end_s = presentation.duration_s if presentation is not None else None
    for part, following in zip(streams, [*streams[1:], None]):
        until = following.start_s if following is not None else end_s
        if not any(part.start_s <= at < (until if until is not None else float("inf")) for at in fed):
            continue  # not played (a start past it)
        stretch = f"{part.start_s:.1f} to {until:.1f} s" if until is not None else f"{part.start_s:.1f} s on"
        for kind, code, played in (("audio", "AudioAbsent", "silence"), ("video", "VideoAbsent", "no picture")):
            if kind not in part.kinds and any(kind in other.kinds for other in streams):
                notices.append(Notice(code=code, message=f"the Period from {stretch} has no {kind}: {played} there"))
    return notices


def _text_stopped(running: RunningPlay | None) -> list[Notice]:
    """A live subtitle track that could not be read on (its playlist failed), or a segment of it no CDN delivered:
    the picture and sound played on."""
    text = running.text if running is not None else None
    if text is None:
        return []
    return ([Notice(code="SubtitlesStopped", message=f"the live subtitles stopped: {text.stopped}")] if text.stopped else []) + \
        [Notice(code="SubtitlesMissing", message=f"not shown: {why}") for _, _, why in text.missed.values()]


def _live_jumps(running: RunningPlay | None) -> list[Notice]:
    """A live play the DVR window moved past (paused or stalled longer than the window holds) went on inside the
    window: the channel's media in between was deleted before it was shown (hls.js and Shaka jump too). After a stall
    that is also a loss (``LivePlayback.lost``); after the viewer's pause it is named here only. A resync (the play
    fell further behind its target latency than the controller lets it) skipped media it chose not to show: named
    here only, a live player's policy, not the channel's loss."""
    live = running.live if running is not None else None
    return [] if live is None else [Notice(at=j.at, code="LiveResync" if j.why == "behind" else "LiveWindowPassed",
                                           message=j.phrase()) for j in live.jumps]


def _unaligned(running: RunningPlay | None) -> list[Notice]:
    """A ladder whose rungs start their segments at different times (a packaging fault a QA engineer wants
    named: the ABR could change rung only where two rungs share a boundary; ``switch_points``)."""
    if running is None or running.scheduler.ladder.aligned:
        return []
    ids = ", ".join(repr(r.id) for r in running.scheduler.ladder.renditions)
    return [Notice(code="LadderNotAligned", message=f"renditions {ids} do not start their segments at the same times: "
                   "rung changes waited for a boundary both rungs share")]


def _stand_ins(running: RunningPlay | None, qoe: QoeTracker) -> list[Notice]:
    """A Period whose audio was fed in another language than the one chosen, which it lacks: the report's ``tracks``
    name the language chosen, and ``--audio de`` must not read as German throughout. "Fed" by the audio segments
    fetched (seeks and a new stream part restart the playhead, so its range would forget an earlier Period)."""
    if running is None:
        return []
    fed = [r.start_s for r in qoe.segments if r.type == "audio"]
    return [Notice(code="AudioLanguageStandIn", message=s.describe()) for s in running.opened.stand_ins
            if any(s.start_s <= at < (s.end_s if s.end_s is not None else float("inf")) for at in fed)]


def _codecs_unlike(running: RunningPlay | None, tracks: list[TrackPlayed]) -> list[Notice]:
    """A track that played in a codec no ``CODECS`` of the manifest names for its kind (a master claiming HEVC over
    H.264 streams: a device that picks variants by ``CODECS`` is misled, a packaging fault a QA engineer wants named;
    the play itself is whole).  Nothing when the manifest names no codec of that kind, nor offline."""
    declared = running.opened.codecs if running is not None else frozenset()
    notices = []
    for track in (t for t in tracks if t.kind in ("video", "audio")):
        named = sorted(f for f in declared if (f in VIDEO_FAMILIES) == (track.kind == "video"))
        if named and track.codec not in named:
            notices.append(Notice(code="CodecsMismatch", message=f"the {track.kind} played is {track.codec}, where the "
                                  f"manifest's CODECS name {', '.join(named)}"))
    return notices
