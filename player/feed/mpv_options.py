"""The libmpv options of one output: what is set at creation, what each ``loadfile`` sets, what is in force.

Why these values (PLATFORM.md "Feeding segments to libmpv"): the stream cannot seek, but mpv may seek
inside what it has cached — that is how a start lands on an exact time inside the first segment;
our scheduler counts the buffer, so libmpv's own read-ahead is small; ``rebase-start-time=no`` keeps
``time-pos`` on the presentation timeline; a forced ``mpegts`` format with a tiny probe makes the
first frame come fast (37 ms median against 58 ms with default probing).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: libmpv's defaults for the fast-open options, restored once a file is loaded (a sub-add'ed WebVTT
#: file would otherwise be forced to "mpegts" too)
LAVF_DEFAULTS: dict[str, Any] = {
    "demuxer-lavf-format": "", "demuxer-lavf-probesize": 5_000_000, "demuxer-lavf-analyzeduration": 0,
}


@dataclass(frozen=True)
class MpvSettings:
    """``create``: keywords for ``mpv.MPV``; ``fast_open``: set before each loadfile; ``applied``: in force after creation."""

    create: dict[str, Any]
    fast_open: dict[str, Any]
    applied: dict[str, Any]


#: what to try after a requested video output that cannot open (PLATFORM.md "No GPU": vo=gpu refuses
#: software OpenGL under Xvfb, VMs, remote desktops; x11 works there)
VO_FALLBACKS: dict[str, tuple[str, ...]] = {"gpu": ("x11",), "gpu-next": ("gpu", "x11")}


def vo_chain(vo: str) -> str:
    """libmpv's ``vo`` list (tried in order) for a requested output: ``gpu`` → ``gpu,x11``."""
    names = [n for n in vo.split(",") if n]
    for name in list(names):
        names += [f for f in VO_FALLBACKS.get(name, ()) if f not in names]
    return ",".join(names)


def ao_choice(ao: str) -> str:
    """libmpv's ``ao`` for a requested output: "auto" (or "") lets libmpv probe its drivers (it has no "auto" driver)."""
    return "" if ao in ("", "auto") else ao


def build_settings(
    *, vo: str, ao: str, realtime: bool, readahead_s: float, demuxer_format: str | None,
    extra: Mapping[str, Any] | None,
) -> MpvSettings:
    create: dict[str, Any] = {
        "vo": vo_chain(vo),
        "ao": ao_choice(ao),
        "audio_fallback_to_null": "yes",  # no sound device: libmpv plays on silently (see mpv_events)
        "idle": "yes",
        "keep_open": "no",
        "cache": "yes",
        "demuxer_seekable_cache": "yes",
        "force_seekable": "yes",
        "cache_secs": readahead_s,
        "demuxer_readahead_secs": readahead_s,
        "demuxer_max_bytes": "16MiB",
        "demuxer_max_back_bytes": "8MiB",  # back buffer for the exact start seek, not read-ahead
        "rebase_start_time": "no",
        "hr_seek": "yes",
        "input_default_bindings": False,
        "input_vo_keyboard": False,
        "osc": False,
        "ytdl": False,
        "load_scripts": False,
    }
    fast_open: dict[str, Any] = (
        {"demuxer-lavf-format": demuxer_format, "demuxer-lavf-probesize": 32, "demuxer-lavf-analyzeduration": 0.1}
        if demuxer_format else {}
    )
    if vo == "null":
        # Nothing is drawn, so no frame needs handing over early: with libmpv's default (50 ms) the
        # output thread holds the next frame until its display time, and a new file's set-up waits
        # on it (the window-title update is a synchronous call to the output) — up to a frame per
        # restart (README, "Where seek time went").
        create["video_timing_offset"] = 0
    if not realtime:
        create.update(ao_null_untimed="yes", untimed="yes")
    # What the first file opens with is set before libmpv initializes, so that a start at 0 costs
    # little more than the loadfile (each runtime property set is a round trip to mpv's core).
    # Not the forced format: a string option set once can never return to "unset" ("" is an
    # unknown format to lavf), and a sub-add'ed file needs it unset.
    preset = {name: value for name, value in fast_open.items() if name != "demuxer-lavf-format"}
    create.update({name.replace("-", "_"): value for name, value in preset.items()})
    create.update(extra or {})
    applied: dict[str, Any] = {
        "cache-secs": readahead_s, "demuxer-readahead-secs": readahead_s, "pause": False,
        "demuxer-lavf-format": "", "start": "none", **preset,
    }
    for name in extra or {}:  # the caller's own value: not known to be in force
        applied.pop(name.replace("_", "-"), None)
    return MpvSettings(create=create, fast_open=fast_open, applied=applied)


def option_text(value: Any) -> str:
    """A property value as mpv's ``set`` command takes it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
