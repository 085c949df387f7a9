"""Segment caps, the same for HLS and DASH: per rendition, and in total across one presentation (issue 16).

Why a total: a 5.8 KB MPD with 60 Representations of 199,000 template segments each passed the
per-rendition cap and grew to 1.8 GB; an HLS playlist had a cap five times DASH's. The parsers call
:func:`charge` *before* they build a rendition's segments, so a wide or endless index fails with a
``ManifestError`` while memory is still small. The total is counted per presentation load
(:func:`segment_budget`, which ``loader.py`` opens around each manifest it loads); outside one only
the per-rendition cap applies.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from .errors import ManifestError

MAX_SEGMENTS = 200_000  # per rendition (a 4-day event at 2 s segments)
MAX_TOTAL_SEGMENTS = 300_000  # across every rendition of one presentation (~120 MB of index at most)

_budget: ContextVar[list[int] | None] = ContextVar("reelbox_segment_budget", default=None)


@contextlib.contextmanager
def segment_budget(total: int = MAX_TOTAL_SEGMENTS) -> Iterator[None]:
    """Count every :func:`charge` inside against ``total`` (tasks started inside share the count)."""
    token = _budget.set([total])
    try:
        yield
    finally:
        _budget.reset(token)


def charge(count: int, what: str) -> None:
    """Reserve ``count`` segments of one rendition; ManifestError past either cap."""
    if count > MAX_SEGMENTS:
        raise ManifestError(f"{what} gives {count} segments (limit {MAX_SEGMENTS} per rendition)")
    left = _budget.get()
    if left is None:
        return
    left[0] -= count
    if left[0] < 0:
        raise ManifestError(f"the presentation has more than {MAX_TOTAL_SEGMENTS} segments in all")
