"""Generated WebVTT (W3C WebVTT §4) subtitles for demo and test titles."""
from __future__ import annotations


def _ts(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def generated_vtt(duration_s: float, lang: str, *, every_s: float = 3.0, show_s: float = 2.0, text: str = "Line") -> str:
    """A cue every ``every_s`` seconds showing ``"<text> <n> (<lang>)"`` for ``show_s`` seconds."""
    out = ["WEBVTT", ""]
    n, t = 1, 0.5
    while t + show_s <= duration_s:
        out += [str(n), f"{_ts(t)} --> {_ts(t + show_s)}", f"{text} {n} ({lang})", ""]
        n += 1
        t += every_s
    return "\n".join(out)
