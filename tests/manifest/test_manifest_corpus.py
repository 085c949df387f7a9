"""The whole shared manifest corpus: every file gives a sane model or our own ManifestError."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from manifest_checks import check_presentation  # noqa: E402

from player.manifest import ManifestError, parse_dash, parse_hls  # noqa: E402

REPO_SHARED = Path(__file__).resolve().parents[3] / "shared"
_CANDIDATES = [REPO_SHARED, Path("/work/shared")]
_INDEX_PATH = next((c / "manifest-corpus" / "index.json" for c in _CANDIDATES
                    if (c / "manifest-corpus" / "index.json").is_file()), None)
ENTRIES = json.loads(_INDEX_PATH.read_text()) if _INDEX_PATH else []
MUST_FAIL = {"malformed_xml", "root_not_mpd", "empty", "malformed_no_extm3u"}
OUTCOMES: dict[str, bool] = {}  # file -> parsed into a model (filled by the parametrized test)


def _parse(entry: dict, corpus: Path):
    data = (corpus / entry["file"]).read_bytes()
    url = f"https://cdn.example.test/{entry['file']}"
    return (parse_hls if entry["kind"] == "hls" else parse_dash)(data, url)


@pytest.fixture(scope="module")
def corpus(shared_dir: Path) -> Path:
    return shared_dir / "manifest-corpus"


def test_index_lists_397_files(corpus: Path) -> None:
    """The index the parametrized test runs over lists all 397 files, each present on disk."""
    entries = json.loads((corpus / "index.json").read_text())
    assert len(entries) == 397 == len(ENTRIES)
    assert all((corpus / e["file"]).is_file() for e in entries)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_corpus_file_gives_model_or_manifest_error(entry: dict, corpus: Path) -> None:
    """A corpus file parses into a model that passes the invariants, or raises ManifestError only."""
    try:
        first = _parse(entry, corpus)
    except ManifestError:
        OUTCOMES[entry["file"]] = False
        return
    OUTCOMES[entry["file"]] = True
    assert not MUST_FAIL & set(entry["features"]), "a malformed file was accepted"
    check_presentation(first)
    assert first == _parse(entry, corpus), "parsing the same text twice gave different models"
    features = set(entry["features"])
    if "dynamic" in features:
        assert first.is_live
    if "static" in features:
        assert not first.is_live
    if "endlist" in features or "playlist_type_vod" in features:
        assert not first.is_live
    if features & {"tpl_number", "tpl_time"} and not first.is_live:
        assert not first.renditions() or any(r.segments for r in first.renditions()), "template gave no segments"
    if "cenc_default_kid" in features:
        assert first.default_kids(), "default_KID not found"


def test_most_of_the_corpus_parses(corpus: Path) -> None:
    """At least 90 % of the files not malformed on purpose yield a model: errors stay the exception."""
    candidates = [e for e in ENTRIES if not MUST_FAIL & set(e["features"])]
    ok = 0
    for entry in candidates:
        if entry["file"] not in OUTCOMES:
            try:
                _parse(entry, corpus)
                OUTCOMES[entry["file"]] = True
            except ManifestError:
                OUTCOMES[entry["file"]] = False
        ok += OUTCOMES[entry["file"]]
    assert ok / len(candidates) >= 0.90, f"only {ok}/{len(candidates)} parse"
