"""ui.sd_notify against real AF_UNIX datagram sockets (the kiosk watchdog's wire, sd_notify(3))."""
from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ui.sd_notify import Notifier


@pytest.fixture
def dgram(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = str(tmp_path / "notify.sock")
    sock.bind(path)
    sock.settimeout(2)
    yield sock, path
    sock.close()


def test_ready_watchdog_stopping_arrive_as_datagrams(dgram: tuple[socket.socket, str]) -> None:
    """READY=1, WATCHDOG=1 and STOPPING=1 each arrive as one datagram on $NOTIFY_SOCKET."""
    sock, path = dgram
    n = Notifier.from_env({"NOTIFY_SOCKET": path})
    assert n.ready(status="signed in") and n.watchdog() and n.stopping()
    got = [sock.recv(4096) for _ in range(3)]
    assert got == [b"READY=1\nSTATUS=signed in", b"WATCHDOG=1", b"STOPPING=1"]


def test_abstract_namespace_socket() -> None:
    """An '@' address is Linux's abstract namespace (leading NUL), as systemd hands it out."""
    name = f"reelbox-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(b"\0" + name.encode())
        sock.settimeout(2)
        assert Notifier.from_env({"NOTIFY_SOCKET": "@" + name}).watchdog()
        assert sock.recv(100) == b"WATCHDOG=1"


def test_unset_is_a_no_op() -> None:
    """Without $NOTIFY_SOCKET (a desktop run) every call does nothing and says so."""
    n = Notifier.from_env({})
    assert not n.enabled
    assert (n.ready(), n.watchdog(), n.stopping(), n.ping_interval_ms()) == (False, False, False, 0)


def test_missing_socket_does_not_raise(tmp_path: Path) -> None:
    """A socket that has gone away (systemd restarting) returns False instead of crashing the app."""
    assert Notifier.from_env({"NOTIFY_SOCKET": str(tmp_path / "gone.sock")}).watchdog() is False


def test_watchdog_interval_and_owner() -> None:
    """Pings at half WATCHDOG_USEC; none when WATCHDOG_PID names another process."""
    mine = Notifier.from_env({"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())})
    assert mine.ping_interval_ms() == 15000
    other = Notifier.from_env({"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid() + 1)})
    assert other.ping_interval_ms() == 0
    assert Notifier.from_env({"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "junk"}).ping_interval_ms() == 0
