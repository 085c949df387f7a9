"""Pure parts of the encoder: ladder planning, command builders, ClearKey signalling, the subprocess runner."""
from __future__ import annotations

import base64
import os
import struct
import time
from fractions import Fraction
from pathlib import Path

import imageio_ffmpeg
import pytest

from backend_stub.encode.cenc import ContentKey, clearkey_pssh, hls_key_line, patch_media_playlist
from backend_stub.encode.commands import EncodeSettings, encode_command, package_command
from backend_stub.encode.errors import CancelledError, ProcessError
from backend_stub.encode.ladder import plan_ladder
from backend_stub.encode.runner import live_pids, run
from backend_stub.encode.source import AudioInput, Source

KEY = ContentKey(kid=bytes(range(16)), key=bytes(range(16, 32)))


@pytest.mark.parametrize(
    ("size", "heights"),
    [((1920, 1080), [240, 360, 480, 720, 1080]), ((1280, 720), [240, 360, 480, 720]),
     ((1066, 600), [240, 360, 480, 600]), ((640, 480), [240, 360, 480])],
)
def test_ladder_reaches_source_height_without_upscaling(size, heights):
    """Rungs run from 240p up to exactly the source height, never above it."""
    rungs = plan_ladder(*size)
    assert [r.height for r in rungs] == heights


def test_ladder_widths_are_even_and_keep_aspect():
    """Widths are even and follow the source aspect (16:9 and 4:3), so square pixels need no padding."""
    for w, h in [(1920, 1080), (640, 480), (1000, 562)]:
        for r in plan_ladder(w, h):
            assert r.width % 2 == 0
            assert abs(r.width / r.height - w / h) < 0.02
    assert [(r.width, r.height) for r in plan_ladder(640, 480)] == [(320, 240), (480, 360), (640, 480)]
    caps = [r.max_kbps for r in plan_ladder(1920, 1080)]
    assert caps == sorted(caps) and len(set(caps)) == 5


def _source(fps: Fraction = Fraction(24)) -> Source:
    return Source(inputs=(("-i", "in.mp4"),), video_map="0:v:0",
                  audio=(AudioInput(lang="en", map="0:a:0"), AudioInput(lang="fr", map="0:a:1")),
                  width=1280, height=720, fps=fps, duration_s=10.0)


def test_encode_command_fixes_gop_and_square_pixels(tmp_path):
    """One ffmpeg splits to every rung with a fixed 2 s GOP, no scene-cut keyframes, setsar=1, AAC per language."""
    rungs = plan_ladder(1280, 720)
    argv = encode_command("ffmpeg", _source(Fraction(30000, 1001)), rungs, tmp_path, EncodeSettings())
    graph = argv[argv.index("-filter_complex") + 1]
    assert graph.startswith("[0:v:0]fps=30,split=4")
    assert all(f"scale={r.width}:{r.height}:flags=bilinear,setsar=1" in graph for r in rungs)
    assert argv.count("libx264") == 4 and argv.count("-sc_threshold") == 4
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "-g"] == ["60"] * 4
    assert argv.count("expr:gte(t,n_forced*2)") == 4
    assert argv.count("aac") == 2 and "language=fr" in argv
    assert str(tmp_path / "v720.mp4") in argv and str(tmp_path / "a_fr.mp4") in argv


def test_package_command_encrypts_only_with_a_key(tmp_path):
    """The packager gets cenc + the ClearKey (CommonSystem) PSSH only for protected titles; layout is shared."""
    rungs = plan_ladder(1280, 720)
    clear = package_command("packager", tmp_path, rungs, ["en"], ["en"], key=None)
    locked = package_command("packager", tmp_path, rungs, ["en"], [], key=KEY)
    assert "--enable_raw_key_encryption" not in clear
    assert locked[locked.index("--protection_scheme") + 1] == "cenc"
    assert locked[locked.index("--protection_systems") + 1] == "CommonSystem"
    assert locked[locked.index("--clear_lead") + 1] == "0"
    assert any("segment_template=v240/$Number$.m4s" in a for a in clear)
    assert any("stream=text" in a and "t_en/$Number$.vtt" in a for a in clear)
    assert "--generate_static_live_mpd" in clear and clear[clear.index("--segment_duration") + 1] == "2"


def test_clearkey_pssh_layout():
    """The PSSH is a v1 full box with the ClearKey SystemID and one KID (ISO/IEC 23001-7 §8.1)."""
    box = clearkey_pssh(KEY.kid)
    size, typ, version = struct.unpack(">I4sB", box[:9])
    assert (size, typ, version) == (len(box), b"pssh", 1)
    assert box[12:28].hex() == "1077efecc0b24d02ace33c1e52e2fb4b"
    assert struct.unpack(">I", box[28:32])[0] == 1 and box[32:48] == KEY.kid
    assert box[48:] == b"\0\0\0\0"


def test_hls_key_line_replaces_shaka_identity_line():
    """The identity key line Shaka writes is swapped for the contract's SAMPLE-AES-CTR ClearKey line."""
    text = '#EXTM3U\n#EXT-X-MAP:URI="v240/init.mp4"\n#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,URI="data:x",KEYFORMAT="identity"\n#EXTINF:2.000,\nv240/1.m4s\n'
    out = patch_media_playlist(text, KEY.kid)
    assert "identity" not in out and out.count("#EXT-X-KEY") == 1
    line = hls_key_line(KEY.kid)
    assert line in out and f"KEYID=0x{KEY.kid.hex()}" in line
    assert base64.b64encode(clearkey_pssh(KEY.kid)).decode() in line
    assert KEY.key.hex() not in out and "redacted" in repr(KEY)


def test_runner_kills_the_process_group_on_cancel(tmp_path):
    """A cancelled run raises CancelledError quickly and leaves no process behind."""
    argv = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-re", "-f", "lavfi", "-i", "testsrc2=size=64x64:rate=10",
            "-f", "null", "-"]
    started = time.monotonic
    t0 = started()
    seen: list[int] = []

    def cancel() -> bool:
        seen.extend(live_pids())
        return started() - t0 > 0.5

    with pytest.raises(CancelledError):
        run(argv, cwd=tmp_path, stderr_path=tmp_path / "err.log", cancel=cancel)
    assert seen and live_pids() == []
    with pytest.raises(ProcessLookupError):
        os.kill(seen[0], 0)


def test_runner_reports_failures_with_stderr_tail(tmp_path):
    """A failing tool raises ProcessError whose reason quotes the tool's own complaint."""
    argv = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(tmp_path / "nope.mp4"), "-f", "null", "-"]
    with pytest.raises(ProcessError) as err:
        run(argv, cwd=tmp_path, stderr_path=tmp_path / "err.log")
    assert "nope.mp4" in err.value.reason and "status" in err.value.reason


def _gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")  # a zombie is dead, just not reaped yet


def test_encoder_child_dies_when_its_parent_is_killed(tmp_path):
    """SIGKILL of the backend process takes its ffmpeg with it (PR_SET_PDEATHSIG): no orphans."""
    import subprocess
    import sys

    script = f"""
import sys, threading, time
from pathlib import Path
from backend_stub.encode.runner import run, live_pids
def report():
    while not live_pids():
        time.sleep(0.01)
    print(live_pids()[0], flush=True)
threading.Thread(target=report, daemon=True).start()
run([{imageio_ffmpeg.get_ffmpeg_exe()!r}, "-re", "-f", "lavfi", "-i", "testsrc2=size=64x64:rate=10", "-f", "null", "-"],
    cwd=Path({str(tmp_path)!r}), stderr_path=Path({str(tmp_path / 'e.log')!r}))
"""
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parents[2])
    try:
        ffmpeg_pid = int(parent.stdout.readline())
        assert not _gone(ffmpeg_pid)
        parent.kill()
        parent.wait(10)
        deadline = time.monotonic() + 10
        while not _gone(ffmpeg_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _gone(ffmpeg_pid)
    finally:
        parent.kill()


def test_demo_catalog_build_can_be_cancelled_and_resumes(tmp_path):
    """A shutdown during the catalog build kills the encode, publishes nothing half-done, and a rebuild finishes."""
    from backend_stub.encode import CancelledError as EncodeCancelled
    from backend_stub.encode.catalog import DemoTitle, build_demo_catalog
    from backend_stub.encode.models import TitleMeta

    tiny = (
        DemoTitle(meta=TitleMeta(id="tiny-a", name="Tiny A"), graph="testsrc2=size=256x144:rate=24",
                  width=256, height=144, seconds=4),
        DemoTitle(meta=TitleMeta(id="tiny-b", name="Tiny B"), graph="testsrc2=size=256x144:rate=24",
                  width=256, height=144, seconds=4, protected=True),
    )
    messages: list[str] = []
    with pytest.raises(EncodeCancelled):
        build_demo_catalog(tmp_path, lambda f, m: messages.append(m), titles=tiny,
                           cancel=lambda: any("Tiny B" in m for m in messages))
    assert (tmp_path / "content" / "tiny-a" / "master.m3u8").is_file()
    assert not (tmp_path / "content" / "tiny-b").exists()
    assert [i.id for i in build_demo_catalog(tmp_path, titles=tiny)] == ["tiny-b"]
    assert build_demo_catalog(tmp_path, titles=tiny) == []
