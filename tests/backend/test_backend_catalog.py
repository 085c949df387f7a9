"""Catalog: FTS5 search over name/description/cast/genres, genre filter, pagination, details, artwork, 404."""
from __future__ import annotations

import json

import httpx
import pytest
from backend_testkit import insert_titles
from backend_testkit import CLEAR_ID

from backend_stub.server import Backend

EXTRA = [
    ("ocean-drift", "Ocean Drift", "A slow documentary about currents.", ["Documentary"], ["Mara Quill"]),
    ("night-heist", "Night Heist", "Thieves plan one last job.", ["Thriller", "Crime"], ["Tom Ferro", "Mara Quill"]),
    ("robot-garden", "Robot Garden", "A gardener robot learns to paint.", ["Animation", "Family"], ["Ada Loom"]),
] + [(f"filler-{i:02d}", f"Filler {i:02d}", "Padding for pages.", ["Drama"], ["Nobody"]) for i in range(23)]


@pytest.fixture
def catalog_api(reelbox_backend: Backend):
    """The backend with 26 extra catalog rows inserted straight into ``titles`` (as the encoder would)."""
    insert_titles(reelbox_backend.data_dir, [
        {"id": tid, "name": name, "description": desc, "genres": json.dumps(genres), "cast": json.dumps(cast),
         "year": 2020, "duration_s": 60.0, "max_height": 720, "protected": 0, "kid": None,
         "audio_langs": '["en"]', "subtitle_langs": "[]", "published_at": 0.0}
        for tid, name, desc, genres, cast in EXTRA
    ])
    with httpx.Client(base_url=reelbox_backend.api_url + "/api/v1") as client:
        yield client


def _ids(r: httpx.Response) -> list[str]:
    assert r.status_code == 200, r.text
    return [t["id"] for t in r.json()["items"]]


def test_search_matches_every_field(catalog_api: httpx.Client) -> None:
    """Words match in the name, description, cast and genres, with prefixes, all words required."""
    assert _ids(catalog_api.get("/catalog", params={"q": "heist"})) == ["night-heist"]
    assert _ids(catalog_api.get("/catalog", params={"q": "currents"})) == ["ocean-drift"]
    assert sorted(_ids(catalog_api.get("/catalog", params={"q": "quill"}))) == ["night-heist", "ocean-drift"]
    assert _ids(catalog_api.get("/catalog", params={"q": "animat"})) == ["robot-garden"]
    assert _ids(catalog_api.get("/catalog", params={"q": "quill thieves"})) == ["night-heist"]
    assert _ids(catalog_api.get("/catalog", params={"q": "nonexistentword"})) == []


def test_search_input_is_not_fts_syntax(catalog_api: httpx.Client) -> None:
    """Quotes, operators and stars in the search box are words, never an FTS5 syntax error."""
    for q in ['"', "NEAR(", "a OR", "*", "robot AND -", "col:robot"]:
        r = catalog_api.get("/catalog", params={"q": q})
        assert r.status_code == 200, (q, r.text)
    assert _ids(catalog_api.get("/catalog", params={"q": '"robot"'})) == ["robot-garden"]


def test_genre_filter_and_pagination(catalog_api: httpx.Client) -> None:
    """genre= filters case-insensitively; pages of 20 cover all 28 titles exactly once."""
    assert _ids(catalog_api.get("/catalog", params={"genre": "crime"})) == ["night-heist"]
    first = catalog_api.get("/catalog", params={"page": 1}).json()
    second = catalog_api.get("/catalog", params={"page": 2}).json()
    assert first["total"] == 28 and first["pages"] == 2 and first["page_size"] == 20
    assert len(first["items"]) == 20 and len(second["items"]) == 8
    ids = [t["id"] for t in first["items"] + second["items"]]
    assert len(set(ids)) == 28
    small = catalog_api.get("/catalog", params={"genre": "drama", "page": 3, "page_size": 10}).json()
    assert small["total"] == 23 and len(small["items"]) == 3
    assert catalog_api.get("/catalog", params={"page": 0}).status_code == 422


def test_title_details_and_artwork(catalog_api: httpx.Client) -> None:
    """Details carry artwork URL, duration, languages and protection; the artwork is a JPEG."""
    t = catalog_api.get(f"/titles/{CLEAR_ID}").json()
    assert t["duration_s"] == pytest.approx(4.0, abs=0.2)
    assert t["audio_langs"] == ["en"] and t["protected"] is False
    art = httpx.get(t["artwork_url"])
    assert art.status_code == 200 and art.content[:3] == b"\xff\xd8\xff"
    assert catalog_api.get("/titles/robot-garden").json()["cast"] == ["Ada Loom"]


def test_unknown_title_is_404(catalog_api: httpx.Client) -> None:
    """Unknown titles → 404 with a code, for details, artwork and playback alike."""
    for path in ("/titles/no-such", "/titles/no-such/artwork", "/titles/..%2F..%2Fsecrets/artwork"):
        r = catalog_api.get(path)
        assert r.status_code == 404, path
    r = catalog_api.get("/titles/no-such")
    assert r.json() == {"detail": "no title 'no-such'", "code": "unknown_title"}
    login = catalog_api.post("/auth/login", json={"email": "demo@reelbox.local", "password": "demo"}).json()
    r = catalog_api.post("/playback/no-such", json={}, headers={"Authorization": f"Bearer {login['access_token']}"})
    assert r.status_code == 404
