"""This installation's device id: created once, kept in a file, the same on every later start.

Why a file and not the machine id: the id names *an installation* (two users' installs on one box,
or a reinstall, are different devices for progress and offline licences), and it must not leak
anything about the hardware. Location: ``device_id`` in the state directory of :mod:`player.paths`
(``$REELBOX_HOME/state`` when set). The first writer wins a race between two processes (``O_EXCL``
on a temporary name, then ``os.link``).
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

from player.paths import state_dir

FILE_NAME = "device_id"


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
