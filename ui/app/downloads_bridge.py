"""The download manager (issue 5) on the engine loop, reported to Qt through signals.

Every call to :class:`downloads.DownloadManager` happens on the engine thread (its SQLite
connections belong to the thread that opened them); progress callbacks there become queued
``progress`` signals here. ``available`` is False when the downloads package cannot be imported or
opened (then the Downloads screen says so instead of failing).
"""
from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QObject, Signal

from ui.app.context import AppContext
from ui.app.errors import DownloadFailed, sentence

QUALITIES = {"best": None, "medium": 480, "low": 240}


def download_sentence(exc: BaseException) -> str:
    """Download errors (issue 5's tree) as a sentence; others through :func:`sentence`."""
    kind = type(exc).__name__
    if kind == "NotEnoughSpace":
        return "There is not enough free disk space for this download. Delete a download or free some space, then try again."
    if kind == "PlanError":
        return "Your plan does not allow downloads of this title. Stream it instead."
    if type(exc).__module__.startswith("downloads"):
        return "The download stopped before it finished. Press Resume to continue where it stopped."
    return sentence(exc)


class DownloadsBridge(QObject):
    """Start, pause, resume, cancel, renew, delete and list downloads without blocking the UI."""

    progress = Signal(object)  # downloads.progress.Progress
    changed = Signal(list)  # list[DownloadInfo]
    failed = Signal(str)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.manager: Any = None
        self.error: str | None = None
        self.controls: dict[str, Any] = {}  # title_id -> DownloadControl of a running download
        self.by_title: dict[str, Any] = {}  # title_id -> last Progress
        self.last: list[Any] = []
        self.asset_titles: dict[str, str] = {}
        self._refreshing = False
        self._tasks: set[asyncio.Task[Any]] = set()  # downloads and renewals under way (their requests use the backend)
        self.progress.connect(self._remember)

    def _remember(self, prog: Any) -> None:
        title = self.asset_titles.get(prog.asset_id)
        if title is not None:
            self.by_title[title] = prog
        if not any(i.asset_id == prog.asset_id for i in self.last):
            self.refresh()  # a download that started after the last listing

    async def _tracked(self, work: Coroutine[Any, Any, Any]) -> Any:
        """Run ``work`` on the engine loop as a task :meth:`close` stops."""
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            return await work
        finally:
            self._tasks.discard(task)

    async def _open(self) -> Any:
        if self.manager is None:
            from downloads.download_manager import DownloadManager

            self.manager = DownloadManager(parallel=self.ctx.config.download_parallelism)
        return self.manager

    def open(self) -> None:
        def failed(exc: BaseException) -> None:
            self.error = "Downloads are not available on this device: " + sentence(exc)
            self.failed.emit(self.error)

        self.ctx.engine.submit(self._open(), lambda _: self.refresh(), failed)

    async def listing(self) -> list[Any]:
        """Every download on this box (on the engine loop)."""
        manager = await self._open()
        return list(manager.list())

    def refresh(self) -> None:
        if self._refreshing:
            return
        self._refreshing = True

        def got(items: list[Any]) -> None:
            self._refreshing = False
            self.last = items
            self.changed.emit(items)

        def failed(exc: BaseException) -> None:
            self._refreshing = False
            self.failed.emit(sentence(exc))

        self.ctx.engine.submit(self.listing(), got, failed)

    def start(self, title_id: str) -> None:
        """Download ``title_id`` at the configured quality (resumes an unfinished one)."""
        backend = self.ctx.backend
        if backend is None:
            self.failed.emit(str(DownloadFailed("Sign in before downloading.")))
            return
        emit = self.progress.emit

        def report(prog: Any) -> None:  # on the engine thread
            self.asset_titles[prog.asset_id] = title_id
            emit(prog)

        async def run() -> Any:
            from downloads.parallelism import ParallelismPolicy
            from downloads.plan import DownloadChoice
            from downloads.slot_fetcher import DownloadControl

            manager = await self._open()
            n = self.ctx.config.download_parallelism  # Settings' fixed number of fetches at once
            manager.parallel = ParallelismPolicy(start=n, low=n, high=n)
            control = DownloadControl()
            self.controls[title_id] = control
            choice = DownloadChoice(max_height=QUALITIES.get(self.ctx.config.download_quality))
            self.changed.emit(manager.list())
            try:
                return await manager.download(backend, title_id, choice, progress=report, control=control)
            finally:
                self.controls.pop(title_id, None)

        def done(_: Any) -> None:
            self.refresh()

        def failed(exc: BaseException) -> None:
            self.refresh()
            if type(exc).__name__ != "Cancelled":
                self.failed.emit(download_sentence(exc))

        self.ctx.engine.submit(self._tracked(run()), done, failed)

    def _control(self, title_id: str, action: str) -> None:
        control = self.controls.get(title_id)
        if control is not None:
            self.ctx.engine.call(getattr(control, action))

    def pause(self, title_id: str) -> None:
        self._control(title_id, "pause")

    def resume(self, title_id: str) -> None:
        if title_id in self.controls:
            self._control(title_id, "resume")
        else:
            self.start(title_id)

    def cancel(self, title_id: str) -> None:
        self._control(title_id, "cancel")

    def renew(self, asset_id: str) -> None:
        backend = self.ctx.backend

        async def run() -> Any:
            manager = await self._open()
            return await manager.renew(asset_id, backend)

        self.ctx.engine.submit(self._tracked(run()), lambda _: self.refresh(), lambda exc: self.failed.emit(sentence(exc)))

    def delete(self, asset_id: str) -> None:
        async def run() -> None:
            manager = await self._open()
            manager.delete(asset_id)

        self.ctx.engine.submit(run(), lambda _: self.refresh(), lambda exc: self.failed.emit(sentence(exc)))

    async def open_offline(self, asset_id: str) -> Any:
        """On the engine loop: what a PlaybackSession needs to play a download."""
        manager = await self._open()
        return manager.open_offline(asset_id)

    def close(self) -> None:
        """The app's exit: stop the downloads and renewals under way — cancelled as a crash would stop them, so a download
        goes on from where it got to at the next start (its Cancel would delete it) — then close the manager's database."""
        async def shut() -> None:
            running = [t for t in self._tasks if not t.done()]
            for task in running:
                task.cancel()
            try:
                if running:  # a cancelled download may take long to unwind (its fetch threads): the database closes anyway
                    await asyncio.wait(running, timeout=4.0)
            finally:
                if self.manager is not None:
                    self.manager.close()

        self.ctx.engine.finish(shut(), 5.0)
