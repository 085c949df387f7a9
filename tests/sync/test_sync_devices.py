"""Two installations of the app: watch on one, resume on the other; the conflict rule under skewed clocks."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sync_helpers import CLEAR, backend_rows, play_with_sync, signed_in


def test_watch_on_one_device_resume_on_the_other(start_backend, tmp_path: Path) -> None:
    """Device A plays to 5 s and stops; device B (another install, another id) starts at A's position."""
    backend = start_backend()

    async def scenario() -> tuple[dict, dict, str, str]:
        client = await signed_in(backend.api_url)
        try:
            report_a, handle_a, _ = await play_with_sync(client, CLEAR, tmp_path / "home-a", until_s=5.0)
            report_b, handle_b, session_b = await play_with_sync(client, CLEAR, tmp_path / "home-b", until_s=7.0)
            return report_a, report_b, handle_a.device_id, handle_b.device_id
        finally:
            await client.aclose()

    report_a, report_b, dev_a, dev_b = asyncio.run(scenario())
    assert dev_a != dev_b and dev_a.startswith("dev-")
    assert report_a["start_s"] == 0.0
    stopped_at = 5.0
    assert abs(report_b["start_s"] - stopped_at) < 1.05, report_b["start_s"]  # A's exit position, within a tick
    rows = backend_rows(backend.data_dir, "SELECT device_id, position_s FROM progress WHERE title_id = ?", (CLEAR,))
    assert rows[0][0] == dev_b and rows[0][1] >= 6.5  # B's own exit wrote last


def test_skewed_clock_cannot_pin_an_old_position(start_backend, tmp_path: Path) -> None:
    """A's wall clock runs 2 h fast: B's later real-time update still wins, and A's delayed old update loses."""
    backend = start_backend()
    skew = 7200.0

    async def scenario() -> list[dict]:
        client = await signed_in(backend.api_url)
        try:
            from player.sync import open_sync

            fast = open_sync(backend=client, home=tmp_path / "a", wall=lambda: time.time() + skew)
            fast.record_progress(CLEAR, 4.0, 12.0)  # made now, but stamped 2 h in the future by A's clock
            assert await fast.flush()
            slow = open_sync(backend=client, home=tmp_path / "b")
            slow.record_progress(CLEAR, 8.0, 12.0)  # B, correct clock, a moment later in real time
            assert await slow.flush()
            # A replays an update it made 30 s ago (held offline): older in real time than B's
            from player.sync.outbox import NewProgress

            fast.writer.put("progress", NewProgress(title_id=CLEAR, position_s=2.0, duration_s=12.0,
                                                    device_id=fast.device_id, made_at=time.time() + skew - 30,
                                                    event_id="late-a", completed=False))
            assert await fast.flush()
            answers = [*fast.uploader.progress_answers[:1], *slow.uploader.progress_answers,
                       *fast.uploader.progress_answers[1:]]
            for h in (fast, slow):
                await h.aclose()
            return answers
        finally:
            await client.aclose()

    answers = asyncio.run(scenario())
    assert [a["applied"] for a in answers] == [True, True, False]
    assert answers[2]["position_s"] == 8.0  # the refusal names the winner
    (row,) = backend_rows(backend.data_dir, "SELECT position_s, version FROM progress WHERE title_id = ?", (CLEAR,))
    assert row == (8.0, 2)
