"""The referral dialog on the tablets inspectors carry, and by keyboard (issue 14).

On 1280x800 at 150 % (853x533 logical pixels) in "Grote bediening", RIEC and the anonymous signal
were below the fold, and a finger user did not know they existed: every recipient must be in
view without scrolling, "Maken" too, nothing clipped, every target at least 44 px. By keyboard,
the next step is the default: after "Maken", Return exports; after the export, Return closes
the password's window and then the dialog. A draft never makes exporting the default.

Sizes are logical pixels: a dialog sized for 853x533 at scale 1 is laid out as on the tablet at
150 % (``QT_SCALE_FACTOR`` only multiplies the device pixels)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from fieldapp.catalogue import Catalogue
from fieldapp.domain import ReferralStatus, Sector
from fieldapp.i18n import t
from fieldapp.inputs import SiteInput
from fieldapp.referral.rules import RECIPIENTS
from fieldapp.store.store import Store
from fieldapp.visit_json import visit_from_dict
from tests.support.qt import answer_file_dialog
from tests.support.sample_visit import sample_visit
from ui.referral.dialog import ReferralDialog, fitted_size
from ui.widgets import style_sheet

TABLET = QSize(853, 533)  # 1280x800 at 150 %
SCREENS = {
    "1280x800 at 150 %": TABLET,
    "1920x1080 at 200 %": QSize(960, 540),
    "1366x768": QSize(1366, 768),
}
TOUCH_TARGET = 44


@pytest.fixture
def visit_id(store: Store) -> str:
    """Two possible victims with consent (every recipient may be chosen) and a possible
    exploiter (for whom fewer recipients are offered)."""
    data = sample_visit()
    data["site"]["name"] = "Kwekerij Qtabletq"
    data["persons"][0]["consent"] = "given"
    data["persons"] += [
        {"ref": "B", "label": "Werknemer B", "role": "possible_victim", "sex": "m", "age": 31,
         "nationality": "RO", "consent": "given"},
        {"ref": "X", "label": "Baas X", "role": "possible_exploiter", "sex": "m", "age": 50,
         "nationality": "NL"},
    ]  # fmt: skip
    data["observations"] += [
        {"person": "A", "indicator": "ILO-EX-01", "status": "observed", "evidence": "told"},
    ]
    visit_uuid = store.record_visit(visit_from_dict(data))
    store.set_setting(  # with the callback number a final referral to the police needs
        "profile",
        {
            "name": "Inspecteur Jansen",
            "agency": "gemeente",
            "region": "Westland",
            "contact": "06 12345678",
        },
    )
    return visit_uuid


@pytest.fixture
def open_dialog(
    qtbot, store: Store, catalogue: Catalogue, visit_id: str
) -> Iterator[Callable[..., ReferralDialog]]:
    """The dialog as a window with the app's style opens it, sized for ``screen`` (or the
    test screen's own size), shown and active."""
    dialogs: list[ReferralDialog] = []
    hosts: list[QWidget] = []  # the dialog's parent lives as long as the test

    def open_(*, large_touch: bool = False, screen: QSize | None = None) -> ReferralDialog:
        host = QWidget()
        host.setStyleSheet(style_sheet(large_touch))
        host.large_touch = large_touch  # as the main window and the editor keep it
        qtbot.addWidget(host)
        hosts.append(host)
        dialog = ReferralDialog(store, visit_id, catalogue=catalogue, parent=host)
        if screen is not None:
            dialog.resize(fitted_size(screen))
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow)
        QApplication.processEvents()  # the style sheet polishes, the page arranges itself
        dialogs.append(dialog)
        return dialog

    yield open_
    for dialog in dialogs:
        dialog.clear()


def _in_view(dialog: ReferralDialog, widget: QWidget) -> bool:
    """Whether all of ``widget`` shows in the page's visible part, with no scrolling."""
    viewport = dialog.body_scroll.viewport()
    rect = QRect(widget.mapTo(viewport, QPoint(0, 0)), widget.size())
    return viewport.rect().contains(rect)


def _inside_dialog(dialog: ReferralDialog, widget: QWidget) -> bool:
    rect = QRect(widget.mapTo(dialog, QPoint(0, 0)), widget.size())
    return dialog.rect().contains(rect)


# -- every recipient in view on a tablet ------------------------------------------------------


@pytest.mark.parametrize("screen", SCREENS.values(), ids=SCREENS.keys())
@pytest.mark.parametrize("large_touch", [True, False], ids=["large touch", "normal"])
def test_every_recipient_and_maken_are_in_view(
    open_dialog, screen: QSize, large_touch: bool
) -> None:
    dialog = open_dialog(large_touch=large_touch, screen=screen)
    assert dialog.body_scroll.verticalScrollBar().value() == 0
    shown = [b for b in dialog.recipient_buttons.values() if b.isVisible()]
    assert len(shown) == len(RECIPIENTS)  # possible victims with consent: all are offered
    for button in shown:
        assert _in_view(dialog, button), f"{button.accessibleName()} is below the fold"
        assert button.width() >= button.sizeHint().width(), f"{button.text()!r} is clipped"
        assert button.height() >= button.sizeHint().height(), f"{button.text()!r} is clipped"
    for button in (dialog.make_button, dialog.cancel_button):
        assert button.isVisible() and _inside_dialog(dialog, button), button.text()
    # What goes on below the choices is scrolled to, and the scroll bar says so.
    bar = dialog.body_scroll.verticalScrollBar()
    if bar.maximum() > 0:
        assert bar.isVisible()
    if large_touch:
        for button in (*shown, dialog.make_button, dialog.cancel_button):
            assert button.height() >= TOUCH_TARGET, button.text()
        for combo in (dialog.subject, dialog.language):
            assert combo.height() >= TOUCH_TARGET, combo.accessibleName()


def test_on_the_tablet_in_large_touch_the_recipients_take_columns(open_dialog) -> None:
    """One column of six 44 px choices under "about whom" does not fit 533 px with the
    buttons: the choices go above the explanation, the recipients side by side."""
    dialog = open_dialog(large_touch=True, screen=TABLET)
    assert dialog.compact and dialog.recipient_columns >= 2
    police = dialog.recipient_buttons["police"]
    nla = dialog.recipient_buttons["nla"]
    assert police.y() == nla.y() and police.x() < nla.x()  # one row, in the rules' order
    # The explanation starts below the choices, full width, instead of a narrow column.
    explanation = dialog.explanation
    assert explanation.y() > dialog.recipients_box.mapTo(explanation.parentWidget(), QPoint()).y()
    assert explanation.width() > dialog.width() // 2
    # A name with its recommendation too long for half the width goes on two lines; screen
    # readers still hear one.
    for key, button in dialog.recipient_buttons.items():
        name = t(f"recipient.{key}")
        assert button.text().splitlines()[0] == name.split("\n")[0]
        assert button.accessibleName() in (
            name,
            t("ui.referral.dialog.recommended", name=name),
        )
    # The dialog never asks for more room than the tablet has.
    assert dialog.minimumSizeHint().height() <= fitted_size(TABLET).height()
    assert dialog.minimumSizeHint().width() <= fitted_size(TABLET).width()


def test_a_roomy_screen_keeps_the_choices_beside_the_explanation(open_dialog) -> None:
    dialog = open_dialog(large_touch=True, screen=SCREENS["1366x768"])
    assert not dialog.compact and dialog.recipient_columns == 1
    assert dialog.explanation.x() > dialog.choices.x() + dialog.choices.width() - 1
    police = dialog.recipient_buttons["police"]
    assert police.text() == t("ui.referral.dialog.recommended", name=t("recipient.police"))


def test_fewer_recipients_for_a_suspect_still_all_in_view(
    open_dialog, store: Store, visit_id: str
) -> None:
    dialog = open_dialog(large_touch=True, screen=TABLET)
    suspect = next(p for p in store.visit_detail(visit_id).persons if p.label == "Baas X")
    dialog.set_subject(suspect.meta.uuid)
    QApplication.processEvents()
    shown = [key for key, b in dialog.recipient_buttons.items() if b.isVisible()]
    assert 0 < len(shown) < len(RECIPIENTS)
    for key in shown:
        assert _in_view(dialog, dialog.recipient_buttons[key]), key


def test_the_arrows_reach_every_recipient_in_columns(qtbot, open_dialog) -> None:
    """In columns, Qt's arrows go by position and Down never reaches the column beside;
    here they go through the recipients in order, as in a radio group, and choose each."""
    dialog = open_dialog(large_touch=True, screen=TABLET)
    assert dialog.recipient_columns >= 2
    dialog.set_recipient(RECIPIENTS[0])
    dialog.recipient_buttons[RECIPIENTS[0]].setFocus()
    chosen = [dialog.recipient()]
    for _ in RECIPIENTS:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
        chosen.append(dialog.recipient())
        assert QApplication.focusWidget() is dialog.recipient_buttons[dialog.recipient()]
    assert chosen == [*RECIPIENTS, RECIPIENTS[0]]  # each in turn, then round again
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Left)
    assert dialog.recipient() == RECIPIENTS[-1]


# -- by keyboard: the next step is the default ------------------------------------------------


def _key(qtbot, key: Qt.Key) -> None:
    """A key as the user presses it: to whatever has the keyboard."""
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard"
    qtbot.keyClick(widget, key)


def _default_buttons(dialog: QWidget) -> list[QPushButton]:
    return [
        b
        for b in dialog.findChildren(QPushButton)
        if b.isDefault() and b.isVisible() and b.window() is dialog
    ]


@pytest.mark.parametrize("large_touch", [False, True], ids=["normal", "large touch"])
def test_after_maken_return_exports_and_return_closes(
    qtbot, open_dialog, monkeypatch, tmp_path: Path, large_touch: bool
) -> None:
    target = tmp_path / "verwijzing.pdf"
    asked = answer_file_dialog(monkeypatch, "getSaveFileName", (str(target), ""))
    dialog = open_dialog(large_touch=large_touch, screen=TABLET)
    dialog.set_recipient("police")
    dialog.make_button.setFocus()
    _key(qtbot, Qt.Key.Key_Return)  # Maken
    made = dialog.made
    assert made is not None and made.referral.status is ReferralStatus.FINAL
    preview = dialog.preview
    assert preview is not None
    assert QApplication.focusWidget() is preview.export_button
    assert _default_buttons(dialog) == [preview.export_button]

    _key(qtbot, Qt.Key.Key_Return)  # Exporteren met wachtwoord
    assert len(asked) == 1 and target.exists()
    password = preview.exporter.password_dialog
    assert password is not None and password.isVisible()
    qtbot.waitUntil(password.isActiveWindow)
    assert QApplication.focusWidget() is password.done_button
    assert _default_buttons(password) == [password.done_button]
    # Alt+K still copies without leaving the default.
    qtbot.keyClick(password.done_button, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
    shown = password.password_label.text()
    qtbot.waitUntil(lambda: QApplication.clipboard().text() == shown)  # a mnemonic's click
    password.clear_clipboard()
    assert QApplication.focusWidget() is password.done_button

    _key(qtbot, Qt.Key.Key_Return)  # Ik heb het wachtwoord
    assert not password.isVisible() and preview.exporter.password_dialog is None
    qtbot.waitUntil(dialog.isActiveWindow)
    assert QApplication.focusWidget() is dialog.close_button
    assert _default_buttons(dialog) == [dialog.close_button]

    finished: list[int] = []
    dialog.finished.connect(finished.append)
    _key(qtbot, Qt.Key.Key_Return)  # Sluiten
    assert finished and not dialog.isVisible()


def test_after_maken_space_exports_too(qtbot, open_dialog, monkeypatch, tmp_path: Path) -> None:
    asked = answer_file_dialog(monkeypatch, "getSaveFileName", (str(tmp_path / "a.pdf"), ""))
    dialog = open_dialog()
    dialog.set_recipient("police")
    dialog.make()
    _key(qtbot, Qt.Key.Key_Space)
    assert len(asked) == 1
    assert dialog.preview is not None and dialog.preview.exporter.password_dialog is not None


def test_a_cancelled_export_leaves_export_the_next_step(qtbot, open_dialog, monkeypatch) -> None:
    asked = answer_file_dialog(monkeypatch, "getSaveFileName", ("", ""))
    dialog = open_dialog()
    dialog.set_recipient("police")
    dialog.make()
    preview = dialog.preview
    assert preview is not None
    _key(qtbot, Qt.Key.Key_Return)
    assert len(asked) == 1 and preview.exporter.password_dialog is None
    assert QApplication.focusWidget() is preview.export_button
    assert _default_buttons(dialog) == [preview.export_button]


def test_a_draft_does_not_make_export_the_default(
    qtbot, open_dialog, store: Store, visit_id: str, monkeypatch
) -> None:
    """Without the site's name and address only a draft (CONCEPT) can be made; it is read and
    completed, not sent: Return after "Concept maken" exports nothing."""
    site = store.visit_detail(visit_id).site
    store.update_site(site.meta.uuid, SiteInput(name="", sector=Sector.AGRICULTURE))
    asked = answer_file_dialog(monkeypatch, "getSaveFileName", ("", ""))
    dialog = open_dialog(large_touch=True, screen=TABLET)
    dialog.set_recipient("police")
    assert dialog.make_button.text() == t("ui.referral.dialog.make_draft")
    dialog.make_button.setFocus()
    _key(qtbot, Qt.Key.Key_Return)
    made = dialog.made
    assert made is not None and made.referral.status is ReferralStatus.DRAFT
    preview = dialog.preview
    assert preview is not None
    assert QApplication.focusWidget() is preview.pages_area
    assert _default_buttons(dialog) == []
    _key(qtbot, Qt.Key.Key_Return)
    assert asked == [] and dialog.isVisible()
    # Exporting it stays one deliberate step away.
    assert preview.export_button.isEnabled()


def test_the_password_window_fits_a_tablet_unclipped(qtbot) -> None:
    """Its wrapped texts (the advice, the warning) and "Ik heb het wachtwoord" fit in a
    tablet's height in touch mode; at 520 px wide they needed more and were clipped."""
    from ui.referral.export import PasswordDialog

    host = QWidget()
    host.setStyleSheet(style_sheet(True))
    qtbot.addWidget(host)
    dialog = PasswordDialog("WTVE-PQAM-9XHK-GD7Z-7BYY", "FA-8SPNDPPK58-v1.pdf", host)
    width = min(dialog.minimumWidth(), TABLET.width())
    dialog.resize(width, 300)  # what a window manager may give it from Qt's hints
    dialog.show()
    qtbot.waitExposed(dialog)
    needed = dialog.layout().totalHeightForWidth(dialog.width())
    assert width <= TABLET.width()
    assert dialog.height() >= needed  # grown to what its wrapped texts need
    assert needed <= TABLET.height() - 32, needed  # the title bar above it
    dialog.reject()


def test_on_a_tablet_the_reason_maken_is_off_comes_into_view(
    qtbot, store: Store, catalogue: Catalogue
) -> None:
    """CoMensha without the person's consent: "Maken" is off; the refusal (and the way out,
    an anonymous signal) scrolls into view instead of waiting below the fold."""
    data = sample_visit()
    data["persons"][0]["consent"] = "not_asked"
    visit = store.record_visit(visit_from_dict(data))
    store.set_setting("profile", {"name": "Handhaver De Vries", "agency": "gemeente"})
    host = QWidget()
    host.setStyleSheet(style_sheet(True))
    host.large_touch = True
    qtbot.addWidget(host)
    dialog = ReferralDialog(store, visit, catalogue=catalogue, parent=host)
    dialog.resize(fitted_size(TABLET))
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.recipient_buttons["comensha"].click()
    assert not dialog.make_button.isEnabled()
    qtbot.waitUntil(lambda: _in_view(dialog, dialog.refusal))
    assert not dialog.missing_hint.isVisibleTo(dialog)  # no "U kunt nu een concept maken"
    dialog.clear()
