"""The app's settings in ``config.toml`` (DESIGN.md "Where things live"), under its ``[app]`` table.

Other tables in the same file are kept as they are. ``REELBOX_HOME`` overrides the directory
(tests, kiosk images). The kiosk PIN and the last screen live here so that a kiosk restarts where it
was (issue 6 "restores the last screen after a restart").
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

from player.backend_client import DEFAULT_API_URL




@dataclass(frozen=True, kw_only=True)
class AppConfig:
    """What Settings edits, plus kiosk state. ``force_cdn`` -1 and ``abr`` "" mean automatic."""

    backend_url: str = DEFAULT_API_URL
    download_quality: str = "best"  # best | medium | low
    download_parallelism: int = 2
    abr: str = ""
    force_cdn: int = -1
    kiosk_pin: str = "0000"
    last_screen: str = "home"  # home | title:<id> | downloads | settings
    email: str = ""
    languages: list[str] = field(default_factory=list)  # "email|audio|subtitles" (ui.app.preferences)


def config_dir() -> Path:
    home = os.environ.get("REELBOX_HOME")
    return Path(home) / "config" if home else Path(platformdirs.user_config_dir("reelbox"))


def data_dir() -> Path:
    home = os.environ.get("REELBOX_HOME")
    return Path(home) / "data" if home else Path(platformdirs.user_data_dir("reelbox"))


def config_path() -> Path:
    return config_dir() / "config.toml"


def _read_all(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def load_config(path: Path | None = None) -> AppConfig:
    """The saved settings; unknown or mistyped keys are ignored so a bad file never stops the app."""
    table = _read_all(path or config_path()).get("app", {})
    defaults = AppConfig()
    values: dict[str, Any] = {}
    for f in fields(AppConfig):
        value = table.get(f.name)
        if value is not None and type(value) is type(getattr(defaults, f.name)):
            values[f.name] = value
    return replace(defaults, **values)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _dump(doc: dict[str, Any]) -> str:
    top = [f"{k} = {_toml_value(v)}" for k, v in doc.items() if not isinstance(v, dict)]
    parts = ["\n".join(top)] if top else []
    for name, table in doc.items():
        if isinstance(table, dict):
            lines = [f"[{name}]"] + [f"{k} = {_toml_value(v)}" for k, v in table.items() if not isinstance(v, dict)]
            parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def save_config(config: AppConfig, path: Path | None = None) -> None:
    """Write ``[app]`` atomically, keeping the file's other (flat) tables."""
    target = path or config_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    doc = _read_all(target)
    doc["app"] = asdict(config)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(_dump(doc), encoding="utf-8")
    os.replace(tmp, target)
