"""Encoding: ladder planning, ffmpeg + Shaka Packager, CENC, atomic publication, jobs, demo catalog.

Public face::

    # a tiny real title for tests (~1-3 s): files in DATA/content/<id>/, rows in titles (+ content_keys)
    make_test_title(data_dir, title_id, *, protected=False, seconds=6, heights=(144, 240),
                    audio_langs=("en",), subtitles=False) -> TitleInfo

    # ingest (POST /api/v1/admin/ingest, CLI): queue, then a worker thread runs the queue
    submit_ingest(data_dir, source_path, meta: TitleMeta, protected: bool, job_id: str | None = None,
                  *, clock=time.time) -> str                       # idempotent by job id
    run_jobs(data_dir, stop_event, *, clock=time.time, sleep=None, poll_s=1.0, policy=RetryPolicy()) -> None
    get_job(data_dir, job_id) -> Job;  list_jobs(data_dir) -> list[Job];  cancel_job(data_dir, job_id)

    # first start of the backend
    build_demo_catalog(data_dir, progress=lambda fraction, message: None) -> list[TitleInfo]

    kill_all() -> int        # shutdown hook: kill any ffmpeg/packager child still running

Title folder (``DATA/content/<id>/``)::

    master.m3u8  manifest.mpd  artwork.jpg
    v<h>.m3u8  v<h>/init.mp4  v<h>/<n>.m4s          one per video rung (n = 1, 2, ... 2 s each)
    a_<lang>.m3u8  a_<lang>/init.mp4  a_<lang>/<n>.m4s   one per audio language
    t_<lang>.m3u8  t_<lang>/<n>.vtt                       WebVTT subtitles, when present
"""
from __future__ import annotations

from .catalog import DEMO_TITLES, build_demo_catalog
from .errors import CancelledError, EncodeError, JobError, ProcessError, SourceError, SourceMissingError, ToolMissingError
from .fixture import make_test_title
from .jobs import Job, cancel_job, get_job, list_jobs, recover, submit_ingest
from .worker import RetryPolicy, run_jobs, run_next_job
from .models import TitleInfo, TitleMeta
from .runner import kill_all

__all__ = [
    "DEMO_TITLES",
    "CancelledError",
    "EncodeError",
    "Job",
    "JobError",
    "ProcessError",
    "RetryPolicy",
    "SourceError",
    "SourceMissingError",
    "TitleInfo",
    "TitleMeta",
    "ToolMissingError",
    "build_demo_catalog",
    "cancel_job",
    "get_job",
    "kill_all",
    "list_jobs",
    "recover",
    "make_test_title",
    "run_jobs",
    "run_next_job",
    "submit_ingest",
]
