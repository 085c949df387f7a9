"""Test media for the feed: tiny CMAF ladders made with ffmpeg 9 and packaged by ffmpeg and by Shaka Packager.

Every package has two video renditions without in-band parameter sets (320x180 "lo", 640x360
"hi"), audio in separate renditions (48 kHz and 44.1 kHz), 2 s segments; protected variants use
CENC ``cenc-aes-ctr`` with KEY/KID below. Segment lists are read from the MPD with a few lines of
ElementTree (the project's manifest parser is another package's job).
"""
from __future__ import annotations

import math
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
import pytest
from feedkit import KEY, KID

DURATION_S = 12
SHAKA = Path(__file__).resolve().parents[2] / ".tools/node_modules/shaka-packager/bin/packager-linux-x64"
_NS = {"d": "urn:mpeg:dash:schema:mpd:2011"}
_FILTER = "[0:v]split=2[a][b];[a]scale=320:180,setsar=1[lo];[b]setsar=1[hi]"
_X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0"]


@dataclass(frozen=True, kw_only=True)
class Rendition:
    """One representation: its init segment and media segments, in order."""

    id: str
    kind: str  # "video" | "audio"
    width: int | None
    height: int | None
    init: bytes
    segments: tuple[bytes, ...]
    starts_s: tuple[float, ...]  # start time of each segment


@dataclass(frozen=True, kw_only=True)
class Package:
    """A packaged title: renditions by kind, ordered by bandwidth (video: lo, hi; audio: 48k, 44.1k)."""

    name: str
    video: tuple[Rendition, ...]
    audio: tuple[Rendition, ...]
    protected: bool


def _run(cmd: list[str], cwd: Path) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {proc.stderr[-2000:]}")


def _sources(ffmpeg: str) -> list[str]:
    return [
        ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=25:duration={DURATION_S}",
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={DURATION_S}",
        "-filter_complex", _FILTER,
    ]  # fmt: skip


def read_mpd(folder: Path, name: str, *, protected: bool) -> Package:
    """Representations of a static MPD with SegmentTemplate ($Number$, optional SegmentTimeline)."""
    root = ET.parse(folder / "manifest.mpd").getroot()
    total = _iso_duration(root.get("mediaPresentationDuration", "PT0S"))
    video: list[Rendition] = []
    audio: list[Rendition] = []
    for aset in root.iterfind(".//d:AdaptationSet", _NS):
        for rep in aset.iterfind("d:Representation", _NS):
            tpl = rep.find("d:SegmentTemplate", _NS)
            if tpl is None:
                tpl = aset.find("d:SegmentTemplate", _NS)
            assert tpl is not None
            rid = rep.get("id", "")
            timescale = int(tpl.get("timescale", "1"))
            number = int(tpl.get("startNumber", "1"))
            starts: list[float] = []
            timeline = tpl.find("d:SegmentTimeline", _NS)
            if timeline is not None:
                t = 0
                for s in timeline.iterfind("d:S", _NS):
                    t = int(s.get("t", t))
                    for _ in range(int(s.get("r", "0")) + 1):
                        starts.append(t / timescale)
                        t += int(s.get("d", "0"))
            else:
                seg = int(tpl.get("duration", "1")) / timescale
                starts = [i * seg for i in range(math.ceil(total / seg - 1e-6))]

            def path(template: str, n: int | None = None, rid: str = rid) -> Path:
                out = template.replace("$RepresentationID$", rid)
                return folder / (out.replace("$Number$", str(n)) if n is not None else out)

            kind = (aset.get("contentType") or rep.get("mimeType") or aset.get("mimeType") or "").split("/")[0]
            rendition = Rendition(
                id=rid,
                kind=kind,
                width=int(rep.get("width")) if rep.get("width") else None,
                height=int(rep.get("height")) if rep.get("height") else None,
                init=path(tpl.get("initialization", "")).read_bytes(),
                segments=tuple(path(tpl.get("media", ""), number + i).read_bytes() for i in range(len(starts))),
                starts_s=tuple(starts),
            )
            (video if kind == "video" else audio).append(rendition)
    video.sort(key=lambda r: r.height or 0)
    return Package(name=name, video=tuple(video), audio=tuple(audio), protected=protected)


def _iso_duration(text: str) -> float:
    import re

    m = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?", text)
    assert m, text
    h, mnt, s = m.groups()
    return int(h or 0) * 3600 + int(mnt or 0) * 60 + float(s or 0)


def _ffmpeg_dash(out: Path, *, protected: bool) -> Package:
    out.mkdir(parents=True)
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    cmd = _sources(ffmpeg) + [
        "-map", "[lo]", "-map", "[hi]", "-map", "1:a", "-map", "1:a", *_X264,
        "-b:v:0", "300k", "-b:v:1", "800k", "-c:a", "aac", "-b:a", "64k", "-ar:a:1", "44100",
        "-f", "dash", "-seg_duration", "2", "-use_template", "1", "-use_timeline", "0",
        "-adaptation_sets", "id=0,streams=v id=1,streams=a",
        "-init_seg_name", "init-$RepresentationID$.m4s", "-media_seg_name", "seg-$RepresentationID$-$Number$.m4s",
    ]  # fmt: skip
    if protected:
        cmd += ["-format_options", f"encryption_scheme=cenc-aes-ctr:encryption_key={KEY.hex()}:encryption_kid={KID.hex()}"]
    _run(cmd + ["manifest.mpd"], out)
    return read_mpd(out, "ffmpeg-cenc" if protected else "ffmpeg", protected=protected)


def _shaka(out: Path, sources: Path, *, protected: bool, clear_lead: int = 0) -> Package:
    out.mkdir(parents=True)
    streams = [
        f"in={sources}/lo.mp4,stream=video,init_segment=lo/init.mp4,segment_template=lo/$Number$.m4s",
        f"in={sources}/hi.mp4,stream=video,init_segment=hi/init.mp4,segment_template=hi/$Number$.m4s",
        f"in={sources}/audio.mp4,stream=audio,init_segment=a/init.mp4,segment_template=a/$Number$.m4s",
    ]
    cmd = [str(SHAKA), "--quiet", *streams, "--segment_duration", "2", "--generate_static_live_mpd", "--mpd_output", "manifest.mpd"]
    if protected:
        cmd += [
            "--enable_raw_key_encryption", "--keys", f"label=:key_id={KID.hex()}:key={KEY.hex()}",
            "--protection_scheme", "cenc", "--protection_systems", "CommonSystem", "--clear_lead", str(clear_lead),
        ]  # fmt: skip
    _run(cmd, out)
    return read_mpd(out, out.name, protected=protected)


@pytest.fixture(scope="session")
def media_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("feed-media")


@pytest.fixture(scope="session")
def ffmpeg_package(media_root: Path) -> Package:
    """Clear DASH from ffmpeg's dash muxer (x264 without repeat-headers: SPS/PPS only in avcC)."""
    return _ffmpeg_dash(media_root / "ffmpeg", protected=False)


@pytest.fixture(scope="session")
def big_keyframe_package(media_root: Path) -> Package:
    """360p with ~250 kB keyframes (grain, P-frames 8x cheaper): a keyframe alone is more than mpv's 64 KiB
    stream back buffer. One video and one audio rendition, 6 s."""
    out = media_root / "big-keyframes"
    out.mkdir(parents=True)
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    _run([
        ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=6",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=6",
        "-map", "0:v", "-map", "1:a", "-vf", "noise=alls=30", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "30",
        "-x264-params", "ipratio=8", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0", "-c:a", "aac", "-b:a", "64k",
        "-f", "dash", "-seg_duration", "2", "-use_template", "1", "-use_timeline", "0",
        "-adaptation_sets", "id=0,streams=v id=1,streams=a",
        "-init_seg_name", "init-$RepresentationID$.m4s", "-media_seg_name", "seg-$RepresentationID$-$Number$.m4s",
        "manifest.mpd",
    ], out)  # fmt: skip
    return read_mpd(out, "big-keyframes", protected=False)


@pytest.fixture(scope="session")
def ffmpeg_cenc_package(media_root: Path) -> Package:
    """The same ladder, CENC-encrypted by ffmpeg 9's dash muxer."""
    return _ffmpeg_dash(media_root / "ffmpeg-cenc", protected=True)


@pytest.fixture(scope="session")
def shaka_sources(media_root: Path) -> Path:
    """Plain MP4s for Shaka Packager: two video renditions with B-frames (composition offsets) and audio."""
    src = media_root / "src"
    src.mkdir()
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    cmd = _sources(ffmpeg) + [
        "-map", "[lo]", "-an", *_X264, "-bf", "2", "-b:v", "300k", "lo.mp4",
        "-map", "[hi]", "-an", *_X264, "-bf", "2", "-b:v", "800k", "hi.mp4",
        "-map", "1:a", "-c:a", "aac", "-b:a", "64k", "audio.mp4",
    ]  # fmt: skip
    _run(cmd, src)
    return src


@pytest.fixture(scope="session")
def shaka_package(media_root: Path, shaka_sources: Path) -> Package:
    """Clear DASH packaged by Shaka Packager (an independent packager)."""
    return _shaka(media_root / "shaka", shaka_sources, protected=False)


@pytest.fixture(scope="session")
def shaka_cenc_package(media_root: Path, shaka_sources: Path) -> Package:
    """CENC DASH from Shaka Packager (raw key, ClearKey/Common PSSH, no clear lead)."""
    return _shaka(media_root / "shaka-cenc", shaka_sources, protected=True)


@pytest.fixture(scope="session")
def shaka_clear_lead_package(media_root: Path, shaka_sources: Path) -> Package:
    """CENC DASH from Shaka Packager with a 2 s clear lead (its default is 5 s): the first segment is clear."""
    return _shaka(media_root / "shaka-clear-lead", shaka_sources, protected=True, clear_lead=2)


@pytest.fixture(params=["ffmpeg", "shaka"])
def package(request: pytest.FixtureRequest) -> Package:
    """Each clear package in turn: our packager's and an independent one's."""
    return request.getfixturevalue(f"{request.param}_package")


@pytest.fixture(params=["ffmpeg", "shaka"])
def cenc_package(request: pytest.FixtureRequest) -> Package:
    """Each protected package in turn."""
    return request.getfixturevalue(f"{request.param}_cenc_package")
