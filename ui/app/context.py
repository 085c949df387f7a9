"""What every screen shares: the engine thread, settings, the signed-in backend and the mode."""
from __future__ import annotations

import concurrent.futures
import contextlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from player.backend import BackendClient
from ui.app.api import CatalogApi
from ui.app.config import AppConfig, save_config
from ui.app.engine_thread import EngineThread


@dataclass(kw_only=True)
class AppContext:
    """Mutable app-wide state (one per window); the config is saved on every change."""

    engine: EngineThread
    config: AppConfig
    config_file: Path | None = None
    tv: bool = False
    kiosk: bool = False
    vo: str = "x11"
    ao: str = "auto"
    backend: BackendClient | None = None
    api: CatalogApi | None = None
    downloads: Any = None  # downloads.DownloadManager when available
    online: bool = True
    extra: dict[str, Any] = field(default_factory=dict)
    saved_backend_url: str | None = None  # set: the backend in use is for this run only, save this one instead
    _closing: list[concurrent.futures.Future[Any]] = field(default_factory=list, init=False, repr=False)  # replaced clients

    @property
    def ten_foot(self) -> bool:
        """The 10-foot sizes (large type, tiles and controls): a TV, and a kiosk too — read standing, from a few metres.
        What only a TV needs (overscan margins, the remote's keys, MPRIS) follows ``tv`` alone."""
        return self.tv or self.kiosk

    def update_config(self, **changes: Any) -> None:
        self.config = replace(self.config, **changes)
        keep = self.saved_backend_url
        save_config(self.config if keep is None else replace(self.config, backend_url=keep), self.config_file)

    def connect(self, backend_url: str) -> None:
        """A fresh (not yet signed-in) backend client for ``backend_url``; old clients close on the engine loop."""
        old_backend = self.backend
        self.backend = BackendClient(backend_url)
        self.api = CatalogApi(self.backend)
        self._closing = [f for f in self._closing if not f.done()]
        if old_backend is not None:
            self._closing.append(self.engine.submit(old_backend.aclose()))

    def close(self, timeout_s: float = 5.0) -> None:
        """The app's exit, once its plays and downloads have stopped and before the engine loop does: close the backend
        client (its keep-alive connections) on the engine loop, and wait for replaced ones still closing there. The closed
        client stays in place: a request made after this fails, where a missing one would have a new client made."""
        closing, self._closing = self._closing, []
        for future in closing:
            with contextlib.suppress(Exception):  # closing on the way out must not stop the exit
                future.result(timeout_s)
        if self.backend is not None:
            self.engine.finish(self.backend.aclose(), timeout_s)
