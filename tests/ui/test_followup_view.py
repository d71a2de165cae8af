"""The follow-up tab: a lazy model that passes qtmodeltester, overdue referrals first, edits
committed before they are shown as saved, impossible dates refused with the core's message."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from fieldapp import followup
from fieldapp.i18n import t, tn
from fieldapp.vault import Vault
from tests.support import PASSPHRASE
from tests.support.sync import table_dump
from tests.support.workspace import Workspace, build_workspace
from ui.coordinator.followup_view import (
    COLUMNS,
    UUID_ROLE,
    VISIT_ROLE,
    FollowUpModel,
    FollowUpView,
    shown_date,
)
from ui.runner import InlineRunner


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    built = build_workspace(tmp_path)
    yield built
    if built.vault.is_open:
        built.vault.lock()


@pytest.fixture
def view(qtbot, workspace: Workspace) -> FollowUpView:
    shown = FollowUpView(workspace.vault, InlineRunner())
    qtbot.addWidget(shown)
    shown.resize(1200, 700)
    shown.show()
    qtbot.waitExposed(shown)
    return shown


def rows(model: FollowUpModel) -> list[followup.FollowUp]:
    return [model.followup(row) for row in range(model.rowCount())]


def test_the_model_passes_qtmodeltester(qtmodeltester, workspace: Workspace) -> None:
    model = FollowUpModel(page_size=4)
    model.set_vault(workspace.vault)
    assert model.rowCount() == len(followup.referral_ids(workspace.vault))
    qtmodeltester.check(model, force_py=True)
    # The tester stays connected: filtering, refreshing a row and clearing are checked too.
    model.set_status_filter("overdue")
    model.refresh_row(model.referral_id(0))
    model.set_status_filter(None)
    model.clear()
    assert model.rowCount() == 0


def test_the_model_is_lazy(workspace: Workspace) -> None:
    model = FollowUpModel(page_size=4)
    model.set_vault(workspace.vault)
    assert model.page_loads == 0
    last = model.rowCount() - 1
    assert model.index(last, 0).data(UUID_ROLE) == followup.referral_ids(workspace.vault)[last]
    assert model.page_loads == 0  # the id needs no page
    model.index(last, 2).data()
    assert model.page_loads == 1


def test_overdue_ones_come_first_and_stand_out(view: FollowUpView) -> None:
    model = view.model
    items = rows(model)
    today = model.today
    overdue = [item.days_overdue(today) for item in items]
    count = sum(1 for days in overdue if days)
    assert count > 0
    assert overdue[:count] == sorted(overdue[:count], reverse=True) and all(overdue[:count])
    assert not any(overdue[count:])
    first = model.index(0, 0)
    assert first.data() == t("ui.followup.days", days=overdue[0])
    assert isinstance(model.index(0, 3).data(Qt.ItemDataRole.FontRole), QFont)
    assert model.index(count, 3).data(Qt.ItemDataRole.FontRole) is None
    assert model.index(0, 1).data() == shown_date(items[0].due_date)
    assert model.index(0, 0).data(VISIT_ROLE) == items[0].visit_uuid
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(len(COLUMNS))]
    assert headers[0] == t("ui.followup.col.overdue")
    total, open_count, overdue_count = followup.counts(view.vault, today)
    assert view.count.text() == tn(
        "ui.followup.count", total, open=open_count, overdue=overdue_count
    )
    # The first row is chosen and shown in the panel.
    assert view.table.currentIndex().row() == 0
    assert t(f"recipient.{items[0].recipient}") in view.subject.text()


def test_a_status_change_is_committed_before_it_shows_as_saved(
    view: FollowUpView, workspace: Workspace
) -> None:
    item = view.model.followup(0)
    view.status.setCurrentIndex(view.status.findData("acknowledged"))
    stored = followup.followup(workspace.vault, item.referral_uuid)
    assert (stored.status, stored.recorded) == ("acknowledged", True)
    saved = re.escape(t("ui.followup.saved", time="TIME")).replace("TIME", r"\d\d:\d\d")
    assert view.message.isVisible() and re.fullmatch(saved, view.message.text())
    assert view.model.index(0, 2).data() == t("followup.status.acknowledged")  # in place
    # Committed: a new opening of the vault reads it.
    folder = workspace.vault.folder
    view.clear()
    workspace.vault.lock()
    with Vault.unlock(folder, PASSPHRASE) as again:
        assert followup.followup(again, item.referral_uuid).status == "acknowledged"


def test_closing_asks_for_an_outcome_first(view: FollowUpView, workspace: Workspace) -> None:
    item = view.model.followup(0)
    before = table_dump(workspace.vault)
    view.status.setCurrentIndex(view.status.findData("closed"))
    assert view.outcome.isEnabled()
    assert view.message.text() == t("ui.followup.choose_outcome")
    assert table_dump(workspace.vault) == before  # nothing saved yet
    view.outcome.setCurrentIndex(view.outcome.findData("action_taken"))
    stored = followup.followup(workspace.vault, item.referral_uuid)
    assert (stored.status, stored.outcome) == ("closed", "action_taken")
    assert view.model.index(0, 0).data() == ""  # closed: no longer overdue
    view.status.setCurrentIndex(view.status.findData("investigating"))
    assert not view.outcome.isEnabled() and view.outcome.currentData() is None
    assert followup.followup(workspace.vault, item.referral_uuid).outcome is None


def test_an_impossible_due_date_is_refused_with_a_clear_message(
    qtbot, view: FollowUpView, workspace: Workspace
) -> None:
    before = table_dump(workspace.vault)
    view.due.setFocus()
    view.due.selectAll()
    qtbot.keyClicks(view.due, "30-02-2026")
    qtbot.keyClick(view.due, Qt.Key.Key_Return)
    expected = followup.FollowUpError("followup.error.date_impossible", text="30-02-2026")
    assert view.message.isVisible() and view.message.text() == expected.message()
    assert view.message.objectName() == "error"
    assert table_dump(workspace.vault) == before


def test_a_new_due_date_and_note_are_saved(qtbot, view: FollowUpView, workspace: Workspace) -> None:
    view.table.selectRow(1)
    item = view.model.followup(1)
    made = item.created_at[:10]
    later = f"{made[8:10]}-{made[5:7]}-{int(made[:4]) + 1}"
    view.due.setText(later)
    view.due.editingFinished.emit()
    stored = followup.followup(workspace.vault, item.referral_uuid)
    assert stored.due_date == f"{int(made[:4]) + 1}-{made[5:7]}-{made[8:10]}"
    view.note.setPlainText("Teruggebeld door de recherche.")
    view.save_button.click()
    assert followup.followup(workspace.vault, item.referral_uuid).note == (
        "Teruggebeld door de recherche."
    )
    audit_count = workspace.vault.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    assert view.save()  # nothing changed: nothing written again
    assert workspace.vault.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == (
        audit_count
    )


def test_the_show_filter_narrows_the_list(view: FollowUpView, workspace: Workspace) -> None:
    view.show_filter.setCurrentIndex(view.show_filter.findData("overdue"))
    overdue = rows(view.model)
    assert overdue and all(item.days_overdue(view.model.today) > 0 for item in overdue)
    assert [item.referral_uuid for item in overdue] == followup.referral_ids(
        workspace.vault, "overdue", view.model.today
    )
    view.show_filter.setCurrentIndex(view.show_filter.findData("closed"))
    assert view.model.rowCount() == 0
    assert not view.status.isEnabled()  # nothing chosen, nothing to edit
    view.show_filter.setCurrentIndex(0)
    assert view.model.rowCount() == len(followup.referral_ids(workspace.vault))


def test_refresh_puts_a_closed_referral_last_and_keeps_it_chosen(view: FollowUpView) -> None:
    item = view.model.followup(0)
    view.status.setCurrentIndex(view.status.findData("closed"))
    view.outcome.setCurrentIndex(view.outcome.findData("no_response"))
    assert view.model.referral_id(0) == item.referral_uuid  # saved in place
    view.refresh()
    last = view.model.rowCount() - 1
    assert view.model.referral_id(last) == item.referral_uuid
    assert view.table.currentIndex().row() == last


def test_opening_a_row_asks_for_its_visit(qtbot, view: FollowUpView) -> None:
    item = view.model.followup(2)
    view.table.selectRow(2)
    view.table.setFocus()
    with qtbot.waitSignal(view.open_visit_requested) as opened:
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert opened.args == [item.visit_uuid]
    with qtbot.waitSignal(view.open_visit_requested) as opened:
        view.open_button.click()
    assert opened.args == [item.visit_uuid]


def test_large_touch_rows(view: FollowUpView) -> None:
    view.set_large_touch(True)
    assert view.table.verticalHeader().defaultSectionSize() >= 44
