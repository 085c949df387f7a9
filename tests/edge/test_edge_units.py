"""Pure parts of the edge: token signing, fault-body parsing, range resolution, the shaping schedule."""
from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend_stub.edge import FaultConfig, FaultConfigError, TraceError, load_trace, sign_token, signed_url
from backend_stub.edge.faults import TracePeriod
from backend_stub.edge.protocol import ByteRange, Unsatisfiable, parse_range
from backend_stub.edge.shaping import Link, RateSchedule
from backend_stub.edge.signing import TokenChecker, TokenStatus, redact_path

KEY = b"k"


def test_token_matches_the_layout_contract() -> None:
    """sig = first 32 hex chars of HMAC-SHA256(secret, "title/expires"), token = "expires-sig"."""
    expected = hmac.new(KEY, b"t1/1700000000", hashlib.sha256).hexdigest()[:32]
    assert sign_token(KEY, "t1", 1700000000) == f"1700000000-{expected}"


def test_token_checker_checks_signature_title_and_expiry() -> None:
    """Valid until `expires` inclusive; wrong title, wrong key or edited expiry are refused."""
    token = sign_token(KEY, "t1", 1000)
    check = TokenChecker(KEY).check
    assert check(token, "t1", 1000.0) is TokenStatus.VALID
    assert check(token, "t1", 1000.5) is TokenStatus.EXPIRED
    assert check(token, "t2", 10.0) is TokenStatus.BAD_SIGNATURE
    assert TokenChecker(b"other").check(token, "t1", 10.0) is TokenStatus.BAD_SIGNATURE
    assert check("2000" + token[4:], "t1", 10.0) is TokenStatus.BAD_SIGNATURE
    assert check("garbage", "t1", 10.0) is TokenStatus.MALFORMED


def test_signed_url_and_redaction() -> None:
    """signed_url builds /c/<token>/<title>/<path>; redact_path hides exactly the token."""
    url = signed_url("http://127.0.0.1:9/", KEY, "t1", "v0/seg 1.m4s", 1000)
    assert url == f"http://127.0.0.1:9/c/{sign_token(KEY, 't1', 1000)}/t1/v0/seg%201.m4s"
    assert redact_path(url.removeprefix("http://127.0.0.1:9")) == "/c/<token>/t1/v0/seg%201.m4s"


def test_fault_body_round_trips_and_defaults() -> None:
    """Every documented field parses; to_json recreates the config; {} is healthy."""
    body = {"error_status": 502, "error_fraction": 0.05, "latency_ms": 200, "rate_kbps": 2000,
            "stall_after_bytes": 100000, "drop_after_bytes": 50000, "down": True, "seed": 1,
            "trace": [{"duration_ms": 1000, "bandwidth_kbps": 3000, "latency_ms": 20}]}
    cfg = FaultConfig.from_json(body)
    assert FaultConfig.from_json(cfg.to_json()) == cfg
    assert cfg.trace == (TracePeriod(duration_ms=1000, bandwidth_kbps=3000, latency_ms=20),)
    assert FaultConfig.from_json({}) == FaultConfig()
    assert FaultConfig.from_json({"error_fraction": 0.5}).error_status == 503
    assert FaultConfig.from_json({"error_status": 500}).error_fraction == 1.0


@pytest.mark.parametrize(
    "body",
    [[], {"latency": 5}, {"down": 1}, {"down": "yes"}, {"error_fraction": 1.5}, {"error_status": 200},
     {"rate_kbps": 0}, {"stall_after_bytes": -1}, {"stall_after_bytes": 1.5}, {"latency_ms": True},
     {"trace": []}, {"trace": [{"duration_ms": 0, "bandwidth_kbps": 5}]},
     {"trace": [{"duration_ms": 10, "bandwidth_kbps": 0}]}, {"trace": [{"duration_ms": 10}]},
     {"trace": [{"duration_ms": 10, "bandwidth_kbps": 1, "extra": 1}]}],
)
def test_bad_fault_bodies_raise_our_error(body) -> None:
    """Malformed bodies raise FaultConfigError (never KeyError/TypeError), so the API can answer 4xx."""
    with pytest.raises(FaultConfigError):
        FaultConfig.from_json(body)


@given(size=st.integers(0, 10_000), a=st.integers(0, 12_000), b=st.integers(0, 12_000))
def test_range_resolution_properties(size: int, a: int, b: int) -> None:
    """Any `a-b`, `a-` or `-b` resolves inside the file, is 416 only when it selects nothing, or is ignored."""
    for header in (f"bytes={a}-{b}", f"bytes={a}-", f"bytes=-{b}"):
        got = parse_range(header, size)
        if isinstance(got, ByteRange):
            assert 0 <= got.first <= got.last < size
        elif isinstance(got, Unsatisfiable):
            assert size == 0 or a >= size or header == "bytes=-0"
        else:
            assert header == f"bytes={a}-{b}" and b < a


def test_schedule_finish_time_walks_trace_periods_and_loops() -> None:
    """Bytes cross the link at each period's rate, skip 0 kbit/s periods, and the trace loops."""
    trace = (TracePeriod(duration_ms=1000, bandwidth_kbps=8), TracePeriod(duration_ms=1000, bandwidth_kbps=0),
             TracePeriod(duration_ms=2000, bandwidth_kbps=16))  # 1000 B/s, 0, 2000 B/s
    sched = RateSchedule(rate_kbps=None, trace=trace, origin=100.0)
    assert sched.finish_time(100.0, 500) == pytest.approx(100.5)
    assert sched.finish_time(100.5, 1000) == pytest.approx(102.25)  # 500 B, pause, 500 B at 2000 B/s
    assert sched.finish_time(100.0, 5000) == pytest.approx(104.0)  # exactly one cycle
    assert sched.finish_time(100.0, 5000 * 3 + 500) == pytest.approx(112.5)
    assert sched.rate_at(104.2) == 1000.0 and sched.rate_at(105.5) == 0.0


def test_link_shares_slots_with_an_injected_clock() -> None:
    """Busy: slots queue back to back and a late writer catches up; idle: the next body starts at "now"."""
    now = [0.0]
    link = Link(RateSchedule(rate_kbps=8, trace=(), origin=0.0), lambda: now[0])  # 1000 B/s
    link.begin()
    assert link.reserve(100) == pytest.approx(0.1)
    assert link.reserve(100) == pytest.approx(0.2)  # queued behind the first (another connection)
    now[0] = 0.5  # the loop was starved for 0.3 s: the schedule catches up instead of losing it
    assert link.reserve(100) == pytest.approx(0.0)
    assert link.reserve(100) == pytest.approx(0.0)
    assert link.reserve(100) == pytest.approx(0.0)
    assert link.reserve(100) == pytest.approx(0.1)
    link.end()
    now[0] = 10.0  # idle for 9.5 s: no burst credit
    link.begin()
    assert link.reserve(100) == pytest.approx(0.1)
    link.end()


def test_load_trace_reads_both_shared_formats(shared_dir: Path, tmp_path: Path) -> None:
    """Sabre JSON and Pensieve cooked text from shared/abr-traces load as periods; junk raises TraceError."""
    lte = load_trace(next((shared_dir / "abr-traces" / "lte").iterdir()))
    assert lte and all(p.duration_ms > 0 for p in lte)
    cooked = tmp_path / "cooked"
    cooked.write_text("0.0\t2.0\n1.0\t0.5\n3.0\t1.0\n")
    assert load_trace(cooked) == (
        TracePeriod(duration_ms=1000, bandwidth_kbps=2000, latency_ms=80),
        TracePeriod(duration_ms=2000, bandwidth_kbps=500, latency_ms=80),
        TracePeriod(duration_ms=1500, bandwidth_kbps=1000, latency_ms=80),  # last: the median step
    )
    (tmp_path / "bad").write_text("hello world\n")
    with pytest.raises(TraceError):
        load_trace(tmp_path / "bad")


_SEGMENTS = st.sampled_from(["..", ".", "", "%2e%2e", "%2E.", "a", "title-1", "v0", "seg.m4s", "%2f", "%5c", "%00", "~", "x%2F.."])


@given(parts=st.lists(_SEGMENTS, min_size=0, max_size=7))
def test_content_paths_never_leave_the_tree(parts: list[str]) -> None:
    """Whatever the segments (dot, encoded dot/slash/backslash, NUL, empty), a parsed path is clean."""
    from backend_stub.edge.content import parse_content_path

    got = parse_content_path("/c/" + "/".join(parts))
    if got is not None:
        segments = [got.title_id, *got.relpath.split("/")]
        assert all(s not in ("", ".", "..") and "\\" not in s and "\x00" not in s for s in segments)
        assert not got.title_id.startswith(".")


def test_open_inside_refuses_symlinked_escapes(tmp_path: Path) -> None:
    """A symlink (file or folder) pointing outside the content root is refused; one inside is served."""
    import os

    from backend_stub.edge.content import ContentPath, open_inside

    root = tmp_path / "content"
    (root / "t").mkdir(parents=True)
    (root / "t" / "a.m4s").write_bytes(b"a")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "b.m4s").write_bytes(b"b")
    (root / "t" / "dir").symlink_to(tmp_path / "outside")
    (root / "t" / "inner.m4s").symlink_to(root / "t" / "a.m4s")

    def opened(rel: str) -> bool:
        fd = open_inside(os.path.realpath(root), ContentPath(token="x", title_id="t", relpath=rel, redacted=""))
        if fd is not None:
            os.close(fd)
        return fd is not None

    assert opened("a.m4s") and opened("inner.m4s")
    assert not opened("dir/b.m4s")
    assert not opened("missing.m4s")
