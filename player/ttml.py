"""TTML / IMSC text (W3C TTML2, IMSC 1.1 Text Profile) → WebVTT, pure: no I/O.

Why: FFmpeg (so libmpv) has no TTML decoder, yet DASH CDNs commonly serve subtitles as TTML documents
in fMP4 samples (``stpp``, ISO/IEC 14496-30). libmpv reads WebVTT, so each document is converted here
and the cues handed on as one WebVTT track.

What is kept: every ``<p>`` with text becomes a cue; its time is the ``begin``/``end``/``dur`` of the
``p`` within its ancestors' (``body``, ``div``) — TTML §10.4 time containment, ``par`` semantics —
with ``<span>``-level times ignored (a cue shows the whole paragraph); ``<br/>`` is a line break;
``tts:fontStyle="italic"`` and ``tts:fontWeight="bold"`` become ``<i>``/``<b>``. Regions, colours and
positions are dropped (IMSC styling beyond that has no WebVTT counterpart libmpv honours).

Times (TTML §10.3.1): clock times ``HH:MM:SS(.fraction)`` or ``HH:MM:SS:frames``; offsets ``12.5s``,
``500ms``, ``2m``, ``1h``, ``30f`` (``ttp:frameRate``), ``100t`` (``ttp:tickRate``). In ``stpp`` samples
they are on the track's media timeline (DASH-IF IOP §6.4.4), so documents of consecutive segments give
cues on one timeline; a cue cut at a segment boundary, repeated in the next document, is joined again.
Anything that is not well-formed TTML raises :class:`SubtitleFormatError`.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from player.errors import PlayerError

_TT = "{http://www.w3.org/ns/ttml}"
_TTS = "{http://www.w3.org/ns/ttml#styling}"
_TTP = "{http://www.w3.org/ns/ttml#parameter}"
_CLOCK = re.compile(r"^(\d+):(\d{2}):(\d{2})(?:(\.\d+)|:(\d+(?:\.\d+)?))?$")
_OFFSET = re.compile(r"^(\d+(?:\.\d+)?)(h|ms|m|s|f|t)$")
_JOIN_S = 0.002  # a cue ending this close to where the same text starts again is one cue


class SubtitleFormatError(PlayerError):
    """A subtitle document that is not what its track says (malformed TTML, bad time expression)."""


@dataclass(frozen=True)
class Cue:
    start_s: float
    end_s: float
    text: str  # WebVTT cue text (escaped, with <i>/<b>)
    settings: str = ""  # WebVTT cue settings (``line:90% align:start``), as a wvtt sample's ``sttg`` gives them


@dataclass(frozen=True)
class _Rates:
    frame_rate: float
    tick_rate: float


def parse_ttml(document: str | bytes) -> list[Cue]:
    """The cues of one TTML document, in document order."""
    try:
        root = ET.fromstring(document)
    except (ET.ParseError, ValueError, LookupError, RecursionError) as exc:
        raise SubtitleFormatError(f"TTML is not well-formed XML: {exc}") from None
    if root.tag != f"{_TT}tt":
        raise SubtitleFormatError(f"not a TTML document (root element {root.tag!r})")
    frame_rate = _positive(root.get(f"{_TTP}frameRate", "30"), "ttp:frameRate")
    rates = _Rates(frame_rate=frame_rate, tick_rate=_positive(root.get(f"{_TTP}tickRate", str(frame_rate)), "ttp:tickRate"))
    body = root.find(f"{_TT}body")
    cues: list[Cue] = []
    if body is not None:
        _collect(body, 0.0, None, rates, cues)
    return cues


def moved(cue: Cue, by_s: float) -> Cue:
    """``cue`` ``by_s`` seconds later: a DASH Period's cues, which count from its start, on the title's timeline."""
    return cue if not by_s else Cue(round(cue.start_s + by_s, 3), round(cue.end_s + by_s, 3), cue.text, cue.settings)


def clipped(cue: Cue, lower: float, upper: float | None) -> Cue | None:
    """``cue`` cut to ``[lower, upper)`` (a DASH Period's window; ``upper`` None: open), None when it lies outside."""
    start, end = max(cue.start_s, lower), cue.end_s if upper is None else min(cue.end_s, upper)
    return None if end <= start else cue if (start, end) == (cue.start_s, cue.end_s) else Cue(start, end, cue.text, cue.settings)


def merge_cues(cues: Sequence[Cue]) -> list[Cue]:
    """Sorted, exact repeats dropped, and a cue split at a segment boundary (same text, touching) joined."""
    merged: list[Cue] = []
    for cue in sorted(set(cues), key=lambda c: (c.start_s, c.end_s, c.text)):
        same = next((i for i in range(len(merged) - 1, -1, -1) if (merged[i].text, merged[i].settings) == (cue.text, cue.settings)
                     and merged[i].start_s <= cue.start_s <= merged[i].end_s + _JOIN_S), None)
        if same is None:
            merged.append(cue)
        else:
            merged[same] = Cue(merged[same].start_s, max(merged[same].end_s, cue.end_s), cue.text, cue.settings)
    return merged


def webvtt(cues: Sequence[Cue]) -> str:
    """A WebVTT document (W3C WebVTT §4) of ``cues``."""
    blocks = ["WEBVTT"] + [f"{_stamp(c.start_s)} --> {_stamp(c.end_s)}{' ' + c.settings if c.settings else ''}\n{c.text}"
                           for c in cues]
    return "\n\n".join(blocks) + "\n"


def parse_time(value: str, rates: _Rates | None = None) -> float:
    """A TTML time expression in seconds."""
    rates = rates or _Rates(frame_rate=30.0, tick_rate=30.0)
    text = value.strip()
    clock = _CLOCK.match(text)
    if clock:
        hours, minutes, seconds, fraction, frames = clock.groups()
        total = int(hours) * 3600 + int(minutes) * 60 + int(seconds)
        return total + (float(fraction) if fraction else 0.0) + (float(frames) / rates.frame_rate if frames else 0.0)
    offset = _OFFSET.match(text)
    if offset:
        number, unit = float(offset.group(1)), offset.group(2)
        scale = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "f": 1 / rates.frame_rate, "t": 1 / rates.tick_rate}
        return number * scale[unit]
    raise SubtitleFormatError(f"bad TTML time expression {value!r}")


def _positive(value: str, name: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not number > 0:
        raise SubtitleFormatError(f"bad TTML {name} {value!r}")
    return number


def _collect(el: ET.Element, parent_begin: float, parent_end: float | None, rates: _Rates, cues: list[Cue]) -> None:
    begin = parent_begin + (parse_time(el.get("begin", "0s"), rates))
    end = parent_end
    if el.get("end") is not None:
        end = parent_begin + parse_time(el.get("end", ""), rates)
    elif el.get("dur") is not None:
        end = begin + parse_time(el.get("dur", ""), rates)
    if parent_end is not None and end is not None:
        end = min(end, parent_end)
    if el.tag == f"{_TT}p":
        text = "\n".join(line.strip() for line in _text(el).split("\n")).strip()
        if text and end is not None and end > begin:
            cues.append(Cue(round(begin, 3), round(end, 3), text))
        return
    for child in el:
        _collect(child, begin, end, rates, cues)


def _text(el: ET.Element) -> str:
    """The WebVTT cue text of ``el`` and its descendants (``<br/>`` → newline, italic/bold kept)."""
    parts = [_escape(el.text or "")]
    for child in el:
        if child.tag == f"{_TT}br":
            parts.append("\n")
        elif child.tag == f"{_TT}span":
            parts.append(_styled(child, _text(child)))
        parts.append(_escape(child.tail or ""))
    return "".join(parts)


def _styled(el: ET.Element, text: str) -> str:
    if el.get(f"{_TTS}fontWeight") == "bold":
        text = f"<b>{text}</b>"
    if el.get(f"{_TTS}fontStyle") == "italic":
        text = f"<i>{text}</i>"
    return text


def _escape(text: str) -> str:
    """XML whitespace collapsed (``xml:space="default"``), WebVTT's markup characters escaped."""
    return re.sub(r"\s+", " ", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _stamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"
