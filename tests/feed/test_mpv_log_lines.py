"""libmpv's log lines read as facts: what counts as a frame a decoder could not decode."""
from __future__ import annotations

from player.feed.mpv_log import LogWatch


def test_a_decoders_word_on_a_timestamp_jump_is_not_a_decoding_error() -> None:
    """At a segment the play skipped, libmpv's audio decoder says "Invalid audio PTS: 5.016000 -> 6.018667" and
    resyncs: the skip is named already, and nothing failed to decode. Before, it made the play incomplete with
    "1 decoder error". A real decoding error still counts."""
    watch = LogWatch()
    watch.line("warn", "ad", "Invalid audio PTS: 5.016000 -> 6.018667")
    watch.line("warn", "vd", "Invalid video timestamp: 4.000000 -> 3.960000")
    assert watch.decoder_errors == 0
    watch.line("error", "ffmpeg/video", "h264: Invalid NAL unit size (1195 > 1070).")
    watch.line("warn", "ad", "Error decoding audio.")
    assert watch.decoder_errors == 2
    assert not LogWatch.is_decoder("cplayer", "Invalid audio PTS: 1 -> 2")
