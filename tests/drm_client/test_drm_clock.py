"""TrustedClock: the persisted high-water mark, tolerance, lock, resync."""
from __future__ import annotations

from pathlib import Path

import pytest

from drm_client import ClockRollback, ClockStateFile, DeviceKey, TrustedClock

from drm_licence_server import ManualClock  # type: ignore[import-not-found]

T0 = 1_800_000_000.0


def make(path: Path, wall: ManualClock, key: DeviceKey | None = None) -> TrustedClock:
    return TrustedClock(ClockStateFile(path, key), now=wall, tolerance_s=300)


def test_small_step_back_returns_the_mark(tmp_path: Path) -> None:
    """A reading up to the tolerance behind the mark returns the mark, so no time is won back."""
    wall = ManualClock(T0)
    clock = make(tmp_path / "c", wall)
    assert clock.now() == T0
    wall.t = T0 - 299
    assert clock.now() == T0 and not clock.locked
    wall.t = T0 + 10
    assert clock.now() == T0 + 10


def test_rollback_beyond_tolerance_locks_persistently(tmp_path: Path) -> None:
    """301 s back raises ClockRollback; a reload of the file is still locked."""
    wall = ManualClock(T0)
    clock = make(tmp_path / "c", wall)
    clock.now()
    wall.t = T0 - 301
    with pytest.raises(ClockRollback):
        clock.now()
    wall.t = T0 + 1000
    assert make(tmp_path / "c", wall).locked
    with pytest.raises(ClockRollback):
        make(tmp_path / "c", wall).now()


def test_mark_survives_restart(tmp_path: Path) -> None:
    """The high-water mark is persisted: a new clock object detects a rollback to before it."""
    wall = ManualClock(T0)
    make(tmp_path / "c", wall).now()
    wall.t = T0 + 86400
    make(tmp_path / "c", wall).now()
    wall.t = T0
    with pytest.raises(ClockRollback):
        make(tmp_path / "c", wall).now()


def test_altered_sealed_state_reads_as_locked(tmp_path: Path) -> None:
    """With a device key the state is sealed; a flipped byte locks instead of resetting."""
    key = DeviceKey.generate()
    wall = ManualClock(T0)
    make(tmp_path / "c", wall, key).now()
    raw = bytearray((tmp_path / "c").read_bytes())
    assert b"high_water" not in raw  # sealed, not readable JSON
    raw[-1] ^= 1
    (tmp_path / "c").write_bytes(bytes(raw))
    assert make(tmp_path / "c", wall, key).locked


def test_resync_unlocks_and_keeps_the_server_offset(tmp_path: Path) -> None:
    """resync(server time) unlocks; with the local clock a day behind, now() follows the server."""
    wall = ManualClock(T0)
    clock = make(tmp_path / "c", wall)
    clock.now()
    wall.t = T0 - 86400
    with pytest.raises(ClockRollback):
        clock.now()
    clock.resync(T0 + 60)
    assert not clock.locked
    assert clock.now() == pytest.approx(T0 + 60)
    wall.t += 30
    assert clock.now() == pytest.approx(T0 + 90)
    assert make(tmp_path / "c", wall).now() == pytest.approx(T0 + 90)
