"""A live channel: a supervised real-time ffmpeg, our packager, and the manifests it keeps current.

A supervisor thread starts ffmpeg (its own process group, killed with us: the encoder runner's child
setup), reads one fragmented-MP4 pipe per rendition in a thread each, and restarts ffmpeg when it dies
(after ``restart_delay_s``, on the next segment boundary of the channel's timeline, so segment numbers
and program date-times stay true). After every part it rewrites that rendition's media playlist and
then marks the part as published, which is what the edges' blocking reload waits for.
"""
from __future__ import annotations

import logging
import math
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from backend_stub.encode.cenc import ContentKey, hls_key_line, new_content_key
from backend_stub.encode.runner import _child_setup, _kill_group

from .boxes import BoxError, parse_fragment, parse_init, read_boxes
from .encoder import live_command
from .hls import master_playlist, media_playlist
from .mpd import live_mpd, timeline_template
from .settings import LiveSettings
from .track import COMPLETE, TrackWriter, write_atomic

logger = logging.getLogger("backend_stub.live")

MANIFESTS = {"hls": "master.m3u8", "dash": "manifest.mpd", "dash_ll": "manifest-ll.mpd"}


def default_ffmpeg() -> str:
    import imageio_ffmpeg  # type: ignore[import-untyped]

    return str(imageio_ffmpeg.get_ffmpeg_exe())


class LiveChannel:
    """One channel writing under ``content_root/<title_id>``; ``start``/``stop`` from any thread."""

    def __init__(self, content_root: Path, settings: LiveSettings | None = None, *, ffmpeg: str | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings or LiveSettings()
        self.folder = Path(content_root) / self.settings.title_id
        self._ffmpeg = ffmpeg
        self._clock = clock
        self.epoch = 0
        self.restarts = 0
        self.tracks: dict[str, TrackWriter] = {}
        self.key: ContentKey | None = None  # a protected channel's CENC key (new each start; never logged)
        self._proc: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._manifests_written = threading.Event()
        self._write_lock = threading.RLock()
        self._codecs: dict[str, str] = {}

    # ------------------------------------------------------------------ life cycle
    def start(self) -> LiveChannel:
        """Clear any previous run's files and start encoding at the next whole second."""
        if self.folder.exists():
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True)
        s = self.settings
        self.tracks = {r.name: TrackWriter(self.folder, r.name, s, video=True) for r in s.rungs}
        self.tracks[s.audio_name] = TrackWriter(self.folder, s.audio_name, s, video=False)
        self.epoch = math.ceil(self._clock())
        self.key = new_content_key() if s.protected else None
        self._thread = threading.Thread(target=self._supervise, name=f"live-{s.title_id}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the encoder and the supervisor (idempotent); the files stay until the next start."""
        self._stop.set()
        proc = self._proc
        if proc is not None:
            _kill_group(proc)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        self._thread = None

    def kill_encoder(self) -> None:
        """Kill the running ffmpeg as a crash would (tests and the admin API); the supervisor restarts it."""
        proc = self._proc
        if proc is not None:
            _kill_group(proc)

    @property
    def encoder_pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def wait_ready(self, timeout: float, segments: int = 1) -> bool:
        """Wait until the manifests exist and every rendition has ``segments`` complete segments."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self._stop.is_set():
            if self._manifests_written.is_set() and all(
                sum(seg.complete for seg in t.window()) >= segments for t in self.tracks.values()
            ):
                return True
            time.sleep(0.05)
        return False

    # ------------------------------------------------------------------ supervisor
    def _supervise(self) -> None:
        while not self._stop.is_set():
            offset = self._next_offset()
            if self._stop.wait(max(0.0, self.epoch + offset - self._clock())):
                return
            try:
                code = self._run_encoder(offset)
            except OSError as exc:
                logger.error("live %s: cannot start ffmpeg: %s", self.settings.title_id, exc)
                code = -1
            if self._stop.is_set():
                return
            self.restarts += 1
            logger.warning("live %s: ffmpeg exited (%s); restart %d", self.settings.title_id, code, self.restarts)
            self._stop.wait(self.settings.restart_delay_s)

    def _next_offset(self) -> int:
        """Media time of the next start: a whole second on a segment boundary, not in the past."""
        step = self.settings.segment_s
        while abs(step - round(step)) > 1e-9:
            step += self.settings.segment_s
        elapsed = max(0.0, self._clock() - self.epoch)
        return round(math.ceil(elapsed / step - 1e-9) * step)

    def _run_encoder(self, offset: int) -> int:
        s = self.settings
        stems = [r.name for r in s.rungs] + [s.audio_name]
        pipes = [os.pipe() for _ in stems]
        writers = [w for _, w in pipes]
        try:
            argv = live_command(self._ffmpeg or default_ffmpeg(), s, epoch=self.epoch, offset_s=offset,
                                video_fds=writers[:-1], audio_fd=writers[-1], key=self.key)
            log = open(self.folder / "encoder.log", "ab")
            try:
                self._proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                                              pass_fds=writers, start_new_session=True, preexec_fn=_child_setup)
            finally:
                log.close()
        finally:
            for w in writers:
                os.close(w)
        readers = [threading.Thread(target=self._read, args=(r, stem, offset), name=f"live-read-{stem}", daemon=True)
                   for (r, _), stem in zip(pipes, stems, strict=True)]
        for t in readers:
            t.start()
        try:
            while self._proc.poll() is None and not self._stop.is_set():
                self._stop.wait(0.2)
        finally:
            _kill_group(self._proc)
            for t in readers:
                t.join(timeout=5)
        return self._proc.returncode

    def _read(self, fd: int, stem: str, offset: int) -> None:
        """Feed one rendition's pipe to its writer until ffmpeg closes it (``offset``: media seconds at its start)."""
        track = self.tracks[stem]
        pending: bytes | None = None
        with os.fdopen(fd, "rb", buffering=0) as stream:
            try:
                for kind, data in read_boxes(stream):
                    if kind == b"ftyp":
                        pending = data
                    elif kind == b"moov" and pending is not None:
                        track.on_init(parse_init(pending + data))
                        self._maybe_write_manifests()
                    elif kind == b"moof":
                        pending = data
                    elif kind == b"mdat" and pending is not None and track.init is not None:
                        track.on_fragment(parse_fragment(pending, data, track.init, offset * track.init.timescale))
                        self._publish(track)
            except (BoxError, OSError) as exc:
                logger.warning("live %s/%s: %s", self.settings.title_id, stem, exc)
        track.finish()
        self._publish(track)

    # ------------------------------------------------------------------ manifests
    @property
    def _kid(self) -> bytes | None:
        return self.key.kid if self.key else None

    def _publish(self, track: TrackWriter) -> None:
        text = media_playlist(track.stem, track.window(), self.settings, epoch=self.epoch,
                              discontinuity_sequence=track.discontinuity_sequence,
                              key_line=hls_key_line(self.key.kid) if self.key else None)
        write_atomic(self.folder / f"{track.stem}.m3u8", text.encode())
        track.published = track.position
        if track.position[1] in (0, COMPLETE) and self._manifests_written.is_set():
            self._write_timeline_mpd()

    def _maybe_write_manifests(self) -> None:
        with self._write_lock:
            if self._manifests_written.is_set() or any(t.init is None for t in self.tracks.values()):
                return
            codecs = {stem: t.init.codec for stem, t in self.tracks.items() if t.init is not None}
            self._codecs = codecs
            write_atomic(self.folder / MANIFESTS["hls"], master_playlist(self.settings, codecs).encode())
            text = live_mpd(self.settings, codecs, epoch=self.epoch, published=self._clock(), kid=self._kid)
            write_atomic(self.folder / MANIFESTS["dash_ll"], text.encode())
            self._write_timeline_mpd()
            self._manifests_written.set()

    def _write_timeline_mpd(self) -> None:
        """The standard MPD, whose timeline follows the first rung (all rungs cut alike) and the audio."""
        with self._write_lock:
            video = self.tracks[self.settings.rungs[0].name]
            audio = self.tracks[self.settings.audio_name]
            if video.init is None or audio.init is None:
                return
            templates = (timeline_template(video.window(), video.init.timescale),
                         timeline_template(audio.window(), audio.init.timescale))
            text = live_mpd(self.settings, self._codecs, epoch=self.epoch, published=self._clock(), templates=templates,
                            kid=self._kid)
            write_atomic(self.folder / MANIFESTS["dash"], text.encode())
