"""Fault configuration for one edge: the admin API body (/tmp/layout.md "Edge admin") as a value.

An edge with faults is how CDN failover and ABR are tested for real (issue 2, "Edges"): every field is
optional and an empty body ``{}`` clears everything. Parsing is strict (unknown keys, booleans posing as
numbers, negative sizes are refused with :class:`FaultConfigError`) because a typo in a test's fault
body that silently turns into "no fault" would make a failover test pass for the wrong reason.

Defaults that make partial bodies useful: ``error_status`` alone fails every request
(``error_fraction`` 1.0); ``error_fraction`` alone fails with 503.
"""
from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backend_stub.edge.errors import FaultConfigError, TraceError

DEFAULT_ERROR_STATUS = 503
_KEYS = frozenset(
    {"error_status", "error_fraction", "latency_ms", "rate_kbps", "stall_after_bytes",
     "drop_after_bytes", "down", "trace", "corrupt", "corrupt_match", "seed"}
)


@dataclass(frozen=True, kw_only=True)
class TracePeriod:
    """One period of a throughput trace (Sabre JSON format, shared/abr-traces/README.md "Format 2")."""

    duration_ms: float
    bandwidth_kbps: float
    latency_ms: float = 0.0


@dataclass(frozen=True, kw_only=True)
class FaultConfig:
    """Faults currently injected on an edge. The default value is "healthy"."""

    error_status: int | None = None
    error_fraction: float = 0.0
    latency_ms: float = 0.0
    rate_kbps: float | None = None
    stall_after_bytes: int | None = None
    drop_after_bytes: int | None = None
    down: bool = False
    trace: tuple[TracePeriod, ...] = field(default_factory=tuple)
    corrupt: str | None = None  # "random": same length, random bytes; "half": the first half, honestly framed
    corrupt_match: str = ".m4s"  # ...on files whose path contains this
    seed: int = 0

    @property
    def shaped(self) -> bool:
        """True when response bodies are paced (a rate cap or a trace)."""
        return self.rate_kbps is not None or bool(self.trace)

    @classmethod
    def from_json(cls, body: Any) -> FaultConfig:
        """Parse the admin body; raise :class:`FaultConfigError` naming the first bad field."""
        if not isinstance(body, dict):
            raise FaultConfigError("fault body must be a JSON object")
        unknown = sorted(set(body) - _KEYS)
        if unknown:
            raise FaultConfigError(f"unknown fault field(s): {', '.join(unknown)}")
        status = _opt_int(body, "error_status", 400, 599)
        fraction = _opt_number(body, "error_fraction", 0.0, 1.0)
        if status is not None and fraction is None:
            fraction = 1.0
        if fraction and status is None:
            status = DEFAULT_ERROR_STATUS
        rate = _opt_number(body, "rate_kbps", 0.0, None)
        if rate == 0:
            raise FaultConfigError("rate_kbps must be > 0 (use stall_after_bytes to stop a body)")
        down = body.get("down", False)
        if down is None:
            down = False
        if not isinstance(down, bool):
            raise FaultConfigError("down must be true or false")
        trace = body.get("trace")
        corrupt = body.get("corrupt")
        if corrupt not in (None, "random", "half"):
            raise FaultConfigError("corrupt must be \"random\" or \"half\"")
        match = body.get("corrupt_match", ".m4s")
        if not isinstance(match, str) or not match or len(match) > 256:
            raise FaultConfigError("corrupt_match must be a non-empty string")
        return cls(
            error_status=status if fraction else None,
            error_fraction=fraction or 0.0,
            latency_ms=_opt_number(body, "latency_ms", 0.0, 600_000.0) or 0.0,
            rate_kbps=rate,
            stall_after_bytes=_opt_int(body, "stall_after_bytes", 0, None),
            drop_after_bytes=_opt_int(body, "drop_after_bytes", 0, None),
            down=down,
            trace=parse_trace(trace) if trace is not None else (),
            corrupt=corrupt,
            corrupt_match=match,
            seed=_opt_int(body, "seed", None, None) or 0,
        )

    def to_json(self) -> dict[str, Any]:
        """The admin body that recreates this config (only the active fields)."""
        out: dict[str, Any] = {}
        if self.error_status is not None:
            out["error_status"] = self.error_status
            out["error_fraction"] = self.error_fraction
        if self.latency_ms:
            out["latency_ms"] = self.latency_ms
        for key in ("rate_kbps", "stall_after_bytes", "drop_after_bytes"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.down:
            out["down"] = True
        if self.corrupt:
            out["corrupt"] = self.corrupt
            out["corrupt_match"] = self.corrupt_match
        if self.trace:
            out["trace"] = [
                {"duration_ms": p.duration_ms, "bandwidth_kbps": p.bandwidth_kbps, "latency_ms": p.latency_ms}
                for p in self.trace
            ]
        if self.seed:
            out["seed"] = self.seed
        return out


def parse_trace(periods: Any) -> tuple[TracePeriod, ...]:
    """Validate a list of ``{duration_ms, bandwidth_kbps, latency_ms}`` periods (latency optional)."""
    if not isinstance(periods, list) or not periods:
        raise TraceError("trace must be a non-empty list of periods")
    out = []
    for i, p in enumerate(periods):
        if not isinstance(p, dict) or set(p) - {"duration_ms", "bandwidth_kbps", "latency_ms"}:
            raise TraceError(f"trace[{i}] must be an object with duration_ms, bandwidth_kbps, latency_ms")
        duration = _opt_number(p, "duration_ms", 0.0, None, where=f"trace[{i}].")
        bandwidth = _opt_number(p, "bandwidth_kbps", 0.0, None, where=f"trace[{i}].")
        if duration is None or duration <= 0 or bandwidth is None:
            raise TraceError(f"trace[{i}] needs duration_ms > 0 and bandwidth_kbps >= 0")
        latency = _opt_number(p, "latency_ms", 0.0, 600_000.0, where=f"trace[{i}].") or 0.0
        out.append(TracePeriod(duration_ms=duration, bandwidth_kbps=bandwidth, latency_ms=latency))
    if not any(p.bandwidth_kbps > 0 for p in out):
        raise TraceError("trace has no period with bandwidth_kbps > 0: nothing could ever be sent")
    return tuple(out)


def load_trace(path: Path, *, latency_ms: float = 80.0) -> tuple[TracePeriod, ...]:
    """Read a trace file from shared/abr-traces/: Sabre JSON, or Pensieve cooked ``<t_s>\\t<Mbit/s>`` text.

    Cooked text is converted by the README's rule: sample i holds for t[i+1]-t[i], the last sample
    gets the median step, and every period pays ``latency_ms`` (Pensieve's 80 ms RTT).
    """
    try:
        text = path.read_text()
    except OSError as exc:
        raise TraceError(f"cannot read trace {path.name}: {exc.strerror}") from None
    if text.lstrip().startswith("["):
        try:
            return parse_trace(json.loads(text))
        except json.JSONDecodeError as exc:
            raise TraceError(f"{path.name}: bad JSON at line {exc.lineno}") from None
    samples: list[tuple[float, float]] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        try:
            samples.append((float(parts[0]), float(parts[1])))
        except (IndexError, ValueError):
            raise TraceError(f"{path.name}:{lineno}: expected '<seconds> <Mbit/s>'") from None
    if len(samples) < 2:
        raise TraceError(f"{path.name}: a cooked trace needs at least two samples")
    median = statistics.median(b[0] - a[0] for a, b in zip(samples, samples[1:]))
    periods = []
    for i, (t, mbps) in enumerate(samples):
        step = samples[i + 1][0] - t if i + 1 < len(samples) else median
        if step > 0:
            periods.append({"duration_ms": step * 1000.0, "bandwidth_kbps": mbps * 1000.0, "latency_ms": latency_ms})
    return parse_trace(periods)


def _opt_number(body: dict[str, Any], key: str, lo: float | None, hi: float | None, *, where: str = "") -> float | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise FaultConfigError(f"{where}{key} must be a number")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise FaultConfigError(f"{where}{key} must be in [{lo}, {hi if hi is not None else 'inf'}]")
    return float(value)


def _opt_int(body: dict[str, Any], key: str, lo: int | None, hi: int | None) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FaultConfigError(f"{key} must be an integer")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise FaultConfigError(f"{key} must be in [{lo}, {hi if hi is not None else 'inf'}]")
    return value
