"""Audio and subtitle language per user, remembered across titles and restarts (issue 18: "remember
audio/subtitle language per user", as Jellyfin and Plex do per profile).

Kept in ``config.toml``'s ``[app] languages`` as ``"email|audio|subtitles"`` strings (the config
writer keeps tables flat); an empty subtitle field means subtitles off.
"""
from __future__ import annotations

from ui.app.config import AppConfig


def _entries(config: AppConfig) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for entry in config.languages:
        parts = str(entry).split("|")
        if len(parts) == 3 and parts[0]:
            out[parts[0]] = (parts[1], parts[2])
    return out


def languages(config: AppConfig, email: str) -> tuple[str | None, str | None]:
    """``(audio, subtitles)`` this user chose last (None when never chosen or off)."""
    audio, subs = _entries(config).get(email, ("", ""))
    return audio or None, subs or None


def remember(config: AppConfig, email: str, *, audio: str | None = None, subtitles: str | None = None) -> list[str]:
    """The new ``languages`` list with this user's choice changed (``subtitles=""`` turns them off)."""
    entries = _entries(config)
    old_audio, old_subs = entries.get(email, ("", ""))
    entries[email] = (old_audio if audio is None else audio, old_subs if subtitles is None else subtitles)
    return [f"{who}|{a}|{s}" for who, (a, s) in entries.items()]
