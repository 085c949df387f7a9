"""The app's settings in ``config.toml`` (DESIGN.md "Where things live"), under its ``[app]`` table.

Other tables in the same file are kept as they are. The file's place is :mod:`player.paths`' (under
``REELBOX_HOME`` for tests and kiosk images). The kiosk PIN and the last screen live here so that a
kiosk restarts where it was (issue 6 "restores the last screen after a restart").
"""
from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import tomli_w

from player.backend import DEFAULT_API_URL, BadAddress, server_root
from player.paths import config_file, write_atomic


@dataclass(frozen=True, kw_only=True)
class AppConfig:
    """What Settings edits, plus kiosk state. ``force_cdn`` -1 and ``abr`` "" mean automatic."""

    backend_url: str = DEFAULT_API_URL
    download_quality: str = "best"  # best | medium | low
    download_parallelism: int = 2
    abr: str = ""
    force_cdn: int = -1
    kiosk_pin_hash: str = ""  # ui.app.pin: set by provisioning (`reelbox kiosk-pin`), never the PIN itself
    last_screen: str = "home"  # home | title:<id> | downloads | player:<id> | player-download:<id> (kiosk; never settings)
    email: str = ""
    languages: list[str] = field(default_factory=list)  # "email|audio|subtitles" (ui.app.preferences)
    cmcd: str = "query"  # query | headers | off: how segment requests carry CMCD (SessionOptions.cmcd)


def _read_all(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def load_config(path: Path | None = None) -> AppConfig:
    """The saved settings; unknown or mistyped keys (a backend_url that is no URL too) are ignored so a bad file
    never stops the app."""
    target = path or config_file()
    table = _read_all(target).get("app", {})
    defaults = AppConfig()
    values: dict[str, Any] = {}
    for f in fields(AppConfig):
        value = table.get(f.name)
        if value is not None and type(value) is type(getattr(defaults, f.name)):
            values[f.name] = value
    if values.get("cmcd") not in ("query", "headers", "off"):  # player.net.CmcdMode's values
        values.pop("cmcd", None)
    try:
        values["backend_url"] = server_root(values.get("backend_url", defaults.backend_url))
    except BadAddress:
        del values["backend_url"]
    config = replace(defaults, **values)
    legacy = table.get("kiosk_pin")
    if isinstance(legacy, str) and legacy and legacy != LEGACY_DEFAULT_PIN:  # a PIN in clear: keep only its hash
        from ui.app.pin import PinError, hash_pin

        try:
            config = replace(config, kiosk_pin_hash=config.kiosk_pin_hash or hash_pin(legacy))
        except PinError:
            pass
    if isinstance(legacy, str):  # rewritten without it: the table is replaced whole
        save_config(config, target)
    return config


LEGACY_DEFAULT_PIN = "0000"
"""What every config written before the PIN was hashed holds unless someone chose a PIN: not a
choice to keep. Hashing it would leave every upgraded kiosk unlockable with 0000, while
PROVISIONING.md promises there is no default PIN; dropped, the kiosk stays locked until `reelbox kiosk-pin` sets one."""


def save_config(config: AppConfig, path: Path | None = None) -> None:
    """Write ``[app]`` atomically (fsynced), keeping the file's other tables as they are (tomli-w writes them)."""
    target = path or config_file()
    doc = _read_all(target)
    doc["app"] = asdict(config)  # replaces the whole table: a legacy clear-text kiosk_pin goes with it
    write_atomic(target, tomli_w.dumps(doc).encode("utf-8"))
