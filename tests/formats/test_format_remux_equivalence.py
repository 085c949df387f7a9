"""Shortcuts on the remux path change nothing in the stream libmpv gets: every corpus kind, both ways.

Issue 19 made a stream's first push (a play's start, every restart) cheaper; each shortcut is guarded by
remuxing every corpus kind with and without it and asking for the same bytes:
- **The short stream-info probe.** ``segment_reader`` opens every fMP4 init + segment with ``probesize=32``
  so FFmpeg takes each track's configuration from ``moov`` instead of decoding frames (3.6 → 0.8 ms per
  480p segment), and a video-only segment decodes no picture at all (``skip_frame``: 0.8 → 0.1 ms;
  ``benchmarks/remux_cost.py``). A codec whose parameters FFmpeg only completes by decoding would come out
  different (MPEG-TS and Matroska, the muxer's stream templates included).
- **Templates from the demuxer.** The MPEG-TS writer used to open each track's first segment a second time
  for ``add_stream_from_template`` (~0.3 ms per track); now the demuxer's container stays open until the
  writer has copied from it. A stream parameter that reading the packets changed would reach libmpv; and
  the containers must be closed once they are copied.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import corpus
import feed_walk
import pytest

from player.feed import media_input, mux_writers, packed_audio, segment_reader
from player.feed.errors import DecryptionFailed
from player.feed.segment_reader import DemuxedSegment, open_options

KINDS = [k for k in corpus.kinds().values() if k.expect_error is None and k.streams == 1]
_DEMUX = segment_reader.demux_container


def _both_ways(url: str, kind: corpus.Kind, monkeypatch: pytest.MonkeyPatch,
               without: Callable[[pytest.MonkeyPatch], None]) -> tuple[feed_walk.Walked, feed_walk.Walked]:
    """``kind`` remuxed as the code is, then ``without`` the shortcut (a patch undone after)."""
    presentation = feed_walk.load(f"{url}/{kind.manifest}")
    key = corpus.KEY if kind.needs_key else None
    shortcut = feed_walk.remux(presentation, key=key)
    with monkeypatch.context() as patch:
        without(patch)
        plain = feed_walk.remux(presentation, key=key)
    return shortcut, plain


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_the_short_probe_remuxes_every_kind_byte_for_byte_as_the_full_one(
        corpus_url: str, kind: corpus.Kind, monkeypatch: pytest.MonkeyPatch) -> None:
    short, full = _both_ways(corpus_url, kind, monkeypatch,  # FFmpeg's own probe, decoding frames
                             lambda patch: patch.setattr(segment_reader, "_MOOV_PROBE", {}))
    assert short.remuxer.fed == full.remuxer.fed
    assert len(short.stream) > 0 and short.stream == full.stream


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_templates_from_the_demuxer_remux_every_kind_byte_for_byte_as_a_fresh_open(
        corpus_url: str, kind: corpus.Kind, monkeypatch: pytest.MonkeyPatch) -> None:
    kept, reopened = _both_ways(corpus_url, kind, monkeypatch, _reopening)
    assert kept.remuxer.container == reopened.remuxer.container
    assert len(kept.stream) > 0 and kept.stream == reopened.stream


def _record_demux(monkeypatch: pytest.MonkeyPatch, seen: Callable[[bytes, str, DemuxedSegment], None]) -> None:
    """Every module's demux_container reports each part it returns, with the data and format it read."""
    def recording(data: bytes, fmt: str, **kwargs: Any) -> tuple[DemuxedSegment, ...]:
        parts = _DEMUX(data, fmt, **kwargs)
        for part in parts:
            seen(data, fmt, part)
        return parts

    for module in (segment_reader, media_input, packed_audio):
        monkeypatch.setattr(module, "demux_container", recording)


def _reopening(monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer as it was: each template from a fresh open (no key) of the track's first segment."""
    firsts: dict[str, tuple[bytes, str]] = {}
    _record_demux(monkeypatch, lambda data, fmt, part: firsts.setdefault(part.kind, (data, fmt)) and None)

    def add_track(self: mux_writers.TsWriter, part: DemuxedSegment) -> None:
        data, fmt = firsts[part.kind]
        with av.open(io.BytesIO(data), format=fmt, options=open_options(data, fmt)) as source:
            template = (source.streams.video if part.kind == "video" else source.streams.audio)[0]
            stream = self._out.add_stream_from_template(template)
        stream.time_base = mux_writers._TS_TIME_BASE
        self._streams[part.kind] = stream

    monkeypatch.setattr(mux_writers.TsWriter, "add_track", add_track)


@pytest.mark.parametrize("name", ["dash-hevc", "hls-ts"])  # one track per container; both tracks in one
def test_every_container_is_closed_once_its_template_is_copied(corpus_url: str, name: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Later segments' containers close at once, the first ones when the writer has copied from them."""
    opened: list[Any] = []
    _record_demux(monkeypatch, lambda data, fmt, part: opened.append(part.template.container))
    presentation = feed_walk.load(f"{corpus_url}/{corpus.kinds()[name].manifest}")
    walked = feed_walk.remux(presentation)
    assert walked.remuxer.container == "mpegts" and len(opened) > 4
    for container in opened:
        with pytest.raises(AssertionError, match="not open"):
            next(container.demux())


def test_a_segment_refused_for_its_key_leaves_no_container_open(corpus_url: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A wrong content key fails the key check after the demux: that segment's container is closed all the same."""
    opened: list[Any] = []
    _record_demux(monkeypatch, lambda data, fmt, part: opened.append(part.template.container))
    presentation = feed_walk.load(f"{corpus_url}/{corpus.kinds()['dash-cenc-key'].manifest}")
    segment_reader._verified.clear()
    with pytest.raises(DecryptionFailed):
        feed_walk.remux(presentation, key=bytes(16))
    assert opened
    for container in opened:
        with pytest.raises(AssertionError, match="not open"):
            next(container.demux())


@pytest.mark.parametrize("kind,init,segment", [("hls-ts", None, "v0_0.ts"), ("dash-tracks", "v/init.mp4", "v/1.m4s")])
def test_a_reader_that_muxes_nothing_is_left_no_container(corpus_root: Path, monkeypatch: pytest.MonkeyPatch,
                                                          kind: str, init: str | None, segment: str) -> None:
    """``read_segment`` without ``templates`` (the subtitles' media origin, which only reads timestamps) closes its
    containers and hands no template to reach one by (before, every caller got the container open and had to
    know to release it; the media origin did not). With ``templates`` the caller gets it open, as the remuxer needs."""
    opened: list[Any] = []
    _record_demux(monkeypatch, lambda data, fmt, part: opened.append(part.template.container))
    folder = corpus_root / kind
    args = ("video", (folder / init).read_bytes() if init else b"", (folder / segment).read_bytes())
    parts = media_input.read_segment(*args, with_audio=True)
    assert parts and opened and all(p.template is None and p.samples for p in parts)
    for container in opened:
        with pytest.raises(AssertionError, match="not open"):
            next(container.demux())
    kept = media_input.read_segment(*args, with_audio=True, templates=True)
    assert all(p.template is not None for p in kept)
    next(kept[0].template.container.demux())  # open until released
    segment_reader.release(kept)
