"""What goes on the wire: hostile URIs refused, tokens redacted, CMCD received, one TCP connection reused."""
from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from net_harness import RecordingApp, Seen, asgi_server, edges

from player.net import (
    CdnPool, CmcdData, CmcdMode, EscapesOrigin, HttpTransport, ManualClock, ObjectType, RedirectError, RefusedScheme,
    SegmentRequest, TruncatedSegment,
)
from player.net.cmcd import decode


def tcp_states(port: int) -> list[str]:
    """Kernel TCP states (/proc/net/tcp) of every non-listening socket with ``port`` at either end."""
    states = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state = fields[1], fields[2], fields[3]
        if state != "0A" and (int(local.split(":")[1], 16) == port or int(remote.split(":")[1], 16) == port):
            states.append(state)
    return states


async def serve_bytes(req: Seen) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    return 200, [(b"content-type", b"video/mp4")], b"x" * 1000


@pytest.mark.parametrize("uri", ["file:///etc/passwd", "data:video/mp4;base64,AAAA", "ftp://127.0.0.1/seg.m4s"])
def test_hostile_uris_refused_before_any_request(tmp_path: Path, uri: str) -> None:
    """file:, data: and ftp: segment URLs raise RefusedScheme and reach no edge."""
    async def main() -> None:
        async with edges(tmp_path, count=2) as e, HttpTransport() as t:
            pool = CdnPool(e.manifest_urls(), t, ManualClock())
            with pytest.raises(RefusedScheme):
                await pool.fetch_segment(uri)
            assert all(s.requests == [] for s in e.servers) and pool.records == []
    asyncio.run(main())


def test_download_escaping_origin_refused(tmp_path: Path) -> None:
    """confine=True (downloads): '..' or '%2e%2e' out of the title folder is refused, inside is fetched."""
    async def main() -> None:
        async with edges(tmp_path, count=2) as e, HttpTransport() as t:
            pool = CdnPool(e.manifest_urls(), t, ManualClock())
            base = e.manifest_urls()[0].rsplit("/", 1)[0]
            for bad in (f"{base}/../other/v0/seg-1.m4s", f"{base}/v0/%2e%2e/%2e%2e/x", f"{base}-evil/seg.m4s"):
                with pytest.raises(EscapesOrigin):
                    await pool.fetch_segment(bad, confine=True)
            d = await pool.fetch_segment(f"{base}/v0/seg-1.m4s", confine=True)
            assert d.body == e.title.files["v0/seg-1.m4s"]
    asyncio.run(main())


def test_redirect_to_file_refused(tmp_path: Path) -> None:
    """A 302 to file:///etc/passwd is refused (redirect hops are re-checked); a 302 to http is followed."""
    async def handler(req: Seen) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        if req.path == "/evil":
            return 302, [(b"location", b"file:///etc/passwd")], b""
        if req.path == "/loop":
            return 302, [(b"location", b"/loop")], b""
        if req.path == "/hop":
            return 302, [(b"location", b"/final")], b""
        return 200, [], b"final-bytes"

    async def main() -> None:
        app = RecordingApp(handler)
        async with asgi_server(app) as base, HttpTransport() as t:
            with pytest.raises(RefusedScheme):
                await t.fetch(SegmentRequest(url=f"{base}/evil"))
            result = await t.fetch(SegmentRequest(url=f"{base}/hop"))
            assert result.body == b"final-bytes" and result.url == f"{base}/final"
            with pytest.raises(RedirectError, match="more than 5 redirects"):
                await t.fetch(SegmentRequest(url=f"{base}/loop"))
    asyncio.run(main())


def test_a_redirected_master_resolves_its_variants_where_it_landed(tmp_path: Path) -> None:
    """A master playlist 302'd to another folder: its relative variant and segment URIs resolve from there
    (as libmpv, hls.js and Shaka do), not beside the URL first asked for — which serves nothing else."""
    master = b'#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=500000,RESOLUTION=640x360\nv.m3u8\n'
    media = b"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg0.ts\n#EXT-X-ENDLIST\n"

    async def handler(req: Seen) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        files = {"/edge-7/t/master.m3u8": master, "/edge-7/t/v.m3u8": media}
        if req.path == "/t/master.m3u8":
            return 302, [(b"location", b"/edge-7/t/master.m3u8")], b""
        return (200, [], files[req.path]) if req.path in files else (404, [], b"")

    async def main() -> None:
        from player.manifest import load_presentation

        async with asgi_server(RecordingApp(handler)) as base, HttpTransport() as t:
            pool = CdnPool([f"{base}/t/master.m3u8"], t, ManualClock())
            presentation = await load_presentation(f"{base}/t/master.m3u8", pool.fetch)
        (rendition,) = presentation.renditions()
        assert rendition.segments[0].urls == (f"{base}/edge-7/t/seg0.ts",)
    asyncio.run(main())


def test_short_body_is_truncated_segment(tmp_path: Path) -> None:
    """A 206 whose Content-Range covers fewer bytes than asked, or a body short of Content-Length, is refused."""
    async def handler(req: Seen) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        return 206, [(b"content-range", b"bytes 0-9/1000")], b"0123456789"

    async def main() -> None:
        async with asgi_server(RecordingApp(handler)) as base, HttpTransport() as t:
            with pytest.raises(TruncatedSegment, match="asked for bytes=5-103"):
                await t.fetch(SegmentRequest(url=f"{base}/x", byte_range=(5, 99)))  # type: ignore[arg-type]  # (start, length)
    asyncio.run(main())


def test_tokens_redacted_in_records(tmp_path: Path) -> None:
    """Records carry the path with /c/REDACTED/ and no query secret, though the edge got the real token."""
    async def main() -> None:
        async with edges(tmp_path, count=2) as e, HttpTransport() as t:
            pool = CdnPool(e.manifest_urls(), t, ManualClock())
            url = e.url(0, "v0/seg-1.m4s")
            token = url.split("/")[4]
            await pool.fetch_segment(url + "?token=qsecret")
            record = pool.records[-1]
            assert record.status == 200 and "/c/REDACTED/" in record.url
            assert token not in record.url and "qsecret" not in record.url
    asyncio.run(main())


def test_cmcd_received_by_server() -> None:
    """The server receives CMCD=... with the CTA-5004 keys, in order, correctly rounded and quoted."""
    async def main() -> None:
        app = RecordingApp(serve_bytes)
        async with asgi_server(app) as base, HttpTransport() as t:
            pool = CdnPool([f"{base}/c/1-sig/t9/manifest.mpd"], t, ManualClock(), session_id="sess-1", content_id="t9")
            data = CmcdData(bitrate_kbps=1499.6, buffer_s=12.34, buffer_starved=True, duration_s=4.0, throughput_kbps=8249,
                            object_type=ObjectType.VIDEO, startup=True, top_bitrate_kbps=5000)
            await pool.fetch_segment(f"{base}/c/1-sig/t9/v/seg-1.m4s?token=keep", cmcd=data)
            await pool.fetch(f"{base}/c/1-sig/t9/manifest.mpd")
            seg, manifest = app.seen
            query = parse_qs(seg.query)
            assert query["token"] == ["keep"]
            payload = query["CMCD"][0]
            assert payload == 'bl=12300,br=1500,bs,cid="t9",d=4000,mtp=8200,ot=v,sid="sess-1",su,tb=5000'
            assert decode(payload)["sid"] == "sess-1" and "CMCD" not in manifest.query
    asyncio.run(main())


def test_cmcd_header_mode_received() -> None:
    """In header mode the keys arrive in CMCD-Object/-Request/-Session headers and not in the query."""
    async def main() -> None:
        app = RecordingApp(serve_bytes)
        async with asgi_server(app) as base, HttpTransport() as t:
            pool = CdnPool([f"{base}/t/m.mpd"], t, ManualClock(), session_id="s", cmcd_mode=CmcdMode.HEADERS)
            await pool.fetch_segment(f"{base}/t/a/1.m4s", cmcd=CmcdData(object_type=ObjectType.AUDIO, bitrate_kbps=128))
            seen = app.seen[0]
            assert seen.query == "" and seen.headers["cmcd-object"] == "br=128,ot=a"
            assert seen.headers["cmcd-session"] == 'sid="s"'
    asyncio.run(main())


def test_connection_reused(tmp_path: Path) -> None:
    """Ten sequential segment fetches use one TCP connection (one client port at the server, one open at the edge)."""
    async def main() -> None:
        app = RecordingApp(serve_bytes)
        async with asgi_server(app) as base, HttpTransport() as t:
            pool = CdnPool([f"{base}/t/m.mpd"], t, ManualClock())
            for i in range(10):
                await pool.fetch_segment(f"{base}/t/v/{i}.m4s")
            assert len(app.seen) == 10 and len({s.client_port for s in app.seen}) == 1
        async with edges(tmp_path, count=1) as e, HttpTransport() as t:
            pool = CdnPool(e.manifest_urls(), t, ManualClock())
            for name in e.title.files:
                await pool.fetch_segment(e.url(0, name))
            assert len(e.servers[0].requests) == len(e.title.files) and e.servers[0].connections == 1
            states = tcp_states(e.servers[0].port)
            assert sorted(states) == ["01", "01"]  # one ESTABLISHED pair (client + server end), no TIME_WAIT
    asyncio.run(main())
