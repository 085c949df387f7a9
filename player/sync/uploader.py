"""Delivers the outbox to the backend in queue order: ``PUT /progress/{id}`` and batched ``POST /telemetry``.

Order: the head of the queue decides. A progress item is sent alone (its answer may be ``applied:
false`` — the conflict rule refused it, which is a delivery, not a failure); a run of telemetry items
goes as one batch of up to ``batch_size``. An item leaves the queue only once acknowledged, so a crash
between sending and deleting resends it, and the backend drops the duplicate by ``event_id``
(at-least-once). Requests go through the one :class:`~player.backend.BackendClient` (its token refresh
and TLS). Network errors, 5xx, 408, 429 and 401 (after the client's one refresh) are transient: the
items stay and the next attempt waits per :class:`~player.sync.backoff.Backoff`. Other 4xx answers
are final: the items move to ``rejected`` so one bad item cannot block the queue forever.

The ``age_s`` of a progress update is computed here, at send time, from the wall clock that made it
(``now - made_at``; both readings from this device, so clock skew against the server cancels out).
"""
from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from typing import Any

from player.backend import BackendClient, BackendRefused, BadResponse, BackendUnreachable
from player.net.clock import Clock, MonotonicClock, done_within
from player.sync.backoff import Backoff
from player.sync.errors import DeliveryError, RejectedItem
from player.sync.outbox import PROGRESS, TELEMETRY, Outbox, OutboxItem

log = logging.getLogger(__name__)
TRANSIENT_STATUS = frozenset({401, 408, 425, 429})


class Uploader:
    """One per process and queue file; ``run()`` as a task, ``kick()`` when something new is queued."""

    def __init__(
        self,
        outbox: Outbox,
        *,
        backend: BackendClient,
        wall: Callable[[], float],
        backoff: Backoff = Backoff(),
        rng: random.Random | None = None,
        batch_size: int = 100,
        idle_s: float = 5.0,
        clock: Clock | None = None,
    ) -> None:
        """``clock``: what back-off and the idle wait sleep on (the session's, so tests can use ManualClock)."""
        self.outbox = outbox
        self._clock: Clock = clock or MonotonicClock()
        self.backend = backend
        self._wall = wall
        self.backoff = backoff
        self._rng = rng or random.Random()
        self.batch_size = batch_size
        self.idle_s = idle_s
        self._kick = asyncio.Event()
        self._draining = asyncio.Lock()  # one drain at a time: flush() and run() must not send an item twice
        self.sent_progress = 0
        self.sent_events = 0
        self.failures = 0
        self.progress_answers: list[dict[str, Any]] = []

    def kick(self) -> None:
        self._kick.set()

    # -- one item / batch ---------------------------------------------------------------------

    async def _send(self, method: str, path: str, body: Any, *, auth_required: bool) -> Any:
        if auth_required and not self.backend.signed_in:
            raise DeliveryError("not signed in yet")
        try:
            return await self.backend.request(method, path, json=body, signed_in=self.backend.signed_in)
        except BackendUnreachable as exc:
            raise DeliveryError(str(exc)) from None
        except BadResponse:
            return None  # acknowledged (2xx); only the answer's details are unreadable
        except BackendRefused as exc:
            if exc.status is None or exc.status >= 500 or exc.status in TRANSIENT_STATUS:
                raise DeliveryError(str(exc), status=exc.status) from None
            raise RejectedItem(f"{exc} {exc.code or ''}".strip(), status=exc.status) from None

    async def _deliver_progress(self, item: OutboxItem) -> None:
        body = dict(item.body)
        body["age_s"] = round(max(0.0, self._wall() - item.made_at), 3)
        answer = await self._send("PUT", f"/progress/{item.title_id}", body, auth_required=True)
        if isinstance(answer, dict):
            self.progress_answers.append(answer)
        self.sent_progress += 1

    async def _deliver_events(self, items: list[OutboxItem]) -> None:
        await self._send("POST", "/telemetry", {"events": [i.body for i in items]}, auth_required=False)
        self.sent_events += len(items)

    # -- draining -------------------------------------------------------------------------------

    async def deliver_pending(self) -> int:
        """Send everything queued, in order; returns how many items left the queue. Raises DeliveryError."""
        async with self._draining:
            return await self._drain()

    async def _drain(self) -> int:
        done = 0
        while True:
            head = await asyncio.to_thread(self.outbox.head, self.batch_size)
            if not head:
                return done
            if head[0].kind == PROGRESS:
                chunk = head[:1]
            else:
                chunk = []
                for it in head:
                    if it.kind != TELEMETRY:
                        break
                    chunk.append(it)
            ids = [i.id for i in chunk]
            try:
                if chunk[0].kind == PROGRESS:
                    await self._deliver_progress(chunk[0])
                else:
                    await self._deliver_events(chunk)
            except RejectedItem as exc:
                log.warning("sync: %d item(s) refused for good: %s", len(chunk), exc)
                await asyncio.to_thread(self.outbox.reject, chunk, str(exc))
            except DeliveryError:
                await asyncio.to_thread(self.outbox.failed, ids)
                raise
            else:
                await asyncio.to_thread(self.outbox.delivered, ids)
            done += len(chunk)

    async def run(self) -> None:
        """Deliver whenever kicked or every ``idle_s``; back off after failures."""
        attempt = 0
        while True:
            wait = self.idle_s
            self._kick.clear()  # before draining: a kick during the drain triggers another round
            try:
                await self.deliver_pending()
                attempt = 0
            except DeliveryError as exc:
                self.failures += 1
                wait = self.backoff.delay(attempt, self._rng)
                attempt += 1
                log.info("sync: delivery failed (%s); retry in %.2f s", exc, wait)
            if attempt:  # backing off: new items do not cut the wait short
                await self._clock.sleep(wait)
                continue
            await done_within(self._clock, self._kick.wait(), wait)
