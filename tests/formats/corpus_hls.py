"""The HLS kinds: MPEG-TS (muxed, AES-128, discontinuity, alternate audio, byte ranges, gap, audio-only, packed
audio, MP3) and fMP4 (muxed audio, AES-128, H.264 and HEVC ladders in one master)."""
from __future__ import annotations

from pathlib import Path

from corpus_encode import AAC, AES_IV, HLS, KEY, SEGMENT_S, X264, X265, inputs, ladder, run, small
from corpus_packager import adts_frames, aes128_encrypt, id3_timestamp, join_playlists

# ---- HLS, MPEG-TS --------------------------------------------------------------------------

def hls_ts(out: Path) -> None:
    """Two muxed H.264+AAC TS variants (the commonest HLS in the wild)."""
    run(inputs() + ladder(X264) + ["-map", "1:a", "-map", "1:a", *AAC, *HLS, "-var_stream_map", "v:0,a:0 v:1,a:1",
                                    "-master_pl_name", "master.m3u8", "-hls_segment_filename", "v%v_%d.ts", "v%v.m3u8"], out)


def hls_ts_aes(out: Path) -> None:
    """TS + AES-128, the key over HTTP, no IV attribute (IV = media sequence number, RFC 8216 §5.2)."""
    (out / "key.bin").write_bytes(KEY)
    (out / "keyinfo").write_text(f"key.bin\n{out / 'key.bin'}\n")
    run(inputs() + small(X264) + ["-map", "1:a", *AAC, *HLS, "-hls_key_info_file", "keyinfo",
                                  "-hls_segment_filename", "s%d.ts", "index.m3u8"], out)


def hls_ts_disc(out: Path) -> None:
    """Two separately encoded parts (timestamps restart) joined by EXT-X-DISCONTINUITY."""
    for part, pattern in (("a", "testsrc2"), ("b", "testsrc")):
        run(inputs(seconds=4, pattern=pattern) + small(X264) + ["-map", "1:a", *AAC, *HLS,
             "-hls_segment_filename", f"{part}%d.ts", f"{part}.m3u8"], out)
    join_playlists(out, ["a.m3u8", "b.m3u8"], "index.m3u8", between="#EXT-X-DISCONTINUITY")


def hls_ts_altaudio(out: Path) -> None:
    """A video-only TS variant with an alternate audio rendition (EXT-X-MEDIA TYPE=AUDIO) in its own TS."""
    run(inputs() + small(X264) + ["-map", "1:a", *AAC, *HLS, "-var_stream_map",
        "v:0,agroup:aud a:0,agroup:aud,language:en,name:English,default:yes",
        "-master_pl_name", "master.m3u8", "-hls_segment_filename", "r%v_%d.ts", "r%v.m3u8"], out)


def hls_ts_byterange(out: Path) -> None:
    """One TS file per rendition addressed by EXT-X-BYTERANGE (needs a Range-capable server)."""
    run(inputs() + small(X264) + ["-map", "1:a", *AAC, *HLS, "-hls_flags", "single_file", "index.m3u8"], out)


def hls_ts_gap(out: Path) -> None:
    """A TS playlist whose second segment is an EXT-X-GAP (not served): must end with a named error."""
    hls_ts_aes_free = inputs() + small(X264) + ["-map", "1:a", *AAC, *HLS, "-hls_segment_filename", "s%d.ts", "full.m3u8"]
    run(hls_ts_aes_free, out)
    lines = (out / "full.m3u8").read_text().splitlines()
    at = lines.index("s1.ts")
    lines.insert(at - 1, "#EXT-X-GAP")
    (out / "s1.ts").unlink()
    (out / "index.m3u8").write_text("\n".join(lines) + "\n")


def hls_ts_ad_break(out: Path) -> None:
    """An ad spliced in across EXT-X-DISCONTINUITY at another size and sample rate (640x360 + AAC 48 kHz, then
    426x240 + AAC 44.1 kHz, then the programme again), as a server-side ad inserter stitches it."""
    _ad_break(out, X264, AAC)


def hls_ts_ad_codec(out: Path) -> None:
    """The same ad break with the ad in another codec (HEVC + AC-3): one MPEG-TS stream cannot carry the change."""
    _ad_break(out, X265, ["-c:a", "ac3"])


def hls_ts_silent_slate(out: Path) -> None:
    """The ad break with a slate that has no audio track at all (RFC 8216 §4.3.2.3 lets a discontinuity change the
    tracks; SSAI slates often have video only), with a master whose CODECS promise the muxed AAC (``master.m3u8``)
    and a pre-roll form that starts with the slate (``preroll.m3u8``)."""
    _ad_break(out, X264, None)
    lines = (out / "index.m3u8").read_text().splitlines()
    first_break = lines.index("#EXT-X-DISCONTINUITY")
    (out / "preroll.m3u8").write_text("\n".join(lines[:4] + lines[first_break + 1:]) + "\n")
    (out / "master.m3u8").write_text('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=600000,CODECS="avc1.64001e,mp4a.40.2"\n'
                                     'index.m3u8\n')
    (out / "master-preroll.m3u8").write_text((out / "master.m3u8").read_text().replace("index.m3u8", "preroll.m3u8"))


def hls_ts_audio_only_ad(out: Path) -> None:
    """The ad break with an audio-only ad (a radio spot: one AAC stream, no video PID) in the muxed variant."""
    _ad_break(out, None, AAC)


def _ad_break(out: Path, ad_video: list[str] | None, ad_audio: list[str] | None) -> None:
    parts = {"a": ("testsrc2", "640x360", 48000, X264, AAC), "b": ("smptebars", "426x240", 44100, ad_video, ad_audio),
             "c": ("testsrc2", "640x360", 48000, X264, AAC)}
    for part, (pattern, size, hz, video, audio) in parts.items():
        picture = ["-map", "0:v", *video, "-b:v", "300k"] if video is not None else []
        sound = ["-map", "1:a", *audio] if audio is not None else []
        run(inputs(seconds=2, pattern=pattern, size=size, audio_hz=hz) + [*picture, *sound, *HLS,
             "-hls_segment_filename", f"{part}%d.ts", f"{part}.m3u8"], out)
    join_playlists(out, ["a.m3u8", "b.m3u8", "c.m3u8"], "index.m3u8", between="#EXT-X-DISCONTINUITY")


def hls_audio_ts(out: Path) -> None:
    """Audio-only HLS in MPEG-TS segments."""
    run(inputs() + ["-map", "1:a", *AAC, *HLS, "-hls_segment_filename", "a%d.ts", "index.m3u8"], out)


def hls_packed_audio(out: Path) -> None:
    """Audio-only packed ADTS segments (``.aac``), each led by an ID3 PRIV transportStreamTimestamp."""
    run(inputs() + ["-map", "1:a", *AAC, "-f", "adts", "all.aac"], out)
    frames = adts_frames((out / "all.aac").read_bytes())
    per_segment = SEGMENT_S * 48000 / 1024
    base = 10 * 90000  # timestamps that do not start at 0, as a live packager's do
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{SEGMENT_S}", "#EXT-X-PLAYLIST-TYPE:VOD"]
    n, first = 0, 0
    while first < len(frames):
        last = min(len(frames), int(round((n + 1) * per_segment)))
        pts = base + first * 1024 * 90000 // 48000
        (out / f"a{n}.aac").write_bytes(id3_timestamp(pts) + b"".join(frames[first:last]))
        lines += [f"#EXTINF:{(last - first) * 1024 / 48000:.6f},", f"a{n}.aac"]
        n, first = n + 1, last
    (out / "index.m3u8").write_text("\n".join(lines + ["#EXT-X-ENDLIST"]) + "\n")
    (out / "all.aac").unlink()


def hls_ts_mp3(out: Path) -> None:
    """TS variant with H.264 video and MP3 audio (older encoders' default)."""
    run(inputs() + small(X264) + ["-map", "1:a", "-c:a", "libmp3lame", "-b:a", "64k", *HLS,
                                  "-hls_segment_filename", "s%d.ts", "index.m3u8"], out)


def hls_ts_unaligned(out: Path) -> None:
    """Two muxed TS variants encoded apart, as rung-by-rung encoders make them: 320x180 in 2 s segments and
    640x360 in 3 s ones, each with keyframes at its own segment starts, so the rungs share only 0, 6 and 12 s."""
    for name, size, segment_s, rate in (("lo", "320x180", 2, "300k"), ("hi", "640x360", 3, "800k")):
        run(inputs(seconds=UNALIGNED_S, size=size) + [
            "-map", "0:v", "-c:v", "libx264", "-preset", "ultrafast", "-b:v", rate,
            "-force_key_frames", f"expr:gte(t,n_forced*{segment_s})", "-sc_threshold", "0",
            "-map", "1:a", *AAC, "-f", "hls", "-hls_time", str(segment_s), "-hls_playlist_type", "vod",
            "-hls_segment_filename", f"{name}%d.ts", f"{name}.m3u8"], out)
    (out / "master.m3u8").write_text(
        "#EXTM3U\n#EXT-X-VERSION:3\n"
        '#EXT-X-STREAM-INF:BANDWIDTH=420000,RESOLUTION=320x180,CODECS="avc1.42c00d,mp4a.40.2"\nlo.m3u8\n'
        '#EXT-X-STREAM-INF:BANDWIDTH=1000000,RESOLUTION=640x360,CODECS="avc1.42c01e,mp4a.40.2"\nhi.m3u8\n')


UNALIGNED_S = 12  # long enough for a boundary both rungs share inside the title (6 s)


# ---- HLS, fMP4 -----------------------------------------------------------------------------

def hls_fmp4_muxed(out: Path) -> None:
    """fMP4 HLS whose variant carries audio in the same segments (no separate audio rendition)."""
    run(inputs() + small(X264) + ["-map", "1:a", *AAC, *HLS, "-hls_segment_type", "fmp4",
                                  "-hls_fmp4_init_filename", "init.mp4", "-hls_segment_filename", "s%d.m4s", "index.m3u8"], out)


def hls_codecs(out: Path) -> None:
    """One master offering H.264 and HEVC fMP4 ladders side by side (Apple's HLS authoring spec);
    HEVC at lower bitrates, as an encoder ladder would have it."""
    for family, video in (("h264", X264), ("hevc", [*X265, "-b:v:0", "200k", "-b:v:1", "500k"])):
        (out / family).mkdir()
        run(inputs() + ladder(video) + ["-map", "1:a", "-map", "1:a", *AAC, *HLS, "-hls_segment_type", "fmp4",
                                        "-var_stream_map", "v:0,a:0 v:1,a:1", "-master_pl_name", "master.m3u8",
                                        "-hls_segment_filename", "v%v_%d.m4s", "v%v.m3u8"], out / family)
    variants = [f"{line}\n" if line.startswith("#EXT-X-STREAM-INF") else f"{family}/{line}\n"
                for family in ("h264", "hevc")
                for line in (out / family / "master.m3u8").read_text().splitlines()
                if line.startswith("#EXT-X-STREAM-INF") or line.endswith(".m3u8")]
    (out / "master.m3u8").write_text("#EXTM3U\n#EXT-X-VERSION:7\n" + "".join(variants))


def hls_fmp4_aes(out: Path) -> None:
    """fMP4 + AES-128 (ffmpeg refuses it): segments encrypted here, init left clear, explicit IV."""
    run(inputs() + small(X264) + ["-map", "1:a", *AAC, *HLS, "-hls_segment_type", "fmp4",
                                  "-hls_fmp4_init_filename", "init.mp4", "-hls_segment_filename", "s%d.m4s", "clear.m3u8"], out)
    (out / "key.bin").write_bytes(KEY)
    lines = []
    for line in (out / "clear.m3u8").read_text().splitlines():
        lines.append(line)
        if line.startswith("#EXT-X-MAP"):
            lines.append(f'#EXT-X-KEY:METHOD=AES-128,URI="key.bin",IV=0x{AES_IV.hex()}')
        elif line.endswith(".m4s"):
            path = out / line
            path.write_bytes(aes128_encrypt(path.read_bytes(), KEY, AES_IV))
    (out / "index.m3u8").write_text("\n".join(lines) + "\n")
    (out / "clear.m3u8").unlink()


def hls_ts_key_runs(out: Path) -> None:
    """AES-128 runs with a clear segment between them (``METHOD=NONE``), as an ad-insertion server writes them:
    the IVs in lowercase hex (one with letters), EXT-X-PROGRAM-DATE-TIME and EXT-X-DATERANGE tags to ignore."""
    run(inputs() + small(X264) + ["-map", "1:a", *AAC, *HLS, "-hls_segment_filename", "s%d.ts", "clear.m3u8"], out)
    (out / "key.bin").write_bytes(KEY)
    ivs = {"s0.ts": AES_IV, "s2.ts": bytes.fromhex("000000000000000000000000deadbeef")}
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{SEGMENT_S}", "#EXT-X-PLAYLIST-TYPE:VOD",
             "#EXT-X-PROGRAM-DATE-TIME:2026-11-23T10:00:00.000Z",
             '#EXT-X-DATERANGE:ID="ad-1",CLASS="com.example.ad",START-DATE="2026-11-23T10:00:02.000Z",DURATION=2.0']
    playlist = (out / "clear.m3u8").read_text().splitlines()
    for extinf, name in ((a, b) for a, b in zip(playlist, playlist[1:]) if a.startswith("#EXTINF")):
        iv = ivs.get(name)
        if iv is not None:
            (out / name).write_bytes(aes128_encrypt((out / name).read_bytes(), KEY, iv))
        lines += [f'#EXT-X-KEY:METHOD=AES-128,URI="key.bin",IV=0x{iv.hex()}' if iv else "#EXT-X-KEY:METHOD=NONE",
                  extinf, name]
    (out / "index.m3u8").write_text("\n".join(lines + ["#EXT-X-ENDLIST"]) + "\n")
    (out / "clear.m3u8").unlink()
