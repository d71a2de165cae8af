"""What the inspector adds in the referral dialog (issue 15): their own reason for every
recipient; the vital-interest ground for the care coordinator about someone without recorded
consent, which needs its reason before "Maken" works; and, for the anonymous registration,
naming the reporting organisation only when chosen. Checked in the stored referral and in
the text of the PDF the core makes."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from fieldapp.catalogue import Catalogue
from fieldapp.domain import ReferralStatus
from fieldapp.i18n import t
from fieldapp.store.store import Store
from fieldapp.visit_json import visit_from_dict
from tests.support.sample_visit import sample_visit
from ui.referral.controller import Additions, ReferralController
from ui.referral.dialog import ReferralDialog

OWN_REASON = "Drie werknemers slapen in de kas; de voorman houdt hun paspoorten."
VITAL_REASON = "Geen veilige slaapplaats vannacht; de werkgever zoekt hem."


def pdf_text(pdf: bytes) -> str:
    """The document's text without its line breaks and spacing (a sentence may wrap)."""
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", " ".join(page.extract_text() for page in reader.pages))


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def tap(qtbot, dialog: ReferralDialog, widget) -> None:
    """A finger's tap: on what is in view, so the page is scrolled to it first."""
    QApplication.processEvents()  # the page takes its sizes (and its own scrolling) first
    dialog.body_scroll.ensureWidgetVisible(widget)
    # On the box and its words (a check box wider than them takes no tap beside them).
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(12, widget.height() // 2))


@pytest.fixture
def visit_id(store: Store) -> str:
    """A (consent given), B (consent not asked: he was taken away before he could be; where he
    stays and his care needs known) and C (consent refused): possible victims, with signals;
    the inspector of the Labour Authority."""
    data = sample_visit()
    data["persons"][0]["consent"] = "given"
    data["persons"].append(
        {"ref": "B", "label": "Werknemer B", "role": "possible_victim", "sex": "m", "age": 31,
         "nationality": "RO", "consent": "not_asked", "whereabouts": "Bij een neef in Naaldwijk",
         "care_needs": "Opvang en medische zorg"}
    )  # fmt: skip
    data["persons"].append(
        {"ref": "C", "label": "Werknemer C", "role": "possible_victim", "sex": "m", "age": 40,
         "nationality": "RO", "consent": "refused"}
    )  # fmt: skip
    data["observations"].append(
        {"person": "B", "indicator": "ILO-CD-01", "status": "observed", "evidence": "seen"}
    )
    visit_uuid = store.record_visit(visit_from_dict(data))
    store.set_setting(
        "profile",
        {
            "name": "Inspecteur Jansen",
            "agency": "nla",
            "team": "Team Zuid",
            "contact": "070 1234567",
        },
    )
    return visit_uuid


@pytest.fixture
def open_dialog(
    qtbot, store: Store, catalogue: Catalogue, visit_id: str
) -> Iterator[Callable[[str], ReferralDialog]]:
    dialogs: list[ReferralDialog] = []

    def open_(label: str) -> ReferralDialog:
        person = next(p for p in store.visit_detail(visit_id).persons if p.label == label)
        dialog = ReferralDialog(store, visit_id, catalogue=catalogue, person_uuid=person.meta.uuid)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.activateWindow()  # keys and focus go where a user's would
        qtbot.waitUntil(dialog.isActiveWindow)
        dialogs.append(dialog)
        return dialog

    yield open_
    for dialog in dialogs:
        dialog.clear()


def test_the_inspectors_own_reason_goes_into_the_document(qtbot, open_dialog, store: Store) -> None:
    dialog = open_dialog("Werknemer A")
    dialog.set_recipient("police")
    assert dialog.reason.isVisibleTo(dialog) and dialog.reason.toPlainText() == ""
    assert not dialog.vital_box.isVisibleTo(dialog)  # not for the police
    assert not dialog.name_reporter.isVisibleTo(dialog)
    dialog.reason.setFocus()
    qtbot.keyClicks(dialog.reason, OWN_REASON)
    made = dialog.make()
    assert made is not None and made.referral.status is ReferralStatus.FINAL
    stored = Store(store.vault).referral(made.referral.meta.uuid)
    assert stored.reason == OWN_REASON and stored.vital_interest is None
    assert squeezed(OWN_REASON) in pdf_text(made.pdf)


def test_vital_interest_is_chosen_with_its_reason_for_the_care_coordinator(
    qtbot, open_dialog, store: Store
) -> None:
    dialog = open_dialog("Werknemer B")
    dialog.set_recipient("zorgcoordinator")
    # No consent: refused, and the vital-interest ground offered below the refusal.
    assert dialog.refusal_box.isVisibleTo(dialog)
    assert not dialog.make_button.isEnabled()
    assert dialog.vital_box.isVisibleTo(dialog)
    assert not dialog.vital_check.isChecked() and not dialog.vital_reason.isEnabled()
    assert dialog.vital_check.accessibleName() == (
        "Zonder toestemming: vitaal belang (AVG art. 6 lid 1 sub d)"
    )

    # Chosen without a reason: still off, and the page says what is missing.
    tap(qtbot, dialog, dialog.vital_check)
    assert dialog.vital_check.isChecked() and dialog.vital_reason.isEnabled()
    assert dialog.vital_reason.hasFocus()
    assert not dialog.make_button.isEnabled()
    assert dialog.refusal.text() == t("ui.referral.dialog.vital_reason_needed")
    assert not dialog.anonymous_button.isVisibleTo(dialog)

    qtbot.keyClicks(dialog.vital_reason, VITAL_REASON)
    assert dialog.make_button.isEnabled()
    assert not dialog.refusal_box.isVisibleTo(dialog)
    assert dialog.vital_box.isVisibleTo(dialog)  # the choice stays in view, and undoable
    assert dialog.missing_lines() == []  # where he stays and his care needs are known
    assert dialog.make_button.text() == t("ui.referral.dialog.make")
    dialog.reason.setPlainText(OWN_REASON)

    made = dialog.make()
    assert made is not None and made.referral.status is ReferralStatus.FINAL
    stored = Store(store.vault).referral(made.referral.meta.uuid)
    assert stored.recipient == "zorgcoordinator"
    assert stored.vital_interest == VITAL_REASON and stored.reason == OWN_REASON
    text = pdf_text(made.pdf)
    assert squeezed(VITAL_REASON) in text and "vitaalbelang" in text.lower()
    assert squeezed(OWN_REASON) in text


def test_vital_interest_is_offered_only_where_consent_could_not_be_asked(open_dialog) -> None:
    dialog = open_dialog("Werknemer A")  # consent given: the ground is not needed
    dialog.set_recipient("zorgcoordinator")
    assert dialog.make_button.isEnabled()
    assert not dialog.vital_box.isVisibleTo(dialog)
    # A refusal is not set aside by a vital interest: refused, with the anonymous way out.
    refused = open_dialog("Werknemer C")
    refused.set_recipient("zorgcoordinator")
    assert not refused.make_button.isEnabled()
    assert not refused.vital_box.isVisibleTo(refused)
    assert refused.anonymous_button.isVisibleTo(refused)


def test_the_anonymous_registration_names_the_reporter_only_when_chosen(
    qtbot, open_dialog, store: Store
) -> None:
    agency = t("agency_name.nla")
    dialog = open_dialog("Werknemer B")
    dialog.set_recipient("anonymous")
    assert dialog.name_reporter.isVisibleTo(dialog) and not dialog.name_reporter.isChecked()
    assert not any(line.startswith("Afzender") for line in dialog.included_lines())
    assert t("referral.field.sender.agency") in dialog.left_out_lines()
    made = dialog.make()
    assert made is not None
    assert squeezed(agency) not in pdf_text(made.pdf)

    named = open_dialog("Werknemer B")
    named.set_recipient("anonymous")
    tap(qtbot, named, named.name_reporter)
    assert named.name_reporter.isChecked()
    assert any(line.startswith("Afzender") for line in named.included_lines())
    assert t("referral.field.sender.agency") not in named.left_out_lines()
    made = named.make()
    assert made is not None
    assert squeezed(agency) in pdf_text(made.pdf)


def test_each_addition_goes_only_where_it_belongs(store: Store, visit_id: str) -> None:
    """The controller passes the vital interest only to the care coordinator about someone
    without consent, and naming the reporter only to the anonymous registration, whatever
    the dialog holds (the core refuses them anywhere else)."""
    controller = ReferralController(store, visit_id)
    b = next(p.meta.uuid for p in controller.persons if p.label == "Werknemer B")
    everything = Additions(
        reason=OWN_REASON, vital=True, vital_reason=VITAL_REASON, name_reporter=True
    )
    made = controller.make("police", b, "nl", final=False, additions=everything)
    assert made.referral.vital_interest is None and made.referral.reason == OWN_REASON
    assert controller.vital_interest("zorgcoordinator", b, everything) == VITAL_REASON
    blank = Additions(vital=True, vital_reason="   ")
    assert controller.vital_interest("zorgcoordinator", b, blank) is None
