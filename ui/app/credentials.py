"""Remembered sign-in: the refresh token in the OS keyring (issue 6).

Headless boxes have no keyring backend (PLATFORM.md: ``NoKeyringError``); then nothing is
remembered and the user signs in each time. The token is never logged.
"""
from __future__ import annotations

import keyring
import keyring.errors

SERVICE = "reelbox"


def _key(backend_url: str, email: str) -> str:
    return f"refresh:{backend_url.rstrip('/')}:{email.lower()}"


def remember(backend_url: str, email: str, refresh_token: str) -> bool:
    """Store the token; False when the box has no usable keyring."""
    try:
        keyring.set_password(SERVICE, _key(backend_url, email), refresh_token)
        return True
    except (keyring.errors.KeyringError, RuntimeError):
        return False


def recall(backend_url: str, email: str) -> str | None:
    if not email:
        return None
    try:
        return keyring.get_password(SERVICE, _key(backend_url, email))
    except (keyring.errors.KeyringError, RuntimeError):
        return None


def forget(backend_url: str, email: str) -> None:
    try:
        keyring.delete_password(SERVICE, _key(backend_url, email))
    except (keyring.errors.KeyringError, RuntimeError):
        pass
