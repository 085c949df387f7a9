"""What the downloads list shows: plain values, importable without the downloader or the licence machinery."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class LicenceView:
    """What a download list shows about its licence."""

    state: str  # "valid" | "expired" | "locked" | "none" (clear title) | "missing"
    remaining_s: float | None
    rental_expires_at: float | None
    playback_expires_at: float | None


NO_LICENCE = LicenceView(state="none", remaining_s=None, rental_expires_at=None, playback_expires_at=None)
"""A clear title's: no licence to show (and no licence store opened to say so)."""


@dataclass(frozen=True, kw_only=True)
class DownloadInfo:
    """One download as the list shows it."""

    asset_id: str
    title_id: str
    name: str
    state: str
    quality: str
    protected: bool
    bytes_total: int
    bytes_done: int
    segments_total: int
    segments_done: int
    licence: LicenceView
    error: str | None

    @property
    def playable(self) -> bool:
        return self.state == "complete" and self.licence.state in ("valid", "none")
