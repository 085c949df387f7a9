"""A tiny clear and a tiny protected title go through the real pipeline (ffmpeg 9 + Shaka Packager)."""
from __future__ import annotations

import base64
import json
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from backend_stub.encode import TitleInfo, make_test_title
from backend_stub.encode.cenc import CLEARKEY_SYSTEM_ID, clearkey_pssh
from encode_checks import MPD_NS, dash_renditions, decode_rendition, hls_renditions, pssh_boxes

SECONDS = 6
FPS = 24
HEIGHTS = (144, 240, 360)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("encode-data")


@pytest.fixture(scope="module")
def clear_title(data_dir) -> TitleInfo:
    return make_test_title(data_dir, "clear-one", seconds=SECONDS, heights=HEIGHTS)


@pytest.fixture(scope="module")
def protected_title(data_dir) -> TitleInfo:
    return make_test_title(data_dir, "locked-one", protected=True, seconds=SECONDS, heights=(144, 240),
                           audio_langs=("en", "fr"), subtitles=True)


def _all(title: TitleInfo):
    return {"hls": hls_renditions(title.hls), "dash": dash_renditions(title.dash)}


def test_ladder_has_expected_rungs_with_square_even_pixels(clear_title):
    """Both manifests list exactly the requested rungs, 16:9 with even widths and square pixels."""
    for fmt, rends in _all(clear_title).items():
        video = sorted((r.width, r.height) for r in rends if r.kind == "video")
        assert video == [(256, 144), (426, 240), (640, 360)], fmt
    root = ET.parse(clear_title.dash).getroot()
    sars = {rep.get("sar") for rep in root.iterfind(".//mpd:Representation[@width]", MPD_NS)}
    assert sars == {"1:1"}


def test_every_rung_decodes_in_hls_and_dash_with_aligned_segments(clear_title):
    """Every rendition of both formats decodes all frames, error-free, each 2 s segment opening on a keyframe."""
    for fmt, rends in _all(clear_title).items():
        assert {r.kind for r in rends} == {"video", "audio"}
        for r in rends:
            assert len(r.segments) == SECONDS // 2, (fmt, r.name)
            res = decode_rendition(r)
            assert res.errors == 0, (fmt, r.name)
            if r.kind == "video":
                assert res.frames == SECONDS * FPS, (fmt, r.name)
                assert res.first_frame_times == pytest.approx([0.0, 2.0, 4.0], abs=1e-3)
                assert all(res.first_frame_key)
                assert all(s in (None, 1) for s in res.sample_aspect)
            else:
                assert abs(res.frames - SECONDS * 48000 / 1024) <= 1.5, (fmt, r.name)


def test_hls_and_dash_share_the_same_segment_files(clear_title):
    """HLS and DASH point at one set of CMAF files (no duplicate packaging)."""
    hls = {p for r in hls_renditions(clear_title.hls) for p in (r.init, *r.segments)}
    dash = {p for r in dash_renditions(clear_title.dash) for p in (r.init, *r.segments)}
    assert hls == dash
    assert all(p.is_file() for p in hls)


def test_published_row_and_artwork(clear_title, data_dir):
    """The titles row appears with the packaged facts, and artwork.jpg is a JPEG."""
    row = sqlite3.connect(data_dir / "backend.sqlite").execute(
        "SELECT max_height, protected, kid, audio_langs, duration_s FROM titles WHERE id = 'clear-one'").fetchone()
    assert row == (360, 0, None, '["en"]', SECONDS)
    assert (clear_title.folder / "artwork.jpg").read_bytes()[:2] == b"\xff\xd8"
    assert not any((data_dir / "content" / ".staging").iterdir())


def test_protected_title_signals_clearkey_everywhere(protected_title):
    """Init segments carry the v1 ClearKey PSSH with the KID; MPD and HLS carry the contract's signalling."""
    kid = protected_title.kid_hex
    assert kid and len(kid) == 32
    for r in dash_renditions(protected_title.dash):
        if r.init is not None:
            assert pssh_boxes(r.init.read_bytes()) == [(CLEARKEY_SYSTEM_ID.hex, [kid])]
    root = ET.parse(protected_title.dash).getroot()
    for aset in root.iterfind(".//mpd:AdaptationSet", MPD_NS):
        cps = {cp.get("schemeIdUri"): cp for cp in aset.iterfind("mpd:ContentProtection", MPD_NS)}
        if aset.get("contentType") in ("text", "image"):  # subtitles and thumbnail sprites are clear
            assert not cps
            continue
        mp4 = cps["urn:mpeg:dash:mp4protection:2011"]
        assert mp4.get("value") == "cenc"
        assert mp4.get(f"{{{MPD_NS['cenc']}}}default_KID").replace("-", "") == kid
        pssh = cps[f"urn:uuid:{CLEARKEY_SYSTEM_ID}"].find("cenc:pssh", MPD_NS)
        assert base64.b64decode(pssh.text) == clearkey_pssh(bytes.fromhex(kid))
    b64 = base64.b64encode(clearkey_pssh(bytes.fromhex(kid))).decode()
    for r in hls_renditions(protected_title.hls):
        if r.kind == "text":
            continue
        text = (protected_title.folder / r.name).read_text()
        assert (f'#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,KEYFORMAT="urn:uuid:{CLEARKEY_SYSTEM_ID}",KEYFORMATVERSIONS="1",'
                f'URI="data:text/plain;base64,{b64}",KEYID=0x{kid}') in text.splitlines()


def test_protected_title_decodes_only_with_its_key(protected_title, data_dir):
    """With the key from content_keys every rung decodes cleanly; without it the pictures/audio are garbage."""
    key = sqlite3.connect(data_dir / "backend.sqlite").execute(
        "SELECT key FROM content_keys WHERE title_id = 'locked-one'").fetchone()[0]
    assert key == protected_title.key_hex
    for fmt, rends in _all(protected_title).items():
        for r in rends:
            if r.kind == "text":
                continue
            good = decode_rendition(r, key)
            assert good.errors == 0, (fmt, r.name)
            expected = SECONDS * FPS if r.kind == "video" else SECONDS * 48000 / 1024
            assert abs(good.frames - expected) <= 1.5
            bad = decode_rendition(r, None)
            assert bad.errors > 0 or bad.digests != good.digests, (fmt, r.name)


def test_protected_title_keeps_the_key_off_the_content_tree(protected_title):
    """The content key (hex or raw bytes) appears in no file that the edges serve."""
    key = bytes.fromhex(protected_title.key_hex)
    for p in protected_title.folder.rglob("*"):
        if p.is_file():
            data = p.read_bytes()
            assert key not in data and key.hex().encode() not in data and base64.b64encode(key) not in data, p


def test_subtitles_and_two_audio_languages_in_both_manifests(protected_title):
    """The WebVTT track and both audio languages are listed in HLS and DASH, and the cues are real WebVTT."""
    hls = hls_renditions(protected_title.hls)
    assert sorted(r.name for r in hls if r.kind == "audio") == ["a_en.m3u8", "a_fr.m3u8"]
    text = [r for r in hls if r.kind == "text"]
    assert len(text) == 1 and all(p.read_text().startswith("WEBVTT") for p in text[0].segments)
    root = ET.parse(protected_title.dash).getroot()
    langs = sorted((a.get("contentType"), a.get("lang")) for a in root.iterfind(".//mpd:AdaptationSet", MPD_NS)
                   if a.get("contentType") != "video")
    assert langs == [("audio", "en"), ("audio", "fr"), ("image", None), ("text", "en")]  # image: thumbnails
    cues = "".join(p.read_text() for p in text[0].segments)
    assert "Line 1 (en)" in cues
    assert json.loads(sqlite3.connect(protected_title.folder.parent.parent / "backend.sqlite").execute(
        "SELECT subtitle_langs FROM titles WHERE id='locked-one'").fetchone()[0]) == ["en"]


def test_concurrent_fixture_calls_share_one_fresh_data_dir(tmp_path):
    """Two threads calling make_test_title on a new data dir both publish (no 'database is locked')."""
    import threading

    results: dict[str, object] = {}

    def make(tid: str) -> None:
        try:
            results[tid] = make_test_title(tmp_path, tid, seconds=2, heights=(144,), protected=tid.endswith("b"))
        except Exception as exc:  # reported by the assertion below
            results[tid] = exc

    threads = [threading.Thread(target=make, args=(t,)) for t in ("par-a", "par-b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(isinstance(v, TitleInfo) for v in results.values()), results
    ids = sorted(r[0] for r in sqlite3.connect(tmp_path / "backend.sqlite").execute("SELECT id FROM titles"))
    assert ids == ["par-a", "par-b"]


def test_encoding_leaves_no_pipe_open(tmp_path):
    """A tiny encode closes every subprocess pipe it opened (ffmpeg's and the packager's ``-progress`` stdout):
    no ResourceWarning, as ``python -X dev`` and ``-W error::ResourceWarning`` would show."""
    import gc
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        make_test_title(tmp_path, "no-leak", seconds=2, heights=(144,))
        gc.collect()
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaks == []
