"""One TLS context per process.

Building an ``ssl.SSLContext`` with the CA bundle costs 15–50 ms of CPU; an ``httpx.AsyncClient``
built without one pays that every time, on the event loop. The engine builds it once (off the loop,
while the backend answers the playback grant) and hands it to every client.
"""
from __future__ import annotations

import functools
import ssl

import certifi


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The verifying client context (certifi's CA bundle, as httpx uses by default)."""
    return ssl.create_default_context(cafile=certifi.where())
