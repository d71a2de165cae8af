"""A final referral needs what its recipient needs (issues 14 and 15): the visit's summary a site
name, an address, and per person age, nationality, consent and B8/3 where the engine prompts it;
each recipient its own list (recipients.json ``final_needs``); a draft can always be made, and
says so."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from fieldapp.domain import Address, ReferralStatus, Sector
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t
from fieldapp.inputs import SiteInput
from fieldapp.referral import make_referral
from fieldapp.referral.build import build_referral
from fieldapp.referral.readiness import CODES, missing_for_final
from fieldapp.store.store import Store
from fieldapp.visit_json import visit_from_dict
from tests.support.sample_visit import sample_visit


def complete_visit() -> dict[str, Any]:
    """The README's sample with consent recorded: nothing missing (Bulgaria is in the EU, so
    the engine prompts no B8/3 offer)."""
    data = sample_visit()
    data["persons"][0]["consent"] = "given"
    return data


PROFILE = {"name": "Inspecteur", "agency": "NLA", "contact": "+31 6 1234 5678"}


def record(store: Store, data: dict[str, Any]) -> str:
    visit_uuid = store.record_visit(visit_from_dict(data))
    store.set_setting("profile", PROFILE)
    return visit_uuid


def clear_site(store: Store, visit_uuid: str, address: Address | None = None) -> None:
    """A site with no name (and no address unless given), as a new draft visit has; the visit
    JSON refuses a nameless site, the desktop's draft starts with one."""
    site = store.visit_detail(visit_uuid).site
    store.update_site(
        site.meta.uuid, SiteInput(name="", sector=Sector.AGRICULTURE, address=address or Address())
    )


def codes(store: Store, visit_uuid: str, person: str | None = None, **kw: Any) -> list[str]:
    return [m.code for m in missing_for_final(store.visit_detail(visit_uuid), person, **kw)]


def test_a_complete_visit_lacks_nothing(store: Store) -> None:
    assert codes(store, record(store, complete_visit())) == []


def test_every_gap_is_named_with_its_person(store: Store) -> None:
    data = complete_visit()
    person = data["persons"][0]
    person.update(age=None, minor=None, nationality="SY", consent="not_asked")
    visit_uuid = record(store, data)
    clear_site(store, visit_uuid)
    found = missing_for_final(store.visit_detail(visit_uuid), None)
    # Syria is outside the EU: with the signals of the sample the engine prompts B8/3.
    assert [m.code for m in found] == ["site_name", "address", "age", "consent", "b83"]
    assert set(m.code for m in found) <= set(CODES)
    assert found[0].message == t("referral.missing.site_name")
    assert found[2].message == t("referral.missing.age", label="Werknemer A")
    assert found[0].person_uuid is None
    assert found[2].person_uuid == store.visit_detail(visit_uuid).persons[0].meta.uuid
    english = missing_for_final(store.visit_detail(visit_uuid), None, lang="en")
    assert english[3].message == "Werknemer A: consent (asked: given or refused)"


def test_nationality_and_the_answers_that_count(store: Store) -> None:
    data = complete_visit()
    data["persons"][0].update(age=None, minor=True, nationality=None, consent="refused")
    visit_uuid = record(store, data)
    # Minor yes/no counts as the age; refused consent is an answer; nationality is missing,
    # and with it unknown the engine prompts the B8/3 offer (it may be a foreign national).
    assert codes(store, visit_uuid) == ["nationality", "b83"]


def test_postcode_and_place_are_an_address(store: Store) -> None:
    visit_uuid = record(store, complete_visit())
    clear_site(store, visit_uuid, Address(postcode="2675 AB", place="Honselersdijk"))
    assert codes(store, visit_uuid) == ["site_name"]
    clear_site(store, visit_uuid, Address(street="Middelweg"))  # no number, no place
    assert codes(store, visit_uuid) == ["site_name", "address"]


def test_b83_recorded_is_no_longer_missing(store: Store) -> None:
    data = complete_visit()
    data["persons"][0].update(nationality="SY", b83_status="offered")
    assert codes(store, record(store, data)) == []


def test_only_what_the_recipient_receives_is_required(store: Store) -> None:
    data = complete_visit()
    data["persons"][0].update(age=None, minor=None, consent="not_asked")
    visit_uuid = record(store, data)
    clear_site(store, visit_uuid)
    profile = {"profile": PROFILE}
    # The anonymous signal carries no person, name or address: nothing blocks it.
    assert codes(store, visit_uuid, recipient="anonymous", **profile) == []
    # The RIEC finds the business by an address or its KvK number; no victim's details.
    assert codes(store, visit_uuid, recipient="riec", **profile) == ["site_name", "address_or_kvk"]
    # CoMensha from a mandatory reporter (NLA): no consent needed, but initials and a date of
    # birth to tell the person apart, and the age.
    assert codes(store, visit_uuid, recipient="comensha", **profile) == [
        "initials",
        "birth_date",
        "age",
    ]
    # The police: the place and the age; of unknown age the person may be a minor, whose
    # referral does not rest on consent (the visit's summary still asks it).
    assert codes(store, visit_uuid, recipient="police", **profile) == [
        "site_name",
        "address",
        "age",
    ]
    assert codes(store, visit_uuid) == ["site_name", "address", "age", "consent"]
    # The care coordinator: consent (or a vital interest), where the person is, what they need.
    assert codes(store, visit_uuid, recipient="zorgcoordinator", **profile) == [
        "consent",
        "reachable",
        "care_needs",
    ]


def test_one_person_or_every_possible_victim(store: Store) -> None:
    data = complete_visit()
    data["persons"].append(
        {"ref": "B", "label": "Werknemer B", "role": "possible_victim", "nationality": "RO"}
    )
    data["persons"].append(
        {"ref": "X", "label": "Baas X", "role": "possible_exploiter", "nationality": "NL"}
    )
    visit_uuid = record(store, data)
    persons = {p.label: p.meta.uuid for p in store.visit_detail(visit_uuid).persons}
    assert codes(store, visit_uuid, persons["Werknemer A"]) == []
    assert codes(store, visit_uuid, persons["Werknemer B"]) == ["age", "consent"]
    assert codes(store, visit_uuid) == ["age", "consent"]  # every possible victim: B lacks
    # A possible exploiter is no victim: a referral about him needs the site, not his age or
    # his consent (the inspector's foreman case, item 2).
    assert codes(store, visit_uuid, persons["Baas X"]) == []


def test_a_final_police_referral_without_site_name_or_address_is_refused(store: Store) -> None:
    """Issue 14 saw one made; the builder refuses it and says what is missing."""
    visit_uuid = record(store, complete_visit())
    clear_site(store, visit_uuid)
    with pytest.raises(FieldAppError) as refused:
        build_referral(store, visit_uuid, "police")
    assert refused.value.key == "referral.not_ready"
    message = refused.value.message()
    assert t("referral.missing.site_name") in message
    assert t("referral.missing.address") in message
    with pytest.raises(FieldAppError):
        make_referral(store, visit_uuid, "police")
    assert store.referrals(visit_uuid) == []  # nothing was kept


def test_a_draft_can_always_be_made_and_says_it_is_one(store: Store) -> None:
    visit_uuid = record(store, complete_visit())
    clear_site(store, visit_uuid)
    made = make_referral(store, visit_uuid, "police", final=False)
    assert made.referral.status is ReferralStatus.DRAFT
    assert made.document.title.startswith("CONCEPT")
    assert t("referral.missing.site_name") in made.document.reason[0]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(made.pdf)).pages)
    assert "CONCEPT" in text
    # Once complete, the final referral is the next version of the same document line.
    store.update_site(
        store.visit_detail(visit_uuid).site.meta.uuid,
        SiteInput(
            name="Kwekerij De Hoek",
            sector=Sector.AGRICULTURE,
            address=Address(street="Middelweg", number="12"),
        ),
    )
    final = make_referral(store, visit_uuid, "police")
    assert final.referral.status is ReferralStatus.FINAL
    assert final.referral.version == 2
    assert not final.document.title.startswith("CONCEPT")
    assert final.document.reason[0] == t("referral.reason.lead.police")


def test_a_complete_draft_still_says_draft(store: Store) -> None:
    made = make_referral(store, record(store, complete_visit()), "police", final=False)
    assert made.referral.status is ReferralStatus.DRAFT
    assert made.document.reason[0] == t("referral.draft_note")


def role_visit(store: Store) -> tuple[str, dict[str, str]]:
    """The inspector's greenhouse (item 2): a possible victim, a witness and a foreman, the
    latter two with nothing but a label and a role, as recorded on the spot."""
    data = complete_visit()
    data["persons"].append({"ref": "W", "label": "B", "role": "witness"})
    data["persons"].append({"ref": "C", "label": "C", "role": "employer_manager"})
    visit_uuid = record(store, data)
    persons = {p.label: p.meta.uuid for p in store.visit_detail(visit_uuid).persons}
    return visit_uuid, persons


@pytest.mark.parametrize("label", ["B", "C"])
def test_a_witness_or_an_employer_needs_only_the_site(store: Store, label: str) -> None:
    """No age, nationality, consent or B8/3 for someone the engine does not assess as a
    victim: the summary (Afronden) and each recipient that may be about them agree."""
    visit_uuid, persons = role_visit(store)
    assert codes(store, visit_uuid, persons[label]) == []
    for recipient in ("police", "nla"):
        assert codes(store, visit_uuid, persons[label], recipient=recipient) == []
    clear_site(store, visit_uuid)
    assert codes(store, visit_uuid, persons[label]) == ["site_name", "address"]
    # A final police referral about them is made without any victim field.
    visit_uuid, persons = role_visit(store)
    document, _plan, _result = build_referral(store, visit_uuid, "police", person_ref=label)
    assert document.title == t("referral.title", "nl", recipient="Politie (AVIM)")


def test_a_possible_victim_still_needs_the_victim_fields(store: Store) -> None:
    data = complete_visit()
    data["persons"][0].update(age=None, minor=None, nationality=None, consent="not_asked")
    visit_uuid = record(store, data)
    victim = store.visit_detail(visit_uuid).persons[0].meta.uuid
    # An unknown nationality may be outside the EU: the engine prompts the B8/3 offer.
    assert codes(store, visit_uuid, victim) == ["age", "nationality", "consent", "b83"]


@pytest.mark.parametrize(
    ("label", "refused", "allowed"),
    [
        ("B", ("comensha", "zorgcoordinator", "riec", "anonymous"), ("police", "nla")),
        ("C", ("comensha", "zorgcoordinator", "anonymous"), ("police", "nla", "riec")),
    ],
)
def test_a_victim_only_recipient_about_a_non_victim_is_refused(
    store: Store, label: str, refused: tuple[str, ...], allowed: tuple[str, ...]
) -> None:
    """CoMensha registers possible victims: registering a witness or a suspected employer
    there is refused in the core, with a message naming the recipients that may be used."""
    visit_uuid, _persons = role_visit(store)
    for recipient in refused:
        with pytest.raises(FieldAppError) as caught:
            build_referral(store, visit_uuid, recipient, person_ref=label, final=False)
        assert caught.value.key == "referral.not_for_role"
        message = caught.value.message("nl")
        assert f"persoon {label} (" in message
        for name in ("Politie (AVIM)", "Arbeidsinspectie, opsporing"):
            assert name in message
    for recipient in allowed:
        build_referral(store, visit_uuid, recipient, person_ref=label, final=False)


def test_a_possible_victim_may_go_to_every_recipient(store: Store) -> None:
    visit_uuid = record(store, complete_visit())
    label = store.visit_detail(visit_uuid).persons[0].label
    for recipient in ("police", "nla", "comensha", "zorgcoordinator", "riec", "anonymous"):
        build_referral(store, visit_uuid, recipient, person_ref=label, final=False)


# -- what each recipient needs (issue 15) -----------------------------------------------------


def test_recipients_that_call_back_need_the_inspectors_number(store: Store) -> None:
    """The police, the Labour Authority and the care coordinator call the inspector back: no
    number in the profile, no final referral to them; the RIEC, CoMensha and the anonymous
    registration do not need it. Without a profile the number is not judged."""
    visit_uuid = record(store, complete_visit())
    detail = store.visit_detail(visit_uuid)
    no_number = {"name": "Inspecteur", "agency": "NLA", "contact": "  "}
    for recipient in ("police", "nla", "zorgcoordinator"):
        found = missing_for_final(detail, None, recipient=recipient, profile=no_number)
        assert "contact" in [m.code for m in found], recipient
        assert t("referral.missing.contact") in [m.message for m in found]
    for recipient in ("riec", "comensha", "anonymous"):
        found = missing_for_final(detail, None, recipient=recipient, profile=no_number)
        assert "contact" not in [m.code for m in found], recipient
    assert "contact" not in codes(store, visit_uuid, recipient="police")  # no profile given
    store.set_setting("profile", no_number)
    with pytest.raises(FieldAppError) as refused:
        build_referral(store, visit_uuid, "police")
    assert t("referral.missing.contact") in refused.value.message()
    draft, _plan, _result = build_referral(store, visit_uuid, "police", final=False)
    assert t("referral.missing.contact") in draft.reason[0]
    assert t("referral.field.sender.contact") not in [label for label, _ in draft.sender]


def test_the_police_find_a_place_without_a_street_address(store: Store) -> None:
    """A room found through an advertisement, or workers housed elsewhere, has no street
    address of its own: the police and the Labour Authority can find it by the housing address,
    a phone number or the advertisement. The visit's summary still asks for the address."""
    data = complete_visit()
    data["site"].update(address={}, phones=[])
    visit_uuid = record(store, data)
    assert codes(store, visit_uuid, recipient="police") == ["address"]
    message = missing_for_final(store.visit_detail(visit_uuid), None, recipient="police")[0]
    assert message.message == t("referral.missing.findable")
    data["site"]["handles"] = ["escortsite.example/anna"]
    visit_uuid = record(store, data)
    assert codes(store, visit_uuid, recipient="police") == []
    assert codes(store, visit_uuid, recipient="nla") == []
    assert codes(store, visit_uuid) == ["address"]
    data["site"].update(handles=[], housing_address={"postcode": "2671 CD", "place": "Naaldwijk"})
    assert codes(store, record(store, data), recipient="police") == []


def test_comensha_needs_consent_or_a_duty_and_then_initials_and_birth_date(store: Store) -> None:
    """Initials and a date of birth tell one person apart across reporters; they leave the
    vault only with consent or a mandatory reporter's duty, so without either the consent is
    what is missing, not the initials."""
    data = complete_visit()
    data["persons"][0].update(consent="refused")
    visit_uuid = record(store, data)
    municipality = {"name": "Toezichthouder", "agency": "gemeente", "contact": "06"}
    found = missing_for_final(
        store.visit_detail(visit_uuid), None, recipient="comensha", profile=municipality
    )
    assert [m.code for m in found] == ["consent"]
    assert found[0].message == t("referral.missing.consent_or_reporter", label="Werknemer A")
    # The same person from the Labour Authority, a mandatory reporter: the identity is needed.
    assert codes(store, visit_uuid, recipient="comensha", profile=PROFILE) == [
        "initials",
        "birth_date",
    ]
    data["persons"][0].update(consent="given", initials="I.P.", birth_date="1982-03-14")
    visit_uuid = record(store, data)
    assert codes(store, visit_uuid, recipient="comensha", profile=municipality) == []


def test_the_care_coordinator_takes_a_vital_interest_instead_of_consent(store: Store) -> None:
    data = complete_visit()
    data["persons"][0].update(consent="refused", whereabouts="Hotel", care_needs="Opvang")
    refused = store.visit_detail(record(store, data))
    # A refusal is not set aside by a vital interest: consent stays what is missing.
    (still,) = missing_for_final(
        refused, None, recipient="zorgcoordinator", profile=PROFILE, vital_interest="Gevaar"
    )
    assert still.code == "consent"
    assert still.message == t("referral.missing.consent_refused", label="Werknemer A")
    data["persons"][0].update(consent="not_asked")
    visit_uuid = record(store, data)
    detail = store.visit_detail(visit_uuid)
    found = missing_for_final(detail, None, recipient="zorgcoordinator", profile=PROFILE)
    assert [m.code for m in found] == ["consent"]
    assert found[0].message == t("referral.missing.consent_or_vital_interest", label="Werknemer A")
    for blank in (None, "", "   "):
        assert (
            missing_for_final(
                detail, None, recipient="zorgcoordinator", profile=PROFILE, vital_interest=blank
            )
            == found
        )
    assert (
        missing_for_final(
            detail, None, recipient="zorgcoordinator", profile=PROFILE, vital_interest="Gevaar"
        )
        == []
    )
    # A safe way to reach the person is as good as knowing where they are.
    data["persons"][0].update(whereabouts=None, safe_contact="Via de exploitant")
    visit_uuid = record(store, data)
    assert (
        codes(
            store, visit_uuid, recipient="zorgcoordinator", profile=PROFILE, vital_interest="Gevaar"
        )
        == []
    )


def test_a_date_of_birth_is_an_age(store: Store) -> None:
    data = complete_visit()
    data["persons"][0].update(age=None, minor=None, birth_date="1990-01-01")
    assert codes(store, record(store, data)) == []
