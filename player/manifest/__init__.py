"""Manifests → one neutral model (``Presentation``), for HLS (RFC 8216) and DASH (ISO/IEC 23009-1).

Public face (everything else is an implementation module):
- model: :class:`Presentation`, :class:`Period`, :class:`Track`, :class:`Rendition`,
  :class:`SegmentRef`, :class:`ByteRange`, :class:`Protection`;
- pure parsers: :func:`parse_presentation` (either format), :func:`parse_hls`, :func:`parse_dash`,
  :func:`parse_master` / :func:`parse_media` + :func:`presentation_from_master`, :func:`parse_sidx`
  + :func:`resolve_segment_base`;
- I/O through a supplied ``fetch``: :func:`load_presentation`, :func:`load_presentation_multi`,
  :func:`resolve_indexes`; :func:`merge_presentations` for editions fetched elsewhere;
- errors: :class:`ManifestError` and its subclasses (see :mod:`player.manifest.errors`).
"""
from .dash import parse_dash
from .errors import InconsistentEditions, ManifestError, SegmentIndexError, UnsafeManifestUri
from .hls import parse_hls, presentation_from_master, presentation_from_media
from .hls_playlist import MasterPlaylist, MediaPlaylist, parse_master, parse_media
from .loader import Fetch, detect_format, load_presentation, load_presentation_multi, parse_presentation, resolve_indexes
from .merge import merge_presentations
from .model import ByteRange, Period, Presentation, Protection, Rendition, SegmentRef, Thumbnails, Track
from .sidx import SegmentIndex, SidxReference, parse_sidx, resolve_segment_base

__all__ = [
    "ByteRange", "Fetch", "InconsistentEditions", "ManifestError", "MasterPlaylist", "MediaPlaylist", "Period",
    "Presentation", "Protection", "Rendition", "SegmentIndex", "SegmentIndexError", "SegmentRef", "SidxReference",
    "Thumbnails", "Track", "UnsafeManifestUri", "detect_format", "load_presentation", "load_presentation_multi",
    "merge_presentations", "parse_dash", "parse_hls", "parse_master", "parse_media", "parse_presentation",
    "parse_sidx", "presentation_from_master", "presentation_from_media", "resolve_indexes", "resolve_segment_base",
]
