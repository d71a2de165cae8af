"""The coordinator's workspace: one window of tabs (``ui.coordinator.tabs.TABS``).

Each tab's module is imported, and its view built, only when the tab is first shown: opening
the workspace costs one tab (``tabs.py`` says why and how). What a view offers the workspace is
``tabs.WorkspaceTab``. A view that says
``open_visit_requested(str)`` gets the main window to open that visit; the workspace then steps
aside (hidden, never minimised: minimising a window that belongs to the main window took the
main window down with it on Windows) and comes back when the visit is closed. The exports tab
writes what the merged picture's filters show.

The window remembers nothing (no filters, no searches, no size); closing it (Esc, or the lock)
empties every view.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QSize, Qt
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
from ui.window_settings import fit_dialog

log = logging.getLogger(__name__)

DEFAULT_SIZE = (1320, 820)
MIN_SIZE = (600, 440)  # inside the smallest screen (ui.window_settings.SMALLEST_SCREEN)
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
        fit_dialog(self, QSize(*DEFAULT_SIZE))
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
        self._stepped_aside = False  # hidden while a visit opened from here is shown
        self.refresh_outcomes()
        self._build(self.tabs.currentIndex())

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
        """The main window opens the visit in front; this window steps aside until the visit
        is left (closed, Ctrl+W, another visit opened)."""
        window: Any = self.parent()
        opener = getattr(window, "open_visit", None)
        if opener is None:
            return
        opener(visit_uuid)
        editor = getattr(window, "editor", None)
        if not isinstance(editor, QWidget) or not hasattr(editor, "close_requested"):
            return
        editor.close_requested.connect(self._come_back)
        editor.destroyed.connect(self._come_back)
        self._stepped_aside = True
        self.hide()
        if window.isMinimized():
            window.showNormal()
        window.raise_()
        window.activateWindow()

    def _come_back(self) -> None:
        """Once per visit opened from here, and only while the vault is open."""
        if not self._stepped_aside:
            return
        self._stepped_aside = False
        if self._closed or self.isVisible() or not self.vault.is_open:
            return
        self.show()
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
