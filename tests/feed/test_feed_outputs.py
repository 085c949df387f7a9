"""Output fallbacks on real libmpv: no sound device → ``ao=null`` with a notice (never a failed play);
``vo=gpu`` without a GPU → ``x11``; no video output at all → a named error carrying libmpv's reasons.

This box has no sound device and no GPU (PLATFORM.md), which is what these tests need; the windowed
cases run in a child process under ``xvfb-run -a`` (its own X server, ended with the child).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from feedkit import remux_plan

from player.feed.errors import PlaybackError, VideoOutputError, playback_failure
from player.feed.events import EndOfFile, LogProblem, OutputNotice, PositionChanged
from player.feed.mpv_options import ao_choice, vo_chain
from player.feed.mpv_output import MpvOutput

CHILD = Path(__file__).with_name("output_child.py")


def test_the_output_chains() -> None:
    """``gpu`` falls back to ``x11``; "auto" audio lets libmpv probe (it has no driver named "auto")."""
    assert vo_chain("gpu") == "gpu,x11" and vo_chain("x11") == "x11" and vo_chain("null") == "null"
    assert vo_chain("gpu-next") == "gpu-next,gpu,x11" and vo_chain("gpu,x11") == "gpu,x11"
    assert ao_choice("auto") == "" and ao_choice("pulse") == "pulse" and ao_choice("null") == "null"
    assert isinstance(playback_failure("x", video_output=True), VideoOutputError)
    assert type(playback_failure("x", video_output=False)) is PlaybackError


def test_no_sound_device_plays_to_the_end_silently_with_a_notice(ffmpeg_package) -> None:
    """Default audio output on a box without a sound device: a notice naming the drivers' reasons, ``ao=null``,
    an end that is "eof" — and libmpv never drops the audio track (re-selecting it after the stream's end
    hung windowed plays, issue 19)."""
    events: list[object] = []
    playing_ao: list[object] = []  # libmpv's current-ao once playback runs (it is unset again after the end)
    with MpvOutput(ao="auto", options={"speed": 4}) as output:
        output.start(0.0)
        output.push(remux_plan(ffmpeg_package, [0, 1, 0]))
        output.end_of_stream()

        def watch(event: object) -> bool:
            events.append(event)
            if isinstance(event, PositionChanged) and event.position_s > 1.0 and not playing_ao:
                playing_ao.append(output.property("current-ao"))
            return isinstance(event, EndOfFile)

        end = output.wait_for(watch, 30)
    assert isinstance(end, EndOfFile) and end.reason == "eof" and end.error is None
    notices = [e for e in events if isinstance(e, OutputNotice)]
    if not output.audio_fell_back:  # a box with a sound device: it plays there, nothing to fall back from
        assert notices == [] and playing_ao[0] not in (None, "null")
        return
    assert [n.code for n in notices] == ["no_audio_device"] and playing_ao == ["null"]
    assert "ao/" in notices[0].message  # the drivers' own reasons, e.g. "ao/alsa: Playback open error: ..."
    dropped = [e for e in events if isinstance(e, LogProblem) and "Could not open/initialize audio device" in e.text]
    assert dropped == []


def _child(ts: bytes, tmp_path: Path, vo: str, *, display: bool) -> dict[str, object]:
    if display and shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run is not installed (make system-deps)")
    ts_file = tmp_path / "play.ts"
    ts_file.write_bytes(ts)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path.cwd()), str(CHILD.parent)])}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    command = [sys.executable, str(CHILD), str(ts_file), vo]
    if display:
        command = ["xvfb-run", "-a", "-s", "-screen 0 1280x720x24", *command]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_gpu_without_a_gpu_falls_back_to_x11_and_shows_the_picture(ffmpeg_package, tmp_path: Path) -> None:
    """Under Xvfb (software OpenGL only) ``vo=gpu`` cannot open; the chain opens ``x11`` and every size shows."""
    out = _child(remux_plan(ffmpeg_package, [0, 1]), tmp_path, "gpu", display=True)
    assert out["end"] == {"reason": "eof", "error": None, "vo_failed": False}
    assert out["sizes"] == [[320, 180], [640, 360]]


def test_no_video_output_at_all_is_a_named_failure_with_libmpvs_reasons(ffmpeg_package, tmp_path: Path) -> None:
    """No display: every vo of the chain fails; the end says so with libmpv's own lines, not "something happened"."""
    out = _child(remux_plan(ffmpeg_package, [0]), tmp_path, "gpu", display=False)
    end = out["end"]
    assert isinstance(end, dict) and end["reason"] == "error" and end["vo_failed"] is True
    assert "no video output could open (vo=gpu,x11)" in end["error"]
    assert "X11 display" in end["error"] or "VO window" in end["error"]


def test_a_headless_output_hands_each_frame_over_at_its_display_time() -> None:
    """``vo=null`` draws nothing, so libmpv's 50 ms early hand-over only holds a frame the next file's
    set-up then waits on (a restart 37 → 18 ms, ``benchmarks/restart_phases.py``); a drawing output
    keeps libmpv's default, which gives it time to render."""
    with MpvOutput() as output:
        assert output.property("video-timing-offset") == 0
    with MpvOutput(vo="null,x11") as output:
        assert output.property("video-timing-offset") == pytest.approx(0.05)
