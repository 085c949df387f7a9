"""The backend's live channels as one unit: start them, list them in the catalog, serve them, stop them.

Channel ``i`` has the id ``live`` (``live-2``, ``live-3``... for more). Its catalog row (``live = 1``,
genre "Live") exists only while it runs, so a backend started without live lists no dead channel.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import sqlite_utils

from backend_stub.db import content_root
from backend_stub.encode.store import open_backend_db

from . import edge
from .channel import LiveChannel
from .settings import LiveSettings


def channel_settings(index: int) -> LiveSettings:
    if index == 0:
        return LiveSettings()
    return LiveSettings(title_id=f"live-{index + 1}", name=f"Reelbox Live {index + 1}")


class LiveService:
    """``count`` channels writing under ``data_dir``'s content tree."""

    def __init__(self, data_dir: Path, count: int, *, ffmpeg: str | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.channels = [LiveChannel(content_root(self.data_dir), channel_settings(i), ffmpeg=ffmpeg)
                         for i in range(count)]

    def start(self) -> LiveService:
        for channel in self.channels:
            channel.start()
            edge.register(channel)
        self._list(True)
        return self

    def stop(self) -> None:
        for channel in self.channels:
            edge.unregister(channel)
            channel.stop()
        self._list(False)

    def channel(self, title_id: str) -> LiveChannel | None:
        return next((c for c in self.channels if c.settings.title_id == title_id), None)

    def _list(self, present: bool) -> None:
        if not self.channels:
            return
        db = open_backend_db(self.data_dir, setup=_add_live_column)
        try:
            with db.conn:
                for channel in self.channels:
                    s = channel.settings
                    db.conn.execute("DELETE FROM titles WHERE id = ?", [s.title_id])
                    if present:
                        db.table("titles").insert(_row(s))
        finally:
            db.close()


def _add_live_column(db: sqlite_utils.Database) -> None:
    if "live" not in db.table("titles").columns_dict:
        db.table("titles").add_column("live", int)


def _row(s: LiveSettings) -> dict[str, object]:
    return {
        "id": s.title_id, "name": s.name, "live": 1,
        "description": "A generated live channel: the picture shows the UTC time and a frame counter.",
        "genres": json.dumps(["Live"]), "cast": json.dumps([]), "year": None, "duration_s": None,
        "max_height": max(r.height for r in s.rungs), "protected": 0, "kid": None,
        "audio_langs": json.dumps([s.audio_lang]), "subtitle_langs": json.dumps([]), "published_at": time.time(),
    }
