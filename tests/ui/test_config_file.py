"""config.toml (ui/app/config.py): settings survive awkward values, other tables survive untouched, writes are atomic."""
from __future__ import annotations

import datetime
import os
import tomllib
from pathlib import Path

import pytest

from ui.app.config import AppConfig, load_config, save_config

AWKWARD = [
    'quote " and \\ backslash', "tab\tand\nnewline", "control \x01\x1f\x7f", "unicode é 漢字 🎬", "'single'", "",
    "trailing backslash \\", '"""triple"""', "# not a comment", "[not a table]",
]


@pytest.mark.parametrize("text", AWKWARD)
def test_awkward_strings_round_trip(tmp_path: Path, text: str) -> None:
    """Every string setting reads back exactly as written (the hand-written writer lost the file on control chars)."""
    path = tmp_path / "config.toml"
    config = AppConfig(email=text, abr=text, last_screen=f"title:{text}", languages=[text, f"{text}|en|fr"],
                       backend_url="http://h:1")
    save_config(config, path)
    assert load_config(path) == config


def test_other_tables_are_kept(tmp_path: Path) -> None:
    """Nested tables, arrays of tables and dates written by people or other tools stay as they were."""
    path = tmp_path / "config.toml"
    path.write_text(
        'top = 1\n[kiosk.screens]\norder = ["home", "downloads"]\n[[qa.runs]]\nname = "a"\n[[qa.runs]]\nname = "b"\n'
        '[misc]\nwhen = 2026-11-22T10:00:00Z\nratio = 0.5\n', encoding="utf-8")
    before = tomllib.loads(path.read_text(encoding="utf-8"))
    save_config(AppConfig(download_parallelism=7, abr="bola"), path)
    after = tomllib.loads(path.read_text(encoding="utf-8"))
    assert after.pop("app")["download_parallelism"] == 7
    assert after == before
    assert after["misc"]["when"] == datetime.datetime(2026, 11, 22, 10, tzinfo=datetime.timezone.utc)


def test_a_broken_backend_url_falls_back_and_either_form_is_kept_as_the_root(tmp_path: Path) -> None:
    """A hand-edited backend_url that is no URL is ignored (the app still starts); `.../api/v1` reads as the root."""
    path = tmp_path / "config.toml"
    path.write_text('[app]\nbackend_url = "localhost:8700"\nemail = "a@b.c"\n', encoding="utf-8")
    assert load_config(path) == AppConfig(email="a@b.c")
    path.write_text('[app]\nbackend_url = "http://tv.local:8700/api/v1/"\n', encoding="utf-8")
    assert load_config(path).backend_url == "http://tv.local:8700"


def test_write_is_atomic_and_private(tmp_path: Path) -> None:
    """The file is replaced whole (no temporary left beside it) and readable by its owner only."""
    path = tmp_path / "sub" / "config.toml"
    save_config(AppConfig(email="first@x.y"), path)
    save_config(AppConfig(email="second@x.y"), path)
    assert load_config(path).email == "second@x.y"
    assert sorted(p.name for p in path.parent.iterdir()) == ["config.toml"]
    assert os.stat(path).st_mode & 0o077 == 0


def test_config_lives_under_reelbox_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a path, the file is player.paths' config dir: $REELBOX_HOME/config/config.toml."""
    monkeypatch.setenv("REELBOX_HOME", str(tmp_path))
    save_config(AppConfig(email="x@y.z"))
    assert (tmp_path / "config" / "config.toml").is_file()
    assert load_config().email == "x@y.z"
