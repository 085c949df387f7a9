"""A clock for offline licences that notices being turned back.

Offline, the device clock is the only time we have, and turning it back is the cheapest attack on
a rental. ``TrustedClock`` keeps a persisted *high-water mark* — the latest time it has seen.
A reading more than ``tolerance_s`` behind the mark (NTP steps and DST mistakes stay inside the
default 300 s) raises ``ClockRollback`` and *locks* the clock, persistently: a restart does not
unlock it, moving the clock forward again does not either; only ``resync()`` with a time the
server vouched for (the signed ``issued_at`` of an online renewal) does.

Readings inside the tolerance return the mark itself, so small rollbacks cannot win time back.
After a resync where the local clock is still far behind the server, the difference is kept as an
offset, so playback works without forcing the user to fix their clock.

State lives in one small file written atomically and, when a device key is given, sealed with it
(AES-GCM): an edited or damaged file reads as *locked* rather than as a fresh start. Deleting the
file does reset it; ``OfflineLicenceStore`` re-feeds the mark from its own records (``witness``)
so that deleting the file alone gains nothing. Root on the box can still defeat all of this.
"""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from drm_client.atomic_file import write_atomic
from drm_client.device_key import DeviceKey
from drm_client.errors import ClockRollback, DeviceKeyError

log = logging.getLogger(__name__)

_AAD = b"reelbox trusted clock v1"


@dataclass(frozen=True, kw_only=True)
class ClockState:
    """What the clock persists."""

    high_water_s: float | None = None
    locked: bool = False
    offset_s: float = 0.0


class ClockStateFile:
    """``ClockState`` in a JSON file, atomically replaced, sealed when a device key is given."""

    def __init__(self, path: Path, device_key: DeviceKey | None = None) -> None:
        self.path = path
        self._device_key = device_key

    def load(self) -> ClockState:
        """The saved state; a missing file is a fresh state, an unreadable one a locked state."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return ClockState()
        try:
            if self._device_key is not None:
                raw = self._device_key.unwrap(raw, aad=_AAD)
            data = json.loads(raw)
            hwm = data["high_water_s"]
            return ClockState(high_water_s=None if hwm is None else float(hwm),
                              locked=bool(data["locked"]), offset_s=float(data.get("offset_s", 0.0)))
        except (DeviceKeyError, ValueError, KeyError, TypeError):
            log.warning("clock state %s is damaged or altered: locking offline playback", self.path)
            return ClockState(locked=True)

    def save(self, state: ClockState) -> None:
        """Persist ``state`` atomically."""
        raw = json.dumps({"high_water_s": state.high_water_s, "locked": state.locked,
                          "offset_s": state.offset_s}).encode()
        if self._device_key is not None:
            raw = self._device_key.wrap(raw, aad=_AAD)
        write_atomic(self.path, raw)


class TrustedClock:
    """Epoch seconds that never go back by more than ``tolerance_s`` without locking."""

    def __init__(self, store: ClockStateFile, now: Callable[[], float] = time.time,
                 tolerance_s: float = 300.0) -> None:
        self._store = store
        self._now = now
        self.tolerance_s = tolerance_s
        self._state = store.load()
        self._persisted_hwm = self._state.high_water_s
        self._persist_step_s = min(30.0, tolerance_s / 10)

    @property
    def locked(self) -> bool:
        """True after a rollback, until ``resync``."""
        return self._state.locked

    @property
    def high_water_s(self) -> float | None:
        """The latest time seen (for diagnostics and tests)."""
        return self._state.high_water_s

    def now(self) -> float:
        """The trusted time; ``ClockRollback`` if locked or if the clock went back too far."""
        if self._state.locked:
            raise ClockRollback("offline playback is locked after a clock rollback; renew online")
        t = self._now() + self._state.offset_s
        hwm = self._state.high_water_s
        if hwm is not None and t < hwm - self.tolerance_s:
            self._state = replace(self._state, locked=True)
            self._store.save(self._state)
            log.warning("clock rollback of %.0f s detected: offline playback locked", hwm - t)
            raise ClockRollback(f"the clock went back {hwm - t:.0f} s; renew online to unlock")
        if hwm is None or t > hwm:
            self._advance(t)
            return t
        return hwm

    def witness(self, t: float) -> None:
        """Raise the mark to ``t``, a time this device is known to have reached (stored records)."""
        if self._state.high_water_s is None or t > self._state.high_water_s:
            self._advance(t, force=True)

    def resync(self, server_time: float) -> None:
        """Unlock with a time the server vouched for; keep an offset if the local clock is behind."""
        local = self._now()
        offset = server_time - local if local < server_time - self.tolerance_s else 0.0
        self._state = ClockState(high_water_s=max(server_time, local + offset), locked=False,
                                 offset_s=offset)
        self._store.save(self._state)
        self._persisted_hwm = self._state.high_water_s

    def _advance(self, t: float, *, force: bool = False) -> None:
        self._state = replace(self._state, high_water_s=t)
        if force or self._persisted_hwm is None or t - self._persisted_hwm >= self._persist_step_s:
            self._store.save(self._state)
            self._persisted_hwm = t
