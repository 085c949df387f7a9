"""Delivers the outbox to the backend in queue order: ``PUT /progress/{id}`` and batched ``POST /telemetry``.

Order: the head of the queue decides. A progress item is sent alone (its answer may be ``applied:
false`` — the conflict rule refused it, which is a delivery, not a failure); a run of telemetry items
goes as one batch of up to ``batch_size``. An item leaves the queue only once acknowledged, so a crash
between sending and deleting resends it, and the backend drops the duplicate by ``event_id``
(at-least-once). Network errors, 5xx, 408, 429 and 401 (after one token refresh) are transient: the
items stay and the next attempt waits per :class:`~player.sync.backoff.Backoff`. Other 4xx answers
are final: the items move to ``rejected`` so one bad item cannot block the queue forever.

The ``age_s`` of a progress update is computed here, at send time, from the wall clock that made it
(``now - made_at``; both readings from this device, so clock skew against the server cancels out).
"""
from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

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
        api_url: str,
        token: Callable[[], str | None],
        refresh: Callable[[], Awaitable[None]] | None = None,
        wall: Callable[[], float],
        backoff: Backoff = Backoff(),
        rng: random.Random | None = None,
        batch_size: int = 100,
        idle_s: float = 5.0,
        timeout_s: float = 5.0,
    ) -> None:
        self.outbox = outbox
        self.api_url = api_url.rstrip("/")
        self._token = token
        self._refresh = refresh
        self._wall = wall
        self.backoff = backoff
        self._rng = rng or random.Random()
        self.batch_size = batch_size
        self.idle_s = idle_s
        self._client = httpx.AsyncClient(timeout=timeout_s, trust_env=False)
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
        for attempt in (0, 1):
            token = self._token_or_none()
            if token is None and auth_required:
                raise DeliveryError("not signed in yet")
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            try:
                response = await self._client.request(method, f"{self.api_url}/api/v1{path}", json=body,
                                                      headers=headers)
            except httpx.HTTPError as exc:
                raise DeliveryError(f"backend unreachable: {type(exc).__name__}") from None
            if response.status_code == 401 and attempt == 0 and self._refresh is not None:
                try:
                    await self._refresh()
                except Exception as exc:  # noqa: BLE001 - the client's refresh errors are its own
                    raise DeliveryError(f"token refresh failed: {type(exc).__name__}", status=401) from None
                continue
            if response.status_code >= 500 or response.status_code in TRANSIENT_STATUS:
                raise DeliveryError(f"{method} {path}: HTTP {response.status_code}", status=response.status_code)
            if response.status_code >= 400:
                raise RejectedItem(f"{method} {path}: HTTP {response.status_code} {_code(response)}",
                                   status=response.status_code)
            try:
                return response.json()
            except ValueError:
                return None
        raise DeliveryError("unauthorised after refresh", status=401)

    def _token_or_none(self) -> str | None:
        try:
            return self._token()
        except Exception:  # noqa: BLE001 - "not signed in" from any client
            return None

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
                await asyncio.sleep(wait)
                continue
            try:
                await asyncio.wait_for(self._kick.wait(), timeout=wait)
            except asyncio.TimeoutError:
                pass

    async def aclose(self) -> None:
        await self._client.aclose()


def _code(response: httpx.Response) -> str:
    try:
        body = response.json()
        return str(body.get("code") or "")
    except (ValueError, AttributeError):
        return ""
