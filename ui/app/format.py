"""Small text formats the screens share."""
from __future__ import annotations


def clock_text(seconds: float | None) -> str:
    """``mm:ss`` (``h:mm:ss`` past an hour); ``--:--`` when unknown."""
    if seconds is None or seconds != seconds or seconds < 0:
        return "--:--"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def size_text(n_bytes: float | None) -> str:
    if n_bytes is None:
        return "?"
    value = float(n_bytes)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


def duration_text(seconds: float | None) -> str:
    """``29 days 23 h`` / ``1 h 05 min`` / ``12 min`` / ``45 s`` (licence times read in days, not "719 h")."""
    if seconds is None:
        return "unknown length"
    s = int(round(seconds))
    if s >= 86400:
        days, hours = s // 86400, (s % 86400) // 3600
        text = f"{days} day" + ("s" if days > 1 else "")
        return f"{text} {hours} h" if hours else text
    if s >= 3600:
        return f"{s // 3600} h {(s % 3600) // 60:02d} min"
    if s >= 60:
        return f"{s // 60} min"
    return f"{s} s"
