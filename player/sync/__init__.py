"""Resume sync across devices and QoE telemetry that survives being offline (issue 7).

Public face::

    handle = attach_sync(session, backend=backend_client_or_None, home=None, title_id=None)   # before session.run()
    report = await session.run()
    await handle.aclose()             # commit, deliver what it can, stop the uploader

    report = await run_synced(session, backend=backend_client_or_None)   # the same, in one call

    handle = open_sync(backend=None, home=None)                       # no session (downloads, app start)
    handle.record_progress(title_id, position_s, duration_s)          # progress made offline
    await handle.flush()              # deliver now; False while the backend is unreachable

Modules: ``outbox`` (SQLite queue), ``writer`` (thread committing to it), ``uploader`` (ordered delivery
with back-off), ``backoff``, ``attach``, ``errors``. The event schema is ``player/sync/telemetry.py``; the
resume policy ``player/sync/resume.py``; the conflict rule ``backend_stub/api/progress.py``.
"""
from player.sync.attach import SyncConfig, SyncHandle, attach_sync, open_sync, run_synced
from player.sync.backoff import Backoff
from player.sync.errors import DeliveryError, OutboxError, RejectedItem, SyncError
from player.sync.outbox import Outbox

__all__ = ["Backoff", "DeliveryError", "Outbox", "OutboxError", "RejectedItem", "SyncConfig", "SyncError",
           "SyncHandle", "attach_sync", "open_sync", "run_synced"]
