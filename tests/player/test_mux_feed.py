"""The feed holds what it muxed until libmpv is attached, end of stream included."""
from __future__ import annotations

from player.feed.mux_feed import MuxFeed


class RecordingOutput:
    """Stands in for MpvOutput's push/end_of_stream surface (what MuxFeed calls), recording the calls."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def push(self, data: bytes) -> None:
        self.calls.append(f"push {len(data)}")

    def end_of_stream(self) -> None:
        self.calls.append("eos")


def test_a_stream_finished_before_attach_still_ends_after_attach():
    """Offline the whole title can be muxed before libmpv exists; attaching then delivers data and end of stream."""
    feed = MuxFeed(("video",))
    feed._held.append(b"\x47" * 188)  # a TS packet muxed before the output existed
    feed.finish()
    output = RecordingOutput()
    feed.attach(output)  # type: ignore[arg-type]
    assert output.calls[0] == "push 188"
    assert output.calls[-1] == "eos"
