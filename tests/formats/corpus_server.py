"""A loopback CDN for the format corpus: files with byte ranges, and a W3C ClearKey licence server.

Why not ``http.server``'s SimpleHTTPRequestHandler: it ignores ``Range`` (PLATFORM.md), and
EXT-X-BYTERANGE content needs 206 answers. ``POST .../license`` answers a W3C ClearKey request
(EME §9.1.4) with the key of every KID asked (the corpus key for a KID it does not know), the way a real licence server
would, so the licence URL carried in a manifest is exercised end to end. Under ``/gzip/`` the manifests come
gzip-compressed with ``Content-Encoding: gzip`` whatever the client asks, as a static origin serves objects stored
compressed. With ``tls=True`` it answers https with a self-signed certificate (a CDN edge whose certificate no
one trusts). Binds 127.0.0.1, serves from a thread, and stops when its context ends.
"""
from __future__ import annotations

import base64
import datetime
import gzip
import json
import re
import ssl
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from corpus import KEY, KID
from corpus_dash import MULTI_KEYS
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

#: what the licence server knows: the corpus key, and Shaka's SD/HD/AUDIO keys of ``multikey/``
KEYS = {KID: KEY, **dict(MULTI_KEYS.values())}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


#: what a GET asked for, as a CDN's access log would show it: the path, the query, the CMCD headers (CTA-5004 §2)
Seen = tuple[str, str, dict[str, str]]


class _Handler(BaseHTTPRequestHandler):
    root: Path
    seen: list[Seen] | None = None
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        name, _, query = self.path.partition("?")
        name = name.lstrip("/")
        if self.seen is not None:
            self.seen.append((name, query, {k: v for k, v in self.headers.items() if k.lower().startswith("cmcd-")}))
        stored_gzip = name.startswith("gzip/")  # a static origin's pre-compressed manifests (S3 object metadata)
        path = (self.root / name.removeprefix("gzip/")).resolve()
        if self.root not in path.parents or not path.is_file():
            self._answer(404, b"")
            return
        body = path.read_bytes()
        if stored_gzip and path.suffix in (".m3u8", ".mpd"):
            self._answer(200, gzip.compress(body), {"Content-Encoding": "gzip"})
            return
        m = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range") or "")
        if m:
            start = int(m.group(1))
            end = min(int(m.group(2)) if m.group(2) else len(body) - 1, len(body) - 1)
            self._answer(206, body[start:end + 1], {"Content-Range": f"bytes {start}-{end}/{len(body)}"})
        else:
            self._answer(200, body)

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        if not self.path.split("?", 1)[0].endswith("/license"):
            self._answer(404, b"")
            return
        kids = request.get("kids") or [_b64url(KID)]
        keys = [{"kty": "oct", "kid": kid, "k": _b64url(KEYS.get(_unb64url(kid), KEY))} for kid in kids]
        self._answer(200, json.dumps({"keys": keys, "type": "temporary"}).encode(), {"Content-Type": "application/json"})

    def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A player that closes a connection early (libmpv does) is no server error worth a traceback."""


def _self_signed(folder: Path) -> ssl.SSLContext:
    """A server context with a fresh self-signed certificate for 127.0.0.1 (valid, but signed by no CA)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


@contextmanager
def serve_corpus(root: Path, seen: list[Seen] | None = None, *, tls: bool = False) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 (any free port) for the life of the context; yields the base URL. ``seen``: every
    GET is appended to it."""
    handler = type("CorpusHandler", (_Handler,), {"root": root.resolve(), "seen": seen})
    server = _Server(("127.0.0.1", 0), handler)
    if tls:
        with tempfile.TemporaryDirectory() as folder:
            server.socket = _self_signed(Path(folder)).wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, name="corpus-server", daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
