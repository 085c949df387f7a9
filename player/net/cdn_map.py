"""Map a URL on one CDN to the same object on the others.

The backend hands out one manifest URL per edge (layout contract:
``http://<edge>/c/<expires>-<sig>/<title_id>/manifest.mpd``) and every edge serves the same tree,
so an object's URL on edge B is edge A's URL with the prefix up to the title folder swapped. A
signed *query string* on the manifest URL is swapped too when the object carries the same one.

URLs that match no known prefix (a DASH ``BaseURL`` or an HLS redundant variant on another host)
become CDNs of their own keyed by their folder; those are not rewritten into (their layout is
unknown), they simply offer the URLs the manifest gave for them.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit


@dataclass(frozen=True, kw_only=True)
class CdnBase:
    """One CDN: the URL prefix of the title folder on it, and the query string its URLs carry."""

    index: int
    prefix: str  # scheme://host:port/path/ (ends with '/')
    query: str = ""
    mappable: bool = True  # True for the per-edge manifests of one title (same tree on each)
    probe_url: str = ""  # a small object known to exist there (the manifest, or the first URL seen)


def folder_of(url: str) -> tuple[str, str]:
    """(prefix up to the last '/' of the path, query string) of ``url``."""
    parts = urlsplit(url)
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path[: path.rfind("/") + 1], "", "")), parts.query


class CdnMap:
    """The CDNs of one title, and the rewriting of object URLs between them."""

    def __init__(self, origins: list[str]) -> None:
        self.bases: list[CdnBase] = []
        for url in origins:
            prefix, query = folder_of(url)
            self.bases.append(CdnBase(index=len(self.bases), prefix=prefix, query=query, probe_url=url))

    def __len__(self) -> int:
        return len(self.bases)

    def cdn_of(self, url: str) -> int | None:
        """The CDN whose prefix covers ``url``: the longest exact prefix, else a title-folder match.

        The fallback accepts a path that differs from an origin's prefix in one segment only (a
        rotated path token such as ``/c/<expires>-<sig>/``) while the host and the title folder agree.
        """
        low = _lower_authority(url)
        best: CdnBase | None = None
        for base in self.bases:
            if low.startswith(base.prefix) and (best is None or len(base.prefix) > len(best.prefix)):
                best = base
        if best is not None:
            return best.index
        for base in self.bases:
            if base.mappable and _same_folder_but_token(low, base.prefix):
                return base.index
        return None

    def adopt(self, url: str) -> int:
        """The CDN of ``url``, registering its folder as a new (non-mappable) CDN if unknown."""
        found = self.cdn_of(url)
        if found is not None:
            return found
        prefix, query = folder_of(url)
        self.bases.append(CdnBase(index=len(self.bases), prefix=prefix, query=query, mappable=False, probe_url=url))
        return len(self.bases) - 1

    def rewrite(self, url: str, target: int) -> str | None:
        """``url`` moved onto CDN ``target``; ``None`` when it cannot be mapped there."""
        source = self.cdn_of(url)
        if source is None:
            return None
        if source == target:
            return url
        src, dst = self.bases[source], self.bases[target]
        if not (src.mappable and dst.mappable):
            return None
        parts = urlsplit(url)
        depth = urlsplit(src.prefix).path.count("/")
        rest_path = parts.path.split("/", depth)[depth] if parts.path.count("/") >= depth else ""
        query = dst.query if src.query and parts.query == src.query else parts.query
        target_parts = urlsplit(dst.prefix)
        return urlunsplit((target_parts.scheme, target_parts.netloc, target_parts.path + rest_path, query, ""))

    def candidates(self, urls: list[str]) -> dict[int, str]:
        """CDN index → URL to request there, from the given alternatives plus rewrites of the first."""
        out: dict[int, str] = {}
        for url in urls:
            out.setdefault(self.adopt(url), url)
        for base in self.bases:
            if base.index in out:
                continue
            for url in urls:
                mapped = self.rewrite(url, base.index)
                if mapped is not None:
                    out[base.index] = mapped
                    break
        return out


def _lower_authority(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))


def _same_folder_but_token(url: str, prefix: str) -> bool:
    u, p = urlsplit(url), urlsplit(prefix)
    if (u.scheme, u.netloc) != (p.scheme, p.netloc):
        return False
    want = p.path.split("/")[:-1]  # "/c/tok/title/" → ["", "c", "tok", "title"]
    have = u.path.split("/")[: len(want)]
    if len(want) < 3 or len(have) < len(want) or u.path.count("/") < len(want) or have[-1] != want[-1]:
        return False
    return sum(a != b for a, b in zip(have, want)) <= 1
