"""Ingest jobs: idempotency, back-off on an injected clock, dead after 3 failures, bad uploads, atomicity."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import imageio_ffmpeg
import pytest

from backend_stub.encode import TitleMeta
from backend_stub.encode import (
    RetryPolicy,
    cancel_job,
    get_job,
    recover,
    run_jobs,
    run_next_job,
    submit_ingest,
)
from backend_stub.encode.runner import live_pids
from encode_checks import dash_renditions, decode_rendition, hls_renditions


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, t: float = 1_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def _make_source(path: Path, seconds: float, height: int) -> Path:
    width = height * 16 // 9 // 2 * 2
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate=24:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
         "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", str(path)],
        check=True,
    )
    return path


@pytest.fixture(scope="module")
def small_source(tmp_path_factory) -> Path:
    return _make_source(tmp_path_factory.mktemp("src") / "small.mp4", 4, 270)


def _meta(title_id: str) -> TitleMeta:
    return TitleMeta(id=title_id, name=title_id.title(), genres=("Test",), year=2024)


def _titles(data: Path) -> list[str]:
    return [r[0] for r in sqlite3.connect(data / "backend.sqlite").execute("SELECT id FROM titles")]


def test_same_job_id_is_the_same_job_and_encodes_once(tmp_path, small_source):
    """Submitting twice (explicit or derived id) yields one job; a done job is not encoded again."""
    clock = FakeClock()
    a = submit_ingest(tmp_path, small_source, _meta("film-a"), False, "job-1", clock=clock)
    b = submit_ingest(tmp_path, small_source, _meta("film-a"), False, "job-1", clock=clock)
    c = submit_ingest(tmp_path, small_source, _meta("film-a"), False, clock=clock)
    d = submit_ingest(tmp_path, small_source, _meta("film-a"), False, clock=clock)
    assert a == b == "job-1" and c == d != a
    cancel_job(tmp_path, c, clock=clock)  # the derived-id duplicate is not needed here
    assert get_job(tmp_path, c).state == "failed"
    job = run_next_job(tmp_path, clock=clock)
    assert job is not None and job.id == "job-1" and job.state == "done" and job.progress == 1.0
    assert submit_ingest(tmp_path, small_source, _meta("film-a"), False, "job-1", clock=clock) == "job-1"
    assert run_next_job(tmp_path, clock=clock) is None  # nothing due: job-1 is done, not queued again
    assert _titles(tmp_path) == ["film-a"]


def test_ingested_title_has_ladder_up_to_source_and_decodes(tmp_path, small_source):
    """A 270p upload gets 240 + 270 rungs (never upscaled) and every rendition decodes in HLS and DASH."""
    clock = FakeClock()
    submit_ingest(tmp_path, small_source, _meta("film-b"), True, "job-b", clock=clock)
    assert run_next_job(tmp_path, clock=clock).state == "done"
    folder = tmp_path / "content" / "film-b"
    key = sqlite3.connect(tmp_path / "backend.sqlite").execute(
        "SELECT key FROM content_keys WHERE title_id='film-b'").fetchone()[0]
    for rends in (hls_renditions(folder / "master.m3u8"), dash_renditions(folder / "manifest.mpd")):
        assert sorted(r.height for r in rends if r.kind == "video") == [240, 270]
        for r in rends:
            res = decode_rendition(r, key)
            assert res.errors == 0 and res.frames > 0


def test_transient_failures_back_off_exponentially_then_succeed(tmp_path, small_source):
    """A missing upload is retried after 5 s, then 10 s (injected clock), and succeeds once the file lands."""
    clock = FakeClock()
    late = tmp_path / "late.mp4"
    jid = submit_ingest(tmp_path, late, _meta("film-c"), False, "job-c", clock=clock)
    policy = RetryPolicy(base_s=5, factor=2, max_attempts=3)
    job = run_next_job(tmp_path, clock=clock, policy=policy)
    assert (job.state, job.attempts, job.next_attempt_at) == ("queued", 1, 1005.0)
    assert "not found" in job.last_error
    clock.t = 1004.9
    assert run_next_job(tmp_path, clock=clock, policy=policy) is None  # not due yet
    clock.t = 1005.0
    job = run_next_job(tmp_path, clock=clock, policy=policy)
    assert (job.state, job.attempts, job.next_attempt_at) == ("queued", 2, 1015.0)
    late.write_bytes(small_source.read_bytes())
    clock.t = 1015.0
    job = run_next_job(tmp_path, clock=clock, policy=policy)
    assert job.id == jid and job.state == "done" and _titles(tmp_path) == ["film-c"]


def test_job_is_dead_after_three_failures_with_reason(tmp_path):
    """Three transient failures mark the job dead, keeping the last reason; it is not picked again."""
    clock = FakeClock()
    submit_ingest(tmp_path, tmp_path / "never.mp4", _meta("film-d"), False, "job-d", clock=clock)
    states = []
    for _ in range(3):
        job = run_next_job(tmp_path, clock=clock)
        states.append(job.state)
        clock.t = job.next_attempt_at + 1
    assert states == ["queued", "queued", "dead"]
    job = get_job(tmp_path, "job-d")
    assert job.attempts == 3 and "never.mp4" in job.last_error
    clock.t += 10_000
    assert run_next_job(tmp_path, clock=clock) is None
    assert _titles(tmp_path) == []


@pytest.mark.parametrize("content", [b"this is not a video\n" * 50, os.urandom(20_000)], ids=["text", "random"])
def test_corrupt_upload_fails_with_a_reason(tmp_path, content):
    """A non-video or corrupt file fails its job at once (no retries) with a readable reason."""
    bad = tmp_path / "upload.mp4"
    bad.write_bytes(content)
    submit_ingest(tmp_path, bad, _meta("film-e"), False, "job-e")
    job = run_next_job(tmp_path)
    assert job.state == "failed" and job.attempts == 0
    assert "upload.mp4" in job.last_error and ("not a" in job.last_error or "no video" in job.last_error)
    assert _titles(tmp_path) == [] and not (tmp_path / "content" / "film-e").exists()


def test_truncated_upload_fails(tmp_path, small_source):
    """An upload cut short (header but no media) fails with a reason instead of publishing garbage."""
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(small_source.read_bytes()[:3000])
    submit_ingest(tmp_path, cut, _meta("film-t"), False, "job-t")
    job = run_next_job(tmp_path)
    assert job.state == "failed" and "cut.mp4" in job.last_error
    assert _titles(tmp_path) == []


def test_cancel_mid_encode_kills_ffmpeg_and_publishes_nothing(tmp_path, small_source):
    """Cancelling while ffmpeg runs kills it, fails the job, and leaves no folder, row or staging files."""
    src = _make_source(tmp_path / "long.mp4", 40, 360)
    # an earlier version of the title stays untouched
    submit_ingest(tmp_path, small_source, _meta("film-f"), False, "job-f0")
    assert run_next_job(tmp_path).state == "done"
    before = sorted(p.name for p in (tmp_path / "content" / "film-f").rglob("*"))
    jid = submit_ingest(tmp_path, src, _meta("film-f"), False, "job-f1")
    result: list = []
    worker = threading.Thread(target=lambda: result.append(run_next_job(tmp_path)))
    worker.start()
    deadline = time.monotonic() + 30
    while not live_pids() and time.monotonic() < deadline:
        time.sleep(0.01)
    pids = live_pids()
    assert pids, "ffmpeg never started"
    cancel_job(tmp_path, jid)
    worker.join(30)
    assert result[0].state == "failed" and result[0].last_error == "cancelled"
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert sorted(p.name for p in (tmp_path / "content" / "film-f").rglob("*")) == before
    assert list((tmp_path / "content" / ".staging").iterdir()) == []


def test_recover_cleans_crash_leftovers_and_requeues(tmp_path, small_source):
    """After a crash, staging leftovers are deleted and a job stuck in 'running' runs again."""
    jid = submit_ingest(tmp_path, small_source, _meta("film-g"), False, "job-g")
    db = sqlite3.connect(tmp_path / "backend.sqlite")
    with db:
        db.execute("UPDATE jobs SET state='running' WHERE id=?", [jid])
    junk = tmp_path / "content" / ".staging" / "job-g" / "title" / "v240"
    junk.mkdir(parents=True)
    (junk / "1.m4s").write_bytes(b"half")
    recover(tmp_path)
    assert list((tmp_path / "content" / ".staging").iterdir()) == []
    assert get_job(tmp_path, jid).state == "queued"
    assert run_next_job(tmp_path).state == "done"


def test_worker_thread_runs_jobs_and_stops_promptly(tmp_path, small_source):
    """run_jobs picks up a submitted job, finishes it, and returns soon after stop_event is set."""
    stop = threading.Event()
    worker = threading.Thread(target=run_jobs, args=(tmp_path, stop), kwargs={"poll_s": 0.05})
    worker.start()
    try:
        jid = submit_ingest(tmp_path, small_source, _meta("film-h"), False)
        deadline = time.monotonic() + 60
        while get_job(tmp_path, jid).state not in ("done", "failed", "dead") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert get_job(tmp_path, jid).state == "done"
    finally:
        stop.set()
        worker.join(10)
    assert not worker.is_alive()
