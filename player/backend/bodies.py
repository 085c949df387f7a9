"""Reading answer bodies strictly: anything but the promised JSON shape is a :class:`BadResponse`."""
from __future__ import annotations

import json
from typing import Any

import httpx

from player.backend.errors import BadResponse


def decode(response: httpx.Response, where: str) -> Any:
    """The JSON body (``None`` when empty); a body that is not JSON is a BadResponse."""
    if not response.content:
        return None
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadResponse(f"{where}: the answer is not JSON", status=response.status_code) from None


def json_object(body: object, where: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadResponse(f"{where}: expected a JSON object, got {type(body).__name__}")
    return body


def field(obj: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    """``obj[key]``, which must exist and be of ``kind``."""
    value = obj.get(key)
    if value is None or not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise BadResponse(f"{where}: field {key!r} missing or of the wrong type")
    return value


def text_field(obj: dict[str, Any], key: str, where: str) -> str:
    value: str = field(obj, key, str, where)
    return value


def optional(obj: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    """``obj[key]`` or None; present but of another type is a BadResponse."""
    return None if obj.get(key) is None else field(obj, key, kind, where)
