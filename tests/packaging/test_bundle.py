"""The PyInstaller bundle (`make bundle`) runs `--version` and a headless play in an empty environment."""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXE = REPO / "build" / "bundle" / "dist" / "reelbox" / "reelbox"


def load_checker():
    spec = importlib.util.spec_from_file_location("check_bundle", REPO / "packaging" / "bundle" / "check_bundle.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("check_bundle", module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.skipif(not os.access(EXE, os.X_OK), reason="bundle not built (make bundle)")
def test_bundle_plays_headless_without_the_venv(tmp_path: Path) -> None:
    """The bundle's executable prints its version and plays a catalog title to the end with env -i."""
    result = load_checker().check_bundle(EXE, tmp_path)
    assert result.version == "reelbox 0.1.0"
    assert result.report["errors"] == [] and result.report["played_s"] >= 3.5
    assert {s["type"] for s in result.report["segments"]} == {"video", "audio"}


@pytest.mark.slow
@pytest.mark.skipif(not os.access(EXE, os.X_OK), reason="bundle not built (make bundle)")
def test_bundle_contents() -> None:
    """libmpv and the backend extra are not shipped (system libmpv2; a client); Qt's xcb/offscreen plugins and QtWidgets are."""
    internal = EXE.parent / "_internal"
    assert internal.is_dir()
    assert not list(internal.rglob("libmpv.so*"))
    platforms = internal / "PySide6" / "Qt" / "plugins" / "platforms"
    assert (platforms / "libqxcb.so").exists() and (platforms / "libqoffscreen.so").exists()
    assert (internal / "PySide6" / "QtWidgets.abi3.so").exists()
    for backend_only in ("backend_stub", "fastapi", "uvicorn", "imageio_ffmpeg", "PIL", "argon2"):
        assert not list(internal.rglob(f"{backend_only}*")), f"{backend_only} in the client bundle"


def test_clean_env_has_no_venv() -> None:
    """The bundle's environment is exactly PATH=/usr/bin:/bin, HOME and REELBOX_HOME (env -i)."""
    env = load_checker().clean_env(Path("/tmp/x"))
    assert set(env) == {"PATH", "HOME", "REELBOX_HOME"} and env["PATH"] == "/usr/bin:/bin"
