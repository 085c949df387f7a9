"""Every corpus kind played by a real session (CDN pool, scheduler, feed, libmpv) from its URL, headless.

The session is what ``reelbox play URL --headless`` runs; libmpv plays at 4x (audio-only kinds in
real time) so the whole corpus takes about a minute. Each play must end complete: played to the end within half a segment, every
track of the source fed to the end, 0 decoder errors, nothing skipped — and a kind made to fail
(EXT-X-GAP, a cut second part, a wrong key) must end with its named error.
"""
from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import corpus
import pytest
from corpus_server import serve_corpus

from player.completeness import IncompletePlay
from player.feed.errors import DecryptionFailed
from player.outside_keys import BadKeyOption
from player.playback import PlaybackSession, SessionOptions

KINDS = [k for k in corpus.kinds().values() if k.expect_error is None]
HALF_SEGMENT_S = corpus.SEGMENT_S / 2
KEY_OPTION = f"{corpus.KID.hex()}:{corpus.KEY.hex()}"


def _play(url: str, *, keys: tuple[str, ...] = (), session_box: list[PlaybackSession] | None = None,
          speed: float = 4) -> dict[str, Any]:
    session = PlaybackSession(target=url, manifest_urls=[url],
                              options=SessionOptions(keys=keys, mpv_options={"speed": speed}))
    if session_box is not None:
        session_box.append(session)
    return asyncio.run(session.run())


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_kind_plays_complete_from_its_url(corpus_url: str, kind: corpus.Kind) -> None:
    """complete, 0 decoder errors, played within half a segment of the duration, the source's tracks reported."""
    keys = (KEY_OPTION,) if kind.needs_key and not kind.licence_in_manifest else ()
    # audio alone: libmpv coalesces time-pos updates when faster than real time, so play it in real time
    report = _play(f"{corpus_url}/{kind.manifest}", keys=keys, speed=4 if kind.video else 1)
    assert report["complete"] is True, report["errors"]
    assert report["errors"] == []
    assert report["decoder_errors"] == 0
    assert report["duration_s"] == pytest.approx(kind.duration_s, abs=0.1)
    assert report["played_s"] >= kind.duration_s - HALF_SEGMENT_S
    played = {t["kind"]: t["codec"] for t in report["tracks"]}
    assert played == {k: c for k, c in (("video", kind.video), ("audio", kind.audio)) if c}
    if kind.licence_in_manifest:
        assert report["license_ms"] is not None


def test_gap_ends_with_a_named_error_listing_the_skipped_segment(corpus_url: str) -> None:
    """EXT-X-GAP: the rest plays, then IncompletePlay names the skipped segment, and errors lists it."""
    box: list[PlaybackSession] = []
    with pytest.raises(IncompletePlay, match=r"segment 2\.0–4\.0 s skipped \(EXT-X-GAP\)"):
        _play(f"{corpus_url}/hls-ts-gap/index.m3u8", session_box=box)
    report = box[0].report()
    assert report["complete"] is False
    assert [e["code"] for e in report["errors"]] == ["SegmentSkipped", "IncompletePlay"]


@pytest.mark.parametrize("kind,cut", [("dash-multi-period", "p1"), ("hls-ts-discontinuity", "b")])
def test_a_cut_second_part_ends_with_exit_1_naming_what_was_lost(corpus_root: Path, tmp_path: Path,
                                                                 kind: str, cut: str) -> None:
    """The second Period (or the part after the discontinuity) is gone from the CDN: IncompletePlay names it."""
    folder = corpus.kinds()[kind].manifest.split("/", 1)[0]
    copy = tmp_path / folder
    shutil.copytree(corpus_root / folder, copy)
    for path in list(copy.rglob("*")):
        if path.is_file() and (path.parent.name == cut or path.name.startswith(cut)) and path.suffix in (".ts", ".m4s"):
            path.unlink()
    expected = "period 'p1'" if kind == "dash-multi-period" else "discontinuity part 1"
    with serve_corpus(tmp_path) as base, pytest.raises(IncompletePlay, match=expected):
        _play(f"{base}/{corpus.kinds()[kind].manifest}")


def test_a_segment_cut_short_on_a_packet_boundary_is_named(corpus_root: Path, tmp_path: Path) -> None:
    """A TS segment served at half its packets (an honest Content-Length, every packet whole): IncompletePlay
    names the media missing on each track, though every byte check passed."""
    shutil.copytree(corpus_root / "hls-ts", tmp_path / "ts")
    for segment in (tmp_path / "ts").glob("v*_1.ts"):
        data = segment.read_bytes()
        segment.write_bytes(data[: len(data) // 188 // 2 * 188])
    with serve_corpus(tmp_path) as base, pytest.raises(IncompletePlay, match=r"video missing .*audio missing"):
        _play(f"{base}/ts/master.m3u8")


def test_wrong_key_is_named_before_anything_reaches_libmpv(corpus_url: str) -> None:
    """--key with a key that does not decrypt: DecryptionFailed on the first segment, 0 bytes pushed to libmpv."""
    box: list[PlaybackSession] = []
    with pytest.raises(DecryptionFailed):
        _play(f"{corpus_url}/dash-cenc-laurl/nolicence.mpd", keys=(f"{corpus.KID.hex()}:{'ab' * 16}",), session_box=box)
    assert box[0].playhead.decoder_errors == 0
    assert box[0].feed is not None and box[0].feed.remuxer.fed == {}  # nothing was muxed for libmpv


def test_malformed_key_option_is_named() -> None:
    """--key that is not KID:KEY (32 hex digits each) is BadKeyOption, before any request."""
    for bad in ("0123:nothex", "nocolon", f"{corpus.KID.hex()}:abcd", f"{corpus.KID.hex()}:{'zz' * 16}"):
        with pytest.raises(BadKeyOption):
            _play("http://127.0.0.1:9/never.mpd", keys=(bad,))
    secret = "00112233445566778899aabbccddeeff"
    with pytest.raises(BadKeyOption) as refused:
        _play("http://127.0.0.1:9/never.mpd", keys=(f"{corpus.KID.hex()}:{secret}:x",))  # a stray field
    assert secret[:6] not in str(refused.value)  # no part of a key is echoed


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ui", "play", *args, "--headless"], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[2])


def test_cli_names_a_start_past_the_end_and_refuses_a_negative_one(corpus_url: str) -> None:
    """--start beyond the title: exit 1 naming it (libmpv got no stream to fail on); --start -3: usage error, exit 2."""
    past = _cli(f"{corpus_url}/hls-ts/master.m3u8", "--start", "100")
    assert past.returncode == 1 and "past the end of the title (6 s)" in past.stderr
    negative = _cli(f"{corpus_url}/hls-ts/master.m3u8", "--start", "-3")
    assert negative.returncode == 2 and "seconds must be 0 or more" in negative.stderr


def test_cli_exits_1_naming_the_lost_period_and_the_wrong_key(corpus_root: Path, tmp_path: Path) -> None:
    """``reelbox play URL --headless``: exit 1 and one error line naming the Period cut from the CDN; a wrong
    ``--key`` exits 1 naming the failed decryption."""
    shutil.copytree(corpus_root / "dash-multi-period", tmp_path / "mp")
    shutil.rmtree(tmp_path / "mp" / "p1")
    with serve_corpus(tmp_path) as base:
        cut = _cli(f"{base}/mp/manifest.mpd")
    assert cut.returncode == 1
    assert cut.stderr.startswith("error: ") and "period 'p1'" in cut.stderr
    with serve_corpus(corpus_root) as base:
        wrong = _cli(f"{base}/dash-cenc-laurl/nolicence.mpd", "--key", f"{corpus.KID.hex()}:{'ab' * 16}")
    assert wrong.returncode == 1
    assert "content key is wrong" in wrong.stderr
