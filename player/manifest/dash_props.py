"""Which DASH AdaptationSets and Representations are played, and which video sets make one ladder. Pure.

ISO/IEC 23009-1 §5.8.4.8: an ``EssentialProperty`` the client does not understand means the parent element
must be ignored (a tiled picture, a URL-parameter scheme, frame-packed 3D: playing it would show something
else than the author meant). Understood here: colour description (CICP — the decoder reads it from the
bitstream), thumbnail tiles (image sets, :mod:`.dash_image`) and adaptation-set switching. A trick-mode set
(DASH-IF IOP §3.2.9, Shaka Packager's ``trick_play_factor``) is understood and *not played*: its
I-frames at a fraction of the frame rate are for scrubbing, and played as the video they are a slideshow.

Packagers split one ladder over several video AdaptationSets (ffmpeg's DASH muxer puts every stream in a set
of its own unless told otherwise; an H.264 and an HEVC ladder come as two sets): video sets with the same
roles and language are one :class:`~.model.Track`, so the ABR climbs across them as Shaka Player does
(the ladder then keeps one codec family). Sets with other roles (an alternate angle, sign language) stay
tracks of their own.
"""
from __future__ import annotations

from dataclasses import replace
from xml.etree.ElementTree import Element

from .convert import children
from .model import Track

TRICK_MODE = "http://dashif.org/guidelines/trickmode"
_UNDERSTOOD = ("urn:mpeg:mpegB:cicp:ColourPrimaries", "urn:mpeg:mpegB:cicp:TransferCharacteristics",
               "urn:mpeg:mpegB:cicp:MatrixCoefficients", "http://dashif.org/thumbnail_tile",
               "urn:mpeg:dash:adaptation-set-switching:2016")


def not_played(el: Element, ns: str | None) -> bool:
    """True for an element carrying a trick-mode or an unknown ``EssentialProperty`` (§5.8.4.8)."""
    for prop in children(el, "EssentialProperty", ns):
        scheme = (prop.get("schemeIdUri") or "").strip()
        if scheme == TRICK_MODE or scheme not in _UNDERSTOOD:
            return True
    return False


def join_video_sets(tracks: list[Track]) -> list[Track]:
    """``tracks`` with the video tracks of the same roles and language joined into the first of them."""
    joined: list[Track] = []
    for track in tracks:
        into = next((i for i, t in enumerate(joined) if track.kind == "video" and _same_ladder(t, track)), None)
        if into is None:
            joined.append(track)
        else:
            first = joined[into]
            joined[into] = replace(first, renditions=first.renditions + track.renditions)
    return joined


def _same_ladder(a: Track, b: Track) -> bool:
    return a.kind == b.kind == "video" and _roles(a) == _roles(b) and a.language == b.language


def _roles(track: Track) -> frozenset[str]:
    return frozenset(track.roles) - {"main"}
