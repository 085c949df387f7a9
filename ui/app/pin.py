"""The kiosk PIN, kept only as a salted scrypt hash (issue 18: the PIN sat in ``config.toml`` in clear,
``0000`` by default). There is no default PIN: provisioning sets one (``reelbox kiosk-pin``), and a
kiosk without one cannot be left from the keyboard (the operator stops the service instead).

Format: ``scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>`` (RFC 7914 parameters kept with the hash so they
can be raised later without breaking stored PINs).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os

N, R, P = 2**14, 8, 1


class PinError(ValueError):
    """A PIN that cannot be set (too short, not digits)."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    """The stored form of ``pin`` (4–12 digits)."""
    if not (pin.isdigit() and 4 <= len(pin) <= 12):
        raise PinError("a kiosk PIN is 4 to 12 digits")
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(digest)}"


def verify_pin(pin: str, stored: str) -> bool:
    """True when ``pin`` matches ``stored``; False for any malformed or empty stored value."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        want = base64.b64decode(digest)
        got = hashlib.scrypt(pin.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(want))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)
