"""An in-memory ring of content keys for one playback session.

Why a ``bytearray``: Python ``bytes`` are immutable and cannot be wiped, so the ring keeps every key
in one mutable buffer that ``clear()`` overwrites with zeros. ``key_for()`` must still hand out a
``bytes`` copy (the decryptor needs one); callers should hold it no longer than the decryptor does.
The ring refuses to be pickled (it must never reach disk or another process by accident) and its
``repr`` lists KIDs only, never key bytes.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import NoReturn

from drm_client.clearkey import KEY_SIZE, kid_from
from drm_client.errors import KeyUnavailable


class KeyRing:
    """Content keys by KID, held in memory only; ``clear()`` zeroes them."""

    __slots__ = ("_buf", "_index", "license_ms", "__weakref__")

    def __init__(self, keys: Mapping[bytes, bytes] | Iterable[tuple[bytes, bytes]] = (),
                 *, license_ms: float | None = None) -> None:
        pairs = list(keys.items()) if isinstance(keys, Mapping) else list(keys)
        self._buf = bytearray(KEY_SIZE * len(pairs))
        self._index: dict[bytes, int] = {}
        for i, (kid, key) in enumerate(pairs):
            if len(key) != KEY_SIZE:
                raise ValueError(f"content key must be {KEY_SIZE} bytes")
            self._buf[i * KEY_SIZE:(i + 1) * KEY_SIZE] = key
            self._index[kid_from(kid)] = i
        self.license_ms = license_ms
        """Wall time of the licence exchange that filled the ring (for the QoE report), if any."""

    @property
    def kids(self) -> tuple[bytes, ...]:
        """The KIDs held (empty after ``clear()``)."""
        return tuple(self._index)

    def key_for(self, kid: bytes) -> bytes:
        """The 16-byte key for ``kid``; ``KeyUnavailable`` if absent or the ring was cleared."""
        slot = self._index.get(kid_from(kid))
        if slot is None:
            raise KeyUnavailable(f"no key for KID {kid_from(kid).hex()}")
        return bytes(self._buf[slot * KEY_SIZE:(slot + 1) * KEY_SIZE])

    def clear(self) -> None:
        """Overwrite every key with zeros and forget the KIDs."""
        for i in range(len(self._buf)):
            self._buf[i] = 0
        self._index.clear()

    @property
    def cleared(self) -> bool:
        """True once ``clear()`` ran (or the ring was built empty)."""
        return not self._index

    def __contains__(self, kid: object) -> bool:
        try:
            return kid_from(kid) in self._index  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False

    def __len__(self) -> int:
        return len(self._index)

    def __enter__(self) -> KeyRing:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.clear()

    def __repr__(self) -> str:
        kids = ", ".join(k.hex() for k in self._index)
        return f"KeyRing(kids=[{kids}], keys=<redacted>)"

    __str__ = __repr__

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise TypeError("KeyRing holds content keys and cannot be pickled")

    def __copy__(self) -> NoReturn:
        raise TypeError("KeyRing cannot be copied; share the one instance")

    def __deepcopy__(self, memo: object) -> NoReturn:
        raise TypeError("KeyRing cannot be copied; share the one instance")
