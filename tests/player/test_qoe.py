"""QoE bookkeeping: the report keys and figures the DESIGN contract fixes."""
from player.qoe import DownloadAbandoned, QoeTracker, SegmentRecord, build_report

CONTRACT_KEYS = {"target", "startup_ms", "played_s", "rebuffer_count", "rebuffer_s", "avg_bitrate_kbps",
                 "switches", "cdn_failovers", "license_ms", "errors", "segments"}


def _seg(index: int, rendition: str, kbps: float, type_: str = "video") -> SegmentRecord:
    return SegmentRecord(index=index, type=type_, rendition=rendition, bitrate_kbps=kbps, cdn=0, bytes=1000,
                         download_ms=10.0, buffer_s=1.0, duration_s=2.0, start_s=index * 2.0)


def test_report_has_every_contract_key():
    """A fresh session's report carries every key of the contract."""
    report = build_report(QoeTracker(target="t", opened_at=0.0), 1.0).to_json()
    assert CONTRACT_KEYS <= set(report)


def test_startup_and_rebuffers_are_measured_from_the_session_clock():
    """Startup is open→first frame; stalls before the first frame do not count as rebuffering."""
    qoe = QoeTracker(target="t", opened_at=10.0)
    qoe.stall_start(10.1)  # still starting up
    qoe.first_frame(10.25)
    qoe.stall_start(12.0)
    qoe.stall_end(12.5)
    qoe.stall_start(20.0)  # still stalled when the report is taken
    report = build_report(qoe, 21.0).to_json()
    assert report["startup_ms"] == 250.0
    assert report["rebuffer_count"] == 2
    assert report["rebuffer_s"] == 1.5


def test_switches_and_average_bitrate_follow_video_segments_only():
    """Audio segments neither count as switches nor change the video bitrate average."""
    qoe = QoeTracker(target="t", opened_at=0.0)
    for i, (r, kbps) in enumerate([("low", 300), ("low", 300), ("high", 900), ("low", 300)]):
        qoe.segment(_seg(i, r, kbps))
    qoe.segment(_seg(0, "aac", 128, "audio"))
    report = build_report(qoe, 1.0).to_json()
    assert report["switches"] == 2
    assert report["avg_bitrate_kbps"] == 450.0
    assert len(report["segments"]) == 5


def test_an_audio_only_ladder_counts_its_switches_and_bitrate():
    """An audio-only title (radio ABR): its audio renditions are the ladder, so they make the figures."""
    qoe = QoeTracker(target="t", opened_at=0.0, ladder_kind="audio")
    for i, (r, kbps) in enumerate([("a64", 64), ("a128", 128)]):
        qoe.segment(_seg(i, r, kbps, "audio"))
    report = build_report(qoe, 1.0).to_json()
    assert (report["switches"], report["avg_bitrate_kbps"]) == (1, 96.0)
    assert report["qoe_lin"] is not None


def test_average_bitrate_is_measured_when_none_is_declared():
    """A lone media playlist declares no BANDWIDTH: the average comes from bytes over media seconds, not 0."""
    qoe = QoeTracker(target="t", opened_at=0.0)
    qoe.segment(_seg(0, "only", 0))  # 1000 bytes in 2 s
    assert build_report(qoe, 1.0).to_json()["avg_bitrate_kbps"] == 4.0


def test_abandonments_are_counted_in_the_report_and_told_to_listeners():
    """Each abandoned download counts once in ``abandonments`` and reaches listeners as a typed event."""
    qoe = QoeTracker(target="t", opened_at=0.0)
    heard = []
    qoe.listeners.append(heard.append)
    assert build_report(qoe, 1.0).to_json()["abandonments"] == 0
    event = DownloadAbandoned(at=2.0, index=3, from_rung=2, to_rung=0, received_bytes=16384)
    qoe.abandoned(event)
    report = build_report(qoe, 3.0).to_json()
    assert report["abandonments"] == 1
    assert report["abandon_events"] == [{"t_s": 2.0, "index": 3, "from_rung": 2, "to_rung": 0, "received": 16384}]
    assert heard == [event]


def test_a_long_play_lists_its_newest_rows_and_its_figures_count_every_segment(monkeypatch):
    """A kiosk on a live channel for weeks: the report lists the newest segments and requests, says how many older
    ones went, and its bitrate, switches, QoE_lin, failovers and aborted counts are those of the whole play."""
    import player.qoe.tracker as tracker
    from player.net import RequestKind, RequestRecord
    from player.net.request import RequestLog

    plan = [("low", 300), ("high", 900), ("high", 900), ("mid", 600), ("low", 300), ("low", 300)] * 20

    def report() -> dict:
        qoe = QoeTracker(target="t", opened_at=0.0)
        for i, (rendition, kbps) in enumerate(plan):
            qoe.segment(_seg(i, rendition, kbps))
            qoe.segment(_seg(i, "aac", 128, "audio"))
        return build_report(qoe, 1.0).to_json()

    expected = report()
    monkeypatch.setattr(tracker, "KEEP_SEGMENTS", 8)
    got = report()
    figures = ("avg_bitrate_kbps", "switches", "qoe_lin")
    assert expected["switches"] == 60 and expected["segments_dropped"] == 0
    assert {k: got[k] for k in figures} == {k: expected[k] for k in figures}
    assert 8 <= len(got["segments"]) <= 10 and got["segments_dropped"] == 2 * len(plan) - len(got["segments"])
    assert got["segments"][-1] == expected["segments"][-1]

    log = RequestLog(keep=8)
    for i in range(50):
        log.add(RequestRecord(kind=RequestKind.SEGMENT, cdn=0, url=f"/{i}", status=200, bytes=1, ttfb_s=0.0,
                              duration_s=0.0, retries=0, failover_to=1 if i % 5 == 0 else None, aborted=i % 7 == 0))
    assert (log.failovers, log.aborted) == (10, 8)
    assert 8 <= len(log.records) <= 10 and log.dropped == 50 - len(log.records) and log.records[-1].url == "/49"


def test_switches_follow_media_time_across_runs_that_number_their_rows_apart():
    """A live seek starts a new run that numbers its rows from the segments still listed: its indexes overlap the first
    run's. The switches are those a viewer saw along the media: one here (before, sorted by index: twenty)."""
    qoe = QoeTracker(target="t", opened_at=0.0)
    for i in range(20):
        qoe.segment(_seg(i, "hi", 900))
    for i in range(5, 15):  # the second run, after the first run's media
        qoe.segment(SegmentRecord(index=i, type="video", rendition="lo", bitrate_kbps=300, cdn=0, bytes=1000,
                                  download_ms=10.0, buffer_s=1.0, duration_s=2.0, start_s=40.0 + (i - 5) * 2.0))
    assert build_report(qoe, 1.0).to_json()["switches"] == 1
