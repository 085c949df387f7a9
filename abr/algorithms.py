"""The registry: every algorithm by name, so the simulator, the benchmark and the engine's scheduler
build exactly the same objects (``by_name`` returns a fresh, reset instance each call)."""
from __future__ import annotations

from collections.abc import Callable

from .baselines.bba import Bba0
from .baselines.bola import Bola, BolaE
from .baselines.dynamic import Dynamic
from .baselines.mpc import RobustMpc
from .baselines.throughput import ThroughputRule
from .errors import UnknownAlgorithmError
from .reelbox import Reelbox
from .reelbox_r2 import ReelboxR2
from .state import Algorithm

DEFAULT_ALGORITHM = "reelbox-r2"  # round two; round one stays as "reelbox" (abr/README.md)

_FACTORIES: dict[str, Callable[[], Algorithm]] = {
    "reelbox": Reelbox,
    "reelbox-r2": ReelboxR2,
    "dynamic": Dynamic,
    "robust-mpc": RobustMpc,
    "bola-e": BolaE,
    "bola": Bola,
    "throughput": ThroughputRule,
    "bba0": Bba0,
}

_ALIASES = {"bolae": "bola-e", "mpc": "robust-mpc", "robustmpc": "robust-mpc", "bba": "bba0", "bba-0": "bba0",
            "throughput-rule": "throughput", "default": DEFAULT_ALGORITHM}


def names() -> list[str]:
    """Registered names, the default first."""
    return list(_FACTORIES)


def canonical(name: str) -> str:
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in _FACTORIES:
        raise UnknownAlgorithmError(f"unknown ABR algorithm {name!r} (known: {', '.join(_FACTORIES)})")
    return key


def by_name(name: str) -> Algorithm:
    """A new instance of the algorithm registered as ``name`` (aliases accepted)."""
    algo = _FACTORIES[canonical(name)]()
    algo.name = canonical(name)
    return algo


def default_algorithm() -> Algorithm:
    """The algorithm the engine ships with."""
    return by_name(DEFAULT_ALGORITHM)
