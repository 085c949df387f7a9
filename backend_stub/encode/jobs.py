"""Ingest jobs persisted in SQLite (table ``jobs``, owned by this module) and the worker that runs them.

State machine::

    queued ──claim──▶ running ──ok──▶ done
      ▲                  │
      │ transient error  ├── bad source / cancelled by user ──▶ failed   (no retry: it would fail again)
      └── back-off ◀─────┤
                         └── 3rd transient error ──▶ dead            (reason kept in ``last_error``)

* Idempotent: the job id is the key; submitting an existing id returns it without a second encode.
  Without an explicit id, the id is derived from (title id, source path, size, mtime, protected).
* Retries wait ``base_s * factor**(attempt-1)`` seconds, measured on an injected clock.
* A shutdown (``stop_event``) kills the ffmpeg/packager children and puts the job back in the queue;
  on the next start :func:`recover` re-queues jobs left ``running`` and deletes staging leftovers.
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..db import open_db
from .build import build_title
from .cenc import new_content_key
from .errors import CancelledError, EncodeError, JobError, SourceError, SourceMissingError
from .ladder import plan_ladder
from .models import TitleMeta, check_title_id
from .pipeline import EncodeRequest
from .publish import clean_staging
from .source import probe_file
from .tools import Tools, find_tools

Clock = Callable[[], float]
STATES = ("queued", "running", "done", "failed", "dead")

JOB_COLUMNS = {
    "id": str,
    "title_id": str,
    "source": str,
    "meta": str,  # JSON of TitleMeta
    "protected": int,
    "state": str,
    "progress": float,
    "message": str,
    "attempts": int,
    "last_error": str,
    "next_attempt_at": float,
    "cancel_requested": int,
    "created_at": float,
    "updated_at": float,
}


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """Exponential back-off between attempts; a job is dead after ``max_attempts`` transient failures."""

    base_s: float = 5.0
    factor: float = 2.0
    max_attempts: int = 3

    def delay(self, attempt: int) -> float:
        """Seconds to wait after the ``attempt``-th failure (1-based)."""
        return self.base_s * self.factor ** (attempt - 1)


@dataclass(frozen=True, kw_only=True)
class Job:
    """A snapshot of one row of ``jobs``."""

    id: str
    title_id: str
    state: str
    progress: float
    message: str
    attempts: int
    last_error: str | None
    next_attempt_at: float


_open_lock = threading.Lock()


def _open(data_dir: Path):
    """``open_db`` plus our table. Serialised in-process: ``open_db`` sets WAL before its busy timeout,
    so two threads creating the database at once could otherwise see "database is locked"."""
    with _open_lock:
        db = open_db(data_dir)
        if "jobs" not in db.table_names():
            db["jobs"].create(JOB_COLUMNS, pk="id", not_null={"state", "title_id"})
            db.execute("CREATE INDEX IF NOT EXISTS jobs_due ON jobs(state, next_attempt_at)")
    return db


def _meta_json(meta: TitleMeta) -> str:
    return json.dumps({
        "id": meta.id, "name": meta.name, "description": meta.description, "genres": list(meta.genres),
        "cast": list(meta.cast), "year": meta.year, "audio_langs": list(meta.audio_langs),
        "subtitles": [[lang, str(p)] for lang, p in meta.subtitles],
    })


def _meta_from_json(text: str) -> TitleMeta:
    d = json.loads(text)
    return TitleMeta(
        id=d["id"], name=d["name"], description=d["description"], genres=tuple(d["genres"]), cast=tuple(d["cast"]),
        year=d["year"], audio_langs=tuple(d["audio_langs"]), subtitles=tuple((lang, Path(p)) for lang, p in d["subtitles"]),
    )


def default_job_id(source_path: Path, meta: TitleMeta, protected: bool) -> str:
    """Same upload of the same title → same id, so a retried HTTP request does not encode twice."""
    try:
        st = source_path.stat()
        stamp = [st.st_size, st.st_mtime_ns]
    except OSError:
        stamp = []
    raw = json.dumps([meta.id, str(source_path.resolve()), bool(protected), stamp])
    return "ingest-" + hashlib.sha256(raw.encode()).hexdigest()[:16]


def submit_ingest(
    data_dir: Path,
    source_path: Path,
    meta: TitleMeta,
    protected: bool,
    job_id: str | None = None,
    *,
    clock: Clock = time.time,
) -> str:
    """Queue an ingest of ``source_path`` as title ``meta.id``; returns the job id (existing one if known).

    Raises :class:`JobError` if ``job_id`` already belongs to a different title.
    """
    check_title_id(meta.id)
    source_path = Path(source_path)
    jid = job_id or default_job_id(source_path, meta, protected)
    now = clock()
    db = _open(data_dir)
    try:
        with db.conn:
            row = db.conn.execute("SELECT title_id FROM jobs WHERE id = ?", [jid]).fetchone()
            if row is not None:
                if row[0] != meta.id:
                    raise JobError(f"job {jid} belongs to title {row[0]}, not {meta.id}")
                return jid
            db.conn.execute(
                "INSERT INTO jobs (id, title_id, source, meta, protected, state, progress, message, attempts,"
                " last_error, next_attempt_at, cancel_requested, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, 'queued', 0, 'queued', 0, NULL, ?, 0, ?, ?)",
                [jid, meta.id, str(source_path), _meta_json(meta), int(protected), now, now, now],
            )
    finally:
        db.close()
    return jid


def _row_to_job(r) -> Job:
    return Job(id=r[0], title_id=r[1], state=r[2], progress=r[3], message=r[4] or "", attempts=r[5],
               last_error=r[6], next_attempt_at=r[7])


_SELECT = "SELECT id, title_id, state, progress, message, attempts, last_error, next_attempt_at FROM jobs"


def get_job(data_dir: Path, job_id: str) -> Job:
    """The job's current state; :class:`JobError` if unknown."""
    db = _open(data_dir)
    try:
        r = db.conn.execute(_SELECT + " WHERE id = ?", [job_id]).fetchone()
    finally:
        db.close()
    if r is None:
        raise JobError(f"unknown job {job_id}")
    return _row_to_job(r)


def list_jobs(data_dir: Path) -> list[Job]:
    """All jobs, newest first (for the admin API)."""
    db = _open(data_dir)
    try:
        return [_row_to_job(r) for r in db.conn.execute(_SELECT + " ORDER BY created_at DESC")]
    finally:
        db.close()


def cancel_job(data_dir: Path, job_id: str, *, clock: Clock = time.time) -> None:
    """Ask for a job to stop: a queued job fails at once, a running one within ~0.1 s (its ffmpeg is killed)."""
    db = _open(data_dir)
    try:
        with db.conn:
            cur = db.conn.execute("UPDATE jobs SET cancel_requested = 1, updated_at = ? WHERE id = ?", [clock(), job_id])
            if cur.rowcount == 0:
                raise JobError(f"unknown job {job_id}")
            db.conn.execute(
                "UPDATE jobs SET state = 'failed', last_error = 'cancelled', message = 'cancelled' WHERE id = ? AND state = 'queued'",
                [job_id],
            )
    finally:
        db.close()


def recover(data_dir: Path) -> None:
    """Start-up repair after a crash: re-queue jobs left ``running`` and delete staging leftovers."""
    db = _open(data_dir)
    try:
        with db.conn:
            db.conn.execute("UPDATE jobs SET state = 'queued', message = 'requeued after restart' WHERE state = 'running'")
    finally:
        db.close()
    clean_staging(data_dir)


class _JobStore:
    """Small write helper used while one job runs (one connection, short transactions)."""

    def __init__(self, data_dir: Path, job_id: str, clock: Clock) -> None:
        self.db = _open(data_dir)
        self.job_id = job_id
        self.clock = clock
        self._last = -1.0

    def update(self, **fields: object) -> None:
        fields["updated_at"] = self.clock()
        sets = ", ".join(f"{k} = ?" for k in fields)
        with self.db.conn:
            self.db.conn.execute(f"UPDATE jobs SET {sets} WHERE id = ?", [*fields.values(), self.job_id])

    def progress(self, fraction: float, message: str) -> None:
        if fraction - self._last >= 0.01 or fraction >= 1.0:
            self._last = fraction
            self.update(progress=round(fraction, 4), message=message)

    def cancel_requested(self) -> bool:
        r = self.db.conn.execute("SELECT cancel_requested FROM jobs WHERE id = ?", [self.job_id]).fetchone()
        return bool(r and r[0])

    def close(self) -> None:
        self.db.close()


def _claim_due(data_dir: Path, now: float) -> tuple[str, str, str, int, int] | None:
    db = _open(data_dir)
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
    store = _JobStore(data_dir, jid, clock)
    try:
        user_cancel = [False]

        def cancel() -> bool:
            if store.cancel_requested():
                user_cancel[0] = True
            return user_cancel[0] or stop()

        try:
            meta = _meta_from_json(meta_json)
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


def _fail_transient(store: _JobStore, attempts: int, reason: str, clock: Clock, policy: RetryPolicy) -> None:
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
