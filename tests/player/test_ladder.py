"""The ladder keeps one video codec family when a master offers several (H.264 and HEVC side by side), and no
trick-play rendition."""
from __future__ import annotations

from player.manifest import Rendition
from player.manifest.viewing import one_codec_family, watchable


def _r(rid: str, kbps: int, codecs: str | None, height: int = 720, fps: float | None = None) -> Rendition:
    return Rendition(id=rid, bandwidth=kbps * 1000, codecs=codecs, height=height, frame_rate=fps)


def test_the_more_efficient_family_at_the_same_height_is_the_ladder() -> None:
    """Apple's authoring spec: both families reach 720p; HEVC needs less bandwidth, so it is kept."""
    ladder = (_r("h0", 735, "avc1.42c01e,mp4a.40.2", 360), _r("x0", 515, "mp4a.40.2,hvc1.1.4.L63.B01", 360),
              _r("h1", 2275, "avc1.42c01f,mp4a.40.2"), _r("x1", 1505, "hvc1.1.4.L93.B01,mp4a.40.2"))
    assert [r.id for r in one_codec_family(ladder)] == ["x0", "x1"]


def test_the_family_reaching_the_highest_resolution_wins_over_bandwidth() -> None:
    ladder = (_r("h0", 700, "avc1.4d401f", 1080), _r("a0", 300, "av01.0.05M.08", 720))
    assert [r.id for r in one_codec_family(ladder)] == ["h0"]


def test_one_family_or_undeclared_codecs_keep_the_ladder_as_it_is() -> None:
    """An undeclared codec belongs to every family, so it never splits a ladder."""
    single = (_r("a", 300, "avc1.42c01e"), _r("b", 900, None), _r("c", 2000, "avc3.640028"))
    assert one_codec_family(single) == single
    mixed = (_r("u", 200, None, 360), _r("h", 900, "avc1.42c01e"), _r("x", 600, "hvc1.1.4.L93.B01"))
    assert [r.id for r in one_codec_family(mixed)] == ["u", "x"]


def test_an_unknown_declared_codec_is_a_family_of_its_own_not_a_bridge() -> None:
    """Dolby Vision (dvh1) beside H.264 and HEVC ladders: had it joined every family, H.264 would reach 2160p
    through it and win, and the first up-switch to it would change the decoder mid-stream."""
    ladder = (_r("h360", 800, "avc1.4d401e,mp4a.40.2", 360), _r("h1080", 6000, "avc1.640028,mp4a.40.2", 1080),
              _r("x360", 600, "hvc1.2.4.L90.90,mp4a.40.2", 360), _r("x1080", 4500, "hvc1.2.4.L120.90,mp4a.40.2", 1080),
              _r("x2160", 16000, "hvc1.2.4.L150.90,mp4a.40.2", 2160), _r("dv2160", 18000, "dvh1.05.06,ec-3", 2160))
    assert [r.id for r in one_codec_family(ladder)] == ["x360", "x1080", "x2160"]
    assert [r.id for r in one_codec_family((_r("a", 500, "ac-4.02.01.01,avc1.42c01e"), _r("b", 900, "avc1.4d401f")))] == ["a", "b"]


def test_a_trick_play_variant_beside_viewing_rates_is_left_out() -> None:
    """Shaka Packager's ``trick_play_factor`` stream comes as an ordinary HLS variant at FRAME-RATE=0.500 and
    the lowest bandwidth: an ABR starting low would show a slideshow. Alone, a slow rendition is kept."""
    ladder = (_r("trick", 45, "avc1.4d401e", 360, 0.5), _r("lo", 700, "avc1.4d401e", 360, 25), _r("hi", 1600, None, 720))
    assert [r.id for r in watchable(ladder)] == ["lo", "hi"]
    assert watchable(ladder[:1]) == ladder[:1]

