"""Which backend and which account: one resolution for every command and front end.

Order (documented in ``reelbox --help`` and the README): ``--backend URL``, else ``$REELBOX_BACKEND``,
else ``backend_url`` in ``[app]`` of ``config.toml``, else the bundled backend's address. The account:
``$REELBOX_EMAIL``/``$REELBOX_PASSWORD``, else the config file's ``email`` (its password still from
``$REELBOX_PASSWORD``: passwords are never written to files), else the demo account. A URL is accepted
with or without the ``/api/v1`` suffix that ``reelbox backend`` prints.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from player.backend.errors import BadAddress, SignInRequired
from player.paths import config_file

DEFAULT_API_URL = "http://127.0.0.1:8700"  # `reelbox backend` / `reelbox demo`
DEMO_LOGIN = ("demo@reelbox.local", "demo")
API_PREFIX = "/api/v1"


def server_root(url: str) -> str:
    """``http://h:p`` from either ``http://h:p`` or ``http://h:p/api/v1`` (trailing slashes ignored)."""
    text = url.strip().rstrip("/")
    if text.endswith(API_PREFIX):
        text = text[: -len(API_PREFIX)].rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        from player.net.redact import redact  # here: player.net's package loads the HTTP stack, which --help must not pay

        raise BadAddress(f"not a backend URL: {redact(url)!r} (expected http[s]://host[:port][/api/v1])")
    return text


def _app_settings(path: Path | None) -> dict[str, Any]:
    try:
        text = (path or config_file()).read_text(encoding="utf-8")
    except OSError:
        return {}  # no config file: most commands, and tomllib's import (~5 ms) is not paid
    import tomllib

    try:
        table = tomllib.loads(text).get("app", {})
    except tomllib.TOMLDecodeError:
        return {}
    return table if isinstance(table, dict) else {}


def api_url(explicit: str | None = None, env: Mapping[str, str] = os.environ, *, config: Path | None = None) -> str:
    """The backend's server root: ``--backend``, ``$REELBOX_BACKEND``, the config file, the bundled default."""
    configured = _app_settings(config).get("backend_url")
    chosen = explicit or env.get("REELBOX_BACKEND") or (configured if isinstance(configured, str) else None)
    return server_root(chosen or DEFAULT_API_URL)


def login_from_env(env: Mapping[str, str] = os.environ, *, config: Path | None = None) -> tuple[str, str]:
    """(e-mail, password) for headless front ends (CLI, QA, kiosk provisioning)."""
    configured = _app_settings(config).get("email")
    email = env.get("REELBOX_EMAIL") or (configured if isinstance(configured, str) and configured else DEMO_LOGIN[0])
    password = env.get("REELBOX_PASSWORD")
    if password is None:
        if email != DEMO_LOGIN[0]:
            raise SignInRequired(f"no password for {email}: set REELBOX_PASSWORD")
        password = DEMO_LOGIN[1]
    return email, password

#: ``--backend`` in every command's ``--help`` (ui/cli.py, downloads/cli.py): the resolution order above.
BACKEND_HELP = (f"backend URL, http://HOST:PORT or http://HOST:PORT{API_PREFIX} (default: $REELBOX_BACKEND, then "
                f"backend_url in config.toml, then {DEFAULT_API_URL})")
ACCOUNT_HELP = ("Backend and account, for every command: --backend URL, else $REELBOX_BACKEND, else backend_url in "
                "config.toml's [app], else " + DEFAULT_API_URL + "; the account: $REELBOX_EMAIL and $REELBOX_PASSWORD, "
                "else email in config.toml (password from $REELBOX_PASSWORD), else the demo account.")
