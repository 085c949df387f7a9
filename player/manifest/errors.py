"""Errors of the manifest package, beside the engine's tree in :mod:`player.errors`::

    PlayerError
    ├── ManifestError                    (player.errors) malformed or unsupported manifest
    │   ├── UnsafeManifestUri            a URI inside a manifest with a refused scheme
    │   │                                (also an UnsafeUriError, so either ``except`` catches it)
    │   ├── SegmentIndexError            a SegmentBase index (``sidx``) that cannot be read
    │   └── InconsistentEditions         per-edge manifests that do not describe the same content
    └── UnsafeUriError                   (player.errors)
        └── UnsafeManifestUri            (same class as above)

Every exception from the standard library or a parsing library is caught at the parser's edge
and re-raised as one of these, with the source URL and line when known.
"""
from __future__ import annotations

from player.errors import ManifestError, UnsafeUriError

__all__ = ["ManifestError", "UnsafeManifestUri", "SegmentIndexError", "InconsistentEditions"]


class UnsafeManifestUri(ManifestError, UnsafeUriError):
    """A manifest points at ``file:``, ``data:`` (outside the places a spec allows it) or another
    non-HTTP scheme; fetching it would let a manifest read local files or smuggle content."""


class SegmentIndexError(ManifestError):
    """The bytes fetched for a DASH ``indexRange`` do not hold a usable ``sidx`` box
    (ISO/IEC 14496-12 §8.16.3)."""


class InconsistentEditions(ManifestError):
    """Manifests fetched from several edges (or HLS redundant variants) differ in structure,
    so their segment URLs cannot be offered as alternatives for the same bytes."""


def located(exc: ManifestError, *, source: str | None, line: int | None = None) -> ManifestError:
    """The same kind of error with the manifest URL (and line) attached, unless it already has one."""
    if exc.source:
        return exc
    return type(exc)(str(exc), source=source, line=line or exc.line)
