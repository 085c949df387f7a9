"""Every use of python-mpv's private names, in one place (issue 13).

python-mpv exposes libmpv's C API through ``mpv.MPV``; two things we need are only reachable through
its private ctypes bindings: ``mpv_stream_cb_add_ro`` (our own stream protocol, ``stream_protocol``)
and ``mpv_error_string`` (libmpv's own words for a failure). pyproject pins python-mpv to the range
these were tested with; if a release renames them, this module is the only one to change, and it
fails with a :class:`PlayerStartError` naming the missing binding rather than an ``AttributeError``.
"""
from __future__ import annotations

import ctypes
from collections.abc import Callable, Mapping
from typing import Any

import mpv

from .errors import PlaybackError, PlayerStartError
from .mpv_options import option_text

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


def read_property(player: mpv.MPV, name: str) -> Any:
    """Any libmpv property (None when unavailable: unknown here, or libmpv gone)."""
    try:
        return getattr(player, name.replace("-", "_"))
    except MPV_READ_FAILURES:
        return None


def write_property(player: mpv.MPV, name: str, value: Any) -> None:
    """Set a libmpv property; a no-op once libmpv has shut down."""
    try:
        setattr(player, name.replace("-", "_"), value)
    except MPV_FAILURES:
        pass


class PropertyWriter:
    """Sets libmpv properties, skipping those whose value is already in force.

    Every set of these properties goes through here, so ``applied`` is what libmpv has. Each
    synchronous set is a round trip to mpv's core, which is busy opening the file; on the event
    thread (``wait=False``) a blocking set held up the events behind it, the first frame's
    included (2–3 ms), so there the set is queued and not waited for.
    """

    def __init__(self, player: mpv.MPV, applied: dict[str, Any]) -> None:
        self._mpv = player
        self.applied = applied

    def apply(self, values: Mapping[str, Any], *, wait: bool = True) -> None:
        for name, value in values.items():
            if name in self.applied and self.applied[name] == value:
                continue
            try:
                if wait:
                    self._mpv[name] = value
                else:
                    self._mpv.command_async("set", name, option_text(value))
            except MPV_FAILURES as exc:
                raise PlaybackError(f"libmpv refused {name}={value!r}: {exc}") from exc
            self.applied[name] = value
