"""One way into the backend database for the encoder's threads.

``backend_stub.db.open_db`` switches to WAL before setting its busy timeout, so two threads opening a
fresh database at once can get "database is locked". Serialising the open in-process avoids that for
the worker, the catalog build and concurrent ``make_test_title`` calls.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from ..db import open_db

_open_lock = threading.Lock()


def open_backend_db(data_dir: Path, setup: Callable[[sqlite_utils.Database], None] | None = None) -> sqlite_utils.Database:
    """``open_db`` (then ``setup``, e.g. creating a table) under an in-process lock; the caller closes it.

    Schema changes belong inside the lock too: a connection that read the schema and then writes can
    get SQLITE_BUSY at once in WAL mode, without waiting for the busy timeout.
    """
    with _open_lock:
        db = open_db(data_dir)
        if setup is not None:
            setup(db)
        return db
