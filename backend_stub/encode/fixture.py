"""``make_test_title``: a tiny real title, encoded and published in a few seconds, for everyone's tests.

Same pipeline as the catalog and the ingest jobs (ffmpeg → Shaka Packager → staging → publish), with a
short ``testsrc2`` picture, a sine tone per audio language and a tiny ladder.
"""
from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path

from .build import build_title
from .cenc import new_content_key
from .commands import EncodeSettings
from .ladder import even_width, plan_ladder
from .models import TitleInfo, TitleMeta
from .pipeline import EncodeRequest
from .source import lavfi_source
from .tools import find_tools
from .webvtt import generated_vtt

_TONES = (440, 660, 550, 770, 880)


def make_test_title(
    data_dir: Path,
    title_id: str,
    *,
    protected: bool = False,
    seconds: float = 6,
    heights: tuple[int, ...] = (144, 240),
    audio_langs: tuple[str, ...] = ("en",),
    subtitles: bool = False,
    fps: int = 24,
) -> TitleInfo:
    """Encode and publish ``title_id`` under ``data_dir`` (rows in ``backend.sqlite``, files in ``content/<id>``).

    The source is ``testsrc2`` at the tallest of ``heights`` (16:9); each rung is one of ``heights``.
    Segments are 2 s, so ``seconds=6`` gives three segments per rendition. ``protected`` packages with
    CENC and a fresh key (``TitleInfo.key_hex``/``kid_hex``; also in ``content_keys``). ``subtitles``
    adds an English WebVTT track. Re-running with the same id replaces the title.
    """
    top = max(heights)
    width = even_width(top, 16, 9)
    source = lavfi_source(
        f"testsrc2=size={width}x{top}:rate={fps}",
        width=width,
        height=top,
        fps=fps,
        duration_s=seconds,
        tones=tuple((lang, _TONES[i % len(_TONES)]) for i, lang in enumerate(audio_langs)),
    )
    job_id = f"fixture-{title_id}-{uuid.uuid4().hex[:8]}"
    subs: tuple[tuple[str, Path], ...] = ()
    if subtitles:
        sub_dir = data_dir / "content" / ".staging" / f"{job_id}-subs"
        sub_dir.mkdir(parents=True, exist_ok=True)
        path = sub_dir / "en.vtt"
        path.write_text(generated_vtt(seconds, "en"), encoding="utf-8")
        subs = (("en", path),)
    meta = TitleMeta(
        id=title_id,
        name=f"Test {title_id}",
        description="Generated test title (testsrc2).",
        genres=("Test",),
        cast=("Test Pattern",),
        year=2024,
        audio_langs=tuple(audio_langs),
        subtitles=subs,
    )
    req = EncodeRequest(
        source=source,
        meta=meta,
        rungs=plan_ladder(width, top, tuple(heights)),
        key=new_content_key() if protected else None,
        settings=EncodeSettings(preset="ultrafast"),
    )
    try:
        return build_title(data_dir, job_id, req, tools=find_tools(), now=time.time)
    finally:
        if subs:
            shutil.rmtree(subs[0][1].parent, ignore_errors=True)
