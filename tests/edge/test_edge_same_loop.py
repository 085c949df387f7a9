"""The edge on the caller's own event loop (as the FastAPI app runs it), with an async client."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from edge_harness import SECRET, TITLE, make_tree

from backend_stub.edge import EdgeServer, EdgeStateError, FaultConfig, signed_url


def test_faults_set_from_the_serving_loop_apply_immediately(tmp_path: Path) -> None:
    """start/stop, down and up, and a dropped body all work with set_faults called on the edge's loop."""
    tree = make_tree(tmp_path)

    async def scenario() -> None:
        edge = EdgeServer(tree.root, SECRET)
        await edge.start()
        url = signed_url(edge.url, SECRET, TITLE, "v0/seg_1.m4s", int(time.time()) + 60)
        try:
            async with httpx.AsyncClient() as client:
                assert (await client.get(url)).content == tree.segment
                edge.set_faults(FaultConfig.from_json({"down": True}))
                with pytest.raises(httpx.TransportError):
                    await client.get(url)
                edge.set_faults(FaultConfig.from_json({"drop_after_bytes": 1000}))
                with pytest.raises(httpx.RemoteProtocolError):
                    await client.get(url)
                edge.set_faults(FaultConfig())
                assert (await client.get(url)).status_code == 200
            with pytest.raises(EdgeStateError):
                await edge.start()
            summary = edge.summary()
            assert summary["up"] and summary["statuses"] == {"200": 3}
        finally:
            await edge.stop()
        with pytest.raises(httpx.ConnectError):
            async with httpx.AsyncClient() as client:
                await client.get(url)

    asyncio.run(scenario())


def test_token_checker_memoises_signatures_but_not_expiry() -> None:
    """A cached genuine token still expires; a forged one is never cached as genuine."""
    from backend_stub.edge.signing import TokenChecker, TokenStatus, sign_token

    checker = TokenChecker(b"k", capacity=2)
    token = sign_token(b"k", "t", 100)
    assert checker.check(token, "t", 50.0) is TokenStatus.VALID
    assert checker.check(token, "t", 150.0) is TokenStatus.EXPIRED
    assert checker.check(token, "other", 50.0) is TokenStatus.BAD_SIGNATURE
    forged = "100-" + "0" * 32
    assert checker.check(forged, "t", 50.0) is TokenStatus.BAD_SIGNATURE
    for i in range(5):  # the bound evicts without changing verdicts
        assert checker.check(sign_token(b"k", f"t{i}", 100), f"t{i}", 50.0) is TokenStatus.VALID
    assert checker.check(token, "t", 50.0) is TokenStatus.VALID
