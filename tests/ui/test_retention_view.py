"""The retention tab: the policy per rule, edited and saved; a preview that writes nothing;
erasing after a confirmation that states the counts (and nothing on cancel); the deletion
log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from fieldapp.demo import demo_visits
from fieldapp.domain import Role
from fieldapp.i18n import t, tn
from fieldapp.retention.policy import DEFAULT_DAYS, RULES, load_policy
from fieldapp.retention.purge import plan_purge, today_utc
from fieldapp.store.retention_store import RetentionStore
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from tests.support import PASSPHRASE
from tests.support.qt import unnamed_controls
from tests.support.sync import table_dump
from ui.coordinator.retention_view import RetentionView
from ui.runner import InlineRunner


@pytest.fixture
def coordinator(vault_dir: Path) -> Iterator[Vault]:
    vault = Vault.create(vault_dir, PASSPHRASE, Role.COORDINATOR, FAST_FOR_TESTS)
    Store(vault).record_visits(demo_visits(30, seed=9))  # visits in 2024-2026
    yield vault
    vault.lock()


@pytest.fixture
def view(qtbot, coordinator: Vault) -> RetentionView:
    widget = RetentionView(coordinator, InlineRunner())
    qtbot.addWidget(widget)
    widget.show()
    return widget


def answer(monkeypatch: pytest.MonkeyPatch, button: QMessageBox.StandardButton) -> list[str]:
    """Patch the confirmation; returns the texts it was shown."""
    texts: list[str] = []

    def fake(parent: Any, title: str, text: str, *args: Any) -> QMessageBox.StandardButton:
        texts.append(text)
        return button

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(fake))
    return texts


def table_texts(table) -> list[list[str]]:
    return [
        [table.item(row, column).text() for column in range(table.columnCount())]
        for row in range(table.rowCount())
    ]


def test_the_policy_is_shown_edited_and_saved(qtbot, view: RetentionView, coordinator) -> None:
    assert unnamed_controls(view) == []
    assert view.policy_values() == dict(DEFAULT_DAYS)
    assert not view.save_button.isEnabled()
    spin = view.days["signals_without_referral"]
    assert spin.minimum() == 30
    spin.setValue(1000)
    assert view.save_button.isEnabled()
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    assert load_policy(coordinator).days["signals_without_referral"] == 1000
    assert view.policy_message.text() == t("ui.retention.saved")
    view.defaults()
    assert view.policy_values() == dict(DEFAULT_DAYS)
    view.save_policy()
    assert dict(load_policy(coordinator).days) == dict(DEFAULT_DAYS)


def test_preview_writes_nothing_and_shows_what_is_due(
    qtmodeltester, view: RetentionView, coordinator: Vault
) -> None:
    before = table_dump(coordinator)
    view.preview()
    assert table_dump(coordinator) == before
    plan = plan_purge(coordinator, today_utc())
    assert view.plan is not None and view.plan.rows() == plan.rows() and not plan.empty
    expected = [
        [t(f"retention.rule.{rule}"), t(f"retention.kind.{kind}"), str(count)]
        for rule, kind, count in plan.rows()
    ]
    assert table_texts(view.plan_table) == expected
    assert str(plan.total("visit")) in view.plan_summary.text()
    assert view.erase_button.isEnabled()
    qtmodeltester.check(view.plan_table.model())
    view.days["visits_without_signals"].setValue(400)  # a change forgets the preview
    assert view.plan is None and not view.erase_button.isEnabled()


def test_erasing_states_the_counts_and_logs_them(
    qtmodeltester, view: RetentionView, coordinator: Vault, monkeypatch
) -> None:
    view.preview()
    plan = view.plan
    assert plan is not None
    texts = answer(monkeypatch, QMessageBox.StandardButton.Yes)
    visits_before = coordinator.conn.execute("SELECT count(*) FROM visits").fetchone()[0]
    view.erase()
    assert len(texts) == 1
    for kind in ("visit", "person", "site"):
        assert f"{plan.total(kind)} {t(f'retention.kind.{kind}')}" in texts[0]
    visits_after = coordinator.conn.execute("SELECT count(*) FROM visits").fetchone()[0]
    assert visits_after == visits_before - plan.total("visit")
    entries = RetentionStore(coordinator).deletion_log()
    assert [(e.rule, e.record_kind, e.erased) for e in entries] == plan.rows()
    assert view.log_table.rowCount() == len(entries)
    assert table_texts(view.log_table)[0][2:] == [
        t(f"retention.rule.{entries[0].rule}"),
        t(f"retention.kind.{entries[0].record_kind}"),
        str(entries[0].erased),
    ]
    qtmodeltester.check(view.log_table.model())
    assert view.plan is None and not view.erase_button.isEnabled()
    assert str(plan.total("visit")) in view.purge_message.text()
    assert plan_purge(coordinator, today_utc()).empty


def test_cancel_erases_nothing(view: RetentionView, coordinator: Vault, monkeypatch) -> None:
    view.preview()
    before = table_dump(coordinator)
    answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    view.erase()
    assert table_dump(coordinator) == before
    assert view.plan is not None  # still there to erase later
    assert view.log_empty.isVisible() and not view.log_table.isVisible()


def test_preview_saves_a_changed_policy_first(view: RetentionView, coordinator: Vault) -> None:
    for rule in RULES:
        view.days[rule].setValue(36500)
    view.preview()
    assert load_policy(coordinator).days["referrals"] == 36500
    assert view.plan is not None and view.plan.empty
    assert view.plan_summary.text() == t("ui.retention.plan_none")
    assert not view.erase_button.isEnabled()


def test_on_a_field_vault_unexported_work_is_held(qtbot, tmp_path: Path) -> None:
    field = Vault.create(tmp_path / "field", PASSPHRASE, Role.FIELD, FAST_FOR_TESTS)
    try:
        Store(field).record_visits(demo_visits(10, seed=9))  # never exported
        widget = RetentionView(field, InlineRunner())
        qtbot.addWidget(widget)
        widget.preview()
        assert widget.plan is not None and widget.plan.field_device and widget.plan.empty
        held = widget.plan.held_unexported
        assert held > 0
        assert tn("ui.retention.held_unexported", held) in widget.plan_summary.text()
        assert not widget.erase_button.isEnabled()
    finally:
        field.lock()


def test_clear_empties_the_tables(view: RetentionView) -> None:
    view.preview()
    view.clear()
    assert view.plan is None and view.plan_table.rowCount() == 0
    assert view.log_table.rowCount() == 0
