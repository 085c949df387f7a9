"""The backend's client side: one client, one refresh flow, one TLS configuration, one error tree.

Public face: :class:`BackendClient`, :class:`PlaybackInfo`, the errors (tree in
:mod:`player.backend.errors`) and the address/account resolution (:func:`api_url`,
:func:`login_from_env`, :func:`server_root`).
"""
from player.backend.address import ACCOUNT_HELP, BACKEND_HELP, DEFAULT_API_URL, DEMO_LOGIN, api_url, login_from_env, server_root
from player.backend.client import BackendClient, PlaybackInfo
from player.backend.errors import BackendError, BadAddress, BackendRefused, BackendUnreachable, BadResponse, SignInRequired

__all__ = [
    "ACCOUNT_HELP", "BACKEND_HELP", "DEFAULT_API_URL", "DEMO_LOGIN", "BackendClient", "BackendError", "BackendRefused", "BackendUnreachable", "BadAddress",
    "BadResponse", "PlaybackInfo", "SignInRequired", "api_url", "login_from_env", "server_root",
]
