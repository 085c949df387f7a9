"""What a ``reelbox`` process would pay for and never use: modules it does not need, memory it would not return.

Applied only when the process *is* the command (``ui.cli.main()`` reading ``sys.argv``), never in a host
such as a test run or an app that embeds the CLI (issue 19: a download's fixed cost, a play's peak RSS).
"""
from __future__ import annotations

import ctypes
import sys

# glibc's mallopt() parameters (malloc.h)
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
ARENAS = 2
MMAP_THRESHOLD = 128 * 1024


def leave_out_unused_modules(command: str) -> None:
    """Keep third-party modules this process never uses from loading.

    httpx's own command line (click, pygments, rich: ~20 ms of CPU and a few MiB) is never ours; httpx
    falls back to a stub ``main`` when it cannot import it. ``reelbox download`` speaks HTTP/1.1 only
    (``downloads.grant``), so httpcore's HTTP/2 half (h2, hpack, hyperframe: ~12 ms) is skipped there;
    httpcore replaces it with a stub that would name the missing package.
    """
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]  # None in sys.modules: ImportError
    if command == "download":
        sys.modules.setdefault("h2", None)  # type: ignore[arg-type]


def return_freed_memory() -> bool:
    """Ask glibc's malloc to hand freed buffers back instead of keeping them per thread; False when not glibc.

    A play allocates a segment-sized buffer (~1 MB) per fetch, remux and libmpv read, from several
    threads. By default glibc gives each thread its own arena (up to 8 per core) and, after the first
    large buffer is freed, raises its mmap threshold so that later ones come from those arenas, where
    freed memory stays in the process. Two arenas and a fixed 128 KiB threshold (buffers above it are
    mapped and unmapped whole) took the 720p play's peak RSS down by ~9 MiB, with no CPU cost measured
    (``benchmarks/play_footprint.py``). Must run before the process starts threads.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the interpreter's own symbols: libc's
    except (OSError, AttributeError):
        return False  # musl and others: no mallopt
    return bool(mallopt(_M_ARENA_MAX, ARENAS)) and bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
