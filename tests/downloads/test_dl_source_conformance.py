"""The offline SegmentSource (the sealed store) passes the same conformance checks as the online one."""
from __future__ import annotations

import asyncio

from testkit import check_segment_source

from backend_stub.server import Backend
from dlkit import CLEAR, download
from downloads import DownloadManager


def test_offline_source_conforms_with_the_backend_stopped(backend: Backend, manager: DownloadManager) -> None:
    """Unsealed init and media segments of a download come back as the interface promises, with no network."""
    info = download(manager, backend.api_url, CLEAR)
    backend.stop()
    playback = manager.open_offline(info.asset_id)
    try:
        asyncio.run(check_segment_source(playback.source, playback.presentation))
    finally:
        playback.close()
