"""Measuring the server's clock over HTTP (the I/O half of :mod:`clock_sync`).

DASH names a time source (UTCTiming ``http-iso``/``http-xsdate``: one GET; ``direct``: in the MPD). HLS
names none, so we watch the ``Date`` header of HEAD requests tick: the first answer whose second differs
from the one before pins the server's second boundary to within the probe spacing plus half an RTT,
~50 ms instead of the header's 1 s. The probe runs outside the CDN pool, like the licence request.
"""
from __future__ import annotations

from collections.abc import Sequence

import httpx

from player.manifest.uris import resolve
from player.net.clock import Clock

from .clock_sync import DIRECT_SCHEMES, ISO_SCHEMES, ClockSyncError, ServerClock, from_direct, from_sample, \
    from_utc_timing_body, parse_http_date

TICK_SPACING_S = 0.05
TICK_LIMIT_S = 1.5


async def from_utc_timing(timings: Sequence[tuple[str, str]], base_url: str, client: httpx.AsyncClient,
                          clock: Clock) -> ServerClock | None:
    """The first usable UTCTiming source of an MPD; None when none works."""
    for scheme, value in timings:
        try:
            if scheme in DIRECT_SCHEMES:
                return from_direct(value, clock.now())
            if scheme in ISO_SCHEMES:
                sent = clock.now()
                r = await client.get(resolve(base_url, value), timeout=5)
                received = clock.now()
                if r.status_code == 200:
                    return from_utc_timing_body(r.text, sent, received)
        except (httpx.HTTPError, ClockSyncError):
            continue
    return None


async def from_date_ticks(url: str, client: httpx.AsyncClient, clock: Clock) -> ServerClock:
    """Watch the ``Date`` header of HEAD ``url`` change second; raises ClockSyncError without one."""
    first = await _head_date(url, client, clock)
    previous = first
    deadline = clock.now() + TICK_LIMIT_S
    while clock.now() < deadline:
        await clock.sleep(TICK_SPACING_S)
        sample = await _head_date(url, client, clock)
        if sample[0] != previous[0]:  # the server's clock crossed sample[0] between the two reads
            before, after = (previous[1] + previous[2]) / 2, (sample[1] + sample[2]) / 2
            return from_sample(sample[0], before, after, source="date-ticks")
        previous = sample
    return from_sample(first[0], first[1], first[2], source="date-header", resolution_s=1.0)


async def _head_date(url: str, client: httpx.AsyncClient, clock: Clock) -> tuple[float, float, float]:
    sent = clock.now()
    try:
        r = await client.head(url, timeout=5)
    except httpx.HTTPError as exc:
        raise ClockSyncError(f"clock probe failed: {type(exc).__name__}") from None
    return parse_http_date(r.headers.get("date")), sent, clock.now()
