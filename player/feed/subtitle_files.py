"""WebVTT text tracks as files libmpv can ``sub-add`` (it takes subtitles by path, not from a stream).

The files live in a private temporary folder for the output's lifetime and are re-added to every
file the output opens (a seek is a new ``loadfile``, which drops the tracks of the previous one). A live
track grows: its file is rewritten and added again, the old copy removed (libmpv's ``sub-reload`` would
drop the track's title and language).

A first ``sub-add`` waits until libmpv has the track, under a lock that an update's look at the track list
takes too: an update landing while that ``sub-add`` was in flight saw no track to replace and rewrote the file
after libmpv had read it, so the track kept the older cues until the next update (a live MPD's first cue,
lost in 3 plays of 14 on a loaded machine).
"""
from __future__ import annotations

import os
import tempfile
import threading
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

    def __init__(self, command: Callable[..., object], command_async: Callable[..., object]) -> None:
        """``command``/``command_async``: libmpv's; ``attach`` runs on libmpv's event thread too (a file loaded)."""
        self._command, self._command_async = command, command_async
        self._lock = threading.Lock()
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
        """``sub-add`` each file to libmpv's current file, selected (else only listed: ``auto``); returns once
        libmpv lists them."""
        with self._lock:
            self._add(self._command, files, select=select)

    def update(self, sub: SubtitleFile, webvtt: str, listed: Callable[[], tuple[list[int], bool]]) -> None:
        """Rewrite ``sub``'s file whole (written beside, then renamed: libmpv never reads half a file); when the
        current file has it (``listed``: its track ids there and whether one is shown), add it again and remove
        those copies, selected only if it was shown (a viewer who hid the subtitles keeps them hidden)."""
        with self._lock:  # not between a first ``sub-add`` and libmpv listing its track
            fresh = sub.path.with_suffix(".new")
            fresh.write_text(webvtt, encoding="utf-8")
            os.replace(fresh, sub.path)
            attached, shown = listed()
            if attached:
                self._add(self._command_async, (sub,), select=shown)
                for track_id in attached:
                    self._command_async("sub-remove", track_id)

    @staticmethod
    def _add(command: Callable[..., object], files: tuple[SubtitleFile, ...], *, select: bool) -> None:
        for sub in files:
            try:
                command("sub-add", str(sub.path), "select" if select else "auto", sub.title, sub.lang)
            except MPV_FAILURES as exc:
                raise PlaybackError(f"libmpv refused the subtitle track: {exc}") from exc

    def cleanup(self) -> None:
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None
