"""Helpers shared by every test package (importable as ``testkit``: pytest puts ``tests/`` on sys.path).

- :data:`FAST_SETTINGS`: production API limits with a cheap argon2 cost (the default costs ~0.7 s per
  hash on a busy 2-core box, and tests hash a lot).
- :func:`backends_over`: start real :class:`~backend_stub.server.Backend` s (API + edges on 127.0.0.1)
  over private copies of an encoded title library, so a test may stop, throttle or break its own.
- :class:`MemoryKeyring`: a real ``keyring`` backend kept in a dict, for boxes that have no OS keyring
  (this one: PLATFORM.md); tests choose it explicitly with ``keyring.set_keyring``.
"""
from __future__ import annotations

import contextlib
import random
import shutil
import socket
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring.backend

from backend_stub.config import ApiSettings
from backend_stub.server import Backend

FAST_SETTINGS = ApiSettings(argon2_time_cost=1, argon2_memory_kib=8 * 1024)


@contextlib.contextmanager
def backends_over(library: Path, workdir: Path, **defaults: Any) -> Iterator[Callable[..., Backend]]:
    """Yield ``start(**kwargs) -> Backend``; every backend started is stopped on exit.

    ``kwargs`` (over ``defaults``) go to ``Backend``; ``settings`` defaults to :data:`FAST_SETTINGS`, and
    the demo account is created (``demo_user``): the tests sign in as it.
    """
    started: list[Backend] = []

    def start(**kwargs: Any) -> Backend:
        data = workdir / f"backend{len(started)}"
        shutil.copytree(library, data)
        options = {"settings": FAST_SETTINGS, "demo_user": True, **defaults, **kwargs}
        backend = Backend(data, **options)
        started.append(backend)
        return backend.start()

    try:
        yield start
    finally:
        for backend in started:
            backend.stop()


@contextlib.contextmanager
def sqlite_at(path: Path | str) -> Iterator[sqlite3.Connection]:
    """A connection that commits and is *closed* on exit.

    sqlite3's own ``with`` commits but leaves the connection open until garbage collection; closing it
    then deletes the WAL file under whoever is copying the directory at that moment (a backend
    library's ``copytree`` failed in CI on a vanished ``backend.sqlite-wal``).
    """
    conn = sqlite3.connect(path)
    try:
        with conn:
            yield conn
    finally:
        conn.close()


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A real keyring backend that keeps passwords in a dict."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


async def check_segment_source(source: Any, presentation: Any) -> None:
    """Conformance checks every ``player.source.SegmentSource`` passes (STYLE.md #12).

    For each video and audio rendition: the init segment comes back as an ISO BMFF init (``ftyp``/``moov``),
    the first media segment as a fragment (``moof``/``mdat``) with timings and a CDN index, ``patient``
    is accepted, and the same request twice gives the same bytes.
    """
    for track in (*presentation.tracks_of("video"), *presentation.tracks_of("audio")):
        for rendition in track.renditions:
            init_ref = rendition.init or rendition.segments[0].init
            init = await source.fetch(rendition, init_ref, kind=track.kind, is_init=True)
            assert b"ftyp" in init.body[:64] and b"moov" in init.body, rendition.id
            first = await source.fetch(rendition, rendition.segments[0], kind=track.kind)
            again = await source.fetch(rendition, rendition.segments[0], kind=track.kind, patient=True)
            assert b"moof" in first.body[:4096] and b"mdat" in first.body, rendition.id
            assert again.body == first.body
            assert first.seconds > 0 and first.ttfb_s >= 0 and isinstance(first.cdn, int)


def free_port(span: int = 3) -> int:
    """A port free with the ``span - 1`` after it (a backend's edges listen on port+1...), below Linux's
    ephemeral range (32768+), so no outgoing connection takes one of them between a stop and a restart."""
    for _ in range(200):
        base = random.randrange(20_000, 32_000 - span)
        socks = [socket.socket() for _ in range(span)]
        try:
            for i, s in enumerate(socks):
                s.bind(("127.0.0.1", base + i))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free port span below the ephemeral range")
