"""`reelbox qa MATRIX.toml`: targets × traces × faults, headless, a summary table with thresholds (issue 9).

Each cell is one real ``reelbox play TARGET --headless --report cell.json`` process (the same command a
QA engineer runs by hand, and true parallelism on a multi-core box: ``jobs`` cells at once, default
``min(2, cores)``). Traces shape the client (``--trace``), so they work against any CDN. Faults go
through the backend's edge admin API (layout contract "Edge admin"), so they need a backend of ours:
with ``backend = "bundled"`` every worker slot starts its own ``Backend`` over a hard-linked copy of
``data`` — faults on one slot's edges cannot leak into a cell running on another slot. Against an
external backend URL the faulted cells run one at a time. Cells whose target is a plain URL (not
ours) run only with the ``none`` fault.

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

The summary (``summary.json`` + ``summary.html`` in the output folder) holds, per cell, the figures
*read from that cell's own QoE report*, the thresholds it crossed and links to the cell's HTML
report and request CSV. Exit status 1 when any cell failed.
"""
from __future__ import annotations

import asyncio
import html
import json
import os
import re
import shutil
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from player.backend import BackendClient, BackendError, login_from_env
from ui.bundled_backend import backend_module
from ui.report_html import write_html_report
from ui.svg_chart import CSS

FIGURES = ("startup_ms", "played_s", "rebuffer_count", "rebuffer_s", "avg_bitrate_kbps", "switches",
           "cdn_failovers", "abandonments", "qoe_lin", "decoder_errors")
LIMITS = {  # threshold key → (report figure, "max" | "min")
    "max_startup_ms": ("startup_ms", "max"), "max_rebuffer_s": ("rebuffer_s", "max"),
    "max_rebuffer_count": ("rebuffer_count", "max"), "min_avg_bitrate_kbps": ("avg_bitrate_kbps", "min"),
    "min_qoe_lin": ("qoe_lin", "min"), "max_decoder_errors": ("decoder_errors", "max"),
    "max_errors": ("errors", "max"), "min_played_ratio": ("played_ratio", "min"),
    "max_cdn_failovers": ("cdn_failovers", "max"), "max_abandonments": ("abandonments", "max"),
}
CELL_TIMEOUT_S = 600.0


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
    return failed


class _Slot:
    """One worker: a backend (bundled, private; or shared external) and, once needed, an admin sign-in."""

    def __init__(self, api_url: str | None, backend: Any = None) -> None:
        self.api_url = api_url
        self.backend = backend
        self.client: BackendClient | None = None  # signed in as an administrator
        self.edge_count = 0

    async def admin(self) -> None:
        if self.api_url is None or self.client is not None:
            return
        client = BackendClient(self.api_url)
        try:
            await client.login(*login_from_env())
            edges = await client.request("GET", "/admin/edges")
        except BackendError as exc:
            await client.aclose()
            raise QaError(f"cannot use the edge admin API of {self.api_url} (the account must be an "
                          f"administrator): {exc}") from None
        self.client = client
        self.edge_count = len(edges.get("edges", [])) if isinstance(edges, dict) else 0

    async def edge_requests(self) -> int:
        """Requests the edges have logged so far (0 without admin access)."""
        if self.client is None:
            return 0
        try:
            body = await self.client.request("GET", "/admin/edges")
        except BackendError:
            return 0
        edges = body.get("edges", []) if isinstance(body, dict) else []
        return sum(e.get("requests", 0) for e in edges if isinstance(e, dict))

    async def set_faults(self, fault: Fault | None) -> None:
        """Clear every edge, then apply ``fault`` to its edges (``None`` only clears)."""
        if self.client is None:
            return
        targets = range(self.edge_count) if fault is None or fault.edges is None else fault.edges
        for n in range(self.edge_count):
            body = fault.body if fault is not None and n in targets else {}
            try:
                await self.client.send("POST", f"/admin/edges/{n}/faults", json=body)
            except BackendError as exc:
                raise QaError(f"edge {n} refused faults {body}: {exc}") from None

    async def aclose(self) -> None:
        if self.client is not None:
            await self.client.aclose()


class Runner:
    """Runs a matrix into ``out_dir``; ``run()`` returns the summary dict."""

    def __init__(self, matrix: Matrix, out_dir: Path, *, jobs: int | None = None) -> None:
        self.matrix = matrix
        self.out_dir = out_dir
        cores = os.cpu_count() or 1
        self.jobs = max(1, jobs or matrix.jobs or min(2, cores))
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    def _start_slots(self) -> list[_Slot]:
        m = self.matrix
        if m.backend == "bundled":
            Backend = backend_module("server").Backend
            assert m.data is not None
            self._tmp = tempfile.TemporaryDirectory(prefix="reelbox-qa-")
            slots = []
            for i in range(self.jobs):
                data = Path(self._tmp.name) / f"slot{i}"
                _link_copy(m.data, data)
                slots.append(_Slot(None, Backend(data, edges=m.edges)))
            for slot in slots:
                slot.api_url = slot.backend.start().api_url
            return slots
        return [_Slot(m.backend) for _ in range(self.jobs)]

    def _stop_slots(self, slots: list[_Slot]) -> None:
        for slot in slots:
            if slot.backend is not None:
                slot.backend.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    def _command(self, cell: Cell, slot: _Slot, report: Path) -> list[str]:
        m = self.matrix
        # every cell starts at 0: cells of one title share an account, so its resume point would leak between cells
        cmd = [sys.executable, "-m", "ui", "play", cell.target, "--headless", "--report", str(report), "--format", m.fmt,
               "--start", "0"]
        if "://" not in cell.target:
            if slot.api_url is None:
                raise QaError(f"target {cell.target!r} is a catalog id but the matrix names no backend")
            cmd += ["--backend", slot.api_url]
        if cell.trace:
            cmd += ["--trace", cell.trace]
        if m.until_s is not None:
            cmd += ["--until", str(m.until_s)]
        if m.abr:
            cmd += ["--abr", m.abr]
        if m.buffer_s is not None:
            cmd += ["--buffer", str(m.buffer_s)]
        return cmd

    async def _run_cell(self, cell: Cell, slot: _Slot) -> dict[str, Any]:
        report_path = self.out_dir / f"{cell.slug}.json"
        if "://" not in cell.target or not cell.fault.none:
            await slot.admin()
        await slot.set_faults(None)
        started = time.monotonic()
        baseline = await slot.edge_requests()
        if cell.fault.at_s <= 0:
            await slot.set_faults(cell.fault if not cell.fault.none else None)
        proc = await asyncio.create_subprocess_exec(
            *self._command(cell, slot, report_path), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        delayed = None
        if cell.fault.at_s > 0 and not cell.fault.none:
            async def later() -> None:
                # at_s counts from the session's first edge request, not from process start (imports take seconds)
                while await slot.edge_requests() <= baseline:
                    await asyncio.sleep(0.05)
                await asyncio.sleep(cell.fault.at_s)
                await slot.set_faults(cell.fault)
            delayed = asyncio.create_task(later())
        try:
            out, err = await asyncio.wait_for(proc.communicate(), CELL_TIMEOUT_S)
        except asyncio.TimeoutError:
            proc.kill()
            out, err = await proc.communicate()
            err += b"\nerror: cell timed out"
        finally:
            if delayed is not None:
                delayed.cancel()
                await asyncio.gather(delayed, return_exceptions=True)
            await slot.set_faults(None)
        return self._result(cell, report_path, proc.returncode, err.decode(errors="replace"), time.monotonic() - started)

    def _result(self, cell: Cell, report_path: Path, code: int | None, stderr: str, wall_s: float) -> dict[str, Any]:
        row: dict[str, Any] = {"cell": cell.index, "target": cell.target,
                               "trace": Path(cell.trace).name if cell.trace else "none", "fault": cell.fault.name,
                               "exit": code, "wall_s": round(wall_s, 2)}
        try:
            report = json.loads(report_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            report = None
        thresholds = {**self.matrix.thresholds, **cell.fault.thresholds}
        if report is None:
            last = stderr.strip().splitlines()[-1] if stderr.strip() else "no report"
            row.update({k: None for k in FIGURES}, errors=[last], failed=[f"no report: {last}"], passed=False)
            return row
        html_path = report_path.with_suffix(".html")
        write_html_report(report, html_path)
        expected = self.matrix.until_s or _media_length(report)
        failed = judge(report, thresholds, expected)
        if code not in (0, None):
            failed.insert(0, f"session failed (exit {code})")
        row.update({k: report.get(k) for k in FIGURES})
        row.update(errors=[f"{e.get('code')}: {e.get('message')}" for e in report.get("errors", [])],
                   report=report_path.name, html=html_path.name, csv=report_path.with_suffix("").name + ".requests.csv",
                   requests=len(report.get("requests", [])), failed=failed, passed=not failed)
        return row

    async def _worker(self, slot: _Slot, queue: asyncio.Queue[Cell], rows: list[dict[str, Any]],
                      serial: asyncio.Lock) -> None:
        while True:
            try:
                cell = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            if slot.backend is None and not cell.fault.none:  # a shared external backend: faults one at a time
                async with serial:
                    rows.append(await self._run_cell(cell, slot))
            else:
                rows.append(await self._run_cell(cell, slot))

    async def run(self) -> dict[str, Any]:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        todo = cells(self.matrix)
        started = time.monotonic()
        slots = await asyncio.to_thread(self._start_slots)
        rows: list[dict[str, Any]] = []
        try:
            queue: asyncio.Queue[Cell] = asyncio.Queue()
            for cell in todo:
                queue.put_nowait(cell)
            serial = asyncio.Lock()
            await asyncio.gather(*(self._worker(s, queue, rows, serial) for s in slots))
        finally:
            for slot in slots:
                await slot.aclose()
            await asyncio.to_thread(self._stop_slots, slots)
        rows.sort(key=lambda r: r["cell"])
        summary = {
            "cells": rows, "total": len(rows), "failed": sum(not r["passed"] for r in rows),
            "thresholds": self.matrix.thresholds, "jobs": self.jobs, "elapsed_s": round(time.monotonic() - started, 2),
        }
        (self.out_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        (self.out_dir / "summary.html").write_text(render_summary(summary), encoding="utf-8")
        return summary


def _media_length(report: dict[str, Any]) -> float | None:
    video = [s for s in report.get("segments", []) if s.get("type") == "video"]
    if not video:
        return None
    return max(s["start_s"] + s.get("duration_s", 0.0) for s in video) - (report.get("start_s") or 0.0)


def _link_copy(src: Path, dst: Path) -> None:
    """Copy a backend data dir cheaply: media hard-linked, the SQLite database copied (it is written to)."""
    def copy(a: str, b: str) -> object:
        if ".sqlite" in Path(a).name:
            return shutil.copy2(a, b)
        try:
            os.link(a, b)
            return b
        except OSError:
            return shutil.copy2(a, b)

    shutil.copytree(src, dst, copy_function=copy, ignore=shutil.ignore_patterns(".staging"))


def render_summary(summary: dict[str, Any]) -> str:
    """The summary table as a self-contained HTML page (one row per cell, failures in red)."""
    head = "".join(f"<th>{c}</th>" for c in ("#", "target", "trace", "fault", *FIGURES, "verdict", "report"))
    rows = []
    for r in summary["cells"]:
        cls = "pass" if r["passed"] else "fail"
        verdict = "pass" if r["passed"] else "FAIL: " + "; ".join(r["failed"])
        link = (f'<a href="{html.escape(r["html"])}">html</a> · <a href="{html.escape(r["report"])}">json</a> · '
                f'<a href="{html.escape(r["csv"])}">csv</a>') if r.get("html") else "–"
        figures = "".join(f"<td>{'–' if r.get(c) is None else html.escape(str(r.get(c)))}</td>" for c in FIGURES)
        rows.append(f'<tr class="{cls}"><td>{r["cell"]}</td><td class="l">{html.escape(r["target"])}</td>'
                    f'<td class="l">{html.escape(r["trace"])}</td><td class="l">{html.escape(r["fault"])}</td>{figures}'
                    f'<td class="l v">{html.escape(verdict)}</td><td class="l">{link}</td></tr>')
    thresholds = ", ".join(f"{k} {v:g}" for k, v in summary["thresholds"].items()) or "none"
    state = (f'<span class="bad">{summary["failed"]} of {summary["total"]} cells failed</span>' if summary["failed"]
             else f'<span class="good">all {summary["total"]} cells passed</span>')
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Reelbox QA matrix</title>"
            f"<style>{CSS}</style></head><body><h1>Reelbox QA matrix</h1><p>{state} · {summary['jobs']} at once · "
            f"{summary['elapsed_s']} s</p><p class=\"muted\">Thresholds: {html.escape(thresholds)}</p>"
            f"<table><tr>{head}</tr>{''.join(rows)}</table></body></html>")


def run_cli(matrix_path: str, *, out_dir: str | None = None, jobs: int | None = None) -> int:
    """``reelbox qa``: run, print the table, exit 1 when any cell failed its thresholds."""
    matrix = load_matrix(matrix_path)
    summary = asyncio.run(Runner(matrix, Path(out_dir or "qa-out"), jobs=jobs).run())
    for r in summary["cells"]:
        verdict = "pass" if r["passed"] else "FAIL " + "; ".join(r["failed"])
        print(f"{r['cell']:>3} {r['target'][:28]:<28} {r['trace'][:24]:<24} {r['fault'][:16]:<16} "
              f"startup {r.get('startup_ms')} ms, rebuf {r.get('rebuffer_s')} s, {r.get('avg_bitrate_kbps')} kbit/s, "
              f"qoe {r.get('qoe_lin')}  {verdict}")
    print(f"{summary['total'] - summary['failed']}/{summary['total']} cells passed in {summary['elapsed_s']} s "
          f"({summary['jobs']} at once); summary: {Path(out_dir or 'qa-out') / 'summary.html'}")
    return 1 if summary["failed"] else 0
