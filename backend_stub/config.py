"""Backend settings: subscription plans, token lifetimes, limits and where the data directory lives.

Values here are the *policy* of the stub backend (issue 2): plans basic (1 stream, 720p), standard
(2 streams, 1080p) and premium (4 streams, 1080p); short-lived access tokens; offline rental window
30 days and playback window 48 h (shared contract in the team layout). Nothing in this module does I/O
except :func:`default_data_dir`, which only computes a path.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs


@dataclass(frozen=True, kw_only=True)
class Plan:
    """A subscription plan: how many streams at once, the tallest rendition, offline downloads."""

    name: str
    max_streams: int
    max_height: int
    offline: bool


PLANS: dict[str, Plan] = {
    "basic": Plan(name="basic", max_streams=1, max_height=720, offline=False),
    "standard": Plan(name="standard", max_streams=2, max_height=1080, offline=True),
    "premium": Plan(name="premium", max_streams=4, max_height=1080, offline=True),
}
DEFAULT_PLAN = "basic"


@dataclass(frozen=True, kw_only=True)
class ApiSettings:
    """Tunable limits of the API; tests shorten them instead of sleeping."""

    access_ttl_s: float = 15 * 60
    refresh_ttl_s: float = 30 * 24 * 3600
    session_ttl_s: float = 60.0  # a playback session dies 60 s after its last heartbeat (layout contract)
    edge_url_ttl_s: float = 6 * 3600  # signed edge URLs outlive a long film plus pauses (but die with the session)
    licence_ttl_s: float = 120.0  # a temporary licence's keys expire this long after issue or the last heartbeat
    max_body_bytes: int = 1 << 20
    login_max_failures: int = 5
    login_window_s: float = 300.0
    login_address_max_failures: int = 20  # over all accounts from one address: password spraying
    hash_concurrency: int = 2  # argon2id hashes at once (64 MiB each); more wait...
    hash_waiting: int = 8  # ...up to this many, the rest get 503 at once
    register_burst: float = 20  # accounts one address may create at once, then one per 1/rate s
    register_per_s: float = 1 / 60
    telemetry_events_burst: float = 1000  # per account (or per address when anonymous); a player sends a
    telemetry_events_per_s: float = 20  # few events per segment, and its outbox catches up after a 429
    telemetry_bytes_burst: float = 256 << 10  # request bodies, counted before they are parsed
    telemetry_bytes_per_s: float = 16 << 10
    rental_s: float = 30 * 24 * 3600
    playback_window_s: int = 48 * 3600
    page_size: int = 20
    max_page_size: int = 100
    max_telemetry_batch: int = 500
    completed_fraction: float = 0.95  # at or past this fraction a title counts as watched
    # argon2id cost (RFC 9106 §4 "second recommended option": t=3, 64 MiB); tests may lower it
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 64 * 1024


DEMO_EMAIL = "demo@reelbox.local"
DEMO_PASSWORD = "demo"
DEMO_PLAN = "premium"


MIN_ADMIN_PASSWORD = 8


class AdminAccountError(ValueError):
    """``REELBOX_ADMIN_EMAIL``/``REELBOX_ADMIN_PASSWORD`` are incomplete or the password is too weak."""


def admin_from_env(env: Mapping[str, str]) -> tuple[str, str] | None:
    """(e-mail, password) of the administrator ``reelbox backend`` should create, or None when not asked.

    The password comes from the environment, never from a command line (``ps`` shows those) or a file."""
    email, password = env.get("REELBOX_ADMIN_EMAIL", "").strip().lower(), env.get("REELBOX_ADMIN_PASSWORD", "")
    if not email and not password:
        return None
    if not email or not password:
        raise AdminAccountError("set both REELBOX_ADMIN_EMAIL and REELBOX_ADMIN_PASSWORD, or neither")
    if len(password) < MIN_ADMIN_PASSWORD or password == DEMO_PASSWORD:
        raise AdminAccountError(f"REELBOX_ADMIN_PASSWORD must have at least {MIN_ADMIN_PASSWORD} characters")
    return email, password


def default_data_dir() -> Path:
    """``$REELBOX_HOME/backend`` when set (tests, kiosks), else the per-user data dir from platformdirs."""
    home = os.environ.get("REELBOX_HOME")
    if home:
        return Path(home) / "backend"
    return Path(platformdirs.user_data_dir("reelbox")) / "backend"


def resolve_data_dir(value: str | os.PathLike[str] | None) -> Path:
    """The data directory for ``--data`` (None means :func:`default_data_dir`)."""
    return Path(value).expanduser() if value else default_data_dir()
