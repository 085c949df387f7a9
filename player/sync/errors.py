"""Errors of resume sync and telemetry delivery::

    PlayerError                      (player.errors)
    └── SyncError                    base of this package
        ├── OutboxError              the on-disk queue (SQLite) could not be read or written
        └── DeliveryError            the backend could not take an item now (network, 5xx, 401, 429): retry later
            └── RejectedItem         the backend refused an item for good (4xx): it is set aside, never resent

httpx and sqlite3 exceptions are wrapped into these and never leave the package.
"""
from __future__ import annotations

from player.errors import PlayerError


class SyncError(PlayerError):
    """Base of every resume-sync / telemetry error."""


class OutboxError(SyncError):
    """The durable queue failed (disk full, corrupt database...)."""


class DeliveryError(SyncError):
    """A transient failure to deliver: the item stays queued and is retried with back-off."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RejectedItem(DeliveryError):
    """The backend refused the item (e.g. 404 unknown title, 422): retrying cannot help."""
