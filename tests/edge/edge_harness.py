"""Shared helpers for the edge tests: a content tree on disk and an EdgeServer on a loop in a thread.

The edge runs on its own event loop in a background thread (as it would beside the FastAPI app) and the
tests talk to it over real HTTP on 127.0.0.1 with httpx and raw sockets; fault changes cross threads
through ``EdgeServer.set_faults``, which is part of what is exercised.
"""
from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from backend_stub.edge import EdgeServer, FaultConfig
from backend_stub.edge.signing import sign_token, signed_url

SECRET = b"edge-test-secret"
TITLE = "title-1"
SEGMENT_SIZE = 300_000
MANIFEST = b"#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-STREAM-INF:BANDWIDTH=800000\nv0/index.m3u8\n"


@dataclass(frozen=True, kw_only=True)
class Tree:
    """The files the edge serves, with their bytes for comparisons."""

    root: Path
    segment: bytes
    big: bytes
    outside: Path


def make_tree(base: Path) -> Tree:
    """A title folder like the packager's: manifests, init and media segments, artwork, subtitles."""
    root = base / "content"
    title = root / TITLE
    (title / "v0").mkdir(parents=True)
    segment = os.urandom(SEGMENT_SIZE)
    big = os.urandom(2_000_000)
    (title / "master.m3u8").write_bytes(MANIFEST)
    (title / "manifest.mpd").write_bytes(b'<?xml version="1.0"?><MPD type="static"/>')
    (title / "v0" / "init.mp4").write_bytes(os.urandom(900))
    (title / "v0" / "seg_1.m4s").write_bytes(segment)
    (title / "v0" / "big.m4s").write_bytes(big)
    (title / "sub_en.vtt").write_bytes(b"WEBVTT\n")
    (title / "artwork.jpg").write_bytes(b"\xff\xd8\xff" + os.urandom(100))
    staging = root / ".staging" / "job1"
    staging.mkdir(parents=True)
    (staging / "master.m3u8").write_bytes(MANIFEST)
    outside = base / "secret.txt"
    outside.write_bytes(b"top secret\n")
    (title / "escape.m4s").symlink_to(outside)
    return Tree(root=root, segment=segment, big=big, outside=outside)


class RunningEdge:
    """An EdgeServer started on a private event loop in a daemon thread."""

    def __init__(self, root: Path, clock=time.time) -> None:  # noqa: ANN001
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = EdgeServer(root, SECRET, clock=clock)
        self.call(self.server.start())

    def call(self, coro):  # noqa: ANN001, ANN201
        fut: Future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return fut.result(timeout=10)

    def url(self, relpath: str, *, title: str = TITLE, expires: int | None = None) -> str:
        return signed_url(self.server.url, SECRET, title, relpath, expires or int(time.time()) + 600)

    def path(self, relpath: str, *, title: str = TITLE) -> str:
        """The request-target (path only) of a signed URL, for raw-socket requests."""
        return f"/c/{sign_token(SECRET, title, int(time.time()) + 600)}/{title}/{relpath}"

    def set_faults(self, body: dict) -> None:
        self.server.set_faults(FaultConfig.from_json(body))

    def close(self) -> None:
        self.call(self.server.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


def raw_get(port: int, target: str, *, extra: str = "", timeout: float = 5.0) -> socket.socket:
    """Open a connection and send one GET; the caller reads the answer."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.sendall(f"GET {target} HTTP/1.1\r\nHost: edge\r\n{extra}\r\n".encode())
    return sock


def read_response(sock: socket.socket) -> tuple[bytes, bytes, float | None]:
    """Read until EOF or timeout: (head, body bytes received, seconds until the first body byte)."""
    data = bytearray()
    t0 = time.monotonic()
    first_body: float | None = None
    head_end = -1
    while True:
        try:
            chunk = sock.recv(65536)
        except (TimeoutError, socket.timeout):
            break
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
        if head_end < 0:
            head_end = data.find(b"\r\n\r\n")
        if head_end >= 0 and first_body is None and len(data) > head_end + 4:
            first_body = time.monotonic() - t0
    if head_end < 0:
        return bytes(data), b"", first_body
    return bytes(data[:head_end]), bytes(data[head_end + 4 :]), first_body


def wait_records(server: EdgeServer, count: int, timeout: float = 5.0) -> list:
    """The access log once it holds ``count`` records (a record lands just after its last byte is written)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        records = server.requests
        if len(records) >= count:
            return records
        time.sleep(0.005)
    raise AssertionError(f"expected {count} access-log records, have {len(server.requests)}")


def header_value(head: bytes, name: str) -> str | None:
    """A header from a raw response head (case-insensitive)."""
    for line in head.decode("latin-1").split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return None
