"""Where the client keeps its files (DESIGN.md "Where things live") and how it replaces one: the client's one of each.

``$REELBOX_HOME`` (tests, kiosk images) roots everything as ``<home>/{config,data,state}``;
otherwise platformdirs' per-user directories. An explicit ``home`` wins over both. The backend has
its own resolver (``backend_stub/config.py``): the two sides share no code.

Small files (settings, the device key record, the trusted clock) are replaced with
:func:`write_atomic` (temporary file, fsync, rename, fsync of the folder); it lives in ``drm_client``,
the lowest package that writes files, and is named here for the packages above it.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

from drm_client.atomic_file import write_atomic

__all__ = ["config_dir", "config_file", "data_dir", "state_dir", "write_atomic"]

APP = "reelbox"


def _dir(kind: str, home: Path | None, env: Mapping[str, str]) -> Path:
    root = home if home is not None else (Path(env["REELBOX_HOME"]) if env.get("REELBOX_HOME") else None)
    if root is not None:
        return Path(root) / kind
    return Path(getattr(platformdirs, f"user_{kind}_dir")(APP))


def config_dir(home: Path | None = None, env: Mapping[str, str] = os.environ) -> Path:
    """Settings, the device key record, the trusted clock."""
    return _dir("config", home, env)


def data_dir(home: Path | None = None, env: Mapping[str, str] = os.environ) -> Path:
    """Downloads and their SQLite databases."""
    return _dir("data", home, env)


def state_dir(home: Path | None = None, env: Mapping[str, str] = os.environ) -> Path:
    """The device id, the sync queue, logs, the link's last throughput estimate (``throughput_memory``)."""
    return _dir("state", home, env)


def config_file(home: Path | None = None, env: Mapping[str, str] = os.environ) -> Path:
    """``config.toml`` (its ``[app]`` table: ui/app/config.py)."""
    return config_dir(home, env) / "config.toml"
