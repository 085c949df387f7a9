"""Errors raised by the encoder. Library exceptions (subprocess, OSError, PyAV, sqlite) never leak.

::

    EncodeError                  base of everything this package raises
    ├── ToolMissingError         ffmpeg or Shaka Packager is not installed (run `make tools`)
    ├── SourceError              the upload is not a usable video — permanent, the job *fails*
    │   └── SourceMissingError   the source file is not there (yet) — transient, the job is retried
    ├── ProcessError             ffmpeg/packager exited non-zero (reason = last stderr lines) — retried
    ├── CancelledError           the job was cancelled or the worker is shutting down
    └── JobError                 unknown job id, or a job id reused for a different title
"""
from __future__ import annotations


class EncodeError(Exception):
    """Base of the encoder's errors; ``reason`` is one human sentence (stored on the job)."""

    @property
    def reason(self) -> str:
        return str(self)


class ToolMissingError(EncodeError):
    """A required binary is missing."""


class SourceError(EncodeError):
    """The source cannot be encoded (corrupt, not a video, no video stream). Retrying will not help."""


class SourceMissingError(SourceError):
    """The source path does not exist; an upload may still be landing, so this one is retried."""


class ProcessError(EncodeError):
    """A subprocess failed; the message carries its exit status and the tail of its stderr."""


class CancelledError(EncodeError):
    """Raised out of a running encode when its cancel flag is set; the subprocesses are already dead."""


class JobError(EncodeError):
    """Misuse of the job API (unknown id, id reused for another title)."""
