"""The exports tab: the CTDC export in its two modes (the public file with k, its counts and the
detail kept per column group; the full file only encrypted for the partner's age key), and the
table of visits, encrypted by default, plain only after the warning is confirmed, for the
visits the filters show."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyrage
import pytest
from pyrage import passphrase as age_passphrase
from pyrage import x25519
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from fieldapp.demo import demo_visits
from fieldapp.domain import Role, Sector
from fieldapp.exports import ctdc
from fieldapp.exports.ctdc import COLUMNS
from fieldapp.i18n import t, tn
from fieldapp.store.filters import VisitFilter
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from tests.support import PASSPHRASE
from tests.support.qt import unnamed_controls
from ui.coordinator.exports_view import ExportsView
from ui.runner import InlineRunner

SECRET = "een lange wachtwoordzin"


@pytest.fixture
def coordinator(vault_dir: Path) -> Iterator[Vault]:
    vault = Vault.create(vault_dir, PASSPHRASE, Role.COORDINATOR, FAST_FOR_TESTS)
    Store(vault).record_visits(demo_visits(40, seed=5))
    yield vault
    vault.lock()


@pytest.fixture
def view(qtbot, coordinator: Vault) -> ExportsView:
    widget = ExportsView(coordinator, InlineRunner())
    qtbot.addWidget(widget)
    widget.show()
    return widget


def save_as(monkeypatch: pytest.MonkeyPatch, path: Path | str) -> list[tuple]:
    calls: list[tuple] = []

    def fake(*args: Any, **kwargs: Any) -> tuple[str, str]:
        calls.append(args)
        return str(path), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake))
    return calls


def audit_kinds(vault: Vault) -> list[str]:
    return [kind for (kind,) in vault.conn.execute("SELECT record_kind FROM audit_log")]


def test_every_control_is_named_and_encryption_is_the_default(view: ExportsView) -> None:
    assert unnamed_controls(view) == []
    assert view.encrypt.isChecked()
    assert view.passphrase.isVisible() and not view.warning.isVisible()
    assert view.k.value() == 11 and view.k.minimum() == 2
    assert view.ctdc_mode_value() == "public"
    assert view.k.isVisible() and not view.recipient.isVisible()
    assert "40" in view.scope.text()


def test_ctdc_export_with_the_chosen_k_reports_its_counts(
    qtbot, view: ExportsView, coordinator: Vault, tmp_path: Path, monkeypatch
) -> None:
    target = tmp_path / "ctdc.csv"
    save_as(monkeypatch, target)
    view.k.setValue(1)
    assert view.k.value() == 2  # a k below 2 cannot be chosen
    with qtbot.waitSignal(view.finished):
        qtbot.mouseClick(view.ctdc_button, Qt.MouseButton.LeftButton)
    result = view.last_ctdc
    assert result is not None and result.k == 2 and result.mode == "public"
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert tuple(rows[0]) == COLUMNS
    body = [tuple(row) for row in rows[1:]]
    assert len(body) == result.exported
    assert all(count >= 2 for count in Counter(body).values())
    text = view.ctdc_result.text()
    assert f"{result.exported} van de {result.total} rijen bewaard" in text
    assert "(k = 2)" in text
    assert result.exported + result.suppressed == result.total > 0
    assert "ctdc" in audit_kinds(coordinator)


def test_the_detail_kept_per_column_group_is_said(
    qtbot, view: ExportsView, tmp_path: Path, monkeypatch
) -> None:
    save_as(monkeypatch, tmp_path / "ctdc.csv")
    view.k.setValue(5)
    with qtbot.waitSignal(view.finished):
        view.export_ctdc()
    result = view.last_ctdc
    assert result is not None and result.exported > 0 and result.generalised
    text = view.ctdc_result.text()
    for name, level in result.levels:
        assert t(f"exports.ctdc.level.{name}.{level}") in text
    assert f"{round(result.information * 100)} %" in text


def test_the_full_file_needs_the_partners_key_and_is_encrypted_for_it(
    qtbot, view: ExportsView, coordinator: Vault, tmp_path: Path, monkeypatch
) -> None:
    calls = save_as(monkeypatch, tmp_path / "ctdc-volledig.csv")
    view.ctdc_mode.setCurrentIndex(view.ctdc_mode.findData("full"))
    assert view.recipient.isVisible() and not view.k.isVisible()
    view.export_ctdc()
    assert view.ctdc_result.text() == t("ui.exports.ctdc_recipient_missing") and not calls
    view.recipient.setText("age1geenechtesleutel")
    view.export_ctdc()
    assert view.ctdc_result.text() == t("exports.ctdc.bad_recipient") and not calls
    identity = x25519.Identity.generate()
    view.recipient.setText(str(identity.to_public()))
    with qtbot.waitSignal(view.finished):
        view.export_ctdc()
    written = tmp_path / "ctdc-volledig.csv.age"
    assert written.exists() and not (tmp_path / "ctdc-volledig.csv").exists()
    plain = pyrage.decrypt(written.read_bytes(), [identity]).decode("utf-8")
    rows = list(csv.reader(io.StringIO(plain)))
    assert tuple(rows[0]) == COLUMNS
    assert sorted(tuple(row) for row in rows[1:]) == sorted(ctdc.collect_rows(coordinator))
    result = view.last_ctdc
    assert result is not None and result.mode == "full" and result.suppressed == 0
    assert "ctdc-volledig.csv.age" in view.ctdc_result.text()
    assert t("exports.ctdc.encrypted") in view.ctdc_result.text()
    assert "ctdc_full" in audit_kinds(coordinator)
    view.clear()
    assert view.recipient.text() == ""


def test_an_encrypted_table_needs_a_matching_good_passphrase(
    qtbot, view: ExportsView, coordinator: Vault, tmp_path: Path, monkeypatch
) -> None:
    calls = save_as(monkeypatch, tmp_path / "bezoeken.xlsx")
    qtbot.keyClicks(view.passphrase, SECRET)
    qtbot.keyClicks(view.repeat, SECRET + "x")
    view.export_table()
    assert view.table_result.text() == t("passphrase.mismatch") and not calls
    view.passphrase.setText("kort")
    view.repeat.setText("kort")
    view.export_table()
    assert "10" in view.table_result.text() and not calls
    view.passphrase.setText(SECRET)
    view.repeat.setText(SECRET)
    with qtbot.waitSignal(view.finished):
        qtbot.mouseClick(view.table_button, Qt.MouseButton.LeftButton)
    written = tmp_path / "bezoeken.xlsx.age"
    assert written.exists() and not (tmp_path / "bezoeken.xlsx").exists()
    plain = age_passphrase.decrypt(written.read_bytes(), SECRET)
    assert plain.startswith(b"PK")  # a zip: the XLSX
    assert view.last_table is not None and view.last_table.rows == 40
    assert view.passphrase.text() == "" and view.repeat.text() == ""
    assert "bezoeken.xlsx.age" in view.table_result.text()
    assert "visit_table" in audit_kinds(coordinator)


def test_a_plain_table_only_after_the_warning_is_confirmed(
    qtbot, view: ExportsView, coordinator: Vault, tmp_path: Path, monkeypatch
) -> None:
    save_as(monkeypatch, tmp_path / "bezoeken.csv")
    view.format.setCurrentIndex(view.format.findData("csv"))
    view.encrypt.setChecked(False)
    assert view.warning.isVisible() and view.confirm_plain.isVisible()
    assert not view.passphrase.isVisible()
    assert not view.table_button.isEnabled()
    view.confirm_plain.setChecked(True)
    assert view.table_button.isEnabled()
    where = VisitFilter(sector=Sector.AGRICULTURE)
    view.set_filter_source(lambda: where)
    expected = Store(coordinator).visit_ids(where)
    assert str(len(expected)) in view.scope.text()
    with qtbot.waitSignal(view.finished):
        qtbot.mouseClick(view.table_button, Qt.MouseButton.LeftButton)
    rows = list(csv.reader(io.StringIO((tmp_path / "bezoeken.csv").read_text("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == expected
    assert tn("ui.exports.table_done", len(expected), name="bezoeken.csv") == (
        view.table_result.text()
    )
    assert "visit_table_unencrypted" in audit_kinds(coordinator)
    view.encrypt.setChecked(True)
    assert not view.confirm_plain.isChecked()  # asked again next time


def test_clear_leaves_nothing_behind(view: ExportsView) -> None:
    view.passphrase.setText(SECRET)
    view.repeat.setText(SECRET)
    view.encrypt.setChecked(False)
    view.confirm_plain.setChecked(True)
    view.clear()
    assert view.passphrase.text() == "" and view.repeat.text() == ""
    assert view.encrypt.isChecked() and not view.confirm_plain.isChecked()
    assert view.scope.text() == ""
