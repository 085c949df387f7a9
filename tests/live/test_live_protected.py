"""The protected live channel (``live-drm``): CENC by ffmpeg, signalled in both manifests, keys via the licence server."""
from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path

import av
import httpx
import pytest

from testkit import FAST_SETTINGS

from backend_stub.live.service import LiveService, channel_settings
from backend_stub.server import Backend


@pytest.fixture(scope="module")
def protected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Backend, LiveService, dict[str, object], str]]:
    data = tmp_path_factory.mktemp("live-drm")
    backend = Backend(data, demo_user=True, edges=1, settings=FAST_SETTINGS, ingest_worker=False).start()
    service = LiveService(data, settings=[channel_settings(1)]).start()
    try:
        assert service.channels[0].wait_ready(30, segments=2)
        with httpx.Client(base_url=backend.api_url + "/api/v1") as api:
            token = api.post("/auth/login", json={"email": "demo@reelbox.local", "password": "demo"}).json()["access_token"]
            grant = api.post("/playback/live-drm", headers={"Authorization": f"Bearer {token}"}, json={"format": "dash"}).json()
            grant["token"] = token
        yield backend, service, grant, token
    finally:
        service.stop()
        backend.stop()


def test_protected_channel_is_signalled_and_licensed(protected: tuple[Backend, LiveService, dict[str, object], str]) -> None:
    """Grant with licence URL and KID; EXT-X-KEY and ContentProtection carry it; the licence holds the key."""
    backend, service, grant, token = protected
    key = service.channels[0].key
    assert key is not None and grant["protected"] is True and grant["live"] is True
    kid_b64 = base64.urlsafe_b64encode(key.kid).decode().rstrip("=")
    assert grant["kids"] == [kid_b64]
    base = str(grant["hls"][0]).rsplit("/", 1)[0]  # type: ignore[index]
    playlist = httpx.get(f"{base}/v360.m3u8").text
    assert "#EXT-X-KEY:METHOD=SAMPLE-AES-CTR" in playlist and f"KEYID=0x{key.kid_hex}" in playlist
    for name in ("manifest.mpd", "manifest-ll.mpd"):
        assert 'value="cenc"' in httpx.get(f"{base}/{name}").text
    licence = httpx.post(str(grant["license_url"]), headers={"Authorization": f"Bearer {token}"},
                         json={"kids": [kid_b64], "type": "temporary", "session_id": grant["session_id"]})
    assert licence.status_code == 200
    got = licence.json()["keys"][0]
    assert base64.urlsafe_b64decode(got["k"] + "==") == key.key


def test_protected_segments_decrypt_only_with_the_key(protected: tuple[Backend, LiveService, dict[str, object], str]) -> None:
    """A segment is CENC (``senc`` boxes) and decodes with the key; the key never reaches the encoder log."""
    _, service, grant, _ = protected
    channel = service.channels[0]
    key = channel.key
    assert key is not None
    base = str(grant["hls"][0]).rsplit("/", 1)[0]  # type: ignore[index]
    number = channel.tracks["v180"].window()[0].number
    data = httpx.get(f"{base}/v180/init.mp4").content + httpx.get(f"{base}/v180/{number}.m4s").content
    assert b"senc" in data
    with av.open(io.BytesIO(data), format="mp4", options={"decryption_key": key.key_hex}) as container:
        lumas = [bytes(f.planes[0]) for f in container.decode(video=0)]
    assert len(lumas) == 60
    assert len(set(lumas[0][::61])) > 30  # a picture (colour bars, text), not a flat grey of failed decoding
    assert not Path(channel.folder / "encoder.log").read_text().count(key.key_hex)
