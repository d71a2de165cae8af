"""GUI tests run offscreen unless told otherwise, and never sleep."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before pytest-qt makes the QApplication

from fieldapp.vault.keyfile import FAST_FOR_TESTS
from ui.main_window import MainWindow
from ui.session import VaultSession


@pytest.fixture
def make_window(qtbot, vault_dir: Path) -> Iterator[Callable[[], MainWindow]]:
    """A shown window on ``vault_dir`` with the cheap test KDF; locked again at teardown."""
    windows: list[MainWindow] = []

    def make() -> MainWindow:
        window = MainWindow(VaultSession(vault_dir, FAST_FOR_TESTS))
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.session.lock()
