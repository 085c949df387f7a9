"""Smoke-check a built bundle the way a user's machine would run it: no venv, an empty environment.

    .venv/bin/python packaging/bundle/check_bundle.py build/bundle/dist/reelbox/reelbox

Issue 8: the bundle "runs `reelbox --version` and `reelbox play --headless` on a demo title ... on a
machine without the development virtual environment". The backend (with one tiny real title made by
the encoder) runs in *this* process, from the dev tree; the bundle's executable runs as a child under
``env -i PATH=/usr/bin:/bin HOME=... REELBOX_HOME=...`` so nothing of the venv (PYTHONPATH,
VIRTUAL_ENV, the venv's PATH) can leak in. libmpv is the system's (``apt install libmpv2``).
The bundle carries no backend (the ``[backend]`` extra): ``reelbox backend`` in it must end in one
``error:`` line naming ``pip install 'reelbox[backend]'``. Run by ``make bundle`` and by tests/packaging/test_bundle.py.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TITLE = "bundle-check"


@dataclass(frozen=True, kw_only=True)
class BundleCheck:
    """What the bundle printed and played."""

    version: str
    report: dict


def clean_env(home: Path) -> dict[str, str]:
    """The whole environment the bundle gets: what `env -i PATH=/usr/bin:/bin HOME=... REELBOX_HOME=...` gives."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(home / "user"), "REELBOX_HOME": str(home / "reelbox")}


def check_bundle(exe: Path, work: Path) -> BundleCheck:
    """Run ``exe --version`` and ``exe play TITLE --headless --report`` against a fresh backend; raise on failure."""
    sys.path.insert(0, str(REPO))
    from backend_stub.config import ApiSettings
    from backend_stub.encode import make_test_title
    from backend_stub.server import Backend

    env = clean_env(work)
    version = subprocess.run([str(exe), "--version"], env=env, capture_output=True, text=True, timeout=60)
    if version.returncode != 0 or not version.stdout.startswith("reelbox "):
        raise RuntimeError(f"--version failed ({version.returncode}): {version.stdout}{version.stderr}")
    # the bundle is a client: the backend is an extra it does not carry, and says so in one line
    backend = subprocess.run([str(exe), "backend", "--port", "0"], env=env, capture_output=True, text=True, timeout=60)
    if backend.returncode != 1 or "pip install 'reelbox[backend]'" not in backend.stderr:
        raise RuntimeError(f"`backend` in the bundle should name the [backend] extra ({backend.returncode}): "
                           f"{backend.stderr.strip()[-500:]}")
    data = work / "backend"
    make_test_title(data, TITLE, seconds=4, heights=(144, 240))
    report_path = work / "report.json"
    with Backend(data, demo_user=True, settings=ApiSettings(argon2_time_cost=1, argon2_memory_kib=8 * 1024),
                 ingest_worker=False) as backend:
        play = subprocess.run([str(exe), "play", TITLE, "--backend", backend.api_url, "--headless",
                               "--report", str(report_path)], env=env, capture_output=True, text=True, timeout=120)
    if play.returncode != 0:
        raise RuntimeError(f"play failed ({play.returncode}): {play.stderr.strip()[-2000:]}")
    report = json.loads(report_path.read_text(encoding="utf-8"))
    if report["errors"] or report["played_s"] < 3.5:
        raise RuntimeError(f"play did not play the title: played {report['played_s']} s, errors {report['errors']}")
    return BundleCheck(version=version.stdout.strip(), report=report)


def main(argv: list[str]) -> int:
    exe = Path(argv[1] if len(argv) > 1 else REPO / "build/bundle/dist/reelbox/reelbox").resolve()
    with tempfile.TemporaryDirectory(prefix="reelbox-bundle-check-") as tmp:
        try:
            result = check_bundle(exe, Path(tmp))
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            print(f"bundle check FAILED: {exc}", file=sys.stderr)
            return 1
    r = result.report
    print(f"bundle check OK: {result.version}; played {r['played_s']:.1f} s headless, startup {r['startup_ms']} ms, "
          f"{len(r['segments'])} segments, 0 errors (clean environment, system libmpv)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
