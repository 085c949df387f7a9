"""The short stream-info probe on ISO-BMFF segments changes nothing in the stream libmpv gets.

Why this guard: ``segment_reader`` opens every fMP4 init + segment with ``probesize=32`` so FFmpeg
takes each track's configuration from ``moov`` instead of decoding frames (3.6 → 0.8 ms per 480p
segment; issue 19, a restart's first push), and a video-only segment decodes no picture at all
(``skip_frame``: 0.8 → 0.1 ms; ``benchmarks/remux_cost.py``). A codec whose parameters FFmpeg only completes by
decoding would come out different; so every corpus kind is remuxed both ways and must give the
same bytes (MPEG-TS and Matroska, the muxer's stream templates included).
"""
from __future__ import annotations

import corpus
import feed_walk
import pytest

from player.feed import segment_reader

KINDS = [k for k in corpus.kinds().values() if k.expect_error is None and k.streams == 1]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_the_short_probe_remuxes_every_kind_byte_for_byte_as_the_full_one(
        corpus_url: str, kind: corpus.Kind, monkeypatch: pytest.MonkeyPatch) -> None:
    presentation = feed_walk.load(f"{corpus_url}/{kind.manifest}")
    key = corpus.KEY if kind.needs_key else None
    short = feed_walk.remux(presentation, key=key)
    monkeypatch.setattr(segment_reader, "_MOOV_PROBE", {})  # FFmpeg's own probe, decoding frames
    full = feed_walk.remux(presentation, key=key)
    assert short.remuxer.fed == full.remuxer.fed
    assert len(short.stream) > 0 and short.stream == full.stream
