"""What a stats overlay shows ("stats for nerds"): rendition, bitrate, buffer, estimate, CDN, drops."""
from __future__ import annotations

from typing import Any

from player.feed.mpv_output import MpvOutput
from player.manifest import Presentation
from player.qoe import QoeTracker
from player.scheduling import Scheduler


def session_stats(
    *, position_s: float, presentation: Presentation | None, scheduler: Scheduler | None, output: MpvOutput | None,
    qoe: QoeTracker, paused: bool, forced_rung: int | None,
) -> dict[str, Any]:
    rung = scheduler.current_rung if scheduler else None
    rendition = scheduler.ladder[rung] if scheduler is not None and rung is not None else None
    video = qoe.ladder_segments()
    size = output.video_size if output else None
    return {
        "position_s": position_s,
        "duration_s": presentation.duration_s if presentation else None,
        "buffer_s": scheduler.buffer_s() if scheduler else 0.0,
        "buffered_until_s": scheduler.buffered_until_s if scheduler else None,
        "rendition": rendition.id if rendition else None,
        "width": size[0] if size else None,
        "height": size[1] if size else None,
        "bitrate_kbps": rendition.bandwidth / 1000.0 if rendition else None,
        "throughput_kbps": scheduler.abr.tracker.throughput_kbps if scheduler else None,
        "cdn": video[-1].cdn if video else None,
        "dropped_frames": (output.property("frame-drop-count") if output else None) or 0,
        "paused": paused,
        "forced_rung": forced_rung,
        "ladder": [
            {"rung": i, "height": r.height, "bitrate_kbps": r.bandwidth / 1000.0}
            for i, r in enumerate(scheduler.ladder.renditions)
        ] if scheduler else [],
    }
