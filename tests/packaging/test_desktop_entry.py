"""The .desktop entry and icon, installed for a user by packaging/desktop/install-desktop.sh."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops

DESKTOP = Path(__file__).resolve().parents[2] / "packaging" / "desktop"


def install(tmp_path: Path, exe: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path / "home"),
           "XDG_DATA_HOME": str(tmp_path / "share")}
    return subprocess.run(["sh", str(DESKTOP / "install-desktop.sh"), str(exe)], env=env, capture_output=True,
                          text=True, timeout=60)


def fake_exe(tmp_path: Path) -> Path:
    exe = tmp_path / "bin" / "reelbox"
    exe.parent.mkdir()
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    return exe


def test_install_puts_entry_and_icons_in_xdg_dirs(tmp_path: Path) -> None:
    """The entry lands in applications/ with Exec pointing at the given executable; icons in hicolor."""
    exe = fake_exe(tmp_path)
    run = install(tmp_path, exe)
    assert run.returncode == 0, run.stderr
    entry = (tmp_path / "share" / "applications" / "reelbox.desktop").read_text()
    assert f"Exec={exe} ui\n" in entry and f"TryExec={exe}\n" in entry and "Icon=reelbox\n" in entry
    assert f"Exec={exe} ui --tv\n" in entry
    svg = tmp_path / "share" / "icons" / "hicolor" / "scalable" / "apps" / "reelbox.svg"
    png = tmp_path / "share" / "icons" / "hicolor" / "256x256" / "apps" / "reelbox.png"
    assert svg.read_text().lstrip().startswith("<?xml") and "<svg" in svg.read_text()
    with Image.open(png) as img:
        assert img.size == (256, 256) and img.mode == "RGBA"


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed")
def test_installed_entry_validates(tmp_path: Path) -> None:
    """desktop-file-validate accepts the installed entry with no message at all."""
    assert install(tmp_path, fake_exe(tmp_path)).returncode == 0
    run = subprocess.run(["desktop-file-validate", str(tmp_path / "share" / "applications" / "reelbox.desktop")],
                         capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout == "" and run.stderr == "", run.stdout + run.stderr


def test_png_matches_the_generator() -> None:
    """The committed PNG is what make_icon.py renders from the SVG's shapes (not a stale picture)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_icon", DESKTOP / "make_icon.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with Image.open(DESKTOP / "reelbox.png") as committed:
        fresh = module.render(256)
        extrema = ImageChops.difference(committed.convert("RGBA"), fresh).getextrema()
    assert max(hi for _lo, hi in extrema) <= 2
