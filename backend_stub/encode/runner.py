"""Run one encoder subprocess so that it can never outlive us.

Each child gets its own process group (so ``killpg`` also reaches anything it forks) and, on Linux,
``PR_SET_PDEATHSIG = SIGKILL`` so the kernel kills it if our thread dies without cleaning up. A live
registry lets :func:`kill_all` end everything on shutdown (SIGINT/SIGTERM handlers call it).
Cancellation is polled: ``cancel()`` is asked every ``poll_s`` while the child runs.
"""
from __future__ import annotations

import ctypes
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import CancelledError, ProcessError, ToolMissingError

_PR_SET_PDEATHSIG = 1
_live: set[subprocess.Popen[bytes]] = set()
_live_lock = threading.Lock()


def _child_setup() -> None:  # runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def run_short(argv: Sequence[str], *, timeout_s: float) -> subprocess.CompletedProcess[bytes]:
    """A short ffmpeg run (a poster frame, a sprite sheet), started as the encoders are: its own session and group
    (a SIGTERM to the backend's session does not reach it half-way) and killed by the kernel if the backend dies.
    Raises as ``subprocess.run(check=True)`` does."""
    return subprocess.run(list(argv), check=True, capture_output=True, timeout=timeout_s, stdin=subprocess.DEVNULL,
                          start_new_session=True, preexec_fn=_child_setup)


def kill_all() -> int:
    """Kill every encoder subprocess still running (shutdown path); returns how many were killed."""
    with _live_lock:
        procs = list(_live)
    for p in procs:
        _kill_group(p)
    return len(procs)


def live_pids() -> list[int]:
    """PIDs of the encoder subprocesses currently running (for tests and the admin API)."""
    with _live_lock:
        return [p.pid for p in _live]


def run(
    argv: Sequence[str],
    *,
    cwd: Path,
    stderr_path: Path,
    cancel: Callable[[], bool] = lambda: False,
    on_line: Callable[[str], None] | None = None,
    poll_s: float = 0.1,
    tail_lines: int = 6,
    redact: tuple[str, ...] = (),
) -> None:
    """Run ``argv`` to completion; raise :class:`ProcessError` on a non-zero exit, :class:`CancelledError` if cancelled.

    stdout lines (ffmpeg's ``-progress pipe:1``) go to ``on_line``, called in this thread between polls;
    stderr goes to ``stderr_path`` and its tail becomes the error reason. ``argv`` is never logged: it may carry a content key.
    """
    if cancel():  # do not start work that is already unwanted
        raise CancelledError("cancelled")
    stderr_path.parent.mkdir(parents=True, exist_ok=True)
    with open(stderr_path, "wb") as err:
        try:
            proc = subprocess.Popen(
                list(argv),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=err,
                start_new_session=True,
                preexec_fn=_child_setup,
            )
        except FileNotFoundError:
            raise ToolMissingError(f"{Path(argv[0]).name} not found") from None
        with _live_lock:
            _live.add(proc)
        lines: queue.SimpleQueue[str] = queue.SimpleQueue()
        reader = threading.Thread(target=_pump, args=(proc, lines), daemon=True)
        reader.start()
        try:
            while True:
                try:
                    proc.wait(timeout=poll_s)
                    break
                except subprocess.TimeoutExpired:
                    _drain(lines, on_line)
                    if cancel():
                        _kill_group(proc)
                        raise CancelledError("cancelled") from None
        finally:
            if proc.poll() is None:
                _kill_group(proc)
            with _live_lock:
                _live.discard(proc)
            reader.join(timeout=5)
        _drain(lines, on_line)
    if proc.returncode != 0:
        tail = " | ".join(stderr_path.read_text(errors="replace").strip().splitlines()[-tail_lines:])
        for secret in redact:
            tail = tail.replace(secret, "<redacted>")
        name = Path(argv[0]).name.split("-")[0]
        raise ProcessError(f"{name} exited with status {proc.returncode}: {tail}")


def _pump(proc: subprocess.Popen[bytes], lines: queue.SimpleQueue[str]) -> None:
    """Queue the child's stdout lines, and close the pipe at its end (this thread is its only reader; a pipe left to
    the garbage collector is a ResourceWarning under ``-X dev``)."""
    assert proc.stdout is not None
    with proc.stdout:
        for raw in proc.stdout:
            lines.put(raw.decode(errors="replace").rstrip("\n"))


def _drain(lines: queue.SimpleQueue[str], on_line: Callable[[str], None] | None) -> None:
    """Deliver queued stdout lines in the caller's thread (callbacks may touch thread-bound objects like SQLite)."""
    while True:
        try:
            line = lines.get_nowait()
        except queue.Empty:
            return
        if on_line is not None:
            on_line(line)
