"""`reelbox qa MATRIX.toml`: targets × traces × faults, headless, a summary table with thresholds (issue 9).

Each cell is one real ``reelbox play TARGET --headless --report cell.json`` process (the same command a
QA engineer runs by hand, and true parallelism on a multi-core box: ``jobs`` cells at once, default
``min(2, cores)``). Traces shape the client (``--trace``), so they work against any CDN. Faults go
through the backend's edge admin API (layout contract "Edge admin"), so they need a backend of ours:
with ``backend = "bundled"`` every worker slot starts its own ``Backend`` over a hard-linked copy of
``data`` — faults on one slot's edges cannot leak into a cell running on another slot. Against an
external backend URL the faulted cells run one at a time. Cells whose target is a plain URL (not
ours) run only with the ``none`` fault.

The matrix format is in :mod:`ui.qa_matrix` (and ``reelbox qa --help``).

The summary (``summary.json`` + ``summary.html`` in the output folder) holds, per cell, the figures
*read from that cell's own QoE report*, the thresholds it crossed and links to the cell's HTML
report and request CSV. Exit status 1 when any cell failed.
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from player.backend import BackendClient, BackendError, login_from_env
from ui.bundled_backend import backend_module
from ui.qa_matrix import FIGURES, Cell, Fault, Matrix, QaError, cells, judge, load_matrix, with_backend
from ui.qa_summary import render_summary
from ui.report_html import write_html_report

CELL_TIMEOUT_S = 600.0


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
                slots.append(_Slot(None, Backend(data, demo_user=True, edges=m.edges)))
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
        # every cell starts at the beginning (no --resume: cells of one title share an account, so its resume point
        # would leak between cells; no --start: a live cell starts at the hold-back point, where "--start 0" would be
        # a position on its timeline); and cold: a throughput estimate carried from the cell before would make its
        # start depend on the order
        cmd = [sys.executable, "-m", "ui", "play", cell.target, "--headless", "--report", str(report), "--format", m.fmt,
               "--cold-start"]
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
        applied = [cell.fault.none or cell.fault.at_s <= 0]
        if not applied[0]:
            async def later() -> None:
                # at_s counts from the session's first edge request, not from process start (imports take seconds)
                while await slot.edge_requests() <= baseline:
                    await asyncio.sleep(0.05)
                await asyncio.sleep(cell.fault.at_s)
                await slot.set_faults(cell.fault)
                applied[0] = True
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
        row = self._result(cell, report_path, proc.returncode, err.decode(errors="replace"), time.monotonic() - started)
        if not applied[0]:  # the session ended before the fault's time: the cell did not test what it names
            row["failed"].append(f"fault {cell.fault.name} never applied: the session ended before {cell.fault.at_s:g} s")
            row["passed"] = False
        return row

    def _result(self, cell: Cell, report_path: Path, code: int | None, stderr: str, wall_s: float) -> dict[str, Any]:
        row: dict[str, Any] = {"cell": cell.index, "target": cell.target,
                               "trace": Path(cell.trace).name if cell.trace else "none", "fault": cell.fault.name,
                               "exit": code, "wall_s": round(wall_s, 2)}
        try:
            report = json.loads(report_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            report = None
        thresholds = {**self.matrix.thresholds, **cell.fault.thresholds}
        cause = _cause(stderr)
        if report is None:
            row.update({k: None for k in FIGURES}, errors=[cause or "no report"], failed=[f"no report: {cause or 'no report'}"],
                       passed=False)
            return row
        html_path = report_path.with_suffix(".html")
        write_html_report(report, html_path)
        expected = self.matrix.until_s or _expected_length(report)
        failed = judge(report, thresholds, expected)
        if code not in (0, None):
            failed.insert(0, f"session failed (exit {code}): {cause or 'no error line'}")
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


def _cause(stderr: str) -> str:
    """The session's own ``error: ...`` line (what a failed cell's summary names), else its last line."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    named = [line for line in lines if line.startswith("error:")]
    return (named or lines or [""])[-1].removeprefix("error:").strip()


def _expected_length(report: dict[str, Any]) -> float | None:
    """Seconds the cell should have played: the presentation's duration from the start position.

    Not what was fetched: a session that stopped early fetched less, and would then look complete.
    """
    duration = report.get("duration_s")
    if duration is None or report.get("live"):
        return None
    return max(0.0, duration - (report.get("start_s") or 0.0))


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


def run_cli(matrix_path: str, *, out_dir: str | None = None, jobs: int | None = None, backend: str | None = None) -> int:
    """``reelbox qa``: run, print the table, exit 1 when any cell failed its thresholds."""
    matrix = with_backend(load_matrix(matrix_path), backend)
    summary = asyncio.run(Runner(matrix, Path(out_dir or "qa-out"), jobs=jobs).run())
    for r in summary["cells"]:
        verdict = "pass" if r["passed"] else "FAIL " + "; ".join(r["failed"])
        print(f"{r['cell']:>3} {r['target'][:28]:<28} {r['trace'][:24]:<24} {r['fault'][:16]:<16} "
              f"startup {r.get('startup_ms')} ms, rebuf {r.get('rebuffer_s')} s, {r.get('avg_bitrate_kbps')} kbit/s, "
              f"qoe {r.get('qoe_lin')}  {verdict}")
    print(f"{summary['total'] - summary['failed']}/{summary['total']} cells passed in {summary['elapsed_s']} s "
          f"({summary['jobs']} at once); summary: {Path(out_dir or 'qa-out') / 'summary.html'}")
    return 1 if summary["failed"] else 0
