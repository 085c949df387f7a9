"""The QA matrix file (``reelbox qa MATRIX.toml``): its format, parsing, the cells it expands to, and the
thresholds a cell is judged by. Run ``reelbox qa --example`` for a runnable file.

Matrix file::

    [qa]
    backend = "bundled"          # or "http://host:port" (our API), or omitted for URL targets only
    data = "backend-data"        # bundled: the data dir to serve (relative to the matrix file)
    edges = 2
    jobs = 2
    until_s = 12                 # optional: stop each session here
    abr = "reelbox"              # optional; also: format = "dash" | "hls", buffer_s = 30
    targets = ["title-a", "http://cdn.example/x/manifest.mpd"]
    traces = ["none", "../shared/abr-traces/lte/report_bus_0001.json"]

    [thresholds]                 # a cell fails when any is crossed (all optional)
    max_startup_ms = 4000
    max_rebuffer_s = 2.0
    max_rebuffer_count = 3
    min_avg_bitrate_kbps = 200
    min_qoe_lin = 0.0
    max_decoder_errors = 0
    max_errors = 0
    min_played_ratio = 0.95      # played_s / expected seconds (until_s or the title's length)
    max_cdn_failovers = 2
    max_abandonments = 2         # video downloads the ABR gave up on mid-way and refetched lower

    [[faults]]
    name = "none"
    [[faults]]
    name = "edge0-down-20s"
    at_s = 20                    # after the session's first edge request; 0 = before it starts
    edges = [0]                  # default: every edge
    body = { down = true }       # POST /api/v1/admin/edges/{n}/faults
    thresholds = { max_rebuffer_s = 4.0 }   # per-fault overrides

A target is a catalog title id (played through the backend) or an ``.m3u8``/``.mpd`` URL (faults
other than ``none`` skip URL targets: they need our edges). Traces are Pensieve text or Sabre JSON
throughput traces (``reelbox play --trace``). ``reelbox qa --backend URL`` overrides ``[qa] backend``.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from player.backend import server_root

EXAMPLE = """\
# A smoke matrix against a running backend: start one first with `reelbox backend`
# (its first run builds the demo catalog, ~3 min), then: reelbox qa smoke.toml --out qa-out
[qa]
backend = "http://127.0.0.1:8700"   # or "bundled" with data = "<backend data dir>"
until_s = 8                         # stop each session here
targets = ["colour-bars"]           # catalog ids and/or .m3u8/.mpd URLs
traces = ["none"]                   # or paths to throughput traces, relative to this file

[thresholds]                        # a cell fails when any is crossed
max_startup_ms = 4000
max_rebuffer_s = 1.0
max_errors = 0
min_played_ratio = 0.9

[[faults]]
name = "none"

[[faults]]
name = "edge0-down-3s"
at_s = 3                            # seconds after the session's first edge request
edges = [0]
body = { down = true }              # POST /api/v1/admin/edges/{n}/faults
thresholds = { max_cdn_failovers = 4 }
"""


FIGURES = ("startup_ms", "played_s", "rebuffer_count", "rebuffer_s", "avg_bitrate_kbps", "switches",
           "cdn_failovers", "abandonments", "qoe_lin", "decoder_errors")
LIMITS = {  # threshold key → (report figure, "max" | "min")
    "max_startup_ms": ("startup_ms", "max"), "max_rebuffer_s": ("rebuffer_s", "max"),
    "max_rebuffer_count": ("rebuffer_count", "max"), "min_avg_bitrate_kbps": ("avg_bitrate_kbps", "min"),
    "min_qoe_lin": ("qoe_lin", "min"), "max_decoder_errors": ("decoder_errors", "max"),
    "max_errors": ("errors", "max"), "min_played_ratio": ("played_ratio", "min"),
    "max_cdn_failovers": ("cdn_failovers", "max"), "max_abandonments": ("abandonments", "max"),
}


class QaError(Exception):
    """A matrix that cannot run (bad file, backend that will not start); exit 1 with the message."""


@dataclass(frozen=True, kw_only=True)
class Fault:
    name: str
    body: dict[str, Any] = field(default_factory=dict)
    edges: tuple[int, ...] | None = None  # None: every edge
    at_s: float = 0.0
    thresholds: dict[str, float] = field(default_factory=dict)

    @property
    def none(self) -> bool:
        return not self.body


@dataclass(frozen=True, kw_only=True)
class Matrix:
    targets: tuple[str, ...]
    traces: tuple[str | None, ...]
    faults: tuple[Fault, ...]
    thresholds: dict[str, float]
    backend: str | None  # "bundled", an API URL, or None
    data: Path | None
    edges: int = 2
    jobs: int | None = None
    until_s: float | None = None
    abr: str | None = None
    fmt: str = "dash"
    buffer_s: float | None = None


@dataclass(frozen=True, kw_only=True)
class Cell:
    index: int
    target: str
    trace: str | None
    fault: Fault

    @property
    def slug(self) -> str:
        trace = Path(self.trace).stem if self.trace else "none"
        raw = f"{self.index:03d}-{self.target.rsplit('/', 2)[-2] if '://' in self.target else self.target}-{trace}-{self.fault.name}"
        return re.sub(r"[^A-Za-z0-9._-]+", "_", raw)[:120]


def _check_thresholds(values: dict[str, Any], where: str) -> dict[str, float]:
    unknown = set(values) - set(LIMITS)
    if unknown:
        raise QaError(f"{where}: unknown threshold(s) {', '.join(sorted(unknown))} (known: {', '.join(LIMITS)})")
    return {k: float(v) for k, v in values.items()}


def load_matrix(path: str | Path) -> Matrix:
    """Parse and check a matrix file; relative paths are taken from the file's folder."""
    file = Path(path)
    try:
        doc = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise QaError(f"cannot read matrix {file}: {exc}") from None
    base = file.parent
    qa = doc.get("qa", {})
    targets = tuple(str(t) for t in qa.get("targets", doc.get("targets", [])))
    if not targets:
        raise QaError(f"{file}: no targets")
    traces: list[str | None] = []
    for t in qa.get("traces", doc.get("traces", ["none"])):
        if t in ("none", "", None):
            traces.append(None)
        else:
            p = (base / t).resolve()
            if not p.is_file():
                raise QaError(f"{file}: trace {t} not found")
            traces.append(str(p))
    faults = []
    for f in doc.get("faults", [{"name": "none"}]):
        edges = f.get("edges")
        faults.append(Fault(name=str(f.get("name", "fault")), body=dict(f.get("body", {})),
                            edges=None if edges in (None, "all") else tuple(int(e) for e in edges),
                            at_s=float(f.get("at_s", 0.0)),
                            thresholds=_check_thresholds(f.get("thresholds", {}), f"fault {f.get('name')}")))
    backend = qa.get("backend")
    data = (base / qa["data"]).resolve() if qa.get("data") else None
    if backend == "bundled" and (data is None or not (data / "backend.sqlite").is_file()):
        raise QaError(f"{file}: backend = \"bundled\" needs data = <a backend data dir with backend.sqlite>")
    return Matrix(
        targets=targets, traces=tuple(traces), faults=tuple(faults),
        thresholds=_check_thresholds(doc.get("thresholds", {}), "[thresholds]"), backend=backend, data=data,
        edges=int(qa.get("edges", 2)), jobs=qa.get("jobs"), until_s=qa.get("until_s"), abr=qa.get("abr"),
        fmt=str(qa.get("format", "dash")), buffer_s=qa.get("buffer_s"),
    )


def cells(matrix: Matrix) -> list[Cell]:
    """Every (target, trace, fault); faults other than ``none`` only for catalog targets (ours)."""
    out: list[Cell] = []
    for target in matrix.targets:
        for trace in matrix.traces:
            for fault in matrix.faults:
                if "://" in target and not fault.none:
                    continue
                out.append(Cell(index=len(out), target=target, trace=trace, fault=fault))
    return out


def judge(report: dict[str, Any], thresholds: dict[str, float], expected_s: float | None) -> list[str]:
    """The thresholds ``report`` crosses, as sentences (empty: the cell passed)."""
    failed = []
    values = dict(report)
    values["errors"] = len(report.get("errors", []))
    if expected_s:
        values["played_ratio"] = round((report.get("played_s") or 0.0) / expected_s, 3)
    for key, limit in thresholds.items():
        figure, kind = LIMITS[key]
        value = values.get(figure)
        if value is None:
            if figure != "played_ratio":
                failed.append(f"{figure} missing ({key} {limit:g})")
            continue
        if (kind == "max" and value > limit) or (kind == "min" and value < limit):
            failed.append(f"{figure} {value:g} {'>' if kind == 'max' else '<'} {limit:g}")
    if report.get("complete") is False and not report.get("live"):
        failed.append("incomplete play (the report's complete is false)")
    return failed


def with_backend(matrix: Matrix, backend: str | None) -> Matrix:
    """The matrix with ``--backend URL`` in place of the file's ``[qa] backend``."""
    return matrix if not backend else replace(matrix, backend=server_root(backend), data=None)
