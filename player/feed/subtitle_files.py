"""WebVTT text tracks as files libmpv can ``sub-add`` (it takes subtitles by path, not from a stream).

The files live in a private temporary folder for the output's lifetime and are re-added to every
file the output opens (a seek is a new ``loadfile``, which drops the tracks of the previous one). A live
track grows: its file is rewritten and added again, the old copy removed (libmpv's ``sub-reload`` would
drop the track's title and language).
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from .errors import PlaybackError
from .mpv_adapter import MPV_FAILURES


class SubtitleFile(NamedTuple):
    path: Path
    title: str
    lang: str


class SubtitleFiles:
    """The text tracks added so far, written once each, and added to libmpv's current file."""

    def __init__(self, command: Callable[..., object]) -> None:
        """``command``: libmpv's asynchronous command (``sub-add`` runs on libmpv's event thread too)."""
        self._command = command
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self.files: list[SubtitleFile] = []

    def __bool__(self) -> bool:
        return bool(self.files)

    def add(self, webvtt: str, *, title: str, lang: str) -> SubtitleFile:
        if self._dir is None:
            self._dir = tempfile.TemporaryDirectory(prefix="reelbox-subs-")
        path = Path(self._dir.name) / f"sub{len(self.files)}.vtt"
        path.write_text(webvtt, encoding="utf-8")
        added = SubtitleFile(path, title, lang)
        self.files.append(added)
        return added

    def attach(self, *files: SubtitleFile, select: bool = True) -> None:
        """``sub-add`` each file to libmpv's current file, selected (else only listed: ``auto``)."""
        for sub in files:
            try:
                self._command("sub-add", str(sub.path), "select" if select else "auto", sub.title, sub.lang)
            except MPV_FAILURES as exc:
                raise PlaybackError(f"libmpv refused the subtitle track: {exc}") from exc

    def update(self, sub: SubtitleFile, webvtt: str, attached: list[int], *, shown: bool) -> None:
        """Rewrite ``sub``'s file whole (written beside, then renamed: libmpv never reads half a file); when the
        current file has it (``attached``: its track ids there), add it again and remove those copies, selected
        only if it was ``shown`` (a viewer who hid the subtitles keeps them hidden)."""
        fresh = sub.path.with_suffix(".new")
        fresh.write_text(webvtt, encoding="utf-8")
        os.replace(fresh, sub.path)
        if attached:
            self.attach(sub, select=shown)
            for track_id in attached:
                self._command("sub-remove", track_id)

    def cleanup(self) -> None:
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None
