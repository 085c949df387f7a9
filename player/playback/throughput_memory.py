"""The link's throughput estimate, carried from one play to the next (issue 19).

Why: a play that starts with no estimate starts at the lowest rung (``player.scheduling.start_pick``
says what that costs). Like ExoPlayer's process-wide ``DefaultBandwidthMeter``, the last play's
estimate is kept per origin host — for the process (the Qt and TV app play many titles in one) and in
the state dir, so that the next launch starts from it too. Per host, as the estimate is of the path to
that host; the port is not part of it (one link to every edge on a machine).

What the file holds is small and says nothing secret: ``{"host": {"kbps": ..., "at": unix time of the
last download the estimate includes}}``, at most ``MAX_HOSTS`` of them (the newest), replaced
atomically. An unreadable or malformed file is an empty memory (it is only a head start; the next play
writes a good one). The age limit is the start pick's (``CARRIED_FOR_S``): this module only remembers.
"""
from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from player.paths import state_dir, write_atomic
from player.scheduling.start_pick import Carried

FILE_NAME = "throughput.json"
MAX_HOSTS = 32


class ThroughputMemory:
    """Estimates per origin host, read from ``path`` once and written back on every :meth:`remember`."""

    def __init__(self, path: Path | None, wall: Callable[[], float] = time.time) -> None:
        """``path``: None keeps it for the process only; ``wall``: the clock ages are counted on (Unix time,
        as the file outlives the process)."""
        self.path, self.wall = path, wall
        self._hosts: dict[str, tuple[float, float]] | None = None  # host -> (kbps, at), once loaded
        self._lock = threading.Lock()  # the UI thread and the engine's may both end plays

    def recall(self, url: str) -> Carried | None:
        """The estimate last remembered for ``url``'s host, with its age; None: none, or no host."""
        host = origin(url)
        with self._lock:
            found = self._loaded().get(host) if host else None
        return None if found is None else Carried(kbps=found[0], age_s=self.wall() - found[1])

    def remember(self, url: str, kbps: float, age_s: float) -> None:
        """Keep ``kbps`` (measured by a download ``age_s`` ago) for ``url``'s host, and write the file."""
        host = origin(url)
        if not host or not math.isfinite(kbps) or kbps <= 0:
            return
        with self._lock:
            hosts = self._loaded()
            hosts[host] = (kbps, self.wall() - age_s)
            newest = sorted(hosts.items(), key=lambda item: item[1][1], reverse=True)[:MAX_HOSTS]
            self._hosts = dict(newest)
            if self.path is not None:
                body = {h: {"kbps": round(k, 1), "at": round(at, 1)} for h, (k, at) in self._hosts.items()}
                write_atomic(self.path, json.dumps(body, sort_keys=True).encode())

    def _loaded(self) -> dict[str, tuple[float, float]]:
        if self._hosts is None:
            self._hosts = _read(self.path)
        return self._hosts


def origin(url: str) -> str | None:
    """The host a URL's estimate is kept under (lower case, no port); None for a URL without one."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.lower() if host else None


def _read(path: Path | None) -> dict[str, tuple[float, float]]:
    """The file's entries that are well formed; nothing when it is missing or unreadable."""
    if path is None:
        return {}
    try:
        raw = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    hosts: dict[str, tuple[float, float]] = {}
    for host, entry in (raw.items() if isinstance(raw, dict) else ()):
        kbps = entry.get("kbps") if isinstance(entry, dict) else None
        at = entry.get("at") if isinstance(entry, dict) else None
        if isinstance(kbps, (int, float)) and isinstance(at, (int, float)) and math.isfinite(kbps) and kbps > 0 \
                and math.isfinite(at):
            hosts[str(host)] = (float(kbps), float(at))
    return hosts


_PROCESS: dict[Path, ThroughputMemory] = {}
_PROCESS_LOCK = threading.Lock()


def process_memory(home: Path | None = None) -> ThroughputMemory:
    """The memory every play of this process shares, persisted in the user's state dir (``REELBOX_HOME``
    honoured: one memory per state dir)."""
    path = state_dir(home) / FILE_NAME
    with _PROCESS_LOCK:
        return _PROCESS.setdefault(path, ThroughputMemory(path))
