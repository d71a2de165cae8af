"""Afronden names the recipients the engine advises; since issue 15 what a final referral lacks
depends on the recipient (the care coordinator needs where the person is and their care needs,
CoMensha their initials and date of birth), so each named recipient gets its own list, the one
the referral dialog checks, and a recipient with nothing missing says so."""

from __future__ import annotations

from fieldapp.assessment import assess
from fieldapp.assessment.from_store import case_for_person
from fieldapp.catalogue import Catalogue
from fieldapp.domain import ReferralStatus
from fieldapp.i18n import t
from fieldapp.localtime import date_text
from fieldapp.referral.readiness import missing_for_final
from fieldapp.store.store import Store
from fieldapp.visit_json import visit_from_dict
from tests.support.sample_visit import sample_visit
from ui.visit.finish import FinishPage, person_finish, recipient_gaps
from ui.visit.steps import FINISH


def test_each_advised_recipient_says_what_its_final_referral_lacks(
    qtbot, store: Store, catalogue: Catalogue
) -> None:
    data = sample_visit()
    data["persons"][0].update({"consent": "given", "initials": "M.I.", "birth_date": "1998-03-07"})
    data["observations"].append(
        {"person": "A", "indicator": "ILO-EX-01", "status": "observed", "evidence": "told"}
    )
    visit = store.record_visit(visit_from_dict(data))
    profile = {"name": "Inspecteur Jansen", "agency": "nla", "contact": "070 1234567"}
    store.set_setting("profile", profile)
    detail = store.visit_detail(visit)
    person = detail.persons[0]
    result = assess(case_for_person(store, visit, person.meta.uuid), catalogue)
    advised = [advice.to for advice in result.referrals]
    assert "comensha" in advised and "zorgcoordinator" in advised

    gaps = recipient_gaps(detail, person, result, catalogue, profile)
    assert set(gaps) <= set(advised)
    care = missing_for_final(
        detail, person.meta.uuid, catalogue=catalogue, recipient="zorgcoordinator",
        profile=profile,
    )  # fmt: skip
    assert gaps["zorgcoordinator"] == tuple(m.message for m in care)  # the dialog's own list
    assert gaps["zorgcoordinator"]  # where she is and her care needs are not recorded
    assert gaps["comensha"] == ()  # consent, initials and date of birth are there

    item = person_finish(person, result, [], ["algemeen"], catalogue, missing_for=gaps)
    page = FinishPage()
    qtbot.addWidget(page)
    page.show_finish([item], [], [], can_discard=False)
    card = page.cards[0]
    lines = card.referrals.text().splitlines()
    comensha = next(line for line in lines if t("ui.visit.recipient.comensha") in line)
    assert comensha.endswith("compleet voor een definitieve doorverwijzing")
    care_line = next(line for line in lines if t("ui.visit.recipient.zorgcoordinator") in line)
    assert "nog nodig: " + "; ".join(gaps["zorgcoordinator"]) in care_line
    assert not card.missing.isVisibleTo(page)  # the general list gives way to these

    # Without the recipients' lists (or without advice), the card keeps the general list.
    plain = person_finish(person, result, [], ["algemeen"], catalogue)
    page.show_finish([plain], [], [], can_discard=False)
    assert page.cards[0].missing.text().endswith("algemeen")
    assert "compleet" not in page.cards[0].referrals.text()


def _line(card, recipient: str):
    """The card's line about ``recipient``."""
    name = t(f"ui.visit.recipient.{recipient}")
    return next(label for label in card.referrals.lines if name in label.text())


def test_a_referral_made_says_so_and_what_is_missing_is_amber(
    qtbot, make_editor, store: Store, catalogue: Catalogue
) -> None:
    """After the care coordinator's referral was made on the vital-interest ground, Afronden
    still said it lacked consent; now the line says it was made. What a recipient still
    lacks is amber, as missing items are elsewhere, and a draft is not a referral made."""
    data = sample_visit()
    data["persons"][0].update({"whereabouts": "Bij haar zus", "care_needs": "Opvang vannacht"})
    data["observations"].append(
        {"person": "A", "indicator": "ILO-EX-01", "status": "observed", "evidence": "told"}
    )
    visit = store.record_visit(visit_from_dict(data))
    store.set_setting("profile", {"name": "J. de Vries", "agency": "nla", "contact": "0701234"})
    editor = make_editor(visit)
    editor.go_to_step(FINISH)
    [card] = editor.finish.cards
    a = card.person_uuid
    care = _line(card, "zorgcoordinator")
    # Consent not asked: one line with both ways on, the second only in the referral dialog.
    either = t("ui.visit.finish.consent_or_vital", label="Werknemer A")
    assert care.text().endswith(f"nog nodig: {either}")
    assert care.objectName() == "missing"
    assert card.referrals.lines[0].objectName() == "muted"  # "Doorverwijzen naar:"
    assert care.palette().color(care.foregroundRole()) != (
        card.referrals.lines[0].palette().color(card.referrals.lines[0].foregroundRole())
    )
    advised = [
        to for to in ("police", "nla") if t(f"ui.visit.recipient.{to}") in card.referrals.text()
    ]
    assert advised  # a recipient that needs consent asked too

    dialog = editor.open_referral_about(a)
    dialog.set_recipient(advised[0])  # consent not asked: a draft only
    draft = dialog.make()
    assert draft is not None and draft.referral.status is ReferralStatus.DRAFT
    dialog.reject()
    qtbot.waitUntil(lambda: editor.referral_dialog is None)
    dialog = editor.open_referral_about(a)
    dialog.set_recipient("zorgcoordinator")
    dialog.vital_check.setChecked(True)
    dialog.vital_reason.setPlainText("Geen veilige slaapplaats vannacht.")
    made = dialog.make()
    assert made is not None and made.referral.status is ReferralStatus.FINAL
    dialog.reject()
    qtbot.waitUntil(lambda: editor.referral_dialog is None)

    [card] = editor.finish.cards  # shown again as the vault holds it now
    care = _line(card, "zorgcoordinator")
    when = date_text(made.referral.meta.created_at)
    assert care.text().endswith(t("ui.visit.finish.made", date=when, version=1))
    assert "nog nodig" not in care.text() and care.objectName() == "muted"
    drafted = _line(card, advised[0])  # the draft leaves it lacking what it lacked
    assert "nog nodig" in drafted.text() and drafted.objectName() == "missing"
