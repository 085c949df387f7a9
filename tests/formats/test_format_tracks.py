"""Tracks from the command line on real content: ``--audio LANG|NAME`` and ``--subtitles LANG`` (segmented
WebVTT, a WebVTT sidecar, TTML in fMP4 ``stpp``), played headless to the end by real libmpv.

The chosen tracks are what the report's ``tracks`` lists, the audio segments fetched are the chosen
language's, and libmpv's own track list shows the subtitle track selected. A language the title lacks is
a named error listing what it has — exit 2 from ``reelbox play`` — before anything plays.
"""
from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import corpus
import httpx
import pytest
from corpus_server import serve_corpus
from corpus_tracks import DISC_CUES, PERIOD_CUES, dash_period_subtitles, hls_fmp4_webvtt_offset
from session_watch import play_watching

from player.feed.mpv_output import MpvOutput
from player.errors import IncompletePlay
from player.playback import PlaybackSession, SessionOptions
from player.track_choice import TrackNotFound
from player.ttml import Cue, merge_cues
from player.vtt_timestamp_map import cue_time
from player.wvtt import wvtt_cues
from ui.cli import build_parser

TRACK_KINDS = [k for k in corpus.kinds().values() if k.audio_languages or k.subtitles]
AUDIO_CASES = [(k, lang) for k in TRACK_KINDS for lang in k.audio_languages]
TEXT_CASES = [(k, lang, fmt) for k in TRACK_KINDS for lang, fmt in k.subtitles]


async def _play(url: str, options: SessionOptions) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The report, and libmpv's subtitle tracks as seen while it played."""
    report, subs = await play_watching(
        url, options, lambda output: [t for t in output.property("track-list") or () if t.get("type") == "sub"])
    return report, subs or []


def _complete(report: dict[str, Any], kind: corpus.Kind) -> None:
    assert report["complete"] is True, report["errors"]
    assert report["decoder_errors"] == 0
    assert report["played_s"] >= kind.duration_s - corpus.SEGMENT_S / 2


@pytest.mark.parametrize("kind,language", AUDIO_CASES, ids=lambda v: getattr(v, "name", v))
def test_audio_language_is_the_one_played(corpus_url: str, kind: corpus.Kind, language: str) -> None:
    """--audio LANG: played to the end with that language's rendition (every audio segment fetched from it)."""
    report, _ = asyncio.run(_play(f"{corpus_url}/{kind.manifest}",
                                  SessionOptions(audio_language=language, mpv_options={"speed": 4})))
    _complete(report, kind)
    audio = [t for t in report["tracks"] if t["kind"] == "audio"]
    assert [(t["codec"], t["language"]) for t in audio] == [(kind.audio, language)]
    renditions = {s["rendition"] for s in report["segments"] if s["type"] == "audio"}
    assert len(renditions) == 1
    other = [lang for lang in kind.audio_languages if lang != language][0]
    report_other, _ = asyncio.run(_play(f"{corpus_url}/{kind.manifest}",
                                        SessionOptions(audio_language=other, mpv_options={"speed": 4})))
    assert {s["rendition"] for s in report_other["segments"] if s["type"] == "audio"}.isdisjoint(renditions)


def test_with_no_audio_asked_the_manifests_default_plays(corpus_url: str) -> None:
    """RFC 8216 §4.4.6.1: DEFAULT=YES is what plays absent a choice — German here, listed second (plain libmpv and
    Shaka Player pick it too); the first listed played before."""
    kind = corpus.kinds()["hls-tracks"]
    report, _ = asyncio.run(_play(f"{corpus_url}/hls-tracks/default-de.m3u8", SessionOptions(mpv_options={"speed": 4})))
    _complete(report, kind)
    assert [t["language"] for t in report["tracks"] if t["kind"] == "audio"] == ["de"]


@pytest.mark.parametrize("audio,codec,group", [(None, "aac", "aac"), ("English AC3", "ac3", "ac3")])
def test_variants_per_audio_codec_are_one_picture_with_the_played_audio(corpus_url: str, audio: str | None, codec: str,
                                                                        group: str) -> None:
    """Shaka's master lists the one video playlist once per audio group (AAC, AC-3): every video segment comes from
    the variant of the audio played, its bitrate that variant's, and no 'switch' between two copies of one picture
    is counted (before: AAC played, the ABR climbed to the AC-3 variant, 1 switch, the AC-3 bitrate reported)."""
    kind = corpus.kinds()["hls-audio-codecs"]
    master = httpx.get(f"{corpus_url}/{kind.manifest}").text
    variant = re.search(rf'BANDWIDTH=(\d+),[^\n]*AUDIO="{group}"', master)
    assert variant is not None
    report, _ = asyncio.run(_play(f"{corpus_url}/{kind.manifest}",
                                  SessionOptions(audio_language=audio, mpv_options={"speed": 4})))
    _complete(report, kind)
    assert [t["codec"] for t in report["tracks"] if t["kind"] == "audio"] == [codec]
    video = [(s["rendition"], s["bitrate_kbps"]) for s in report["segments"] if s["type"] == "video"]
    assert len(video) == 3
    assert set(video) == {(video[0][0], round(int(variant.group(1)) / 1000, 1))}
    assert report["switches"] == 0


@pytest.mark.parametrize("kind,language,fmt", TEXT_CASES, ids=lambda v: getattr(v, "name", v))
def test_subtitles_reach_libmpv_and_the_report(corpus_url: str, kind: corpus.Kind, language: str, fmt: str) -> None:
    """--subtitles LANG: libmpv has the track selected, the report lists it (codec, language), the play completes."""
    report, subs = asyncio.run(_play(f"{corpus_url}/{kind.manifest}",
                                     SessionOptions(subtitle_language=language, mpv_options={"speed": 4})))
    _complete(report, kind)
    assert [(t["codec"], t["language"]) for t in report["tracks"] if t["kind"] == "text"] == [(fmt, language)]
    assert [(s.get("lang"), s.get("selected")) for s in subs] == [(language, True)]


def test_webvtt_in_fmp4_samples_becomes_the_cues_written(corpus_root: Path) -> None:
    """Shaka's ``wvtt`` track (ISO/IEC 14496-30): the cues of the WebVTT it was made from — times, text, the setting —
    with the cue it repeats across the 4 s segment boundary joined again."""
    folder = corpus_root / "dash-tracks" / "tes"
    segments = sorted(folder.glob("*.m4s"), key=lambda p: int(p.stem))
    cues = merge_cues(wvtt_cues((folder / "init.mp4").read_bytes(),
                                ((i * corpus.SEGMENT_S, p.read_bytes()) for i, p in enumerate(segments))))
    assert cues == [Cue(0.5, 2.5, "es: Hello from the first cue", "align:center"),  # Shaka adds align:center
                    Cue(3.0, 5.5, "es: A second cue, across a segment boundary", "line:10% align:center")]


def test_webvtt_in_fmp4_plays_from_an_hls_master_that_declares_no_codec(corpus_url: str) -> None:
    """Shaka's HLS lists the ``wvtt`` track with an EXT-X-MAP and no CODECS: the init's sample entry says what it is
    (read as text, it was ``not a WebVTT document`` and the play failed), and the report names that codec, as read
    at load (it said ``webvtt``, the manifest's guess)."""
    report, subs = asyncio.run(_play(f"{corpus_url}/dash-tracks/master.m3u8",
                                     SessionOptions(subtitle_language="es", mpv_options={"speed": 4})))
    _complete(report, corpus.kinds()["dash-tracks"])
    assert [s.get("lang") for s in subs if s.get("selected")] == ["es"]
    assert [(t["codec"], t["language"]) for t in report["tracks"] if t["kind"] == "text"] == [("wvtt", "es")]


def test_a_missing_language_is_named_before_anything_plays(corpus_url: str) -> None:
    """--audio/--subtitles for a language the title lacks: TrackNotFound listing what exists, nothing played."""
    url = f"{corpus_url}/dash-tracks/manifest.mpd"
    for options, listed in ((SessionOptions(audio_language="es"), "en, de"),
                            (SessionOptions(subtitle_language="it"), "en, fr, es, de")):
        session = PlaybackSession(target=url, manifest_urls=[url], options=options)
        with pytest.raises(TrackNotFound, match=f"this title has {listed}$"):
            asyncio.run(session.run())
        assert session.report()["played_s"] == 0 and session.playhead.first_frame_position_s is None


def test_cli_exits_2_naming_the_tracks_and_downloads_play_takes_the_options(corpus_url: str, tmp_path: Path) -> None:
    """``reelbox play URL --audio xx``: exit 2, one error line listing the languages; ``downloads play`` parses both."""
    proc = subprocess.run([sys.executable, "-m", "ui", "play", f"{corpus_url}/hls-tracks/master.m3u8", "--headless",
                           "--audio", "xx"], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2], env=dict(os.environ, REELBOX_HOME=str(tmp_path)))
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1
    assert "--audio xx: no such audio track; this title has en (audio_1), de (audio_2)" in proc.stderr  # ffmpeg NAMEs
    args = build_parser().parse_args(["downloads", "play", "abc", "--audio", "Deutsch", "--subtitles", "fr"])
    assert (args.audio, args.subtitles) == ("Deutsch", "fr")


def _on_a_clock_of_its_own(folder: Path) -> None:
    """Rewrite ffmpeg's WebVTT segments (cue 0 at its MPEG-TS 1.4 s) the way a live packager numbers cues, on a clock of
    its own: ``LOCAL`` 60 s at ``MPEGTS`` 1.4 + 2 s, so every cue time reads 58 s later than it shows."""
    def later(m: re.Match[str]) -> str:
        millis = (int(m.group(1)) * 60 + int(m.group(2))) * 1000 + int(m.group(3)) + 58_000
        return f"{millis // 60_000:02d}:{millis // 1000 % 60:02d}.{millis % 1000:03d}"

    for segment in folder.glob("r0*.vtt"):
        text = re.sub(r"\b(\d{2}):(\d{2})\.(\d{3})\b", later, segment.read_text())
        segment.write_text(text.replace("WEBVTT\n", "WEBVTT\nX-TIMESTAMP-MAP=LOCAL:00:01:00.000,MPEGTS:306000\n", 1))


def _play_showing(url: str, monkeypatch: pytest.MonkeyPatch,
                  language: str = "en") -> tuple[dict[str, Any], list[str], list[tuple[float, str]]]:
    """Play ``url`` with its ``language`` subtitles: the report, the WebVTT documents handed to libmpv, and libmpv's
    ``sub-text`` with the ``time-pos`` it showed it at, read every 20 ms."""
    handed: list[str] = []
    add = MpvOutput.add_subtitles

    def recorded(self: MpvOutput, webvtt: str, **kwargs: str) -> None:
        handed.append(webvtt)
        add(self, webvtt, **kwargs)

    monkeypatch.setattr(MpvOutput, "add_subtitles", recorded)
    session = PlaybackSession(target=url, manifest_urls=[url], options=SessionOptions(subtitle_language=language))
    shown: list[tuple[float, str]] = []

    async def watch() -> None:
        await session.started.wait()
        while session.output is not None:
            text, at = session.output.property("sub-text"), session.output.property("time-pos")
            if text and at is not None:
                shown.append((at, text))
            await asyncio.sleep(0.02)

    async def play() -> dict[str, Any]:
        watcher = asyncio.ensure_future(watch())
        try:
            return await session.run()
        finally:
            watcher.cancel()

    return asyncio.run(play()), handed, shown


@pytest.mark.parametrize("folder", ["hls-tracks", "hls-ts-webvtt"])
def test_x_timestamp_map_puts_hls_webvtt_cues_at_their_true_times(corpus_root: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch, folder: str) -> None:
    """RFC 8216 §3.5: MPEG-TS beside segmented WebVTT whose segments map their cue clock to the media's — ffmpeg's
    HLS with the cues put on a packager's own clock (58 s ahead), and Shaka Packager's own map (MPEGTS:9000 for TS
    timestamps it starts at 0.1 s): the cues handed to libmpv are at the times they were written for (0.5 s and
    3.0 s of the picture; the first read 58.5 s before), and libmpv shows the first cue there while playing."""
    shutil.copytree(corpus_root / folder, tmp_path / "mapped")
    if folder == "hls-tracks":
        _on_a_clock_of_its_own(tmp_path / "mapped")
    with serve_corpus(tmp_path) as base:
        report, handed, shown = _play_showing(f"{base}/mapped/master.m3u8", monkeypatch)
    _complete(report, corpus.kinds()[folder])
    starts = [float(s) for s in re.findall(r"^00:00:(\d{2}\.\d{3}) -->", handed[0], re.MULTILINE)]
    assert starts == [pytest.approx(0.5, abs=0.03), pytest.approx(3.0, abs=0.03)], handed[0]
    hello = [at for at, text in shown if text == "Hello from the first cue"]
    assert hello and min(hello) >= 0.45 and max(hello) <= 2.55, hello  # shown at its time (one frame's slack), only then


def test_each_discontinuitys_timestamp_map_places_its_cues_on_that_parts_clock(corpus_url: str,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """RFC 8216 §3.5 / §4.3.2.3: two TS runs on clocks of their own (10 s and 1000 s) joined by a discontinuity, each
    run's WebVTT mapped to its own clock: the second part's cue lands 0.5 s into that part (4.5 s), where libmpv
    shows it — read against the first part's clock it was placed 990 s on, past the end, and never shown."""
    report, handed, shown = _play_showing(f"{corpus_url}/hls-ts-webvtt-disc/master.m3u8", monkeypatch)
    _complete(report, corpus.kinds()["hls-ts-webvtt-disc"])
    cues = re.findall(r"^(\d{2}:\d{2}:\d{2}\.\d{3}) --> (\S+)\n(.*)$", handed[0], re.MULTILINE)
    assert [(cue_time(a), cue_time(b), text) for a, b, text in cues] == [
        (pytest.approx(at, abs=0.03), pytest.approx(at + 1.0, abs=0.03), text) for _, _, text, at in DISC_CUES], handed[0]
    for _, _, text, at in DISC_CUES:
        times = [t for t, seen in shown if seen == text]
        assert times and min(times) >= at - 0.05 and max(times) <= at + 1.05, (text, times)


def test_x_timestamp_map_beside_fmp4_on_a_clock_of_its_own_is_read_against_that_clock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """fMP4 whose media clock starts at 10 s (a VOD cut from live) beside WebVTT mapped to it (MPEGTS:900000 at cue time
    0): the feed shows the picture's 10 s as 0, so the cues must come at 0.5 and 3.0 s, where libmpv shows the first;
    taking 0 as every fMP4 timeline's origin put them 10 s on, past the 6 s title, and they were never shown."""
    hls_fmp4_webvtt_offset(tmp_path)
    with serve_corpus(tmp_path) as base:
        report, handed, shown = _play_showing(f"{base}/master.m3u8", monkeypatch)
    assert report["complete"] is True, report["errors"]
    starts = [cue_time(s) for s in re.findall(r"^(\d{2}:\d{2}:\d{2}\.\d{3}) -->", handed[0], re.MULTILINE)]
    assert starts == [pytest.approx(0.5, abs=0.03), pytest.approx(3.0, abs=0.03)], handed[0]
    hello = [at for at, text in shown if text == "Hello from the first cue"]
    assert hello and min(hello) >= 0.45 and max(hello) <= 2.55, hello


@pytest.fixture(scope="module")
def period_subtitles(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``dash_period_subtitles`` on a loopback server (built once for the three formats)."""
    root = tmp_path_factory.mktemp("period-subtitles")
    (root / "dps").mkdir()
    dash_period_subtitles(root / "dps")
    with serve_corpus(root) as base:
        yield f"{base}/dps/manifest.mpd"


@pytest.mark.parametrize(("language", "codec"), [("en", "webvtt"), ("fr", "ttml"), ("es", "wvtt")])
def test_subtitles_of_every_period_are_shown_on_the_titles_timeline(period_subtitles: str, monkeypatch: pytest.MonkeyPatch,
                                                                    language: str, codec: str) -> None:
    """Two Periods packaged apart (Shaka Packager), each with subtitles whose cue times count from its own start, in
    WebVTT segments, TTML in fMP4 and WebVTT in fMP4: each Period's cue is handed to libmpv at its time on the title
    (0.5 s; 4 + 1.0 s) and shown there. Before, the joined title had no subtitle track at all: ``--subtitles en``
    ended 'no such subtitle track; this title has none', exit 2."""
    report, handed, shown = _play_showing(period_subtitles, monkeypatch, language)
    assert report["complete"] is True, report["errors"]
    assert [t["codec"] for t in report["tracks"] if t["kind"] == "text"] == [codec]
    cues = re.findall(r"^(\d{2}:\d{2}:\d{2}\.\d{3}) --> (\S+).*\n(.*)$", handed[0], re.MULTILINE)
    assert [(cue_time(a), cue_time(b), text) for a, b, text in cues] == [
        (pytest.approx(at, abs=0.03), pytest.approx(at + 1.0, abs=0.03), f"{language}: {text}")
        for _, _, text, at in PERIOD_CUES], handed[0]
    for _, _, text, at in PERIOD_CUES:
        times = [t for t, seen in shown if seen == f"{language}: {text}"]
        assert times and min(times) >= at - 0.05 and max(times) <= at + 1.05, (text, times)


_MUXED_MASTER = """#EXTM3U
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="Deutsch",LANGUAGE="de",DEFAULT=NO,AUTOSELECT=YES,URI="de/index.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=500000,CODECS="avc1.640014,mp4a.40.2",RESOLUTION=320x180,AUDIO="aud"
main/index.m3u8
"""


def test_the_audio_a_variant_carries_plays_by_default_and_by_name(tmp_path: Path) -> None:
    """RFC 8216 §4.4.6.1: an EXT-X-MEDIA without URI is carried in the variant (English in its TS), beside German in a
    playlist of its own. Nothing asked, or ``--audio en``: no German segment is fetched and the variant's English is fed
    whole; ``--audio de``: the German is. Before, German played unasked and ``--audio en`` was TrackNotFound, where
    plain libmpv plays the English."""
    from corpus_encode import AAC, HLS, X264, ffmpeg, inputs, run

    title = tmp_path / "muxed"
    for folder in ("main", "de"):
        (title / folder).mkdir(parents=True)
    run(inputs(size="320x180", seconds=4) + ["-map", "0:v", "-map", "1:a", *X264, *AAC, *HLS,
                                             "-hls_segment_filename", "main/s%d.ts", "main/index.m3u8"], title)
    run([ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         "sine=frequency=660:sample_rate=48000:duration=4", *AAC, *HLS, "-hls_segment_filename", "de/s%d.ts",
         "de/index.m3u8"], title)
    (title / "master.m3u8").write_text(_MUXED_MASTER)
    listed = [f"muxed/de/{line}" for line in (title / "de" / "index.m3u8").read_text().splitlines() if line.endswith(".ts")]
    for asked, language in ((None, "en"), ("en", "en"), ("de", "de")):
        seen: list[tuple[str, str, dict[str, str]]] = []
        with serve_corpus(tmp_path, seen) as base:
            report, _ = asyncio.run(_play(f"{base}/muxed/master.m3u8",
                                          SessionOptions(audio_language=asked, mpv_options={"speed": 4})))
        assert report["complete"] is True and report["decoder_errors"] == 0, (asked, report["errors"])
        audio = [t for t in report["tracks"] if t["kind"] == "audio"]
        assert [t["language"] for t in audio] == [language] and audio[0]["fed_until_s"] >= 3.9, (asked, audio)
        german = [name for name, _, _ in seen if "/de/" in name and name.endswith(".ts")]
        assert german == (listed if language == "de" else []), (asked, german)


def test_a_period_without_the_language_chosen_says_which_played_there(corpus_root: Path, tmp_path: Path) -> None:
    """Two Periods, German audio in the first and only English in the second (an ad dubbed in one language): the play
    goes on in English there, whole, and the report's notice says so — its ``tracks`` name the German chosen, which
    read as German throughout before. A play that stops before the second Period has no such notice."""
    shutil.copytree(corpus_root / "dash-multi-period", tmp_path / "dub")
    mpd = tmp_path / "dub" / "manifest.mpd"
    languages = iter(("de", "en"))

    def tag(match: re.Match[str]) -> str:
        return re.sub(r'\s+lang="[^"]*"', "", match.group(0))[:-1] + f' lang="{next(languages)}">'

    mpd.write_text(re.sub(r'<AdaptationSet[^>]*contentType="audio"[^>]*>', tag, mpd.read_text()))
    assert next(languages, None) is None  # both Periods' audio was tagged
    with serve_corpus(tmp_path) as base:
        whole, _ = asyncio.run(_play(f"{base}/dub/manifest.mpd", SessionOptions(mpv_options={"speed": 4})))
        short, _ = asyncio.run(_play(f"{base}/dub/manifest.mpd", SessionOptions(until_s=3.0, mpv_options={"speed": 4})))
    assert whole["complete"] is True, whole["errors"]
    assert [t["language"] for t in whole["tracks"] if t["kind"] == "audio"] == ["de"]
    stand_ins = [n["message"] for n in whole["notices"] if n["code"] == "AudioLanguageStandIn"]
    assert stand_ins == ["period 'p1' (4.0–8.0 s) has no de audio: en played there"], whole["notices"]
    assert short["complete"] is True and not [n for n in short["notices"] if n["code"] == "AudioLanguageStandIn"]


def test_a_subtitle_segment_no_cdn_delivers_is_named_and_the_title_plays_on(corpus_root: Path, tmp_path: Path) -> None:
    """Shaka's segmented WebVTT with its second text segment gone from the CDN: picture and sound play to the end, the
    other segments' cues are shown, and the play is not whole — the segment is named (exit 1, ``SubtitlesMissing``).
    Before, the play failed at its start with the fetch's error and played nothing; live already played on."""
    kind = corpus.kinds()["hls-ts-webvtt"]
    shutil.copytree(corpus_root / "hls-ts-webvtt", tmp_path / "lost")
    (tmp_path / "lost" / "t" / "2.vtt").unlink()
    with serve_corpus(tmp_path) as base:
        url = f"{base}/lost/master.m3u8"
        session = PlaybackSession(target=url, manifest_urls=[url],
                                  options=SessionOptions(subtitle_language="en", mpv_options={"speed": 4}))
        with pytest.raises(IncompletePlay, match=r"^incomplete play: subtitles not shown: subtitle segment 2\.0–4\.0 s: "):
            asyncio.run(session.run())
    report = session.report()
    assert report["played_s"] >= kind.duration_s - corpus.SEGMENT_S / 2 and report["decoder_errors"] == 0
    assert [n["code"] for n in report["notices"] if n["code"].startswith("Subtitles")] == ["SubtitlesMissing"]
    assert [t["language"] for t in report["tracks"] if t["kind"] == "text"] == ["en"]
