"""Prometheus text exposition format (version 0.0.4), written by hand; the series are in ``live_metrics``.

Why by hand: a dozen series kept up to date as telemetry is stored; the format is
small (``# HELP``/``# TYPE`` lines, ``name{label="value"} number``, label values escaped for ``\\``,
``"`` and newline — https://prometheus.io/docs/instrumenting/exposition_formats/) and a client
library would add a process-global registry the in-process test backends would share.
"""
from __future__ import annotations

import math
from typing import Any

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(labels: dict[str, Any]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{_escape(str(v))}"' for k, v in labels.items()) + "}"


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class Exposition:
    """Collects metric families and renders them; one ``# HELP``/``# TYPE`` per family."""

    def __init__(self) -> None:
        self._families: dict[str, tuple[str, str, list[str]]] = {}

    def add(self, name: str, kind: str, help_text: str, value: float, **labels: Any) -> None:
        family = name.removesuffix("_sum").removesuffix("_count") if kind == "summary" else name
        _, _, lines = self._families.setdefault(family, (kind, help_text, []))
        lines.append(f"{name}{_labels(labels)} {_number(value)}")

    def render(self) -> str:
        out = []
        for family, (kind, help_text, lines) in self._families.items():
            out.append(f"# HELP {family} {help_text}")
            out.append(f"# TYPE {family} {kind}")
            out.extend(lines)
        return "\n".join(out) + "\n"
