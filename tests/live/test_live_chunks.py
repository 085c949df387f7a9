"""Chunked arrival (issue 15): CMAF chunks cut out of a body that arrives in arbitrary pieces, their
times, throughput measured on data arrival, and which part an LL-HLS preload hint stands for.

The media is real: ffmpeg's fragmented MP4 (0.5 s fragments, as the live channel writes), checked
against the backend's own box reader (``backend_stub.live.boxes``), which shares no code with ours.
"""
from __future__ import annotations

import io
import random
import subprocess

import pytest

from backend_stub.live.boxes import parse_fragment, parse_init, read_boxes
from backend_stub.live.channel import default_ffmpeg
from backend_stub.live.hls import media_playlist
from backend_stub.live.settings import LiveSettings
from backend_stub.live.track import Part, Segment
from player.live.cmaf_chunks import ArrivalMeter, ChunkSplitter, chunk_span, track_timing
from player.live.hls_live import parse_live


@pytest.fixture(scope="module")
def fragmented() -> tuple[bytes, list[bytes]]:
    """A 3 s clip as ffmpeg writes live parts: init, then one moof+mdat per 0.5 s."""
    argv = [default_ffmpeg(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=30",
            "-t", "3", "-c:v", "libx264", "-preset", "ultrafast", "-g", "60", "-f", "mp4", "-movflags",
            "frag_keyframe+empty_moov+default_base_moof", "-frag_duration", "500000", "pipe:1"]
    data = subprocess.run(argv, capture_output=True, check=True, timeout=60).stdout
    init, chunks, pending = b"", [], b""
    for kind, box in read_boxes(io.BytesIO(data)):
        if kind in (b"ftyp", b"moov"):
            init += box
        elif kind == b"mdat":
            chunks.append(pending + box)
            pending = b""
        else:
            pending += box
    assert len(chunks) >= 5
    return init, chunks


def test_chunks_come_out_whole_however_the_body_is_cut(fragmented: tuple[bytes, list[bytes]]) -> None:
    """Pieces of any size (one byte, mid-header, several chunks at once) give back exactly the chunks."""
    _init, chunks = fragmented
    body = b"".join(chunks)
    rng = random.Random(7)
    splitter = ChunkSplitter()
    out: list[bytes] = []
    at = 0
    while at < len(body):
        size = rng.choice([1, 7, 300, 5000, 70000])
        out += splitter.feed(body[at:at + size])
        at += size
    assert out == chunks and not splitter.holding


def test_a_new_attempt_never_feeds_a_chunk_twice(fragmented: tuple[bytes, list[bytes]]) -> None:
    """A failover resends the body from byte 0: what was already passed on is dropped."""
    _init, chunks = fragmented
    body = b"".join(chunks)
    splitter = ChunkSplitter()
    first = splitter.feed(body[:len(chunks[0]) + len(chunks[1]) + 100])  # two chunks and a bit of the third
    splitter.restart()
    rest = splitter.feed(body)
    assert first == chunks[:2] and rest == chunks[2:]


def test_chunk_times_match_the_packagers_reading(fragmented: tuple[bytes, list[bytes]]) -> None:
    """tfdt and the sample durations, as the backend's independent box reader sees them; contiguous."""
    init, chunks = fragmented
    timing = track_timing(init)
    reference = parse_init(init)
    assert timing.timescale == reference.timescale
    ends = []
    for chunk in chunks:
        moof_end = int.from_bytes(chunk[:4], "big")
        expected = parse_fragment(chunk[:moof_end], chunk[moof_end:], reference)
        span = chunk_span(timing, chunk)
        assert span == (expected.start / reference.timescale, expected.duration / reference.timescale)
        ends.append(span)
    assert all(abs(a[0] + a[1] - b[0]) < 1e-9 for a, b in zip(ends, ends[1:]))
    assert abs(ends[-1][0] + ends[-1][1] - 3.0) < 0.05


def test_throughput_counts_the_bytes_flowing_not_the_wait_between_chunks() -> None:
    """Three 50 kB chunks, one every 0.5 s, each in 10 kB reads 10 ms apart: 8 Mbit/s, not the request's ~0.9."""
    meter = ArrivalMeter()
    for k in range(3):
        start = 0.5 * k + 0.3  # the server waits for the encoder before each chunk
        for i in range(5):
            meter.arrived(start + 0.01 * i, 10_000, continuing=i > 0)
    assert meter.total_bytes == 150_000
    rate = meter.total_bytes * 8 / meter.equivalent_seconds()
    assert rate == pytest.approx(8e6, rel=1e-6)
    whole_request = meter.total_bytes * 8 / 1.34
    assert whole_request < 1e6 < rate


def test_a_chunk_in_one_read_counts_as_fast() -> None:
    """Loopback: every chunk in one read leaves nothing to time; the link was faster than we can see."""
    meter = ArrivalMeter()
    for k in range(4):
        meter.arrived(0.5 * k, 50_000, continuing=False)
    assert meter.total_bytes * 8 / meter.equivalent_seconds() > 50e6


def _playlist(parts_in_open: int) -> str:
    s = LiveSettings()
    segments = [Segment(number=n, start=n * 2.0, parts=[Part(duration=0.5, independent=p == 0) for p in range(4)],
                        complete=True) for n in range(10, 14)]
    segments.append(Segment(number=14, start=28.0, parts=[Part(duration=0.5, independent=p == 0) for p in range(parts_in_open)]))
    return media_playlist("v360", segments, s, epoch=1_700_000_000)


@pytest.mark.parametrize(("written", "hint"), [(0, (14, 0)), (2, (14, 2)), (3, (14, 3)), (4, (15, 0))])
def test_preload_hint_after_a_full_segment_is_the_next_segments_first_part(written: int, hint: tuple[int, int]) -> None:
    """The server lists a segment complete only once the next one starts, so a hint after a full
    segment's last part is part 0 of the next segment, not a fifth part (it was fed twice before)."""
    info = parse_live(_playlist(written), "http://x/v360.m3u8")
    assert info.preload_hint is not None
    assert info.hint_part() == hint


def test_an_announced_segment_takes_its_real_length_when_listed_whole() -> None:
    """The segment being written is listed with a nominal length; the playlist's entry replaces it in place
    (same start, its own URL and length), and it is never announced twice."""
    from player.live.live_index import LiveIndex
    from player.manifest import SegmentRef

    def ref(n: int, start: float, d: float) -> SegmentRef:
        return SegmentRef(number=n, start_s=start, duration_s=d, urls=(f"http://x/{n}.m4s",))

    index = LiveIndex()
    index.merge([ref(7, 0.0, 2.0), ref(8, 2.0, 2.0)])
    assert index.announce(9, 2.0) and not index.announce(9, 2.0) and not index.announce(11, 2.0)
    assert [s.number for s in index.complete] == [7, 8] and index.segments[-1].start_s == 4.0
    assert index.merge([ref(8, 0.0, 2.0), ref(9, 2.0, 1.96)]) == 0  # playlist times restart: rebased
    assert index.provisional is None and index.segments[-1] == ref(9, 4.0, 1.96)
    assert [s.number for s in index.complete] == [7, 8, 9]
