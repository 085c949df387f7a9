"""Every Transport passes the same conformance checks (player.net.testing.check_transport)."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from net_harness import edges

from player.net import HttpTransport
from player.net.testing import HandlerTransport, check_transport, files_handler


def test_http_transport_conforms(tmp_path: Path) -> None:
    """HttpTransport against a real edge: bodies, ranges, 404, timing fields."""
    async def main() -> None:
        async with edges(tmp_path, count=1) as e, HttpTransport() as t:
            files = {e.url(0, name): data for name, data in e.title.files.items()}
            await check_transport(t, files, e.url(0, "v0/nope.m4s"))
    asyncio.run(main())


def test_handler_transport_conforms() -> None:
    """The in-process HandlerTransport given to scheduler tests behaves like the real one."""
    files = {"http://h/t/a.m4s": bytes(range(256)), "http://h/t/b.m4s": b"0123456789abc"}
    asyncio.run(check_transport(HandlerTransport(files_handler(files)), files, "http://h/t/missing"))


def test_conformance_catches_a_broken_transport() -> None:
    """A transport that ignores byte ranges fails the conformance check."""
    files = {"http://h/t/a.m4s": bytes(range(256))}

    class IgnoresRanges(HandlerTransport):
        async def fetch(self, request):  # noqa: ANN001, ANN202
            from dataclasses import replace
            return await super().fetch(replace(request, byte_range=None))

    with pytest.raises(AssertionError, match="range"):
        asyncio.run(check_transport(IgnoresRanges(files_handler(files)), files, "http://h/t/missing"))
