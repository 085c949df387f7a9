"""What `reelbox download` pays before its first segment (issue 19): light imports, no keyring probe once the
device's choice is recorded, a stored sign-in reused — sealed, never in clear. Time goals live in the benchmark."""
from __future__ import annotations

import asyncio
import base64
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from backend_stub.server import Backend
from dlkit import CLEAR, REPO
from drm_client import DeviceKey
from downloads import DownloadPaths
from downloads.sign_in import FILE_NAME, SignInStore, access_expiry, signed_in
from player.backend import BackendError

# What the downloader alone needs: the parser of every command loads none of it.
HEAVY = ("keyring", "sqlite3", "sqlite_utils", "cryptography", "drm_client.offline_store", "downloads.download_manager",
         "httpx")
# What the `reelbox download` process never uses: httpx's own command line and HTTP/2.
UNUSED = ("httpx._main", "click", "pygments", "h2")


def _modules_after(code: str, home: Path, watched: tuple[str, ...] = HEAVY) -> set[str]:
    """The ``watched`` modules a fresh interpreter has imported (as real modules) after running ``code``."""
    probe = f"{code}\nimport sys\nprint('\\n' + ' '.join(m for m in {watched!r} if sys.modules.get(m) is not None))"
    env = {**os.environ, "REELBOX_HOME": str(home), "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", probe], env=env, cwd=REPO, capture_output=True, text=True, check=True)
    return set(out.stdout.splitlines()[-1].split()) if out.stdout.strip() else set()


def test_building_the_parser_imports_nothing_heavy(reelbox_home: Path) -> None:
    """Every `reelbox` command builds the whole parser: the download options must not drag the downloader in."""
    assert _modules_after("import ui.cli; ui.cli.build_parser()", reelbox_home) == set()
    assert "sqlite3" in _modules_after("import downloads.queue_db", reelbox_home)  # the probe does see an import


def _as_command(*argv: str) -> str:
    """Code that runs ``reelbox ARGV`` the way the console script does (``main()`` reading ``sys.argv``)."""
    return (f"import sys; sys.argv = ['reelbox', *{list(argv)!r}]\nimport ui.cli\n"
            "try:\n    ui.cli.main()\nexcept SystemExit:\n    pass")


def test_the_download_command_leaves_out_what_it_never_uses(reelbox_home: Path) -> None:
    """A download process signs in over httpx but loads neither httpx's command line nor HTTP/2; an in-process
    caller of ``main(argv)`` (a test, an app) keeps every module available."""
    attempt = _as_command("download", "some-title", "--backend", "http://127.0.0.1:9")  # refused: fails after the imports
    assert _modules_after(attempt, reelbox_home, ("httpx", *UNUSED)) == {"httpx"}
    if importlib.util.find_spec("click") is None:
        return  # a client-only install: httpx's command line is not there to load
    hosted = "import ui.cli\ntry:\n    ui.cli.main(['download', 'x', '--backend', 'http://127.0.0.1:9'])\nexcept SystemExit:\n    pass"
    assert {"click", "h2"} <= _modules_after(hosted, reelbox_home, UNUSED)


def test_recorded_device_key_skips_the_keyring(reelbox_home: Path) -> None:
    """Once the first run has recorded where the device key lives (here: the file fallback, no keyring backend),
    later runs open it without importing or probing the keyring."""
    open_manager = "from downloads.download_manager import DownloadManager; DownloadManager().close()"
    assert "keyring" in _modules_after(open_manager, reelbox_home)  # first use: the probe, its verdict recorded
    record = json.loads((reelbox_home / "config" / "device-key.json").read_text())
    if record["backend"] != "file":  # (in a fresh interpreter: pytest's MemoryKeyring would count as a keyring)
        pytest.skip("this box has a usable OS keyring")
    loaded = _modules_after(open_manager, reelbox_home)
    assert "keyring" not in loaded and "downloads.download_manager" in loaded


def _download_cmd(home: Path, api_url: str, password: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REELBOX_HOME": str(home), "PYTHONPATH": str(REPO), "REELBOX_PASSWORD": password}
    return subprocess.run([sys.executable, "-m", "downloads", "download", CLEAR, "--backend", api_url],
                          env=env, cwd=REPO, capture_output=True, text=True, timeout=120)


def test_download_command_reuses_its_stored_sign_in(backend: Backend, reelbox_home: Path) -> None:
    """The second command signs in with the stored (sealed) refresh token: a wrong password no longer matters.
    A third with no stored sign-in and the wrong password fails with one error line."""
    first = _download_cmd(reelbox_home, backend.api_url, "demo")
    assert first.returncode == 0, first.stderr[-800:]
    (reelbox_home / "data").rename(reelbox_home / "data-1")  # a fresh download, same device and sign-in
    second = _download_cmd(reelbox_home, backend.api_url, "not-the-password")
    assert second.returncode == 0, second.stderr[-800:]
    assert "complete" in second.stdout
    (reelbox_home / "config" / FILE_NAME).unlink()
    (reelbox_home / "data").rename(reelbox_home / "data-2")  # (a stored title would answer without signing in)
    third = _download_cmd(reelbox_home, backend.api_url, "not-the-password")
    assert third.returncode == 1 and third.stderr.strip().startswith("error:")


def test_a_stored_title_needs_no_backend(backend: Backend, reelbox_home: Path) -> None:
    """A title already downloaded answers from the queue alone: no sign-in, no HTTP stack, no network."""
    assert _download_cmd(reelbox_home, backend.api_url, "demo").returncode == 0
    offline = _download_cmd(reelbox_home, "http://127.0.0.1:9", "demo")  # nothing listens there
    assert offline.returncode == 0, offline.stderr[-800:]
    assert offline.stdout.split("\t")[1:2] == [CLEAR] and offline.stdout.strip().endswith("complete")
    assert _modules_after(_as_command("download", CLEAR, "--backend", "http://127.0.0.1:9"), reelbox_home,
                          ("httpx", "downloads.download_manager")) == set()


def test_stored_sign_in_is_sealed_and_bound(backend: Backend, paths: DownloadPaths) -> None:
    """The file holds no token in clear; another device key or another backend URL opens nothing; a refused
    token falls back to the password."""
    key = DeviceKey.generate()
    store = SignInStore(paths.config_dir, key)
    login = ("demo@reelbox.local", "demo")

    async def sign_in() -> str:
        async with signed_in(backend.api_url, login, store) as client:
            token = client.refresh_token
            assert token is not None
            return token

    token = asyncio.run(sign_in())
    text = (paths.config_dir / FILE_NAME).read_bytes()
    assert token.encode() not in text and store.recall(backend.api_url, login[0]) == token
    assert SignInStore(paths.config_dir, DeviceKey.generate()).recall(backend.api_url, login[0]) is None
    assert store.recall("http://127.0.0.1:1", login[0]) is None
    store.remember(backend.api_url, login[0], "refused-token")
    assert asyncio.run(sign_in()) != "refused-token"  # signed in with the password, new token stored

    async def unreachable() -> None:
        async with signed_in("http://127.0.0.1:9", login, store):
            pass

    with pytest.raises(BackendError):
        asyncio.run(unreachable())  # a named error, nothing stored


def test_a_stored_access_token_is_used_until_it_nears_expiry(backend: Backend, paths: DownloadPaths) -> None:
    """While the stored access token has time left, a command signs in with no request (the refresh token is not
    rotated) and its signed requests work; near its expiry the refresh token is traded for a new pair."""
    store = SignInStore(paths.config_dir, DeviceKey.generate())
    login = ("demo@reelbox.local", "demo")

    async def title_name(now: float) -> str:
        async with signed_in(backend.api_url, login, store, clock=lambda: now) as client:
            await client.request("GET", "/progress")  # only for a signed-in viewer
            return "dl-clear"

    assert asyncio.run(title_name(0.0)) == "dl-clear"  # password sign-in: the pair is stored
    stored = store.recall_pair(backend.api_url, login[0])
    assert stored is not None and stored.access is not None and stored.access_expires_at is not None
    assert access_expiry(stored.access) == stored.access_expires_at
    assert asyncio.run(title_name(stored.access_expires_at - 120)) == "dl-clear"
    assert store.recall_pair(backend.api_url, login[0]) == stored  # reused as it was: nothing rotated
    assert asyncio.run(title_name(stored.access_expires_at - 30)) == "dl-clear"  # too close: refreshed
    renewed = store.recall_pair(backend.api_url, login[0])
    assert renewed is not None and renewed.refresh != stored.refresh


def test_a_kept_pair_the_backend_dropped_signs_in_again_within_the_command(backend: Backend, paths: DownloadPaths) -> None:
    """A stored access token the backend answers 401 to, and a refresh token it refuses (a reset backend, a
    revoked login): the command signs in with the password and goes on, instead of failing once."""
    store = SignInStore(paths.config_dir, DeviceKey.generate())
    login = ("demo@reelbox.local", "demo")
    claims = base64.urlsafe_b64encode(json.dumps({"exp": 4_000_000_000}).encode()).rstrip(b"=").decode()
    store.remember(backend.api_url, login[0], "refresh-the-backend-dropped", access_token=f"e30.{claims}.c2ln")

    async def signed_request() -> str | None:
        async with signed_in(backend.api_url, login, store) as client:
            await client.request("GET", "/progress")  # 401, refresh refused, password, repeated: answered
            return client.refresh_token

    refresh = asyncio.run(signed_request())
    assert refresh not in (None, "refresh-the-backend-dropped")
    assert store.recall(backend.api_url, login[0]) == refresh
