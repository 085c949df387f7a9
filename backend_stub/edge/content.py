"""Mapping an edge URL path onto the packaged content tree, safely, and describing the file served.

Layout contract (/tmp/layout.md): ``/c/<token>/<title_id>/<relative path>`` under ``DATA/content``.
Traversal defence in depth: the percent-decoded path is split and any ``.``/``..``/empty segment,
backslash or NUL is refused; the title may not be hidden (``.staging`` holds unpublished work); and the
real path (symlinks resolved) must still lie inside the content root. Every refusal is a plain 404 so a
prober learns nothing about what exists.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

CONTENT_TYPES = {
    ".mp4": "video/mp4", ".m4v": "video/mp4", ".m4a": "audio/mp4", ".m4s": "video/iso.segment",
    ".cmfv": "video/mp4", ".cmfa": "audio/mp4", ".ts": "video/mp2t", ".aac": "audio/aac",
    ".m3u8": "application/vnd.apple.mpegurl", ".mpd": "application/dash+xml",
    ".vtt": "text/vtt; charset=utf-8", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
    ".json": "application/json",
}
MANIFEST_SUFFIXES = frozenset({".m3u8", ".mpd"})
# Manifests of a VOD title do not change once published, but a short max-age lets a re-publish show
# quickly; segments are immutable (a new encode gets new names), artwork in between.
CACHE_MANIFEST = "public, max-age=2"
CACHE_SEGMENT = "public, max-age=31536000, immutable"
CACHE_OTHER = "public, max-age=3600"


@dataclass(frozen=True, kw_only=True)
class ContentPath:
    """A syntactically safe request path: the token, the title and the file's real path."""

    token: str
    title_id: str
    relpath: str
    redacted: str  # the path for logs: /c/<token>/<title>/<rel>


def split_target(target: str) -> str:
    """The path of a request-target (origin-form or absolute-form), query and fragment dropped."""
    if not target.startswith("/"):
        target = urlsplit(target).path or "/"
    return target.split("?", 1)[0].split("#", 1)[0]


def parse_content_path(path: str) -> ContentPath | None:
    """Split ``/c/<token>/<title>/<rel...>``; None when the shape is wrong or any segment is unsafe."""
    try:
        decoded = unquote(path, errors="strict") if "%" in path else path
    except UnicodeDecodeError:
        return None
    if "\\" in decoded or "\x00" in decoded:
        return None
    parts = decoded.split("/")
    if len(parts) < 5 or parts[0] != "" or parts[1] != "c":
        return None
    token, title_id, rel_parts = parts[2], parts[3], parts[4:]
    if title_id.startswith(".") or any(p in ("", ".", "..") for p in [token, title_id, *rel_parts]):
        return None
    relpath = "/".join(rel_parts)
    return ContentPath(token=token, title_id=title_id, relpath=relpath, redacted=f"/c/<token>/{title_id}/{relpath}")


_PROC_FD = "/proc/self/fd"
_HAVE_PROC_FD = os.path.isdir(_PROC_FD)


def open_inside(root_real: str, content: ContentPath) -> int | None:
    """Open the requested file read-only if its real location is inside ``root_real``; else None.

    On Linux the check reads back the path the kernel actually opened (``/proc/self/fd``), which is
    both race-free (a symlink swapped after the check cannot redirect the open) and ~20x cheaper than
    ``os.path.realpath``'s lstat per component. Elsewhere it falls back to ``realpath`` first.
    """
    candidate = os.path.join(root_real, content.title_id, content.relpath)
    if not _HAVE_PROC_FD:
        candidate = os.path.realpath(candidate)
        if not candidate.startswith(root_real + os.sep):
            return None
    try:
        fd = os.open(candidate, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    if _HAVE_PROC_FD:
        try:
            real = os.readlink(f"{_PROC_FD}/{fd}")
        except OSError:
            real = ""
        if not real.startswith(root_real + os.sep):
            os.close(fd)
            return None
    return fd


_RENDITION = re.compile(r"v(\d{1,5})(?:\.m3u8)?")


def rendition_height(relpath: str) -> int | None:
    """The video height a file belongs to, from the encoder's layout (``v720/…``, ``v720.m3u8``), else None."""
    found = _RENDITION.fullmatch(relpath.split("/", 1)[0])
    return int(found.group(1)) if found else None


def content_type(relpath: str) -> str:
    """The media type by file suffix (RFC 8216 §4 for .m3u8, ISO/IEC 23009-1 Annex C for .mpd)."""
    return CONTENT_TYPES.get(_suffix(relpath), "application/octet-stream")


def cache_control(relpath: str) -> str:
    """Long for immutable segments, short for manifests."""
    suffix = _suffix(relpath)
    if suffix in MANIFEST_SUFFIXES:
        return CACHE_MANIFEST
    if suffix in (".jpg", ".jpeg", ".png", ".json"):
        return CACHE_OTHER
    return CACHE_SEGMENT


def _suffix(relpath: str) -> str:
    return os.path.splitext(relpath)[1].lower()


def make_etag(size: int, mtime_ns: int, ino: int) -> str:
    """A strong validator from the file's identity, size and modification time (like nginx's)."""
    return f'"{ino:x}-{mtime_ns:x}-{size:x}"'
