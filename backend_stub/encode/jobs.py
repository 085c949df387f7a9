"""Ingest jobs persisted in SQLite (table ``jobs``, owned by this module); :mod:`.worker` runs them.

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
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from .errors import JobError
from .models import TitleMeta, check_title_id
from .publish import clean_staging
from .store import open_backend_db

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


def open_jobs_db(data_dir: Path) -> sqlite_utils.Database:
    """The backend database with our ``jobs`` table created if missing."""
    return open_backend_db(data_dir, _create_jobs_table)


def _create_jobs_table(db: sqlite_utils.Database) -> None:
    if "jobs" not in db.table_names():
        db["jobs"].create(JOB_COLUMNS, pk="id", not_null={"state", "title_id"}, if_not_exists=True)
        db.execute("CREATE INDEX IF NOT EXISTS jobs_due ON jobs(state, next_attempt_at)")


def _meta_json(meta: TitleMeta) -> str:
    return json.dumps({
        "id": meta.id, "name": meta.name, "description": meta.description, "genres": list(meta.genres),
        "cast": list(meta.cast), "year": meta.year, "audio_langs": list(meta.audio_langs),
        "subtitles": [[lang, str(p)] for lang, p in meta.subtitles],
    })


def meta_from_json(text: str) -> TitleMeta:
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
    db = open_jobs_db(data_dir)
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


def row_to_job(r) -> Job:
    return Job(id=r[0], title_id=r[1], state=r[2], progress=r[3], message=r[4] or "", attempts=r[5],
               last_error=r[6], next_attempt_at=r[7])


_SELECT = "SELECT id, title_id, state, progress, message, attempts, last_error, next_attempt_at FROM jobs"


def get_job(data_dir: Path, job_id: str) -> Job:
    """The job's current state; :class:`JobError` if unknown."""
    db = open_jobs_db(data_dir)
    try:
        r = db.conn.execute(_SELECT + " WHERE id = ?", [job_id]).fetchone()
    finally:
        db.close()
    if r is None:
        raise JobError(f"unknown job {job_id}")
    return row_to_job(r)


def list_jobs(data_dir: Path) -> list[Job]:
    """All jobs, newest first (for the admin API)."""
    db = open_jobs_db(data_dir)
    try:
        return [row_to_job(r) for r in db.conn.execute(_SELECT + " ORDER BY created_at DESC")]
    finally:
        db.close()


def cancel_job(data_dir: Path, job_id: str, *, clock: Clock = time.time) -> None:
    """Ask for a job to stop: a queued job fails at once, a running one within ~0.1 s (its ffmpeg is killed)."""
    db = open_jobs_db(data_dir)
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
    db = open_jobs_db(data_dir)
    try:
        with db.conn:
            db.conn.execute("UPDATE jobs SET state = 'queued', message = 'requeued after restart' WHERE state = 'running'")
    finally:
        db.close()
    clean_staging(data_dir)


class JobStore:
    """Small write helper used while one job runs (one connection, short transactions)."""

    def __init__(self, data_dir: Path, job_id: str, clock: Clock) -> None:
        self.db = open_jobs_db(data_dir)
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
