"""WebVTT text tracks as files libmpv can ``sub-add`` (it takes subtitles by path, not from a stream).

The files live in a private temporary folder for the output's lifetime and are re-added to every
file the output opens (a seek is a new ``loadfile``, which drops the tracks of the previous one). A live
track grows: its file is rewritten and added again, the old copy removed (libmpv's ``sub-reload`` would
drop the track's title and language).

Every ``sub-add`` and ``sub-remove`` returns once libmpv has done it, under a lock an update's look at the track list
takes too, so an update sees each earlier add listed. With asynchronous commands an update landing while an add was
in flight saw no track to replace, rewrote the file after libmpv had read it and re-added nothing: the track kept
older cues until the next update (a live MPD's first cue, lost in 3 plays of 15 on a loaded machine), or for good
after an event's last update. A ``sub-add`` libmpv refuses is dropped, as it was asynchronously: the file it was
for is being replaced by a newer ``loadfile``, which gets the track again at its own load.
"""
from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from .mpv_adapter import MPV_FAILURES


class SubtitleFile(NamedTuple):
    path: Path
    title: str
    lang: str


class SubtitleFiles:
    """The text tracks added so far, written once each, and added to libmpv's current file."""

    def __init__(self, command: Callable[..., object]) -> None:
        """``command``: libmpv's synchronous one; ``attach`` runs on libmpv's event thread (a file loaded)."""
        self._command = command
        self._lock = threading.Lock()
        self._closed = False  # libmpv is being destroyed: no command may still be running then
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
        with self._lock:
            for sub in files:
                self._add(sub, select=select)

    def update(self, sub: SubtitleFile, webvtt: str, listed: Callable[[], tuple[list[int], bool]]) -> None:
        """Rewrite ``sub``'s file whole (written beside, then renamed: libmpv never reads half a file); when the
        current file has it (``listed``: its track ids there and whether one is shown), add it again and remove
        those copies, selected only if it was shown (a viewer who hid the subtitles keeps them hidden)."""
        with self._lock:
            fresh = sub.path.with_suffix(".new")
            fresh.write_text(webvtt, encoding="utf-8")
            os.replace(fresh, sub.path)
            attached, shown = listed()
            if attached and self._add(sub, select=shown):
                for track_id in attached:
                    self._run("sub-remove", track_id)

    def close(self) -> None:
        """No more commands: libmpv is about to be destroyed (waits for one still running)."""
        with self._lock:
            self._closed = True

    def _add(self, sub: SubtitleFile, *, select: bool) -> bool:
        return self._run("sub-add", str(sub.path), "select" if select else "auto", sub.title, sub.lang)

    def _run(self, *command: object) -> bool:
        """True when libmpv did it; call under the lock."""
        if self._closed:
            return False
        try:
            self._command(*command)
        except MPV_FAILURES:
            return False
        return True

    def cleanup(self) -> None:
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None
