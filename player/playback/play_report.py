"""The end of a play: what it lost (issue 14) and its QoE report (DESIGN.md contract), from the play's parts.

Pure assembly, no I/O: the session calls these once the play has ended (or failed, when the report
still says what happened up to the failure — QA needs it most then).
"""
from __future__ import annotations

from player.completeness import LanguageChoice, TrackPlayed, kind_ends, shortfalls, tracks_fed, tracks_json
from player.manifest import Presentation
from player.net import CdnPool
from player.playback.playhead import Playhead
from player.playback.running import RunningPlay
from player.qoe import QoeReport, QoeTracker, build_report


def tracks_of(running: RunningPlay | None, presentation: Presentation | None,
              chosen: LanguageChoice) -> list[TrackPlayed]:
    """Each track as it reached the feed (every stream part's): codec, language, how far it was fed (none
    before the play ran); the subtitle track chosen."""
    return [] if running is None else tracks_fed(running.feed.remuxers(), presentation, chosen)


def lost_by(running: RunningPlay, playhead: Playhead, presentation: Presentation, *, until_s: float | None,
            chosen: LanguageChoice) -> list[str] | None:
    """What a play that ended by itself lost, one phrase each (empty: nothing); None with no end to compare.

    Lost: stopped short of the end (beyond half a segment), a track lost midway, or segments skipped.
    """
    end_s = until_s or presentation.duration_s
    if end_s is None:
        return None
    tracks = tracks_of(running, presentation, chosen)
    reached = playhead.last_position_s or playhead.start_s
    if playhead.reached_eof and tracks:  # time-pos events are coalesced; eof means all fed was shown
        reached = max(reached, min(t.fed_until_s for t in tracks))
    scheduler = running.scheduler
    return shortfalls(end_s=end_s, reached_s=reached, segment_s=scheduler.segment_duration_s, tracks=tracks,
                      skipped=scheduler.skipped, parts=running.opened.parts,
                      track_ends=kind_ends(running.opened.streams, end_s))


def play_report(
    *, qoe: QoeTracker, now: float, playhead: Playhead, running: RunningPlay | None, pool: CdnPool | None,
    presentation: Presentation | None, lost: list[str] | None, chosen: LanguageChoice,
) -> QoeReport:
    """The typed report as of ``now``; every request (licence included) is in the pool's log."""
    return build_report(
        qoe, now, start_s=playhead.start_s, decoder_errors=playhead.decoder_errors,
        algorithm=running.scheduler.abr.algorithm.name if running is not None else None,
        pool_failovers=pool.failovers if pool is not None else None,
        requests=pool.log.records if pool is not None else (), notices=playhead.notices,
        duration_s=presentation.duration_s if presentation else None,
        complete=lost == [] if lost is not None else False,
        tracks=tuple(tracks_json(tracks_of(running, presentation, chosen))),
    )
