"""The client's one terminal bar (downloads/progress_bar.py) and the download bar drawn with it."""
from __future__ import annotations

import io

from downloads.cli import ProgressBar
from downloads.progress import Progress
from downloads.progress_bar import TerminalBar


class Ticks:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_redraws_are_throttled_and_the_final_draw_ends_the_line() -> None:
    """At most 10 redraws a second; the final one always shows, clamps to 100 % and ends with a newline."""
    out, clock = io.StringIO(), Ticks()
    bar = TerminalBar(out, width=10, clock=clock)
    bar.draw(0.1, "a")
    clock.now = 0.05
    bar.draw(0.2, "skipped")
    clock.now = 0.2
    bar.draw(0.5, "b")
    bar.draw(1.7, "done", final=True)
    frames = out.getvalue().split("\r")[1:]
    assert frames == ["[#.........]  10.0% a", "[#####.....]  50.0% b", "[##########] 100.0% done\n"]
    bar.end()
    assert out.getvalue().count("\n") == 1  # end() after a final draw adds nothing


def test_download_bar_fields() -> None:
    """`reelbox download` shows MB, segments, rate and ETA, and a paused download says so."""
    out = io.StringIO()
    progress = Progress(asset_id="a", bytes_done=2_500_000, bytes_total=10_000_000, segments_done=3,
                        segments_total=12, rate_bps=1_000_000, eta_s=75.0, state="paused")
    ProgressBar(out, clock=Ticks())(progress)
    line = out.getvalue()
    assert line.startswith("\r[#######") and "25.0%" in line and "2.50/10.00 MB" in line and "3/12 seg" in line
    assert "8.00 Mbit/s" in line and "ETA 01:15" in line and "(paused)" in line and not line.endswith("\n")
