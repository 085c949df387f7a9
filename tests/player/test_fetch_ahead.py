"""A start inside a segment (a seek outside the buffer, a resume) fetches the next video segment while the first
is remuxed (issue 19): libmpv seeks to the target only once that segment's keyframe closes the target's GOP."""
from __future__ import annotations

from schedkit import files_for, presentation, run, with_length, world

from player.net import FetchResult, SegmentRequest
from player.net.testing import files_handler
from player.scheduling import SchedulerConfig


def _log_of(start_s: float, *, force_rung: int | None = None) -> list[str]:
    """Video requests and the feed's video adds, in the order they happened (``get 4`` / ``add 3``)."""
    p = presentation(8)
    log: list[str] = []
    serve = with_length(files_handler(files_for(p)))

    def handler(request: SegmentRequest) -> FetchResult:
        name = request.url.split("?", 1)[0].rsplit("/", 2)
        if name[-2].startswith("v") and name[-1] != "init.mp4":
            log.append(f"get {name[-2]}/{int(name[-1].split('.')[0]) - 1}")
        return serve(request)

    def factory():  # type: ignore[no-untyped-def]
        w = world(p, handler=handler, config=SchedulerConfig(start_s=start_s, force_rung=force_rung), plays=False)
        add = w.sink.add

        def logged_add(kind: str, init: bytes, data: bytes, **kw: object) -> None:
            if kind == "video":
                log.append(f"add {kw['rendition_id']}/{int((kw['start_s'] or 0.0) // 2)}")
            add(kind, init, data, **kw)  # type: ignore[arg-type]
        w.sink.add = logged_add  # type: ignore[method-assign]
        return w

    run(factory)
    return log


def test_inside_a_segment_the_next_one_is_requested_before_the_first_is_fed_at_its_rung() -> None:
    """7 s: segment 3 (6–8 s) is fetched, then segment 4's request goes out before segment 3 reaches the feed,
    at segment 3's rung (the ABR would see an empty buffer); the rest follow the usual way."""
    log = _log_of(7.0)
    first = log[0].split()[1]
    rung = first.split("/")[0]
    assert log[:3] == [f"get {rung}/3", f"get {rung}/4", f"add {rung}/3"]
    assert log.index("add " + log[1].split()[1]) == 3  # segment 4 is fed right after 3
    assert [e for e in log if e.startswith("add")] == [f"add {r}" for r in (e.split()[1] for e in log if e.startswith("get"))]


def test_at_a_segment_start_only_its_own_segment_goes_out_first() -> None:
    """6 s: segment 3's keyframe is the target; nothing else is needed for the first frame, so nothing is fetched
    ahead (the next request waits the first-frame hold, after segment 3 is fed)."""
    log = _log_of(6.0)
    assert log[0].endswith("/3") and log[1].startswith("add") and log[1].endswith("/3")


def test_a_pinned_rung_is_fetched_ahead_at_that_rung() -> None:
    log = _log_of(7.0, force_rung=1)
    assert log[:3] == ["get v1/3", "get v1/4", "add v1/3"]
