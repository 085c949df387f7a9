"""Drives one :class:`~player.playback.session.PlaybackSession` on the engine loop from the UI thread.

Every control is posted to the engine loop (``call_soon_threadsafe`` / ``run_coroutine_threadsafe``)
and every observation comes back as a Qt signal, so the UI thread never waits for the engine
(issue 6 architecture). Stats are polled four times a second for the overlay and the seek bar; a live
play's stats carry its DVR window and latency (read by ``ui.app.live_view``).
"""
from __future__ import annotations

import concurrent.futures
import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from player.backend import BackendClient
from player.net import CmcdMode
from player.playback import PlaybackSession, SessionOptions
from player.playback.throughput_memory import process_memory
from player.qoe import Notice
from player.sync import run_synced
from ui.app.config import AppConfig
from ui.app.engine_thread import EngineThread
from ui.app.errors import sentence
from ui.app.live_view import LiveView

class PlayerController(QObject):
    """Start/stop a session and forward controls; signals carry everything back to the UI thread."""

    stats_changed = Signal(dict)
    started = Signal()
    finished = Signal(dict)  # the QoE report
    failed = Signal(str)  # a sentence for people
    noticed = Signal(str)  # a passing notice (a fallback the engine took); playback goes on

    def __init__(self, engine: EngineThread, *, poll_ms: int = 250) -> None:
        super().__init__()
        self.engine = engine
        self.session: PlaybackSession | None = None
        self.title_id: str | None = None
        self.volume = 100
        self.muted = False
        self.paused = False
        self.subtitle_pos = 100  # libmpv's sub-pos: lifted above the control bar while it shows
        self.last_stats: dict[str, Any] = {}
        self._generation = 0
        self._running: concurrent.futures.Future[Any] | None = None  # the last session's run() on the engine loop
        self._timer = QTimer(self)
        self._timer.setInterval(poll_ms)
        self._timer.timeout.connect(self._poll)

    @property
    def active(self) -> bool:
        return self.session is not None

    def play_title(
        self, *, backend: BackendClient, title_id: str, wid: int | None, config: AppConfig, start_s: float | None,
        audio_language: str | None = None, subtitle_language: str | None = None, vo: str = "x11", ao: str = "auto",
    ) -> None:
        """Start ``title_id`` with video embedded in the native window ``wid`` (None: no window)."""
        mpv_options: dict[str, Any] = {"keepaspect": True, "input_cursor": False}
        if wid is not None:
            mpv_options["wid"] = wid
        options = SessionOptions(
            abr=config.abr or None, start_s=start_s, force_cdn=None if config.force_cdn < 0 else config.force_cdn,
            vo=vo, ao=ao, mpv_options=mpv_options,
            audio_language=audio_language, subtitle_language=subtitle_language,
            throughput_memory=process_memory(),  # the app plays many titles: each starts from the last estimate
            cmcd=CmcdMode(config.cmcd),
        )
        self.title_id = title_id
        self._start(lambda: PlaybackSession(target=title_id, options=options, backend=backend))

    def play_session(self, factory: Callable[[], PlaybackSession]) -> None:
        """Start an already-described session (offline titles, tests)."""
        self._start(factory)

    def _start(self, factory: Callable[[], PlaybackSession]) -> None:
        self.stop()
        self._generation += 1
        generation = self._generation
        self.paused = False
        self.last_stats = {}  # the previous session's figures say nothing about this one
        session = factory()
        # a new session's libmpv starts with the cues where the bar is now (choosing subtitles restarts the
        # play with the bar up: the cues sat under it until the bar hid)
        session.options.mpv_options = {**session.options.mpv_options, "sub_pos": self.subtitle_pos}
        emit_notice = self.noticed.emit  # called on the engine thread: the signal queues it to the UI thread

        def listen(event: object) -> None:
            if isinstance(event, Notice):
                emit_notice(event.message)

        session.qoe.listeners.append(listen)
        self.session = session

        async def run() -> dict[str, Any]:
            # resume position and telemetry follow the viewer; offline (no backend) they are queued
            return await run_synced(session, backend=session.backend)

        def done(report: dict[str, Any]) -> None:
            if generation == self._generation:
                self._timer.stop()
                self.session = None
                self.finished.emit(report)

        def error(exc: BaseException) -> None:
            if generation == self._generation:
                self._timer.stop()
                self.session = None
                self.failed.emit(sentence(exc))

        self._running = self.engine.submit(run(), done, error)
        self._timer.start()
        self.started.emit()

    # -- controls ---------------------------------------------------------------------------
    def _call(self, name: str, *args: Any) -> None:
        if self.session is not None:
            self.engine.call(getattr(self.session, name), *args)

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        self._call("pause", paused)

    def toggle_pause(self) -> None:
        self.set_paused(not self.paused)

    def set_volume(self, volume: int) -> None:
        self.volume = max(0, min(100, volume))
        self._call("set_volume", self.volume)

    def set_mute(self, muted: bool) -> None:
        self.muted = muted
        self._call("set_mute", muted)

    def set_rendition(self, rung: int | None) -> None:
        self._call("set_rendition", rung)

    def subtitles_loaded(self, language: str) -> bool:
        """Whether the running session has ``language``'s text track in libmpv (loaded at its start)."""
        session = self.session
        return session is not None and session.options.subtitle_language == language

    def set_subtitles(self, on: bool) -> None:
        """Show or hide the subtitle track libmpv has (``sid``); a track that was never loaded needs a
        restart with ``subtitle_language`` (see ``PlayerScreen.choose_subtitles``)."""
        session = self.session
        if session is not None and session.output is not None:
            self.engine.call(session.output.set_property, "sid", "auto" if on else "no")

    def lift_subtitles(self, percent: int) -> None:
        """Where libmpv puts the subtitle baseline (``sub-pos``, % of the picture's height): above the
        control bar while it shows, at the bottom (100) when it hides; kept for the next session."""
        self.subtitle_pos = max(0, min(100, percent))
        session = self.session
        if session is not None and session.output is not None:
            self.engine.call(session.output.set_property, "sub-pos", self.subtitle_pos)

    def seek(self, position_s: float) -> None:
        """Seek (live: inside the DVR window; a seek that lands at the live edge is Go live, and nothing at all
        while already following live: a restart there would only cost a rebuffer)."""
        session = self.session
        if session is None:
            return
        view = LiveView.from_stats(self.last_stats)
        action = "seek" if view is None else view.seek_action(position_s)
        if action == "go-live":
            self.go_live()
        if action != "seek":
            return

        async def go() -> None:
            await session.seek(max(0.0, position_s))

        self.engine.submit(go(), None, lambda exc: None)  # a seek before the first frame is simply ignored

    def go_live(self) -> None:
        """Back to the live edge after a timeshift (the engine seeks to the edge minus its target latency)."""
        session = self.session
        if session is not None and LiveView.from_stats(self.last_stats) is not None:
            self.engine.submit(session.go_live(), None, lambda exc: None)  # before the first frame: ignored

    def seek_relative(self, delta_s: float) -> None:
        position = self.last_stats.get("position_s")
        if position is not None:
            self.seek(position + delta_s)

    def stop(self, *, wait_s: float = 0.0) -> None:
        """End the session (its ``run()`` returns and closes libmpv on the engine loop). ``wait_s``: wait up to that long
        for ``run()`` to have returned — the app's exit, so that the play's last position and its end reach the backend
        before the client closes, and nothing of it is left for the engine loop's stop to cancel."""
        self._timer.stop()
        if self.session is not None:
            self._call("stop")
        self._generation += 1
        self.session = None
        if wait_s > 0 and self._running is not None:
            with contextlib.suppress(Exception):  # a play that failed, or is still ending: the exit goes on
                self._running.result(wait_s)

    # -- observation ------------------------------------------------------------------------
    def _poll(self) -> None:
        session = self.session
        if session is None:
            return

        async def read() -> dict[str, Any]:
            return session.stats() if session.scheduler is not None else {}

        def got(stats: dict[str, Any]) -> None:
            if stats and session is self.session:
                self.last_stats = stats
                self.stats_changed.emit(stats)

        self.engine.submit(read(), got, lambda exc: None)


