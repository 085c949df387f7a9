"""Values passed into and out of the encoder."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def check_title_id(title_id: str) -> str:
    """Title ids become folder names and URL path parts: lower-case slugs only (no traversal)."""
    if not _SLUG.match(title_id):
        raise ValueError(f"title id must match {_SLUG.pattern}: {title_id!r}")
    return title_id


@dataclass(frozen=True, kw_only=True)
class TitleMeta:
    """Catalog facts about a title; ``audio_langs[i]`` names the source's i-th audio stream.

    ``subtitles`` are ``(lang, path to a .vtt file)`` pairs packaged as WebVTT tracks.
    """

    id: str
    name: str
    description: str = ""
    genres: tuple[str, ...] = ()
    cast: tuple[str, ...] = ()
    year: int | None = None
    audio_langs: tuple[str, ...] = ("en",)
    subtitles: tuple[tuple[str, Path], ...] = ()

    def __post_init__(self) -> None:
        check_title_id(self.id)


@dataclass(frozen=True, kw_only=True)
class TitleInfo:
    """A published title: where its files are and what was packaged.

    ``key_hex`` is filled in for protected titles as a convenience for server-side code and tests;
    it lives in the ``content_keys`` table, never in the content folder.
    """

    id: str
    folder: Path
    hls: Path  # folder / "master.m3u8"
    dash: Path  # folder / "manifest.mpd"
    protected: bool
    kid_hex: str | None
    key_hex: str | None = field(default=None, repr=False)
    heights: tuple[int, ...]
    audio_langs: tuple[str, ...]
    subtitle_langs: tuple[str, ...]
    duration_s: float
