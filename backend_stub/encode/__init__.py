"""Encoding: ladder planning, ffmpeg + Shaka Packager, CENC, atomic publication, jobs, demo catalog.

Public face (see each module for details)::

    make_test_title(data_dir, title_id, *, protected=False, seconds=6, heights=(144, 240),
                    audio_langs=("en",), subtitles=False) -> TitleInfo
"""
from __future__ import annotations

from .errors import CancelledError, EncodeError, JobError, ProcessError, SourceError, SourceMissingError, ToolMissingError
from .fixture import make_test_title
from .models import TitleInfo, TitleMeta

__all__ = [
    "CancelledError",
    "EncodeError",
    "JobError",
    "ProcessError",
    "SourceError",
    "SourceMissingError",
    "TitleInfo",
    "TitleMeta",
    "ToolMissingError",
    "make_test_title",
]
