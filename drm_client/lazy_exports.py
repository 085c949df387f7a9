"""A package's public names imported on first use (PEP 562), so importing the package costs nothing.

Why (issue 19): ``reelbox download`` paid for every module a package's ``__init__`` imported — the
licence client's HTTP stack, the keyring's backend discovery, the SQLite licence store — before its
first request. ``drm_client`` and ``downloads`` (which may import ``drm_client``) share this hook.
"""
from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` for ``package``: ``exports`` maps each public name to the module defining it."""
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str) -> object:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value  # later lookups are plain attribute reads
        return value

    return __getattr__
