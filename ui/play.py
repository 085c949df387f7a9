"""`reelbox play`: resolve the target (catalog id or manifest URL), sign in when needed, run a session."""
from __future__ import annotations

import argparse
import os
from typing import Any

from player.backend_client import BackendClient
from player.session import PlaybackSession, SessionOptions

DEFAULT_BACKEND = "http://127.0.0.1:8700"
DEMO_LOGIN = ("demo@reelbox.local", "demo")


def is_manifest_url(target: str) -> bool:
    return "://" in target


def session_options(args: argparse.Namespace) -> SessionOptions:
    return SessionOptions(
        abr=args.abr, start_s=args.start, until_s=args.until, fmt=args.fmt, force_cdn=args.cdn,
        force_rendition=args.rendition, buffer_capacity_s=args.buffer,
        vo="null" if args.headless else "gpu", ao="null" if args.headless else "auto",
    )


async def play_target(args: argparse.Namespace) -> dict[str, Any]:
    options = session_options(args)
    if is_manifest_url(args.target):
        return await PlaybackSession(target=args.target, options=options, manifest_urls=[args.target]).run()
    backend = BackendClient(args.backend or os.environ.get("REELBOX_BACKEND") or DEFAULT_BACKEND)
    try:
        email = os.environ.get("REELBOX_EMAIL", DEMO_LOGIN[0])
        password = os.environ.get("REELBOX_PASSWORD", DEMO_LOGIN[1])
        await backend.login(email, password)
        return await PlaybackSession(target=args.target, options=options, backend=backend).run()
    finally:
        await backend.aclose()
