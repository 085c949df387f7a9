"""The byte queue libmpv reads our stream from: every byte once and in order, and no copies of what is left."""
from __future__ import annotations

import os
import random
import threading
import tracemalloc

from player.feed.stream_queue import StreamQueue


def test_bytes_come_out_in_order_whatever_the_read_sizes() -> None:
    """Chunks of any size pushed from another thread come out whole and in order; then end of stream."""
    rng = random.Random(7)
    data = [os.urandom(rng.randint(1, 300_000)) for _ in range(40)]
    queue = StreamQueue()

    def write() -> None:
        for chunk in data:
            queue.push(chunk)
        queue.end()

    writer = threading.Thread(target=write)
    writer.start()
    out = []
    while chunk := queue.read(rng.choice([1, 188, 32768, 1 << 20])):
        out.append(chunk)
    writer.join()
    assert b"".join(out) == b"".join(data)
    assert queue.bytes_out == queue.bytes_in == sum(map(len, data)) and queue.queued_bytes == 0


def test_queued_bytes_and_close_mid_chunk() -> None:
    """A chunk read part-way counts only its unread rest; close drops it and later reads end the stream."""
    queue = StreamQueue()
    queue.push(b"a" * 100)
    queue.push(b"b" * 50)
    assert queue.read(30) == b"a" * 30 and queue.queued_bytes == 120
    assert queue.read(100) == b"a" * 70  # a read never spans chunks
    queue.close()
    assert queue.queued_bytes == 0 and queue.read(10) == b""


def test_reading_a_segment_in_small_pieces_copies_only_the_pieces() -> None:
    """libmpv reads ~32 KiB at a time from ~1 MB segments: the memory a read allocates is its piece, not the rest."""
    queue = StreamQueue()
    queue.push(os.urandom(4 << 20))
    tracemalloc.start()
    try:
        while queue.queued_bytes:
            queue.read(32768)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 256 * 1024  # slicing off the rest each time peaked at ~8 MB here


def test_a_rewindable_queue_seeks_back_into_its_kept_head_until_told_to_forget_it() -> None:
    """libavformat's start seek reads timestamps and goes back to byte 0: the bytes come out again, in order.
    After ``forget_head`` only the reader's own position is accepted, and nothing read is kept."""
    queue = StreamQueue(rewindable=True)
    assert queue.seek(0) == 0  # libmpv's open-time probe of the seek callback
    queue.push(b"a" * 100)
    queue.push(b"b" * 50)
    assert queue.read(100) == b"a" * 100 and queue.read(30) == b"b" * 30
    assert queue.seek(151) == -1  # past what was pushed
    assert queue.seek(90) == 90 and queue.read(20) == b"a" * 10  # a read never spans chunks
    assert queue.read(100) == b"b" * 50 and queue.queued_bytes == 0
    assert queue.seek(0) == 0 and queue.queued_bytes == 150
    assert queue.read(40) == b"a" * 40
    queue.forget_head()
    assert queue.seek(0) == -1 and queue.seek(40) == 40  # only where the reader is
    assert queue.read(100) == b"a" * 60 and queue.read(100) == b"b" * 50
    assert queue.seek(100) == -1 and queue.seek(150) == 150


def test_a_plain_queue_refuses_every_seek_elsewhere() -> None:
    """A pipe (no seek callback is even given to libmpv): a seek to the reader's own position is all it takes."""
    queue = StreamQueue()
    queue.push(b"abc")
    assert queue.read(2) == b"ab"
    assert queue.seek(0) == -1 and queue.seek(3) == -1 and queue.seek(2) == 2
    assert queue.read(5) == b"c"
