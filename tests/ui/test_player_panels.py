"""The stats overlay's text, as a person reads it."""
from __future__ import annotations

from ui.app.player_panels import stats_text


def test_fast_links_read_in_megabits() -> None:
    """A loopback or LAN estimate read ``447646 kbit/s`` on the screenshots; rates from 10 Mbit/s show in Mbit/s."""
    text = stats_text({"bitrate_kbps": 559.6, "throughput_kbps": 447_646.0, "position_s": 1.0, "duration_s": 6.0})
    assert "Bitrate     560 kbit/s" in text and "Throughput  447.6 Mbit/s" in text
    assert "Throughput  9999 kbit/s" in stats_text({"throughput_kbps": 9_999.0})
