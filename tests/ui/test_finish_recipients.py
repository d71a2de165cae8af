"""Afronden names the recipients the engine advises; since issue 15 what a final referral lacks
depends on the recipient (the care coordinator needs where the person is and their care needs,
CoMensha their initials and date of birth), so each named recipient gets its own list, the one
the referral dialog checks, and a recipient with nothing missing says so."""

from __future__ import annotations

from fieldapp.assessment import assess
from fieldapp.assessment.from_store import case_for_person
from fieldapp.catalogue import Catalogue
from fieldapp.i18n import t
from fieldapp.referral.readiness import missing_for_final
from fieldapp.store.store import Store
from fieldapp.visit_json import visit_from_dict
from tests.support.sample_visit import sample_visit
from ui.visit.finish import FinishPage, person_finish, recipient_gaps


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
