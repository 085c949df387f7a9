"""The bundled backend, imported only by the commands that start it (``demo``, ``backend``, ``qa``).

The backend and its libraries (fastapi, uvicorn, argon2, pyjwt, imageio-ffmpeg, pillow) are the
``[backend]`` extra: a client-only install and the kiosk bundle carry none of them, so no client
module imports ``backend_stub`` at module level, and a missing extra ends in one sentence naming
the fix instead of a ``ModuleNotFoundError`` traceback.
"""
from __future__ import annotations

import importlib
from types import ModuleType

INSTALL_HINT = "pip install 'reelbox[backend]'"


class BackendNotInstalled(Exception):
    """The ``[backend]`` extra (or ``backend_stub`` itself, as in the kiosk bundle) is missing."""


def backend_module(name: str) -> ModuleType:
    """``backend_stub.<name>``, or :class:`BackendNotInstalled` saying how to install it."""
    try:
        return importlib.import_module(f"backend_stub.{name}")
    except ModuleNotFoundError as exc:
        missing = exc.name or "backend_stub"
        raise BackendNotInstalled(
            f"the bundled backend is not installed (no module {missing!r}); install it with {INSTALL_HINT}"
        ) from None
