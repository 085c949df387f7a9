"""The kinds with several audio languages and subtitle tracks (WebVTT segmented and sidecar, TTML and WebVTT in fMP4,
WebVTT beside MPEG-TS with an X-TIMESTAMP-MAP, one per discontinuity)."""
from __future__ import annotations

import re
from pathlib import Path

import av

from corpus_encode import AAC, HLS, SECONDS, SEGMENT_S, X264, inputs, run, shaka, small
from corpus_packager import join_periods, join_playlists
from player.vtt_timestamp_map import cue_time

CUES = (("00:00:00.500", "00:00:02.500", "Hello from the first cue"),
        ("00:00:03.000", "00:00:05.500", "A second cue, across a segment boundary"))


def _webvtt(prefix: str) -> str:
    return "WEBVTT\n\n" + "\n\n".join(f"{a} --> {b}\n{prefix}{text}" for a, b, text in CUES) + "\n"


def _two_languages(out: Path) -> list[str]:
    """Inputs: the picture, English audio (440 Hz), German audio (660 Hz); English WebVTT written beside."""
    (out / "subs_en.vtt").write_text(_webvtt(""))
    return inputs(size="320x180") + ["-f", "lavfi", "-i", f"sine=frequency=660:sample_rate=48000:duration={SECONDS}"]


def hls_tracks(out: Path) -> None:
    """HLS (ffmpeg): two alternate audio renditions (en, de) and segmented WebVTT subtitles (en)."""
    run(_two_languages(out) + ["-i", "subs_en.vtt", "-map", "0:v", *X264, "-b:v", "300k", "-map", "1:a", "-map", "2:a", *AAC,
                                "-map", "3:s", "-c:s", "webvtt", *HLS, "-var_stream_map",
                               "v:0,s:0,agroup:aud,sgroup:subs,language:en a:0,agroup:aud,language:en,default:yes "
                               "a:1,agroup:aud,language:de", "-master_pl_name", "master.m3u8",
                               "-hls_segment_filename", "r%v_%d.ts", "r%v.m3u8"], out)
    (out / "subs_en.vtt").unlink()
    # the same title whose DEFAULT=YES audio is the second listed (German): what plays when nothing is asked
    flip = {"DEFAULT=YES": "DEFAULT=NO", "DEFAULT=NO": "DEFAULT=YES"}
    lines = [re.sub(r"DEFAULT=(YES|NO)", lambda m: flip[m.group(0)], ln) if "TYPE=AUDIO" in ln else ln
             for ln in (out / "master.m3u8").read_text().splitlines()]
    (out / "default-de.m3u8").write_text("\n".join(lines) + "\n")


def hls_ts_webvtt(out: Path) -> None:
    """HLS by Shaka Packager with MPEG-TS media and segmented WebVTT: each text segment's header maps its cue clock
    to the media's (``X-TIMESTAMP-MAP=LOCAL:00:00:00.000,MPEGTS:9000``: Shaka shifts TS timestamps by 100 ms)."""
    run(inputs(size="320x180") + ["-map", "0:v", *X264, "-bf", "0", "-b:v", "300k", "-an", "video.mp4",
                                  "-map", "1:a", *AAC, "-vn", "audio.mp4"], out)
    (out / "subs.vtt").write_text(_webvtt(""))
    run([str(shaka()), "--quiet", "in=video.mp4,stream=video,segment_template=v/$Number$.ts",
         "in=audio.mp4,stream=audio,segment_template=a/$Number$.ts",
         "in=subs.vtt,stream=text,language=en,segment_template=t/$Number$.vtt",
         "--segment_duration", str(SEGMENT_S), "--hls_playlist_type", "VOD", "--hls_master_playlist_output", "master.m3u8"],
        out)
    for name in ("video.mp4", "audio.mp4", "subs.vtt"):
        (out / name).unlink()


#: hls-ts-webvtt-disc: each part's cue, on that part's own cue clock (LOCAL), and where it belongs on the title
DISC_CUES = (("00:00:00.500", "00:00:01.500", "In the first part", 0.5),
             ("00:01:00.500", "00:01:01.500", "In the second part", 4.5))


def hls_ts_webvtt_disc(out: Path) -> None:
    """Two MPEG-TS runs on clocks of their own (ffmpeg's ``-output_ts_offset`` 10 s and 1000 s) joined by
    EXT-X-DISCONTINUITY, with a WebVTT rendition whose segments map each run's cue clock to that run's media clock
    (RFC 8216 §3.5: the map is per segment; the first run's cues count from 0, the second's from 60 s)."""
    starts = []
    for part, pattern, offset in (("a", "testsrc2", 10), ("b", "testsrc", 1000)):
        run(inputs(seconds=4, pattern=pattern) + small(X264) + ["-map", "1:a", *AAC, "-output_ts_offset", str(offset),
                                                                 *HLS, "-hls_segment_filename", f"{part}%d.ts",
                                                                 f"{part}.m3u8"], out)
        with av.open(str(out / f"{part}0.ts")) as ts:  # the run's earliest timestamp, as the feed places it
            starts.append(min(p.pts for _, p in zip(range(16), ts.demux()) if p.pts is not None))
    join_playlists(out, ["a.m3u8", "b.m3u8"], "index.m3u8", between="#EXT-X-DISCONTINUITY")
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{SEGMENT_S}", "#EXT-X-PLAYLIST-TYPE:VOD"]
    for part, (local, end, text, _), start in zip("ab", DISC_CUES, starts):
        base = local[:-6] + "00.000"  # the part's cue clock at its first picture
        for i in range(2):
            cue = f"\n\n{local} --> {end}\n{text}" if i == 0 else ""
            (out / f"t{part}{i}.vtt").write_text(f"WEBVTT\nX-TIMESTAMP-MAP=LOCAL:{base},MPEGTS:{start}{cue}\n")
            lines += (["#EXT-X-DISCONTINUITY"] if part == "b" and i == 0 else []) + [f"#EXTINF:{SEGMENT_S}.0,",
                                                                                     f"t{part}{i}.vtt"]
    (out / "subs.m3u8").write_text("\n".join(lines + ["#EXT-X-ENDLIST"]) + "\n")
    (out / "master.m3u8").write_text(
        "#EXTM3U\n#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"English\",LANGUAGE=\"en\",URI=\"subs.m3u8\"\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=400000,CODECS=\"avc1.42c00d,mp4a.40.2\",SUBTITLES=\"subs\"\nindex.m3u8\n")


def hls_fmp4_webvtt_offset(out: Path, offset_s: int = 10) -> None:
    """fMP4 HLS (ffmpeg) whose media clock starts at ``offset_s`` (``-output_ts_offset``: a VOD cut from a live
    stream), with segmented WebVTT mapped to it as RFC 8216 §3.5 asks (``MPEGTS`` = the media's first timestamp at
    cue time 0), as a packager writes it for a title that does not start at media time 0."""
    run(inputs(size="320x180") + small(X264) + ["-map", "1:a", *AAC, "-output_ts_offset", str(offset_s), *HLS,
                                                "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
                                                "-hls_segment_filename", "m%d.m4s", "index.m3u8"], out)
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{SEGMENT_S}", "#EXT-X-PLAYLIST-TYPE:VOD"]
    for i in range(SECONDS // SEGMENT_S):
        cues = "".join(f"\n\n{a} --> {b}\n{text}" for a, b, text in CUES if i * SEGMENT_S <= cue_time(a) < (i + 1) * SEGMENT_S)
        (out / f"t{i}.vtt").write_text(f"WEBVTT\nX-TIMESTAMP-MAP=LOCAL:00:00:00.000,MPEGTS:{offset_s * 90000}{cues}\n")
        lines += [f"#EXTINF:{SEGMENT_S}.0,", f"t{i}.vtt"]
    (out / "subs.m3u8").write_text("\n".join(lines + ["#EXT-X-ENDLIST"]) + "\n")
    (out / "master.m3u8").write_text(
        "#EXTM3U\n#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"English\",LANGUAGE=\"en\",URI=\"subs.m3u8\"\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=400000,CODECS=\"avc1.42c00d,mp4a.40.2\",SUBTITLES=\"subs\"\nindex.m3u8\n")


#: dash-period-subtitles: each Period's cue, on its Period's own clock, and where it belongs on the title
PERIOD_CUES = (("00:00:00.500", "00:00:01.500", "In the first Period", 0.5),
               ("00:00:01.000", "00:00:02.000", "In the second Period", 5.0))


def dash_period_subtitles(out: Path) -> None:
    """Two 4 s Periods each packaged on its own by Shaka Packager (an ad stitcher's DASH), each with English WebVTT
    segments, French TTML in fMP4 (``stpp``) and Spanish WebVTT in fMP4 (``wvtt``) whose cue times count from its
    Period's start."""
    parts = []
    for (local, end, text, _), part in zip(PERIOD_CUES, ("p0", "p1")):
        folder = out / part
        folder.mkdir()
        run(inputs(size="320x180", seconds=4) + ["-map", "0:v", *X264, "-bf", "0", "-b:v", "300k", "-an", "video.mp4",
                                                 "-map", "1:a", *AAC, "-vn", "audio.mp4"], folder)
        for language in ("en", "fr", "es"):  # one file each: Shaka gives one input's text streams one language
            (folder / f"{language}.vtt").write_text(f"WEBVTT\n\n{local} --> {end}\n{language}: {text}\n")
        run([str(shaka()), "--quiet", "in=video.mp4,stream=video,init_segment=v/init.mp4,segment_template=v/$Number$.m4s",
             "in=audio.mp4,stream=audio,language=en,init_segment=a/init.mp4,segment_template=a/$Number$.m4s",
             "in=en.vtt,stream=text,language=en,segment_template=ten/$Number$.vtt",
             "in=fr.vtt,stream=text,language=fr,format=ttml+mp4,init_segment=tfr/init.mp4,segment_template=tfr/$Number$.m4s",
             "in=es.vtt,stream=text,language=es,format=vtt+mp4,init_segment=tes/init.mp4,segment_template=tes/$Number$.m4s",
             "--segment_duration", str(SEGMENT_S), "--generate_static_live_mpd", "--mpd_output", "manifest.mpd"], folder)
        for name in ("video.mp4", "audio.mp4", "en.vtt", "fr.vtt", "es.vtt"):
            (folder / name).unlink()
        parts.append(part)
    join_periods(out, parts)


def dash_tracks(out: Path) -> None:
    """DASH (Shaka Packager): audio in en and de, segmented WebVTT (en), TTML in fMP4 (``stpp``, fr), WebVTT in fMP4
    (``wvtt``, es) and a WebVTT sidecar (de: one whole file by BaseURL, added to the MPD here as a CDN's manifest would
    list it)."""
    run(_two_languages(out) + [
        "-map", "0:v", *X264, "-bf", "0", "-an", "video.mp4", "-map", "1:a", *AAC, "en.mp4",
        "-map", "2:a", *AAC, "de.mp4"], out)
    (out / "subs_fr.vtt").write_text(_webvtt("fr: "))
    (out / "subs_de.vtt").write_text(_webvtt("de: "))
    (out / "subs_es.vtt").write_text(_webvtt("es: ").replace("00:00:05.500\n", "00:00:05.500 line:10%\n"))  # a setting
    run([str(shaka()), "--quiet",
         "in=video.mp4,stream=video,init_segment=v/init.mp4,segment_template=v/$Number$.m4s",
         "in=en.mp4,stream=audio,language=en,init_segment=en/init.mp4,segment_template=en/$Number$.m4s",
         "in=de.mp4,stream=audio,language=de,init_segment=de/init.mp4,segment_template=de/$Number$.m4s",
         "in=subs_en.vtt,stream=text,language=en,segment_template=ten/$Number$.vtt",
         "in=subs_fr.vtt,stream=text,language=fr,format=ttml+mp4,init_segment=tfr/init.mp4,segment_template=tfr/$Number$.m4s",
         "in=subs_es.vtt,stream=text,language=es,format=vtt+mp4,init_segment=tes/init.mp4,segment_template=tes/$Number$.m4s",
         "--segment_duration", str(SEGMENT_S), "--generate_static_live_mpd", "--mpd_output", "manifest.mpd",
         "--hls_master_playlist_output", "master.m3u8"], out)
    sidecar = ('<AdaptationSet contentType="text" lang="de" mimeType="text/vtt"><Role schemeIdUri="urn:mpeg:dash:role:2011" '
               'value="subtitle"/><Representation id="sidecar-de" bandwidth="256"><BaseURL>subs_de.vtt</BaseURL>'
               '</Representation></AdaptationSet>')
    mpd = (out / "manifest.mpd").read_text()
    (out / "manifest.mpd").write_text(mpd.replace("</Period>", sidecar + "</Period>"))
    for name in ("video.mp4", "en.mp4", "de.mp4", "subs_en.vtt", "subs_fr.vtt", "subs_es.vtt"):
        (out / name).unlink()


def hls_audio_codecs(out: Path) -> None:
    """HLS by Shaka Packager with the audio in two codecs (AAC and AC-3, both English): one audio group per codec, so the
    master lists the one video playlist twice, once per group, each BANDWIDTH counting its own audio."""
    run(inputs(size="320x180") + ["-map", "0:v", *X264, "-bf", "0", "-b:v", "300k", "-an", "video.mp4",
                                  "-map", "1:a", *AAC, "-vn", "aac.mp4", "-map", "1:a", "-c:a", "ac3", "-b:a", "192k",
                                  "-vn", "ac3.mp4"], out)
    run([str(shaka()), "--quiet", "in=video.mp4,stream=video,init_segment=v/init.mp4,segment_template=v/$Number$.m4s",
         *(f"in={c}.mp4,stream=audio,language=en,init_segment={c}/init.mp4,segment_template={c}/$Number$.m4s,"
           f"playlist_name={c}.m3u8,hls_group_id={c},hls_name=English {c.upper()}" for c in ("aac", "ac3")),
         "--segment_duration", str(SEGMENT_S), "--hls_playlist_type", "VOD", "--hls_master_playlist_output", "master.m3u8"],
        out)
    for name in ("video.mp4", "aac.mp4", "ac3.mp4"):
        (out / name).unlink()
    # the same title whose DEFAULT=YES audio is the AC-3 one, listed second (a master that prefers Dolby audio)
    master = (out / "master.m3u8").read_text()
    (out / "default-ac3.m3u8").write_text(master.replace('NAME="English AC3",DEFAULT=NO', 'NAME="English AC3",DEFAULT=YES'))
