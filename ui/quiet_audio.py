"""Keep the sound libraries' own chatter off a viewer's terminal; libmpv's log keeps the reasons.

On a box without a sound device (a kiosk box, a VM, CI), libmpv's ``ao=auto`` probes pipewire, JACK and
ALSA, and each library writes to the process's stderr by itself: ~25 lines per play ("ALSA lib
confmisc.c:855:(parse_card) cannot find card '0'", "jack server is not running or cannot be started",
"JackShmReadWritePtr::~JackShmReadWritePtr - Init not done ..."). libmpv logs each driver's failure
through its own log, which Reelbox turns into the report's ``no_audio_device`` notice, so nothing is
lost by pointing the libraries' handlers at nothing. JACK is also asked not to start a server.
Applied only when the process is the command (``ui.cli.main()``), as ``ui.lean_process`` is.
"""
from __future__ import annotations

import ctypes
import os

# alsa-lib's snd_lib_error_handler_t (variadic: the fixed arguments are all a no-op needs)
_ALSA_HANDLER = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p)
_JACK_HANDLER = ctypes.CFUNCTYPE(None, ctypes.c_char_p)
_kept: list[object] = []  # the C callbacks must outlive every call the libraries make to them


def quiet_audio_libraries() -> list[str]:
    """Silence what is installed of alsa-lib and JACK (the same loaded copies libmpv uses); the names done."""
    os.environ.setdefault("JACK_NO_START_SERVER", "1")
    os.environ.setdefault("PIPEWIRE_DEBUG", "0")  # no pipewire log lines on stderr (libmpv logs its own)
    done = []
    alsa = _load("libasound.so.2")
    if alsa is not None:
        handler = _ALSA_HANDLER(lambda *_: None)
        alsa.snd_lib_error_set_handler(handler)
        _kept.append(handler)
        done.append("alsa")
    jack = _load("libjack.so.0")
    if jack is not None:
        handler = _JACK_HANDLER(lambda _: None)
        jack.jack_set_error_function(handler)
        jack.jack_set_info_function(handler)
        _kept.append(handler)
        done.append("jack")
    return done


def _load(name: str) -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(name)
    except OSError:  # not installed: nothing of it to silence
        return None
