"""Register a ``reelbox://`` stream protocol with libmpv whose reads come from :class:`StreamQueue` objects.

Why not python-mpv's ``register_stream_protocol``: its read callback copies the buffer one byte
at a time in Python (~0.1 s of CPU per MB). This is the same libmpv stream_cb API
(``mpv_stream_cb_add_ro``, libmpv/stream_cb.h) with a single ``memmove`` per read. Like the
original, a stream gets no ``seek`` callback, so libmpv treats it as a pipe — except a file that starts
at a time: its queue keeps its head for mpv's start seek (:mod:`.stream_queue`), and the callback
seeks there.

The ctypes callbacks of every stream opened stay alive until :meth:`QueueProtocol.release`, called
once libmpv has terminated. Freeing them when the stream closed crashed the process: ``cancel``
(libmpv's terminating thread) wakes the blocked ``read``, the demuxer thread then runs ``close``,
and ``close`` freed the callbacks while ``cancel`` was still executing one of them (a segfault in
``cancel``, seen once in ~10 runs of the session tests).
"""
from __future__ import annotations

import ctypes
import itertools
import threading
from typing import Any

import mpv

from .mpv_adapter import add_stream_protocol
from .stream_queue import StreamQueue

_LOADING_FAILED = -13  # MPV_ERROR_LOADING_FAILED


class QueueProtocol:
    """Maps ``<proto>://<name>`` URIs to queues; keeps the ctypes callbacks alive while mpv may call them."""

    def __init__(self, player: mpv.MPV, proto: str) -> None:
        self.proto = proto
        self._queues: dict[str, StreamQueue] = {}
        self._lock = threading.Lock()
        self._live: list[list[object]] = []  # every opened stream's callbacks, until release()
        self._names = itertools.count(1)
        self._current: tuple[str, StreamQueue] | None = None
        self._open_cb = add_stream_protocol(player, proto, self._open)

    def url(self, name: str) -> str:
        return f"{self.proto}://{name}"

    def add(self, name: str, queue: StreamQueue) -> str:
        """Make ``queue`` openable as ``<proto>://<name>``; returns that URL."""
        with self._lock:
            self._queues[name] = queue
        return self.url(name)

    @property
    def current(self) -> StreamQueue | None:
        """The queue of the newest stream (what pushes go to)."""
        return None if self._current is None else self._current[1]

    def open_next(self, *, rewindable: bool = False) -> str:
        """A fresh queue under a new name, replacing (closing) the previous one; returns its URL.

        ``rewindable``: libmpv may seek back in the queue's head (a file opened with mpv's ``start``).
        """
        previous = self._current
        name = str(next(self._names))
        self._current = (name, StreamQueue(rewindable=rewindable))
        url = self.add(name, self._current[1])
        if previous is not None:
            previous[1].close()
            self.remove(previous[0])
        return url

    def forget_head(self) -> None:
        """The newest stream is past its start seek: its queue stops keeping what libmpv has read."""
        if self._current is not None:
            self._current[1].forget_head()

    def remove(self, name: str) -> None:
        with self._lock:
            self._queues.pop(name, None)

    def _open(self, _userdata: int, uri: bytes, info_ptr: Any) -> int:
        name = uri.decode("utf-8", "replace").removeprefix(f"{self.proto}://")
        with self._lock:
            queue = self._queues.get(name)
        if queue is None:
            return _LOADING_FAILED

        def read(_cookie: int, buf: ctypes.c_void_p, size: int) -> int:
            data = queue.read(size)
            ctypes.memmove(buf, data, len(data))
            return len(data)

        def close(_cookie: int) -> None:
            queue.close()

        def cancel(_cookie: int) -> None:
            queue.close()

        def seek(_cookie: int, position: int) -> int:
            return queue.seek(position)

        callbacks: list[object] = [mpv.StreamReadFn(read), mpv.StreamCloseFn(close), mpv.StreamCancelFn(cancel)]
        if queue.rewindable:
            callbacks.append(mpv.StreamSeekFn(seek))
        with self._lock:
            self._live.append(callbacks)
        info = info_ptr.contents
        info.cookie = None
        info.read, info.close, info.cancel = callbacks[:3]
        if queue.rewindable:
            info.seek = callbacks[3]
        return 0


    def release(self) -> None:
        """Drop the callbacks of every stream; only once libmpv has terminated (it calls none after that)."""
        with self._lock:
            self._live.clear()
            self._queues.clear()

