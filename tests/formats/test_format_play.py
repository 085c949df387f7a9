"""Every corpus kind played by a real session (CDN pool, scheduler, feed, libmpv) from its URL, headless.

The session is what ``reelbox play URL --headless`` runs; libmpv plays at 4x (audio-only kinds in
real time) so the whole corpus takes about a minute. Each play must end complete: played to the end within half a segment, every
track of the source fed to the end, 0 decoder errors, nothing skipped — and a kind made to fail
(EXT-X-GAP, a cut second part, a wrong key) must end with its named error.
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import corpus
import corpus_dash
import pytest
from corpus_server import serve_corpus

from player import segment_keys
from player.completeness import IncompletePlay
from player.errors import PlaybackError
from player.feed.errors import DecryptionFailed, EncryptionSchemeUnsupported, FeedError
from player.feed.isobmff import track_protection
from player.feed.media_input import read_segment
from player.outside_keys import BadKeyOption
from player.playback import PlaybackSession, SessionOptions

KINDS = [k for k in corpus.kinds().values() if k.expect_error is None]
HALF_SEGMENT_S = corpus.SEGMENT_S / 2
KEY_OPTION = f"{corpus.KID.hex()}:{corpus.KEY.hex()}"


def _play(url: str, *, keys: tuple[str, ...] = (), session_box: list[PlaybackSession] | None = None,
          speed: float = 4, license_url: str | None = None) -> dict[str, Any]:
    session = PlaybackSession(target=url, manifest_urls=[url], options=SessionOptions(
        keys=keys, license_url=license_url, mpv_options={"speed": speed}))
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
    assert [n for n in report["notices"] if n["code"] == "CodecsMismatch"] == []  # every kind's CODECS are true
    assert report["decoder_errors"] == 0
    assert report["duration_s"] == pytest.approx(kind.duration_s, abs=0.1)
    assert report["played_s"] >= kind.duration_s - HALF_SEGMENT_S
    played: dict[str, str] = {}
    for track in report["tracks"]:  # a Period that changes the codec plays one entry per codec, in order
        played[track["kind"]] = ",".join(filter(None, (played.get(track["kind"]), track["codec"])))
    assert played == {k: c for k, c in (("video", kind.video), ("audio", kind.audio)) if c}
    # fed on the presentation's timeline, which the completeness check judges by (dash-no-pto's media time is
    # 1000 s on: it was fed to 1006 s, so a play that ended short passed as complete)
    for kind_name in played:
        fed = max(t["fed_until_s"] for t in report["tracks"] if t["kind"] == kind_name)
        assert fed <= kind.duration_s + 1.0, (kind_name, fed)
    if kind.licence_in_manifest:
        assert report["license_ms"] is not None


@pytest.mark.parametrize("buffer_s", [corpus.SEGMENT_S / 2, corpus.SEGMENT_S])
def test_a_buffer_no_longer_than_a_segment_still_plays_complete(corpus_url: str, buffer_s: float) -> None:
    """A segment that never fits the buffer's room (``--buffer`` at or under a segment's length, or one 40 s segment
    in the default 30 s) is fetched once the buffer runs low: before, the play waited for room that never came and
    hung with nothing fetched, no report and no exit, where plain libmpv played it."""
    url = f"{corpus_url}/hls-ts/master.m3u8"
    session = PlaybackSession(target=url, manifest_urls=[url], options=SessionOptions(
        buffer_capacity_s=buffer_s, mpv_options={"speed": 4}))
    report = asyncio.run(asyncio.wait_for(session.run(), timeout=60))
    assert report["complete"] is True, report["errors"]
    assert report["played_s"] >= 6 - HALF_SEGMENT_S


@pytest.mark.parametrize("name", ["hls-ts", "dash-h264-opus", "hls-tracks"])
def test_manifests_stored_gzip_compressed_play_complete(corpus_url: str, name: str) -> None:
    """``Content-Encoding: gzip`` on every playlist/MPD though we ask for identity (an S3 object uploaded compressed):
    plain libmpv inflates it and plays; we read the gzip bytes as the manifest before ('not UTF-8', exit 1)."""
    kind = corpus.kinds()[name]
    report = _play(f"{corpus_url}/gzip/{kind.manifest}")
    assert report["complete"] is True, report["errors"]
    assert report["played_s"] >= kind.duration_s - HALF_SEGMENT_S


def test_gap_ends_with_a_named_error_listing_the_skipped_segment(corpus_url: str) -> None:
    """EXT-X-GAP: the rest plays, then IncompletePlay names the skipped segment, and errors lists it."""
    box: list[PlaybackSession] = []
    with pytest.raises(IncompletePlay, match=r"segment 2\.0–4\.0 s skipped \(EXT-X-GAP\)"):
        _play(f"{corpus_url}/hls-ts-gap/index.m3u8", session_box=box)
    report = box[0].report()
    assert report["complete"] is False
    assert [e["code"] for e in report["errors"]] == ["SegmentSkipped", "IncompletePlay"]


@pytest.mark.parametrize("kind,cut", [("dash-multi-period", "p1"), ("dash-period-codec", "p1"),
                                      ("hls-ts-discontinuity", "b")])
def test_a_cut_second_part_ends_with_exit_1_naming_what_was_lost(corpus_root: Path, tmp_path: Path,
                                                                 kind: str, cut: str) -> None:
    """The second Period (or the part after the discontinuity) is gone from the CDN: IncompletePlay names it."""
    folder = corpus.kinds()[kind].manifest.split("/", 1)[0]
    copy = tmp_path / folder
    shutil.copytree(corpus_root / folder, copy)
    for path in list(copy.rglob("*")):
        if path.is_file() and (path.parent.name == cut or path.name.startswith(cut)) and path.suffix in (".ts", ".m4s"):
            path.unlink()
    expected = "period 'p1'" if kind.startswith("dash") else "discontinuity part 1"
    with serve_corpus(tmp_path) as base, pytest.raises(IncompletePlay, match=expected):
        _play(f"{base}/{corpus.kinds()[kind].manifest}")



def test_a_master_whose_codecs_lie_plays_whole_with_a_notice_naming_both(corpus_root: Path, tmp_path: Path) -> None:
    """A master whose CODECS claim HEVC over H.264 variants (a device picking by CODECS is misled): the play is whole
    and says so, and the report's CodecsMismatch notice names what played and what the manifest claimed."""
    shutil.copytree(corpus_root / "hls-ts", tmp_path / "lies")
    master = tmp_path / "lies" / "master.m3u8"
    master.write_text(re.sub(r"avc1\.[0-9a-fA-F]+", "hvc1.1.6.L93.B0", master.read_text()))
    with serve_corpus(tmp_path) as base:
        report = _play(f"{base}/lies/master.m3u8")
    assert report["complete"] is True, report["errors"]
    mismatches = [n["message"] for n in report["notices"] if n["code"] == "CodecsMismatch"]
    assert mismatches == ["the video played is h264, where the manifest's CODECS name hevc"]

def test_a_sample_less_last_segment_plays_whole_and_a_long_one_is_still_named(corpus_root: Path, tmp_path: Path) -> None:
    """ffmpeg's fMP4 HLS can end a title with a 0.02 s segment that is one ``styp`` box (its FLAC titles do): no sample,
    nothing to play, and plain libmpv plays past it. It plays whole (before: retried as corrupt, skipped, and the play
    called incomplete, exit 1). The same box listed as 2 s of media is a cut body: still retried, skipped and named."""
    shutil.copytree(corpus_root / "hls-fmp4-muxed-audio", tmp_path / "tail")
    styp = (24).to_bytes(4, "big") + b"stypmsdh\0\0\0\0msdhmsix"
    (tmp_path / "tail" / "tail.m4s").write_bytes(styp)
    init = (tmp_path / "tail" / "init.mp4").read_bytes()
    assert read_segment("video", init, styp) == ()  # nothing to play; zeroed or cut bodies are not that
    for damaged in (bytes(64), (tmp_path / "tail" / "s0.m4s").read_bytes()[:100]):
        with pytest.raises(FeedError):
            read_segment("video", init, damaged)
    playlist = tmp_path / "tail" / "index.m3u8"
    listed = playlist.read_text().replace("#EXT-X-ENDLIST", "#EXTINF:0.021333,\ntail.m4s\n#EXT-X-ENDLIST")
    playlist.write_text(listed)
    with serve_corpus(tmp_path) as base:
        report = _play(f"{base}/tail/index.m3u8")
    assert report["complete"] is True and report["errors"] == [], report["errors"]
    playlist.write_text(listed.replace("#EXTINF:0.021333,", "#EXTINF:2.0,"))
    with serve_corpus(tmp_path) as base, pytest.raises(IncompletePlay, match="segment 6.0–8.0 s skipped"):
        _play(f"{base}/tail/index.m3u8")


def test_a_discontinuity_placed_inside_the_media_before_it_is_named(corpus_root: Path, tmp_path: Path) -> None:
    """The last EXTINF before an EXT-X-DISCONTINUITY understated by 0.6 s (as an ad inserter's rounding can): the next
    part's timeline starts inside media already fed, and its first 0.6 s could only be crushed into the muxer's next
    ticks (a DASH Period starting before the last one's media ends is the same). Named, exit 1; before, the frames
    were shown in a blink and the play called complete."""
    shutil.copytree(corpus_root / "hls-ts-discontinuity", tmp_path / "disc")
    playlist = tmp_path / "disc" / "index.m3u8"
    lines = playlist.read_text().splitlines()
    at = lines.index("a1.ts") - 1
    assert lines[at].startswith("#EXTINF:2"), lines[at]
    lines[at] = "#EXTINF:1.4,"
    playlist.write_text("\n".join(lines) + "\n")
    with serve_corpus(tmp_path) as base, pytest.raises(IncompletePlay, match=r"video crushed 3\.4–4\.0 s .*audio crushed"):
        _play(f"{base}/disc/index.m3u8")


def test_a_period_cut_from_one_encode_mid_segment_plays_only_what_it_presents(corpus_root: Path, tmp_path: Path) -> None:
    """Period p1 starts at 3 s, inside p0's last segment (2–4 s): valid DASH (ISO/IEC 23009-1 §5.3.2), as Periods cut
    from one encode for an ad marker are. p0's media past 3 s is not presented (MSE's append window, as dash.js and
    Shaka Player play it), so p1 starts whole at 3 s: complete, 7 s, no decoder error. Before, the media past 3 s was
    fed and p1's first second named as crushed (exit 1)."""
    shutil.copytree(corpus_root / "dash-multi-period", tmp_path / "cut")
    mpd = tmp_path / "cut" / "manifest.mpd"
    text = mpd.read_text()
    assert 'start="PT4.000S"' in text and 'mediaPresentationDuration="PT8.000S"' in text
    mpd.write_text(text.replace('start="PT4.000S"', 'start="PT3.000S"').replace('"PT8.000S"', '"PT7.000S"'))
    box: list[PlaybackSession] = []
    with serve_corpus(tmp_path) as base:
        report = _play(f"{base}/cut/manifest.mpd", session_box=box)
    assert report["complete"] is True and report["errors"] == [], report["errors"]
    assert report["decoder_errors"] == 0 and report["duration_s"] == 7.0
    fed = {t["kind"]: t for t in report["tracks"]}
    assert fed["video"]["fed_until_s"] == pytest.approx(7.0, abs=0.1)
    assert box[0].feed is not None and box[0].feed.holes == []


@pytest.mark.parametrize("keyframe", [True, False], ids=["at-an-idr", "inside-a-gop"])
def test_one_encode_split_into_periods_inside_a_segment(tmp_path: Path, keyframe: bool) -> None:
    """One encode cut into two Periods at 3 s, inside the 2–4 s segment both Periods list (an ad stitcher's split):
    each Period shows only its side (p0's media from 3 s and p1's before 3 s are cut, as MSE's append window cuts
    them). With an IDR at the marker it plays whole, 0 decoder errors; split inside a GOP, p1's picture can only
    start at the next keyframe, and the play names the second missing (before: both named as crushed media)."""
    (tmp_path / "split").mkdir()
    corpus_dash.dash_split_at_marker(tmp_path / "split", keyframe=keyframe)
    box: list[PlaybackSession] = []
    with serve_corpus(tmp_path) as base:
        if not keyframe:
            with pytest.raises(IncompletePlay, match=r"^incomplete play: video missing 3\.0–4\.0 s [^;]*$"):
                _play(f"{base}/split/manifest.mpd", session_box=box)
            return
        report = _play(f"{base}/split/manifest.mpd", session_box=box)
    assert report["complete"] is True and report["errors"] == [], report["errors"]
    assert report["decoder_errors"] == 0 and report["duration_s"] == 8.0
    assert box[0].feed is not None and box[0].feed.holes == []


def test_an_audio_segment_no_cdn_delivers_is_named_and_the_picture_plays_on_in_step(corpus_root: Path,
                                                                                     tmp_path: Path) -> None:
    """A separate audio playlist's 2–4 s segment is gone from the CDN: the play names it (exit 1), and silence bridges
    the hole, so libmpv plays the picture on at the wall clock's pace, in step with the sound after it. Before, with
    no audio for its clock to follow, libmpv froze the picture ~2 s, then ran it at ~1.7× with avsync 1.7 s."""
    shutil.copytree(corpus_root / "hls-ts-alt-audio", tmp_path / "alt")
    (tmp_path / "alt" / "rEnglish_1.ts").unlink()
    seen: list[tuple[float, float, float]] = []  # (wall clock, position, avsync)

    async def play(url: str) -> None:
        session = PlaybackSession(target=url, manifest_urls=[url], options=SessionOptions(mpv_options={"speed": 1}))

        async def watch() -> None:
            await session.started.wait()
            while session.output is not None:
                position, avsync = session.output.property("time-pos"), session.output.property("avsync")
                if position is not None and avsync is not None:
                    seen.append((time.monotonic(), position, avsync))
                await asyncio.sleep(0.05)

        watcher = asyncio.ensure_future(watch())
        try:
            await session.run()
        finally:
            watcher.cancel()

    with serve_corpus(tmp_path) as base, pytest.raises(IncompletePlay, match=r"segment 2\.0–4\.0 s skipped"):
        asyncio.run(play(f"{base}/alt/master.m3u8"))
    after = [(wall, position, avsync) for wall, position, avsync in seen if position >= 4.3]
    assert len(after) >= 10, seen
    assert max(abs(avsync) for _, _, avsync in after) < 0.1, after
    pace = (after[-1][1] - after[0][1]) / (after[-1][0] - after[0][0])
    assert pace < 1.2, after  # media seconds per wall second; a slower box only lowers it


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


def _multikey(corpus_root: Path) -> tuple[str, ...]:
    """Shaka's SD/HD/AUDIO-keyed streams under ``multikey/`` (built once); the three ``--key`` values."""
    folder = corpus_root / "multikey"
    if not (folder / "master.m3u8").exists():
        folder.mkdir(exist_ok=True)
        corpus_dash.dash_multikey(folder)
    return tuple(f"{kid.hex()}:{key.hex()}" for kid, key in corpus_dash.MULTI_KEYS.values())


def test_the_init_segments_key_id_is_read_once_per_init(corpus_root: Path, corpus_url: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Shaka's HLS names no KEYID, so each protected segment's key is the one its init's ``tenc`` names: that box
    is parsed once per init over a whole play (3 inits, 9 segments), not once per segment."""
    keys = _multikey(corpus_root)
    parsed: list[bytes] = []

    def counted(init: bytes) -> object:
        parsed.append(init)
        return track_protection(init)

    monkeypatch.setattr(segment_keys, "track_protection", counted)
    report = _play(f"{corpus_url}/multikey/master.m3u8", keys=keys)
    assert report["complete"] is True, report["errors"]
    segments = [s for s in report["segments"] if s["type"] in ("video", "audio")]
    inits = {s["rendition"] for s in segments}
    assert len(segments) >= 6 and len(inits) == 3  # both video rungs and the audio
    assert len(parsed) == len(set(parsed)) == 3


@pytest.mark.parametrize("manifest", ["manifest.mpd", "master.m3u8"])
def test_a_key_per_quality_and_for_audio_each_decrypts_its_track(corpus_root: Path, corpus_url: str, manifest: str) -> None:
    """SD, HD and audio keys (Shaka's ``drm_label``), all three given with --key: every track decrypts, across a
    switch. Shaka's HLS names no KEYID, so the KID is the init segment's ``tenc``; the ring's first key was used."""
    report = _play(f"{corpus_url}/multikey/{manifest}", keys=_multikey(corpus_root))
    assert report["complete"] is True, report["errors"]
    assert report["decoder_errors"] == 0
    assert len({s["rendition"] for s in report["segments"] if s["type"] == "video"}) == 2  # the ABR climbed to HD


@pytest.mark.parametrize("manifest", ["multikey/master.m3u8", "dash-cbcs/master.m3u8"])
def test_license_url_on_shaka_hls_asks_for_the_key_ids_its_inits_name(corpus_root: Path, corpus_url: str,
                                                                     manifest: str) -> None:
    """Shaka's HLS names no KEYID (cenc with SD/HD/AUDIO keys; cbcs with one): ``--license-url`` asks for the KIDs
    the init segments' ``tenc`` name, so each track gets its own key and decrypts (it was "names no key ID")."""
    _multikey(corpus_root)
    report = _play(f"{corpus_url}/{manifest}", license_url=f"{corpus_url}/license")
    assert report["complete"] is True, report["errors"]
    assert report["decoder_errors"] == 0 and report["license_ms"] is not None
    if manifest.startswith("multikey"):  # the HD key too: the ABR climbed, and the HD segments decrypted
        assert len({s["rendition"] for s in report["segments"] if s["type"] == "video"}) == 2


@pytest.mark.parametrize("manifest,inits", [("multikey/master.m3u8", 3), ("dash-cbcs/master.m3u8", 2)])
def test_license_url_on_shaka_hls_fetches_each_init_once(corpus_root: Path, corpus_url: str, manifest: str,
                                                         inits: int) -> None:
    """The licence path reads the KIDs from the protected inits while the scheduler needs the same inits for the
    first segments: one fetch each per play (the session's request log), not one for each of them."""
    _multikey(corpus_root)
    box: list[PlaybackSession] = []
    report = _play(f"{corpus_url}/{manifest}", license_url=f"{corpus_url}/license", session_box=box)
    assert report["complete"] is True, report["errors"]
    assert box[0].pool is not None
    paths = (urlsplit(r.url).path for r in box[0].pool.log.records)  # CMCD rides in the query
    fetched = Counter(path for path in paths if path.endswith("/init.mp4"))
    assert len(fetched) == inits and set(fetched.values()) == {1}, fetched


def test_license_url_with_no_key_id_in_the_manifest_or_the_inits_is_named(corpus_root: Path, tmp_path: Path) -> None:
    """Shaka's cbcs HLS with every init's ``tenc`` KID zeroed: nothing names a KID to ask for, so ``--license-url``
    ends with a PlaybackError saying so (and asking for --key), not a licence request for nothing."""
    shutil.copytree(corpus_root / "dash-cbcs", tmp_path / "nokid")
    for init in (tmp_path / "nokid").glob("*/init.mp4"):
        assert corpus.KID in init.read_bytes()
        init.write_bytes(init.read_bytes().replace(corpus.KID, bytes(16)))
    with serve_corpus(tmp_path) as base, pytest.raises(PlaybackError, match="nor its init segments name a key ID"):
        _play(f"{base}/nokid/master.m3u8", license_url=f"{base}/license")


def test_malformed_key_option_is_named() -> None:
    """--key that is not KID:KEY (32 hex digits each) is BadKeyOption, before any request."""
    for bad in ("0123:nothex", "nocolon", f"{corpus.KID.hex()}:abcd", f"{corpus.KID.hex()}:{'zz' * 16}"):
        with pytest.raises(BadKeyOption):
            _play("http://127.0.0.1:9/never.mpd", keys=(bad,))
    secret = "00112233445566778899aabbccddeeff"
    with pytest.raises(BadKeyOption) as refused:
        _play("http://127.0.0.1:9/never.mpd", keys=(f"{corpus.KID.hex()}:{secret}:x",))  # a stray field
    assert secret[:6] not in str(refused.value)  # no part of a key is echoed


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``reelbox play ARGS --headless`` on its own ``REELBOX_HOME`` (a play keeps state: never the user's)."""
    return subprocess.run([sys.executable, "-m", "ui", "play", *args, "--headless"], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[2],
                          env=dict(os.environ, REELBOX_HOME=str(home)))


def test_cli_plays_shaka_hls_with_a_licence_url_into_its_own_home(corpus_url: str, tmp_path: Path) -> None:
    """``reelbox play`` of Shaka's cbcs HLS (KIDs only in the inits) with ``--license-url``: exit 0, the report
    complete with the licence timed, and what the play keeps (the link's estimate) under ``REELBOX_HOME``."""
    report_file = tmp_path / "report.json"
    run = _cli(tmp_path / "home", f"{corpus_url}/dash-cbcs/master.m3u8", "--license-url", f"{corpus_url}/license",
               "--report", str(report_file))
    assert run.returncode == 0, run.stderr
    report = json.loads(report_file.read_text())
    assert report["complete"] is True and report["decoder_errors"] == 0 and report["license_ms"] is not None
    assert (tmp_path / "home" / "state" / "throughput.json").is_file()


def test_cli_names_a_start_past_the_end_and_refuses_a_negative_one(corpus_url: str, tmp_path: Path) -> None:
    """--start beyond the title: exit 1 naming it (libmpv got no stream to fail on); --start -3: usage error, exit 2."""
    past = _cli(tmp_path, f"{corpus_url}/hls-ts/master.m3u8", "--start", "100")
    assert past.returncode == 1 and "past the end of the title (6 s)" in past.stderr
    negative = _cli(tmp_path, f"{corpus_url}/hls-ts/master.m3u8", "--start", "-3")
    assert negative.returncode == 2 and "seconds must be 0 or more" in negative.stderr



def test_cli_names_a_rendition_the_ladder_lacks_and_refuses_options_that_mean_nothing(corpus_url: str,
                                                                                     tmp_path: Path) -> None:
    """--rendition 5 on a two-rung ladder: bad usage (exit 2) listing the ladder, where the top rung played and the play
    was called complete; --rendition -1, --buffer 0 or inf, --latency nan: argparse's exit 2 before anything is
    fetched (a 0 s buffer was taken, and the play hung); a --key that is not KID:KEY is bad usage too (it was exit 1,
    "try again")."""
    url = f"{corpus_url}/hls-ts/master.m3u8"
    past = _cli(tmp_path, url, "--rendition", "5")
    assert past.returncode == 2, past.stderr
    assert "--rendition 5: no such video rendition; this title has 0: " in past.stderr and ", 1: " in past.stderr
    for option, value in (("--rendition", "-1"), ("--buffer", "0"), ("--buffer", "inf"), ("--latency", "nan")):
        run = _cli(tmp_path, url, option, value)
        assert run.returncode == 2 and f"argument {option}" in run.stderr, (option, value, run.stderr)
    bad_key = _cli(tmp_path, url, "--key", "zz")
    assert bad_key.returncode == 2 and "KID:KEY" in bad_key.stderr and "Try again" not in bad_key.stderr, bad_key.stderr

def test_cli_exits_1_naming_the_lost_period_and_the_wrong_key(corpus_root: Path, tmp_path: Path) -> None:
    """``reelbox play URL --headless``: exit 1 and one error line naming the Period cut from the CDN; a wrong
    ``--key`` exits 1 naming the failed decryption."""
    shutil.copytree(corpus_root / "dash-multi-period", tmp_path / "mp")
    shutil.rmtree(tmp_path / "mp" / "p1")
    with serve_corpus(tmp_path) as base:
        cut = _cli(tmp_path / "home", f"{base}/mp/manifest.mpd")
    assert cut.returncode == 1
    assert cut.stderr.startswith("error: ") and "period 'p1'" in cut.stderr
    with serve_corpus(corpus_root) as base:
        wrong = _cli(tmp_path / "home", f"{base}/dash-cenc-laurl/nolicence.mpd", "--key", f"{corpus.KID.hex()}:{'ab' * 16}")
    assert wrong.returncode == 1
    assert "content key is wrong" in wrong.stderr


def test_sample_aes_in_mpeg_ts_and_packed_audio_plays_with_the_playlists_key(tmp_path: Path) -> None:
    """Shaka Packager's SAMPLE-AES TS video and packed AAC, the identity key at ``key.bin``: decrypted sample by
    sample and played whole, 0 decoder errors, as plain libmpv plays it (before: EncryptionSchemeUnsupported). With
    the wrong bytes at ``key.bin`` it is DecryptionFailed before libmpv gets a byte; so is the tag over clear segments
    (their samples are not SAMPLE-AES); a key format that is not ``identity`` (FairPlay) is EncryptionSchemeUnsupported."""
    (tmp_path / "saes").mkdir()
    corpus_dash.hls_ts_sample_aes(tmp_path / "saes")
    with serve_corpus(tmp_path) as base:
        report = _play(f"{base}/saes/master.m3u8")
    assert report["complete"] is True and report["errors"] == [], report["errors"]
    assert report["decoder_errors"] == 0
    assert sorted(t["codec"] for t in report["tracks"] if t["kind"] in ("video", "audio")) == ["aac", "h264"]
    (tmp_path / "saes" / "key.bin").write_bytes(bytes(16))
    box: list[PlaybackSession] = []
    with serve_corpus(tmp_path) as base, pytest.raises(DecryptionFailed, match="content key is wrong"):
        _play(f"{base}/saes/master.m3u8", session_box=box)
    assert box[0].feed is not None and box[0].feed.remuxer.fed == {}
    for playlist in (tmp_path / "saes").glob("*.m3u8"):
        playlist.write_text(playlist.read_text().replace('URI="key.bin"', 'URI="skd://key"').replace(
            'KEYFORMAT="identity"', 'KEYFORMAT="com.apple.streamingkeydelivery"'))
    with serve_corpus(tmp_path) as base, pytest.raises(EncryptionSchemeUnsupported, match="SAMPLE-AES in MPEG-TS"):
        _play(f"{base}/saes/master.m3u8")


def test_sample_aes_in_mpeg_ts_whose_key_uri_holds_the_kid_plays_with_key(tmp_path: Path) -> None:
    """Shaka Packager's default SAMPLE-AES TS playlist: ``URI="data:...<KID>"`` with no KEYID ("the player needs to
    have the key"). With ``--key KID:KEY`` the ring's key for that KID plays it whole (before: the KID's 16 bytes
    were taken as the key, DecryptionFailed); without, DecryptionFailed says a data: URI may hold the KID."""
    (tmp_path / "saes").mkdir()
    corpus_dash.hls_ts_sample_aes(tmp_path / "saes", key_uri=False)
    assert "data:text/plain;base64," in (tmp_path / "saes" / "v.m3u8").read_text()
    with serve_corpus(tmp_path) as base:
        report = _play(f"{base}/saes/master.m3u8", keys=(KEY_OPTION,))
        assert report["complete"] is True and report["decoder_errors"] == 0, report["errors"]
        with pytest.raises(DecryptionFailed, match="may hold the KID"):
            _play(f"{base}/saes/master.m3u8")


def test_sample_aes_tags_over_clear_segments_and_cens_are_named_not_played(corpus_root: Path, tmp_path: Path) -> None:
    """A SAMPLE-AES tag over clear TS or packed-audio segments is DecryptionFailed before libmpv gets a byte, with
    ``--key`` or not (the playlist's key is what SAMPLE-AES on TS takes); a ``cens`` init is
    EncryptionSchemeUnsupported, and cbcs with a wrong key DecryptionFailed."""
    for name in ("hls-audio-ts", "hls-packed-audio"):
        shutil.copytree(corpus_root / name, tmp_path / name)
        playlist = tmp_path / name / "index.m3u8"
        lines = playlist.read_text().splitlines()
        lines.insert(1, '#EXT-X-KEY:METHOD=SAMPLE-AES,URI="data:text/plain;base64,ASNFZ4mrze8BI0VniavN7w==",'
                        'IV=0x000102030405060708090a0b0c0d0e0f,KEYFORMAT="identity"')
        playlist.write_text("\n".join(lines) + "\n")
        for keys in ((KEY_OPTION,), ()):
            box: list[PlaybackSession] = []
            with serve_corpus(tmp_path) as base, pytest.raises(DecryptionFailed):
                _play(f"{base}/{name}/index.m3u8", keys=keys, session_box=box)
            assert box[0].feed is not None and box[0].feed.remuxer.fed == {}, (name, keys)
    init = (corpus_root / "dash-cbcs" / "v" / "init.mp4").read_bytes()
    segment = (corpus_root / "dash-cbcs" / "v" / "1.m4s").read_bytes()
    assert read_segment("video", init, segment, key=corpus.KEY)[0].codec == "h264"
    with pytest.raises(EncryptionSchemeUnsupported, match="'cens'"):
        read_segment("video", init.replace(b"schm\x00\x00\x00\x00cbcs", b"schm\x00\x00\x00\x00cens"), segment,
                     key=corpus.KEY)
    with pytest.raises(DecryptionFailed):
        read_segment("video", init, segment, key=bytes(16))


@pytest.mark.parametrize("name,video", [("dash-period-codec", ["hevc"]), ("dash-period-tracks", ["h264"])])
def test_a_start_inside_a_later_period_plays_on_from_its_part(corpus_url: str, name: str, video: list[str]) -> None:
    """``--start 5`` lands in the second stream part (HEVC; video alone before audio comes back): the feed
    opens that part, plays the rest in order, 0 decoder errors, nothing lost."""
    kind = corpus.kinds()[name]
    session = PlaybackSession(target=name, manifest_urls=[f"{corpus_url}/{kind.manifest}"],
                              options=SessionOptions(start_s=5.0, mpv_options={"speed": 4}))
    report = asyncio.run(session.run())
    assert report["complete"] is True, report["errors"]
    assert report["decoder_errors"] == 0
    assert [t["codec"] for t in report["tracks"] if t["kind"] == "video"] == video
    assert [t["codec"] for t in report["tracks"] if t["kind"] == "audio"] == ["aac"]
    assert report["played_s"] >= kind.duration_s - 5.0 - HALF_SEGMENT_S
    silent = ["the Period from 4.0 to 8.0 s has no audio: silence there"] if name == "dash-period-tracks" else []
    assert [n["message"] for n in report["notices"] if n["code"].endswith("Absent")] == silent


def test_segments_on_an_https_edge_with_a_self_signed_certificate_are_a_named_tls_error(corpus_root: Path,
                                                                                        tmp_path: Path) -> None:
    """A playlist on http whose segments sit on an https edge with a self-signed certificate: exit 1 with one line
    naming the untrusted certificate (it said 'the video servers are not answering. Check your network'), no retry
    rounds in the CDN pool (a retry cannot mend a certificate), the report written and nothing claimed complete."""
    (tmp_path / "site").mkdir()
    shutil.copytree(corpus_root / "hls-audio-ts", tmp_path / "edge" / "a")
    report_file = tmp_path / "report.json"
    with serve_corpus(tmp_path / "edge", tls=True) as edge:
        lines = (tmp_path / "edge" / "a" / "index.m3u8").read_text().splitlines()
        (tmp_path / "site" / "index.m3u8").write_text("\n".join(f"{edge}/a/{ln}" if ln.endswith(".ts") else ln
                                                                for ln in lines) + "\n")
        with serve_corpus(tmp_path / "site") as site:
            run = _cli(tmp_path / "home", f"{site}/index.m3u8", "--report", str(report_file))
    assert run.returncode == 1
    assert run.stderr.startswith("error: ") and len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert "certificate is not trusted" in run.stderr and "self-signed certificate" in run.stderr
    assert "not answering" not in run.stderr and "Traceback" not in run.stderr
    report = json.loads(report_file.read_text())
    assert report["complete"] is False and report["played_s"] == 0
    tried = [r for r in report["requests"] if r["kind"] == "segment"]
    assert tried and all(r["error"].startswith("UntrustedCertificate") for r in tried)
    assert all(r["retries"] == 0 for r in tried)  # the pool does not retry a certificate (it tried 3 times)


def test_an_hls_ad_in_another_codec_is_refused_naming_the_change(corpus_url: str, tmp_path: Path) -> None:
    """An ad spliced in across EXT-X-DISCONTINUITY in HEVC + AC-3 between H.264 + AAC parts: the one MPEG-TS stream
    cannot carry the change, so the play ends exit 1 naming it — with a sentence that does not ask to try again
    (it said 'Playback stopped because of an error. Try again.'); the report says nothing complete."""
    report_file = tmp_path / "report.json"
    run = _cli(tmp_path / "home", f"{corpus_url}/hls-ts-ad-codec/index.m3u8", "--report", str(report_file))
    assert run.returncode == 1
    assert run.stderr.startswith("error: ") and "Traceback" not in run.stderr
    assert "video codec changes from h264 to hevc" in run.stderr
    assert "will not help" in run.stderr and "Try again" not in run.stderr
    report = json.loads(report_file.read_text())
    assert report["complete"] is False and report["errors"][-1]["code"] == "TrackChangeUnsupported"



@pytest.mark.parametrize("name", ["hls-ts", "hls-fmp4-muxed-audio", "dash-cenc-key", "dash-h264-opus"])
def test_a_start_inside_a_gop_shows_the_target_first_and_plays_complete(corpus_url: str, name: str) -> None:
    """``start_s`` 3 s, mid-GOP (2 s segments): the first frame is the target exactly — libmpv's start seek for
    MPEG-TS out of HLS TS, HLS fMP4 and protected DASH, the exact seek in its cache for Matroska (Opus) —
    then the play ends complete with 0 decoder errors."""
    kind = corpus.kinds()[name]
    keys = (KEY_OPTION,) if kind.needs_key and not kind.licence_in_manifest else ()
    session = PlaybackSession(target=name, manifest_urls=[f"{corpus_url}/{kind.manifest}"],
                              options=SessionOptions(start_s=3.0, keys=keys, mpv_options={"speed": 4}))
    report = asyncio.run(session.run())
    assert report["complete"] is True, report["errors"]
    assert report["decoder_errors"] == 0
    assert 3.0 - 0.005 <= session.first_frame_position_s < 3.0 + 0.04  # the first frame at the target, at 25 fps
    assert report["played_s"] >= kind.duration_s - 3.0 - HALF_SEGMENT_S


def _mark_gap(playlist: Path, segment: str) -> None:
    """``segment`` marked EXT-X-GAP in ``playlist`` and gone from the server, as a packager marks a failed encoder's."""
    lines = playlist.read_text().splitlines()
    lines.insert(lines.index(segment) - 1, "#EXT-X-GAP")
    playlist.write_text("\n".join(lines) + "\n")
    (playlist.parent / segment).unlink()


def test_a_gap_in_one_variant_plays_from_another(corpus_root: Path, tmp_path: Path) -> None:
    """Redundant encoders (RFC 8216bis §6.3.3): the low variant's 2–4 s and the high one's 4–6 s are EXT-X-GAP. The
    play fetches each from the other variant and is whole. Before, the low variant's gap was skipped for every rung
    (exit 1) and the high one's was requested though marked, a 404 named as not delivered."""
    shutil.copytree(corpus_root / "hls-ts", tmp_path / "ts")
    _mark_gap(tmp_path / "ts" / "v0.m3u8", "v0_1.ts")
    _mark_gap(tmp_path / "ts" / "v1.m3u8", "v1_2.ts")
    box: list[PlaybackSession] = []
    with serve_corpus(tmp_path) as base:
        report = _play(f"{base}/ts/master.m3u8", session_box=box)
    assert report["complete"] is True and report["errors"] == [], report["errors"]
    assert report["decoder_errors"] == 0 and report["played_s"] >= 6.0 - HALF_SEGMENT_S
    fetched = {(s["index"], s["rendition"]) for s in report["segments"]}
    assert {r for _, r in fetched} == {"v0", "v1"}, fetched
    assert (1, "v0") not in fetched and (2, "v1") not in fetched
    assert {i for i, _ in fetched} == {0, 1, 2}


@pytest.mark.parametrize("kind", ["hls-ts", "hls-fmp4-muxed-audio"])
def test_a_playlist_that_overstates_its_media_says_so_where_it_stops(corpus_root: Path, tmp_path: Path,
                                                                     kind: str) -> None:
    """Every EXTINF 25 % longer than its segment's media (a packager's rounding gone wrong): plain libmpv plays the
    media to its end, and so does Reelbox — then names the play incomplete (the manifest promised more, and its seeks
    land wrong), saying why: the manifest overstates its media. Before, only "stopped at 6.0 s of 7.5 s", which sent a
    QA engineer after a player fault."""
    folder = corpus.kinds()[kind].manifest.split("/", 1)[0]
    shutil.copytree(corpus_root / folder, tmp_path / "long")
    for playlist in (tmp_path / "long").glob("*.m3u8"):
        playlist.write_text(re.sub(r"#EXTINF:([0-9.]+)", lambda m: f"#EXTINF:{float(m[1]) * 1.25:.6f}",
                                   playlist.read_text()))
    declared, media = corpus.kinds()[kind].duration_s * 1.25, corpus.kinds()[kind].duration_s
    box: list[PlaybackSession] = []
    with serve_corpus(tmp_path) as base, pytest.raises(IncompletePlay) as ended:
        _play(f"{base}/long/{corpus.kinds()[kind].manifest.split('/', 1)[1]}", session_box=box)
    assert str(ended.value).startswith(f"incomplete play: stopped at {media:.1f} s of {declared:.1f} s")
    assert str(ended.value).endswith(f"; the manifest lists {declared:.1f} s, its media holds {media:.1f} s: every "
                                     "segment was fed whole, each holding less than the manifest says")
    assert box[0].report()["played_s"] >= media - HALF_SEGMENT_S


def test_a_last_segment_whose_media_is_cut_short_is_still_a_loss(corpus_root: Path, tmp_path: Path) -> None:
    """Every EXTINF true, but the last segment cut to its first half (a truncated upload, whole TS packets, timestamps
    where they belong): nothing says the manifest is wrong before it, so the missing second is not blamed on it."""
    shutil.copytree(corpus_root / "hls-ts", tmp_path / "cut")
    for last in (tmp_path / "cut").glob("v*_2.ts"):
        data = last.read_bytes()
        last.write_bytes(data[:len(data) // 2 // 188 * 188])  # whole TS packets: the first half of its media
    box: list[PlaybackSession] = []
    with serve_corpus(tmp_path) as base, pytest.raises(IncompletePlay, match=r"^incomplete play: stopped at 5\.\d s of 6\.0 s") as ended:
        _play(f"{base}/cut/master.m3u8", session_box=box)
    assert "the manifest lists" not in str(ended.value)
