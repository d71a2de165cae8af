"""The coordinator's workspace: one window of tabs (``ui.coordinator.tabs.TABS``).

Each tab's module is imported, and its view built, only when the tab is first shown: opening
the workspace costs one tab (``tabs.py`` says why and how). What a view offers the workspace is
``tabs.WorkspaceTab``. A view that says
``open_visit_requested(str)`` gets the main window to open that visit; the workspace then steps
aside (minimised) and comes back when the visit is closed. The exports tab writes what the
merged picture's filters show.

The window remembers nothing (no filters, no searches, no size); closing it (Esc, or the lock)
empties every view.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QTabWidget, QVBoxLayout, QWidget

from fieldapp.i18n import t
from fieldapp.store.filters import VisitFilter
from fieldapp.vault.vault import Vault
from fieldapp.vault.worker import WorkerVaultKey
from ui.coordinator.tabs import (
    TABS,
    FollowsLargeTouch,
    OpensVisits,
    ReadsMergedFilter,
    Tab,
    WorkspaceTab,
)
from ui.coordinator.visits_view import MergedVisitsView
from ui.runner import JobRunner

log = logging.getLogger(__name__)

DEFAULT_SIZE = (1320, 820)
MIN_SIZE = (760, 520)
SCREEN_SHARE = 0.9  # never larger than this share of the screen
LARGE_TOUCH_TABS = "QTabBar::tab { min-height: 40px; padding: 6px 18px; }"


class _TabPage(QWidget):
    """A tab's page: empty until the tab is first shown, then it holds the tab's view."""

    def __init__(self, tab: Tab) -> None:
        super().__init__()
        self.tab = tab
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(0, 0, 0, 0)


class WorkspaceDialog(QDialog):
    """``WorkspaceDialog(vault, runner, parent)``; ``parent`` is normally the main window."""

    def __init__(self, vault: Vault, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.runner = runner
        self.setWindowTitle(t("ui.workspace.title"))
        # A window of its own (minimise, maximise), not a modal box over the main window.
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setWindowFlag(Qt.WindowType.WindowMinMaxButtonsHint, True)
        self.setMinimumSize(*MIN_SIZE)
        self.resize(*self._first_size())
        self.large_touch = bool(getattr(parent, "large_touch", False))
        if self.large_touch:
            self.setStyleSheet(LARGE_TOUCH_TABS)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setAccessibleName(t("ui.workspace.tabs"))
        self.views: dict[int, QWidget] = {}
        for tab in TABS:
            self.tabs.addTab(_TabPage(tab), t(tab.title_key))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.tabs)

        for number in range(1, min(len(TABS), 9) + 1):  # Alt+1 .. Alt+9 choose a tab
            shortcut = QShortcut(QKeySequence(f"Alt+{number}"), self)
            shortcut.activated.connect(lambda index=number - 1: self.tabs.setCurrentIndex(index))
        self.tabs.currentChanged.connect(self._build)
        self._closed = False
        self.refresh_outcomes()
        self._build(self.tabs.currentIndex())

    def _first_size(self) -> tuple[int, int]:
        width, height = DEFAULT_SIZE
        screen = self.screen()
        if screen is not None:
            available = screen.availableGeometry()
            width = min(width, int(available.width() * SCREEN_SHARE))
            height = min(height, int(available.height() * SCREEN_SHARE))
        return max(width, MIN_SIZE[0]), max(height, MIN_SIZE[1])

    # -- tabs ----------------------------------------------------------------------------

    def open(self) -> None:
        """Shown beside the main window, not modal over it: a visit opened from here opens
        there."""
        self.setModal(False)
        self.show()

    def built_tabs(self) -> list[int]:
        return sorted(self.views)

    def view(self, index: int) -> QWidget | None:
        """The built view of tab ``index`` (None until first shown)."""
        return self.views.get(index)

    def _build(self, index: int) -> None:
        """Build the tab's view, the first time the tab is shown."""
        if index < 0 or index in self.views:
            return
        page = self.tabs.widget(index)
        if not isinstance(page, _TabPage):
            return
        view = self._make_view(page.tab)
        self.views[index] = view
        page.column.addWidget(view)
        if page.isVisible():
            view.show()  # a layout shows a new child of a visible page only later

    def refresh_outcomes(self) -> None:
        """Visits imported or edited since the last look are assessed on a worker (the
        merged picture's form and outcome filters read the stored outcomes); the list reloads
        when that changed anything."""
        key = WorkerVaultKey(self.vault)

        def job() -> int:
            from fieldapp.assessment.outcomes import refresh_outcomes  # noqa: PLC0415 - on the worker: the engine loads off the GUI thread

            with key.open() as worker:
                return refresh_outcomes(worker)

        def failed(exc: BaseException) -> None:
            key.discard()
            log.warning("outcomes not refreshed: %s", type(exc).__name__)

        self.runner.run(job, self._outcomes_refreshed, failed)

    def _outcomes_refreshed(self, visits: int) -> None:
        if not visits or self._closed or not self.vault.is_open:
            return
        for view in self.views.values():
            if isinstance(view, MergedVisitsView):
                view.model.reload()

    def _merged_filter(self) -> VisitFilter | None:
        """The merged picture's filter (None while that tab has not been opened)."""
        for view in self.views.values():
            if isinstance(view, MergedVisitsView):
                return view.current_filter()
        return None

    def _make_view(self, tab: Tab) -> QWidget:
        view = tab.load()(self.vault, self.runner, self)
        if not isinstance(view, WorkspaceTab):  # a bug in the tab, never hidden
            raise TypeError(f"{type(view).__name__} is not a WorkspaceTab")
        if isinstance(view, ReadsMergedFilter):
            view.set_filter_source(self._merged_filter)
        if isinstance(view, OpensVisits):
            view.open_visit_requested.connect(self.open_visit)
        if isinstance(view, FollowsLargeTouch):
            view.set_large_touch(self.large_touch)
        return view

    # -- visits --------------------------------------------------------------------------

    def open_visit(self, visit_uuid: str) -> None:
        """The main window opens the visit; this window steps aside until it is closed."""
        window: Any = self.parent()
        opener = getattr(window, "open_visit", None)
        if opener is None:
            return
        opener(visit_uuid)
        editor = getattr(window, "editor", None)
        signal = getattr(editor, "close_requested", None)
        if signal is None:
            return
        signal.connect(self._come_back)
        self.showMinimized()
        window.raise_()
        window.activateWindow()

    def _come_back(self) -> None:
        if self.isVisible():
            self.showNormal()
            self.raise_()
            self.activateWindow()

    # -- closing -------------------------------------------------------------------------

    def done(self, result: int) -> None:
        """Closing (Esc, the close button, the lock) empties every built view."""
        self._closed = True
        for view in self.views.values():
            if isinstance(view, WorkspaceTab):
                view.clear()
        super().done(result)
