"""The live encoder's ffmpeg command line, pure so its arguments are unit-testable.

One ffmpeg generates a test picture stamped with the wall-clock time (UTC, to the millisecond) and a
frame counter, splits it into the ladder and writes each rendition, plus a sine tone as AAC, as
fragmented MP4 to its own pipe. ``realtime``/``arealtime`` filters pace the sources to the wall clock
(``-re`` lets the first half second out in a burst, which would put frames on the wire before the time
printed on them). The picture's clock is ``epoch + pts``, which is exactly the ``EXT-X-PROGRAM-DATE-TIME``
the packager writes, so latency can be read off a screenshot.
"""
from __future__ import annotations

from backend_stub.encode.cenc import ContentKey

from .settings import LiveSettings

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
MOVFLAGS = ["-f", "mp4", "-movflags", "frag_keyframe+empty_moov+default_base_moof", "-flush_packets", "1"]
AUDIO_FRAME = 1024 / 48000


def _stamp(epoch: int) -> str:
    """drawtext text: ``HH:MM:SS.mmm #frame`` with the time as ``epoch + pts`` in UTC (whole-second epoch)."""
    clock = rf"%{{pts\:gmtime\:{epoch}\:%H\\\:%M\\\:%S}}"
    millis = r"%{eif\:mod(t*1000\,1000)\:d\:3}"
    return f"{clock}.{millis} #%{{frame_num}}"


def live_command(ffmpeg: str, settings: LiveSettings, *, epoch: int, offset_s: int,
                 video_fds: list[int], audio_fd: int, key: ContentKey | None = None) -> list[str]:
    """argv writing rung ``i`` to ``pipe:video_fds[i]`` and audio to ``pipe:audio_fd``.

    ``epoch`` and ``offset_s`` are whole seconds (the stamp's milliseconds come from ``pts`` alone).
    With ``key`` every output is CENC-encrypted ('cenc', AES-CTR) by ffmpeg's MP4 muxer; the argv then
    holds the key and must never be logged.
    ``offset_s`` is where this encoder starts on the channel's timeline (media time = wall clock −
    ``epoch``): the stamp shows ``epoch + offset_s + pts``; the packager shifts ``tfdt`` to match.
    """
    s = settings
    movflags = MOVFLAGS if key is None else [*MOVFLAGS, "-encryption_scheme", "cenc-aes-ctr",
                                             "-encryption_key", key.key_hex, "-encryption_kid", key.kid_hex]
    top = max(s.rungs, key=lambda r: r.height)
    text = _stamp(epoch + offset_s)
    labels = "".join(f"[s{i}]" for i in range(len(s.rungs)))
    graph = [
        f"[0:v]drawtext=fontfile={FONT}:fontsize={max(12, top.height // 12)}:fontcolor=white:box=1:"
        f"boxcolor=black@0.7:x=8:y=8:text='{text}',split={len(s.rungs)}{labels}",
        *(f"[s{i}]scale={r.width}:{r.height},setsar=1,format=yuv420p[o{i}]" for i, r in enumerate(s.rungs)),
    ]
    argv = [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error",
        "-f", "lavfi", "-i", f"testsrc2=size={top.width}x{top.height}:rate={s.fps},realtime",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000,arealtime",
        "-filter_complex", ";".join(graph),
    ]
    for i, (rung, fd) in enumerate(zip(s.rungs, video_fds, strict=True)):
        argv += [
            "-map", f"[o{i}]", "-an", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
            "-b:v", f"{rung.kbps}k", "-maxrate", f"{rung.kbps}k", "-bufsize", f"{rung.kbps}k",
            "-g", str(s.gop), "-keyint_min", str(s.gop), "-sc_threshold", "0",
            *movflags, "-frag_duration", str(round(s.part_s * 1e6)), f"pipe:{fd}",
        ]
    # Audio parts stay just under the part target (whole AAC frames): PART-TARGET is a maximum.
    audio_frag = int(s.part_s / AUDIO_FRAME) * AUDIO_FRAME
    argv += [
        "-map", "1:a", "-vn", "-c:a", "aac", "-b:a", f"{s.audio_kbps}k", "-ac", "1", "-ar", "48000",
        "-metadata:s:a:0", f"language={s.audio_lang}",
        *movflags, "-frag_duration", str(round(audio_frag * 1e6) - 1), f"pipe:{audio_fd}",
    ]
    return argv
