"""HLS WebVTT ``X-TIMESTAMP-MAP`` (RFC 8216 §3.5): cue times moved onto the media's clock, pure."""
from __future__ import annotations

import pytest

from player.ttml import SubtitleFormatError
from player.vtt_timestamp_map import TimestampMap, apply_timestamp_map, map_offset_s, timestamp_map

SEGMENT = ("WEBVTT\nX-TIMESTAMP-MAP=LOCAL:00:01:00.000,MPEGTS:306000\n\n"
           "1\n00:58.522 --> 01:00.522 align:start\nHello\n\n00:00.000 --> 00:00.100\nbefore the title\n")


def test_both_fields_are_read_in_either_order() -> None:
    """Shaka writes LOCAL first, Apple's segmenter MPEGTS first; a header without a map has none."""
    assert timestamp_map(SEGMENT) == TimestampMap(local_s=60.0, mpegts=306000)
    assert timestamp_map("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\n\n") == TimestampMap(0.0, 900000)
    assert timestamp_map("WEBVTT\n\n00:01.000 --> 00:02.000\nX-TIMESTAMP-MAP=LOCAL:00:00.000,MPEGTS:1\n") is None


def test_cues_land_at_local_relative_time_plus_mpegts_less_the_media_origin() -> None:
    """cue − LOCAL + (MPEGTS − origin)/90000: 58.522 − 60 + (306000 − 127920)/90000 = 0.5007 s; the settings and id
    stay, the map line goes, a cue that would end before 0 is dropped."""
    mapped = apply_timestamp_map(SEGMENT, origin=127920)
    assert mapped == "WEBVTT\n\n1\n00:00:00.501 --> 00:00:02.501 align:start\nHello\n"


def test_a_segment_without_a_map_is_left_as_it_is() -> None:
    plain = "WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n"
    assert apply_timestamp_map(plain, origin=123456) is plain


def test_the_33_bit_clock_wrap_between_map_and_media_is_undone() -> None:
    """MPEGTS just after the 2^33 wrap, the media origin just before it: 0.1 s apart, not 26.5 hours."""
    assert map_offset_s(TimestampMap(0.0, 5000), (1 << 33) - 4000) == pytest.approx(0.1)
    assert map_offset_s(TimestampMap(0.0, (1 << 33) - 4000), 5000) == pytest.approx(-0.1)


@pytest.mark.parametrize("header", ["X-TIMESTAMP-MAP=LOCAL:00:00:00.000", "X-TIMESTAMP-MAP=LOCAL:0,MPEGTS:9000",
                                    "X-TIMESTAMP-MAP=LOCAL:00:00:00.000,MPEGTS:ninety"])
def test_a_malformed_map_is_a_named_error(header: str) -> None:
    with pytest.raises(SubtitleFormatError, match="X-TIMESTAMP-MAP|timestamp"):
        apply_timestamp_map(f"WEBVTT\n{header}\n\n00:01.000 --> 00:02.000\nHi\n", origin=0)
