"""The issue's end-to-end path: account → search → playback session → every edge → licence → decrypt."""
from __future__ import annotations

import base64
import io
import re
from urllib.parse import urljoin

import av
import av.logging
import httpx
from backend_testkit import register_and_login
from backend_testkit import PROTECTED_ID

from backend_stub.server import Backend


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _first_video_segment(master_url: str) -> tuple[bytes, bytes]:
    """Init segment and first media segment of the first video variant, via the edge URL."""
    master = httpx.get(master_url)
    assert master.status_code == 200
    variant = next(line for line in master.text.splitlines() if line and not line.startswith("#"))
    media_url = urljoin(master_url, variant)
    media = httpx.get(media_url).text
    init_uri = re.search(r'#EXT-X-MAP:URI="([^"]+)"', media)
    assert init_uri, media
    seg_uri = next(line for line in media.splitlines() if line and not line.startswith("#"))
    init = httpx.get(urljoin(media_url, init_uri.group(1)))
    seg = httpx.get(urljoin(media_url, seg_uri))
    assert init.status_code == 200 and seg.status_code == 200
    return init.content, seg.content


def _decode(data: bytes, options: dict[str, str]) -> tuple[int, int]:
    """(frames decoded, decoder error/warning messages) for one fMP4 init+segment."""
    previous = av.logging.get_level()
    av.logging.set_level(av.logging.WARNING)
    try:
        with av.logging.Capture() as logs:
            with av.open(io.BytesIO(data), options=options) as container:
                frames = sum(1 for _ in container.decode(video=0))
    finally:
        av.logging.set_level(previous)
    return frames, sum(1 for level, _, _ in logs if level <= av.logging.WARNING)


def test_register_search_play_license_decrypt(reelbox_backend: Backend) -> None:
    """A new user finds a protected title, streams its manifest from every edge and decrypts with the licence key."""
    with httpx.Client(base_url=reelbox_backend.api_url + "/api/v1", timeout=10) as api:
        account = register_and_login(api, "viewer@example.org", plan="standard")
        found = api.get("/catalog", params={"q": "locked"}).json()
        assert [t["id"] for t in found["items"]] == [PROTECTED_ID]
        assert found["items"][0]["protected"] is True

        r = api.post(f"/playback/{PROTECTED_ID}", json={"format": "hls", "device_id": "tv-1"}, headers=account["headers"])
        assert r.status_code == 200, r.text
        play = r.json()
        assert len(play["manifests"]) == len(reelbox_backend.edge_urls) == 2
        assert play["license_url"] == reelbox_backend.api_url + "/api/v1/license"
        for url, edge in zip(play["manifests"], reelbox_backend.edge_urls):
            assert url.startswith(edge + "/c/")
            assert httpx.get(url).text.startswith("#EXTM3U")
        for url in play["dash"]:
            assert "<MPD" in httpx.get(url).text

        lic = api.post("/license", json={"kids": play["kids"], "type": "temporary", "session_id": play["session_id"]},
                       headers=account["headers"])
        assert lic.status_code == 200, lic.text
        body = lic.json()
        assert body["type"] == "temporary" and body["keys"][0]["kty"] == "oct"
        assert body["keys"][0]["kid"] == play["kids"][0]
        key_hex = _b64url_decode(body["keys"][0]["k"]).hex()

    init, segment = _first_video_segment(play["manifests"][1])
    frames, problems = _decode(init + segment, {"decryption_key": key_hex})
    assert frames == 48 and problems == 0  # 2 s at 24 fps, clean
    frames_nokey, problems_nokey = _decode(init + segment, {})
    assert problems_nokey > 0  # the same bytes without the key are not a valid picture
