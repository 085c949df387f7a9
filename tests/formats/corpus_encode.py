"""What every corpus kind is made with: ffmpeg's test sources, its encoder and muxer settings, Shaka Packager.

Each kind is small (6 s, 2 s segments, 320x180/640x360, x264 ``ultrafast``), reproducible on this machine,
and its ground truth is known (duration, tracks, keys).
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg

SECONDS = 6
SEGMENT_S = 2
KEY = bytes.fromhex("00112233445566778899aabbccddeeff")  # AES-128 key and CENC content key
KID = bytes.fromhex("0123456789abcdef0123456789abcdef")
AES_IV = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
SHAKA = Path(__file__).resolve().parents[2] / ".tools/node_modules/shaka-packager/bin/packager-linux-x64"
X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0"]
X265 = ["-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1", "-x265-params", "keyint=50:min-keyint=50:log-level=error"]
_LADDER = "[0:v]split=2[a][b];[a]scale=320:180,setsar=1[lo];[b]setsar=1[hi]"
AAC = ["-c:a", "aac", "-b:a", "64k"]
DASH = ["-f", "dash", "-seg_duration", str(SEGMENT_S), "-use_template", "1", "-use_timeline", "0",
         "-init_seg_name", "init-$RepresentationID$.$ext$", "-media_seg_name", "seg-$RepresentationID$-$Number$.$ext$"]
HLS = ["-f", "hls", "-hls_time", str(SEGMENT_S), "-hls_playlist_type", "vod"]


def ffmpeg() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def shaka() -> Path:
    return SHAKA  # `make tools` installs it beside the checkout (`make test` depends on it)


def run(cmd: list[str], cwd: Path) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=180)
    if proc.returncode != 0:
        raise RuntimeError(f"{Path(cmd[0]).name} failed in {cwd.name}: {proc.stderr[-1500:]}")


def inputs(*, size: str = "640x360", seconds: int = SECONDS, pattern: str = "testsrc2", audio_hz: int = 48000) -> list[str]:
    return [ffmpeg(), "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"{pattern}=size={size}:rate=25:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate={audio_hz}:duration={seconds}"]


def ladder(video: list[str]) -> list[str]:
    return ["-filter_complex", _LADDER, "-map", "[lo]", "-map", "[hi]", *video, "-b:v:0", "300k", "-b:v:1", "800k"]


def small(video: list[str]) -> list[str]:
    return ["-map", "0:v", "-vf", "scale=320:180,setsar=1", *video, "-b:v", "300k"]
