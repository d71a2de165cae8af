"""The coordinator's workspace window: every tab a real class, one tab built on opening, the
next on first showing, a visit opened in the main window, and nothing kept after closing or
locking. Also the merged picture's own list and filters."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QMainWindow, QWidget

from fieldapp.agencies import agency_name
from fieldapp.i18n import t, tn
from fieldapp.store.filters import VisitFilter
from fieldapp.store.merged_store import device_labels
from fieldapp.store.store import Store
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from tests.support import ROOT
from tests.support.qt import unlock
from tests.support.workspace import Workspace, build_workspace
from ui.coordinator import workspace as workspace_module
from ui.coordinator.exports_view import ExportsView
from ui.coordinator.followup_view import FollowUpView
from ui.coordinator.tabs import TABS, Tab, WorkspaceTab
from ui.coordinator.visits_view import MERGED_COLUMNS, MergedVisitsView
from ui.coordinator.workspace import WorkspaceDialog
from ui.main_window import MainWindow
from ui.runner import InlineRunner
from ui.session import Screen, VaultSession

VISITS_TAB = 0
FOLLOWUP_TAB = next(i for i, tab in enumerate(TABS) if tab.load() is FollowUpView)


class FakeEditor(QWidget):
    close_requested = Signal()


class FakeMain(QMainWindow):
    """What the workspace asks of the main window: open_visit, and the editor it made."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []
        self.editor: FakeEditor | None = None
        self.large_touch = False

    def open_visit(self, visit_uuid: str) -> None:
        self.opened.append(visit_uuid)
        self.editor = FakeEditor()


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    built = build_workspace(tmp_path)
    yield built
    if built.vault.is_open:
        built.vault.lock()


@pytest.fixture
def main(qtbot) -> FakeMain:
    window = FakeMain()
    qtbot.addWidget(window)
    window.show()
    return window


def open_dialog(qtbot, workspace: Workspace, parent: QWidget) -> WorkspaceDialog:
    dialog = WorkspaceDialog(workspace.vault, InlineRunner(), parent)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    return dialog


def test_every_tab_is_a_real_view_class() -> None:
    """Every loader imports its tab's class: one renamed or removed fails here, never as a
    "not available" tab behind green tests."""
    names = [tab.load().__name__ for tab in TABS]
    assert names == [
        "MergedVisitsView",
        "LinksView",
        "FollowUpView",
        "DashboardView",
        "ExportsView",
        "RetentionView",
    ]
    for tab in TABS:
        view_class = tab.load()
        assert isinstance(view_class, type) and issubclass(view_class, QWidget), tab
        assert issubclass(view_class, WorkspaceTab), f"{view_class.__name__} has no clear()"
        assert t(tab.title_key) != tab.title_key  # a translated title


def test_every_tab_builds_its_own_view(qtbot, workspace: Workspace, main: FakeMain) -> None:
    dialog = open_dialog(qtbot, workspace, main)
    for index, tab in enumerate(TABS):
        dialog.tabs.setCurrentIndex(index)
        view = dialog.view(index)
        assert type(view) is tab.load() and view.isVisible()
    assert dialog.built_tabs() == list(range(len(TABS)))


def test_the_workspace_module_loads_no_other_tab() -> None:
    """Each tab's module loads when the tab is first shown (ui/coordinator/tabs.py says why):
    importing the workspace, in a fresh process, brings only the first tab's."""
    probe = (
        "import sys, ui.coordinator.workspace\n"
        "print(sorted(m for m in sys.modules if m.startswith('ui.coordinator.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == str(
        ["ui.coordinator.tabs", "ui.coordinator.visits_view", "ui.coordinator.workspace"]
    )


def recording_tabs(built: list[str]) -> tuple[Tab, ...]:
    """TABS whose loaders note each tab class they load (once per tab built)."""

    def recording(tab: Tab) -> Tab:
        def load() -> Any:
            view_class = tab.load()
            built.append(view_class.__name__)
            return view_class

        return Tab(load, tab.title_key)

    return tuple(recording(tab) for tab in TABS)


def test_opening_builds_only_the_first_tab(
    qtbot, workspace: Workspace, main: FakeMain, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    monkeypatch.setattr(workspace_module, "TABS", recording_tabs(built))
    dialog = open_dialog(qtbot, workspace, main)
    assert dialog.tabs.count() == len(TABS)
    assert [dialog.tabs.tabText(i) for i in range(len(TABS))] == [t(key) for *_, key in TABS]
    assert dialog.built_tabs() == [VISITS_TAB]
    assert built == ["MergedVisitsView"]
    view = dialog.view(VISITS_TAB)
    assert isinstance(view, MergedVisitsView) and view.isVisible()
    assert view.model.rowCount() == len(Store(workspace.vault).visit_ids())
    assert not dialog.isModal()

    dialog.tabs.setCurrentIndex(FOLLOWUP_TAB)
    assert dialog.built_tabs() == [VISITS_TAB, FOLLOWUP_TAB]
    assert built == ["MergedVisitsView", "FollowUpView"]
    followup_view = dialog.view(FOLLOWUP_TAB)
    assert isinstance(followup_view, FollowUpView) and followup_view.isVisible()
    assert followup_view.model.rowCount() > 0

    dialog.tabs.setCurrentIndex(VISITS_TAB)  # built once only
    assert dialog.view(VISITS_TAB) is view
    assert built.count("MergedVisitsView") == 1


def test_other_failures_of_a_tab_are_not_hidden(
    qtbot, workspace: Workspace, main: FakeMain, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Broken(QWidget):
        def __init__(self, *args: Any) -> None:
            raise RuntimeError("a real bug")

    monkeypatch.setattr(workspace_module, "TABS", (Tab(lambda: Broken, "ui.workspace.tab.visits"),))
    with pytest.raises(RuntimeError, match="a real bug"):
        WorkspaceDialog(workspace.vault, InlineRunner(), main)


def test_a_visit_opened_in_the_list_opens_in_the_main_window(
    qtbot, workspace: Workspace, main: FakeMain
) -> None:
    dialog = open_dialog(qtbot, workspace, main)
    view = dialog.view(VISITS_TAB)
    assert isinstance(view, MergedVisitsView)
    view.focus_table()
    wanted = view.current_visit()
    assert wanted is not None
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert main.opened == [wanted]
    # The visit in front; the workspace steps aside. Nothing is minimised: minimising the
    # workspace took the main window down with it.
    assert not dialog.isVisible() and not dialog.isMinimized()
    assert main.isVisible() and not main.isMinimized()
    assert main.editor is not None
    main.editor.close_requested.emit()  # the visit is closed: the workspace comes back
    assert not dialog.isMinimized() and dialog.isVisible()
    # The follow-up tab opens visits the same way.
    dialog.tabs.setCurrentIndex(FOLLOWUP_TAB)
    followup_view = dialog.view(FOLLOWUP_TAB)
    assert isinstance(followup_view, FollowUpView)
    followup_view.table.setFocus()
    qtbot.keyClick(followup_view.table, Qt.Key.Key_Return)
    assert main.opened[-1] == followup_view.model.followup(0).visit_uuid


def test_escape_closes_and_empties_every_view(qtbot, workspace: Workspace, main: FakeMain) -> None:
    dialog = open_dialog(qtbot, workspace, main)
    dialog.tabs.setCurrentIndex(FOLLOWUP_TAB)
    visits, follow = dialog.view(VISITS_TAB), dialog.view(FOLLOWUP_TAB)
    assert isinstance(visits, MergedVisitsView) and isinstance(follow, FollowUpView)
    assert visits.model.rowCount() and follow.model.rowCount()
    qtbot.keyClick(dialog.tabs, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert visits.model.rowCount() == 0 and follow.model.rowCount() == 0
    assert visits.device.count() == 1 and visits.agency.count() == 1  # no names kept


def test_large_touch_reaches_the_views(qtbot, workspace: Workspace, main: FakeMain) -> None:
    main.large_touch = True
    dialog = open_dialog(qtbot, workspace, main)
    view = dialog.view(VISITS_TAB)
    assert isinstance(view, MergedVisitsView)
    assert view.table.verticalHeader().defaultSectionSize() >= 44
    assert "min-height: 40px" in dialog.styleSheet()


def test_provenance_is_shown_in_every_row(qtbot, workspace: Workspace, main: FakeMain) -> None:
    dialog = open_dialog(qtbot, workspace, main)
    view = dialog.view(VISITS_TAB)
    assert isinstance(view, MergedVisitsView)
    model = view.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(len(MERGED_COLUMNS))]
    agency, inspector, device = (
        headers.index(t(f"ui.merged.col.{name}")) for name in ("agency", "inspector", "device")
    )
    conn = workspace.vault.conn
    labels = device_labels(conn)  # the inspector and agency, never the device's id
    for row in range(model.rowCount()):
        visit_uuid = model.visit_id(row)
        expected = conn.execute(
            "SELECT d.agency, d.inspector, v.origin_device FROM visits v"
            " JOIN sync_devices d ON d.device_id = v.origin_device WHERE v.uuid = ?",
            (visit_uuid,),
        ).fetchone()
        cells = [model.index(row, c).data() for c in (agency, inspector, device)]
        # The agency by its one name (fieldapp.agencies), whatever the device was enrolled as.
        assert cells == [agency_name(expected[0]), expected[1], labels[expected[2]]]
        assert expected[2][-8:] not in cells[2] and expected[1] in cells[2]


def test_the_merged_filters_narrow_the_list(qtbot, workspace: Workspace, main: FakeMain) -> None:
    dialog = open_dialog(qtbot, workspace, main)
    view = dialog.view(VISITS_TAB)
    assert isinstance(view, MergedVisitsView)
    store = Store(workspace.vault)
    total = view.model.rowCount()
    police_device = workspace.device_ids[1]
    view.device.setCurrentIndex(view.device.findData(police_device))
    assert view.model.filter == VisitFilter(device=police_device)
    assert view.model.rowCount() == len(store.visit_ids(VisitFilter(device=police_device)))
    assert tn("ui.visits.count_filtered", total, shown=view.model.rowCount()) == (view.count.text())
    view.set_filter(device=None, agency="NLA", form="labour", referral_status="open")
    expected = VisitFilter(agency="NLA", form="labour", referral_status="open")
    chosen = view.model.filter
    assert chosen.agency is not None and chosen.agency.casefold() == "nla"  # as first enrolled
    assert dataclasses.replace(chosen, agency="NLA") == expected
    assert [view.model.visit_id(r) for r in range(view.model.rowCount())] == store.visit_ids(
        expected
    )
    view.outcome.ensure_loaded()
    assert view.outcome.count() == 1 + 4  # "all", then from "signals present" upwards
    view.set_filter(outcome="trafficking_indicated")
    assert view.model.filter.outcome == "trafficking_indicated"
    view.reset_filters()
    assert view.model.filter == VisitFilter() and view.model.rowCount() == total


def test_qtmodeltester_on_the_merged_list(qtmodeltester, workspace: Workspace) -> None:
    from ui.coordinator.visits_view import load_merged
    from ui.models.visits import VisitsModel

    model = VisitsModel(page_size=5, columns=MERGED_COLUMNS, load_rows=load_merged)
    model.set_store(Store(workspace.vault))
    qtmodeltester.check(model, force_py=True)


def test_the_main_window_opens_the_workspace_and_the_visit(
    qtbot, tmp_path: Path, fake_editor, clock
) -> None:
    """End to end: a coordinator unlocks, opens the workspace (Ctrl+Shift+W), opens a visit
    from it, closes the visit and is back; locking closes the workspace."""
    built = build_workspace(tmp_path)
    folder = built.vault.folder
    built.vault.lock()
    window = MainWindow(
        VaultSession(folder, FAST_FOR_TESTS),
        runner=InlineRunner(),
        clock=clock,
        editor_class=fake_editor,
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    unlock(qtbot, window)
    assert window.current_screen() is Screen.OVERVIEW
    assert window.workspace_action.shortcut().toString() == "Ctrl+Shift+W"
    window.workspace_action.trigger()
    dialog = window.workspace_dialog
    assert isinstance(dialog, WorkspaceDialog) and dialog.isVisible()
    view = dialog.view(VISITS_TAB)
    assert isinstance(view, MergedVisitsView)
    view.focus_table()
    wanted = view.current_visit()
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert window.current_screen() is Screen.VISIT
    assert window.editor.visit_uuid == wanted
    window.editor.close_requested.emit()
    assert window.current_screen() is Screen.OVERVIEW
    assert dialog.isVisible() and not dialog.isMinimized()

    # Another language: the workspace is built again in it, on the same tab.
    dialog.tabs.setCurrentIndex(2)
    window.apply_language("en")
    again = window.workspace_dialog
    assert isinstance(again, WorkspaceDialog) and again is not dialog and again.isVisible()
    assert again.tabs.currentIndex() == 2
    assert again.tabs.tabText(0) == t("ui.workspace.tab.visits", "en")
    view = again.view(VISITS_TAB)
    assert isinstance(view, MergedVisitsView)
    window.lock()
    assert not again.isVisible() and view.model.rowCount() == 0
    window.close()


def test_the_exports_tab_writes_what_the_merged_filters_show(
    qtbot, workspace: Workspace, main: FakeMain
) -> None:
    dialog = open_dialog(qtbot, workspace, main)
    merged = dialog.view(VISITS_TAB)
    assert isinstance(merged, MergedVisitsView)
    police_device = workspace.device_ids[1]
    merged.device.setCurrentIndex(merged.device.findData(police_device))
    exports_tab = next(i for i, tab in enumerate(TABS) if tab.load() is ExportsView)
    dialog.tabs.setCurrentIndex(exports_tab)
    exports = dialog.view(exports_tab)
    assert exports is not None
    assert exports.current_filter() == VisitFilter(device=police_device)
    merged.reset_filters()
    assert exports.current_filter() == VisitFilter()


def test_opening_assesses_what_changed_so_the_outcome_filters_see_it(
    qtbot, workspace: Workspace, main: FakeMain
) -> None:
    from fieldapp.demo import demo_visits

    store = Store(workspace.vault)
    (new_visit,) = store.record_visits(demo_visits(1, seed=77))
    assert workspace.vault.conn.execute("SELECT count(*) FROM outcomes_stale").fetchone()[0]
    dialog = open_dialog(qtbot, workspace, main)  # an inline runner: assessed at once
    assert workspace.vault.conn.execute("SELECT count(*) FROM outcomes_stale").fetchone()[0] == 0
    forms = {
        form
        for (form,) in workspace.vault.conn.execute(
            "SELECT form FROM visit_outcomes WHERE visit_uuid = ? AND max_rank > 0", (new_visit,)
        )
    }
    assert forms, "the demo visit has signals"
    view = dialog.view(VISITS_TAB)
    assert isinstance(view, MergedVisitsView)
    view.set_filter(form=sorted(forms)[0])
    shown = [view.model.visit_id(row) for row in range(view.model.rowCount())]
    assert new_visit in shown
