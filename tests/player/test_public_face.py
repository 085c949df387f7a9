"""``player``'s public face: every exported name resolves, and importing a part does not load libmpv or PyAV."""
from __future__ import annotations

import subprocess
import sys

import player


def test_every_export_resolves_and_is_listed() -> None:
    """``__all__`` lists exactly the lazily exported names, and each one imports."""
    assert sorted(player.__all__) == sorted(player._EXPORTS)
    for name in player.__all__:
        assert getattr(player, name).__name__ == name


def test_importing_the_manifest_parsers_loads_neither_libmpv_nor_pyav() -> None:
    """The face is lazy: ``import player.manifest`` (e.g. the downloads CLI listing) stays light."""
    code = "import sys, player.manifest, player.net; print('mpv' in sys.modules, 'av' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_a_vod_play_loads_nothing_of_the_live_package() -> None:
    """The session, scheduler and segment feed (which shares the live stopped-stream limit) leave
    ``player.live`` unloaded: a VOD play pays none of its imports (issue 19 CPU)."""
    code = ("import sys, player.playback.session, player.playback.running, player.scheduling.segment_feed\n"
            "print(sorted(m for m in sys.modules if m.startswith('player.live')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
