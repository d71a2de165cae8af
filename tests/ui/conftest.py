"""Fixtures for the desktop tests: offscreen, an inline runner (no threads, no waiting), a
clock the test moves by hand, and a small stand-in for the visit editor (tests/support/qt.py)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before pytest-qt makes the QApplication

from fieldapp.catalogue import Catalogue, load_catalogue
from fieldapp.demo import demo_visits
from fieldapp.domain import Role
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from tests.support import PASSPHRASE
from tests.support.qt import DEMO_VISITS, FakeClock, FakeEditor
from ui.main_window import MainWindow
from ui.runner import InlineRunner
from ui.session import VaultSession
from ui.visit import VisitEditor


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


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture
def make_editor(qtbot, store: Store, catalogue: Catalogue) -> Iterator[Callable[..., VisitEditor]]:
    """A shown editor on a new draft visit (or the given one), active so keys and shortcuts
    go where a user's would; cleared before the vault locks."""
    editors: list[VisitEditor] = []

    def make(visit_uuid: str | None = None) -> VisitEditor:
        uuid = visit_uuid or VisitEditor.start_new_visit(store, catalogue)
        editor = VisitEditor(store, catalogue, uuid)
        qtbot.addWidget(editor)
        editor.resize(1400, 900)
        editor.show()
        qtbot.waitExposed(editor)
        editor.activateWindow()
        qtbot.waitUntil(editor.isActiveWindow)
        editors.append(editor)
        return editor

    yield make
    for editor in editors:
        editor.clear()
