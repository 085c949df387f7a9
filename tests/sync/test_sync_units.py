"""Units of resume sync and telemetry: reporter schedule, back-off, scrubbing, device id, outbox order."""
from __future__ import annotations

import asyncio
import random
import re
import socket
from pathlib import Path

import pytest

from backend_stub.api import telemetry as backend_telemetry
from backend_stub.api.qoe import sessions_from_events, summarise
from player.backend import BackendClient
from player.device import device_id
from player.net import ManualClock
from player.qoe import (
    DownloadAbandoned, LicenceAcquired, PauseChanged, PositionReached, QoeTracker, Seeked, SegmentFetched, SegmentRecord,
    SessionEnded, SessionStarted,
)
from player.sync.resume import PositionReport, ProgressReporter, choose_start
from player.sync import Backoff
from player.sync.outbox import NewProgress, Outbox
from player.sync.uploader import Uploader
from player.sync.telemetry import SENSITIVE_NAME, SessionTelemetry, scrub


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_reporter_sends_every_10_s_and_at_pause_seek_end() -> None:
    """Positions go out every 10 s while playing (not while paused) and at once on pause, seek and end."""
    clock, sent = Clock(), []
    r = ProgressReporter(emit=sent.append, duration=lambda: 100.0, clock=clock)
    r(SessionStarted(at=0.0, start_s=0.0, target="t"))
    for second in range(1, 26):
        clock.t = float(second)
        r(PositionReached(position_s=float(second)))
    assert [s.position_s for s in sent] == [10.0, 20.0]
    r(PauseChanged(paused=True, position_s=25.0))
    clock.t = 60.0
    r(PositionReached(position_s=25.0))
    r(Seeked(from_s=25.0, to_s=96.0))
    r(SessionEnded(position_s=97.0, played_s=97.0, completed=True))
    r(PositionReached(position_s=98.0))  # after the end: nothing
    assert [(s.reason, s.position_s, s.completed) for s in sent[2:]] == [
        ("pause", 25.0, False), ("seek", 96.0, True), ("end", 97.0, True)]
    assert all(isinstance(s, PositionReport) for s in sent)


def test_choose_start() -> None:
    """--start wins; online defers to the backend; offline resumes locally unless completed."""
    assert choose_start(requested_s=4.0, online=True, local_position_s=9.0) == 4.0
    assert choose_start(requested_s=None, online=True, local_position_s=9.0) is None
    assert choose_start(requested_s=None, online=False, local_position_s=9.0) == 9.0
    assert choose_start(requested_s=None, online=False, local_position_s=9.0, local_completed=True) == 0.0


def test_backoff_is_capped_full_jitter() -> None:
    """Delays grow as base·2^n, never above the cap, never below the floor."""
    b, rng = Backoff(base_s=1.0, cap_s=8.0), random.Random(1)
    delays = [[b.delay(n, rng) for _ in range(200)] for n in range(6)]
    assert max(delays[0]) <= 1.0 and max(delays[2]) <= 4.0 and max(delays[5]) <= 8.0
    assert max(delays[5]) > 4.0 and min(min(d) for d in delays) >= b.floor_s


def test_scrub_drops_secret_names_and_redacts_signed_urls() -> None:
    """Fields named like secrets vanish at any depth; edge path tokens in messages are redacted."""
    event = {"event_id": "e", "access_token": "abc", "nested": [{"password": "p", "ok": 1}], "key": "k",
             "message": "GET http://h:1/c/123-deadbeef/t/seg.m4s failed"}
    out = scrub(event)
    assert out["nested"] == [{"ok": 1}] and "access_token" not in out and "key" not in out
    assert "deadbeef" not in out["message"] and backend_telemetry.sensitive_field(out) is None
    assert SENSITIVE_NAME.pattern == backend_telemetry._SENSITIVE.pattern  # client and backend agree


def test_telemetry_schema_and_switch_events() -> None:
    """Events carry the common fields, a session-wide seq, and a switch when the video rendition changes."""
    out, clock = [], Clock()
    t = SessionTelemetry(sink=out.append, device_id="dev-1", title_id="t", wall=lambda: 1e9, clock=clock,
                         opened_at=0.0, version="9.9")
    t(LicenceAcquired(license_ms=12.0))  # before start: held
    t(SessionStarted(at=0.0, start_s=0.0, target="t", session_id="S"))
    for i, rend in enumerate(["v144", "v144", "v240"]):
        t(SegmentFetched(record=SegmentRecord(index=i, type="video", rendition=rend, bitrate_kbps=100.0 * (i + 1),
                                              cdn=0, bytes=1000, download_ms=5.0, buffer_s=1.0)))
    t(SessionEnded(position_s=3.0, played_s=3.0, completed=True))
    assert [e["type"] for e in out] == ["session_start", "license", "segment", "segment", "switch", "segment", "end"]
    assert [e["seq"] for e in out] == list(range(7))
    assert {(e["session_id"], e["device_id"], e["app_version"], e["title_id"]) for e in out} == {("S", "dev-1", "9.9", "t")}
    assert out[4]["from_rendition"] == "v144" and out[4]["to_rendition"] == "v240"
    assert len({e["event_id"] for e in out}) == 7 and all(re.fullmatch(r"[0-9a-f]{32}", e["event_id"]) for e in out)


def test_abandon_notes_become_events_and_count_in_the_backend_summary() -> None:
    """A tracker's abandonment becomes an ``abandon`` event (no secret field); the backend counts them per
    title, and the failovers next to them."""
    out, clock = [], Clock()
    qoe = QoeTracker(target="t", opened_at=0.0)
    qoe.listeners.append(SessionTelemetry(sink=out.append, device_id="dev-1", title_id="t", wall=lambda: 1e9,
                                          clock=clock, opened_at=0.0, version="9.9",
                                          summary=lambda: {"abandonments": qoe.abandonments}))
    qoe.tell(SessionStarted(at=0.0, start_s=0.0, target="t", session_id="S"))
    clock.t = 4.0
    qoe.abandoned(DownloadAbandoned(at=2.5, index=3, from_rung=2, to_rung=0, received_bytes=16384))
    qoe.abandoned(DownloadAbandoned(at=3.5, index=4, from_rung=1, to_rung=0, received_bytes=900))
    qoe.failover(3)
    qoe.tell(SessionEnded(position_s=4.0, played_s=4.0, completed=False))
    abandons = [e for e in out if e["type"] == "abandon"]
    assert [(e["t_s"], e["index"], e["from_rung"], e["to_rung"], e["received_bytes"]) for e in abandons] == [
        (2.5, 3, 2, 0, 16384), (3.5, 4, 1, 0, 900)]
    assert out[-1]["type"] == "end" and out[-1]["abandonments"] == 2
    assert all(backend_telemetry.sensitive_field(e) is None for e in out)
    summary = summarise(sessions_from_events(out))
    assert summary["titles"]["t"]["abandonments"] == 2
    assert summary["titles"]["t"]["failovers"] == 3
    # a session without any: zero, not missing
    quiet = [{**e, "session_id": "Q", "event_id": e["event_id"] + "q"} for e in out if e["type"] != "abandon"]
    assert summarise(sessions_from_events(quiet))["titles"]["t"]["abandonments"] == 0


def test_device_id_is_stable_per_installation(tmp_path: Path) -> None:
    """The id is created once per home and read back unchanged; another home is another device."""
    first = device_id(tmp_path / "a")
    assert device_id(tmp_path / "a") == first and device_id(tmp_path / "b") != first
    assert (tmp_path / "a" / "state" / "device_id").read_text().strip() == first


def test_outbox_keeps_order_and_numbers_progress(tmp_path: Path) -> None:
    """Items come back in the order queued; progress gets an increasing per-device seq that survives reopening."""
    box = Outbox.open(tmp_path / "q.sqlite")

    def prog(pos: float, event: str) -> tuple[str, NewProgress]:
        return "progress", NewProgress(title_id="t", position_s=pos, duration_s=10.0, device_id="d", made_at=1.0,
                                       event_id=event, completed=False)

    box.append([prog(1.0, "p1"), ("telemetry", {"event_id": "e1", "ts": 1.0}), prog(2.0, "p2")])
    box.close()
    box = Outbox.open(tmp_path / "q.sqlite")
    box.append([prog(3.0, "p3")])
    head = box.head(10)
    assert [i.event_id for i in head] == ["p1", "e1", "p2", "p3"]
    assert [i.body["seq"] for i in head if i.kind == "progress"] == [1, 2, 3]
    assert box.local_progress("t").position_s == 3.0
    box.delivered([head[0].id])
    assert [i.event_id for i in box.head(10)] == ["e1", "p2", "p3"]
    box.close()


def test_the_uploader_backs_off_on_the_injected_clock(tmp_path: Path) -> None:
    """With the backend unreachable (a closed port on 127.0.0.1), every retry waits a back-off slept on the clock:
    on ManualClock minutes of back-off pass in a fraction of a second, and the item stays queued."""
    box = Outbox.open(tmp_path / "q.sqlite")
    box.append([("progress", NewProgress(title_id="t", position_s=1.0, duration_s=10.0, device_id="d", made_at=1.0,
                                         event_id="p1", completed=False))])
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    clock = ManualClock()

    async def scenario() -> Uploader:
        backend = BackendClient(f"http://127.0.0.1:{port}")
        uploader = Uploader(box, backend=backend, wall=lambda: 2.0, backoff=Backoff(base_s=1.0, cap_s=60.0),
                            rng=random.Random(7), clock=clock)
        task = asyncio.create_task(uploader.run())
        while uploader.failures < 6:
            await asyncio.sleep(0.01)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await backend.aclose()
        return uploader

    uploader = asyncio.run(scenario())
    assert uploader.failures >= 6 and box.pending() == 1
    assert len(clock.slept) >= 5 and clock.now() - 1000.0 == pytest.approx(sum(clock.slept[:uploader.failures]), abs=60)
    assert max(clock.slept) > 4.0  # the back-off grew (base 1 s, doubling, full jitter)
    box.close()
