"""The link's estimate kept between plays: per host, in the state dir, small, and robust to a bad file."""
from __future__ import annotations

import json
from pathlib import Path

from player.playback.throughput_memory import MAX_HOSTS, ThroughputMemory, origin, process_memory


class Wall:
    """A settable Unix clock."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_an_estimate_is_kept_per_host_with_its_age_and_read_back_by_a_new_process(tmp_path: Path) -> None:
    """Remembered with the age of its last download; a fresh memory on the same file (a relaunch) ages it on."""
    path, wall = tmp_path / "state" / "throughput.json", Wall()
    memory = ThroughputMemory(path, wall)
    memory.remember("https://edge.example:8443/c/tok-secret/t/manifest.mpd?sig=abc", 5000.0, age_s=3.0)
    assert memory.recall("https://EDGE.example/other.m3u8") == (5000.0, 3.0)  # the host, whatever the port
    assert memory.recall("https://elsewhere.example/m.mpd") is None
    wall.now += 120.0
    again = ThroughputMemory(path, wall)
    assert again.recall("http://edge.example/x.mpd") == (5000.0, 123.0)
    stored = path.read_text()
    assert json.loads(stored) == {"edge.example": {"kbps": 5000.0, "at": 1_800_000_000.0 - 3.0}}
    assert "tok-secret" not in stored and "sig" not in stored  # no URL, token or path reaches the file
    assert path.stat().st_mode & 0o077 == 0


def test_a_missing_or_malformed_file_is_an_empty_memory_and_is_replaced(tmp_path: Path) -> None:
    """Only a head start: nothing is raised, bad entries are skipped, the next remember writes a good file."""
    path = tmp_path / "throughput.json"
    assert ThroughputMemory(path).recall("http://a.example/m.mpd") is None
    for body in ("{not json", "[1, 2]", '{"a.example": {"kbps": "fast", "at": 1}}', '{"a.example": {"kbps": -1, "at": 1}}'):
        path.write_text(body)
        assert ThroughputMemory(path).recall("http://a.example/m.mpd") is None
    path.write_text('{"a.example": 7, "b.example": {"kbps": 900, "at": 100}}')
    memory = ThroughputMemory(path, Wall(160.0))
    assert memory.recall("http://b.example/") == (900.0, 60.0)
    memory.remember("http://a.example/m.mpd", 1200.0, age_s=0.0)
    assert set(json.loads(path.read_text())) == {"a.example", "b.example"}


def test_nonsense_is_not_remembered_and_only_the_newest_hosts_are_kept(tmp_path: Path) -> None:
    """No host, no or a non-finite figure: nothing kept; past MAX_HOSTS the oldest host goes."""
    path, wall = tmp_path / "throughput.json", Wall()
    memory = ThroughputMemory(path, wall)
    memory.remember("/local/file.mpd", 1000.0, age_s=0.0)
    memory.remember("http://a.example/", float("inf"), age_s=0.0)
    memory.remember("http://a.example/", 0.0, age_s=0.0)
    assert not path.exists()
    for i in range(MAX_HOSTS + 1):
        wall.now += 1.0
        memory.remember(f"http://h{i}.example/", 1000.0 + i, age_s=0.0)
    kept = json.loads(path.read_text())
    assert len(kept) == MAX_HOSTS and "h0.example" not in kept and f"h{MAX_HOSTS}.example" in kept
    assert origin("http://[::1]:80/x") == "::1" and origin("not a url") is None


def test_the_process_shares_one_memory_per_state_dir(reelbox_home: Path, tmp_path: Path) -> None:
    """Every play of a process gets the same memory; it lives in REELBOX_HOME's state dir."""
    assert process_memory() is process_memory()
    assert process_memory().path == reelbox_home / "state" / "throughput.json"
    assert process_memory(tmp_path / "other") is not process_memory()
