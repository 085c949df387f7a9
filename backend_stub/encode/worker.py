"""The ingest worker: claims due jobs from ``jobs`` (see :mod:`.jobs`) and runs them through the pipeline.

Transient failures (missing upload, ffmpeg/packager errors, OS errors) are retried with exponential
back-off on an injected clock; bad sources fail at once; the third transient failure marks the job dead.
A shutdown (``stop_event``) kills the children and re-queues the job without using up an attempt.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .build import build_title
from .cenc import new_content_key
from .errors import CancelledError, EncodeError, SourceError, SourceMissingError
from .jobs import Clock, Job, JobStore, get_job, meta_from_json, open_jobs_db, recover
from .ladder import plan_ladder
from .pipeline import EncodeRequest
from .source import probe_file
from .tools import Tools, find_tools


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """Exponential back-off between attempts; a job is dead after ``max_attempts`` transient failures."""

    base_s: float = 5.0
    factor: float = 2.0
    max_attempts: int = 3

    def delay(self, attempt: int) -> float:
        """Seconds to wait after the ``attempt``-th failure (1-based)."""
        return self.base_s * self.factor ** (attempt - 1)


def _claim_due(data_dir: Path, now: float) -> tuple[str, str, str, int, int] | None:
    db = open_jobs_db(data_dir)
    try:
        with db.conn:
            r = db.conn.execute(
                "SELECT id, source, meta, protected, attempts FROM jobs WHERE state = 'queued' AND next_attempt_at <= ?"
                " ORDER BY created_at, id LIMIT 1",
                [now],
            ).fetchone()
            if r is None:
                return None
            cur = db.conn.execute("UPDATE jobs SET state = 'running', message = 'starting', updated_at = ?"
                                  " WHERE id = ? AND state = 'queued'", [now, r[0]])
            return r if cur.rowcount == 1 else None
    finally:
        db.close()


def run_next_job(
    data_dir: Path,
    *,
    clock: Clock = time.time,
    stop: Callable[[], bool] = lambda: False,
    policy: RetryPolicy = RetryPolicy(),
    tools: Tools | None = None,
) -> Job | None:
    """Run the oldest due job to its next state; returns its snapshot, or None when nothing is due.

    ``stop`` is the shutdown flag: when it turns true the children are killed and the job is re-queued
    without using up an attempt.
    """
    claimed = _claim_due(data_dir, clock())
    if claimed is None:
        return None
    jid, source, meta_json, protected, attempts = claimed
    store = JobStore(data_dir, jid, clock)
    try:
        user_cancel = [False]

        def cancel() -> bool:
            if store.cancel_requested():
                user_cancel[0] = True
            return user_cancel[0] or stop()

        try:
            meta = meta_from_json(meta_json)
            src = probe_file(Path(source), meta.audio_langs)
            req = EncodeRequest(
                source=src,
                meta=meta,
                rungs=plan_ladder(src.width, src.height),
                key=new_content_key() if protected else None,
            )
            build_title(data_dir, jid, req, tools=tools or find_tools(), now=clock, progress=store.progress, cancel=cancel)
        except CancelledError:
            if user_cancel[0]:
                store.update(state="failed", last_error="cancelled", message="cancelled")
            else:
                store.update(state="queued", message="interrupted by shutdown; will resume")
        except SourceError as exc:
            if isinstance(exc, SourceMissingError):
                _fail_transient(store, attempts, exc.reason, clock, policy)
            else:
                store.update(state="failed", last_error=exc.reason, message="failed: bad source")
        except EncodeError as exc:
            _fail_transient(store, attempts, exc.reason, clock, policy)
        except Exception as exc:  # a bug or an OS error must not kill the worker; keep the reason, retry
            _fail_transient(store, attempts, f"internal error: {type(exc).__name__}: {exc}", clock, policy)
        else:
            store.update(state="done", progress=1.0, message="published", last_error=None)
    finally:
        store.close()
    return get_job(data_dir, jid)


def _fail_transient(store: JobStore, attempts: int, reason: str, clock: Clock, policy: RetryPolicy) -> None:
    n = attempts + 1
    if n >= policy.max_attempts:
        store.update(state="dead", attempts=n, last_error=reason, message=f"dead after {n} attempts")
    else:
        store.update(state="queued", attempts=n, last_error=reason, next_attempt_at=clock() + policy.delay(n),
                     message=f"retrying after attempt {n}")


def run_jobs(
    data_dir: Path,
    stop_event: threading.Event,
    *,
    clock: Clock = time.time,
    sleep: Callable[[float], object] | None = None,
    poll_s: float = 1.0,
    policy: RetryPolicy = RetryPolicy(),
) -> None:
    """Worker loop (run it in a thread): recover, then run due jobs until ``stop_event`` is set.

    Between jobs it waits ``poll_s`` with ``sleep`` (default: ``stop_event.wait`` so a stop is immediate).
    On stop, a running encode's subprocesses are killed and its job goes back to the queue.
    """
    wait = sleep or stop_event.wait
    recover(data_dir)
    while not stop_event.is_set():
        job = run_next_job(data_dir, clock=clock, stop=stop_event.is_set, policy=policy)
        if job is None:
            wait(poll_s)
