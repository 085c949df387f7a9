"""The Downloads screen against a real backend and the real download manager (offscreen Qt)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from tests.ui.conftest import edge_faults, sign_in


def _row(window: Any) -> Any:
    rows = list(window.downloads_page.rows.values())
    return rows[0] if rows else None


def test_resume_on_a_paused_download_completes_it(qtbot: Any, make_window: Any, ui_backend: Any) -> None:
    """Pause from the Downloads screen enables Resume; Resume finishes the download, the bar turns green
    and reads "Downloaded", and Delete asks once more before it deletes."""
    window = make_window()
    window.show()
    window.start()
    sign_in(qtbot, window)
    edge_faults(ui_backend.api_url, {"rate_kbps": 300})
    window.downloads.start("ui-beta")
    window.go("downloads")
    qtbot.waitUntil(lambda: _row(window) is not None and _row(window).buttons["Pause"].isEnabled(), timeout=15000)
    row = _row(window)
    row.buttons["Pause"].setFocus()
    qtbot.keyClick(row.buttons["Pause"], Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _row(window).bar.property("state") == "paused", timeout=10000)
    row = _row(window)
    assert row.buttons["Resume"].isEnabled() and not row.buttons["Pause"].isEnabled()
    edge_faults(ui_backend.api_url, {})
    row.buttons["Resume"].setFocus()
    qtbot.keyClick(row.buttons["Resume"], Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _row(window) is not None and _row(window).buttons["Delete"].isEnabled()
                    and _row(window).buttons["Play"].isEnabled(), timeout=30000)
    row = _row(window)
    assert row.bar.value() == 1000 and row.bar.text() == "Downloaded" and row.bar.property("state") == "complete"
    assert not row.buttons["Resume"].isEnabled()
    delete = row.buttons["Delete"]
    delete.click()
    assert delete.armed and "?" in delete.text() and window.downloads_page.rows, "one press must not delete"
    delete.click()
    qtbot.waitUntil(lambda: not window.downloads_page.rows, timeout=10000)


def test_licence_time_reads_in_days() -> None:
    """A 30-day licence reads "29 days 23 h", not "719 h 59 min"."""
    from ui.app.format import duration_text

    assert duration_text(30 * 86400 - 60) == "29 days 23 h"
    assert duration_text(86400) == "1 day"
    assert duration_text(3900) == "1 h 05 min"
