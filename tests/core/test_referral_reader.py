"""Each referral read as its reader reads it (issue 15): the text extracted from the PDF holds
what that recipient needs and nothing it must not. The visit is a greenhouse where workers were
placed by an uitzendbureau and housed elsewhere, recorded in the order an inspector meets people
(the foreman first, then a colleague who tipped them off, then two workers)."""

from __future__ import annotations

import re
from dataclasses import fields

import pytest

from fieldapp import i18n
from fieldapp.domain import Consent, PersonRole, PoliceReport
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t
from fieldapp.inputs import PersonInput
from fieldapp.referral import make_referral
from fieldapp.referral.build import build_referral
from fieldapp.referral.rules import CREATED_PRECISIONS, NEEDS, RECIPIENTS, recipient_rules
from fieldapp.store.store import Store
from tests.support.referral import (
    CRIMINAL_NL,
    MUNICIPALITY,
    VITAL,
    block,
    greenhouse,
    made_text,
    record,
    text_of,
)


@pytest.fixture
def visit(store: Store) -> str:
    return record(store, greenhouse())


def test_the_reason_is_written_to_the_recipient(store: Store, visit: str) -> None:
    """Not "overweeg ook een melding bij de politie" in the police's own document, nor "Meld
    de persoon aan bij CoMensha" in CoMensha's: why the reader gets it, in the reader's terms."""
    police = made_text(store, visit, "police", person_ref="Werknemer A")
    assert "U ontvangt deze doorverwijzing omdat" in police
    assert not re.search(r"meld\w*[^.]* bij de politie", police, re.IGNORECASE)
    assert "overweeg" not in police.lower()
    comensha = made_text(store, visit, "comensha", person_ref="Werknemer A")
    assert "U ontvangt deze aanmelding omdat" in comensha
    assert not re.search(r"\bmeld\w*[^.]* bij CoMensha", comensha, re.IGNORECASE)
    assert "overweeg" not in comensha.lower()
    document, _plan, _result = build_referral(store, visit, "nla")
    assert document.reason[0] == t("referral.reason.lead.nla")


def test_a_visit_without_signals_never_reads_as_one_with_them(store: Store) -> None:
    """The inspector may call the police in on their own judgement; the lead then says no
    signals were recorded instead of claiming that some were."""
    data = greenhouse()
    data["observations"] = []
    visit = record(store, data)
    own = "De voorman nam de paspoorten mee toen wij binnenkwamen."
    police = made_text(store, visit, "police", reason=own)
    assert t("referral.reason.lead_no_signals.police") in police
    assert t("referral.reason.lead.police") not in police
    assert own in police
    with_signals = made_text(store, record(store, greenhouse()), "police")
    assert t("referral.reason.lead.police") in with_signals
    assert "geen signalen uit de indicatorenlijst" not in with_signals


def test_the_inspectors_own_reason_has_its_own_label(store: Store, visit: str) -> None:
    own = "Werknemer A wil vanavond niet terug naar de caravan."
    made = make_referral(store, visit, "police", reason=own)
    text = text_of(made.pdf)
    assert f"{t('referral.label.own_reason')} {own}" in text
    assert made.referral.reason == own
    assert store.referral(made.referral.meta.uuid).reason == own


def test_codes_become_names(store: Store, visit: str) -> None:
    """BG, bg, RO, "Aanwezige diensten: nla", DEC_REC, COE_DEST: every code a name."""
    for recipient in ("police", "comensha", "anonymous"):
        text = made_text(store, visit, recipient)
        for code in (r"\bBG\b", r"\bbg\b", r"\bRO\b", r"\bnla\b", r"\bkmar\b", r"[A-Z]+_[A-Z]+"):
            assert not re.search(code, text), (recipient, code)
    police = made_text(store, visit, "police")
    assert "Bulgarije" in police and "Bulgaars" in police and "Roemenië" in police
    assert "Nederlandse Arbeidsinspectie, Koninklijke Marechaussee" in police
    english = made_text(store, visit, "police", lang="en")
    assert "Bulgaria" in english and not re.search(r"\bBG\b", english)


def test_victims_first_and_no_victim_fields_for_a_suspect_or_witness(
    store: Store, visit: str
) -> None:
    text = made_text(store, visit, "police")
    order = [
        text.index("Werknemer A – mogelijk slachtoffer"),
        text.index("Werknemer B – mogelijk slachtoffer"),
        text.index("Collega – getuige"),
        text.index("Voorman – mogelijke uitbuiter"),
    ]
    assert order == sorted(order)
    suspect = block(text, "Voorman – mogelijke uitbuiter", t("referral.label.signals"))
    # Only a possible exploiter (no employer) in the criminal-offence section: "Mogelijke
    # uitbuiters".
    witness = block(text, "Collega – getuige", t("referral.label.suspects_exploiters"))
    for field in ("consent", "b83", "whereabouts", "care_needs", "safety", "police_report"):
        label = t(f"referral.field.person.{field}")
        assert label not in suspect, field
        assert label not in witness, field
    assert "Qsuspectwhereaboutszq" not in text and "Qsuspectcarezq" not in text
    assert "Qwitnesscarezq" not in text
    assert f"{t('referral.field.person.safe_contact')} Qwitnesscontactzq" in witness
    assert "elf paspoorten" in suspect
    victim = block(text, "Werknemer A – mogelijk slachtoffer", "Werknemer B")
    for field in ("whereabouts", "safe_contact", "safety", "care_needs", "police_report"):
        assert t(f"referral.field.person.{field}") in victim, field
    assert "geen aangifte gedaan" in victim


def test_a_one_line_summary_per_victim_and_the_detail_in_an_annex(store: Store, visit: str) -> None:
    """Two of four pages were the engine's "onder de drempel" lines: the body says per
    possible victim what the assessment found, in one line; the rest is an annex at the end,
    only where the recipient may get the full assessment."""
    text = made_text(store, visit, "police")
    annex = t("referral.label.annex")
    body, _, rest = text.partition(annex)
    assert rest, "no annex"
    summary = f"{t('referral.label.summary')} Arbeidsuitbuiting: aanwijzingen voor mensenhandel"
    assert f"{summary} (lezing van art. 273f Sr: handeling, middel en oogmerk" in body
    assert "onder de drempel" not in body
    assert "onder de drempel" in rest
    assert t("referral.label.attachments") not in rest  # the annex is last
    for recipient in ("riec", "zorgcoordinator", "anonymous"):
        kw = {"vital_interest": VITAL} if recipient == "zorgcoordinator" else {}
        person = {"person_ref": "Werknemer A"} if recipient == "zorgcoordinator" else {}
        other = made_text(store, visit, recipient, **kw, **person)
        assert annex not in other, recipient
        assert "onder de drempel" not in other, recipient


@pytest.mark.parametrize("recipient", RECIPIENTS)
def test_every_document_has_an_addressee_and_says_what_is_asked(
    store: Store, visit: str, recipient: str
) -> None:
    person = {} if recipient in ("police", "nla", "riec", "anonymous") else {"person_ref": "A"}
    text = made_text(store, visit, recipient, **person)
    addressee = recipient_rules()[recipient].addressee["nl"]
    assert f"{t('referral.label.to')}: {addressee}" in text
    assert t("referral.label.follow_up") in text
    assert t(f"referral.follow_up.{recipient}") in text


def test_the_sender_block_gives_team_and_callback_number(store: Store, visit: str) -> None:
    text = made_text(store, visit, "police")
    assert f"{t('referral.field.sender.team')} Team Westland" in text
    assert f"{t('referral.field.sender.contact')} +31 6 1112 2233" in text
    store.set_setting("profile", {"name": "Sanne de Boer", "agency": "nla"})
    draft = text_of(make_referral(store, visit, "riec", final=False).pdf)
    assert t("referral.field.sender.contact") not in draft  # no label without a value
    assert t("referral.field.sender.team") not in draft


def test_initials_and_date_of_birth_only_for_comensha_with_consent_or_a_duty(
    store: Store, visit: str
) -> None:
    """CoMensha tells people apart by initials and date of birth; they leave the vault only
    with the person's consent or a mandatory reporter's duty, and never to anyone else."""
    with_consent = made_text(store, visit, "comensha", person_ref="Werknemer A")
    assert "I.P." in with_consent and "14-03-1982" in with_consent
    # The Labour Authority reports by duty: Werknemer B refused consent, yet is registered
    # with what tells her apart.
    by_duty = made_text(store, visit, "comensha", person_ref="Werknemer B")
    assert "K.N." in by_duty and "07-07-1997" in by_duty
    for recipient in ("police", "nla", "riec", "anonymous"):
        text = made_text(store, visit, recipient)
        for value in ("I.P.", "14-03-1982", "K.N.", "07-07-1997"):
            assert value not in text, (recipient, value)
    # A municipality has no duty: with consent the identity goes, without it nothing goes.
    municipal = record(store, greenhouse(), MUNICIPALITY)
    assert "I.P." in made_text(store, municipal, "comensha", person_ref="Werknemer A")
    with pytest.raises(FieldAppError) as refused:
        make_referral(store, municipal, "comensha", person_ref="Werknemer B", final=False)
    assert refused.value.key == "referral.needs_consent_or_reporter"


def test_comensha_gets_the_form_in_the_reporters_view_and_the_care_need(
    store: Store, visit: str
) -> None:
    text = made_text(store, visit, "comensha", person_ref="Werknemer A")
    assert f"{t('referral.field.person.suspected_forms')} Arbeidsuitbuiting" in text
    assert "Onderdak voor vannacht" in text
    assert "geen aangifte gedaan" in text
    for left_out in ("Caravan op het terrein", "Eigen telefoon", "Voorman dreigde"):
        assert left_out not in text  # where the person is: the care coordinator's, not hers


def test_the_care_coordinator_gets_what_care_needs_and_a_vital_interest_route(
    store: Store, visit: str
) -> None:
    """Werknemer B refused consent: the vital interest does not set her refusal aside. Once her
    consent could not be asked (she is in no state to answer) and shelter tonight cannot wait:
    final without consent on the ground of her vital interest, the ground and the reason in
    the document and the vault."""
    with pytest.raises(FieldAppError) as refused:
        make_referral(store, visit, "zorgcoordinator", person_ref="Werknemer B")
    assert refused.value.key == "referral.needs_consent"
    with pytest.raises(FieldAppError) as overridden:
        make_referral(
            store, visit, "zorgcoordinator", person_ref="Werknemer B", vital_interest=VITAL
        )
    assert overridden.value.key == "referral.vital_interest_refused"
    assert "Werknemer B" in overridden.value.message()
    assert store.referrals(visit) == []
    person = next(p for p in store.visit_detail(visit).persons if p.label == "Werknemer B")
    as_input = {f.name: getattr(person, f.name) for f in fields(PersonInput)}
    store.update_person(person.meta.uuid, PersonInput(**{**as_input, "consent": Consent.NOT_ASKED}))
    made = make_referral(
        store, visit, "zorgcoordinator", person_ref="Werknemer B", vital_interest=VITAL
    )
    assert made.referral.status.value == "final"
    assert made.referral.vital_interest == VITAL
    assert store.referral(made.referral.meta.uuid).vital_interest == VITAL
    text = text_of(made.pdf)
    ground = (
        "Verstrekt zonder toestemming op grond van het vitaal belang van betrokkene "
        f"(AVG art. 6 lid 1 sub d): {VITAL}"
    )
    assert ground in text
    for value in ("Kerkstraat 3", "Huisarts", "Roemeens", "niet gevraagd"):
        assert value in text, value
    for left_out in ("Paprikateelt", "Tuinbouwweg", t("referral.label.signals"), "Flexwerk"):
        assert left_out not in text, left_out
    # With consent the vital interest is not the ground, and is not kept as one.
    consented = make_referral(
        store, visit, "zorgcoordinator", person_ref="Werknemer A", vital_interest=VITAL
    )
    assert consented.referral.vital_interest is None
    assert "vitaal belang" not in text_of(consented.pdf)
    for field in ("whereabouts", "safe_contact", "safety", "care_needs", "interpreter"):
        assert t(f"referral.field.person.{field}") in text_of(consented.pdf), field


def test_options_of_one_recipient_are_refused_for_another(store: Store, visit: str) -> None:
    with pytest.raises(FieldAppError) as vital:
        make_referral(store, visit, "police", vital_interest=VITAL)
    assert vital.value.key == "referral.vital_interest_only"
    assert "Zorgcoördinator mensenhandel" in vital.value.message()
    with pytest.raises(FieldAppError) as named:
        make_referral(store, visit, "comensha", person_ref="A", name_reporter=True)
    assert named.value.key == "referral.name_reporter_only"
    assert store.referrals(visit) == []


def test_the_riec_gets_intermediary_housing_and_the_art_10_label(store: Store, visit: str) -> None:
    text = made_text(store, visit, "riec")
    assert f"{t('referral.field.site.intermediary')} Flexwerk Oost BV, KvK 61234567" in text
    assert f"{t('referral.field.site.housing')} Kerkstraat 3, 2671 CD Naaldwijk" in text
    assert CRIMINAL_NL in text
    assert text.index(CRIMINAL_NL) < text.index("Voorman")
    assert t("referral.footer.criminal") in text
    for victim in ("Werknemer A", "Werknemer B", "Collega"):
        assert victim not in text
    english = made_text(store, visit, "riec", lang="en")
    assert "Criminal-offence data (GDPR art. 10) — only for the recipient's task" in english
    police = made_text(store, visit, "police")
    assert CRIMINAL_NL in police and "Flexwerk Oost BV" in police and "Kerkstraat 3" in police
    for recipient in ("comensha", "anonymous"):
        other = made_text(
            store, visit, recipient, **({"person_ref": "A"} if recipient == "comensha" else {})
        )
        assert "Flexwerk" not in other and "Kerkstraat" not in other, recipient
        assert CRIMINAL_NL not in other, recipient


def test_the_anonymous_document_is_a_comensha_anonymous_registration(
    store: Store, visit: str
) -> None:
    text = made_text(store, visit, "anonymous")
    assert f"{t('referral.label.to')}: CoMensha, anonieme registratie" in text
    assert t("referral.label.created") not in text  # "Gemaakt in 11-2026", no "Datum en tijd"
    assert "Nederlandse Arbeidsinspectie" not in text
    assert t("referral.field.sender.agency") not in text
    assert "misdaad anoniem" not in text.lower()
    assert "Persoon 1" in text and "Persoon 2" in text
    assert "De persoon" not in text
    assert "Werknemer" not in text
    # The footer says what the document holds: nothing that identifies a person.
    assert t("referral.footer.none") in text
    assert "bijzondere persoonsgegevens" not in text
    assert "bevat persoonsgegevens" not in text
    # No column with nothing in it.
    for empty in ("evidence", "note"):
        assert t(f"referral.label.{empty}") not in text, empty
    named = made_text(store, visit, "anonymous", name_reporter=True)
    assert f"{t('referral.field.sender.agency')} Nederlandse Arbeidsinspectie" in named
    assert "Sanne de Boer" not in named


def test_a_witness_referral_carries_no_victim_duties(store: Store) -> None:
    """A colleague who tipped the inspector off is no victim: no consent, no B8/3, no annex;
    a final police referral about him needs none of the victim's fields."""
    data = greenhouse()
    data["persons"] = [data["persons"][1]]
    data["persons"][0].update(consent="not_asked", age=None, nationality=None)
    data["observations"] = [
        {"person": "W", "indicator": i, "status": "observed", "evidence": "third_party"}
        for i in ("NLA-04", "NLA-07")
    ]
    visit = record(store, data)
    made = make_referral(store, visit, "police", person_ref="Collega")
    text = text_of(made.pdf)
    assert made.referral.status.value == "final"
    assert t("referral.reason.role.witness", label="Collega") in text
    for absent in ("Toestemming", "Bedenktijd", "B8/3", t("referral.label.annex")):
        assert absent not in text, absent
    assert "Qwitnesscontactzq" in text


def test_every_key_built_at_run_time_exists_in_both_languages() -> None:
    """Keys the i18n test cannot see because they are built from a recipient, a role, a need
    or an enumeration value."""
    keys = [f"referral.reason.lead.{r}" for r in RECIPIENTS]
    keys += [f"referral.follow_up.{r}" for r in RECIPIENTS]
    keys += [f"referral.reason.role.{r.value}" for r in PersonRole if r.value != "possible_victim"]
    keys += [f"referral.police_report.{v.value}" for v in PoliceReport]
    keys += [f"referral.missing.{need}" for need in NEEDS]
    keys += ["referral.reading.ilo"]
    keys += [f"referral.reading.dutch_law_{k}" for k in ("full", "minor", "means")]
    keys += [f"referral.indication_by.{b}" for b in ("ilo", "dutch_law", "minor", "professional")]
    keys += [f"referral.reason.lead_no_signals_bare.{r}" for r in ("police", "nla", "riec")]
    keys += [f"referral.reason.lead_no_signals.{r}" for r in ("police", "nla", "riec", "anonymous")]
    keys += ["referral.follow_up.zorgcoordinator_minor"]
    keys += [f"referral.draft_note_registration{s}" for s in ("", "_missing")]
    keys += [f"referral.footer.{k}" for k in ("none", "personal", "special", "criminal")]
    keys += ["referral.footer.special_criminal", "referral.missing.findable"]
    keys += [f"referral.label.created_{p}" for p in CREATED_PRECISIONS if p != "minute"]
    for lang in i18n.LANGUAGES:
        missing = [key for key in keys if key not in i18n.catalogue(lang)]
        assert not missing, (lang, missing)
