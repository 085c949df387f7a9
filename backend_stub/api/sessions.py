"""Playback sessions: the concurrent-stream limit of each plan (layout contract; issue 16).

A session lives while heartbeats arrive: ``POST /playback/sessions/{id}/heartbeat`` at least every
``ttl_s`` (60 s); after that it no longer counts against the plan, no longer earns licences, and the
edges refuse its URLs (they carry its id). One session per *play*, not per device: two plays on one
device are two sessions, each with its own licence, and both count against the plan (reusing a device
id used to replace the older session, which let one account play without limit). A player that
crashed is held back by its ghost for at most ``ttl_s``, or not at all if it ended its session.
Download grants are sessions too but never count as streams. In memory: a backend restart ends them all.
"""
from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, replace

from backend_stub.api.errors import SessionGone, TooManyStreams


@dataclass(frozen=True, kw_only=True)
class PlaybackSession:
    id: str
    user_id: int
    title_id: str
    device_id: str
    started_at: float
    last_seen: float
    streams: bool = True  # False for a download's grant


class SessionRegistry:
    def __init__(self, *, ttl_s: float) -> None:
        self._ttl = ttl_s
        self._sessions: dict[str, PlaybackSession] = {}
        self._lock = threading.Lock()

    def _alive(self, s: PlaybackSession, now: float) -> bool:
        return now - s.last_seen < self._ttl

    def _sweep(self, now: float) -> None:
        for sid in [sid for sid, s in self._sessions.items() if not self._alive(s, now)]:
            del self._sessions[sid]

    def open(self, *, user_id: int, title_id: str, device_id: str, max_streams: int, now: float,
             streams: bool = True) -> PlaybackSession:
        """Start a session, or raise :class:`TooManyStreams` when the plan's streams are all in use."""
        with self._lock:
            self._sweep(now)
            playing = sum(1 for s in self._sessions.values() if s.user_id == user_id and s.streams)
            if streams and playing >= max_streams:
                raise TooManyStreams(f"your plan allows {max_streams} stream(s) at a time")
            session = PlaybackSession(
                id=secrets.token_urlsafe(16), user_id=user_id, title_id=title_id,
                device_id=device_id, started_at=now, last_seen=now, streams=streams,
            )
            self._sessions[session.id] = session
            return session

    def live(self, session_id: str, *, user_id: int, now: float) -> PlaybackSession:
        """The user's live session by id; :class:`SessionGone` when unknown, someone else's or expired."""
        with self._lock:
            s = self._sessions.get(session_id)
            if s is None or s.user_id != user_id or not self._alive(s, now):
                raise SessionGone("no live playback session with this id")
            return s

    def is_live(self, session_id: str, *, now: float) -> bool:
        """Whether a session is open and heard from within the TTL (the edges ask, from their threads)."""
        with self._lock:
            s = self._sessions.get(session_id)
            return s is not None and self._alive(s, now)

    def heartbeat(self, session_id: str, *, user_id: int, now: float) -> PlaybackSession:
        with self._lock:
            s = self._sessions.get(session_id)
            if s is None or s.user_id != user_id or not self._alive(s, now):
                raise SessionGone("no live playback session with this id")
            s = replace(s, last_seen=now)
            self._sessions[session_id] = s
            return s

    def end(self, session_id: str, *, user_id: int) -> bool:
        with self._lock:
            s = self._sessions.get(session_id)
            if s is None or s.user_id != user_id:
                return False
            del self._sessions[session_id]
            return True

