"""What each edge request did, kept in memory for tests and the admin summary, and logged as JSON.

Other engineers compare a player's QoE report (per-segment ``bytes``) with these records, so
``bytes_sent`` counts body bytes the kernel actually accepted — after a dropped or stalled connection it
is the truncated length, not the Content-Length. Paths are stored with the token redacted
(:func:`backend_stub.edge.signing.redact_path`): signed grants never reach a log.
"""
from __future__ import annotations

import json
import logging
from collections import Counter, deque
from dataclasses import asdict, dataclass
from typing import Any

logger = logging.getLogger("backend_stub.edge.access")
DEFAULT_CAPACITY = 10_000


@dataclass(frozen=True, kw_only=True)
class EdgeRequest:
    """One request as the edge saw and answered it."""

    edge: str  # the edge's URL, so logs of several edges can be told apart
    method: str
    path: str  # token redacted, query dropped
    status: int
    range: str | None  # the Range header as received
    bytes_sent: int  # body bytes written to the socket (headers excluded)
    started: float  # epoch seconds (injected clock) when the request was parsed
    duration_s: float  # until the last byte was written, the stall began, or the connection broke
    faults: tuple[str, ...] = ()  # e.g. ("latency", "rate"), ("error",), ("stall",), ("drop",)

    @property
    def fault(self) -> str | None:
        """The faults joined with "+" (for one-line logs), or None for a clean request."""
        return "+".join(self.faults) or None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (faults as a list)."""
        out = asdict(self)
        out["faults"] = list(self.faults)
        return out


class AccessLog:
    """A bounded list of recent :class:`EdgeRequest` records plus a one-line JSON log per request."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._records: deque[EdgeRequest] = deque(maxlen=capacity)

    def add(self, record: EdgeRequest) -> None:
        """Keep ``record`` and log it (at INFO on ``backend_stub.edge.access``)."""
        self._records.append(record)
        if logger.isEnabledFor(logging.INFO):
            logger.info(json.dumps(record.to_json(), separators=(",", ":")))

    def records(self) -> list[EdgeRequest]:
        """A snapshot, oldest first."""
        return list(self._records)

    def clear(self) -> None:
        """Forget every record (tests reset between phases)."""
        self._records.clear()

    def summary(self) -> dict[str, Any]:
        """Counts for the admin listing: requests, body bytes, statuses, faults applied."""
        records = list(self._records)
        return {
            "requests": len(records),
            "bytes_sent": sum(r.bytes_sent for r in records),
            "statuses": {str(k): v for k, v in sorted(Counter(r.status for r in records).items())},
            "faults": dict(sorted(Counter(f for r in records for f in r.faults).items())),
        }
