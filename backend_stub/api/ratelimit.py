"""Login throttling: too many failures in a window → 429 (issue 2; made atomic in issue 16).

Only failures count, so a user who types the password right is never slowed down. Two limits:

* per (account, address): ``max_failures`` failures lock that account *from that address* (an
  attacker elsewhere cannot lock the real user out of their own address);
* per address over all accounts: ``max_address_failures`` failures stop password spraying.

Atomic: :meth:`LoginRateLimiter.reserve` checks *and* records a failure under one lock before the
password is verified; a right password then withdraws it (:meth:`succeeded`), an aborted check gives
it back (:meth:`release`). So 60 concurrent guesses get at most ``max_failures`` verifications, not 60.
State is in memory (one backend process).
"""
from __future__ import annotations

import threading
from collections import deque

from backend_stub.api.errors import RateLimited


class LoginRateLimiter:
    def __init__(self, *, max_failures: int, window_s: float, max_address_failures: int = 20) -> None:
        self._max = max_failures
        self._max_address = max_address_failures
        self._window = window_s
        self._failures: dict[tuple[str, ...], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, ...], now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and q[0] <= now - self._window:
            q.popleft()
        return q

    def reserve(self, account: str, address: str, *, now: float) -> float:
        """Count this attempt as a failure up front, or raise :class:`RateLimited`; returns the mark."""
        with self._lock:
            pair, whole = self._recent((account, address), now), self._recent((address,), now)
            for q, limit, what in ((pair, self._max, "failed logins"),
                                   (whole, self._max_address, "failed logins from your address")):
                if len(q) >= limit:
                    raise RateLimited(f"too many {what}; try again later", retry_after_s=q[0] + self._window - now)
            pair.append(now)
            whole.append(now)
            return now

    def release(self, account: str, address: str, mark: float) -> None:
        """Withdraw a reservation whose password was never checked (the server was busy)."""
        with self._lock:
            for key in ((account, address), (address,)):
                q = self._failures.get(key)
                if q is not None and mark in q:
                    q.remove(mark)

    def succeeded(self, account: str, address: str, mark: float) -> None:
        """The right password: forget this pair's failures and the reservation's address mark."""
        with self._lock:
            self._failures.pop((account, address), None)
            q = self._failures.get((address,))
            if q is not None and mark in q:
                q.remove(mark)
