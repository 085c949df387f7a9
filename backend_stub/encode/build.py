"""Encode one request in its staging folder and publish it, or leave nothing behind.

Shared by the job worker, the demo catalog and the test fixture so all three publish the same way.
"""
from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from .models import TitleInfo
from .pipeline import Cancel, EncodeRequest, Progress, encode_title
from .publish import publish, staging_dir
from .tools import Tools


def build_title(
    data_dir: Path,
    job_id: str,
    req: EncodeRequest,
    *,
    tools: Tools,
    now: Callable[[], float],
    progress: Progress = lambda f, m: None,
    cancel: Cancel = lambda: False,
) -> TitleInfo:
    """Encode into ``content/.staging/<job_id>``, then publish; on any failure the staging folder is removed."""
    stage = staging_dir(data_dir, job_id)
    if stage.exists():
        shutil.rmtree(stage)
    try:
        encode_title(req, tools=tools, out_dir=stage / "title", work_dir=stage / "work", progress=progress, cancel=cancel)
        return publish(
            data_dir,
            job_id,
            meta=req.meta,
            heights=tuple(r.height for r in req.rungs),
            duration_s=req.source.duration_s,
            audio_langs=tuple(a.lang for a in req.source.audio),
            key=req.key,
            now=now,
        )
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
