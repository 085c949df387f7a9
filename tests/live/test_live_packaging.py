"""The live packager without ffmpeg: segment boundaries, parts, playlists, MPDs, DVR deletion."""
from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from backend_stub.live.boxes import BoxError, Fragment, InitInfo, parse_fragment, parse_init
from backend_stub.live.hls import master_playlist, media_playlist
from backend_stub.live.mpd import live_mpd, timeline_template
from backend_stub.live.settings import LiveConfigError, LiveSettings
from backend_stub.live.track import COMPLETE, Part, Segment, TrackWriter

SCALE = 15360
INIT = InitInfo(data=b"init", timescale=SCALE, default_duration=0, default_flags=0, codec="avc1.42c01e")
CODECS = {"v180": "avc1.42c00d", "v360": "avc1.42c01e", "a_en": "mp4a.40.2"}


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def frag(start_s: float, duration_s: float = 0.5, independent: bool = True) -> Fragment:
    return Fragment(data=b"x" * 100, start=round(start_s * SCALE), duration=round(duration_s * SCALE),
                    independent=independent)


def feed(writer: TrackWriter, starts: list[float], gop_s: float = 2.0) -> None:
    for t in starts:
        writer.on_fragment(frag(t, independent=abs(t / gop_s - round(t / gop_s)) < 1e-9))


def test_fragments_become_parts_and_segments(tmp_path: Path) -> None:
    """Four 0.5 s parts make a 2 s segment; the segment file is the parts concatenated."""
    w = TrackWriter(tmp_path, "v360", LiveSettings(), video=True)
    w.on_init(INIT)
    feed(w, [0, 0.5, 1.0, 1.5, 2.0])
    first, second = w.window()
    assert (first.number, first.complete, len(first.parts), first.duration) == (0, True, 4, 2.0)
    assert (second.number, second.complete, len(second.parts)) == (1, False, 1)
    assert (tmp_path / "v360/0.m4s").read_bytes() == b"".join((tmp_path / f"v360/0.{i}.m4s").read_bytes() for i in range(4))
    assert (tmp_path / "v360/1.m4s.tmp").exists() and not (tmp_path / "v360/1.m4s").exists()
    assert w.position == (1, 0)


def test_audio_parts_follow_segment_time_not_keyframes(tmp_path: Path) -> None:
    """AAC fragments (0.49 s) start a new segment at the first fragment near the 2 s boundary."""
    w = TrackWriter(tmp_path, "a_en", LiveSettings(), video=False)
    w.on_init(InitInfo(data=b"i", timescale=48000, default_duration=0, default_flags=0, codec="mp4a.40.2"))
    step = 23 * 1024
    for i in range(9):
        w.on_fragment(Fragment(data=b"a", start=i * step, duration=step, independent=True))
    numbers = [(s.number, len(s.parts)) for s in w.window()]
    assert numbers == [(0, 4), (1, 4), (2, 1)]


def test_old_segments_leave_the_window_and_the_disk(tmp_path: Path) -> None:
    """Past the DVR window a segment leaves the playlist, and its files go two segments later."""
    s = LiveSettings(dvr_s=6.0)
    w = TrackWriter(tmp_path, "v180", s, video=True)
    w.on_init(INIT)
    feed(w, [i * 0.5 for i in range(41)])  # 20 s of media
    numbers = [seg.number for seg in w.window()]
    assert numbers[0] >= 6 and numbers[-1] == 10
    names = {p.name for p in (tmp_path / "v180").iterdir()}
    assert "0.m4s" not in names and "4.m4s" not in names and "5.m4s" in names
    assert "9.m4s" in names and "init.mp4" in names
    assert not any(n.startswith("3.") for n in names)


def test_restart_marks_a_discontinuity(tmp_path: Path) -> None:
    """A new encoder (new init) ends the segment in progress; the skipped slot becomes a flagged gap."""
    w = TrackWriter(tmp_path, "v180", LiveSettings(), video=True)
    w.on_init(INIT)
    feed(w, [0, 0.5, 1.0])
    w.on_init(INIT)
    feed(w, [4.0, 4.5])
    segs = w.window()
    assert [(x.number, x.complete, x.discontinuity, x.duration) for x in segs] == [
        (0, True, False, 1.5), (1, True, True, 2.5), (2, False, False, 1.0)]  # slot 1 is a gap, 1.5 s to 4 s
    text = media_playlist("v180", segs, LiveSettings(), epoch=1_700_000_000)
    assert text.count("#EXT-X-DISCONTINUITY\n") == 1 and text.count("#EXT-X-GAP\n") == 1
    assert text.count("#EXT-X-PROGRAM-DATE-TIME:") == 2
    assert "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:21.500Z" in text  # the gap starts where segment 0 ended
    assert "1.m4s" in text and not (tmp_path / "v180/1.m4s").exists()


def test_media_playlist_has_ll_hls_tags(tmp_path: Path) -> None:
    """Server control, part info, parts of the last segments only, and a preload hint for the next part."""
    w = TrackWriter(tmp_path, "v360", LiveSettings(), video=True)
    w.on_init(INIT)
    feed(w, [i * 0.5 for i in range(23)])  # segments 0..4 complete, 5 has three parts
    text = media_playlist("v360", w.window(), LiveSettings(), epoch=1_700_000_000)
    lines = text.splitlines()
    assert "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500,HOLD-BACK=6.000" in lines
    assert "#EXT-X-PART-INF:PART-TARGET=0.500" in lines and "#EXT-X-TARGETDURATION:2" in lines
    assert "#EXT-X-MEDIA-SEQUENCE:0" in lines and "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.000Z" in lines
    parts = [ln for ln in lines if ln.startswith("#EXT-X-PART:")]
    assert parts[0].startswith('#EXT-X-PART:DURATION=0.50000,URI="v360/3.0.m4s",INDEPENDENT=YES')
    assert len(parts) == 4 + 4 + 3
    assert lines[-1] == '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="v360/5.3.m4s"'
    assert [ln for ln in lines if ln.endswith(".m4s") and not ln.startswith("#")] == [f"v360/{n}.m4s" for n in range(5)]
    w.on_fragment(frag(11.5, independent=False))  # segment 5 now holds all four parts, still open
    assert media_playlist("v360", w.window(), LiveSettings(), epoch=0).splitlines()[-1] == (
        '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="v360/6.0.m4s"')


def test_master_and_mpds_describe_the_ladder() -> None:
    """Master lists each rung with the audio group; both MPDs are dynamic, LL adds the offset and latency."""
    s = LiveSettings()
    master = master_playlist(s, CODECS)
    assert 'CODECS="avc1.42c00d,mp4a.40.2",RESOLUTION=320x180' in master and "v360.m3u8" in master
    ns = {"d": "urn:mpeg:dash:schema:mpd:2011"}
    segs = [Segment(number=n, start=2.0 * n, parts=[Part(duration=2.0, independent=True)], complete=True)
            for n in (3, 4, 6)]
    templates = (timeline_template(segs, 1000), timeline_template(segs, 48000))
    std = ET.fromstring(live_mpd(s, CODECS, epoch=1_700_000_000, published=1_700_000_010.5, templates=templates))
    ll = ET.fromstring(live_mpd(s, CODECS, epoch=1_700_000_000, published=1_700_000_010.5))
    for mpd in (std, ll):
        assert mpd.get("type") == "dynamic" and mpd.get("availabilityStartTime") == "2023-11-14T22:13:20.000Z"
        assert mpd.get("timeShiftBufferDepth") == "PT120S"
        assert mpd.find("d:UTCTiming", ns).get("schemeIdUri") == "urn:mpeg:dash:utc:http-iso:2014"
        assert [r.get("id") for r in mpd.iter("{urn:mpeg:dash:schema:mpd:2011}Representation")] == ["v180", "v360", "a_en"]
    std_tpl = std.find(".//d:SegmentTemplate", ns)
    ll_tpl = ll.find(".//d:SegmentTemplate", ns)
    assert std_tpl.get("availabilityTimeOffset") is None and std_tpl.get("startNumber") == "3"
    timeline = [dict(e.attrib) for e in std_tpl.find("d:SegmentTimeline", ns)]
    assert timeline == [{"t": "6000", "d": "2000", "r": "1"}, {"t": "12000", "d": "2000"}]  # a time gap: new S

    assert std.get("minimumUpdatePeriod") == "PT2S" and ll.get("minimumUpdatePeriod") == "PT10S"
    assert ll_tpl.get("availabilityTimeOffset") == "1.500" and ll_tpl.get("availabilityTimeComplete") == "false"
    assert ll.find("d:ServiceDescription/d:Latency", ns).get("target") == "1500"


@pytest.mark.parametrize("kwargs", [dict(part_s=0.75), dict(part_s=0.6), dict(rungs=()), dict(dvr_s=4.0)])
def test_settings_that_cannot_work_are_refused(kwargs: dict[str, object]) -> None:
    """Parts must be whole frames and divide segments; a ladder and a DVR window are needed."""
    with pytest.raises(LiveConfigError):
        LiveSettings(**kwargs)  # type: ignore[arg-type]


def test_fragment_timing_from_boxes() -> None:
    """tfdt gives the start, trun sample durations the length, the first sample's flags the sync."""
    mdhd = box(b"mdhd", bytes(4) + bytes(8) + struct.pack(">I", 90000) + bytes(8))
    trex = box(b"trex", bytes(4) + struct.pack(">IIIII", 1, 1, 3000, 0, 0x10000))
    moov = box(b"moov", box(b"trak", box(b"mdia", mdhd + box(b"avcC", bytes([1, 0x42, 0xC0, 0x1E])))) + box(b"mvex", trex))
    init = parse_init(box(b"ftyp", b"isom") + moov)
    assert (init.timescale, init.default_duration, init.codec) == (90000, 3000, "avc1.42c01e")
    tfhd = box(b"tfhd", struct.pack(">I", 0x020000) + struct.pack(">I", 1))
    tfdt = box(b"tfdt", struct.pack(">I", 0x01000000) + struct.pack(">Q", 180000))
    trun = box(b"trun", struct.pack(">I", 0x000005) + struct.pack(">I", 15) + struct.pack(">i", 0) + struct.pack(">I", 0x02000000))
    moof = box(b"moof", box(b"traf", tfhd + tfdt + trun))
    f = parse_fragment(moof, box(b"mdat", b""), init)
    assert (f.start, f.duration, f.independent) == (180000, 15 * 3000, True)
    with pytest.raises(BoxError):
        parse_fragment(box(b"moof", box(b"traf", tfhd + trun)), b"", init)


def test_position_marks_a_completed_segment(tmp_path: Path) -> None:
    """``finish`` closes the segment in progress, which blocking reload sees as (msn, COMPLETE)."""
    w = TrackWriter(tmp_path, "v180", LiveSettings(), video=True)
    w.on_init(INIT)
    feed(w, [0, 0.5])
    w.finish()
    assert w.position == (0, COMPLETE) and (tmp_path / "v180/0.m4s").exists()
