"""Each run-time fault of an edge, observed at the HTTP level over real loopback connections."""
from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest
from edge_harness import SEGMENT_SIZE, header_value, raw_get, read_response, wait_records


def _statuses(edge, n: int) -> list[int]:  # noqa: ANN001
    with httpx.Client() as client:
        return [client.get(edge.url("master.m3u8")).status_code for _ in range(n)]


def test_error_fraction_is_seeded_and_close_to_the_fraction(edge) -> None:
    """error_status for ~error_fraction of requests; the same seed replays the same sequence."""
    edge.set_faults({"error_status": 503, "error_fraction": 0.3, "seed": 7})
    first = _statuses(edge, 200)
    edge.set_faults({"error_status": 503, "error_fraction": 0.3, "seed": 7})
    second = _statuses(edge, 200)
    assert first == second
    assert set(first) == {200, 503}
    assert 0.2 <= first.count(503) / 200 <= 0.4
    records = wait_records(edge.server, 400)
    assert sum(1 for r in records if r.faults == ("error",)) == first.count(503) * 2


def test_error_status_alone_fails_every_request(edge) -> None:
    """An error_status without a fraction fails all requests with that status; {} clears it."""
    edge.set_faults({"error_status": 500})
    assert _statuses(edge, 5) == [500] * 5
    edge.set_faults({})
    assert _statuses(edge, 3) == [200] * 3


def test_latency_delays_the_first_byte(edge) -> None:
    """latency_ms delays the response head by at least that long; without it the answer is quick."""
    sock = raw_get(edge.server.port, edge.path("master.m3u8"), extra="Connection: close\r\n")
    t0 = time.monotonic()
    sock.recv(1)
    baseline = time.monotonic() - t0
    sock.close()
    edge.set_faults({"latency_ms": 300})
    sock = raw_get(edge.server.port, edge.path("master.m3u8"), extra="Connection: close\r\n")
    t0 = time.monotonic()
    sock.recv(1)
    delayed = time.monotonic() - t0
    sock.close()
    assert delayed >= 0.3
    assert delayed - baseline < 1.0
    assert "latency" in wait_records(edge.server, 2)[-1].faults


def _timed_download(port: int, target: str, extra: str = "", timeout: float = 10.0) -> tuple[int, float, float]:
    """(body bytes, kbit/s, seconds from request to last byte).

    The rate counts the bytes after the first body read over the time since that read, as a player's
    estimator does: time to first byte (connection setup, a busy event loop on a shared machine) is
    latency, not throughput.
    """
    sock = raw_get(port, target, extra=extra + "Connection: close\r\n", timeout=timeout)
    t0 = time.monotonic()
    data = bytearray()
    head_end = -1
    first_at, first_bytes = 0.0, 0
    while chunk := sock.recv(65536):
        data += chunk
        if head_end < 0:
            head_end = data.find(b"\r\n\r\n")
        if head_end >= 0 and not first_at and len(data) > head_end + 4:
            first_at, first_bytes = time.monotonic(), len(data) - head_end - 4
    end = time.monotonic()
    sock.close()
    assert data.startswith(b"HTTP/1.1 20") and first_at
    size = len(data) - head_end - 4
    kbps = (size - first_bytes) * 8 / 1000 / max(end - first_at, 1e-6)
    return size, kbps, end - t0


def test_rate_cap_throughput_within_10_percent(edge) -> None:
    """An 8000 kbit/s cap delivers 1 MB at 8000 kbit/s ± 10 %, where the same file is unpaced far faster."""
    size, kbps, _ = _timed_download(edge.server.port, edge.path("v0/big.m4s"), "Range: bytes=0-999999\r\n")
    assert kbps > 16_000  # an unshaped transfer would pass any cap test
    edge.set_faults({"rate_kbps": 8000})
    size, kbps, _ = _timed_download(edge.server.port, edge.path("v0/big.m4s"), "Range: bytes=0-999999\r\n")
    assert size == 1_000_000
    assert 7200 <= kbps <= 8800, kbps
    assert wait_records(edge.server, 2)[1].faults == ("rate",)


def test_rate_cap_is_shared_by_concurrent_connections(edge) -> None:
    """Two parallel downloads share the edge's cap: together they move the cap's worth of bytes ± 10 %."""
    edge.set_faults({"rate_kbps": 8000})
    results: list[tuple[int, float]] = []
    target = edge.path("v0/big.m4s")

    def fetch() -> None:
        results.append(_timed_download(edge.server.port, target, "Range: bytes=0-499999\r\n"))

    threads = [threading.Thread(target=fetch) for _ in range(2)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total_s = time.monotonic() - t0
    assert [r[0] for r in results] == [500_000] * 2
    assert all(r[2] > 0.8 for r in results)  # each alone would take 0.5 s: they really shared
    aggregate_kbps = 1_000_000 * 8 / 1000 / total_s
    assert 7200 <= aggregate_kbps <= 8800, aggregate_kbps


def test_stall_after_n_bytes_holds_the_connection(edge) -> None:
    """After stall_after_bytes the body stops: the client's read times out having exactly N bytes."""
    edge.set_faults({"stall_after_bytes": 12_345})
    sock = raw_get(edge.server.port, edge.path("v0/seg_1.m4s"), timeout=0.7)
    head, body, _ = read_response(sock)
    assert header_value(head, "content-length") == str(SEGMENT_SIZE)
    assert len(body) == 12_345
    assert edge.server.connections == 1  # still open: a stall, not a close
    rec = wait_records(edge.server, 1)[0]
    assert (rec.bytes_sent, rec.faults) == (12_345, ("stall",))
    sock.close()
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(edge.url("v0/seg_1.m4s"), timeout=httpx.Timeout(5.0, read=0.5))


def test_drop_after_n_bytes_truncates_the_body(edge) -> None:
    """After drop_after_bytes the edge closes: the client gets N bytes then EOF, httpx a protocol error."""
    edge.set_faults({"drop_after_bytes": 50_000})
    sock = raw_get(edge.server.port, edge.path("v0/seg_1.m4s"), timeout=5)
    t0 = time.monotonic()
    head, body, _ = read_response(sock)
    sock.close()
    assert time.monotonic() - t0 < 4  # ended by EOF, not by our read timeout
    assert header_value(head, "content-length") == str(SEGMENT_SIZE)
    assert len(body) == 50_000
    with pytest.raises(httpx.RemoteProtocolError, match="received 50000 bytes"):
        httpx.get(edge.url("v0/seg_1.m4s"))
    records = wait_records(edge.server, 2)
    assert [(r.bytes_sent, r.faults) for r in records] == [(50_000, ("drop",))] * 2


def test_down_refuses_connections_and_comes_back_on_the_same_port(edge, tree) -> None:
    """down closes the port (connection refused, open connections dropped); clearing it serves again."""
    port = edge.server.port
    with httpx.Client() as client:
        assert client.get(edge.url("master.m3u8")).status_code == 200
        edge.set_faults({"down": True})
        with pytest.raises(httpx.TransportError):
            client.get(edge.url("master.m3u8"))
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert edge.server.summary()["up"] is False
    edge.set_faults({})
    assert edge.server.port == port
    assert httpx.get(edge.url("v0/seg_1.m4s")).content == tree.segment


def test_trace_throughput_follows_the_periods_and_loops(edge) -> None:
    """A 1 s @ 4000 / 1 s @ 1000 kbit/s trace: downloads in each period, and after it loops, run at its rate ± 10 %."""
    edge.set_faults({"trace": [{"duration_ms": 1000, "bandwidth_kbps": 4000, "latency_ms": 0},
                               {"duration_ms": 1000, "bandwidth_kbps": 1000, "latency_ms": 0}]})
    t0 = time.monotonic()
    measured = []
    for start_at, nbytes in ((0.0, 300_000), (1.05, 75_000), (2.05, 300_000)):  # each ~0.6 s inside a period
        time.sleep(max(0.0, t0 + start_at - time.monotonic()))
        size, kbps, _ = _timed_download(edge.server.port, edge.path("v0/big.m4s"), f"Range: bytes=0-{nbytes - 1}\r\n")
        assert size == nbytes
        measured.append(kbps)
    fast, slow, looped = measured
    assert 3600 <= fast <= 4400, measured
    assert 900 <= slow <= 1100, measured
    assert 3600 <= looped <= 4400, measured


def test_trace_latency_delays_the_first_byte(edge) -> None:
    """A trace period's latency_ms is paid before the first byte of each request (Sabre semantics)."""
    edge.set_faults({"trace": [{"duration_ms": 60_000, "bandwidth_kbps": 50_000, "latency_ms": 250}]})
    sock = raw_get(edge.server.port, edge.path("master.m3u8"), extra="Connection: close\r\n")
    t0 = time.monotonic()
    sock.recv(1)
    assert time.monotonic() - t0 >= 0.25
    sock.close()


def test_bad_fault_body_is_rejected_and_leaves_faults_unchanged(edge) -> None:
    """A malformed admin body raises FaultConfigError before anything changes on the edge."""
    from backend_stub.edge import FaultConfigError

    edge.set_faults({"latency_ms": 10})
    with pytest.raises(FaultConfigError):
        edge.set_faults({"latency_ms": "fast"})
    assert edge.server.faults.latency_ms == 10


def test_paced_drop_logs_exactly_what_the_client_received(edge) -> None:
    """With a rate cap and a drop together, the log's bytes_sent equals the bytes the client got."""
    edge.set_faults({"rate_kbps": 20_000, "drop_after_bytes": 123_457})
    sock = raw_get(edge.server.port, edge.path("v0/seg_1.m4s"), timeout=5)
    _, body, _ = read_response(sock)
    sock.close()
    rec = wait_records(edge.server, 1)[0]
    assert len(body) == rec.bytes_sent == 123_457
    assert rec.faults == ("rate", "drop")


def test_corrupt_serves_damaged_media_segments_with_honest_framing(edge) -> None:
    """corrupt=random: same length, other bytes; corrupt=half: the first half with its own Content-Length;
    files not matching corrupt_match (manifests) are served intact."""
    with httpx.Client() as client:
        whole = client.get(edge.url("v0/seg_1.m4s")).content
        edge.set_faults({"corrupt": "random", "seed": 3})
        random_body = client.get(edge.url("v0/seg_1.m4s"))
        assert len(random_body.content) == len(whole) and random_body.content != whole
        edge.set_faults({"corrupt": "half"})
        half = client.get(edge.url("v0/seg_1.m4s"))
        assert half.content == whole[: len(whole) // 2] and half.headers["content-length"] == str(len(whole) // 2)
        assert client.get(edge.url("master.m3u8")).status_code == 200
        assert edge.server.faults.to_json() == {"corrupt": "half", "corrupt_match": ".m4s"}
    with pytest.raises(Exception, match="corrupt"):
        edge.set_faults({"corrupt": "sideways"})
