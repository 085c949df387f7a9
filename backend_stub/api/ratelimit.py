"""Login throttling per (account, client address): too many failures in a window → 429.

Only failures count, so a user who types the password right is never slowed down; once
``max_failures`` failures fall inside the sliding window every attempt (right or wrong) is refused
until the oldest failure ages out. Keyed by account *and* address so an attacker elsewhere cannot lock
the real user out from their own address. State is in memory (one backend process).
"""
from __future__ import annotations

import threading
from collections import deque

from backend_stub.api.errors import RateLimited


class LoginRateLimiter:
    def __init__(self, *, max_failures: int, window_s: float) -> None:
        self._max = max_failures
        self._window = window_s
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and q[0] <= now - self._window:
            q.popleft()
        return q

    def check(self, account: str, address: str, *, now: float) -> None:
        """Raise :class:`RateLimited` when this pair must wait."""
        with self._lock:
            q = self._recent((account, address), now)
            if len(q) >= self._max:
                raise RateLimited("too many failed logins; try again later", retry_after_s=q[0] + self._window - now)

    def failed(self, account: str, address: str, *, now: float) -> None:
        with self._lock:
            self._recent((account, address), now).append(now)

    def succeeded(self, account: str, address: str) -> None:
        with self._lock:
            self._failures.pop((account, address), None)
