"""The error table (player.sentences): what a person reads for each failure, in the app and the terminal."""
from __future__ import annotations

from player.errors import IncompletePlay, ManifestError, UnsafeUriError, UntrustedCertificate
from player.manifest import UnsafeManifestUri
from player.net.errors import ConnectFailed, HttpStatusError, PoolFailure, RedirectError
from player.sentences import sentence


def _pool(*errors: Exception) -> PoolFailure:
    return PoolFailure("all CDNs failed", attempts=[(i, e) for i, e in enumerate(errors)])  # type: ignore[misc]


def test_servers_that_answered_404_are_not_called_silent() -> None:
    """Every CDN answered 404: the sentence says the stream does not exist, not that nobody answered."""
    assert "does not exist (HTTP 404)" in (sentence(_pool(HttpStatusError("404", status=404))) or "")
    assert "refused access" in (sentence(_pool(HttpStatusError("403", status=403))) or "")
    silent = sentence(_pool(ConnectFailed("refused")))
    mixed = sentence(_pool(HttpStatusError("404", status=404), ConnectFailed("refused")))
    assert silent == mixed and silent is not None and "not answering" in silent
    untrusted = sentence(_pool(UntrustedCertificate("self-signed certificate")))
    assert untrusted is not None and "certificate is not trusted" in untrusted and "network" not in untrusted


def test_a_redirect_loop_is_not_called_a_network_outage() -> None:
    """The server answers, with redirects that lead nowhere: raised alone (a pinned CDN) or by every CDN of the
    pool, the sentence says so; one CDN looping and another silent is still "not answering"."""
    loop = RedirectError("more than 5 redirects from http://cdn/x.m3u8")
    for error in (loop, _pool(loop, RedirectError("302 from http://cdn2/x.m3u8 without a Location"))):
        text = sentence(error) or ""
        assert "redirect" in text and "network" not in text and "not answering" not in text, text
    assert "not answering" in (sentence(_pool(loop, ConnectFailed("refused"))) or "")


def test_no_sentence_names_a_control_only_the_app_has() -> None:
    """The CLI prints these too: no 'press Play'."""
    for error in (IncompletePlay("x"), ManifestError("x"), _pool(ConnectFailed("x"))):
        text = sentence(error)
        assert text is not None and "press play" not in text.lower()


def test_a_refused_address_says_what_is_played_not_try_again() -> None:
    """file:// on the command line or inside a manifest: trying again cannot help, so the sentence says why."""
    for error in (UnsafeUriError("refused file: URI"), UnsafeManifestUri("URI scheme 'smb' refused")):
        text = sentence(error) or ""
        assert "http:// and https://" in text and "try again" not in text.lower()
