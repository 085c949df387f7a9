"""Dynamic DASH MPDs for a live channel (ISO/IEC 23009-1 §5.3.1.2, §5.3.9.5; LL-DASH per DASH-IF IOP 4.3 / LL-DASH).

The standard MPD lists the complete segments of the DVR window in a ``SegmentTimeline`` (§5.3.9.6) and is
rewritten as each segment completes (``minimumUpdatePeriod`` = one segment), as ffmpeg's own
``-f dash`` does; mpv's DASH demuxer loses its place on our audio with the template below. The
low-latency MPD addresses segments by ``$Number$`` with a fixed ``@duration`` and ``startNumber="0"``:
segment ``n`` covers ``[n·d, (n+1)·d)`` after ``availabilityStartTime`` (the channel's epoch), which is
exactly how the packager numbers them, so it never changes and a client computes availability from its
(synced) clock. It adds ``availabilityTimeOffset = d − part``
with ``availabilityTimeComplete="false"`` (a segment may be requested once its first chunk exists and
arrives by chunked transfer) and a ``ServiceDescription`` with the target latency. ``UTCTiming`` points
at the edge's ``time`` resource next to the MPD (http-iso), with the ``Date`` header as a fallback.
"""
from __future__ import annotations

import base64
import uuid
from xml.sax.saxutils import quoteattr

from backend_stub.encode.cenc import CLEARKEY_URN, clearkey_pssh

from .hls import iso_time
from .settings import LiveSettings
from .track import Segment

LL_TARGET_MS = 1500


def _duration(seconds: float) -> str:
    return f"PT{seconds:.3f}S".replace(".000S", "S")


NAMES = 'initialization="$RepresentationID$/init.mp4" media="$RepresentationID$/$Number$.m4s"'


def number_template(s: LiveSettings) -> str:
    """``$Number$`` + ``@duration`` with the LL-DASH availability offset."""
    return (f'<SegmentTemplate timescale="1000" duration="{round(s.segment_s * 1000)}" startNumber="0" {NAMES} '
            f'availabilityTimeOffset="{s.segment_s - s.part_s:.3f}" availabilityTimeComplete="false"/>')


def timeline_template(segments: list[Segment], timescale: int) -> str:
    """``$Number$`` + ``SegmentTimeline`` over the complete ``segments`` (runs of equal durations as ``@r``).

    Numbers in a timeline are implicit (one per S, §5.3.9.6.3): the gap segments of an encoder restart
    stay listed (their requests get 404, as DASH has no gap signal) so the numbers after them are right.
    """
    done = [seg for seg in segments if seg.complete]
    first = done[0].number if done else 0
    runs: list[list[int]] = []  # [t, d, r]
    expected = -1
    for seg in done:
        t, d = round(seg.start * timescale), round(seg.duration * timescale)
        if runs and t == expected and d == runs[-1][1]:
            runs[-1][2] += 1
        else:
            runs.append([t, d, 0])
        expected = t + d
    items = "".join(f'<S t="{t}" d="{d}"' + (f' r="{r}"' if r else "") + "/>" for t, d, r in runs)
    return (f'<SegmentTemplate timescale="{timescale}" startNumber="{first}" {NAMES}>'
            f"<SegmentTimeline>{items}</SegmentTimeline></SegmentTemplate>")


def content_protection(kid: bytes) -> list[str]:
    """CENC signalling (ISO/IEC 23009-1 §5.8.4.1; DASH-IF IOP §7.7.2) with the W3C ClearKey PSSH."""
    pssh = base64.b64encode(clearkey_pssh(kid)).decode()
    return [
        f'      <ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cenc" '
        f'cenc:default_KID="{uuid.UUID(bytes=kid)}"/>',
        f'      <ContentProtection schemeIdUri="{CLEARKEY_URN}"><cenc:pssh>{pssh}</cenc:pssh></ContentProtection>',
    ]


def live_mpd(settings: LiveSettings, codecs: dict[str, str], *, epoch: int, published: float,
             templates: tuple[str, str] | None = None, kid: bytes | None = None) -> str:
    """The MPD text; ``published`` is the publishTime (epoch seconds).

    ``templates`` (video, audio) makes the standard MPD (see :func:`timeline_template`); without them it
    is the low-latency one. ``kid`` adds the CENC signalling of a protected channel.
    """
    protection = content_protection(kid) if kid is not None else []
    s = settings
    low_latency = templates is None
    video_template, audio_template = templates or (number_template(s), number_template(s))
    update = s.segment_s if templates else 10.0
    delay = s.part_hold_back_s if low_latency else 2 * s.segment_s
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" xmlns:cenc="urn:mpeg:cenc:2013" type="dynamic" '
        'profiles="urn:mpeg:dash:profile:isoff-live:2011,urn:mpeg:dash:profile:cmaf:2019" '
        f'availabilityStartTime="{iso_time(epoch)}" publishTime="{iso_time(published)}" '
        f'minimumUpdatePeriod="{_duration(update)}" minBufferTime="{_duration(s.part_s if low_latency else s.segment_s)}" '
        f'timeShiftBufferDepth="{_duration(s.dvr_s)}" suggestedPresentationDelay="{_duration(delay)}" '
        f'maxSegmentDuration="{_duration(s.segment_s)}">',
    ]
    if low_latency:
        out += [
            '  <ServiceDescription id="0">',
            f'    <Latency referenceId="0" target="{LL_TARGET_MS}" min="{LL_TARGET_MS // 2}" max="{LL_TARGET_MS * 2}"/>',
            '    <PlaybackRate min="0.96" max="1.1"/>',
            "  </ServiceDescription>",
        ]
    out += [
        '  <Period id="0" start="PT0S">',
        '    <AdaptationSet id="0" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1">',
        *protection,
        f"      {video_template}",
    ]
    for rung in sorted(s.rungs, key=lambda r: r.kbps):
        out.append(
            f'      <Representation id="{rung.name}" bandwidth="{rung.kbps * 1000}" codecs={quoteattr(codecs[rung.name])} '
            f'width="{rung.width}" height="{rung.height}" frameRate="{s.fps}" sar="1:1"/>'
        )
    out += [
        "    </AdaptationSet>",
        f'    <AdaptationSet id="1" contentType="audio" mimeType="audio/mp4" lang={quoteattr(s.audio_lang)} '
        'segmentAlignment="true" startWithSAP="1">',
        *protection,
        f"      {audio_template}",
        f'      <Representation id="{s.audio_name}" bandwidth="{s.audio_kbps * 1000}" '
        f'codecs={quoteattr(codecs[s.audio_name])} audioSamplingRate="48000">',
        '        <AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="1"/>',
        "      </Representation>",
        "    </AdaptationSet>",
        "  </Period>",
        '  <UTCTiming schemeIdUri="urn:mpeg:dash:utc:http-iso:2014" value="time"/>',
        '  <UTCTiming schemeIdUri="urn:mpeg:dash:utc:http-head:2014" value="manifest.mpd"/>',
        "</MPD>",
    ]
    return "\n".join(out) + "\n"
