"""The backend's QoE summary against a played session's own report; CMCD keys; no secrets in telemetry."""
from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
from sync_helpers import CLEAR, LOCKED, backend_rows, play_with_sync, signed_in

from backend_stub.config import DEMO_PASSWORD
from player.net.cmcd import decode
from player.playback import PlaybackSession, SessionOptions
from player.sync import attach_sync

CMCD_KEYS = {"br", "bl", "bs", "cid", "d", "mtp", "ot", "sid", "su", "tb"}


def test_backend_summary_matches_the_sessions_own_report(start_backend, tmp_path: Path) -> None:
    """Startup, rebuffer and average bitrate at GET /qoe equal the session's QoE report; /metrics agrees."""
    backend = start_backend()
    # throttle edge 0 mid-way so the session has something to rebuffer over
    httpx.post(f"{backend.api_url}/api/v1/admin/edges/0/faults", json={"latency_ms": 150}, timeout=5)

    async def scenario() -> tuple[dict, dict, str]:
        client = await signed_in(backend.api_url)
        try:
            report, _, session = await play_with_sync(client, CLEAR, tmp_path / "home", until_s=8.0)
            summary = httpx.get(f"{backend.api_url}/api/v1/qoe", params={"session_id": session.playback.session_id},
                                headers={"Authorization": f"Bearer {client.access_token}"}, timeout=10).json()
            return report, summary, client.access_token
        finally:
            await client.aclose()

    report, summary, _ = asyncio.run(scenario())
    assert summary["sessions"] == 1
    title = summary["titles"][CLEAR]
    assert title["startup_ms_p50"] == title["startup_ms_p95"] == report["startup_ms"]
    assert abs(title["rebuffer_s"] - report["rebuffer_s"]) < 0.002
    expected_ratio = report["rebuffer_s"] / (report["played_s"] + report["rebuffer_s"])
    assert abs(title["rebuffer_ratio"] - expected_ratio) < 1e-4
    assert title["played_s"] == report["played_s"]
    assert title["avg_bitrate_kbps"] == report["avg_bitrate_kbps"] > 0
    assert title["errors"] == len(report["errors"])
    cdns = summary["cdns"]
    assert sum(c["segments"] for c in cdns.values()) == len(report["segments"])
    assert sum(c["bytes"] for c in cdns.values()) == sum(s["bytes"] for s in report["segments"])
    metrics = httpx.get(f"{backend.api_url}/metrics", timeout=10)
    assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = metrics.text
    assert "# TYPE reelbox_startup_seconds summary" in text
    m = re.search(rf'^reelbox_startup_seconds{{title="{CLEAR}",quantile="0.5"}} (\S+)$', text, re.M)
    assert m and abs(float(m.group(1)) * 1000 - report["startup_ms"]) < 0.01
    for line in text.splitlines():  # every sample line parses as name{labels} number
        assert line.startswith("#") or re.match(r'^[a-z_]+(\{[^}]*\})? [-+0-9.eE]+$|^\S+ NaN$', line), line


def test_cmcd_keys_on_segment_requests_and_no_secrets_in_telemetry(start_backend, tmp_path: Path) -> None:
    """Segment URLs carry the ten CMCD keys; no telemetry payload holds the token, password, key or edge signature."""
    backend = start_backend()
    urls: list[str] = []

    class Recording:
        def __init__(self, inner, _clock):
            self.inner = inner

        async def fetch(self, request):
            urls.append(request.url)
            return await self.inner.fetch(request)

    async def scenario() -> str:
        client = await signed_in(backend.api_url)
        try:
            session = PlaybackSession(target=LOCKED, backend=client,
                                      options=SessionOptions(wrap_transport=Recording))
            handle = attach_sync(session, backend=client, home=tmp_path / "home")
            await session.run()
            await handle.aclose()
            return client.access_token + "\n" + (client.refresh_token or "")
        finally:
            await client.aclose()

    tokens = asyncio.run(scenario()).split("\n")
    segment_keys = [set(decode(parse_qs(urlsplit(u).query)["CMCD"][0])) for u in urls if "CMCD=" in u]
    assert segment_keys, urls
    seen = set().union(*segment_keys)
    # ``bs`` is a boolean: CTA-5004 §3.3 omits false booleans, so it only appears on a starved request
    assert seen >= CMCD_KEYS - {"bs"}, CMCD_KEYS - seen
    assert all("bs" not in keys or keys >= {"bl"} for keys in segment_keys)
    # media segments carry the buffer and duration; init segments say what they are (ot=i) and their bitrate
    with_cmcd = [u for u in urls if "CMCD=" in u]
    missing = [(u, keys) for u, keys in zip(with_cmcd, segment_keys)
               if "/init" not in u and not {"bl", "br", "cid", "d", "ot", "sid"} <= keys]
    assert not missing, missing[:3]
    inits = [keys for u, keys in zip(with_cmcd, segment_keys) if "/init" in u]
    assert inits and all({"ot", "br", "sid", "cid"} <= keys for keys in inits), inits
    payloads = [p for (p,) in backend_rows(backend.data_dir, "SELECT payload FROM telemetry")]
    assert any(json.loads(p)["type"] == "license" for p in payloads)  # a licence was fetched with the token
    (key_hex,) = backend_rows(backend.data_dir, "SELECT key FROM content_keys WHERE title_id = ?", (LOCKED,))[0]
    signatures = {m.group(1) for u in urls for m in [re.search(r"/c/([^/]+)/", u)] if m}
    secrets = [t for t in tokens if t] + [key_hex, f'"{DEMO_PASSWORD}"', *signatures]
    for payload in payloads:
        for secret in secrets:
            assert secret not in payload
        assert not re.search(r'"(k|password|secret|authorization)"|token|_key"', payload), payload
