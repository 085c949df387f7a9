"""Networking for the engine: URI policy, HTTP transport with stall detection, CDN pool, CMCD.

Public face (import from here)::

    CdnPool(origins, transport, clock, *, retry, health, stall, force_cdn, cmcd_mode, session_id,
            content_id, log)
        await pool.fetch_segment(urls, *, byte_range, kind, cmcd, bitrate_bps, duration_s, confine) -> Delivery
        await pool.fetch_ref(segment_ref, **same) -> Delivery
        await pool.fetch(url, byte_range=None) -> bytes          # manifest loader adapter
    HttpTransport(*, clock, max_redirects, http2).fetch(SegmentRequest) -> FetchResult
    check_uri / check_redirect / resolve, redact, cmcd.encode / add_to_url / to_headers
"""
from player.net.cdn_health import HealthPolicy
from player.net.cdn_pool import CdnPool, Delivery, RetryPolicy
from player.net.clock import Clock, ManualClock, MonotonicClock
from player.net.cmcd import CmcdData, CmcdMode, ObjectType
from player.net.errors import (
    AllCdnsFailed,
    ConnectFailed,
    EscapesOrigin,
    FetchError,
    HttpStatusError,
    MissingHost,
    PoolFailure,
    RedirectError,
    RefusedScheme,
    StallDetected,
    TruncatedSegment,
    UnsafeUriError,
)
from player.net.redact import redact
from player.net.request import (
    ByteRange,
    FetchResult,
    RequestKind,
    RequestLog,
    RequestRecord,
    SegmentRequest,
    StallPolicy,
)
from player.net.transport import HttpTransport, Transport
from player.net.uri_policy import check_redirect, check_uri, resolve

__all__ = [
    "AllCdnsFailed", "ByteRange", "CdnPool", "Clock", "CmcdData", "CmcdMode", "ConnectFailed", "Delivery",
    "EscapesOrigin", "FetchError", "FetchResult", "HealthPolicy", "HttpStatusError", "HttpTransport",
    "ManualClock", "MissingHost", "MonotonicClock", "ObjectType", "PoolFailure", "RedirectError",
    "RefusedScheme", "RequestKind", "RequestLog", "RequestRecord", "RetryPolicy", "SegmentRequest",
    "StallDetected", "StallPolicy", "Transport", "TruncatedSegment", "UnsafeUriError", "check_redirect",
    "check_uri", "redact", "resolve",
]
