"""CDN health: EWMA, benching with exponential back-off, ranking with hysteresis (injected clock)."""
from __future__ import annotations

from player.net.cdn_health import CdnHealth, Ewma, HealthPolicy, rank
from player.net.cdn_map import CdnMap

POLICY = HealthPolicy(bench_base_s=2.0, bench_max_s=10.0, min_samples=2)


def test_ewma_weights_recent() -> None:
    """The first sample is taken as is; later ones move the average by alpha."""
    e = Ewma(0.5)
    assert e.add(100) == 100 and e.add(0) == 50 and e.add(0) == 25


def test_bench_grows_exponentially_and_caps() -> None:
    """Each bench doubles (2, 4, 8 s) up to the cap (10 s); benched until a probe restores it."""
    h = CdnHealth(0, POLICY)
    assert [h.failure(100.0) for _ in range(4)] == [2.0, 4.0, 8.0, 10.0]
    assert h.is_benched(100.0) and not h.probe_due(109.0) and h.probe_due(110.0)
    h.start_probe()
    assert not h.probe_due(120.0)
    h.restore(120.0)
    assert not h.is_benched(120.0) and h.error_rate.value == 0.0


def test_success_shrinks_back_off_level() -> None:
    """Successes lower the back-off level, so a recovered CDN is benched briefly next time."""
    h = CdnHealth(0, POLICY)
    h.failure(0.0), h.failure(0.0)
    h.restore(10.0)
    h.success(10.0, bytes_=1000, duration_s=0.1)
    h.success(10.0, bytes_=1000, duration_s=0.1)
    assert h.failure(20.0) == 2.0


def test_rank_prefers_healthy_and_keeps_preferred_with_hysteresis() -> None:
    """Benched CDNs go last; a slightly faster CDN does not steal preference, a much faster one does."""
    hs = [CdnHealth(i, POLICY) for i in range(3)]
    assert rank(hs, 0, 0.0, POLICY) == (0, [0, 1, 2])
    for _ in range(3):
        hs[0].success(0.0, bytes_=1_000_000, duration_s=1.0)
        hs[1].success(0.0, bytes_=1_100_000, duration_s=1.0)
    assert rank(hs, 0, 0.0, POLICY)[0] == 0
    for _ in range(3):
        hs[1].success(0.0, bytes_=5_000_000, duration_s=1.0)
    assert rank(hs, 0, 0.0, POLICY)[0] == 1
    hs[1].failure(0.0)
    pref, order = rank(hs, 1, 0.0, POLICY)
    assert pref == 0 and order[-1] == 1


def test_rank_all_benched_soonest_first() -> None:
    """When every CDN is benched, the one recovering first is tried first."""
    hs = [CdnHealth(i, POLICY) for i in range(2)]
    hs[0].failure(0.0), hs[0].failure(0.0)
    hs[1].failure(0.0)
    assert rank(hs, 0, 0.0, POLICY)[1] == [1, 0]


def test_map_rewrites_prefix_up_to_title_folder() -> None:
    """An object URL on edge 0 maps to edge 1 by swapping the prefix up to the title folder."""
    m = CdnMap(["http://127.0.0.1:1/c/10-aa/t1/manifest.mpd", "http://127.0.0.1:2/c/10-bb/t1/manifest.mpd"])
    url = "http://127.0.0.1:1/c/10-aa/t1/v0/seg-1.m4s"
    assert m.candidates([url]) == {0: url, 1: "http://127.0.0.1:2/c/10-bb/t1/v0/seg-1.m4s"}


def test_map_query_tokens_and_foreign_hosts() -> None:
    """Query-signed origins swap their query; an unknown host becomes a new, non-rewritable CDN."""
    m = CdnMap(["https://a.example/t/m.m3u8?sig=A", "https://b.example/x/t/m.m3u8?sig=B"])
    assert m.rewrite("https://a.example/t/v/1.ts?sig=A", 1) == "https://b.example/x/t/v/1.ts?sig=B"
    cands = m.candidates(["https://a.example/t/v/1.ts?sig=A", "https://mirror.example/base/v/1.ts"])
    assert cands[2] == "https://mirror.example/base/v/1.ts" and len(m) == 3
    assert m.rewrite("https://a.example/t/v/1.ts", 2) is None


def test_map_tolerates_rotated_path_token() -> None:
    """A URL whose path token differs from the origin's (re-signed) still maps onto the other edges."""
    m = CdnMap(["http://127.0.0.1:1/c/10-aa/t1/manifest.mpd", "http://127.0.0.1:2/c/10-bb/t1/manifest.mpd"])
    url = "http://127.0.0.1:1/c/20-cc/t1/v0/seg-1.m4s"
    assert m.cdn_of(url) == 0
    assert m.rewrite(url, 1) == "http://127.0.0.1:2/c/10-bb/t1/v0/seg-1.m4s"
    assert m.cdn_of("http://127.0.0.1:1/c/20-cc/t2/v0/seg-1.m4s") is None  # another title folder
    assert m.cdn_of("http://127.0.0.1:1/x/20-cc/t1/seg.m4s") is None  # two segments differ


def test_a_long_outage_does_not_overflow_the_bench_back_off() -> None:
    """Thousands of failures in a row (an edge down for long while the player keeps retrying) stay at bench_max_s."""
    from player.net.cdn_health import CdnHealth, HealthPolicy

    policy = HealthPolicy()
    h = CdnHealth(0, policy)
    lengths = [h.failure(float(i)) for i in range(5000)]
    assert lengths[-1] == policy.bench_max_s and h.is_benched(5000.0)
