"""The full demo catalog (slow: builds six 60 s titles once into pytest's cache, then reuses them)."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from backend_stub.encode.catalog import DEMO_TITLES, FPS, build_demo_catalog
from encode_checks import DecodeResult, dash_renditions, decode_rendition, hls_renditions, pssh_boxes

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def catalog_dir(request) -> Path:
    data = Path(request.config.cache.mkdir("reelbox-demo-catalog"))
    seen: list[float] = []
    build_demo_catalog(data, lambda f, m: seen.append(f))
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)
    return data


def _rows(data: Path) -> dict[str, tuple]:
    db = sqlite3.connect(data / "backend.sqlite")
    return {r[0]: r[1:] for r in db.execute(
        "SELECT id, max_height, protected, kid, audio_langs, subtitle_langs, genres, \"cast\", description, year FROM titles")}


def test_catalog_has_the_required_mix(catalog_dir):
    """Six titles with metadata and artwork: one 1080p, two protected, one with en+fr audio and subtitles."""
    rows = _rows(catalog_dir)
    assert set(rows) >= {t.meta.id for t in DEMO_TITLES} and len(rows) >= 6
    assert any(r[0] == 1080 for r in rows.values())
    assert sum(r[1] for r in rows.values()) >= 2
    assert any(json.loads(r[3]) == ["en", "fr"] and json.loads(r[4]) == ["en"] for r in rows.values())
    for tid, r in rows.items():
        assert json.loads(r[5]) and json.loads(r[6]) and r[7] and r[8], tid
        assert (catalog_dir / "content" / tid / "artwork.jpg").stat().st_size > 5000


def test_rebuild_reuses_the_catalog(catalog_dir):
    """A second build call (a later start) encodes nothing and leaves the files alone."""
    master = catalog_dir / "content" / DEMO_TITLES[0].meta.id / "master.m3u8"
    before = master.stat().st_mtime_ns
    assert build_demo_catalog(catalog_dir) == []
    assert master.stat().st_mtime_ns == before


def test_bitrates_differ_between_titles(catalog_dir):
    """Capped CRF gives each title its own bandwidths: the 720p rungs are not all the same."""
    top720 = set()
    for t in DEMO_TITLES:
        for r in dash_renditions(catalog_dir / "content" / t.meta.id / "manifest.mpd"):
            if r.kind == "video" and r.height == 720:
                top720.add(sum(p.stat().st_size for p in r.segments) // 1000)
    assert len(top720) >= 4


def test_every_rung_of_every_title_decodes_in_hls_and_dash(catalog_dir):
    """All renditions listed by both manifests decode every frame with zero errors (protected ones with their key).

    HLS and DASH must list the very same init/segment files; each distinct file list is decoded once.
    """
    rows = _rows(catalog_dir)
    keys = dict(sqlite3.connect(catalog_dir / "backend.sqlite").execute("SELECT title_id, key FROM content_keys"))
    cache: dict[tuple, DecodeResult] = {}
    for t in DEMO_TITLES:
        folder = catalog_dir / "content" / t.meta.id
        key = keys.get(t.meta.id)
        assert bool(key) == t.protected
        hls = hls_renditions(folder / "master.m3u8")
        dash = dash_renditions(folder / "manifest.mpd")
        sig = lambda rs: sorted((r.kind, str(r.init), tuple(map(str, r.segments))) for r in rs)  # noqa: E731
        assert sig(hls) == sig(dash), t.meta.id
        video = [r for r in dash if r.kind == "video"]
        assert len(video) >= 4 and max(r.height for r in video) == rows[t.meta.id][0] == t.height
        for r in hls + dash:
            if r.kind == "text":
                assert all(p.read_text().startswith("WEBVTT") for p in r.segments)
                continue
            if key:
                assert pssh_boxes(r.init.read_bytes())[0][1] == [rows[t.meta.id][2]]
            k = (str(r.init), r.segments)
            if k not in cache:
                cache[k] = decode_rendition(r, key)
            res = cache[k]
            assert res.errors == 0, (t.meta.id, r.name)
            if r.kind == "video":
                assert res.frames == int(t.seconds * FPS), (t.meta.id, r.name)
                assert all(res.first_frame_key)
            else:
                assert abs(res.frames - t.seconds * 48000 / 1024) <= 1.5, (t.meta.id, r.name)
