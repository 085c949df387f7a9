"""Invariants every parsed Presentation must satisfy (shared by the corpus and fuzz tests)."""
from __future__ import annotations

import math
import re
from urllib.parse import urlsplit

from player.manifest import Presentation

TEMPLATE_LEFT = re.compile(r"\$(Number|Time|RepresentationID|Bandwidth|SubNumber)[^$]*\$")


def check_url(url: str, *, templated: bool) -> None:
    """Absolute http(s); ``templated``: from a DASH template, so no identifier may be left (an HLS URI is literal
    text, where ``$Number$`` is just characters)."""
    parts = urlsplit(url)
    assert parts.scheme in ("http", "https") and parts.netloc, f"not absolute http(s): {url!r}"
    assert not (templated and TEMPLATE_LEFT.search(url)), f"unexpanded template in {url!r}"


def check_presentation(p: Presentation) -> None:
    """Absolute URLs, expanded templates, ordered finite times, sane counts."""
    assert p.source_url
    dash = not any(r.playlist_urls for period in p.periods for track in period.tracks for r in track.renditions)
    if p.duration_s is not None:
        assert math.isfinite(p.duration_s)
    for period in p.periods:
        assert math.isfinite(period.start_s)
        for track in period.tracks:
            assert track.kind in ("video", "audio", "text")
            for r in track.renditions:
                assert r.bandwidth >= 0
                for url in r.playlist_urls:
                    check_url(url, templated=dash)
                for ref in (r.init, r.index):
                    if ref is not None:
                        assert ref.urls
                        for url in ref.urls:
                            check_url(url, templated=dash)
                prev_start = -math.inf
                prev_number = None
                for seg in r.segments:
                    assert seg.urls, "segment without a URL"
                    for url in seg.urls:
                        check_url(url, templated=dash)
                    assert math.isfinite(seg.start_s) and math.isfinite(seg.duration_s)
                    assert 0 <= seg.duration_s < 1e7, seg
                    assert seg.start_s >= prev_start - 1e-6, "segments out of order"
                    if prev_number is not None:
                        assert seg.number > prev_number, "segment numbers not increasing"
                    if seg.byte_range is not None:
                        assert seg.byte_range.start >= 0 and seg.byte_range.length >= 0
                    prev_start, prev_number = seg.start_s, seg.number
                    if seg.init is not None:
                        for url in seg.init.urls:
                            check_url(url, templated=dash)
                    prot = seg.protection
                    if prot is not None and prot.key_uri is not None and not prot.key_uri.startswith("data:"):
                        check_url(prot.key_uri, templated=dash)
