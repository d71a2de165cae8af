"""Fixtures for the desktop tests: offscreen, an inline runner (no threads, no waiting), a
clock the test moves by hand, and a small stand-in for the visit editor."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before pytest-qt makes the QApplication

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from fieldapp.demo import demo_visits
from fieldapp.domain import Role
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from tests.conftest import PASSPHRASE
from ui.main_window import MainWindow
from ui.runner import InlineRunner
from ui.session import VaultSession

DEMO_VISITS = 60


class FakeClock:
    """Monotonic seconds that only move when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeEditor(QWidget):
    """The visit editor's interface (``ui.visit.editor.VisitEditor``), without its screens."""

    saved = Signal(str)
    close_requested = Signal()
    instances: list[FakeEditor] = []  # noqa: RUF012 - a record for the test

    def __init__(self, store: Store, catalogue: Any, visit_uuid: str, parent: Any = None) -> None:
        super().__init__(parent)
        self.store, self.catalogue, self.visit_uuid = store, catalogue, visit_uuid
        self.cleared = False
        self.large_touch = False
        self.label = QLabel(store.visit_detail(visit_uuid).site.name)
        QVBoxLayout(self).addWidget(self.label)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        FakeEditor.instances.append(self)

    @staticmethod
    def start_new_visit(store: Store, catalogue: Any) -> str:
        return store.record_visit(next(demo_visits(1, seed=4242)))

    def clear(self) -> None:
        self.cleared = True
        self.label.clear()

    def set_large_touch(self, enabled: bool) -> None:
        self.large_touch = enabled

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close_requested.emit()
            return
        super().keyPressEvent(event)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake_editor() -> Iterator[type[FakeEditor]]:
    FakeEditor.instances = []
    yield FakeEditor
    FakeEditor.instances = []


@pytest.fixture
def make_window(
    qtbot, vault_dir: Path, clock: FakeClock, fake_editor: type[FakeEditor]
) -> Iterator[Callable[..., MainWindow]]:
    """A shown window on ``vault_dir`` with the cheap test KDF, the inline runner, the fake
    clock and the fake editor; locked again at teardown."""
    windows: list[MainWindow] = []

    def make(**overrides: Any) -> MainWindow:
        options: dict[str, Any] = {
            "runner": InlineRunner(),
            "clock": clock,
            "editor_class": fake_editor,
        }
        options.update(overrides)
        window = MainWindow(VaultSession(vault_dir, FAST_FOR_TESTS), **options)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.session.lock()


@pytest.fixture
def locked_vault(vault_dir: Path) -> int:
    """A field vault holding demo visits, locked again; returns the number of visits."""
    with Vault.create(vault_dir, PASSPHRASE, Role.FIELD, FAST_FOR_TESTS) as vault:
        Store(vault).record_visits(demo_visits(DEMO_VISITS, seed=7))
    return DEMO_VISITS


def unlock(qtbot, window: MainWindow, passphrase: str = PASSPHRASE) -> None:
    qtbot.keyClicks(window.unlock_view.passphrase, passphrase)
    qtbot.keyClick(window.unlock_view.passphrase, Qt.Key.Key_Return)
