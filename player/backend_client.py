"""Moved to :mod:`player.backend` (issue 13); this name stays until the engine refactor that imports it has merged."""
from player.backend import (  # noqa: F401
    DEFAULT_API_URL,
    DEMO_LOGIN,
    BackendClient,
    BackendError,
    PlaybackInfo,
    api_url,
    login_from_env,
)
