"""A thread-safe, non-seekable byte queue that libmpv reads our MPEG-TS from.

Why non-seekable: python-mpv's ``python_stream`` restarts at byte 0 on every seek, while a
reader object *without* ``seek`` passed to ``register_stream_protocol`` makes mpv treat the
stream as a pipe (PLATFORM.md). ``read`` blocks until bytes arrive, the writer ends the stream,
or the reader is closed; an empty result means end of stream to libmpv (``stream_cb.h``).

A pushed chunk is a whole remuxed segment (~1 MB at 720p) and libmpv reads it 32 KiB at a time, so a
read hands out a slice at an offset into the chunk: slicing off the *rest* each time copied the chunk
over and over (~15 MB per 1 MB segment) and allocated as many segment-sized buffers (issue 19).
"""
from __future__ import annotations

import threading
from collections import deque


class StreamQueue:
    """Producer: ``push()`` / ``end()``; consumer (libmpv's stream thread): ``read()`` / ``close()``."""

    def __init__(self) -> None:
        self._chunks: deque[bytes] = deque()
        self._offset = 0  # bytes of the first chunk already read
        self._cond = threading.Condition()
        self._ended = False
        self._closed = False
        self.bytes_in = 0
        self.bytes_out = 0

    def push(self, data: bytes) -> None:
        """Append bytes for the reader; ignored once the stream has ended or been closed."""
        if not data:
            return
        with self._cond:
            if self._ended or self._closed:
                return
            self._chunks.append(bytes(data))
            self.bytes_in += len(data)
            self._cond.notify_all()

    def end(self) -> None:
        """No more bytes will come: the reader gets EOF after draining the queue."""
        with self._cond:
            self._ended = True
            self._cond.notify_all()

    def read(self, size: int) -> bytes:
        """Up to ``size`` bytes; blocks while the queue is empty and open; b"" at end of stream."""
        with self._cond:
            while not self._chunks and not (self._ended or self._closed):
                self._cond.wait()
            if self._closed or not self._chunks:
                return b""
            head, start = self._chunks[0], self._offset
            end = min(len(head), start + size)
            chunk = head if start == 0 and end == len(head) else head[start:end]
            if end == len(head):
                self._chunks.popleft()
                self._offset = 0
            else:
                self._offset = end
            self.bytes_out += len(chunk)
            return chunk

    def close(self) -> None:
        """Reader is done (libmpv closed the stream, or we replaced it): wake and end any blocked read."""
        with self._cond:
            self._closed = True
            self._chunks.clear()
            self._offset = 0
            self._cond.notify_all()

    cancel = close  # stream_cb.h: abort a blocked read when mpv stops or replaces the file

    @property
    def ended(self) -> bool:
        """The writer called end() (bytes may still be queued)."""
        return self._ended

    @property
    def queued_bytes(self) -> int:
        """Bytes pushed and not yet read by libmpv."""
        with self._cond:
            return sum(len(c) for c in self._chunks) - self._offset
