"""A thread-safe byte queue that libmpv reads our MPEG-TS from; it seeks only inside a kept head.

Why mostly non-seekable: python-mpv's ``python_stream`` restarts at byte 0 on every seek, while a
reader object *without* ``seek`` passed to ``register_stream_protocol`` makes mpv treat the
stream as a pipe (PLATFORM.md). ``read`` blocks until bytes arrive, the writer ends the stream,
or the reader is closed; an empty result means end of stream to libmpv (``stream_cb.h``).

Why a kept head (``rewindable``): a file that starts at a time inside its first GOP is opened with
mpv's ``start`` option, and mpv's start seek asks libavformat to seek; libavformat's MPEG-TS seek
reads timestamps from byte 0 and, finding no end to the stream, leaves the read position there
(``ff_find_last_ts``). Reading then starts again at the GOP's keyframe and mpv's hr-seek drops the
frames before the target: one decode pass, no wait for the next segment. mpv's own stream buffer
keeps only 64 KiB behind its reader, less than a keyframe and its probe at 720p, so the queue keeps
every byte from 0 until :meth:`StreamQueue.forget_head` (the file's first frame); a seek outside
what it holds is refused, as on a pipe.

A pushed chunk is a whole remuxed segment (~1 MB at 720p) and libmpv reads it 32 KiB at a time, so a
read hands out a slice at an offset into the chunk: slicing off the *rest* each time copied the chunk
over and over (~15 MB per 1 MB segment) and allocated as many segment-sized buffers (issue 19).
"""
from __future__ import annotations

import threading
from collections import deque


class StreamQueue:
    """Producer: ``push()`` / ``end()``; consumer (libmpv's stream thread): ``read()`` / ``seek()`` / ``close()``."""

    def __init__(self, *, rewindable: bool = False) -> None:
        """``rewindable``: keep every byte from 0 (until :meth:`forget_head`) so that libmpv may seek back there."""
        self._chunks: deque[bytes] = deque()  # from stream offset ``_base``; the first ``_index`` of them read
        self._base = 0
        self._index = 0  # the chunk being read
        self._offset = 0  # bytes of it already read
        self._keep = rewindable
        self._cond = threading.Condition()
        self._ended = False
        self._closed = False
        self.bytes_in = 0
        self.bytes_out = 0  # handed to the reader (bytes read again after a seek count again)

    @property
    def rewindable(self) -> bool:
        """Whether the head is still kept (a seek may go back to byte 0)."""
        return self._keep

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
        """Up to ``size`` bytes; blocks while nothing is unread and the stream is open; b"" at end of stream."""
        with self._cond:
            while self._index == len(self._chunks) and not (self._ended or self._closed):
                self._cond.wait()
            if self._closed or self._index == len(self._chunks):
                return b""
            head, start = self._chunks[self._index], self._offset
            end = min(len(head), start + size)
            chunk = head if start == 0 and end == len(head) else head[start:end]
            if end == len(head):
                self._index += 1
                self._offset = 0
                if not self._keep:
                    self._drop_read()
            else:
                self._offset = end
            self.bytes_out += len(chunk)
            return chunk

    def seek(self, position: int) -> int:
        """Move the reader to byte ``position``; -1 (refused) unless it is where the reader is or, while the
        head is kept, anywhere in what was pushed."""
        with self._cond:
            if self._closed:
                return -1
            at = self._base + sum(len(self._chunks[i]) for i in range(self._index)) + self._offset
            if position == at:
                return position
            if not self._keep or not 0 <= position <= self._base + sum(map(len, self._chunks)):
                return -1
            at, self._index, self._offset = self._base, 0, 0
            while self._index < len(self._chunks) and position >= at + len(self._chunks[self._index]):
                at += len(self._chunks[self._index])
                self._index += 1
            self._offset = position - at
            return position

    def forget_head(self) -> None:
        """Stop keeping the bytes already read (the file is past its start seek): seeks back are refused from now on."""
        with self._cond:
            self._keep = False
            self._drop_read()

    def _drop_read(self) -> None:
        while self._index:
            self._base += len(self._chunks.popleft())
            self._index -= 1

    def close(self) -> None:
        """Reader is done (libmpv closed the stream, or we replaced it): wake and end any blocked read."""
        with self._cond:
            self._closed = True
            self._chunks.clear()
            self._index = self._offset = 0
            self._keep = False
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
            return sum(len(self._chunks[i]) for i in range(self._index, len(self._chunks))) - self._offset
