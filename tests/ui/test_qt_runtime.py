"""The Qt binding itself: a regression guard for PySide6 6.12.0, whose void methods dropped a
reference to None each call and aborted Python 3.11 after about 5,000 calls."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = """
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication([])
widget = QWidget()
for _ in range(50_000):
    widget.setEnabled(True)
print("ok")
"""


def test_many_void_qt_calls_do_not_corrupt_the_interpreter() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"
