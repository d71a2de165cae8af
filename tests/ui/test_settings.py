"""Settings: vault settings stay in the vault, window state in a small file; switching the
language rebuilds every text, Qt's own included; large-touch mode."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtWidgets import QApplication, QComboBox, QDialog, QDialogButtonBox, QWidget

from fieldapp import i18n
from tests.support.qt import unlock
from ui.session import Profile, Screen
from ui.settings import (
    AUTO_LOCK_DEFAULT_MINUTES,
    SettingsDialog,
    SettingsValues,
    VaultSettings,
    WindowSettings,
    window_settings_path,
)
from ui.widgets import LARGE_TOUCH_ROW_HEIGHT, ROW_HEIGHT, style_sheet


def test_vault_settings_live_in_the_vault(store) -> None:
    settings = VaultSettings(store)
    assert settings.auto_lock_minutes == AUTO_LOCK_DEFAULT_MINUTES
    settings.auto_lock_minutes = 12
    assert store.setting("auto_lock_minutes") == 12
    settings.auto_lock_minutes = 0  # never "never": clamped to the minimum
    assert settings.auto_lock_minutes == 1
    store.set_setting("auto_lock_minutes", "soon")
    assert settings.auto_lock_minutes == AUTO_LOCK_DEFAULT_MINUTES
    assert settings.default_agency == "nla"
    settings.default_agency = "gemeente"
    assert store.setting("default_agency") == "gemeente"  # the stored spelling, as before
    assert settings.default_agency == "municipality"  # read as the agency's code
    settings.default_agency = "municipality"
    assert store.setting("default_agency") == "gemeente"
    with pytest.raises(ValueError):
        settings.default_agency = "fbi"


def test_window_settings_are_a_small_file_in_the_test_folder(tmp_path) -> None:
    path = window_settings_path()
    assert str(path).startswith(str(tmp_path))  # the autouse fixture's XDG_CONFIG_HOME
    settings = WindowSettings()
    assert settings.language is None and not settings.large_touch
    settings.language = "en"
    settings.large_touch = True
    again = WindowSettings()
    assert again.language == "en" and again.large_touch
    text = path.read_text(encoding="utf-8")
    assert "language=en" in text and "large_touch=true" in text


def test_dialog_returns_what_was_chosen(qtbot) -> None:
    dialog = SettingsDialog(SettingsValues(5, "nl", False, "nla"))
    qtbot.addWidget(dialog)
    assert dialog.auto_lock.value() == 5
    dialog.auto_lock.setValue(15)
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    dialog.large_touch.setChecked(True)
    assert dialog.values() == SettingsValues(15, "en", True, "nla")
    assert dialog.auto_lock.accessibleName() == "Automatisch vergrendelen na"


def test_settings_dialog_saves_and_applies(qtbot, make_window, locked_vault: int) -> None:
    window = make_window()
    unlock(qtbot, window)

    def choose() -> None:
        dialog = next(d for d in window.findChildren(SettingsDialog) if d.isVisible())
        dialog.auto_lock.setValue(9)
        dialog.large_touch.setChecked(True)
        dialog.profile_form.name.setText("Sanne de Boer")
        dialog.profile_form.agency.setCurrentIndex(
            dialog.profile_form.agency.findData("municipality")
        )
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    QTimer.singleShot(0, choose)
    window.settings_action.trigger()

    store = window.session.store
    assert store.setting("auto_lock_minutes") == 9
    assert store.setting("default_agency") == "gemeente"
    assert window.autolock.timeout_seconds == 9 * 60
    assert window.large_touch and WindowSettings().large_touch
    assert "font-size: 13pt" in window.styleSheet()
    assert window.visits_view.table.verticalHeader().defaultSectionSize() == LARGE_TOUCH_ROW_HEIGHT
    # Nothing about the vault went to the window settings file.
    text = window_settings_path().read_text(encoding="utf-8")
    assert "gemeente" not in text and "auto_lock" not in text

    window.visits_view.focus_table()
    window.visits_view.open_current()
    assert window.editor.large_touch  # the editor follows
    window.back_to_list()
    window.set_large_touch(False)
    assert window.visits_view.table.verticalHeader().defaultSectionSize() == ROW_HEIGHT


def test_the_profile_is_edited_in_the_settings_with_its_checks(
    qtbot, make_window, locked_vault: int
) -> None:
    window = make_window()
    unlock(qtbot, window)
    window.session.store.set_setting(
        "profile", Profile("Jan Jansen", "nla", "NLA-1", "Westland").as_setting()
    )
    seen: dict[str, object] = {}

    def edit() -> None:
        dialog = next(d for d in window.findChildren(SettingsDialog) if d.isVisible())
        try:
            fill(dialog)
        finally:  # a failed check must not leave the modal dialog waiting for ever
            if dialog.isVisible():
                dialog.reject()

    def fill(dialog: SettingsDialog) -> None:
        form = dialog.profile_form
        assert form.name.text() == "Jan Jansen"  # what was set at first run
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        form.contact.setFocus()
        qtbot.keyClicks(form.contact, "nul-zes")
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        seen["message"] = dialog.profile_message.text()
        seen["open"] = dialog.isVisible()
        form.contact.clear()
        qtbot.keyClicks(form.contact, "+31 6 1234 5678")
        qtbot.keyClicks(form.team, "Team Arbeidsuitbuiting Zuid")
        form.name.clear()
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        seen["no_name"] = dialog.profile_message.text()
        qtbot.keyClicks(form.name, "Jan de Vries")
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, edit)
    window.settings_action.trigger()

    assert seen["open"] is True
    assert str(seen["message"]).startswith("Controleer ‘Terugbelnummer’: een telefoonnummer")
    assert seen["no_name"] == "Vul uw naam in."
    stored = window.session.store.setting("profile")
    assert stored["name"] == "Jan de Vries" and stored["contact"] == "+31 6 1234 5678"
    assert stored["region"] == "Westland"
    assert stored["team"] == "Team Arbeidsuitbuiting Zuid"
    assert window.status_label.text() == "veldwerk · Jan de Vries"


def test_cancel_changes_nothing(qtbot, make_window, locked_vault: int) -> None:
    window = make_window()
    unlock(qtbot, window)

    def cancel() -> None:
        dialog = next(d for d in window.findChildren(QDialog) if d.isVisible())
        dialog.auto_lock.setValue(30)
        dialog.reject()

    QTimer.singleShot(0, cancel)
    window.open_settings()
    assert window.session.store.setting("auto_lock_minutes") is None


def test_switching_to_english_changes_every_visible_text(
    qtbot, make_window, locked_vault: int
) -> None:
    window = make_window()
    unlock(qtbot, window)
    view = window.visits_view
    view.status.setCurrentIndex(view.status.findData("open"))
    view.municipality.ensure_loaded()
    view.municipality.setCurrentIndex(1)
    place = view.municipality.currentData()
    chosen_filter = window.visits_model.filter
    assert chosen_filter.municipality == place
    assert window.visits_model.headerData(0, Qt.Orientation.Horizontal) == "Datum"
    assert window.menuBar().actions()[0].text() == "&Kluis"

    window.apply_settings(SettingsValues(5, "en", False, "nla"))

    assert i18n.current_language() == "en"
    assert window.window_settings.language == "en"
    assert window.current_screen() is Screen.OVERVIEW
    view = window.visits_view
    assert view.count.text().endswith(f"of {locked_vault} visits")
    assert [a.text() for a in window.menuBar().actions()] == [
        "&Vault",
        "V&isits",
        "S&ynchronisation",
        "&Help",
    ]
    assert window.visits_model.headerData(0, Qt.Orientation.Horizontal) == "Date"
    assert view.status.currentText() == "open" and window.visits_model.filter == chosen_filter
    assert view.municipality.currentData() == place
    assert view.municipality.itemText(0) == "All municipalities"
    rows = range(window.visits_model.rowCount())
    statuses = {window.visits_model.data(window.visits_model.index(r, 6)) for r in rows}
    assert statuses == {"open"}
    assert window.status_label.text() == "field work"
    assert view.search.placeholderText().startswith("Search by site")
    # Qt's own texts (standard buttons) follow through the Qt translator.
    assert QApplication.translate("QPlatformTheme", "Cancel") == "Cancel"

    window.apply_language("nl")
    assert window.visits_view.count.text().endswith(f"van {locked_vault} bezoeken")
    assert QApplication.translate("QPlatformTheme", "Cancel") == "Annuleren"


def test_language_switch_keeps_the_open_visit(qtbot, make_window, locked_vault: int) -> None:
    window = make_window()
    unlock(qtbot, window)
    window.visits_view.focus_table()
    window.visits_view.open_current()
    visit_uuid = window.editor.visit_uuid
    old_editor = window.editor
    window.apply_language("en")
    assert window.current_screen() is Screen.VISIT
    assert window.editor is not old_editor and window.editor.visit_uuid == visit_uuid
    assert old_editor.cleared
    assert window.windowTitle() == "Visit"


def test_the_unlock_screen_switches_language(qtbot, make_window, locked_vault: int) -> None:
    window = make_window()
    window.unlock_view.language.setCurrentIndex(window.unlock_view.language.findData("en"))
    assert window.unlock_view.submit.text() == "Unlock"
    assert window.current_screen() is Screen.UNLOCK
    assert WindowSettings().language == "en"


FINGER = 44  # px: what touch guidelines ask of a target


def test_the_way_into_large_touch_is_finger_sized_before_it_is_on(
    qtbot, make_window, locked_vault: int
) -> None:
    """A tablet user without large touch yet must be able to hit the menu, "new visit" and
    the large-touch check box itself."""
    window = make_window()
    unlock(qtbot, window)
    assert not window.large_touch
    menubar = window.menuBar()
    for action in menubar.actions():
        assert menubar.actionGeometry(action).height() >= FINGER, action.text()
    new_button = window.visits_view.new_button
    assert new_button is not None and new_button.height() >= FINGER

    dialog = SettingsDialog(window.settings_values(), window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    check = dialog.large_touch
    assert check.height() >= FINGER
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=check.rect().center())
    assert check.isChecked() and dialog.values().large_touch


def test_one_organisation_field_and_the_default_follows_it(
    qtbot, make_window, locked_vault: int
) -> None:
    """ "Standaardorganisatie" beside the profile's "Organisatie" was read by nothing: the
    dialog shows one, and what is chosen there is stored as the default too."""
    window = make_window()
    unlock(qtbot, window)

    dialog = SettingsDialog(window.settings_values(), window)
    qtbot.addWidget(dialog)
    dialog.show()
    names = [w.accessibleName() for w in dialog.findChildren(QComboBox)]
    assert names.count(i18n.t("ui.profile.agency")) == 1
    assert sum("organisatie" in name.lower() for name in names) == 1  # no second one
    form = dialog.profile_form
    qtbot.keyClicks(form.name, "Sanne de Boer")
    form.agency.setFocus()
    target = form.agency.findData("kmar")
    while form.agency.currentIndex() != target:
        key = Qt.Key.Key_Down if form.agency.currentIndex() < target else Qt.Key.Key_Up
        qtbot.keyClick(form.agency, key)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    window.apply_settings(dialog.values())
    settings = VaultSettings(window.session.store)
    assert settings.profile.agency == "kmar"
    assert settings.default_agency == "kmar"


def test_return_in_a_profile_field_moves_on_and_only_the_last_accepts(qtbot) -> None:
    """Return in the profile moves to the next field, as in the first-run wizard: Qt's
    dialog took it as "OK" and closed the settings with half a profile typed."""
    dialog = SettingsDialog(SettingsValues(5, "nl", False, "nla", Profile(name="J. de Vries")))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    finished: list[int] = []
    dialog.finished.connect(finished.append)
    form = dialog.profile_form
    form.team.setFocus()
    qtbot.keyClicks(form.team, "Team Zuid")
    qtbot.keyClick(form.team, Qt.Key.Key_Return)
    assert dialog.isVisible() and finished == []
    assert QApplication.focusWidget() is form.employee_number
    qtbot.keyClick(form.employee_number, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert QApplication.focusWidget() is form.region
    form.agency.setFocus()  # Return on the organisation's list moves on too
    qtbot.keyClick(form.agency, Qt.Key.Key_Return)
    assert dialog.isVisible() and QApplication.focusWidget() is form.employee_number
    form.region.setFocus()
    qtbot.keyClick(form.region, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is form.contact and finished == []
    qtbot.keyClicks(form.contact, "070 1234567")
    qtbot.keyClick(form.contact, Qt.Key.Key_Return)  # the last field: OK
    assert finished == [QDialog.DialogCode.Accepted]
    assert dialog.values().profile.team == "Team Zuid"
    assert dialog.values().profile.contact == "070 1234567"


def test_the_team_example_fits_its_field_on_a_tablet(qtbot) -> None:
    """In large-touch mode on 853x533 the example read "bijvoorbeeld Team Arbeidsuitbu…"."""
    host = QWidget()
    host.setStyleSheet(style_sheet(True))
    qtbot.addWidget(host)
    dialog = SettingsDialog(SettingsValues(5, "nl", True, "nla"), host)
    dialog.resize(QSize(543, 533))  # as the settings open there (fit_dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    team = dialog.profile_form.team
    margins = team.textMargins()
    room = team.width() - margins.left() - margins.right() - 16  # the frame and its padding
    assert team.fontMetrics().horizontalAdvance(team.placeholderText()) < room
    dialog.reject()


def test_a_field_device_shows_the_coordinators_field_retention(
    qtbot, make_window, locked_vault: int
) -> None:
    """Set by the coordinator and carried by its replies (issue 16): shown, not edited."""
    dialog = SettingsDialog(SettingsValues(5, "nl", False, "nla", field_retention_days=7))
    qtbot.addWidget(dialog)
    assert "na 7 dagen van dit apparaat gewist" in dialog.field_retention.text()
    coordinator_dialog = SettingsDialog(SettingsValues(5, "nl", False, "nla"))
    qtbot.addWidget(coordinator_dialog)
    assert not hasattr(coordinator_dialog, "field_retention")
    window = make_window()
    unlock(qtbot, window)
    assert window.settings_values().field_retention_days == 30  # a field vault: the default
