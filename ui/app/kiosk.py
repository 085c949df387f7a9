"""Kiosk mode (issue 6): fullscreen without chrome, quit only with the PIN from the config (the player is left only
with it too, Settings opened and the box signed out: :meth:`KioskGuard.operator_allows`), the last screen restored
after a restart (``MainWindow`` saves it; a title being played is played again), and downloaded titles when the
backend is unreachable (a streamed title to restore, or whose stream failed, then plays from its download when the box
has one, and the stream again when that ends: :meth:`KioskGuard.stand_in_ended`) — back to the catalog by itself when
the backend returns. A play that fails (a live stream that stopped, edges that answer nothing) is played again after a
growing wait (:class:`PlayRetry`), the wait written under the failure: nobody is there to press Play, and boxes run
unattended for months.

The backend going and coming back never takes the box off the player: a play that runs (a download, a
stream from edges that kept answering) goes on, and a failed play waiting for its retry is played again
as soon as the backend answers (the outage was likely why it failed).
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QInputDialog, QLineEdit

from ui.app.api import Title
from ui.app.pin import verify_pin

PING_MS = 3000
RETRY_S = (5.0, 15.0, 60.0, 300.0)  # waits before playing a failed title again; the last one repeats


def wait_text(left_s: float) -> str:
    """The wait before a retry as the countdown writes it: the seconds left rounded up once to whole seconds (never
    shorter than the wait, nor "0 s" on a late tick), written in seconds up to 60 s and in whole minutes, rounded up,
    above — "2 min" at 61 s, then "60 s", "59 s", so the text only ever goes down. Minutes and seconds rounded apart
    from the fractional wait put a stray "1 min" between "2 min" and "60 s"."""
    whole_s = max(1, math.ceil(left_s))
    return f"{whole_s} s" if whole_s <= 60 else f"{math.ceil(whole_s / 60)} min"


class PlayRetry:
    """How long to wait before playing a failed title again: each wait in ``waits_s`` in turn, then the
    last for as long as it keeps failing. A play that ran for the longest wait before it failed starts the
    count over: a channel that dies after weeks is retried soon, one that dies seconds after every start
    is not hammered. Time is passed in."""

    def __init__(self, waits_s: Sequence[float] = RETRY_S) -> None:
        self.waits_s = tuple(waits_s)
        self.failures = 0
        self._started_s: float | None = None

    def started(self, now_s: float) -> None:
        self._started_s = now_s

    def failed(self, now_s: float) -> float:
        """Seconds to wait before the next attempt."""
        if self._started_s is not None and now_s - self._started_s >= self.waits_s[-1]:
            self.failures = 0
        wait_s = self.waits_s[min(self.failures, len(self.waits_s) - 1)]
        self.failures += 1
        return wait_s

    def reset(self) -> None:
        self.failures = 0
        self._started_s = None


class KioskGuard(QObject):
    """Owns the kiosk rules for one window."""

    def __init__(self, window: Any, *, ping_ms: int = PING_MS, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = window.ctx
        self._unlocked = False
        self.offline = False
        window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        window.nav_buttons["settings"].hide()  # settings are for the operator, behind the PIN (operator_allows)
        window.player.top.back_button.hide()  # so is leaving the player
        QShortcut(QKeySequence("Ctrl+Q"), window, activated=window.close)
        QShortcut(QKeySequence("Ctrl+Alt+Q"), window, activated=window.close)
        self.timer = QTimer(self)
        self.timer.setInterval(ping_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        self.clock = clock
        self.retry = PlayRetry()
        self.retry_timer = QTimer(self)
        self.retry_timer.setSingleShot(True)
        self.retry_timer.timeout.connect(self._play_again)
        self.countdown = QTimer(self)
        self.countdown.setInterval(1000)
        self.countdown.timeout.connect(self._count_down)
        self._failure = ""
        self._retry_at = 0.0
        self._signin_after_play = False  # the backend came back during a play and wants a sign-in
        window.controller.started.connect(self._play_started)
        window.controller.failed.connect(self._play_failed)
        window.controller.finished.connect(lambda _report: self.retry.reset())
        window.screen_changed.connect(self._screen_changed)
        window.signin.signed_in.connect(self._signed_in)

    def stop(self) -> None:
        """The app's exit: no more pings, retries or countdown (they would use the closed backend client)."""
        for timer in (self.timer, self.retry_timer, self.countdown):
            timer.stop()

    # -- quitting ---------------------------------------------------------------------------
    def unlock(self, pin: str) -> bool:
        """True (and closing allowed) when ``pin`` matches the configured one."""
        self._unlocked = verify_pin(pin, self.ctx.config.kiosk_pin_hash)
        return self._unlocked

    def ask_pin(self, prompt: str = "PIN to exit:") -> str | None:
        pin, ok = QInputDialog.getText(self.window, "Reelbox kiosk", prompt, QLineEdit.EchoMode.Password)
        return pin if ok else None

    def may_close(self) -> bool:
        if self._unlocked:
            return True
        pin = self.ask_pin()
        return pin is not None and self.unlock(pin)

    def operator_allows(self, action: str) -> bool:
        """True when the PIN asked for ("PIN to ``action``:") is the configured one: the operator's actions besides
        quitting (``MainWindow._operator_allows`` consults this wherever one happens; a wrong or no PIN keeps the screen,
        and a box with no PIN provisioned allows none of them, as it cannot be quit from the keyboard either).

        - Leaving the player: the box's job is to play (a retry, a stand-in, a restart all keep it on the player), and a
          passer-by's Back would leave it on a title page for good — nobody presses Play, and that page becomes the
          screen a restart restores. So the player shows no Back, and Back keys ask. A play's own end leaves as anywhere
          else (Up next, or back where the play came from).
        - Opening Settings (the nav bar has no Settings tab; the account menu, the sign-in screen's link and Back ask):
          the backend URL, the reset and its own Sign out are behind it. Settings is never the screen a restart restores.
        - Signing out from the account menu: the box would wait on the sign-in screen for someone to type the account's
          password."""
        pin = self.ask_pin(f"PIN to {action}:")
        return pin is not None and verify_pin(pin, self.ctx.config.kiosk_pin_hash)

    # -- plays ----------------------------------------------------------------------------------
    def _play_started(self) -> None:
        """Count the play for the retries, and save what plays so that a restart plays it again (title id and kind
        only: the position is the resume sync's, tokens stay in the keyring). The download of the title being
        streamed, played in its stead while the backend is away, leaves the stream saved: the next restart with a backend
        streams it again (a download may expire or be deleted meanwhile, the stream stays)."""
        self.retry.started(self.clock())
        playing = self.window.player.playing()
        if playing is not None:
            kind, title_id = playing
            saved = f"player:{title_id}" if kind == "title" else f"player-download:{title_id}"
            last = self.ctx.config.last_screen
            if saved != last and last != f"player:{title_id}":
                self.ctx.update_config(last_screen=saved)

    def _play_failed(self, text: str) -> None:
        """Keep the failure on screen, say when the title plays again (counting down), and play it then. The backend
        is asked at once whether it is there: a stream that failed because it is away plays from this box's download
        of the title meanwhile, when there is one (:meth:`_stand_in`)."""
        if self.window.current[0] != "player":
            return
        wait_s = self.retry.failed(self.clock())
        self._failure = text
        self._retry_at = self.clock() + wait_s
        self.window.player.show_message(self._retry_text(wait_s))
        self.retry_timer.start(round(wait_s * 1000))
        self.countdown.start()
        if self.offline:
            self.show_downloaded()
        else:
            self.check()  # found away, the box goes offline and lists its downloads

    def _retry_text(self, left_s: float) -> str:
        return f"{self._failure}\nTrying again in {wait_text(left_s)}."

    def _count_down(self) -> None:
        """Rewrite the wait once a second: a "5 min" left standing for five minutes reads as stuck."""
        if not self.retry_timer.isActive():
            self.countdown.stop()
            return
        self.window.player.message.setText(self._retry_text(self._retry_at - self.clock()))

    def _play_again(self) -> None:
        if self.window.current[0] == "player" and not self.window.controller.active:
            self.window.player.retry()

    def _retry_now(self) -> None:
        """The backend answers again: a failed play waiting for its retry is played now, its count started over."""
        if self.retry_timer.isActive():
            self.retry_timer.stop()
            self.retry.reset()
            self._play_again()

    def _screen_changed(self, name: str) -> None:
        """Any move between screens (the viewer chose something else) ends the retries; leaving the player after
        the backend came back mid-play signs in then."""
        self.retry_timer.stop()
        self.retry.reset()
        if name != "player" and self._signin_after_play:
            self._signin_after_play = False
            self.window._show("signin", None)

    def _signed_in(self) -> None:
        """Signed in again in the background while on the player (the window leaves the player alone)."""
        if self.window.current[0] == "player":
            self._retry_now()

    # -- connectivity -----------------------------------------------------------------------
    def check(self) -> None:
        """Ping the catalog; switch to downloads when it fails and back when it answers."""
        if self.ctx.api is None:
            self.ctx.connect(self.ctx.config.backend_url)
        api = self.ctx.api
        self.ctx.engine.submit(api.ping(), self._pinged, lambda exc: self._pinged(False))

    def _pinged(self, up: bool) -> None:
        if not up and not self.offline:
            self.offline = True
            self.ctx.online = False
            self.show_downloaded()
        elif up and self.offline:
            self.offline = False
            self.ctx.online = True
            w = self.window
            signed_out = w.ctx.backend is not None and w.ctx.backend.refresh_token is None
            if w.current[0] == "player" and (w.controller.active or self.retry_timer.isActive()):
                # a running play goes on; a failed one is played again now (after the sign-in when one is needed)
                if not signed_out:
                    self._retry_now()
                elif not w.signin.try_remembered():
                    self._signin_after_play = True
            elif signed_out and not w.signin.try_remembered():
                w._show("signin", None)
            elif w.current[0] == "home":
                w.home.reload()
            else:
                w._show("home", None)

    def _stand_in(self, items: list[Any]) -> None:
        """A stream that failed and waits for its retry while the backend is away plays from this box's download of
        the title (``items``: the downloads), where the resume sync has it, rather than counting down to a retry that
        cannot work; the saved screen stays the stream (:meth:`_play_started`), which a restart with the backend plays."""
        playing = self.window.player.playing()
        if not self.retry_timer.isActive() or playing is None or playing[0] != "title":
            return
        info = next((i for i in items if i.title_id == playing[1] and i.playable), None)
        if info is not None:
            if self.ctx.config.last_screen != f"player:{info.title_id}":  # a stream that failed before it started
                self.ctx.update_config(last_screen=f"player:{info.title_id}")
            self.window._play_download(info, None)

    def _stood_in_for(self) -> str | None:
        """The title whose stream the play on the player stands in for: a download of it while the saved screen is the
        stream (which :meth:`_play_started` keeps), played by :meth:`_stand_in` or on a restart offline."""
        playing = self.window.player.playing()
        if playing is not None and playing[0] == "download" and self.ctx.config.last_screen == f"player:{playing[1]}":
            return playing[1]
        return None

    def stand_in_ended(self) -> bool:
        """A download that stood in for a stream has played to its end: the stream is played again at once, from its
        start (True: the window stays on the player). The box stands for the stream, as its saved screen does, so the
        stand-in's end is not the end of the box's play: going home, as a download's end does, left home or a title
        page on screen for good. From the start, as the title was played to its end (a played-out title starts over:
        the backend's ``resume_s`` and this box's outbox both have it so). With the backend back the title streams, and
        its own end is any stream's end in kiosk mode (Up next, or back where the play came from); still away, that play
        fails as the stream did, and what follows any failure follows: the download stands in again, or without a
        playable one the failure counts down to its retry, played at once when the backend answers. Only a sign-in the
        backend asked for meanwhile, with none remembered, takes the box off the player (False), as at the end of any
        play in that state (:meth:`_screen_changed`): someone has to type it."""
        title_id = self._stood_in_for()
        if title_id is None or self._signin_after_play:
            return False
        self.window.replay(title_id, 0.0)
        return True

    def show_downloaded(self) -> None:
        """Home with only the playable downloads (a tile opens the download's player)."""
        w = self.window

        def show(items: list[Any]) -> None:
            titles = [
                (Title(id=i.title_id, name=i.name, description="", genres=(), cast=(), year=None, duration_s=0.0,
                       audio_langs=(), subtitle_langs=(), artwork_url="", protected=i.protected), None)
                for i in items if i.playable
            ]
            if w.current[0] not in ("home", "player"):
                w._show("home", None, remember=False)  # the box's own move: a restart still restores the last screen
            w.home.show_offline(titles)
            for row in w.home.rows:
                for tile in row.tiles:
                    info = next(i for i in items if i.title_id == tile.title.id)
                    tile.activated.disconnect()
                    tile.activated.connect(lambda _tid, info=info: w._play_download(info))
            kind, _, title_id = self.ctx.config.last_screen.partition(":")
            if kind in ("player", "player-download"):  # restarted offline while it played: its download plays
                w.replay_download(title_id, items)
            self._stand_in(items)

        self.ctx.engine.submit(w.downloads.listing(), show, lambda exc: w.home.show_offline([]))
