"""Where the encoder's binaries live.

ffmpeg is the static ffmpeg 9 bundled by ``imageio-ffmpeg`` (Debian's 5.1 writes fragmented CENC
wrongly, see shared/PLATFORM.md). Packaging uses Shaka Packager (installed by ``make tools``)
because it writes everything our contract needs in one pass: CMAF segments shared by HLS and DASH,
a static MPD, the W3C ClearKey PSSH (``--protection_systems CommonSystem``) and ContentProtection.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import ToolMissingError

_REPO = Path(__file__).resolve().parents[2]
_PACKAGER_REL = Path(".tools/node_modules/shaka-packager/bin/packager-linux-x64")


@dataclass(frozen=True, kw_only=True)
class Tools:
    """Absolute paths of the two binaries every encode needs."""

    ffmpeg: str
    packager: str


def _find_packager() -> str:
    candidates = [os.environ.get("REELBOX_PACKAGER"), str(_REPO / _PACKAGER_REL), shutil.which("packager")]
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return c
    raise ToolMissingError("Shaka Packager not found: run `make tools` or set REELBOX_PACKAGER")


@lru_cache(maxsize=1)
def find_tools() -> Tools:
    """Locate ffmpeg (imageio-ffmpeg) and Shaka Packager once per process."""
    try:
        import imageio_ffmpeg

        ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        raise ToolMissingError(f"ffmpeg not available from imageio-ffmpeg: {exc}") from None
    return Tools(ffmpeg=ffmpeg, packager=_find_packager())
