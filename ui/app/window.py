"""The main window: a navigation bar and a stack of screens, a back stack, and the routes between them.

Desktop, TV and kiosk modes are the same window with different styles and chrome (issue 6). In kiosk
mode the last screen is saved to the config on every move, and the title being played when a play starts
(``player:<id>`` streamed, ``player-download:<id>`` a download; ``KioskGuard`` writes it), so a kiosk
restarted by systemd (power cut, crash) comes back where it was — playing again if it was playing. No
position is saved there: the resume sync already keeps it (the backend's ``resume_s``, the local outbox
for downloads), and a live title starts at its edge anyway.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (QApplication, QFrame, QHBoxLayout, QLabel, QLayout, QMainWindow, QPushButton,
                               QStackedWidget, QVBoxLayout, QWidget)

from ui.app.account_menu import AccountMenu
from ui.app.api import Title
from ui.app.context import AppContext
from ui.app.downloads_bridge import DownloadsBridge
from ui.app.downloads_screen import DownloadsScreen
from ui.app.home_screen import HomeScreen
from ui.app.navigation import FocusNavigator
from ui.app.player_controller import PlayerController
from ui.app.player_screen import PlayerScreen
from ui.app.settings_screen import SettingsScreen
from ui.app.signin_screen import SignInScreen
from ui.app.styles import TV_SAFE_MARGIN, style_sheet
from ui.app.tiles import ArtworkCache
from ui.app.title_screen import TitleScreen

SHUTDOWN_WAIT_S = 5.0  # for the play to end at the app's exit (its last position and its end go to the backend)


class ScreenStack(QStackedWidget):
    """A stack as small as its *current* screen allows: QStackedWidget's minimum is the largest of all its
    screens, which made the TV window taller than 720 px on the offline downloads (the title page's poster)."""

    def __init__(self) -> None:
        super().__init__()
        self.layout().setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.currentChanged.connect(lambda _: self.updateGeometry())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        current = self.currentWidget()
        return current.minimumSizeHint() if current is not None else QSize(0, 0)


class MainWindow(QMainWindow):
    """All screens of the app. ``screen_changed(name)`` after every move (tests wait on it)."""

    screen_changed = Signal(str)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setWindowTitle("Reelbox")
        self.setStyleSheet(style_sheet(ctx.ten_foot))
        self.cache = ArtworkCache(ctx)
        self.controller = PlayerController(ctx.engine)
        self.downloads = DownloadsBridge(ctx)
        ctx.downloads = self.downloads
        self.signin = SignInScreen(ctx)
        self.home = HomeScreen(ctx, self.cache)
        self.title_page = TitleScreen(ctx, self.cache)
        self.player = PlayerScreen(ctx, self.controller)
        self.downloads_page = DownloadsScreen(ctx, self.downloads)
        self.settings = SettingsScreen(ctx)
        self.stack = ScreenStack()
        for screen in (self.signin, self.home, self.title_page, self.player, self.downloads_page, self.settings):
            self.stack.addWidget(screen)
        self.nav = QWidget()
        self.nav.setObjectName("navBar")
        bar = QHBoxLayout(self.nav)
        self.nav_buttons: dict[str, QPushButton] = {}
        brand = QLabel("Reelbox")
        brand.setObjectName("brand")
        bar.addWidget(brand)
        bar.addSpacing(24)
        for label, target in (("Home", "home"), ("Search", "search"), ("Downloads", "downloads"), ("Settings", "settings")):
            b = QPushButton(label)
            b.setCheckable(True)  # the current tab shows an underline (styles: navBar :checked)
            b.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            b.clicked.connect(lambda _=False, t=target: self.go(t))
            bar.addWidget(b)
            self.nav_buttons[target] = b
        bar.addStretch(1)
        self.account = AccountMenu(ctx)
        self.account.open_settings.connect(lambda: self.go("settings"))
        self.account.sign_out.connect(self._account_sign_out)
        bar.addWidget(self.account.button)
        central = QWidget()
        layout = QVBoxLayout(central)
        margin = TV_SAFE_MARGIN if ctx.tv else 0
        layout.setContentsMargins(margin, margin // 2, margin, margin // 2)
        layout.addWidget(self.nav)
        self.offline_banner = self._banner()
        layout.addWidget(self.offline_banner)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self._layout = layout
        self.history: list[tuple[str, Any]] = []
        self.current: tuple[str, Any] = ("signin", None)
        self.navigator = FocusNavigator(lambda: self.stack.currentWidget(), self.go_back, self.centralWidget)
        QApplication.instance().installEventFilter(self.navigator)  # type: ignore[union-attr]
        self.kiosk_guard: Any = None
        self._shut_down = False
        self.offline = False  # no backend: the downloads are home, a banner says so

        self.signin.signed_in.connect(self._signed_in)
        self.signin.unreachable.connect(self.go_offline)
        self.signin.open_screen.connect(self.go)
        self.home.open_title.connect(lambda tid: self.go("title", tid))
        self.home.play_title.connect(self._play_title)
        self.title_page.play.connect(self._play)
        self.title_page.download.connect(self._download)
        self.player.back.connect(self.leave_player)
        self.player.ended.connect(self._player_ended)
        self.player.toggle_fullscreen.connect(self.toggle_fullscreen)
        self.player.next_title = self._next_title
        self.downloads_page.play_download.connect(self._play_download)
        self.settings.backend_changed.connect(self._sign_out)
        self.settings.sign_out.connect(self._sign_out)
        self.downloads.progress.connect(self._download_progress)
        QShortcut(QKeySequence("Ctrl+F"), self, activated=lambda: self.go("search"))
        self._show("signin", None)

    # -- routing ----------------------------------------------------------------------------
    def start(self) -> None:
        """Sign in with a remembered token when there is one, else show the sign-in screen; with no backend
        to reach, open on the downloads (issue 18 defect 6)."""
        self.downloads.open()
        if not self.signin.try_remembered():
            self.signin.focus_first()
            self.ctx.connect(self.ctx.config.backend_url)
            api = self.ctx.api
            assert api is not None
            self.ctx.engine.submit(api.ping(), lambda up: self._first_ping(api, up), lambda _exc: self._first_ping(api, False))

    def _first_ping(self, api: Any, up: bool) -> None:
        """Offline when nothing answered, unless a sign-in has replaced that client meanwhile (its close fails the ping)."""
        if not up and self.ctx.api is api and self.current[0] == "signin":
            self.go_offline()

    # -- offline ----------------------------------------------------------------------------
    def _banner(self) -> QFrame:
        banner = QFrame()
        banner.setObjectName("offlineBanner")
        row = QHBoxLayout(banner)
        self.offline_text = QLabel("")
        self.offline_text.setWordWrap(True)
        self.retry_button = QPushButton("Try again")
        self.retry_button.clicked.connect(self.retry_online)
        row.addWidget(self.offline_text, 1)
        row.addWidget(self.retry_button)
        banner.hide()
        return banner

    def go_offline(self) -> None:
        """No backend: say so, and show what still works (downloads, settings)."""
        if self.kiosk_guard is not None or self.offline:
            return  # kiosk mode has its own fallback (home with the downloaded titles)
        self.offline = True
        self.ctx.online = False
        self.offline_text.setText(f"Offline: {self.ctx.config.backend_url} cannot be reached. Your downloads still play; "
                                  "the address is in Settings.")
        self.offline_banner.show()
        for name in ("home", "search"):
            self.nav_buttons[name].hide()
        self.history.clear()
        self._show("downloads", None)

    def retry_online(self) -> None:
        """Ping the backend again; back to signing in when it answers."""
        self.ctx.connect(self.ctx.config.backend_url)
        api = self.ctx.api
        assert api is not None
        self.offline_text.setText(f"Trying {self.ctx.config.backend_url} …")
        self.ctx.engine.submit(api.ping(), lambda up: self._back_online() if up else self._still_offline(),
                               lambda _exc: self._still_offline())

    def _still_offline(self) -> None:
        self.offline = False  # let go_offline write the sentence again
        self.go_offline()

    def _back_online(self) -> None:
        self.offline = False
        self.ctx.online = True
        self.offline_banner.hide()
        for name in ("home", "search"):
            self.nav_buttons[name].show()
        self.history.clear()
        self._show("signin", None)
        if not self.signin.try_remembered():
            self.signin.focus_first()

    def _signed_in(self) -> None:
        if self.current[0] == "player":
            return  # signed in again in the background (kiosk: the backend came back): the play stays
        self.history.clear()
        last = self.ctx.config.last_screen if self.ctx.kiosk else "home"
        self._show("home", None, remember=last in ("home", "downloads"))
        kind, _, arg = last.partition(":")
        if kind == "title":
            self.go("title", arg)
        elif last == "downloads":
            self.go(last)
        elif kind == "player":
            self.replay(arg)
        elif kind == "player-download":
            self.replay_download(arg)

    def replay(self, title_id: str, start_s: float | None = None) -> None:
        """Stream ``title_id`` again, with the catalog's facts (languages, live): from home after a restart (``start_s``
        None: a VOD title where the resume sync has it, a live one at its edge), and on a kiosk's player once the
        download that stood in for the stream has ended (``KioskGuard.stand_in_ended``). Not if the viewer has moved
        on meanwhile. A title the catalog no longer has leaves the box on home."""
        api = self.ctx.api
        assert api is not None
        where = self.current

        def play(title: Title | None) -> None:
            if self.current == where and not self.controller.active:
                self._play(title_id, start_s, title)

        def failed(exc: BaseException) -> None:
            if getattr(exc, "status", None) == 404:
                self._show("home", None)
            else:
                play(None)  # the catalog is slow or away: the play says why, and a kiosk tries it again

        self.ctx.engine.submit(api.title(title_id), play, failed)

    def replay_download(self, title_id: str, items: list[Any] | None = None) -> None:
        """Play the download of ``title_id`` again after a restart, from this box's last position (``items``: the
        downloads when the caller has just listed them)."""

        def play(items: list[Any]) -> None:
            info = next((i for i in items if i.title_id == title_id and i.playable), None)
            if info is not None and self.current[0] == "home" and not self.controller.active:
                self._play_download(info, None)

        if items is not None:
            play(items)
        else:
            self.ctx.engine.submit(self.downloads.listing(), play, lambda _exc: None)

    def go(self, name: str, arg: Any = None) -> None:
        """Move to a screen, remembering where we were (Settings in kiosk mode only with the PIN: :meth:`_may_show`; off
        the player too — Ctrl+F there — as :meth:`leave_player`)."""
        if name == "search":
            if self.current[0] != "home":
                self.go("home")
            if self.current[0] != "player":  # a kiosk's player stays without the PIN
                self.home.search.setFocus()
            return
        if not self._may_show(name) or self.current[0] == "player" and not self._operator_allows("leave the player"):
            return
        if self.current[0] == "player":
            self.player.leave()
        self.history.append(self.current)
        self._show(name, arg)

    def go_back(self) -> None:
        if self.current[0] == "player":
            self.player.leave()
            if self.isFullScreen() and not self.ctx.kiosk:
                self.showNormal()
        if not self.history or self.current[0] in ("signin", "home") and not self.history[:-1]:
            if self.current[0] != "home" and self.current[0] != "signin":
                self._show("home", None)
            return
        here, entry = self.current, self.history[-1]
        name, arg = entry
        if not self._may_show(name):
            return
        if self.current != here or not self.history or self.history[-1] != entry:
            return  # the screens moved while the PIN was asked (the kiosk signed in again): this Back is stale
        self.history.pop()
        if name == "player":  # never return into a finished player
            name, arg = ("title", self.player.title.id) if self.player.title else ("home", None)
        self._show(name, arg)

    def _operator_allows(self, action: str) -> bool:
        """The one gate on the kiosk operator's actions (leaving the player, opening Settings, signing out): always
        on a desktop, in kiosk mode only with the PIN (:meth:`KioskGuard.operator_allows`). Refused, the caller keeps
        the screen as it is."""
        return self.kiosk_guard is None or self.kiosk_guard.operator_allows(action)

    def _may_show(self, name: str) -> bool:
        """Whether a move the viewer asked for (:meth:`go`, :meth:`go_back`) may show ``name``: entering Settings is
        the operator's in kiosk mode, by whichever route (the account menu, the sign-in screen's link, Back)."""
        return name != "settings" or self.current[0] == "settings" or self._operator_allows("open Settings")

    def leave_player(self) -> None:
        """The viewer leaves the player — its Back (its button, Esc, a remote's Back, the Stop media key) or MPRIS
        Stop; in kiosk mode only with the PIN. While the PIN is asked the play may end by itself and leave: the answer
        then moves nothing."""
        if self.current[0] != "player" or not self._operator_allows("leave the player"):
            return
        if self.current[0] == "player":  # still there after the PIN was asked
            self.go_back()

    def _show(self, name: str, arg: Any, *, remember: bool = True) -> None:
        """Show screen ``name``; ``remember=False``: a move the box made by itself (the kiosk's offline fallback, the
        home under a restored screen), which must not replace what a restart should restore."""
        screens = {"signin": self.signin, "home": self.home, "title": self.title_page, "player": self.player,
                   "downloads": self.downloads_page, "settings": self.settings}
        if name == "home" and self.offline:
            name, arg = "downloads", None  # offline, the downloads are home
        screen = screens[name]
        self.current = (name, arg)
        self.nav.setVisible(name not in ("signin", "player"))
        tab = {"home": "home", "title": "home", "downloads": "downloads", "settings": "settings"}.get(name)
        for target, button in self.nav_buttons.items():
            button.setChecked(target == tab)
        self.account.refresh()
        self.stack.setCurrentWidget(screen)
        if name == "home":
            self.home.reload()
        elif name == "title" and isinstance(arg, str):
            self.title_page.show_title(arg)
            self.title_page.set_download_progress(self.downloads.by_title.get(arg))
        elif name == "downloads":
            self.downloads_page.reload()
        if name != "player":
            screen.focus_first()
        # Settings is never saved for a kiosk to restore: it would stand open, PIN or not, after a restart
        if self.ctx.kiosk and remember and name in ("home", "title", "downloads"):
            saved = f"title:{arg}" if name == "title" else name
            if saved != self.ctx.config.last_screen:
                self.ctx.update_config(last_screen=saved)
        self.screen_changed.emit(name)

    # -- actions ----------------------------------------------------------------------------
    def _enter_player(self, title_id: str) -> None:
        """Show the player for a play of ``title_id``, remembering where the viewer was — not the player itself when a
        play follows another there (a kiosk's retries and stand-ins, for months: Back never returns into a finished
        player anyway)."""
        if self.current[0] != "player":
            self.history.append(self.current)
        self._show("player", title_id)
        self.player.setFocus()

    def _play_title(self, title: Title, start_s: float | None) -> None:
        """Play from home's hero (no title page in between)."""
        self._enter_player(title.id)
        self.player.play(title.id, start_s, title)

    def _play(self, title_id: str, start_s: float | None, title: Title | None = None) -> None:
        if title is None and self.title_page.title and self.title_page.title.id == title_id:
            title = self.title_page.title
        self._enter_player(title_id)
        self.player.play(title_id, start_s, title)

    def _play_download(self, info: Any, start_s: float | None = 0.0) -> None:
        """Play a download (from the start; ``start_s`` None: where this box last was, the resume sync's outbox)."""
        from player.playback import PlaybackSession, SessionOptions

        bridge = self.downloads
        ctx = self.ctx

        def factory(wid: int | None) -> PlaybackSession:
            offline = ctx.engine.submit(bridge.open_offline(info.asset_id)).result(10)
            opts: dict[str, Any] = {"keepaspect": True} | ({"wid": wid} if wid is not None else {})
            return PlaybackSession(target=info.title_id, options=SessionOptions(vo=ctx.vo, ao=ctx.ao, mpv_options=opts, start_s=start_s),
                                   source=offline.source, presentation=offline.presentation, keys=offline.keys)

        self._enter_player(info.title_id)
        title = Title(id=info.title_id, name=info.name, description="", genres=(), cast=(), year=None, duration_s=0.0,
                      audio_langs=(), subtitle_langs=(), artwork_url="", protected=info.protected)
        self.player.play_offline(factory, title)

    def _next_title(self, title_id: str) -> Title | None:
        """What "Up next" offers after ``title_id``: the title after it on home, in reading order."""
        seen: list[Title] = []
        for row in self.home.rows:
            for tile in row.tiles:
                if not tile.title.live and all(t.id != tile.title.id for t in seen):  # a channel never ends
                    seen.append(tile.title)
        ids = [t.id for t in seen]
        if title_id not in ids or len(ids) < 2:
            return None
        return seen[(ids.index(title_id) + 1) % len(seen)]

    def _player_ended(self) -> None:
        """A play ended with nothing to follow: back where it came from; a kiosk's stand-in download goes back to its
        stream instead (:meth:`KioskGuard.stand_in_ended`)."""
        if self.current[0] == "player" and not (self.kiosk_guard is not None and self.kiosk_guard.stand_in_ended()):
            self.go_back()

    def _download(self, title_id: str) -> None:
        self.downloads.start(title_id)
        self.title_page.download_button.setText("Downloading…")

    def _download_progress(self, prog: Any) -> None:
        title = self.title_page.title
        if self.current[0] == "title" and title is not None and self.downloads.by_title.get(title.id) is prog:
            self.title_page.set_download_progress(prog)

    def _account_sign_out(self) -> None:
        """The account menu's Sign out, in kiosk mode only with the PIN. (Settings' own Sign out, and a new backend URL
        there, sign out at once: in kiosk mode Settings opens only with the PIN.)"""
        if self._operator_allows("sign out"):
            self._sign_out()

    def _sign_out(self) -> None:
        from ui.app import credentials

        credentials.forget(self.ctx.config.backend_url, self.ctx.config.email)
        if self.offline:
            self._back_online()  # a new backend address: try it
            return
        self.history.clear()
        self._show("signin", None)

    def toggle_fullscreen(self) -> None:
        if self.ctx.kiosk:
            return
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()

    # -- closing ----------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if self.kiosk_guard is not None and not self.kiosk_guard.may_close():
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Before the engine loop goes (``ctx.engine.stop()`` next), in this order: no more timers that start work (a
        kiosk's pings and retries, "Up next"), the play ended — waited for, so that its last position and its end reach the
        backend — the downloads stopped and their database closed, and last the backend client closed, all on the engine
        loop. Once: the window's close and the app's exit both call it."""
        if self._shut_down:
            return
        self._shut_down = True
        QApplication.instance().removeEventFilter(self.navigator)  # type: ignore[union-attr]
        if self.kiosk_guard is not None:
            self.kiosk_guard.stop()
        self.player.leave()
        self.controller.stop(wait_s=SHUTDOWN_WAIT_S)
        self.downloads.close()
        self.ctx.close()
