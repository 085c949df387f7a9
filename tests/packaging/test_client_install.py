"""A client-only install (`pip install .`, no extras) carries none of the backend's packages (issue 13).

The backend's libraries are the ``[backend]`` extra; these tests read the declared dependencies from
pyproject.toml and the installed distributions' own metadata (no network), and import every client
module in a child interpreter where the backend's libraries cannot be imported.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
CLIENT_PACKAGES = ("abr", "drm_client", "player", "downloads", "ui")
#: what the backend's extra brings in, and what those bring along (starlette, pydantic)
BACKEND_ONLY = {"fastapi", "uvicorn", "argon2-cffi", "pyjwt", "imageio-ffmpeg", "pillow", "starlette", "pydantic"}
BACKEND_MODULES = ("backend_stub", "fastapi", "starlette", "uvicorn", "pydantic", "argon2", "jwt", "PIL", "imageio_ffmpeg")


def _wanted(req: Requirement, extras: tuple[str, ...]) -> bool:
    return req.marker is None or any(req.marker.evaluate({"extra": e}) for e in ("", *extras))


def _closure(requirements: list[str]) -> set[str]:
    """Every distribution a list of requirements pulls in, walked through the installed metadata."""
    seen: set[str] = set()
    todo = [r for r in map(Requirement, requirements) if _wanted(r, ())]
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name in seen:
            continue
        seen.add(name)
        todo += [r for r in map(Requirement, metadata.requires(req.name) or ()) if _wanted(r, tuple(req.extras))]
    return seen


def test_base_install_pulls_no_backend_package() -> None:
    """The transitive closure of `dependencies` (what `pip install .` installs) holds no backend library."""
    closure = _closure(PYPROJECT["project"]["dependencies"])
    assert "httpx" in closure and "pyside6-essentials" in closure  # the walk did reach the client's stack
    assert closure.isdisjoint(BACKEND_ONLY), sorted(closure & BACKEND_ONLY)


def test_backend_extra_declares_the_backend_libraries() -> None:
    """`[backend]` names the libraries only backend_stub imports; certifi (imported by the client) is declared."""
    extra = {canonicalize_name(Requirement(r).name) for r in PYPROJECT["project"]["optional-dependencies"]["backend"]}
    assert extra == BACKEND_ONLY - {"starlette", "pydantic"}
    base = {canonicalize_name(Requirement(r).name) for r in PYPROJECT["project"]["dependencies"]}
    assert {"certifi", "tomli-w", "platformdirs"} <= base


BLOCKER = """
import importlib, pkgutil, sys
BLOCKED = set(sys.argv[1].split(","))
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Block())
for pkg in sys.argv[2].split(","):
    importlib.import_module(pkg)
    for info in pkgutil.walk_packages(sys.modules[pkg].__path__, pkg + "."):
        if info.name.endswith("__main__"):
            continue
        importlib.import_module(info.name)
from ui.cli import main
raise SystemExit(main(["backend", "--port", "0"]))
"""


def test_client_modules_import_without_the_backend_extra() -> None:
    """Every client module imports with the backend's libraries missing; `reelbox backend` then names the extra."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    child = subprocess.run(
        [sys.executable, "-c", BLOCKER, ",".join(BACKEND_MODULES), ",".join(CLIENT_PACKAGES)],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert child.returncode == 1, child.stderr[-3000:]
    lines = child.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the bundled backend is not installed"), lines
    assert "pip install 'reelbox[backend]'" in lines[0]
