"""The backend's live channels as one unit: start them, list them in the catalog, serve them, stop them.

Channel 0 is ``live``, channel 1 ``live-drm`` (protected: its fresh content key goes to ``content_keys``
so the licence server grants it), more are ``live-3``... A channel's catalog row (``live = 1``, genre
"Live") and key exist only while it runs, so a backend started without live lists no dead channel.
"""
from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

import sqlite_utils

from backend_stub.db import content_root
from backend_stub.encode.cenc import ContentKey
from backend_stub.encode.store import open_backend_db

from . import edge
from .channel import LiveChannel
from .settings import LiveSettings


def channel_settings(index: int) -> LiveSettings:
    """``live`` (clear), then ``live-drm`` (CENC, ClearKey licences), then ``live-3``..."""
    if index == 0:
        return LiveSettings()
    if index == 1:
        return LiveSettings(title_id="live-drm", name="Reelbox Live (protected)", protected=True)
    return LiveSettings(title_id=f"live-{index + 1}", name=f"Reelbox Live {index + 1}")


class LiveService:
    """Channels (``count`` standard ones, or the given ``settings``) writing under ``data_dir``'s content tree."""

    def __init__(self, data_dir: Path, count: int = 1, *, settings: Sequence[LiveSettings] | None = None,
                 ffmpeg: str | None = None) -> None:
        self.data_dir = Path(data_dir)
        chosen = list(settings) if settings is not None else [channel_settings(i) for i in range(count)]
        self.channels = [LiveChannel(content_root(self.data_dir), s, ffmpeg=ffmpeg) for s in chosen]

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

    def _list(self, present: bool) -> None:
        if not self.channels:
            return
        db = open_backend_db(self.data_dir, setup=_add_live_column)
        try:
            with db.conn:
                for channel in self.channels:
                    s = channel.settings
                    db.conn.execute("DELETE FROM titles WHERE id = ?", [s.title_id])
                    db.conn.execute("DELETE FROM content_keys WHERE title_id = ?", [s.title_id])
                    if present:
                        db.table("titles").insert(_row(s, channel.key))
                        if channel.key is not None:
                            db.conn.execute("INSERT OR REPLACE INTO content_keys (kid, title_id, key) VALUES (?, ?, ?)",
                                            [channel.key.kid_hex, s.title_id, channel.key.key_hex])
        finally:
            db.close()


def _add_live_column(db: sqlite_utils.Database) -> None:
    if "live" not in db.table("titles").columns_dict:
        db.table("titles").add_column("live", int)


def _row(s: LiveSettings, key: ContentKey | None) -> dict[str, object]:
    return {
        "id": s.title_id, "name": s.name, "live": 1,
        "description": "A generated live channel: the picture shows the UTC time and a frame counter.",
        "genres": json.dumps(["Live"]), "cast": json.dumps([]), "year": None, "duration_s": None,
        "max_height": max(r.height for r in s.rungs), "protected": int(key is not None),
        "kid": key.kid_hex if key else None,
        "audio_langs": json.dumps([s.audio_lang]), "subtitle_langs": json.dumps([]), "published_at": time.time(),
    }
