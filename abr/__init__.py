"""Rate adaptation: bandwidth estimation, ABR algorithms, trace-driven simulator, QoE metrics.

Pure Python with no I/O and no clock of its own: time is passed in (``abr.bench`` alone reads files).
The engine's scheduler builds an :class:`AbrState` per segment and calls the object returned by
:func:`default_algorithm` — the same class the benchmark measures.
"""
from .algorithms import DEFAULT_ALGORITHM, by_name, default_algorithm, names
from .errors import AbrError, LadderError, TraceError, UnknownAlgorithmError
from .estimators import DualEwma, SlidingHarmonic, ThroughputTracker
from .session import AbrSession
from .state import AbrState, Algorithm, Decision, DownloadResult, Phase, Progress, Sample

__all__ = [
    "DEFAULT_ALGORITHM", "by_name", "default_algorithm", "names",
    "AbrError", "LadderError", "TraceError", "UnknownAlgorithmError",
    "DualEwma", "SlidingHarmonic", "ThroughputTracker", "AbrSession",
    "AbrState", "Algorithm", "Decision", "DownloadResult", "Phase", "Progress", "Sample",
]
