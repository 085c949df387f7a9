"""Keep the sound and display libraries' own chatter off a viewer's terminal; libmpv's log keeps the reasons.

On a box without a sound device (a kiosk box, a VM, CI), libmpv's ``ao=auto`` probes pipewire, JACK and
ALSA, and each library writes to the process's stderr by itself: ~25 lines per play ("ALSA lib
confmisc.c:855:(parse_card) cannot find card '0'", "jack server is not running or cannot be started",
"JackShmReadWritePtr::~JackShmReadWritePtr - Init not done ..."). libmpv logs each driver's failure
through its own log, which Reelbox turns into the report's ``no_audio_device`` notice, so nothing is
lost by pointing the libraries' handlers at nothing. JACK is also asked not to start a server. A windowed
play outside a desktop session (``xvfb-run``, a kiosk's system service: no ``XDG_RUNTIME_DIR``) had
libwayland-client write "error: XDG_RUNTIME_DIR is invalid or not set in the environment." twice while
libmpv's ``gpu`` output probed Wayland — two ``error:`` lines on a play that succeeded; libmpv logs why
Wayland was not used, so its client log goes to nothing too.
Applied only when the process is the command (``ui.cli.main()``), as ``ui.lean_process`` is.
"""
from __future__ import annotations

import ctypes
import os
from typing import Any

# alsa-lib's snd_lib_error_handler_t (variadic: the fixed arguments are all a no-op needs)
_ALSA_HANDLER = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p)
_JACK_HANDLER = ctypes.CFUNCTYPE(None, ctypes.c_char_p)
_WAYLAND_HANDLER = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_void_p)  # wl_log_func_t(fmt, va_list)
_kept: list[object] = []  # the C callbacks must outlive every call the libraries make to them


def quiet_native_libraries() -> list[str]:
    """Silence what is installed of alsa-lib, JACK and libwayland-client (the same loaded copies libmpv uses);
    the names done."""
    os.environ.setdefault("JACK_NO_START_SERVER", "1")
    os.environ.setdefault("PIPEWIRE_DEBUG", "0")  # no pipewire log lines on stderr (libmpv logs its own)
    done = []
    alsa = _load("libasound.so.2")
    if alsa is not None:
        _point(alsa.snd_lib_error_set_handler, _ALSA_HANDLER(lambda *_: None))
        done.append("alsa")
    jack = _load("libjack.so.0")
    if jack is not None:
        handler = _JACK_HANDLER(lambda _: None)
        _point(jack.jack_set_error_function, handler)
        _point(jack.jack_set_info_function, handler)
        done.append("jack")
    wayland = _load("libwayland-client.so.0")
    if wayland is not None:
        _point(wayland.wl_log_set_handler_client, _WAYLAND_HANDLER(lambda *_: None))
        done.append("wayland")
    return done


def _point(setter: Any, handler: object) -> None:
    """Give a library its handler, kept alive for as long as the library may call it."""
    setter(handler)
    _kept.append(handler)


def _load(name: str) -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(name)
    except OSError:  # not installed: nothing of it to silence
        return None
