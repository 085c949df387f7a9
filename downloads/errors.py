"""Errors raised by the download manager. Every failure a caller can meet is one of these::

    DownloadError
    ├── PlanError                  nothing to download as asked
    │   ├── QualityUnavailable     no video rendition by that name / height
    │   ├── LiveNotDownloadable    a live presentation (no end to download)
    │   └── OtherQualityStored     the title is already downloaded (or started) at another quality
    ├── StorageError               the disk cannot hold the download
    │   ├── NotEnoughSpace         the storage check before the start failed (needed vs free)
    │   └── DiskFull               ENOSPC/EDQUOT while writing; the half-written file was removed
    ├── FetchFailed                every CDN failed for a segment (the engine's FetchError is the cause)
    ├── SealError                  the sealed store refused a segment
    │   ├── SegmentTampered        AES-GCM authentication failed: flipped bits, or a segment swapped
    │   │                          from another index, track or asset (associated data mismatch)
    │   └── SegmentMissing         a segment recorded as stored is not on disk
    ├── AssetNotFound              no download with that id
    ├── AssetIncomplete            the download has not finished (cannot play yet)
    ├── Cancelled                  the download was cancelled by the caller
    └── LicenceUnusable            the offline licence does not allow playback now
        ├── TitleExpired           rental or playback window over: keys destroyed; renew or delete
        └── PlaybackLocked         the clock went back: locked until an online renewal

Library exceptions (sqlite3, OSError, cryptography, drm_client's and the engine's errors) never leave
this package unnamed: they are re-raised as one of the above with the original as ``__cause__``.
Messages carry no key material and no signed URLs.
"""
from __future__ import annotations


class DownloadError(Exception):
    """Base of every download-manager error."""


class PlanError(DownloadError):
    """The request cannot be turned into a list of segments."""


class QualityUnavailable(PlanError):
    """The asked quality is not in the title's ladder (or is above the plan's cap)."""


class OtherQualityStored(PlanError):
    """``--quality Q`` for a title already downloaded at another quality (one download per title)."""


class LiveNotDownloadable(PlanError):
    """Live presentations have no end; only VOD can be downloaded."""


class StorageError(DownloadError):
    """The disk cannot hold the download."""


class NotEnoughSpace(StorageError):
    """The storage check before the start: ``needed`` bytes (with margin) vs ``free`` bytes."""

    def __init__(self, message: str, *, needed: int, free: int) -> None:
        super().__init__(message)
        self.needed = needed
        self.free = free


class DiskFull(StorageError):
    """The disk filled while writing a segment; the temporary file was removed, the download paused."""


class FetchFailed(DownloadError):
    """A segment could not be fetched from any CDN."""


class SealError(DownloadError):
    """The sealed store refused to open a segment."""


class SegmentTampered(SealError):
    """AES-GCM authentication failed: the file was altered or comes from another slot or asset."""


class SegmentMissing(SealError):
    """A segment recorded as stored is absent."""


class AssetNotFound(DownloadError):
    """No download with this id."""


class AssetIncomplete(DownloadError):
    """The download is not complete."""


class Cancelled(DownloadError):
    """The caller cancelled the download."""


class LicenceUnusable(DownloadError):
    """The offline licence does not allow playback now (or is damaged)."""


class TitleExpired(LicenceUnusable):
    """The rental or the playback window ended: the content keys are destroyed."""


class PlaybackLocked(LicenceUnusable):
    """The device clock went back beyond tolerance: locked until an online renewal."""
