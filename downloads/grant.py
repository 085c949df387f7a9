"""The grant a download (or its resume) runs under: fresh signed per-edge URLs, a CDN pool over them, the manifests.

Every start and resume asks the backend anew (the URLs of an interrupted download may have expired).
A download grant holds none of the plan's streams and its URLs outlive its session, which is ended as
soon as the manifests are in. Downloads go through the engine's own :class:`CdnPool` (failover, health).
"""
from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Iterable

from player.backend import BackendClient, BackendError
from player.errors import PlayerError
from player.manifest import ManifestError, Presentation, load_presentation_multi
from player.net import CdnPool, CmcdMode, HttpTransport, MonotonicClock, RetryPolicy, StallPolicy
from player.net.tls import tls_context

from downloads.errors import FetchFailed, PlanError

# A download is not real time: no throughput floor, but a silent socket still fails over.
DOWNLOAD_STALL = StallPolicy(connect_s=5.0, read_s=10.0, grace_s=1.0, floor_ratio=0.0, min_floor_bps=0.0)
DOWNLOAD_RETRY = RetryPolicy(max_rounds=5, backoff_base_s=0.25, backoff_max_s=4.0)


def tls_for(urls: Iterable[str]) -> ssl.SSLContext:
    """The verifying TLS context when any URL is https; otherwise a context that trusts no one.

    Loading the CA bundle costs 0.1–0.3 s of a command's start on a busy box, for nothing when the backend
    and its edges speak plain HTTP (as the bundled ones do). Should a plain-HTTP edge redirect to https,
    the empty context fails the handshake — a named fetch error, never an unverified connection."""
    if any(url.lower().startswith("https:") for url in urls):
        return tls_context()
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verify_mode CERT_REQUIRED, no CA loaded


@contextlib.asynccontextmanager
async def open_grant(backend: BackendClient, title_id: str, *, fmt: str, device_id: str
                     ) -> AsyncIterator[tuple[CdnPool, Presentation, int | None, tuple[bytes, ...]]]:
    """``(pool, presentation, max height the plan allows, KIDs)`` for ``title_id``; the pool is closed on exit."""
    try:
        grant = await backend.open_playback(title_id, fmt=fmt, device_id=device_id, purpose="download")
    except BackendError as exc:
        raise FetchFailed(f"the backend refused {title_id}: {exc}") from exc
    transport = HttpTransport(clock=MonotonicClock(), http2=False, tls=tls_for(grant.manifests))
    pool = CdnPool(grant.manifests, transport, MonotonicClock(), retry=DOWNLOAD_RETRY, stall=DOWNLOAD_STALL,
                   cmcd_mode=CmcdMode.OFF, content_id=title_id[:64])
    ending: asyncio.Task[None] | None = None
    try:
        try:
            presentation = await load_presentation_multi(list(grant.manifests), pool.fetch)
        except ManifestError as exc:
            raise PlanError(f"the manifest of {title_id} is unusable: {exc}") from exc
        except PlayerError as exc:
            raise FetchFailed(f"the manifests of {title_id} could not be fetched: {exc}") from exc
        finally:  # ended alongside the first segments, not before them: a round trip off every command's start
            ending = asyncio.create_task(_end_quietly(backend, grant.session_id))
        kids = tuple(grant.kids) or (presentation.default_kids() if grant.protected else ())
        yield pool, presentation, grant.max_height, kids
    finally:
        if ending is not None:
            await ending
        await pool.aclose()
        await transport.aclose()


async def _end_quietly(backend: BackendClient, session_id: str) -> None:
    with contextlib.suppress(BackendError):
        await backend.end_playback(session_id)


async def display_name(backend: BackendClient, title_id: str) -> str:
    """The catalog's name for the title (what a person reads in the downloads list); its id if the catalog won't say."""
    try:
        return str((await backend.title(title_id)).get("name") or title_id)
    except PlayerError:
        return title_id
