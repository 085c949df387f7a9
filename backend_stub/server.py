"""The backend process: the API (uvicorn) on one asyncio loop and each of N edges on its own (threads).

``Backend`` is what tests and ``reelbox demo`` embed (a context manager); ``serve_forever`` is
``reelbox backend`` (DESIGN.md command line): it builds the demo catalog on first start with a
progress bar on stderr, prints the URLs and stops cleanly on SIGINT/SIGTERM with exit status 0 and no
ffmpeg left behind.

The demo admin (``demo@reelbox.local`` / ``demo``, premium) is created only when asked for
(``demo_user=True``: ``reelbox demo`` and test fixtures) and only on loopback; ``reelbox backend``
never creates it, and bound to any other address the backend refuses to start while that account
still has its published password (issue 16).

Ports: with a fixed API port P the edges listen on P+1..P+N; with port 0 every port is ephemeral.
Set ``REELBOX_DEMO_CATALOG=0`` to skip the demo catalog build (tests of the process itself).
"""
from __future__ import annotations

import asyncio
import ipaddress
import os
import signal
import socket
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from backend_stub.api import build_context, create_app
from backend_stub.api.clock import Clock
from backend_stub.api.context import AppContext
from backend_stub.api.errors import ApiError
from backend_stub.api.ingest import EncoderIngest
from backend_stub.api.logs import install_json_logging
from backend_stub.api.users import ensure_admin, ensure_user, find_by_email
from backend_stub.config import (
    DEMO_EMAIL, DEMO_PASSWORD, DEMO_PLAN, AdminAccountError, ApiSettings, admin_from_env, resolve_data_dir,
)
from backend_stub.db import content_root
from backend_stub.edge import EdgeServer, EdgeStateError
from backend_stub.edge.host import EdgeHost

START_TIMEOUT_S = 30.0
# The API loop, the edges' loops and the worker threads share one GIL; Python's default 5 ms switch
# interval let a busy thread hold a segment answer back by that much per hand-over.
GIL_SWITCH_INTERVAL_S = 0.001


class BackendError(RuntimeError):
    """The backend could not start (port in use, edge failure...)."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` only listens on this machine (``localhost`` or a loopback address)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def has_default_credentials(ctx: AppContext) -> bool:
    """Whether the demo admin exists with its published password."""
    found = ctx.database.call(find_by_email, DEMO_EMAIL)
    return found is not None and ctx.passwords.matches(found[1], DEMO_PASSWORD)


def refuse_default_credentials(ctx: AppContext, host: str) -> None:
    """Raise BackendError when the demo admin still has its published password (issue 16, item 5)."""
    if has_default_credentials(ctx):
        raise BackendError(
            f"refusing to listen on {host}: the demo admin {DEMO_EMAIL} still has its default password; "
            f"delete it (sqlite3 {ctx.data_dir / 'backend.sqlite'} \"DELETE FROM users WHERE email='{DEMO_EMAIL}'\") "
            "or listen on 127.0.0.1"
        )


class Backend:
    """API + edges for one data directory, running until :meth:`stop`.

    ``demo_user`` creates the demo admin (``reelbox demo``, test fixtures); only on loopback. ``admin``
    (e-mail, password) creates or resets the operator's administrator.

    ``clock`` drives the API's decisions (token/session expiry, licences); edges keep the real clock,
    so an API clock set in the past yields edge URLs that are already expired.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        edges: int = 2,
        build_demo: bool = False,
        clock: Clock | None = None,
        settings: ApiSettings | None = None,
        progress: Any = None,
        ingest_worker: bool = True,
        live_channels: int = 0,
        demo_user: bool = False,
        admin: tuple[str, str] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.host = host
        self.port = port
        self.n_edges = edges
        self.build_demo = build_demo
        self.demo_user = demo_user
        self.admin = admin
        self.progress = progress
        self._clock = clock
        self._settings = settings
        self.ctx: AppContext | None = None
        self.api_url = ""
        self.edges: list[Any] = []
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._ingest_worker = ingest_worker
        self._worker: threading.Thread | None = None
        self._worker_stop = threading.Event()
        self._edge_hosts: list[EdgeHost] = []
        self._live_count = live_channels
        self.live: Any = None  # backend_stub.live.LiveService while live channels run

    @property
    def edge_urls(self) -> list[str]:
        return [e.url for e in self.edges]

    # ------------------------------------------------------------------ life cycle
    def start(self) -> Backend:
        if self.demo_user and not is_loopback(self.host):
            raise BackendError(f"the demo account is for a backend on loopback only, not on {self.host}")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if sys.getswitchinterval() > GIL_SWITCH_INTERVAL_S:
            sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        if self.build_demo:
            from backend_stub.encode.catalog import build_demo_catalog  # the encoder's; minutes on first run

            build_demo_catalog(self.data_dir, self.progress or (lambda f, m: None))
        ctx = build_context(self.data_dir, clock=self._clock, settings=self._settings)
        self.ctx = ctx
        try:
            self._accounts(ctx)
        except (BackendError, ApiError) as exc:
            self.stop()
            raise BackendError(str(exc)) from None
        ctx.ingest = EncoderIngest(self.data_dir, ctx.clock)
        if self._live_count:
            from backend_stub.live.service import LiveService

            self.live = LiveService(self.data_dir, self._live_count).start()
        if self._ingest_worker:
            from backend_stub.encode.worker import run_jobs

            self._worker = threading.Thread(target=run_jobs, args=(self.data_dir, self._worker_stop),
                                            name="reelbox-ingest", daemon=True)
            self._worker.start()
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            self.stop()
            raise BackendError(f"cannot listen on {self.host}:{self.port}: {exc.strerror}") from None
        # Accepted sockets inherit TCP_NODELAY: without it a JSON answer waits ~40 ms for the client's
        # delayed ACK (Nagle), which was most of a player's time to first frame.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.listen(1024)
        try:
            self._start_edges(ctx)
        except EdgeStateError as exc:
            sock.close()
            self.stop()
            raise BackendError(str(exc)) from None
        api_port = sock.getsockname()[1]
        shown = f"[{self.host}]" if ":" in self.host else self.host
        self.api_url = f"http://{shown}:{api_port}"
        config = uvicorn.Config(
            create_app(ctx), log_config=None, access_log=False, lifespan="off",
            timeout_graceful_shutdown=2, server_header=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, args=(sock,), name="reelbox-backend", daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_S) or self._failure is not None:
            failure = self._failure
            self.stop()
            raise BackendError(f"backend failed to start: {failure or 'timeout'}") from None
        return self

    def _accounts(self, ctx: AppContext) -> None:
        """The demo admin and the operator's admin when asked for; off loopback, no published password."""
        now = ctx.clock.now()
        if self.demo_user:
            ctx.database.call(ensure_user, ctx.passwords, email=DEMO_EMAIL, password=DEMO_PASSWORD, plan=DEMO_PLAN,
                              is_admin=True, now=now)
        if self.admin is not None:
            ctx.database.call(ensure_admin, ctx.passwords, email=self.admin[0], password=self.admin[1], now=now)
        if not is_loopback(self.host):
            refuse_default_credentials(ctx, self.host)

    def _run(self, sock: socket.socket) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main(sock))
        except BaseException as exc:  # reported to start(); the thread must not die silently
            self._failure = exc
        finally:
            self._ready.set()
            loop.close()

    def _start_edges(self, ctx: AppContext) -> None:
        """Each edge on its own loop and thread, so a busy API never delays a segment (issue 16)."""
        base = self.port
        for i in range(self.n_edges):
            edge = EdgeServer(content_root(self.data_dir), ctx.secrets.edge_secret,
                              host=self.host, port=base + 1 + i if base else 0,
                              session_alive=lambda sid: ctx.sessions.is_live(sid, now=ctx.clock.now()))
            host = EdgeHost(edge, name=f"reelbox-edge-{i}")
            self._edge_hosts.append(host)
            self.edges.append(host.start())
        ctx.edges.extend(self.edges)

    async def _main(self, sock: socket.socket) -> None:
        assert self._server is not None and self.ctx is not None
        try:
            serving = asyncio.ensure_future(self._server.serve(sockets=[sock]))
            while not self._server.started and not serving.done():
                await asyncio.sleep(0.01)
            if serving.done():
                serving.result()
                raise BackendError("API server stopped during start")
            self._ready.set()
            await serving
        finally:
            sock.close()

    def stop(self) -> None:
        """Stop the API and the edges and wait for the thread (idempotent)."""
        if self._server is not None:
            self._server.should_exit = True
        self._worker_stop.set()
        if self.live is not None:
            self.live.stop()
            self.live = None
        if self._worker is not None:
            self._worker.join(timeout=15)  # the worker kills its ffmpeg children and re-queues the job
            self._worker = None
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=15)
        self._thread = None
        for host in self._edge_hosts:
            host.stop()
        self._edge_hosts = []
        if self.ctx is not None:
            self.ctx.telemetry.close()
            self.ctx.database.close()
            self.ctx = None

    def __enter__(self) -> Backend:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


# ---------------------------------------------------------------------- `reelbox backend`
class _Terminate(Exception):
    """Raised in the main thread by the SIGTERM handler so ``finally`` blocks run as for Ctrl-C."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise _Terminate()


class ProgressBar:
    """A one-line progress bar on stderr for the demo catalog build (``Progress(fraction, message)``)."""

    def __init__(self, stream: Any = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.width = width

    def __call__(self, fraction: float, message: str) -> None:
        f = min(max(fraction, 0.0), 1.0)
        filled = int(f * self.width)
        self.stream.write(f"\rbuilding demo catalog [{'#' * filled}{'.' * (self.width - filled)}] {f * 100:5.1f}% {message[:40]:<40}")
        if f >= 1.0:
            self.stream.write("\n")
        self.stream.flush()


def _kill_encoders() -> None:
    try:
        from backend_stub.encode.runner import kill_all
    except ImportError:
        return
    kill_all()


def serve_forever(host: str, port: int, edges: int, data_dir: str | os.PathLike[str] | None) -> int:
    """Run the backend until SIGINT/SIGTERM; 0 on a clean stop (``reelbox backend``)."""
    install_json_logging()
    folder = resolve_data_dir(data_dir)
    build = os.environ.get("REELBOX_DEMO_CATALOG", "1") != "0"
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    live = int(os.environ.get("REELBOX_LIVE_CHANNELS", "1"))
    try:
        admin = admin_from_env(os.environ)
    except AdminAccountError as exc:
        raise BackendError(str(exc)) from None
    backend = Backend(folder, host=host, port=port, edges=edges, build_demo=build, progress=ProgressBar(),
                      live_channels=live, admin=admin)
    stop = threading.Event()
    try:
        backend.start()
        print(f"Reelbox backend: API {backend.api_url}/api/v1 (OpenAPI {backend.api_url}/openapi.json)", flush=True)
        for i, url in enumerate(backend.edge_urls):
            print(f"  edge {i}: {url}", flush=True)
        print(f"  data: {folder}", flush=True)
        if admin is not None:
            print(f"  admin: {admin[0]} (password from REELBOX_ADMIN_PASSWORD)", flush=True)
        if backend.ctx is not None and has_default_credentials(backend.ctx):
            print(f"  warning: {DEMO_EMAIL} (made by `reelbox demo` in this data directory) still has its "
                  "default password: this backend will refuse to listen beyond loopback", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        while not stop.wait(1.0):
            pass
    except (KeyboardInterrupt, _Terminate):
        print("stopping", file=sys.stderr, flush=True)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second TERM must not interrupt the clean-up
        try:
            _kill_encoders()
            backend.stop()
        finally:
            signal.signal(signal.SIGTERM, previous)
    return 0
