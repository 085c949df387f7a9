"""The server's clock on the engine's monotonic clock (ISO/IEC 23009-1 §5.8.5.7 UTCTiming; RFC 9110 §6.6.1 Date).

Live availability and latency are wall-clock questions, but the client's wall clock may be off by
minutes (a TV box without NTP). So we never read it: one request to a time source gives the server's
time ``T`` between our monotonic ``sent`` and ``received``; ``offset = T − (sent + received) / 2`` maps
any later monotonic reading onto the server's clock. A ``Date`` header only has whole seconds, so half
a second is added (its value is the floor of the true time) and the error is up to ±0.5 s + RTT/2.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from player.errors import PlayerError

ISO_SCHEMES = frozenset({
    "urn:mpeg:dash:utc:http-iso:2014", "urn:mpeg:dash:utc:http-xsdate:2014",
    "urn:mpeg:dash:utc:http-iso:2012", "urn:mpeg:dash:utc:http-xsdate:2012",
})
DIRECT_SCHEMES = frozenset({"urn:mpeg:dash:utc:direct:2014", "urn:mpeg:dash:utc:direct:2012"})


class ClockSyncError(PlayerError):
    """No usable server time: an unparsable time string or a missing ``Date`` header."""


@dataclass(frozen=True, kw_only=True)
class ServerClock:
    """``epoch(mono)``: the server's epoch seconds at the engine clock's reading ``mono``."""

    offset_s: float
    source: str  # "utc-timing", "date-header", "direct"
    uncertainty_s: float

    def epoch(self, mono: float) -> float:
        return mono + self.offset_s


def parse_iso(text: str) -> float:
    """Epoch seconds of an xs:dateTime / ISO 8601 instant (``Z`` or an offset; naive means UTC)."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ClockSyncError(f"not an ISO 8601 time: {text.strip()[:40]!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def parse_http_date(text: str | None) -> float:
    """Epoch seconds of an IMF-fixdate ``Date`` header."""
    if not text:
        raise ClockSyncError("the response has no Date header")
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        raise ClockSyncError(f"not an HTTP date: {text[:40]!r}") from None


def from_sample(server_epoch: float, sent: float, received: float, *, source: str, resolution_s: float = 0.0) -> ServerClock:
    """The clock from one exchange: ``server_epoch`` was read between monotonic ``sent`` and ``received``."""
    if received < sent:
        raise ClockSyncError("the answer came before the request")
    mid = (sent + received) / 2
    return ServerClock(offset_s=server_epoch + resolution_s / 2 - mid, source=source,
                       uncertainty_s=(received - sent) / 2 + resolution_s / 2)


def from_date_header(date: str | None, sent: float, received: float) -> ServerClock:
    """The fallback every HTTP answer carries: 1 s resolution."""
    return from_sample(parse_http_date(date), sent, received, source="date-header", resolution_s=1.0)


def from_utc_timing_body(body: str, sent: float, received: float) -> ServerClock:
    return from_sample(parse_iso(body), sent, received, source="utc-timing")


def from_direct(value: str, fetched_at: float) -> ServerClock:
    """``urn:mpeg:dash:utc:direct``: the time is in the MPD, as of when we received it."""
    return from_sample(parse_iso(value), fetched_at, fetched_at, source="direct")
