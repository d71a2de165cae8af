"""What a fresh-eyes walk through the referral dialog found (issue 15), on a tablet and by
keyboard: a refusal undone with one tap, Tab going round "Maken", "Annuleren" and the consent
buttons only, the vital interest's missing reason out of view while "Maken" said "Concept
maken", the dialog opening scrolled away from the chosen recipient, and "Komt in het document"
silent about the inspector's own words and the vital-interest ground."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QApplication, QWidget

from fieldapp.catalogue import Catalogue
from fieldapp.domain import Consent
from fieldapp.i18n import t
from fieldapp.store.store import Store
from fieldapp.visit_json import visit_from_dict
from tests.support.sample_visit import sample_visit
from ui.referral.dialog import ReferralDialog, fitted_size

TABLET = QSize(853, 533)  # 1280x800 at 150 %
VITAL_REASON = "Geen veilige slaapplaats vannacht."


@pytest.fixture
def visit_id(store: Store) -> str:
    """A (consent not asked; where she stays and her care needs known) and C (consent
    refused): possible victims with signals; an inspector with a callback number."""
    data = sample_visit()
    data["persons"][0].update({"whereabouts": "Bij haar zus", "care_needs": "Opvang vannacht"})
    data["persons"].append(
        {"ref": "C", "label": "Werknemer C", "role": "possible_victim", "sex": "m", "age": 40,
         "nationality": "RO", "consent": "refused"}
    )  # fmt: skip
    visit_uuid = store.record_visit(visit_from_dict(data))
    store.set_setting("profile", {"name": "J. de Vries", "agency": "nla", "contact": "0701234567"})
    return visit_uuid


def uuid_of(store: Store, visit_id: str, label: str) -> str:
    return next(p.meta.uuid for p in store.visit_detail(visit_id).persons if p.label == label)


@pytest.fixture
def open_dialog(make_editor, store: Store, visit_id: str, qtbot) -> Callable[..., ReferralDialog]:
    """From the visit editor (so a consent chosen in the dialog is recorded as the editor
    records it), about one person; optionally sized for a tablet in large-touch mode."""

    def open_(label: str, *, tablet: bool = False) -> ReferralDialog:
        editor = make_editor(visit_id)
        editor.set_large_touch(tablet)  # its style, with the larger text, reaches the dialog
        dialog = editor.open_referral_about(uuid_of(store, visit_id, label))
        assert isinstance(dialog, ReferralDialog)
        if tablet:
            dialog.resize(fitted_size(TABLET))
        qtbot.waitExposed(dialog)
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow)
        QApplication.processEvents()  # the style polishes, the page arranges and scrolls
        QApplication.processEvents()
        return dialog

    return open_


def _in_view(dialog: ReferralDialog, widget: QWidget) -> bool:
    viewport = dialog.body_scroll.viewport()
    rect = QRect(widget.mapTo(viewport, QPoint(0, 0)), widget.size())
    return viewport.rect().contains(rect)


def _tabs(qtbot, dialog: ReferralDialog, count: int, key: Qt.Key = Qt.Key.Key_Tab) -> list:
    seen = []
    for _ in range(count):
        focus = QApplication.focusWidget()
        assert focus is not None, "nothing has the keyboard"
        qtbot.keyClick(focus, key)
        seen.append(QApplication.focusWidget())
    return seen


# -- a refusal is changed in the person's details only ------------------------------------------


def test_after_geweigerd_the_dialog_offers_no_consent_buttons(
    qtbot, open_dialog, store: Store, visit_id: str
) -> None:
    dialog = open_dialog("Werknemer A")
    dialog.set_recipient("police")
    a = uuid_of(store, visit_id, "Werknemer A")
    refused = dialog.consent_buttons[(a, "refused")]
    qtbot.mouseClick(refused, Qt.MouseButton.LeftButton)
    assert Store(store.vault).visit_detail(visit_id).persons[0].consent is Consent.REFUSED
    assert dialog.consent_buttons == {}
    # The care coordinator still lacks consent, and says so, but offers no "Gegeven".
    dialog.set_recipient("zorgcoordinator")
    assert dialog.missing_lines()  # the refusal is listed
    assert dialog.consent_buttons == {} and not dialog.consent_rows.isVisibleTo(dialog)
    assert not dialog.vital_box.isVisibleTo(dialog)  # never a way round a refusal


def test_a_refused_consent_is_never_offered_as_a_question(open_dialog) -> None:
    dialog = open_dialog("Werknemer C")
    for recipient in ("zorgcoordinator", "comensha", "police"):
        dialog.set_recipient(recipient)
        assert dialog.consent_buttons == {}, recipient
        assert dialog.outlook is not None and dialog.outlook.consent_needed == ()


# -- Tab follows the page and goes round all of it ----------------------------------------------


def test_tab_goes_through_the_page_top_to_bottom_and_round(qtbot, open_dialog) -> None:
    dialog = open_dialog("Werknemer A")
    dialog.set_recipient("police")
    given, refused = dialog.consent_buttons.values()
    dialog.subject.setFocus()
    expected = [
        dialog.recipient_buttons["police"],  # the chosen recipient: one stop, arrows inside
        dialog.language,
        dialog.reason,
        given,
        refused,
        dialog.make_button,
        dialog.cancel_button,
        dialog.subject,  # round again, not stuck among the buttons
        dialog.recipient_buttons["police"],
    ]
    assert _tabs(qtbot, dialog, len(expected)) == expected
    back = _tabs(qtbot, dialog, len(expected) - 1, Qt.Key.Key_Backtab)
    assert back == [dialog.subject, *reversed(expected[:-2])]


def test_tab_reaches_the_vital_interest_and_skips_what_is_off(qtbot, open_dialog) -> None:
    dialog = open_dialog("Werknemer A")
    dialog.set_recipient("zorgcoordinator")
    assert not dialog.make_button.isEnabled()
    dialog.subject.setFocus()
    seen = _tabs(qtbot, dialog, 10)
    given, refused = dialog.consent_buttons.values()
    assert seen == [
        dialog.recipient_buttons["zorgcoordinator"],
        dialog.language,
        dialog.reason,
        given,
        refused,
        dialog.anonymous_button,  # the refusal's way out
        dialog.vital_check,  # the reason's box is off until the ground is chosen
        dialog.cancel_button,  # "Maken" is off
        dialog.subject,
        dialog.recipient_buttons["zorgcoordinator"],
    ]
    dialog.vital_check.setFocus()
    qtbot.keyClick(dialog.vital_check, Qt.Key.Key_Space)
    assert QApplication.focusWidget() is dialog.vital_reason
    assert _tabs(qtbot, dialog, 1) == [dialog.cancel_button]


# -- on a tablet --------------------------------------------------------------------------------


def test_on_a_tablet_the_dialog_opens_at_the_top(open_dialog) -> None:
    """Consent is missing, but the page opens at the chosen recipient, not at the list."""
    dialog = open_dialog("Werknemer A", tablet=True)
    assert dialog.missing_box.isVisibleTo(dialog)
    assert dialog.body_scroll.verticalScrollBar().maximum() > 0  # there is somewhere to go
    assert dialog.body_scroll.verticalScrollBar().value() == 0
    chosen = dialog.recipient_buttons[dialog.recipient()]
    assert _in_view(dialog, chosen) and _in_view(dialog, dialog.subject)


def test_on_a_tablet_the_missing_vital_reason_is_said_under_its_field(qtbot, open_dialog) -> None:
    dialog = open_dialog("Werknemer A", tablet=True)
    dialog.recipient_buttons["zorgcoordinator"].click()
    QApplication.processEvents()
    dialog.body_scroll.ensureWidgetVisible(dialog.vital_check)
    qtbot.mouseClick(
        dialog.vital_check,
        Qt.MouseButton.LeftButton,
        pos=QPoint(12, dialog.vital_check.height() // 2),
    )
    assert dialog.vital_check.isChecked() and dialog.vital_reason.hasFocus()
    needed = t("ui.referral.dialog.vital_reason_needed")
    qtbot.waitUntil(lambda: _in_view(dialog, dialog.vital_needed))
    assert dialog.vital_needed.text() == needed
    assert _in_view(dialog, dialog.vital_reason)  # right above it
    assert not dialog.refusal_box.isVisibleTo(dialog)  # said once, where it is answered
    assert not dialog.make_button.isEnabled()
    assert dialog.make_button.text() == t("ui.referral.dialog.make_vital_first")
    make = dialog.make_button
    qtbot.waitUntil(lambda: make.width() >= make.sizeHint().width())  # its words, uncut
    assert _in_view(dialog, dialog.vital_needed)

    qtbot.keyClicks(dialog.vital_reason, VITAL_REASON)
    assert dialog.make_button.isEnabled()
    assert dialog.make_button.text() == t("ui.referral.dialog.make")
    assert not dialog.vital_needed.isVisibleTo(dialog)
    dialog.vital_reason.clear()  # taken away again: said again
    assert not dialog.make_button.isEnabled()
    assert dialog.vital_needed.isVisibleTo(dialog)


# -- what goes in -------------------------------------------------------------------------------


def test_komt_in_het_document_lists_the_own_words_and_the_ground(qtbot, open_dialog) -> None:
    dialog = open_dialog("Werknemer A")
    dialog.set_recipient("zorgcoordinator")
    dialog.vital_check.setChecked(True)
    dialog.vital_reason.setPlainText(VITAL_REASON)
    own = t("referral.label.own_reason")
    ground = t("ui.referral.group.ground")
    assert f"{ground}: {t('ui.referral.dialog.vital_in')}" in dialog.included_lines()
    assert not any(line.startswith(own) for line in dialog.included_lines())
    dialog.reason.setFocus()
    qtbot.keyClicks(dialog.reason, "Zij")
    assert f"{own}: {t('ui.referral.dialog.own_reason_in')}" in dialog.included_lines()
    dialog.set_recipient("police")  # every recipient's document carries the own words
    assert f"{own}: {t('ui.referral.dialog.own_reason_in')}" in dialog.included_lines()
    assert not any(line.startswith(ground) for line in dialog.included_lines())


def test_without_signals_the_toelichting_is_listed_until_given(
    qtbot, store: Store, catalogue: Catalogue
) -> None:
    """A visit where nothing was observed: the police need the inspector's reason, and the
    dialog lists it until the Toelichting holds words (without scrolling away from it)."""
    data = sample_visit()
    data["observations"] = []
    data["persons"][0]["consent"] = "given"
    visit = store.record_visit(visit_from_dict(data))
    store.set_setting("profile", {"name": "J. de Vries", "agency": "nla", "contact": "0701234567"})
    dialog = ReferralDialog(store, visit, catalogue=catalogue)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.set_recipient("police")
    reason_needed = t("referral.missing.reason")
    assert reason_needed in dialog.missing_lines()
    assert dialog.make_button.text() == t("ui.referral.dialog.make_draft")
    dialog.reason.setFocus()
    qtbot.keyClicks(dialog.reason, "Melding van een buurman over slaapplaatsen.")
    assert reason_needed not in dialog.missing_lines()
    assert dialog.outlook is not None and dialog.outlook.final
    assert dialog.make_button.text() == t("ui.referral.dialog.make")
    assert dialog.reason.hasFocus()
    dialog.reason.clear()
    assert reason_needed in dialog.missing_lines()
    dialog.clear()
