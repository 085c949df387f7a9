"""The CDN pool: every base URL of a title behind one ``fetch``, with health, retries and failover.

DESIGN.md ("CDN pool"): several base URLs per title (the backend's per-edge manifests, DASH
``BaseURL``s, HLS redundant variants); each has a health score from recent errors and throughput; a
failed or stalled request moves to the next CDN *without dropping the segment* (same object, same
byte range); a failed CDN is benched and probed again after an exponential back-off.

One request runs in rounds: each round tries every usable CDN once, best first (``cdn_health.rank``);
rounds are separated by a back-off sleep on the injected clock. A CDN that fails is benched; while
some CDN is healthy, benched ones are skipped; when all are benched they are tried anyway (a last
resort beats giving up). A permanent 4xx (403/404/410), a TLS certificate that fails verification, or
redirects that lead nowhere (a loop, a 3xx without a Location), moves on without benching and is not
retried on that CDN. ``force_cdn`` pins every request to one CDN for QA: no failover, the error surfaces.

Each attempt becomes a ``RequestRecord`` (redacted URL) in the shared ``RequestLog``; an attempt
followed by one on another CDN carries ``failover_to`` and counts as a failover. An attempt the caller
cancels (an abandoned segment, a seek, the session's end) is recorded as ``aborted`` with the bytes it
had received, and says nothing about the CDN: no health change, no failover. ``on_progress`` follows each attempt's body as it arrives; a new attempt (retry or
failover) counts its bytes from 0 again.
"""
from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Sequence

from player.net.cdn_health import CdnHealth, HealthPolicy, rank
from player.net.cdn_map import CdnMap
from player.net.clock import Clock
from player.net.cmcd import CmcdData, CmcdMode, add_to_url, to_headers
from player.net.errors import (EscapesOrigin, FetchError, HttpStatusError, PoolFailure, RedirectError, UnsafeUriError,
                               UntrustedCertificate)
from player.net.pool_types import AttemptProgress, Delivery, FailedAttempt, RetryPolicy
from player.net.redact import redact
from player.manifest.model import Fetched
from player.net.request import (MANIFEST_LIMITS, ByteRange, DataCallback, FetchLimits, FetchResult, ProgressCallback,
                                RequestKind, RequestLog, RequestRecord, SegmentRequest, StallPolicy, bounded)
from player.net.transport import Transport
from player.net.uri_policy import check_uri

logger = logging.getLogger("player.net.pool")


class CdnPool:
    """Fetch objects of one title from the best of its CDNs.

    ``origins``: one URL per CDN for the same title, normally the backend's per-edge manifest URLs
    (CDN index = position in this list; more CDNs are added as unknown hosts appear in requests).
    """

    def __init__(
        self,
        origins: Sequence[str],
        transport: Transport,
        clock: Clock,
        *,
        retry: RetryPolicy | None = None,
        health: HealthPolicy | None = None,
        stall: StallPolicy | None = None,
        force_cdn: int | None = None,
        cmcd_mode: CmcdMode = CmcdMode.QUERY,
        session_id: str | None = None,
        content_id: str | None = None,
        log: RequestLog | None = None,
    ) -> None:
        for url in origins:
            check_uri(url)
        self.map = CdnMap(list(origins))
        self.transport = transport
        self.clock = clock
        self.retry = retry or RetryPolicy()
        self.health_policy = health or HealthPolicy()
        self.stall = stall or StallPolicy()
        if force_cdn is not None and not 0 <= force_cdn < max(len(origins), 1):
            raise ValueError(f"force_cdn={force_cdn} but the pool has {len(origins)} CDNs")
        self.force_cdn = force_cdn
        self.cmcd_mode = cmcd_mode
        self.session_id = session_id
        self.content_id = content_id
        self.log = log or RequestLog()
        # grows with every body chunk and every ended attempt of a request for media (segments, inits, keys; not
        # manifests, which a live follower reloads however stuck the play is): the session's progress watch
        self.media_heard = 0
        self._health: list[CdnHealth] = [CdnHealth(i, self.health_policy) for i in range(len(origins))]
        self._preferred = 0
        self._probes: dict[int, asyncio.Task[None]] = {}

    # --- public ------------------------------------------------------------------------------
    @property
    def records(self) -> list[RequestRecord]:
        return self.log.records

    @property
    def failovers(self) -> int:
        return self.log.failovers

    @property
    def preferred(self) -> int:
        """The CDN the next request goes to first."""
        if self.force_cdn is not None:
            return self.force_cdn
        self._preferred, _ = rank(self._health, self._preferred, self.clock.now(), self.health_policy)
        return self._preferred

    def health(self, cdn: int) -> CdnHealth:
        return self._health[cdn]

    def snapshot(self) -> list[dict[str, object]]:
        """Per-CDN health for the QA log / UI (prefixes redacted)."""
        now = self.clock.now()
        return [{**h.snapshot(now), "base": redact(self.map.bases[h.index].prefix)} for h in self._health]

    def alternatives(self, url: str) -> dict[int, str]:
        """CDN index → the same object's URL on that CDN (unknown hosts become new CDNs)."""
        cands = self.map.candidates([url])
        self._grow()
        return cands

    async def fetch(self, url: str, byte_range: ByteRange | tuple[int, int] | None = None) -> bytes:
        """Adapter for the manifest loader (``player.manifest.loader.Fetch``): the bytes of ``url``.

        ``byte_range``: ``ByteRange(start, length)`` or a ``(start, length)`` tuple."""
        delivery = await self.fetch_segment(
            url, byte_range=None if byte_range is None else ByteRange(*byte_range), kind=RequestKind.MANIFEST,
            limits=MANIFEST_LIMITS,
        )
        return Fetched(delivery.body, delivery.result.url)  # relative URIs resolve from where it came

    async def fetch_ref(self, ref: Any, **kwargs: Any) -> Delivery:
        """Fetch a manifest-model ``SegmentRef`` (duck-typed: ``urls`` and optional ``byte_range``)."""
        return await self.fetch_segment(list(ref.urls), byte_range=getattr(ref, "byte_range", None), **kwargs)

    async def fetch_segment(
        self,
        urls: str | Sequence[str],
        *,
        byte_range: ByteRange | tuple[int, int] | None = None,
        kind: RequestKind = RequestKind.SEGMENT,
        cmcd: CmcdData | None = None,
        bitrate_bps: float | None = None,
        duration_s: float | None = None,
        confine: bool = False,
        on_progress: ProgressCallback | None = None,
        on_data: DataCallback | None = None,
        limits: FetchLimits | None = None,
        check: Callable[[bytes], None] | None = None,
    ) -> Delivery:
        """Fetch one object from the best CDN, failing over (same URL path, same range) as needed.

        ``urls``: the object's URL(s) — alternatives from the manifest on other hosts are allowed.
        ``bitrate_bps``/``duration_s`` set the stall floor; ``cmcd`` is sent on segment requests;
        ``confine`` (downloads) refuses URLs outside each CDN's title folder; ``on_progress(received,
        total)`` follows the body of the attempt in flight (see ``SegmentRequest.on_progress``).
        Bodies are bounded by ``limits`` (manifests, inits, keys), else by ``segment_cap``: a longer one
        fails over like any CDN fault, as does a body ``check`` refuses (``integrity.py``).
        Raises ``UnsafeUriError`` at once for a hostile URL, ``PoolFailure`` (an ``AllCdnsFailed``)
        when every CDN failed, or — when pinned — the pinned CDN's own ``FetchError``.
        """
        url_list = [urls] if isinstance(urls, str) else list(urls)
        if byte_range is not None and not isinstance(byte_range, ByteRange):
            byte_range = ByteRange(*byte_range)
        if not url_list:
            raise ValueError("fetch_segment needs at least one URL")
        for url in url_list:
            check_uri(url)
            if confine:
                self._check_confined(url)
        cands = self.map.candidates(url_list)
        self._grow()
        if confine:
            cands = {i: u for i, u in cands.items() if self.map.bases[i].mappable}

        stall, max_bytes, deadline = bounded(self.stall, limits, bitrate_bps, duration_s)

        def make(cdn: int, url: str) -> SegmentRequest:
            headers: tuple[tuple[str, str], ...] = ()
            if kind == RequestKind.SEGMENT and self.cmcd_mode != CmcdMode.OFF:
                data = (cmcd or CmcdData()).with_session(session_id=self.session_id, content_id=self.content_id)
                if self.cmcd_mode == CmcdMode.QUERY:
                    url = add_to_url(url, data)
                else:
                    headers = tuple(to_headers(data).items())
            return SegmentRequest(
                url=url, byte_range=byte_range, stall=stall, bitrate_bps=bitrate_bps, duration_s=duration_s,
                headers=headers, origin=self.map.bases[cdn].probe_url if confine else None,
                max_bytes=max_bytes, deadline_s=deadline, on_progress=on_progress, on_data=on_data,
            )

        return await self._run(cands, make, kind, url_list[0], check)

    async def probe_benched(self) -> None:
        """Start the probes that are due and wait for every probe in flight (scheduler idle time, tests)."""
        self._start_due_probes()
        if self._probes:
            await asyncio.gather(*self._probes.values(), return_exceptions=True)

    async def aclose(self) -> None:
        """Cancel probes in flight (the transport belongs to the caller)."""
        for task in self._probes.values():
            task.cancel()
        if self._probes:
            await asyncio.gather(*self._probes.values(), return_exceptions=True)
        self._probes.clear()

    # --- internals -------------------------------------------------------------------------------
    def _grow(self) -> None:
        while len(self._health) < len(self.map):
            self._health.append(CdnHealth(len(self._health), self.health_policy))

    def _heard(self) -> None:
        self.media_heard += 1

    def _check_confined(self, url: str) -> None:
        cdn = self.map.cdn_of(url)
        if cdn is None or not self.map.bases[cdn].mappable:
            raise EscapesOrigin(f"refused {redact(url)!r}: not under any of the title's origins")
        check_uri(url, origin=self.map.bases[cdn].probe_url)

    def _order(self, cands: dict[int, str]) -> list[int]:
        if self.force_cdn is not None:
            return [self.force_cdn] if self.force_cdn in cands else []
        self._preferred, order = rank(self._health, self._preferred, self.clock.now(), self.health_policy)
        return [i for i in order if i in cands]

    async def _run(self, cands: dict[int, str], make: Any, kind: RequestKind, label: str,
                   check: Callable[[bytes], None] | None) -> Delivery:
        self._start_due_probes()
        errors: list[tuple[int, FetchError]] = []
        done_with: set[int] = set()  # CDNs that answered a permanent 4xx for this object
        pending: FailedAttempt | None = None
        failovers = 0
        attempts = 0
        for round_ in range(self.retry.max_rounds):
            order = [i for i in self._order(cands) if i not in done_with]
            if not order:
                break
            if round_:
                try:
                    await self.clock.sleep(self.retry.backoff(round_))
                except asyncio.CancelledError:
                    if pending is not None:
                        self._emit(pending, None)
                    raise
                order = [i for i in self._order(cands) if i not in done_with]
            now = self.clock.now()
            healthy = [i for i in order if not self._health[i].is_benched(now)]
            for cdn in healthy or order:
                if pending is not None:
                    moved = pending.cdn != cdn
                    failovers += moved
                    self._emit(pending, cdn if moved else None)
                    pending = None
                request = make(cdn, cands[cdn])
                media = kind != RequestKind.MANIFEST
                attempt = AttemptProgress(request.on_progress, self._heard if media else None)
                request = replace(request, on_progress=attempt)
                started = self.clock.now()
                try:
                    result = await self.transport.fetch(request)
                    if check is not None:
                        check(result.body)
                except asyncio.CancelledError as cancel:  # the caller gave up on it: the CDN did nothing wrong
                    why = str(cancel.args[0]) if cancel.args and cancel.args[0] else "cancelled"
                    fields = self._fields(kind, cdn, request.url, None, attempts, started)
                    self.log.add(RequestRecord(**{**fields, "bytes": attempt.received, "aborted": True,
                                                  "error": f"Aborted: {why} after {attempt.received} bytes"}))
                    raise
                except UnsafeUriError as err:  # e.g. a redirect to file: — hostile, not a CDN outage
                    self._record(kind, cdn, request.url, None, attempts, started, error=err)
                    raise
                except FetchError as err:
                    errors.append((cdn, err))
                    # a certificate that failed verification, or a redirect loop, fails the same way on a retry
                    permanent = (isinstance(err, (UntrustedCertificate, RedirectError))
                                 or (isinstance(err, HttpStatusError) and err.permanent))
                    if permanent:
                        done_with.add(cdn)
                        self._health[cdn].error_rate.add(1.0)
                    else:
                        self._health[cdn].failure(self.clock.now())
                    status = err.status if isinstance(err, HttpStatusError) else None
                    pending = FailedAttempt(cdn, self._fields(kind, cdn, request.url, status, attempts, started, error=err))
                    attempts += 1
                    continue
                finally:
                    if media:
                        self._heard()
                if kind == RequestKind.SEGMENT:
                    self._health[cdn].success(self.clock.now(), bytes_=result.bytes, duration_s=result.duration_s)
                else:
                    self._health[cdn].consecutive_failures = 0
                self._record(kind, cdn, request.url, result.status, attempts, started, result=result)
                return Delivery(result=result, cdn=cdn, attempts=attempts + 1, failovers=failovers)
        if pending is not None:
            self._emit(pending, None)
        if self.force_cdn is not None and errors:
            raise errors[-1][1]
        if not errors:
            raise PoolFailure(f"no CDN can serve {redact(label)} (pool of {len(self.map)})", attempts=[])
        reasons = "; ".join(f"cdn{cdn}: {type(err).__name__}: {err}" for cdn, err in errors[-len(self._health):])
        raise PoolFailure(
            f"all {len(cands)} CDNs failed for {kind.value} {redact(label)} after {attempts} attempts — {reasons}",
            attempts=errors,
        )

    def _fields(self, kind: RequestKind, cdn: int, url: str, status: int | None, retries: int, started: float,
                *, result: FetchResult | None = None, error: Exception | None = None) -> dict[str, Any]:
        return {
            "kind": kind, "cdn": cdn, "url": redact(url), "status": status,
            "bytes": result.bytes if result else getattr(error, "received", 0),
            "ttfb_s": result.ttfb_s if result else None,
            "duration_s": result.duration_s if result else getattr(error, "elapsed_s", self.clock.now() - started),
            "retries": retries, "error": None if error is None else f"{type(error).__name__}: {error}",
            "at_s": started,
        }

    def _record(self, kind: RequestKind, cdn: int, url: str, status: int | None, retries: int, started: float,
                **kw: Any) -> None:
        self.log.add(RequestRecord(**self._fields(kind, cdn, url, status, retries, started, **kw)))

    def _emit(self, failed: FailedAttempt, failover_to: int | None) -> None:
        record = RequestRecord(**failed.record, failover_to=failover_to)
        moved = "" if failover_to is None else f"; failing over to cdn{failover_to}"
        logger.info("cdn%d failed (%s) for %s%s", record.cdn, record.error, record.url, moved)
        self.log.add(record)

    # --- probing benched CDNs ------------------------------------------------------------------
    def _start_due_probes(self) -> None:
        now = self.clock.now()
        for h in self._health:
            if h.probe_due(now) and h.index not in self._probes:
                h.start_probe()
                task = asyncio.get_running_loop().create_task(self._probe(h.index))
                self._probes[h.index] = task
                task.add_done_callback(functools.partial(self._probe_finished, h.index))

    def _probe_finished(self, cdn: int, _task: asyncio.Task[None]) -> None:
        self._probes.pop(cdn, None)

    async def _probe(self, cdn: int) -> None:
        url = self.map.bases[cdn].probe_url
        request = SegmentRequest(url=url, byte_range=ByteRange(0, self.retry.probe_bytes), stall=self.retry.probe_stall)
        started = self.clock.now()
        try:
            result = await self.transport.fetch(request)
        except FetchError as err:
            self._health[cdn].failure(self.clock.now())
            self._record(RequestKind.PROBE, cdn, url, getattr(err, "status", None), 0, started, error=err)
            return
        self._health[cdn].restore(self.clock.now())
        self._record(RequestKind.PROBE, cdn, url, result.status, 0, started, result=result)
