"""CDN edges for the backend stub: signed-path segment servers with run-time fault injection.

Public face: :class:`EdgeServer`, :class:`FaultConfig` (+ :class:`TracePeriod`, :func:`load_trace`),
:class:`EdgeRequest`, the signing helpers, and the :class:`EdgeError` tree (``errors.py``).
"""
from backend_stub.edge.access_log import EdgeRequest
from backend_stub.edge.errors import EdgeError, EdgeStateError, FaultConfigError, TraceError
from backend_stub.edge.faults import FaultConfig, TracePeriod, load_trace
from backend_stub.edge.server import EdgeServer
from backend_stub.edge.signing import sign_token, signed_url, verify_token

__all__ = [
    "EdgeError", "EdgeRequest", "EdgeServer", "EdgeStateError", "FaultConfig", "FaultConfigError",
    "TraceError", "TracePeriod", "load_trace", "sign_token", "signed_url", "verify_token",
]
