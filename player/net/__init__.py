"""Networking for the engine: URI policy, HTTP transport with stall detection, CDN pool, CMCD.

Public face (import from here)::

    pool = CdnPool(origins, transport, clock, *, retry=None, health=None, stall=None, force_cdn=None,
                   cmcd_mode=CmcdMode.QUERY, session_id=None, content_id=None, log=None)
    await pool.fetch_segment(urls, *, byte_range=None, kind=RequestKind.SEGMENT, cmcd=None,
                             bitrate_bps=None, duration_s=None, confine=False, on_progress=None,
                             limits=None, check=None) -> Delivery   # limits: MANIFEST_LIMITS / INIT_LIMITS,
                                 # else segment_cap; check(body) raising CorruptSegment: player.net.integrity
    await pool.fetch_ref(segment_ref, **same keywords) -> Delivery
    await pool.fetch(url, byte_range=None) -> bytes      # player.manifest.loader.Fetch
    pool.failovers, pool.records, pool.preferred, pool.snapshot(), await pool.probe_benched(), await pool.aclose()
    HttpTransport(*, clock=None, max_redirects=5, http2=True).fetch(SegmentRequest) -> FetchResult
    check_uri(uri, *, allow_data=False, origin=None), check_redirect, resolve, redact(url)
    player.net.cmcd: CmcdData, encode, add_to_url, to_headers, decode
    player.net.testing: HandlerTransport, files_handler, check_transport
"""
from player.net.cdn_health import HealthPolicy
from player.net.cdn_pool import CdnPool
from player.net.clock import Clock, ManualClock, MonotonicClock
from player.net.cmcd import CmcdData, CmcdMode, ObjectType
from player.net.errors import (
    AllCdnsFailed,
    BodyTooLarge,
    ConnectFailed,
    CorruptSegment,
    DeadlineExceeded,
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
from player.net.pool_types import Delivery, RetryPolicy
from player.net.redact import redact
from player.net.request import (
    INIT_LIMITS,
    MANIFEST_LIMITS,
    ByteRange,
    DataCallback,
    FetchLimits,
    FetchResult,
    ProgressCallback,
    RequestKind,
    RequestLog,
    RequestRecord,
    SegmentRequest,
    StallPolicy,
    segment_cap,
)
from player.net.transport import HttpTransport, Transport
from player.net.uri_policy import check_redirect, check_uri, resolve

__all__ = [
    "INIT_LIMITS", "MANIFEST_LIMITS", "BodyTooLarge", "CorruptSegment", "DeadlineExceeded", "FetchLimits", "segment_cap",
    "AllCdnsFailed", "ByteRange", "CdnPool", "Clock", "CmcdData", "CmcdMode", "ConnectFailed", "Delivery",
    "EscapesOrigin", "FetchError", "FetchResult", "HealthPolicy", "HttpStatusError", "HttpTransport",
    "ManualClock", "MissingHost", "MonotonicClock", "ObjectType", "PoolFailure", "ProgressCallback", "DataCallback", "RedirectError",
    "RefusedScheme", "RequestKind", "RequestLog", "RequestRecord", "RetryPolicy", "SegmentRequest",
    "StallDetected", "StallPolicy", "Transport", "TruncatedSegment", "UnsafeUriError", "check_redirect",
    "check_uri", "redact", "resolve",
]
