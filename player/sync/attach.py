"""Wire resume sync and telemetry onto a playback session: ``attach_sync(session, backend=...)``.

What it adds (all non-blocking on the engine loop):

* the installation's device id into ``session.options.device_id`` (unless set);
* for a session that plays without the backend (a download), its start position from the local
  progress (``player/sync/resume.py``);
* a :class:`~player.sync.resume.ProgressReporter` and a :class:`~player.sync.telemetry.SessionTelemetry` as QoE
  listeners; both hand items to the :class:`~player.sync.writer.OutboxWriter` thread, which commits
  them to the durable queue (``<state>/sync.sqlite``);
* with a backend, an :class:`~player.sync.uploader.Uploader` task that delivers the queue in order.

``open_sync(home=..., backend=...)`` gives the same handle without a session: the downloads code calls
``handle.record_progress(...)`` for progress made offline and ``await handle.flush()`` once online.
"""
from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from player.device import device_id as installation_id
from player.paths import state_dir
from player.net.clock import Clock
from player.sync.resume import PositionReport, ProgressReporter, choose_start, is_completed
from player.sync.backoff import Backoff
from player.sync.errors import DeliveryError
from player.sync.outbox import PROGRESS, TELEMETRY, NewProgress, Outbox
from player.sync.uploader import Uploader
from player.sync.writer import OutboxWriter
from player.sync.telemetry import SessionTelemetry

if TYPE_CHECKING:
    from player.backend import BackendClient
    from player.playback import PlaybackSession

QUEUE_FILE = "sync.sqlite"


@dataclass(frozen=True, kw_only=True)
class SyncConfig:
    interval_s: float = 10.0  # progress while playing (issue 7)
    batch_size: int = 100  # telemetry events per POST
    idle_s: float = 5.0  # deliver at least this often while something is queued
    backoff: Backoff = Backoff()
    credits_s: float | None = None


@dataclass(kw_only=True)
class SyncHandle:
    """What ``attach_sync``/``open_sync`` return; ``await aclose()`` when the session (or app) ends."""

    device_id: str
    outbox: Outbox
    writer: OutboxWriter
    uploader: Uploader | None
    wall: Callable[[], float]
    listeners: list[Any] = field(default_factory=list)
    session: Any = None
    on_commit: list[Callable[[list[str], list[tuple[int, str]]], None]] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None
    _telemetry_since_kick: int = 0

    def record_progress(self, title_id: str, position_s: float, duration_s: float, *,
                        credits_s: float | None = None) -> None:
        """Queue a position (e.g. made offline by a download's playback); durable once the writer commits."""
        self.writer.put(PROGRESS, NewProgress(
            title_id=title_id, position_s=position_s, duration_s=duration_s, device_id=self.device_id,
            made_at=self.wall(), event_id=uuid.uuid4().hex,
            completed=is_completed(position_s, duration_s, credits_s=credits_s),
        ))

    async def flush(self) -> bool:
        """Commit everything handed over so far and try to deliver it now; True when the queue is empty."""
        await asyncio.to_thread(self.writer.flush)
        if self.uploader is None:
            return False
        try:
            await self.uploader.deliver_pending()
        except DeliveryError:
            return False
        return self.outbox.pending() == 0

    async def aclose(self, *, deliver: bool = True) -> None:
        """Detach, commit what is pending, try one last delivery, stop the uploader, close the queue file."""
        if self.session is not None:
            for listener in self.listeners:
                with contextlib.suppress(ValueError):
                    self.session.qoe.listeners.remove(listener)
        await asyncio.to_thread(self.writer.flush)
        if deliver and self.uploader is not None:
            with contextlib.suppress(DeliveryError):
                await self.uploader.deliver_pending()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await asyncio.to_thread(self.writer.close)
        self.outbox.close()

    def _committed(self, kinds: list[str], ids: list[tuple[int, str]]) -> None:
        """Writer thread: wake the uploader for progress or a full telemetry batch; tell observers."""
        for observer in self.on_commit:
            observer(kinds, ids)
        self._telemetry_since_kick += kinds.count(TELEMETRY)
        if self.uploader is None or self._task is None:
            return
        if PROGRESS in kinds or self._telemetry_since_kick >= self.uploader.batch_size:
            self._telemetry_since_kick = 0
            with contextlib.suppress(RuntimeError):
                self._task.get_loop().call_soon_threadsafe(self.uploader.kick)


def open_sync(*, backend: BackendClient | None = None, home: Path | None = None,
              config: SyncConfig = SyncConfig(), wall: Callable[[], float] = time.time,
              clock: Clock | None = None) -> SyncHandle:
    """The queue (and, with a backend and a running loop, the uploader task) without a session.

    ``clock``: what the uploader's waits sleep on (a session's clock when attached to one)."""
    outbox = Outbox.open(state_dir(home) / QUEUE_FILE)
    holder: list[SyncHandle] = []
    writer = OutboxWriter(outbox, on_commit=lambda kinds, ids: holder[0]._committed(kinds, ids) if holder else None)
    uploader = None
    if backend is not None:
        uploader = Uploader(outbox, backend=backend, wall=wall, backoff=config.backoff, batch_size=config.batch_size,
                            idle_s=config.idle_s, clock=clock)
    handle = SyncHandle(device_id=installation_id(home), outbox=outbox, writer=writer, uploader=uploader, wall=wall)
    holder.append(handle)
    if uploader is not None:
        handle._task = asyncio.get_running_loop().create_task(uploader.run())
    return handle


def attach_sync(session: PlaybackSession, *, backend: BackendClient | None, home: Path | None = None,
                title_id: str | None = None, config: SyncConfig = SyncConfig(),
                wall: Callable[[], float] = time.time) -> SyncHandle:
    """Add resume sync and telemetry to ``session`` before ``session.run()``; call inside the running loop.

    ``backend`` None (offline playback) only queues; ``title_id`` defaults to ``session.target``.
    """
    handle = open_sync(backend=backend, home=home, config=config, wall=wall, clock=session.clock)
    handle.session = session
    title = title_id or session.target
    if session.options.device_id is None:
        session.options.device_id = handle.device_id
    online = session.backend is not None and not session.manifest_urls
    local = handle.outbox.local_progress(title)
    if session.options.resume:  # otherwise no start means the beginning, not this box's last position
        session.options.start_s = choose_start(
            requested_s=session.options.start_s, online=online,
            local_position_s=local.position_s if local else None, local_completed=bool(local and local.completed),
        )

    def duration() -> float | None:
        return session.presentation.duration_s if session.presentation is not None else None

    def emit(report: PositionReport) -> None:
        handle.writer.put(PROGRESS, NewProgress(
            title_id=title, position_s=report.position_s, duration_s=report.duration_s,
            device_id=handle.device_id, made_at=wall(), event_id=uuid.uuid4().hex, completed=report.completed,
        ))

    reporter = ProgressReporter(emit=emit, duration=duration, clock=session.clock.now, interval_s=config.interval_s,
                                credits_s=config.credits_s)
    telemetry = SessionTelemetry(
        sink=lambda event: handle.writer.put(TELEMETRY, event), device_id=handle.device_id, title_id=title,
        wall=wall, clock=session.clock.now, opened_at=session.qoe.opened_at, summary=lambda: _totals(session),
    )
    handle.listeners = [reporter, telemetry]
    session.qoe.listeners.extend(handle.listeners)
    return handle


def _totals(session: PlaybackSession) -> dict[str, Any]:
    qoe = session.qoe
    now = session.clock.now()
    return {"startup_ms": qoe.startup_ms(), "rebuffer_s": round(qoe.rebuffer_s(now), 3), "rebuffer_count": len(qoe.rebuffers),
            "avg_bitrate_kbps": round(qoe.avg_bitrate_kbps(), 1), "abandonments": qoe.abandonments}


async def run_synced(session: PlaybackSession, *, backend: BackendClient | None, home: Path | None = None,
                     title_id: str | None = None) -> dict[str, Any]:
    """Run ``session`` with resume sync and telemetry attached (what every front end plays through)."""
    handle = attach_sync(session, backend=backend, home=home, title_id=title_id)
    try:
        return await session.run()
    finally:
        await handle.aclose()
