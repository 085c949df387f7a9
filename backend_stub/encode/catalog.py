"""The demo catalog: six generated titles built on the backend's first start, reused afterwards.

Sources are lavfi generators with different motion and detail, so the capped-CRF ladder spends very
different bitrates on them (flat bars vs. fractal zoom vs. full-frame noise). Budget: the whole
catalog must build in under 5 minutes on a 2-core box (issue #2), hence 60 s titles at 24 fps, x264
``ultrafast`` and generators that are cheap per pixel (costly ones render small and are scaled up).
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..db import content_root
from .build import build_title
from .cenc import new_content_key
from .commands import EncodeSettings
from .ladder import plan_ladder
from .store import open_backend_db
from .models import TitleInfo, TitleMeta
from .pipeline import EncodeRequest
from .publish import clean_staging, staging_root
from .source import lavfi_source
from .tools import Tools, find_tools
from .webvtt import generated_vtt

FPS = 24


@dataclass(frozen=True, kw_only=True)
class DemoTitle:
    """One catalog entry: metadata, a lavfi graph producing ``width``x``height`` at 24 fps, and its options."""

    meta: TitleMeta
    graph: str
    width: int
    height: int
    seconds: float = 60
    protected: bool = False
    tones: tuple[tuple[str, int], ...] = (("en", 440),)
    subtitles: bool = False


DEMO_TITLES: tuple[DemoTitle, ...] = (
    DemoTitle(
        meta=TitleMeta(id="colour-bars", name="Colour Bars at Dawn", year=2019, genres=("Documentary",),
                       description="A slow, meditative drift across the SMPTE HD colour bars. In full HD.",
                       cast=("Bar Seven", "Pluge Black")),
        graph=f"smptehdbars=size=1920x1080:rate={FPS},scroll=horizontal=0.002",
        width=1920, height=1080, tones=(("en", 1000),),
    ),
    DemoTitle(
        meta=TitleMeta(id="mandelbrot-dive", name="Mandelbrot Dive", year=2021, genres=("Science Fiction", "Thriller"),
                       description="A descent into infinite detail at the edge of the set.",
                       cast=("Z. Squared", "C. Plane")),
        graph=f"mandelbrot=size=480x270:rate={FPS}:maxiter=64,scale=1280:720:flags=bicubic",
        width=1280, height=720, protected=True, tones=(("en", 330),),
    ),
    DemoTitle(
        meta=TitleMeta(id="game-of-life", name="The Game of Life", year=2022, genres=("Drama",),
                       description="Colonies rise and fall under four simple rules.",
                       cast=("J. H. Conway", "Glider Gun")),
        graph=(f"life=size=320x180:rate={FPS}:mold=10:ratio=0.15:life_color=#33ff66:death_color=#802020,"
               "scale=1280:720:flags=neighbor"),
        width=1280, height=720, tones=(("en", 523),),
    ),
    DemoTitle(
        meta=TitleMeta(id="rule-110", name="Rule 110", year=2020, genres=("Mystery",),
                       description="An elementary cellular automaton that is, improbably, Turing complete.",
                       cast=("Matthew Cook", "Stephen W.")),
        graph=f"cellauto=size=640x360:rate={FPS}:rule=110:random_fill_ratio=0.5:scroll=1,scale=1280:720:flags=neighbor",
        width=1280, height=720, protected=True, tones=(("en", 392),),
    ),
    DemoTitle(
        meta=TitleMeta(id="static-storm", name="Static Storm", year=2023, genres=("Horror",),
                       description="Something moves in the noise. The hardest picture an encoder can get.",
                       cast=("White Noise", "Grain")),
        graph=f"testsrc2=size=1280x720:rate={FPS},noise=alls=30:allf=t",
        width=1280, height=720, tones=(("en", 220),),
    ),
    DemoTitle(
        meta=TitleMeta(id="two-tongues", name="Two Tongues", year=2024, genres=("Comedy", "Romance"),
                       description="A test pattern learns French. With English subtitles.",
                       cast=("Testsrc Deux", "Sine Wave")),
        graph=f"testsrc2=size=1280x720:rate={FPS}",
        width=1280, height=720, tones=(("en", 440), ("fr", 660)), subtitles=True,
    ),
)

CatalogProgress = Callable[[float, str], None]


def demo_titles_from_env(env: Mapping[str, str] | None = None) -> tuple[DemoTitle, ...]:
    """The demo titles, trimmed for tests and quick tries: ``REELBOX_DEMO_TITLES=N`` keeps the first N,
    ``REELBOX_DEMO_SECONDS=S`` makes each S seconds long. Unset (or not a positive number): all of them."""
    env = os.environ if env is None else env
    titles = DEMO_TITLES
    count = env.get("REELBOX_DEMO_TITLES", "")
    if count.isdigit() and int(count) > 0:
        titles = titles[: int(count)]
    try:
        seconds = float(env.get("REELBOX_DEMO_SECONDS", "") or 0)
    except ValueError:
        seconds = 0.0
    if seconds > 0:
        titles = tuple(dataclasses.replace(t, seconds=seconds) for t in titles)
    return titles


def _published_ids(data_dir: Path) -> set[str]:
    db = open_backend_db(data_dir)
    try:
        ids = {r[0] for r in db.conn.execute("SELECT id FROM titles")}
    finally:
        db.close()
    return {i for i in ids if (content_root(data_dir) / i / "master.m3u8").is_file()}


def _cost(t: DemoTitle) -> float:
    return t.seconds * sum(r.width * r.height for r in plan_ladder(t.width, t.height))


def build_demo_catalog(
    data_dir: Path,
    progress: CatalogProgress = lambda f, m: None,
    *,
    titles: tuple[DemoTitle, ...] | None = None,
    clock: Callable[[], float] = time.time,
    cancel: Callable[[], bool] = lambda: False,
) -> list[TitleInfo]:
    """Build every missing demo title into ``data_dir``; titles already published are reused (idempotent).

    ``progress(fraction, message)`` is called as encoding advances (weighted by each title's pixel work).
    ``cancel()`` turning true (a shutdown) kills the running ffmpeg and raises :class:`CancelledError`;
    titles finished so far stay published and the next start builds only the rest.
    Returns the titles built by this call. ``titles`` None: :func:`demo_titles_from_env`.
    """
    titles = demo_titles_from_env() if titles is None else titles
    have = _published_ids(data_dir)
    todo = [t for t in titles if t.meta.id not in have]
    if not todo:
        progress(1.0, "demo catalog ready")
        return []
    clean_staging(data_dir)
    tools = find_tools()
    total = sum(_cost(t) for t in todo)
    done = 0.0
    built = []
    for t in todo:
        share = _cost(t) / total
        label = f"encoding {t.meta.name}"

        def on_progress(f: float, _m: str, base: float = done, share: float = share, label: str = label) -> None:
            progress(min(1.0, base + share * f), label)

        built.append(_build_one(data_dir, t, tools=tools, progress=on_progress, clock=clock, cancel=cancel))
        done += share
    progress(1.0, "demo catalog ready")
    return built


def _build_one(
    data_dir: Path, t: DemoTitle, *, tools: Tools, progress: CatalogProgress, clock: Callable[[], float],
    cancel: Callable[[], bool],
) -> TitleInfo:
    meta = t.meta
    sub_dir = staging_root(data_dir) / f"demo-{meta.id}-subs"
    if t.subtitles:
        sub_dir.mkdir(parents=True, exist_ok=True)
        path = sub_dir / "en.vtt"
        path.write_text(generated_vtt(t.seconds, "en", text=f"{meta.name}, line"), encoding="utf-8")
        meta = dataclasses.replace(meta, subtitles=(("en", path),))
    meta = dataclasses.replace(meta, audio_langs=tuple(lang for lang, _ in t.tones))
    source = lavfi_source(t.graph, width=t.width, height=t.height, fps=FPS, duration_s=t.seconds, tones=t.tones)
    req = EncodeRequest(
        source=source,
        meta=meta,
        rungs=plan_ladder(t.width, t.height),
        key=new_content_key() if t.protected else None,
        settings=EncodeSettings(preset="ultrafast"),
    )
    try:
        return build_title(data_dir, f"demo-{meta.id}", req, tools=tools, now=clock, progress=progress, cancel=cancel)
    finally:
        shutil.rmtree(sub_dir, ignore_errors=True)
