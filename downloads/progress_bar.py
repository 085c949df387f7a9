"""The client's one terminal progress bar: ``reelbox download`` and the ``reelbox demo`` catalog build.

One line on stderr, redrawn in place (``\\r``) at most ``max_rate_hz`` times a second so a fast
producer does not flood a slow terminal; the final draw always shows and ends the line. (The backend
draws its own for ``reelbox backend``: the two sides share no code.)
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO


class TerminalBar:
    """``draw(fraction, text)``; ``final=True`` (or :meth:`end`) finishes the line."""

    def __init__(self, out: TextIO | None = None, *, width: int = 30, max_rate_hz: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.out = out or sys.stderr
        self.width = width
        self.min_interval_s = 1.0 / max_rate_hz
        self.clock = clock
        self._last: float | None = None
        self._open = False

    def draw(self, fraction: float, text: str = "", *, final: bool = False) -> None:
        now = self.clock()
        if not final and self._last is not None and now - self._last < self.min_interval_s:
            return
        self._last = now
        f = min(max(fraction, 0.0), 1.0)
        filled = int(self.width * f)
        self.out.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {f * 100:5.1f}% {text}")
        self._open = True
        if final:
            self.end()
        else:
            self.out.flush()

    def end(self) -> None:
        """End the bar's line (once), so what is printed next starts on its own line."""
        if self._open:
            self.out.write("\n")
            self._open = False
        self.out.flush()
