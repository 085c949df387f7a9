"""Offline licences at rest: one SQLite file (sqlite-utils), keys sealed under the device key.

Layout (``licences`` table, one row per licence):
- ``payload`` / ``signature``: the signed licence, re-verified against the pinned server key on
  every use (editing the rental end in the file only breaks the signature);
- ``sealed``: AES-256-GCM (``DeviceKey.wrap``, associated data = licence id) over
  ``{"keys": [[kid, key]...], "first_play_at": ...}`` — the content keys *and* the first-play time,
  so neither can be read or reset without the device key. ``NULL`` once the licence expired or
  was deleted: the keys are gone, not merely hidden;
- ``expired``, ``last_seen_at`` (the highest trusted time this licence was used at: fed back into
  the clock's high-water mark on open, so deleting the clock file gains nothing).

The pinned server public key is stored wrapped by the device key as well, so it cannot be swapped
for a forger's key. ``PRAGMA secure_delete=ON`` makes SQLite overwrite deleted content with zeros,
so a wiped blob does not linger in free pages; the rollback journal (not WAL) keeps no copy once a
transaction commits.

Not covered (documented in ``device_key``): root on the box, and restoring an old copy of the whole
database file to reset the first-play time — that needs a hardware monotonic counter.
"""
from __future__ import annotations

import functools
import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, ParamSpec, TypeVar

from drm_client.clearkey import b64url_decode, b64url_encode, parse_license_keys
from drm_client.clock import TrustedClock
from drm_client.device_key import DeviceKey
from drm_client.errors import (
    ClockRollback,
    LicenceNotFound,
    LicenseExpired,
    MalformedLicense,
    OfflineLicenceError,
    SealBroken,
    SignatureInvalid,
)
from drm_client.key_ring import KeyRing
from drm_client.offline import OfflineLicence

log = logging.getLogger(__name__)

_PUBKEY_AAD = b"reelbox pinned licence key v1"
State = Literal["valid", "expired", "locked"]
P = ParamSpec("P")
R = TypeVar("R")


def _guarded(method: Callable[P, R]) -> Callable[P, R]:
    """One caller at a time (the store may be shared across threads); sqlite3 errors become ours."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        store = args[0]
        with store._lock:  # type: ignore[attr-defined]
            try:
                return method(*args, **kwargs)
            except sqlite3.Error as exc:
                raise OfflineLicenceError(f"licence store failed: {exc}") from exc

    return wrapper


@dataclass(frozen=True, kw_only=True)
class LicenceStatus:
    """What the UI shows for one stored licence."""

    license_id: str
    title_id: str
    state: State
    remaining_s: float
    """Seconds of validity left (0 when expired or locked) — the countdown."""
    rental_expires_at: float
    playback_expires_at: float | None
    first_play_at: float | None


class OfflineLicenceStore:
    """Stores verified offline licences and hands out their keys while the windows allow."""

    def __init__(self, path: Path, device_key: DeviceKey, clock: TrustedClock, *,
                 device_id: str | None = None) -> None:
        self.path = path
        self._device_key = device_key
        self._clock = clock
        self._device_id = device_id
        self._lock = threading.RLock()
        path.parent.mkdir(parents=True, exist_ok=True)
        import sqlite_utils  # here: ~13 MiB and 50 ms of imports (click, dateutil ...) that streaming skips

        try:
            self._db = sqlite_utils.Database(sqlite3.connect(path, check_same_thread=False))
            self._db.execute("PRAGMA secure_delete=ON")
            self._db.execute("PRAGMA journal_mode=DELETE")
            if "licences" not in self._db.table_names():
                self._db.table("licences").create(
                    {"license_id": str, "title_id": str, "payload": bytes, "signature": bytes,
                     "sealed": bytes, "expired": int, "last_seen_at": float, "issued_at": float},
                    pk="license_id")
            if "meta" not in self._db.table_names():
                self._db.table("meta").create({"name": str, "value": bytes}, pk="name")
            seen = self._db.execute("SELECT MAX(last_seen_at) FROM licences").fetchone()[0]
        except sqlite3.Error as exc:
            raise OfflineLicenceError(f"licence store {path} is unusable: {exc}") from exc
        if seen is not None:
            clock.witness(float(seen))

    # --- server key -----------------------------------------------------------------------

    @_guarded
    def has_public_key(self) -> bool:
        """True once a server key is pinned."""
        return self._stored_key() is not None

    @_guarded
    def pin_public_key(self, public_key: bytes, *, replace: bool = False) -> None:
        """Pin the server's Ed25519 key (fetched online once). A different key needs ``replace``."""
        if len(public_key) != 32:
            raise MalformedLicense("Ed25519 public key must be 32 bytes")
        current = self._stored_key()
        if current is not None and current != public_key and not replace:
            raise SignatureInvalid("the server presented a different licence key than the pinned one")
        blob = self._device_key.wrap(public_key, aad=_PUBKEY_AAD)
        with self._db.conn:
            self._db.table("meta").upsert({"name": "public_key", "value": blob}, pk="name")

    def _pinned_key(self) -> bytes:
        key = self._stored_key()
        if key is None:
            raise SignatureInvalid("no server licence key pinned: fetch it online first")
        return key

    def _stored_key(self) -> bytes | None:
        rows = list(self._db.query("SELECT value FROM meta WHERE name = 'public_key'"))
        if not rows:
            return None
        try:
            return self._device_key.unwrap(rows[0]["value"], aad=_PUBKEY_AAD)
        except SealBroken as exc:
            raise SignatureInvalid("the pinned server key was altered") from exc

    # --- the API the downloads manager calls ------------------------------------------------

    @_guarded
    def save(self, licence_response: Mapping[str, Any], title_id: str) -> OfflineLicence:
        """Verify a fresh ``persistent-license`` response and store its keys sealed."""
        licence, keys = self._verified(licence_response)
        if licence.title_id != title_id:
            raise SignatureInvalid(f"licence is for title {licence.title_id!r}, not {title_id!r}")
        self._server_time(licence.issued_at)
        self._write(licence, keys, first_play_at=None)
        log.info("stored offline licence %s for %s", licence.license_id, title_id)
        return licence

    @_guarded
    def renew(self, license_id: str, licence_response: Mapping[str, Any]) -> OfflineLicence:
        """Apply an online renewal: new windows (playback window restarts), same content, unlocked.

        The renewed licence must be for the same title and KIDs and no older than the stored one
        (an old response replayed cannot move the windows or the clock back).
        """
        old = self._licence(self._row(license_id))
        licence, keys = self._verified(licence_response)
        if licence.title_id != old.title_id or set(licence.kids) != set(old.kids):
            raise SignatureInvalid("the renewal is for another title or other keys")
        if licence.issued_at < old.issued_at:
            raise SignatureInvalid("the renewal is older than the licence it renews")
        self._server_time(licence.issued_at)
        self._write(licence, keys, first_play_at=None)
        if licence.license_id != license_id:
            self._wipe(license_id, expired=False)
        log.info("renewed offline licence %s", licence.license_id)
        return licence

    @_guarded
    def keys_for_playback(self, license_id: str) -> KeyRing:
        """The content keys, if both windows allow; records the first play.

        Raises ``ClockRollback`` (locked), ``LicenseExpired`` (and wipes the keys),
        ``SignatureInvalid`` (stored licence altered), ``LicenceNotFound``.
        """
        row = self._row(license_id)
        licence = self._licence(row)
        if row["sealed"] is None:
            raise LicenseExpired(f"the licence for {licence.title_id} has expired; renew or delete")
        now = self._clock.now()
        keys, first_play_at = self._unseal(license_id, row["sealed"])
        try:
            licence.check(now, first_play_at)
        except LicenseExpired:
            self._wipe(license_id, expired=True)
            raise
        if first_play_at is None:
            first_play_at = now
            log.info("first play of licence %s", license_id)
        self._write(licence, keys, first_play_at=first_play_at, last_seen_at=now)
        return KeyRing(keys)

    @_guarded
    def status(self, license_id: str) -> LicenceStatus:
        """valid / expired / locked with the seconds left. An expiry noticed here wipes the keys."""
        row = self._row(license_id)
        licence = self._licence(row)
        first_play_at = None
        if row["sealed"] is not None:
            _, first_play_at = self._unseal(license_id, row["sealed"])

        def make(state: State, remaining: float) -> LicenceStatus:
            return LicenceStatus(license_id=license_id, title_id=licence.title_id, state=state,
                                 remaining_s=remaining, rental_expires_at=licence.rental_expires_at,
                                 playback_expires_at=licence.playback_expires_at(first_play_at),
                                 first_play_at=first_play_at)

        if row["sealed"] is None:
            return make("expired", 0.0)
        try:
            now = self._clock.now()
        except ClockRollback:
            return make("locked", 0.0)
        remaining = licence.remaining_s(now, first_play_at)
        if remaining <= 0:
            self._wipe(license_id, expired=True)
            return make("expired", 0.0)
        return make("valid", remaining)

    @_guarded
    def list_ids(self) -> list[str]:
        """Every stored licence id."""
        return [r["license_id"] for r in self._db.query("SELECT license_id FROM licences ORDER BY license_id")]

    @_guarded
    def licence(self, license_id: str) -> OfflineLicence:
        """The stored licence, re-verified (title, KIDs, windows) — for renewal requests."""
        return self._licence(self._row(license_id))

    @_guarded
    def delete(self, license_id: str) -> None:
        """Remove the licence and wipe its sealed keys from the file."""
        self._row(license_id)
        self._wipe(license_id, expired=False)
        log.info("deleted offline licence %s", license_id)

    @_guarded
    def close(self) -> None:
        """Close the database."""
        self._db.close()

    # --- internals -----------------------------------------------------------------------

    def _verified(self, response: Mapping[str, Any]) -> tuple[OfflineLicence, dict[bytes, bytes]]:
        if not isinstance(response.get("license"), dict) or "signature" not in response:
            raise MalformedLicense("offline licence response lacks 'license' or 'signature'")
        licence = OfflineLicence.verify(response["license"], response["signature"], self._pinned_key())
        if self._device_id is not None and licence.device_id != self._device_id:
            raise SignatureInvalid("the licence was issued to another device")
        keys = parse_license_keys(response, licence.kids, expected_type="persistent-license")
        return licence, keys

    def _server_time(self, issued_at: float) -> None:
        """Resync the clock to a signed server time newer than any seen before."""
        rows = list(self._db.query("SELECT value FROM meta WHERE name = 'server_time'"))
        last = float(rows[0]["value"].decode()) if rows else None
        if last is None or issued_at > last:
            self._clock.resync(issued_at)
            with self._db.conn:
                self._db.table("meta").upsert({"name": "server_time", "value": repr(issued_at).encode()},
                                        pk="name")

    def _row(self, license_id: str) -> dict[str, Any]:
        rows = list(self._db.query("SELECT * FROM licences WHERE license_id = ?", [license_id]))
        if not rows:
            raise LicenceNotFound(f"no offline licence {license_id!r}")
        return rows[0]

    def _licence(self, row: Mapping[str, Any]) -> OfflineLicence:
        return OfflineLicence.verify(row["payload"], row["signature"], self._pinned_key())

    def _write(self, licence: OfflineLicence, keys: Mapping[bytes, bytes], *,
               first_play_at: float | None, last_seen_at: float | None = None) -> None:
        state = {"keys": [[b64url_encode(k), b64url_encode(v)] for k, v in keys.items()],
                 "first_play_at": first_play_at}
        sealed = self._device_key.wrap(json.dumps(state).encode(), aad=licence.license_id.encode())
        with self._db.conn:
            self._db.table("licences").upsert(
                {"license_id": licence.license_id, "title_id": licence.title_id,
                 "payload": licence.payload, "signature": licence.signature, "sealed": sealed,
                 "expired": 0, "last_seen_at": last_seen_at or licence.issued_at,
                 "issued_at": licence.issued_at}, pk="license_id")

    def _unseal(self, license_id: str, blob: bytes) -> tuple[dict[bytes, bytes], float | None]:
        raw = self._device_key.unwrap(blob, aad=license_id.encode())
        try:
            state = json.loads(raw)
            keys = {b64url_decode(k): b64url_decode(v) for k, v in state["keys"]}
            first = state["first_play_at"]
        except (ValueError, KeyError, TypeError) as exc:  # pragma: no cover - authenticated data
            raise SealBroken("sealed licence state is not readable") from exc
        return keys, None if first is None else float(first)

    def _wipe(self, license_id: str, *, expired: bool) -> None:
        with self._db.conn:
            if expired:
                self._db.execute("UPDATE licences SET sealed = NULL, expired = 1 WHERE license_id = ?",
                                 [license_id])
            else:
                self._db.table("licences").delete(license_id)
        if expired:
            log.info("offline licence %s expired: keys destroyed", license_id)

