"""CDN edges for the backend stub: signed-path segment servers with run-time fault injection (issue 2).

Usage on the app's event loop (what ``backend_stub/server.py`` does for ``--edges N``)::

    edge = EdgeServer(data_dir / "content", edge_secret)          # clock=time.time by default
    await edge.start()                                            # edge.port, edge.url now known
    url = signed_url(edge.url, edge_secret, title_id, "master.m3u8", expires=int(time.time()) + 3600)
    edge.set_faults(FaultConfig.from_json(body))                  # admin API; {} clears; FaultConfigError -> 4xx
    edge.requests                                                 # [EdgeRequest, ...], oldest first
    edge.summary()                                                # for GET /api/v1/admin/edges
    await edge.stop()

A request's record lands in ``edge.requests`` just after its last byte is written, so a client that
has read a response may briefly not see it yet: poll. ``set_faults`` may be called from any thread.

Public face: :class:`EdgeServer`, :class:`FaultConfig` (+ :class:`TracePeriod`, :func:`load_trace` for
shared/abr-traces files), :class:`EdgeRequest`, the signing helpers, and the :class:`EdgeError` tree.
"""
from backend_stub.edge.access_log import EdgeRequest
from backend_stub.edge.errors import EdgeError, EdgeStateError, FaultConfigError, TraceError
from backend_stub.edge.faults import FaultConfig, TracePeriod, load_trace
from backend_stub.edge.server import EdgeServer
from backend_stub.edge.signing import sign_token, signed_url

__all__ = [
    "EdgeError", "EdgeRequest", "EdgeServer", "EdgeStateError", "FaultConfig", "FaultConfigError",
    "TraceError", "TracePeriod", "load_trace", "sign_token", "signed_url",
]
