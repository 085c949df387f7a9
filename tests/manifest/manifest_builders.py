"""Small builders for inline manifests, so each test shows only the feature it is about."""
from __future__ import annotations

MPD_URL = "https://cdn.example.test/title/manifest.mpd"
M3U8_URL = "https://cdn.example.test/title/master.m3u8"
MEDIA_URL = "https://cdn.example.test/title/video/index.m3u8"


def mpd(body: str, *, mpd_type: str = "static", duration: str | None = "PT8S", extra_ns: str = "",
        mpd_attrs: str = "", mpd_children: str = "") -> str:
    dur = f' mediaPresentationDuration="{duration}"' if duration else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" {extra_ns} type="{mpd_type}"{dur} {mpd_attrs}'
        ' profiles="urn:mpeg:dash:profile:isoff-live:2011" minBufferTime="PT2S">\n'
        f"{mpd_children}{body}</MPD>\n"
    )


def period(body: str, *, attrs: str = 'id="p0"', children: str = "") -> str:
    return f"<Period {attrs}>{children}{body}</Period>\n"


def aset(body: str, *, attrs: str = 'mimeType="video/mp4" contentType="video"', children: str = "") -> str:
    return f"<AdaptationSet {attrs}>{children}{body}</AdaptationSet>\n"


def rep(rid: str = "v1", bandwidth: int = 500000, *, attrs: str = 'width="640" height="360" codecs="avc1.64001e"',
        children: str = "") -> str:
    return f'<Representation id="{rid}" bandwidth="{bandwidth}" {attrs}>{children}</Representation>\n'


def template(*, media: str = "seg-$Number$.m4s", init: str = "init-$RepresentationID$.mp4", attrs: str = "",
             timeline: str | None = None) -> str:
    inner = f"<SegmentTimeline>{timeline}</SegmentTimeline>" if timeline is not None else ""
    return f'<SegmentTemplate media="{media}" initialization="{init}" {attrs}>{inner}</SegmentTemplate>'


def simple_mpd(tpl: str, *, duration: str | None = "PT8S", mpd_type: str = "static") -> str:
    return mpd(period(aset(rep(), children=tpl)), duration=duration, mpd_type=mpd_type)


def media_playlist(*segments: str, header: str = "", endlist: bool = True, target: int = 4) -> str:
    tail = "#EXT-X-ENDLIST\n" if endlist else ""
    return f"#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:{target}\n{header}" + "".join(segments) + tail


def seg(uri: str, duration: float = 4.0, *, before: str = "") -> str:
    return f"{before}#EXTINF:{duration:.3f},\n{uri}\n"
