"""The player's live model, pure: server clock, playlist/MPD live facts, window and start, refresh, latency."""
from __future__ import annotations

import pytest

from backend_stub.live.hls import media_playlist
from backend_stub.live.mpd import live_mpd
from backend_stub.live.settings import LiveSettings
from backend_stub.live.track import Part, Segment
from player.errors import ManifestError
from player.live.clock_sync import ClockSyncError, from_date_header, from_sample, from_utc_timing_body, parse_iso
from player.live.dash_live import parse_live as parse_mpd
from player.live.hls_live import parse_live as parse_playlist
from player.live.latency import MIN_CATCH_UP_RATE, LatencyController, LatencyPolicy
from player.live.refresh import FrozenDetector, blocking_reload_url, dash_reload_delay, hls_reload_delay
from player.live.window import (
    LiveWindow, dash_delay, dash_now, hls_hold_back, live_start, newest_number, number_at,
)

EPOCH = 1_700_000_000
URL = "http://edge/c/tok/live/v360.m3u8?x=1"
CODECS = {"v180": "avc1.42c00d", "v360": "avc1.42c01e", "a_en": "mp4a.40.2"}


def playlist(segments: int = 5, open_parts: int = 2) -> str:
    """Our backend's LL-HLS playlist: ``segments`` complete 2 s segments from 10, then ``open_parts`` parts."""
    segs = [Segment(number=10 + i, start=20.0 + 2 * i, parts=[Part(duration=0.5, independent=j == 0) for j in range(4)],
                    complete=True) for i in range(segments)]
    if open_parts:
        n = 10 + segments
        segs.append(Segment(number=n, start=2.0 * n, parts=[Part(duration=0.5, independent=j == 0) for j in range(open_parts)]))
    return media_playlist("v360", segs, LiveSettings(), epoch=EPOCH)


# ---------------------------------------------------------------- clock
def test_server_clock_from_one_exchange_ignores_the_local_wall_clock() -> None:
    """The offset comes from the request's monotonic midpoint; a Date header adds half its 1 s step."""
    clock = from_sample(EPOCH + 50.0, sent=100.0, received=100.2, source="utc-timing")
    assert clock.epoch(100.1) == pytest.approx(EPOCH + 50.0) and clock.uncertainty_s == pytest.approx(0.1)
    dated = from_date_header("Tue, 14 Nov 2023 22:14:10 GMT", 100.0, 100.0)
    assert dated.epoch(100.0) == pytest.approx(EPOCH + 50.5)
    assert from_utc_timing_body("2023-11-14T22:14:10.250Z", 7.0, 7.0).epoch(8.0) == pytest.approx(EPOCH + 51.25)
    with pytest.raises(ClockSyncError):
        from_date_header(None, 0, 1)
    with pytest.raises(ClockSyncError):
        parse_iso("yesterday")


@pytest.mark.parametrize("skew_s", [-30.0, 0.0, 30.0])
def test_client_skew_does_not_move_the_start(skew_s: float) -> None:
    """Client wall clocks ±30 s off: the server clock (from a Date header) puts the DASH start in the same place."""
    info = parse_mpd(live_mpd(LiveSettings(), CODECS, epoch=EPOCH, published=EPOCH), "http://e/m.mpd")
    true_server = EPOCH + 600.4  # what the server's Date says, whatever our own clock thinks
    local_wall = true_server + skew_s  # never passed to the model: nothing reads it
    mono = 5000.0
    clock = from_date_header("Tue, 14 Nov 2023 22:23:20 GMT", mono - 0.01, mono + 0.01)
    now = dash_now(info, clock.epoch(mono))
    start, _ = live_start([2.0 * k for k in range(240, 302)], now, dash_delay(info, low_latency=True), 0.0)
    assert local_wall != true_server or skew_s == 0
    assert start == 598.0  # the segment holding now minus the 1.5 s LL target (598.9 ± the Date's second)


# ---------------------------------------------------------------- HLS
def test_hls_live_facts_of_an_ll_playlist() -> None:
    """Server control, hold-backs, parts, the preload hint and PDT mapping come out of the playlist."""
    info = parse_playlist(playlist(), URL)
    assert (info.target_s, info.media_sequence, info.segment_count, info.live) == (2.0, 10, 5, True)
    assert info.can_block_reload and (info.hold_back_s, info.part_hold_back_s, info.part_target_s) == (6.0, 1.5, 0.5)
    assert info.end_s == 10.0 and info.edge_s == 11.0  # two parts of the open segment
    assert info.next_part() == (15, 2) and info.preload_hint == "v360/15.2.m4s"
    assert info.pdt_at(0.0) == EPOCH + 20.0
    assert [p.msn for p in info.parts][-2:] == [15, 15] and info.parts[-2].independent


def test_hls_next_part_after_a_completed_segment() -> None:
    """When the newest part closed a segment, the next request is part 0 of the next one."""
    info = parse_playlist(playlist(open_parts=0), URL)
    assert info.next_part() == (15, 0)
    assert info.edge_s == info.end_s == 10.0


def test_hls_without_server_control_defaults_to_three_targets() -> None:
    """A plain sliding-window playlist (ffmpeg -f hls): HOLD-BACK is 3 × target, no blocking, no parts."""
    text = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:7\n#EXTINF:4.0,\na.ts\n#EXTINF:4.0,\nb.ts\n"
    info = parse_playlist(text, URL)
    assert (info.hold_back_s, info.part_hold_back_s, info.can_block_reload, info.pdt_anchor) == (12.0, None, False, None)
    assert hls_hold_back(info, low_latency=True) == 12.0
    assert blocking_reload_url(URL, info, low_latency=True) is None
    assert parse_playlist(text + "#EXT-X-ENDLIST\n", URL).live is False


@pytest.mark.parametrize("bad", ["#EXTM3U\n#EXTINF:2,\na.ts\n", "#EXTM3U\n#EXT-X-TARGETDURATION:x\n",
                                 "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PROGRAM-DATE-TIME:soon\n"])
def test_hls_bad_live_playlists_raise_manifest_error(bad: str) -> None:
    """No target duration, a non-number, a bad date: our ManifestError, nothing else."""
    with pytest.raises(ManifestError):
        parse_playlist(bad, URL)


# ---------------------------------------------------------------- DASH
def test_dash_live_facts_and_availability() -> None:
    """Our LL MPD: AST, DVR depth, UTCTiming, target latency, and the segments available at a time."""
    info = parse_mpd(live_mpd(LiveSettings(), CODECS, epoch=EPOCH, published=EPOCH + 1), "http://e/m.mpd")
    assert info.dynamic and info.availability_start == EPOCH and info.time_shift_buffer_s == 120.0
    assert info.utc_timing[0] == ("urn:mpeg:dash:utc:http-iso:2014", "time")
    assert info.low_latency and info.target_latency_s == 1.5 and info.max_rate == 1.1
    assert dash_reload_delay(info) == 10.0
    tpl = info.video_template
    assert tpl is not None and (tpl.start_number, tpl.duration_s, tpl.availability_offset_s) == (0, 2.0, 1.5)
    assert newest_number(tpl, 10.4) == 4 and newest_number(tpl, 10.5) == 5  # segment 5 from its first chunk
    assert number_at(tpl, 9.99) == 4
    assert dash_delay(info, low_latency=True) == 1.5  # the service description's target
    assert dash_delay(info, low_latency=False) == 4.0  # its suggestedPresentationDelay (1.5 s) is < two whole segments


def test_dash_without_delay_falls_back_to_min_buffer_plus_a_segment() -> None:
    """No suggestedPresentationDelay: minBufferTime plus one segment; static MPDs are not reloaded."""
    mpd = ('<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="dynamic" availabilityStartTime="2023-11-14T22:13:20Z" '
           'minBufferTime="PT2S"><Period start="PT0S"><AdaptationSet contentType="video">'
           '<SegmentTemplate duration="4" startNumber="1" media="$Number$.m4s"/><Representation id="v"/>'
           "</AdaptationSet></Period></MPD>")
    info = parse_mpd(mpd, "http://e/m.mpd")
    assert dash_delay(info, low_latency=False) == 6.0 and not info.low_latency and dash_reload_delay(info) is None
    with pytest.raises(ManifestError):
        parse_mpd("<MPD", "http://e/m.mpd")


@pytest.mark.parametrize("depth", ["", ' timeShiftBufferDepth="P30D"'])
def test_a_channel_up_for_days_with_an_unbounded_dvr_window_joins_at_the_edge_with_two_hours_listed(depth: str) -> None:
    """No ``timeShiftBufferDepth`` (every segment since availabilityStartTime, §5.3.1.2) or thirty days of it, on a
    channel up ten days: the join lists the newest ``MAX_DVR_S`` of 2 s segments and the window is that long.
    Before, all 432 000 segments a Representation were enumerated: a ManifestError over the segment cap (two days
    took seconds), where plain libmpv plays from the edge."""
    import asyncio

    from player.live.dash_live import MAX_DVR_S
    from player.live.dash_refresh import DashRefresher

    mpd = (f'<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="dynamic" availabilityStartTime="2023-11-14T22:13:20Z"'
           f'{depth} minBufferTime="PT2S"><Period start="PT0S"><AdaptationSet contentType="video">'
           '<SegmentTemplate duration="2" startNumber="1" media="$Number$.m4s"/><Representation id="v" bandwidth="1"/>'
           "</AdaptationSet></Period></MPD>")

    async def fetch(_url: str) -> bytes:
        return mpd.encode()

    refresher = DashRefresher(["http://e/m.mpd"], fetch)
    asyncio.run(refresher.reload())
    ten_days = EPOCH + 10 * 86400  # availabilityStartTime is EPOCH
    added = refresher.extend(ten_days)
    numbers = [s.number for s in refresher.indexes["v"].segments]
    assert added == len(numbers) == pytest.approx(MAX_DVR_S / 2, abs=1)
    assert numbers[-1] == 10 * 86400 // 2 and numbers == list(range(numbers[0], numbers[-1] + 1))
    assert refresher.extend(ten_days + 4) == 2  # and on from there


# ---------------------------------------------------------------- start and refresh
def test_start_is_a_segment_start_outside_the_hold_back() -> None:
    """LL: PART-HOLD-BACK behind the newest part, at the segment start before it (or the next one, when it
    gets there within the wait); standard: HOLD-BACK behind the last segment; a short window: its start."""
    info = parse_playlist(playlist(), URL)
    starts = [2.0 * k for k in range(6)]  # the listed segments on the play's timeline; parts up to 11.0
    target = hls_hold_back(info, low_latency=True) + info.part_target_s  # what open_live holds: 2.0 s
    assert live_start(starts, info.edge_s, target, 0.0) == (8.0, 0.0)  # 3 s behind the edge, never 1
    assert live_start(starts, info.edge_s, target, 1.0) == (10.0, 1.0)
    assert live_start(starts, info.end_s, hls_hold_back(info, low_latency=False), 0.0) == (4.0, 0.0)
    assert live_start([0.0], 3.0, 6.0, 1.0) == (0.0, 0.0)


def test_reload_rules_and_blocking_urls() -> None:
    """Target after a change, half when unchanged; blocking reload asks for the next part or segment."""
    info = parse_playlist(playlist(), URL)
    assert (hls_reload_delay(info, True), hls_reload_delay(info, False)) == (2.0, 1.0)
    assert blocking_reload_url(URL, info, low_latency=True) == URL + "&_HLS_msn=15&_HLS_part=2"
    assert blocking_reload_url(URL, info, low_latency=False) == URL + "&_HLS_msn=15"


def test_frozen_playlist_is_detected_after_three_targets() -> None:
    """Unchanged markers for three target durations: frozen once; a moving marker clears it."""
    detector = FrozenDetector.for_target(2.0)
    assert not detector.observe(0.0, (15, 2))
    assert not detector.observe(5.9, (15, 2))
    assert detector.observe(6.0, (15, 2)) and detector.observe(7.0, (15, 2))
    assert detector.events == [6.0]
    assert not detector.observe(7.5, (15, 3)) and not detector.frozen


# ---------------------------------------------------------------- latency control
def test_latency_control_catches_up_gently_and_resyncs_when_far() -> None:
    """Behind by 0.5 s: 1.05x; by 5 s: max rate; beyond the resync limit: a seek; on target: 1.0."""
    window = LiveWindow(start_s=100.0, edge_s=220.0)
    ctl = LatencyController(LatencyPolicy(target_s=1.5, resync_after_s=6.0))
    assert ctl.decide(0.0, 2.0, 2.0, 210.0, window).rate == pytest.approx(1.05)
    assert ctl.decide(1.0, 6.5, 2.0, 210.0, window).rate == 1.1
    jump = ctl.decide(2.0, 9.0, 2.0, 200.0, window)
    assert jump.seek_to == pytest.approx(207.5) and jump.reason == "resync" and ctl.resyncs == 1
    assert ctl.decide(3.0, 1.6, 2.0, 210.0, window).rate == 1.0
    assert ctl.catch_up_s == pytest.approx(2.0)  # two seconds were spent above 1.0x


def test_a_resync_waits_for_a_stall_to_end_but_a_passed_window_does_not() -> None:
    """Rebuffering with nothing buffered, the media ahead is no nearer than the media here: a resync waits for the
    stall's end (a 10 s CDN stall resynced twice). With media buffered the stall is not the network's, and a resync
    may clear it. A window that passed what the play would fetch next is left at once all the same."""
    ctl = LatencyController(LatencyPolicy(target_s=3.0))
    window = LiveWindow(start_s=100.0, edge_s=220.0)
    assert ctl.decide(0.0, 9.0, 0.0, 200.0, window, stalled=True).seek_to is None and ctl.resyncs == 0
    assert ctl.decide(0.5, 9.5, 0.0, 99.0, window, stalled=True).reason == "dvr-window"
    assert ctl.decide(0.7, 9.0, 2.0, 200.0, window, stalled=True).reason == "resync" and ctl.resyncs == 1
    jump = ctl.decide(1.0, 9.0, 1.0, 200.0, window)
    assert jump.reason == "resync" and jump.seek_to == pytest.approx(206.0) and ctl.resyncs == 2


def test_catch_up_goes_on_to_the_target_not_to_the_deadband() -> None:
    """Hysteresis: catching up starts past the deadband and stops at the target; inside the deadband
    without having passed it, 1.0x (latency noise does not start a catch-up)."""
    window = LiveWindow(start_s=0.0, edge_s=100.0)
    ctl = LatencyController(LatencyPolicy(target_s=6.0))
    assert ctl.decide(0.0, 6.15, 5.0, 90.0, window).rate == 1.0
    assert ctl.decide(0.5, 6.5, 5.0, 90.0, window).rate == pytest.approx(1.05)
    assert ctl.decide(1.0, 6.1, 5.0, 90.0, window).rate == pytest.approx(MIN_CATCH_UP_RATE)  # inside, still going
    assert ctl.decide(1.5, 6.1, 1.0, 90.0, window).rate == 1.0  # a thin buffer pauses it ...
    assert ctl.decide(2.0, 6.1, 5.0, 90.0, window).reason == "catch-up"  # ... and it goes on after
    assert ctl.decide(2.5, 5.99, 5.0, 90.0, window).rate == 1.0
    assert ctl.decide(3.0, 6.15, 5.0, 90.0, window).rate == 1.0


def test_held_latency_settles_at_the_target() -> None:
    """A start 2 s behind, latency moving with the rate: after the catch-up it sits at the target, within
    one sample's step under it (the old deadband-only controller sat 0.2 s above)."""
    window = LiveWindow(start_s=0.0, edge_s=100.0)
    ctl = LatencyController(LatencyPolicy(target_s=6.0))
    latency, seen = 8.0, []
    for i in range(600):
        rate = ctl.decide(i * 0.5, latency, 5.0, 90.0, window).rate
        latency -= (rate - 1.0) * 0.5
        seen.append(latency)
    assert all(6.0 - 0.5 * (MIN_CATCH_UP_RATE - 1.0) - 1e-9 <= v <= 6.0 for v in seen[300:])
    assert ctl.catch_up_s < 40.0


def test_thin_buffer_slows_rather_than_stalls() -> None:
    """A thin buffer at or under the target slows to the minimum rate; behind it holds 1.0x."""
    window = LiveWindow(start_s=0.0, edge_s=100.0)
    ctl = LatencyController(LatencyPolicy(target_s=1.5))
    assert ctl.decide(0.0, 1.5, 0.3, 98.0, window).rate == 0.95
    assert ctl.decide(0.5, 2.5, 0.3, 98.0, window).rate == 1.0


def test_timeshift_stays_inside_the_dvr_window_and_returns_live() -> None:
    """In timeshift nothing catches up; once the window has passed what was buffered, the play goes on at the target
    latency (as hls.js does), timeshift over; go-live seeks to edge − target."""
    ctl = LatencyController(LatencyPolicy(target_s=3.0))
    ctl.seek_back()
    window = LiveWindow(start_s=100.0, edge_s=220.0)
    assert ctl.decide(0.0, 60.0, 5.0, 160.0, window).rate == 1.0 and ctl.resyncs == 0
    assert ctl.decide(0.5, 60.0, 5.0, 96.0, window).seek_to is None  # its buffer reaches into the window: plays on
    out = ctl.decide(1.0, 130.0, 0.5, 99.0, window)
    assert out.seek_to == 217.0 and out.reason == "dvr-window" and not ctl.timeshift
    ctl.seek_back()
    assert ctl.go_live(window) == 217.0 and not ctl.timeshift


def test_a_live_play_at_its_hold_back_on_a_window_shorter_than_hold_back_and_margin_stays_put() -> None:
    """ffmpeg's ``-hls_list_size 4`` of 1 s segments behind a 3 s hold-back: the playhead is 1 s inside the window,
    where its media is listed, and a short stall that lets the window pass it leaves media buffered to play on.
    Before, anything within the 2 s margin was "outside": a jump every second."""
    ctl = LatencyController(LatencyPolicy(target_s=3.0))
    window = LiveWindow(start_s=100.0, edge_s=104.0)
    assert ctl.decide(0.0, 3.0, 2.0, 101.0, window).seek_to is None
    assert ctl.decide(0.5, 3.5, 1.0, 99.5, window).seek_to is None
    out = ctl.decide(1.0, 4.5, 0.0, 99.5, window)  # nothing buffered, its segment left the list
    assert out.seek_to == 101.0 and out.reason == "dvr-window"
