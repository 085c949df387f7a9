"""Every use of python-mpv's private names, in one place (issue 13).

python-mpv exposes libmpv's C API through ``mpv.MPV``; two things we need are only reachable through
its private ctypes bindings: ``mpv_stream_cb_add_ro`` (our own stream protocol, ``stream_protocol``)
and ``mpv_error_string`` (libmpv's own words for a failure). pyproject pins python-mpv to the range
these were tested with; if a release renames them, this module is the only one to change, and it
fails with a :class:`PlayerStartError` naming the missing binding rather than an ``AttributeError``.
"""
from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import Any

import mpv

from .errors import PlayerStartError

#: exceptions libmpv/python-mpv raise when libmpv is gone or refuses a call
MPV_FAILURES: tuple[type[BaseException], ...] = (mpv.ShutdownError, SystemError, RuntimeError)
#: ... and when a property is unknown to this libmpv
MPV_READ_FAILURES: tuple[type[BaseException], ...] = (*MPV_FAILURES, AttributeError)


def create(log_handler: Callable[[str, str, str], None], options: dict[str, Any]) -> mpv.MPV:
    """A new libmpv instance (warn-level log to ``log_handler``); a named error with libmpv's reason."""
    try:
        return mpv.MPV(log_handler=log_handler, loglevel="warn", config=False, **options)
    except (OSError, AttributeError, TypeError, ValueError, SystemError) as exc:
        raise PlayerStartError(f"libmpv could not be created: {exc}") from exc


def add_stream_protocol(player: mpv.MPV, proto: str, open_fn: Callable[..., int]) -> Any:
    """Register ``open_fn`` for ``<proto>://`` URIs (libmpv/stream_cb.h); returns the ctypes callback to keep alive."""
    binding = getattr(mpv, "_mpv_stream_cb_add_ro", None)
    if binding is None:
        raise PlayerStartError("this python-mpv has no mpv_stream_cb_add_ro binding (see pyproject's pin)")
    callback = mpv.StreamOpenFn(open_fn)
    binding(player.handle, proto.encode(), ctypes.c_void_p(), callback)
    return callback


def error_text(code: int) -> str:
    """libmpv's description of an error code (``mpv_error_string``)."""
    try:
        return str(mpv._mpv_error_string(code).decode())
    except (AttributeError, UnicodeDecodeError, OSError):
        return f"mpv error {code}"
