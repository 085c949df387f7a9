"""Values the CDN pool takes and gives: its retry policy, a successful delivery, attempt bookkeeping."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from player.net.request import FetchResult, ProgressCallback, StallPolicy


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """``max_rounds`` passes over the CDNs per request, ``backoff_base_s × 2^(round-1)`` apart."""

    max_rounds: int = 3
    backoff_base_s: float = 0.25
    backoff_max_s: float = 2.0
    probe_bytes: int = 1024
    probe_stall: StallPolicy = field(default_factory=lambda: StallPolicy(connect_s=2.0, read_s=2.0))

    def backoff(self, round_: int) -> float:
        return min(self.backoff_base_s * (2.0 ** max(0, round_ - 1)), self.backoff_max_s)


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """A successful pooled fetch: the transfer, the CDN that served it, and what it took."""

    result: FetchResult
    cdn: int
    attempts: int  # 1 when the first try succeeded
    failovers: int  # CDN changes during this request

    @property
    def body(self) -> bytes:
        return self.result.body

    @property
    def bytes(self) -> int:
        return self.result.bytes

    @property
    def duration_s(self) -> float:
        return self.result.duration_s


class AttemptProgress:
    """One attempt's progress: the bytes it received so far (for the record of a cancelled attempt),
    relayed to the caller's ``on_progress``; ``heard()`` is told of each chunk (the pool's ``media_heard``)."""

    __slots__ = ("received", "_relay", "_heard")

    def __init__(self, relay: ProgressCallback | None, heard: Callable[[], None] | None = None) -> None:
        self.received = 0
        self._relay = relay
        self._heard = heard

    def __call__(self, received: int, total: int | None) -> None:
        self.received = received
        if self._heard is not None:
            self._heard()
        if self._relay is not None:
            self._relay(received, total)


@dataclass
class FailedAttempt:
    """A failed attempt whose record waits to learn where the request went next."""

    cdn: int
    record: dict[str, Any]
