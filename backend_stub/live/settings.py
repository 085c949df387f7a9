"""What a live channel is: its ladder, segment and part durations, DVR window (issue 15).

Defaults are sized for a shared 2-core box: two small rungs at ``ultrafast`` cost a few percent of a
core in real time. Parts are 0.5 s (LL-HLS ``PART-TARGET``, LL-DASH chunk), segments 2 s, and the DVR
window (HLS sliding window, DASH ``timeShiftBufferDepth``) 2 minutes.
"""
from __future__ import annotations

from dataclasses import dataclass, field


class LiveConfigError(ValueError):
    """A live channel's settings cannot work (parts that do not divide segments, no rung...)."""


@dataclass(frozen=True, kw_only=True)
class LiveRung:
    """One video rendition of the live ladder."""

    width: int
    height: int
    kbps: int

    @property
    def name(self) -> str:
        return f"v{self.height}"


DEFAULT_RUNGS = (LiveRung(width=320, height=180, kbps=300), LiveRung(width=640, height=360, kbps=800))


@dataclass(frozen=True, kw_only=True)
class LiveSettings:
    """One channel. ``title_id`` is its folder under ``content/`` and its catalog id."""

    title_id: str = "live"
    name: str = "Reelbox Live"
    rungs: tuple[LiveRung, ...] = field(default=DEFAULT_RUNGS)
    fps: int = 30
    segment_s: float = 2.0
    part_s: float = 0.5
    dvr_s: float = 120.0
    audio_kbps: int = 64
    audio_lang: str = "en"
    restart_delay_s: float = 1.0  # after a crash, before the next ffmpeg starts
    protected: bool = False  # CENC ('cenc' scheme) with a fresh ClearKey content key per run

    def __post_init__(self) -> None:
        if not self.rungs:
            raise LiveConfigError("a live channel needs at least one rung")
        frames = self.part_s * self.fps
        if abs(frames - round(frames)) > 1e-9 or round(frames) < 1:
            raise LiveConfigError(f"a {self.part_s} s part is not a whole number of frames at {self.fps} fps")
        parts = self.segment_s / self.part_s
        if abs(parts - round(parts)) > 1e-9:
            raise LiveConfigError(f"{self.part_s} s parts do not divide {self.segment_s} s segments")
        if self.dvr_s < 3 * self.segment_s:
            raise LiveConfigError("the DVR window must hold at least three segments")

    @property
    def gop(self) -> int:
        """Frames per segment: one keyframe starts each segment (CMAF, ISO/IEC 23000-19 §7.3.2)."""
        return round(self.segment_s * self.fps)

    @property
    def audio_name(self) -> str:
        return f"a_{self.audio_lang}"

    @property
    def hold_back_s(self) -> float:
        """RFC 8216bis §4.4.3.8: at least three target durations."""
        return 3 * self.segment_s

    @property
    def part_hold_back_s(self) -> float:
        """RFC 8216bis §4.4.3.8: at least twice, and recommended three times, the part target."""
        return 3 * self.part_s
