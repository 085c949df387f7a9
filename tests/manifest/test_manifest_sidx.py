"""SegmentBase: the sidx of a real fragmented MP4 written by ffmpeg, parsed and resolved over HTTP."""
from __future__ import annotations

import asyncio
import struct
import subprocess
from pathlib import Path

import httpx
import imageio_ffmpeg
import pytest
from manifest_builders import aset, mpd, period, rep
from manifest_http import make_fetch, serve

from player.manifest import SegmentIndexError, load_presentation, parse_sidx, resolve_segment_base, parse_dash


def top_boxes(data: bytes) -> list[tuple[bytes, int, int]]:
    out, pos = [], 0
    while pos < len(data):
        size, kind = struct.unpack_from(">I4s", data, pos)
        out.append((kind, pos, size))
        pos += size
    return out


@pytest.fixture(scope="module")
def fmp4(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """4 s of 160x90 video, one fragment per second, with a global sidx (ffmpeg's mp4 muxer)."""
    out = tmp_path_factory.mktemp("sidx") / "v.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi",
                    "-i", "testsrc=size=160x90:rate=25:duration=4", "-c:v", "libx264", "-preset", "ultrafast",
                    "-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-f", "mp4",
                    "-movflags", "+frag_keyframe+empty_moov+global_sidx", str(out)], check=True, timeout=60)
    return Path(out).read_bytes()


def _sidx_range(data: bytes) -> tuple[int, int]:
    (pos, size), = [(p, s) for k, p, s in top_boxes(data) if k == b"sidx"]
    return pos, size


def test_parse_sidx_offsets_point_at_each_moof(fmp4: bytes) -> None:
    """Every sidx reference starts at a moof and the references tile the fragments exactly."""
    pos, size = _sidx_range(fmp4)
    index = parse_sidx(fmp4[pos:pos + size], data_offset=pos)
    moofs = [p for k, p, _ in top_boxes(fmp4) if k == b"moof"]
    assert [r.offset for r in index.references] == moofs
    last = index.references[-1]
    mfra = next(p for k, p, _ in top_boxes(fmp4) if k == b"mfra")
    assert last.offset + last.size == mfra
    assert sum(r.duration for r in index.references) / index.timescale == pytest.approx(4.0, abs=0.05)


def test_parse_sidx_finds_the_box_after_other_boxes(fmp4: bytes) -> None:
    """An indexRange that starts earlier (covering moov too) still finds the sidx and absolute offsets."""
    pos, size = _sidx_range(fmp4)
    whole = parse_sidx(fmp4[:pos + size], data_offset=0)
    alone = parse_sidx(fmp4[pos:pos + size], data_offset=pos)
    assert whole == alone


@pytest.mark.parametrize("cut", [8, 20, 40])
def test_truncated_or_missing_sidx_is_our_error(fmp4: bytes, cut: int) -> None:
    """Truncated sidx bytes or bytes with no sidx raise SegmentIndexError (a ManifestError)."""
    pos, size = _sidx_range(fmp4)
    with pytest.raises(SegmentIndexError):
        parse_sidx(fmp4[pos:pos + cut], data_offset=pos)
    with pytest.raises(SegmentIndexError):
        parse_sidx(fmp4[:pos], data_offset=0)


def test_hierarchical_sidx_is_refused(fmp4: bytes) -> None:
    """A reference_type=1 entry (a sidx of sidxes) is reported, not misread as media."""
    pos, size = _sidx_range(fmp4)
    box = bytearray(fmp4[pos:pos + size])
    box[32 if box[8] == 0 else 40] |= 0x80  # first reference's reference_type bit (after the v0/v1 header)
    with pytest.raises(SegmentIndexError, match="hierarchical"):
        parse_sidx(bytes(box), data_offset=pos)


def _segment_base_mpd(pos: int, size: int) -> str:
    sb = f'<SegmentBase indexRange="{pos}-{pos + size - 1}"><Initialization range="0-{pos - 1}"/></SegmentBase>'
    return mpd(period(aset(rep(children="<BaseURL>v.mp4</BaseURL>" + sb))), duration="PT4S")


def test_resolve_segment_base_pure(fmp4: bytes) -> None:
    """resolve_segment_base turns Rendition.index plus the sidx bytes into byte-ranged segments."""
    pos, size = _sidx_range(fmp4)
    r = parse_dash(_segment_base_mpd(pos, size), "https://cdn.example.test/t/manifest.mpd").renditions()[0]
    resolved = resolve_segment_base(r, fmp4[pos:pos + size])
    assert resolved.index is None and len(resolved.segments) == 4
    assert [s.start_s for s in resolved.segments] == pytest.approx([0.0, 1.0, 2.0, 3.0], abs=0.05)
    assert all(s.urls == ("https://cdn.example.test/t/v.mp4",) for s in resolved.segments)


def test_loader_resolves_segment_base_with_range_requests(fmp4: bytes) -> None:
    """load_presentation fetches the indexRange with a Range request; segment ranges yield whole moof+mdat."""
    pos, size = _sidx_range(fmp4)
    with serve({"/t/manifest.mpd": _segment_base_mpd(pos, size).encode(), "/t/v.mp4": fmp4}) as site:
        async def run():
            async with httpx.AsyncClient() as client:
                return await load_presentation(f"{site.base}/t/manifest.mpd", make_fetch(client))
        p = asyncio.run(run())
    assert ("/t/v.mp4", f"bytes={pos}-{pos + size - 1}") in site.log
    r = p.renditions()[0]
    assert len(r.segments) == 4
    for s in r.segments:
        chunk = fmp4[s.byte_range.start:s.byte_range.end + 1]
        kinds = [k for k, _, _ in top_boxes(chunk)]
        assert kinds == [b"moof", b"mdat"]
    assert r.init.byte_range == (0, pos)
