"""The kiosk systemd unit: the promises issue 8 makes, and `systemd-analyze verify` on the real file."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

KIOSK = Path(__file__).resolve().parents[2] / "packaging" / "kiosk"


def unit_entries(path: Path) -> dict[tuple[str, str], list[str]]:
    """(section, key) → values, in order (systemd units repeat keys such as Environment=)."""
    out: dict[tuple[str, str], list[str]] = {}
    section = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        out.setdefault((section, key.strip()), []).append(value.strip())
    return out


def test_unit_restarts_watchdogs_and_roots_storage() -> None:
    """Starts `reelbox ui --kiosk` at boot as Type=notify with a watchdog, Restart=always, REELBOX_HOME set."""
    e = unit_entries(KIOSK / "reelbox-kiosk.service")
    assert e[("Service", "ExecStart")][0].endswith("reelbox ui --kiosk")
    assert e[("Service", "Type")] == ["notify"]
    assert e[("Service", "Restart")] == ["always"]
    assert int(e[("Service", "WatchdogSec")][0]) > 0
    assert any(v.startswith("REELBOX_HOME=/") for v in e[("Service", "Environment")])
    assert e[("Install", "WantedBy")] == ["graphical.target"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_analyze_verify(tmp_path: Path) -> None:
    """`systemd-analyze verify` accepts both units with no warning (binaries pointed at ones that exist here)."""
    reelbox = shutil.which("reelbox") or str(Path(__file__).resolve().parents[2] / ".venv" / "bin" / "reelbox")
    for name in ("reelbox-kiosk.service", "reelbox-xorg.service"):
        text = (KIOSK / name).read_text(encoding="utf-8").replace("/opt/reelbox/reelbox", reelbox)
        if not Path("/usr/bin/Xorg").exists():
            text = text.replace("/usr/bin/Xorg", "/bin/true")
        (tmp_path / name).write_text(text, encoding="utf-8")
    run = subprocess.run(["systemd-analyze", "verify", *(str(tmp_path / n) for n in ("reelbox-kiosk.service", "reelbox-xorg.service"))],
                         capture_output=True, text=True, timeout=60, env={"SYSTEMD_LOG_LEVEL": "notice", "PATH": "/usr/bin:/bin"})
    problems = [l for l in (run.stdout + run.stderr).splitlines() if "reelbox" in l]
    assert run.returncode == 0 and not problems, run.stdout + run.stderr
