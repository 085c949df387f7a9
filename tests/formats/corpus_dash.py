"""The DASH kinds: VP9 (WebM and fMP4), H.264 beside Opus, AV1, HEVC, audio-only (AAC, FLAC), Periods (multi-period, a codec
change, a track-set change), a ladder split over AdaptationSets (ffmpeg's default), Shaka Packager's ladder with a
trick-play stream, its protected streams (CENC with licence URLs, cbcs), and a clip turned by its display matrix."""
from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from corpus_encode import AAC, DASH, KEY, KID, SEGMENT_S, X264, X265, inputs, ladder, run, shaka, small
from corpus_packager import join_periods

VP9 = ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-g", "50", "-keyint_min", "50", "-row-mt", "1"]
OPUS = ["-c:a", "libopus", "-b:a", "64k"]


def dash_vp9_webm(out: Path) -> None:
    """VP9 + Opus in WebM segments, two video renditions."""
    run(inputs() + ladder(VP9) + ["-map", "1:a", *OPUS, *DASH, "-dash_segment_type", "webm",
                                  "-adaptation_sets", "id=0,streams=v id=1,streams=a", "manifest.mpd"], out)


def dash_vp9_fmp4(out: Path) -> None:
    """VP9 + Opus in fMP4 segments, two video renditions."""
    run(inputs() + ladder(VP9) + ["-map", "1:a", *OPUS, *DASH, "-dash_segment_type", "mp4",
                                  "-adaptation_sets", "id=0,streams=v id=1,streams=a", "manifest.mpd"], out)


def dash_h264_opus(out: Path) -> None:
    """H.264 + Opus in fMP4 (CMAF allows it; MPEG-TS cannot carry Opus), two video renditions."""
    run(inputs() + ladder(X264) + ["-map", "1:a", *OPUS, *DASH, "-dash_segment_type", "mp4",
                                   "-adaptation_sets", "id=0,streams=v id=1,streams=a", "manifest.mpd"], out)


def dash_av1(out: Path) -> None:
    """AV1 (SVT-AV1) + AAC in fMP4, two video renditions."""
    av1 = ["-c:v", "libsvtav1", "-preset", "12", "-g", "50", "-svtav1-params", "keyint=50"]
    run(inputs() + ladder(av1) + ["-map", "1:a", *AAC, *DASH,
                                  "-adaptation_sets", "id=0,streams=v id=1,streams=a", "manifest.mpd"], out)


def dash_split_sets(out: Path) -> None:
    """H.264 + AAC with ffmpeg's default AdaptationSets: one per stream, so the two rungs come as two video sets."""
    run(inputs() + ladder(X264) + ["-map", "1:a", *AAC, *DASH, "manifest.mpd"], out)


def dash_trickplay(out: Path) -> None:
    """Shaka Packager's two-rung ladder with a trick-play stream (``trick_play_factor``), listed first: the MPD marks
    it as a trick-mode set, the HLS master lists it as an ordinary variant at ``FRAME-RATE=0.500``."""
    run(inputs() + ladder(X264) + ["-an", "-bf", "0", "video.mp4", "-map", "1:a", *AAC, "-vn", "audio.mp4"], out)
    streams = [("0", "trick_play_factor=1,", "trick"), ("0", "", "lo"), ("1", "", "hi")]
    run([str(shaka()), "--quiet",
         *[f"in=video.mp4,stream={index},{extra}init_segment={name}/init.mp4,segment_template={name}/$Number$.m4s"
           for index, extra, name in streams],
         "in=audio.mp4,stream=audio,init_segment=a/init.mp4,segment_template=a/$Number$.m4s",
         "--segment_duration", str(SEGMENT_S), "--generate_static_live_mpd", "--mpd_output", "manifest.mpd",
         "--hls_master_playlist_output", "master.m3u8"], out)
    for name in ("video.mp4", "audio.mp4"):
        (out / name).unlink()


def dash_hevc(out: Path) -> None:
    """HEVC (x265, ``hvc1``) + AAC in fMP4."""
    run(inputs() + small(X265) + ["-map", "1:a", *AAC, *DASH,
                                  "-adaptation_sets", "id=0,streams=v id=1,streams=a", "manifest.mpd"], out)


def dash_audio(out: Path) -> None:
    """Audio-only DASH (AAC in fMP4)."""
    run(inputs() + ["-map", "1:a", *AAC, *DASH, "manifest.mpd"], out)


def dash_flac(out: Path) -> None:
    """Audio-only DASH with lossless FLAC in fMP4 (``fLaC`` sample entry, ISO/IEC 14496-12 FLAC mapping)."""
    run(inputs() + ["-map", "1:a", "-c:a", "flac", *DASH, "manifest.mpd"], out)


def dash_multiperiod(out: Path) -> None:
    """Two periods; the second changes resolution, video timescale and audio sample rate, and its
    timestamps restart at 0 (each period packaged on its own, as an ad insertion would be)."""
    parts = []
    for name, size, timescale, hz in (("p0", "320x180", "12800", 48000), ("p1", "640x360", "90000", 44100)):
        (out / name).mkdir()
        run(inputs(seconds=4, size=size, audio_hz=hz) + ["-map", "0:v", *X264, "-b:v", "400k", "-video_track_timescale",
             timescale, "-map", "1:a", *AAC, *DASH, "-adaptation_sets", "id=0,streams=v id=1,streams=a", "manifest.mpd"],
             out / name)
        parts.append(name)
    join_periods(out, parts)


def _period_parts(out: Path, parts: list[tuple[str, list[str], bool]]) -> None:
    """Package each Period on its own (4 s; its video args; with audio or not), then join them into one MPD."""
    for name, video, with_audio in parts:
        (out / name).mkdir()
        audio = ["-map", "1:a", *AAC] if with_audio else []
        sets = "id=0,streams=v id=1,streams=a" if with_audio else "id=0,streams=v"
        run(inputs(seconds=4) + ["-map", "0:v", *video, "-b:v", "400k", *audio, *DASH, "-adaptation_sets", sets,
                                   "manifest.mpd"], out / name)
    join_periods(out, [name for name, _, _ in parts])


def dash_period_codec(out: Path) -> None:
    """Two Periods whose video codec changes, H.264 320x180 → HEVC 640x360 (an ad spliced into a title)."""
    _period_parts(out, [("p0", ["-vf", "scale=320:180,setsar=1", *X264], True), ("p1", X265, True)])


def dash_period_tracks(out: Path) -> None:
    """Three Periods whose track set changes: video+audio, then video alone (audio dropped), then audio again."""
    small = ["-vf", "scale=320:180,setsar=1", *X264]
    _period_parts(out, [("p0", small, True), ("p1", small, False), ("p2", small, True)])


def dash_cenc(out: Path) -> None:
    """CENC DASH (Shaka Packager, ClearKey PSSH) whose MPD names its licence server: ``dashif:laurl``
    on the video and the older ``clearkey:Laurl`` on the audio (relative: the test server serves it)."""
    _shaka_protected(out, "cenc")
    mpd = (out / "manifest.mpd").read_text()
    laurls = iter([
        '<ContentProtection schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e" value="ClearKey1.0">'
        '<dashif:laurl xmlns:dashif="https://dashif.org/CPS">license</dashif:laurl></ContentProtection>',
        '<ContentProtection schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e" value="ClearKey1.0">'
        '<clearkey:Laurl xmlns:clearkey="http://dashif.org/guidelines/clearKey" Lic_type="EME-1.0">license</clearkey:Laurl>'
        '</ContentProtection>',
    ])
    mpd = re.sub(r"(<AdaptationSet[^>]*>)", lambda m: m.group(1) + next(laurls), mpd)
    (out / "manifest.mpd").write_text(mpd)
    (out / "nolicence.mpd").write_text(re.sub(r"<ContentProtection schemeIdUri=\"urn:uuid:e2719d58.*?</ContentProtection>",
                                              "", mpd))
    # HLS over the same segments, keyed by W3C ClearKey: KEYFORMAT="org.w3.clearkey", URI = licence server
    for playlist in out.glob("*.m3u8"):
        text = re.sub(r"#EXT-X-KEY:[^\n]*", f'#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,KEYFORMAT="org.w3.clearkey",'
                      f'KEYFORMATVERSIONS="1",KEYID=0x{KID.hex()},URI="license"', playlist.read_text())
        playlist.write_text(text)


def dash_cbcs(out: Path) -> None:
    """``cbcs`` (AES-CBC, 1:9 pattern: CMAF's SAMPLE-AES) by Shaka Packager: DASH, and HLS fMP4 with
    ``METHOD=SAMPLE-AES`` over the same segments; the key is given with ``--key``."""
    _shaka_protected(out, "cbcs")


MULTI_KEYS = {"SD": (bytes.fromhex("a1" * 16), bytes.fromhex("11" * 16)), "HD": (bytes.fromhex("b2" * 16), bytes.fromhex("22" * 16)),
              "AUDIO": (bytes.fromhex("c3" * 16), bytes.fromhex("33" * 16))}


def dash_multikey(out: Path) -> None:
    """A two-rung ladder with a key per quality and one for audio (Shaka Packager ``drm_label`` SD/HD/AUDIO, CENC,
    W3C ClearKey PSSH), DASH and HLS; Shaka's HLS names no KEYID (the KID sits in an ``identity`` data: URI)."""
    run(inputs() + ladder(X264) + ["-an", "-bf", "0", "video.mp4", "-map", "1:a", *AAC, "-vn", "audio.mp4"], out)
    streams = [("video.mp4", "0", "SD", "lo"), ("video.mp4", "1", "HD", "hi"), ("audio.mp4", "audio", "AUDIO", "a")]
    keys = ",".join(f"label={label}:key_id={kid.hex()}:key={key.hex()}" for label, (kid, key) in MULTI_KEYS.items())
    run([str(shaka()), "--quiet",
         *[f"in={src},stream={sel},drm_label={label},init_segment={name}/init.mp4,segment_template={name}/$Number$.m4s"
           for src, sel, label, name in streams],
         "--segment_duration", str(SEGMENT_S), "--generate_static_live_mpd", "--mpd_output", "manifest.mpd",
         "--enable_raw_key_encryption", "--keys", keys, "--protection_systems", "CommonSystem", "--clear_lead", "0",
         "--hls_master_playlist_output", "master.m3u8"], out)
    for name in ("video.mp4", "audio.mp4"):
        (out / name).unlink()


def _shaka_protected(out: Path, scheme: str) -> None:
    """H.264 + AAC encrypted by Shaka Packager with the W3C ClearKey PSSH, DASH and HLS over one set of segments."""
    run(inputs() + small(X264) + ["-an", "-bf", "0", "video.mp4", "-map", "1:a", *AAC, "-vn", "audio.mp4"], out)
    run([str(shaka()), "--quiet",
         "in=video.mp4,stream=video,init_segment=v/init.mp4,segment_template=v/$Number$.m4s",
         "in=audio.mp4,stream=audio,init_segment=a/init.mp4,segment_template=a/$Number$.m4s",
         "--segment_duration", str(SEGMENT_S), "--generate_static_live_mpd", "--mpd_output", "manifest.mpd",
         "--enable_raw_key_encryption", "--keys", f"label=:key_id={KID.hex()}:key={KEY.hex()}",
         "--protection_scheme", scheme, "--protection_systems", "CommonSystem", "--clear_lead", "0",
         "--hls_master_playlist_output", "master.m3u8"], out)
    for name in ("video.mp4", "audio.mp4"):
        (out / name).unlink()


def dash_rotated(out: Path) -> None:
    """A phone's portrait clip: landscape pixels with a 90° display matrix in ``tkhd`` (ffmpeg's ``-display_rotation``,
    copied into every init), as DASH and as fMP4 HLS (``index.m3u8``) from the same encode."""
    run(inputs(size="320x180") + ["-map", "0:v", *X264, "-b:v", "300k", "-map", "1:a", *AAC, "clip.mp4"], out)
    turned = [*inputs()[:5], "-display_rotation", "90", "-i", "clip.mp4", "-c", "copy"]
    run(turned + [*DASH, "-adaptation_sets", "id=0,streams=v id=1,streams=a", "manifest.mpd"], out)
    run(turned + ["-f", "hls", "-hls_time", str(SEGMENT_S), "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
                  "-hls_fmp4_init_filename", "hls-init.mp4", "-hls_segment_filename", "hls-%d.m4s", "index.m3u8"], out)
    (out / "clip.mp4").unlink()


def dash_no_pto(out: Path) -> None:
    """A SegmentTimeline starting at t = 1000 s with no ``presentationTimeOffset`` (ffmpeg's ``-output_ts_offset``; a VOD
    cut from a live stream packaged without the offset): every segment starts past the Period's 6 s end."""
    run(inputs(size="320x180") + ["-map", "0:v", *X264, "-b:v", "300k", "-map", "1:a", *AAC, "-output_ts_offset", "1000",
                                  *DASH, "-use_timeline", "1", "-adaptation_sets", "id=0,streams=v id=1,streams=a",
                                  "manifest.mpd"], out)
    mpd = (out / "manifest.mpd").read_text()
    if "presentationTimeOffset" in mpd or not re.search(r'<S t="[1-9]', mpd):
        raise RuntimeError("ffmpeg's DASH no longer writes a timeline far from 0 without an offset")


def dash_pto(out: Path) -> None:
    """Rungs on media clocks of their own, placed by ``presentationTimeOffset`` (ISO/IEC 23009-1 §5.3.9.2), as rungs
    packaged by separate encoders are: 320x180 and the audio at media time 0, 640x360 encoded apart at 10 s with
    PTO = 10 s. Every rung shows the same 0-6 s of presentation."""
    for name, streams, offset in (("lo", [*small(X264), "-map", "1:a", *AAC], 0), ("hi", ["-map", "0:v", *X264, "-b:v", "800k"], 10)):
        (out / name).mkdir(exist_ok=True)
        run(inputs() + streams + ["-output_ts_offset", str(offset), *DASH, "-use_timeline", "1", "manifest.mpd"], out / name)
    for old in (out / "hi").glob("*-0*"):  # the hi rung is Representation 2 beside lo's video (0) and audio (1)
        old.rename(old.with_name(old.name.replace("-0", "-2", 1)))
    hi = re.search(r"<Representation .*?</Representation>", (out / "hi" / "manifest.mpd").read_text(), re.S)
    first_t = re.search(r'<S t="(\d+)"', hi.group(0)) if hi else None
    if hi is None or first_t is None or first_t.group(1) == "0":
        raise RuntimeError("ffmpeg's DASH no longer starts an -output_ts_offset timeline past 0")
    rep = hi.group(0).replace('id="0"', 'id="2"', 1).replace(
        "<SegmentTemplate ", f'<SegmentTemplate presentationTimeOffset="{first_t.group(1)}" ', 1)
    rep = re.sub(r"(<Representation [^>]*>)", r"\1<BaseURL>hi/</BaseURL>", rep, count=1)
    mpd = re.sub(r"(<Representation [^>]*>)", r"\1<BaseURL>lo/</BaseURL>", (out / "lo" / "manifest.mpd").read_text())
    video_end = mpd.index("</AdaptationSet>")  # the first set is the video's
    (out / "manifest.mpd").write_text(mpd[:video_end] + rep + mpd[video_end:])


def hls_ts_sample_aes(out: Path, *, key_uri: bool = True) -> None:
    """Apple's SAMPLE-AES on MPEG-TS video and packed AAC audio by Shaka Packager (``cbcs`` with TS output), the key
    served beside the playlists at ``key.bin`` (``KEYFORMAT="identity"``), as a CDN serves an identity key; without
    ``key_uri``, Shaka's default: the KID in a ``data:`` URI, the key left to the player."""
    run(inputs() + small(X264) + ["-an", "video.mp4", "-map", "1:a", *AAC, "-vn", "audio.mp4"], out)
    (out / "key.bin").write_bytes(KEY)
    run([str(shaka()), "--quiet",
         "in=video.mp4,stream=video,segment_template=v/$Number$.ts,playlist_name=v.m3u8",
         "in=audio.mp4,stream=audio,segment_template=a/$Number$.aac,playlist_name=a.m3u8,hls_group_id=audio,"
         "hls_name=English",
         "--segment_duration", str(SEGMENT_S), "--enable_raw_key_encryption",
         "--keys", f"label=:key_id={KID.hex()}:key={KEY.hex()}", "--protection_scheme", "cbcs", "--clear_lead", "0",
         *(["--hls_key_uri", "key.bin"] if key_uri else []), "--hls_master_playlist_output", "master.m3u8"], out)
    for name in ("video.mp4", "audio.mp4"):
        (out / name).unlink()


def dash_split_at_marker(out: Path, *, at_s: float = 3.0, keyframe: bool = True) -> None:
    """One 8 s encode in 2 s segments cut into two Periods at ``at_s``, inside a segment, as an ad stitcher splits an
    origin's stream at a marker: p0's last segment runs past the marker and p1's first (the same segment, by
    SegmentTimeline and ``presentationTimeOffset``) starts before it. ``keyframe``: the encoder was told of the
    marker (a forced IDR there, as SCTE-35 conditioning does)."""
    forced = ["-force_key_frames", f"0,2,{at_s},4,6"] if keyframe else []
    timeline = [a if a != "0" or DASH[i - 1] != "-use_timeline" else "1" for i, a in enumerate(DASH)]
    run(inputs(seconds=8) + small(X264) + forced + ["-map", "1:a", *AAC, *timeline, "whole.mpd"], out)
    ns = "urn:mpeg:dash:schema:mpd:2011"
    ET.register_namespace("", ns)
    root = ET.parse(out / "whole.mpd").getroot()
    whole = root.find(f"{{{ns}}}Period")
    assert whole is not None
    root.remove(whole)
    for index, keep in enumerate((lambda t, d, ts: t < at_s * ts, lambda t, d, ts: t + d > at_s * ts)):
        period = copy.deepcopy(whole)
        period.set("id", f"p{index}")
        period.set("start", f"PT{at_s if index else 0:.3f}S")
        period.attrib.pop("duration", None)
        for template in period.iter(f"{{{ns}}}SegmentTemplate"):
            scale, timeline_el = int(template.get("timescale", "1")), template.find(f"{{{ns}}}SegmentTimeline")
            assert timeline_el is not None
            times, t = [], 0
            for s in list(timeline_el):
                t = int(s.get("t", t))
                for _ in range(int(s.get("r", "0")) + 1):
                    times.append((t, int(s.get("d", "0"))))
                    t += int(s.get("d", "0"))
                timeline_el.remove(s)
            kept = [(i, t, d) for i, (t, d) in enumerate(times) if keep(t, d, scale)]
            for _, t, d in kept:
                ET.SubElement(timeline_el, f"{{{ns}}}S", t=str(t), d=str(d))
            template.set("startNumber", str(int(template.get("startNumber", "1")) + kept[0][0]))
            if index:
                template.set("presentationTimeOffset", str(round(at_s * scale)))
        root.append(period)
    ET.ElementTree(root).write(out / "manifest.mpd", xml_declaration=True, encoding="utf-8")
