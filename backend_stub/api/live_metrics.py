"""The ``/metrics`` series as running counters, updated as telemetry is stored (issue 16, items 1 and 4).

Why: recomputing every session from the telemetry table on each scrape did seconds of database work
on the API's loop; four scrapers stalled the edges. Now the telemetry writer thread calls
:meth:`LiveMetrics.observe` with each newly stored event and re-renders the page, and a scrape only
returns the last rendering.

Label sets are bounded: ``type`` is one of the fixed event types, ``title`` a title the catalog knows
(else ``other``), ``cdn`` an index below :data:`MAX_CDN_LABEL` (else ``other``). Per-session state (to
count a session's startup once and its played seconds as a maximum) is kept for the newest
:data:`MAX_SESSIONS` sessions only. Definitions match ``qoe.py``.
"""
from __future__ import annotations

import math
import threading
from collections import Counter, OrderedDict, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from backend_stub.api.metrics import Exposition
from backend_stub.api.qoe import percentile

MAX_CDN_LABEL = 32
MAX_SESSIONS = 50_000
STARTUP_WINDOW = 1024  # startup quantiles over each title's newest sessions
OTHER = "other"


@dataclass
class _Title:
    sessions: int = 0
    startups: deque[float] = field(default_factory=lambda: deque(maxlen=STARTUP_WINDOW))
    startup_sum: float = 0.0
    startup_count: int = 0
    rebuffer_s: float = 0.0
    played_s: float = 0.0
    errors: int = 0
    failovers: int = 0
    abandonments: int = 0


@dataclass
class _Session:
    title: str
    startup_seen: bool = False
    played_s: float = 0.0


def _num(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else 0.0


class LiveMetrics:
    """Counters fed one stored event at a time; :meth:`text` is the last rendering (thread-safe)."""

    def __init__(self, known_titles: Callable[[], set[str]]) -> None:
        self._known_titles = known_titles
        self._titles_seen: set[str] = set()
        self._events: Counter[str] = Counter()
        self._by_title: dict[str, _Title] = defaultdict(_Title)
        self._sessions: OrderedDict[str, _Session] = OrderedDict()
        self._cdn_segments: Counter[str] = Counter()
        self._cdn_bytes: Counter[str] = Counter()
        self._progress_rows: int | None = None
        self._lock = threading.Lock()
        self._text = self._render()

    def text(self) -> str:
        with self._lock:
            return self._text

    def set_progress_rows(self, rows: int) -> None:
        self._progress_rows = rows

    def _title_label(self, title: Any) -> str:
        if not isinstance(title, str) or not title:
            return "?"
        if title not in self._titles_seen:
            self._titles_seen = self._known_titles()
            if title not in self._titles_seen:
                return OTHER
        return title

    def _session(self, event: dict[str, Any]) -> _Session:
        key = str(event["session_id"])
        s = self._sessions.get(key)
        if s is None:
            s = _Session(title=self._title_label(event.get("title_id")))
            self._sessions[key] = s
            self._by_title[s.title].sessions += 1
            if len(self._sessions) > MAX_SESSIONS:
                self._sessions.popitem(last=False)
        return s

    def observe(self, event: dict[str, Any]) -> None:
        """Count one newly stored event (its type already checked against the fixed list)."""
        kind = str(event.get("type"))
        self._events[kind] += 1
        sid = event.get("session_id")
        if not isinstance(sid, str) or not sid:
            return
        s = self._session(event)
        t = self._by_title[s.title]
        if kind == "first_frame" and not s.startup_seen:
            s.startup_seen = True
            value = _num(event.get("startup_ms")) / 1000.0
            t.startups.append(value)
            t.startup_sum += value
            t.startup_count += 1
        elif kind == "segment":
            cdn = event.get("cdn")
            label = str(cdn) if isinstance(cdn, int) and 0 <= cdn < MAX_CDN_LABEL else OTHER
            self._cdn_segments[label] += 1
            self._cdn_bytes[label] += int(_num(event.get("bytes")))
        elif kind == "stall_end":
            t.rebuffer_s += _num(event.get("duration_s"))
        elif kind == "error":
            t.errors += 1
        elif kind == "failover":
            t.failovers += int(_num(event.get("count")) or 1)
        elif kind == "abandon":
            t.abandonments += 1
        elif kind == "end":
            played = _num(event.get("played_s"))
            if played > s.played_s:
                t.played_s += played - s.played_s
                s.played_s = played

    def publish(self) -> None:
        """Render the page from the counters (the writer thread calls this after each batch)."""
        text = self._render()
        with self._lock:
            self._text = text

    def _render(self) -> str:
        m = Exposition()
        for kind, n in sorted(self._events.items()):
            m.add("reelbox_telemetry_events_total", "counter", "Telemetry events stored (after de-duplication).",
                  n, type=kind)
        for title, t in sorted(self._by_title.items()):
            m.add("reelbox_playback_sessions_total", "counter", "Playback sessions seen in telemetry.", t.sessions,
                  title=title)
            for q in (0.5, 0.95):
                p = percentile(list(t.startups), q)
                m.add("reelbox_startup_seconds", "summary", "Time to first frame per session.",
                      math.nan if p is None else p, title=title, quantile=q)
            m.add("reelbox_startup_seconds_sum", "summary", "Time to first frame per session.", t.startup_sum,
                  title=title)
            m.add("reelbox_startup_seconds_count", "summary", "Time to first frame per session.", t.startup_count,
                  title=title)
            m.add("reelbox_rebuffer_seconds_total", "counter", "Seconds spent rebuffering.", t.rebuffer_s, title=title)
            m.add("reelbox_played_seconds_total", "counter", "Media seconds played.", t.played_s, title=title)
            m.add("reelbox_playback_errors_total", "counter", "Error events.", t.errors, title=title)
            m.add("reelbox_cdn_failovers_total", "counter", "Requests that moved to another CDN.", t.failovers,
                  title=title)
            m.add("reelbox_abr_abandonments_total", "counter",
                  "Video downloads the ABR abandoned and refetched lower.", t.abandonments, title=title)
        for cdn in sorted(self._cdn_segments):
            m.add("reelbox_cdn_segments_total", "counter", "Media segments fetched per CDN.", self._cdn_segments[cdn],
                  cdn=cdn)
            m.add("reelbox_cdn_bytes_total", "counter", "Media bytes fetched per CDN.", self._cdn_bytes[cdn], cdn=cdn)
        if self._progress_rows is not None:
            m.add("reelbox_progress_rows", "gauge", "Stored (user, title) watch positions.", self._progress_rows)
        return m.render()
