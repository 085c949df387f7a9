"""This installation's device id: created once, kept in a file, the same on every later start.

Why a file and not the machine id: the id names *an installation* (two users' installs on one box,
or a reinstall, are different devices for progress and offline licences), and it must not leak
anything about the hardware. Location: ``$REELBOX_HOME/state/device_id`` when ``REELBOX_HOME`` is set
(DESIGN.md "Where things live"), else platformdirs' per-user state directory. The first writer wins a
race between two processes (``O_EXCL`` on a temporary name, then ``os.link``).
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import platformdirs

FILE_NAME = "device_id"


def state_dir(home: Path | None = None) -> Path:
    """``home/state`` (explicit), ``$REELBOX_HOME/state``, or the platformdirs user state dir."""
    if home is not None:
        return Path(home) / "state"
    env = os.environ.get("REELBOX_HOME")
    if env:
        return Path(env) / "state"
    return Path(platformdirs.user_state_dir("reelbox"))


def device_id(home: Path | None = None) -> str:
    """The installation's id (``dev-<32 hex>``), creating it on first use."""
    folder = state_dir(home)
    path = folder / FILE_NAME
    try:
        existing = path.read_text(encoding="ascii").strip()
        if existing:
            return existing
    except FileNotFoundError:
        pass
    folder.mkdir(parents=True, exist_ok=True)
    new = f"dev-{uuid.uuid4().hex}"
    tmp = folder / f".{FILE_NAME}.{new}"
    with open(tmp, "x", encoding="ascii") as fh:
        fh.write(new + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(tmp, path)  # atomic and refuses to replace: the first installation run wins
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_text(encoding="ascii").strip()
