"""What an edge does differently for a live channel's files (asked by the responder before it opens a file).

- ``<stem>.m3u8?_HLS_msn=M[&_HLS_part=P]``: blocking playlist reload (RFC 8216bis §6.2.5.2) — hold the
  request until the playlist on disk holds part P of segment M (or segment M whole), 400 when M is
  more than two segments ahead, 503 after three target durations.
- a part that is not written yet (the ``EXT-X-PRELOAD-HINT`` target): hold until it is, then serve it.
- a segment still being written (LL-DASH asks for it ``availabilityTimeOffset`` early): stream the
  growing file with chunked transfer encoding (RFC 9112 §7.1), a chunk per CMAF chunk, until complete.
- ``time``: the edge's clock as ISO 8601 for the MPD's ``UTCTiming`` (http-iso).

Channels are found by (content root, title id) in a small registry filled by the backend, so the edge
needs no new constructor argument. Waits poll the writer's state every ``POLL_S``: the writer runs in
threads, the edge on an event loop, and 10 ms is well under a part.
"""
from __future__ import annotations

import asyncio
import os
import re
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qs

from .channel import LiveChannel
from .hls import iso_time
from .track import COMPLETE, TrackWriter

POLL_S = 0.01
_registry: dict[tuple[str, str], LiveChannel] = {}
_registry_lock = threading.Lock()
_PLAYLIST = re.compile(r"([\w-]+)\.m3u8")
_PART = re.compile(r"([\w-]+)/(\d+)\.(\d+)\.m4s")
_SEGMENT = re.compile(r"([\w-]+)/(\d+)\.m4s")


def register(channel: LiveChannel) -> None:
    """Make the edges serving ``channel``'s content root treat its folder as live."""
    with _registry_lock:
        _registry[_key(channel)] = channel


def unregister(channel: LiveChannel) -> None:
    with _registry_lock:
        if _registry.get(_key(channel)) is channel:
            del _registry[_key(channel)]


def _key(channel: LiveChannel) -> tuple[str, str]:
    return os.path.realpath(channel.folder.parent), channel.settings.title_id


def lookup(root_real: str, title_id: str) -> LiveChannel | None:
    """The live channel serving ``title_id`` under this content root, if any."""
    return _registry.get((root_real, title_id))


@dataclass(frozen=True)
class LiveText:
    """Answer with this status and text instead of a file."""

    status: int
    text: str


@dataclass(frozen=True)
class GrowingFile:
    """A segment being written: stream ``fd`` until ``done()`` and the file stops growing."""

    fd: int
    done: Callable[[], bool]


async def prepare(channel: LiveChannel, relpath: str, query: str, now: float) -> LiveText | GrowingFile | None:
    """Wait or substitute for a live request; None means "serve the file as usual"."""
    if relpath == "time":
        return LiveText(200, iso_time(now))
    s = channel.settings
    if m := _PLAYLIST.fullmatch(relpath):
        track = channel.tracks.get(m.group(1))
        return await _block_reload(track, query, 3 * s.segment_s) if track is not None and query else None
    if m := _PART.fullmatch(relpath):
        part_track = channel.tracks.get(m.group(1))
        wanted = (int(m.group(2)), int(m.group(3)))
        if part_track is not None and not os.path.exists(channel.folder / relpath) and _near(part_track, wanted[0]):
            await _wait(lambda: _reached(part_track, wanted), 2 * s.segment_s)
        return None
    if m := _SEGMENT.fullmatch(relpath):
        track = channel.tracks.get(m.group(1))
        number = int(m.group(2))
        if track is None or os.path.exists(channel.folder / relpath) or not _near(track, number):
            return None
        await _wait(lambda: track.position[0] >= number, 2 * s.segment_s)
        return _open_growing(channel, track, relpath, number)
    return None


async def _block_reload(track: TrackWriter, query: str, limit_s: float) -> LiveText | None:
    params = parse_qs(query)
    msn_text = params.get("_HLS_msn", [None])[0]
    part_text = params.get("_HLS_part", [None])[0]
    if msn_text is None:
        return None if part_text is None else LiveText(400, "_HLS_part without _HLS_msn\n")
    if not msn_text.isdigit() or (part_text is not None and not part_text.isdigit()):
        return LiveText(400, "bad _HLS_msn/_HLS_part\n")
    wanted = (int(msn_text), int(part_text) if part_text is not None else COMPLETE)
    if wanted[0] > track.published[0] + 2:
        return LiveText(400, "_HLS_msn is more than two segments ahead\n")
    if not await _wait(lambda: _reached(track, wanted), limit_s):
        return LiveText(503, "playlist did not reach the requested part in time\n")
    return None


def _reached(track: TrackWriter, wanted: tuple[int, int]) -> bool:
    """The playlist on disk holds part ``wanted`` (or its whole segment, or a later segment)."""
    return track.published >= wanted or track.published[0] > wanted[0]


def _near(track: TrackWriter, number: int) -> bool:
    """Only the segment being written, or the next one, is worth waiting for."""
    return track.position[0] <= number <= track.position[0] + 1


async def _wait(ready: Callable[[], bool], limit_s: float) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while not ready():
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(POLL_S)
    return True


def _open_growing(channel: LiveChannel, track: TrackWriter, relpath: str, number: int) -> GrowingFile | None:
    """Open the in-progress file (or the finished one, if it was renamed meanwhile)."""
    for path in (channel.folder / (relpath + ".tmp"), channel.folder / relpath):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            continue
        return GrowingFile(fd=fd, done=lambda: track.position >= (number, COMPLETE) or track.position[0] > number)
    return None


async def send_growing(send: Callable[[bytes], Awaitable[int]], growing: GrowingFile, limit_s: float) -> int:
    """Send the file as chunks while it grows, then the last chunk; returns the body bytes sent.

    ``send`` is the connection's ``send_all``; ``done`` is checked *before* the last read so bytes
    appended just before completion are never lost.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    sent = 0
    while True:
        finished = growing.done()
        data = os.pread(growing.fd, 1 << 20, sent)
        if data:
            await send(b"%x\r\n" % len(data) + data + b"\r\n")
            sent += len(data)
            continue
        if finished or loop.time() >= deadline:
            break
        await asyncio.sleep(POLL_S)
    await send(b"0\r\n\r\n")
    return sent
