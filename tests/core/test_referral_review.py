"""The referral documents as a fresh-eyes reviewer read them as their readers (issue 15, the
reader review): an AVIM officer, a CoMensha registrar, a care coordinator and an RIEC analyst.
Each test reads the text a PDF tool extracts, and names the reviewer's item it holds to."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from pypdf import PdfReader

from fieldapp.errors import FieldAppError
from fieldapp.i18n import t, tn
from fieldapp.referral import make_referral
from fieldapp.referral.readiness import missing_for_final
from fieldapp.store.store import Store
from tests.support.referral import (
    CRIMINAL_NL,
    MUNICIPALITY,
    PROFILE,
    block,
    brothel,
    greenhouse,
    made_text,
    record,
    text_of,
)

VITAL = "Zij slaapt vannacht in het pand van de pooier en kan nu niet tekenen."


def pages_of(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def annex_of(text: str) -> str:
    return text.partition(t("referral.label.annex"))[2]


def codes(store: Store, visit: str, person: str | None = None, **kw: Any) -> list[str]:
    detail = store.visit_detail(visit)
    uuid = next((p.meta.uuid for p in detail.persons if p.label == person), None)
    return [m.code for m in missing_for_final(detail, uuid, **kw)]


def nails(age: int = 17) -> dict[str, Any]:
    """A nail studio: a Vietnamese worker living above it, the owner beside her."""
    return {
        "site": {
            "name": "Nagelstudio Lotus",
            "address": {"street": "Hoogstraat", "number": "88", "place": "Rotterdam"},
            "municipality": "Rotterdam",
            "sector": "nail_beauty",
        },
        "visit": {
            "started_at": "2026-06-10T14:00:00+02:00",
            "type": "inspection",
            "agencies": ["nla"],
        },
        "persons": [
            {
                "ref": "O",
                "label": "Eigenaar",
                "role": "employer_manager",
                "sex": "f",
                "age": 40,
                "nationality": "VN",
            },
            {
                "ref": "A",
                "label": "Medewerker 1",
                "role": "possible_victim",
                "sex": "f",
                "age": age,
                "nationality": "VN",
                "consent": "not_asked",
                "whereabouts": "Woont boven de salon",
                "suspected_forms": ["labour"],
            },
        ],
        "observations": [
            {"person": "A", "indicator": i, "status": "observed", "evidence": "seen"}
            for i in ("NLA-02", "NLA-03", "POL-1-05", "POL-2-01", "NLA-07", "YCE-10")
        ],
    }


def witness_only() -> dict[str, Any]:
    """A car wash where only a neighbour talked, and no signal was recorded."""
    data = greenhouse()
    data["persons"] = [data["persons"][1]]
    data["observations"] = []
    return data


# -- 1: urgency -----------------------------------------------------------------------------------


def test_a_vital_interest_referral_is_immediate_in_the_document_and_the_vault(
    store: Store,
) -> None:
    """Shelter tonight for someone sleeping at the pimp's is not "Urgentie normaal"."""
    visit = record(store, brothel())
    made = make_referral(
        store, visit, "zorgcoordinator", person_ref="Vrouw raam 5", vital_interest=VITAL
    )
    text = text_of(made.pdf)
    assert f"{t('referral.label.urgency')}: {t('referral.urgency.immediate')}" in text
    assert made.referral.urgency == "immediate"
    consented = make_referral(store, visit, "zorgcoordinator", person_ref="Vrouw raam 3")
    assert consented.referral.urgency == "normal"
    assert f"{t('referral.label.urgency')} {t('referral.urgency.normal')}" in text_of(consented.pdf)


def test_the_vault_keeps_the_urgency_the_document_shows(store: Store) -> None:
    """A police referral about two possible victims, the second a minor (urgency high): the
    vault kept the first person's urgency while the document said "met voorrang"."""
    data = greenhouse()
    data["persons"][3].update(age=16, consent="not_asked")
    data["observations"].append(
        {"person": "B", "indicator": "NLA-03", "status": "observed", "evidence": "seen"}
    )
    visit = record(store, data)
    made = make_referral(store, visit, "police", final=False)
    assert f"{t('referral.label.urgency')}: {t('referral.urgency.high')}" in text_of(made.pdf)
    assert made.referral.urgency == "high"


# -- 2, 12: the RIEC ------------------------------------------------------------------------------


def test_the_riec_reads_no_victims_name_and_each_reason_once(store: Store) -> None:
    visit = record(store, brothel())
    text = made_text(store, visit, "riec")
    for victim in ("Vrouw raam 3", "Vrouw raam 5"):
        assert victim not in text
    reason = text.partition(t("referral.label.follow_up"))[0]
    riec_reason = "Bij dit bezoek zijn signalen vastgelegd over tussenpersonen"
    assert reason.count(riec_reason) == 1
    assert f": {riec_reason}" not in reason


def test_the_riec_gets_one_line_per_signal_and_no_empty_person(store: Store) -> None:
    """Without "Bij wie", NLA-03 told by one worker and seen for another is one signal with
    both sources, not two lines; the operator, of whom the RIEC may see nothing, is left out."""
    data = greenhouse()
    data["observations"].append(
        {"person": "B", "indicator": "NLA-03", "status": "observed", "evidence": "seen"}
    )
    text = made_text(store, record(store, data), "riec")
    assert text.count("NLA-03") == 1
    assert "NLA-03 Onderbetaald, niet of te laat betaald document, zelf gezien" in text
    operator = made_text(store, record(store, brothel()), "riec")
    assert "Exploitant" not in operator
    assert "Pooier – mogelijke uitbuiter" in operator


# -- 3, 7: the anonymous registration -------------------------------------------------------------


def test_an_empty_anonymous_registration_cannot_be_final(store: Store) -> None:
    """Each registration adds one to CoMensha's count: a witness and no signal add a false
    one. A draft still says what is missing."""
    visit = record(store, witness_only())
    with pytest.raises(FieldAppError) as refused:
        make_referral(store, visit, "anonymous")
    assert refused.value.key == "referral.not_ready"
    assert t("referral.missing.victim_signal") in refused.value.message()
    draft = text_of(make_referral(store, visit, "anonymous", final=False).pdf)
    assert t("referral.missing.victim_signal") in draft
    # Signals recorded only for a witness are no possible victim's.
    data = greenhouse()
    data["observations"] = [
        {"person": "W", "indicator": "NLA-04", "status": "observed", "evidence": "told"}
    ]
    assert codes(store, record(store, data), recipient="anonymous") == ["victim_signal"]
    # One recorded for everyone at the visit counts for each possible victim.
    data["observations"].append(
        {"person": None, "indicator": "ILO-EX-02", "status": "observed", "evidence": "seen"}
    )
    assert codes(store, record(store, data), recipient="anonymous") == []


def test_the_anonymous_registration_can_be_counted(store: Store) -> None:
    """Per person what CoMensha tallies, and nothing that names anyone: sex, age group (never
    the age), nationality, the form; "Waarom deze registratie", no urgency, the month made
    labelled as such, and a footer that claims no more than it can."""
    visit = record(store, nails())
    text = made_text(store, visit, "anonymous")
    person = block(text, "Persoon 1", t("referral.label.signals"))
    for label, value in (
        ("sex", "vrouw"),
        ("age_group", "16–17 jaar"),
        ("nationality", "Vietnam"),
        ("forms", "Arbeidsuitbuiting"),
    ):
        assert f"{t(f'referral.field.person.{label}')} {value}" in person, label
    assert t("referral.field.person.age") + " " not in person
    assert "Medewerker" not in text and "Eigenaar" not in text
    assert t("referral.label.reason_registration") in text
    assert t("referral.label.reason") not in text
    assert t("referral.label.urgency") not in text
    assert f"{t('referral.label.created_month')} " in text
    assert "Gemaakt in" in text
    assert "geen namen of directe identificatiegegevens" in text
    assert "teruggevolgd" not in text
    # Only "minor" known: the age group says so.
    data = nails()
    data["persons"][1].update(age=None, minor=True)
    minor = made_text(store, record(store, data), "anonymous")
    assert f"{t('referral.field.person.age_group')} {t('referral.minor')}" in minor


# -- 4: no signals, no reason ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("recipient", "about"), [("police", "Collega"), ("nla", "Collega"), ("riec", None)]
)
def test_without_signals_a_final_referral_needs_the_inspectors_reason(
    store: Store, recipient: str, about: str | None
) -> None:
    visit = record(store, witness_only())
    with pytest.raises(FieldAppError) as refused:
        make_referral(store, visit, recipient, person_ref=about)
    assert refused.value.key == "referral.not_ready"
    assert "Toelichting" in refused.value.message()
    assert codes(store, visit, about, recipient=recipient, profile=PROFILE) == ["reason"]
    assert codes(store, visit, about, recipient=recipient, reason="Busje 's nachts") == []
    assert codes(store, visit, about, recipient=recipient, reason="   ") == ["reason"]
    # The draft's lead does not point to an explanation that is not there.
    draft = made_text(store, visit, recipient, person_ref=about, final=False)
    assert t(f"referral.reason.lead_no_signals.{recipient}") not in draft
    assert "toelichting van de inspecteur zegt" not in draft
    made = make_referral(store, visit, recipient, person_ref=about, reason="Busje 's nachts")
    assert made.referral.status.value == "final"
    assert t(f"referral.reason.lead_no_signals.{recipient}") in text_of(made.pdf)


# -- 6: what the police need of a minor -----------------------------------------------------------


def test_a_minors_police_referral_needs_no_consent_and_b83_only_from_who_offers_it(
    store: Store,
) -> None:
    """A 15- or 17-year-old is referred to protect them, not on their consent; B8/3 is a final
    need only where the reporter offers it (the Labour Authority does, a municipality not: the
    police then do, as the document asks)."""
    visit = record(store, nails())
    for recipient in ("police", "nla"):
        found = codes(store, visit, "Medewerker 1", recipient=recipient, profile=PROFILE)
        assert found == ["b83"], recipient
        municipal = codes(store, visit, "Medewerker 1", recipient=recipient, profile=MUNICIPALITY)
        assert municipal == [], recipient
    text = made_text(
        store, record(store, nails(), MUNICIPALITY), "police", person_ref="Medewerker 1"
    )
    assert t("referral.follow_up.b83") in text
    adult = record(store, nails(age=30))
    assert codes(store, adult, "Medewerker 1", recipient="police", profile=PROFILE) == [
        "consent",
        "b83",
    ]


# -- 8, 16: the care coordinator ------------------------------------------------------------------


def test_the_care_coordinator_reads_why_this_is_trafficking(store: Store) -> None:
    visit = record(store, brothel())
    text = made_text(
        store, visit, "zorgcoordinator", person_ref="Vrouw raam 5", vital_interest=VITAL
    )
    assert f"{t('referral.label.summary')} Seksuele uitbuiting: signalen aanwezig" in text
    assert t("referral.label.signals") not in text
    assert "VEN-10" not in text


def test_a_minor_goes_to_the_care_coordinator_as_a_child(store: Store) -> None:
    """A 15-year-old at home with his mother needs youth protection, not residence and
    benefits."""
    data = nails(age=15)
    data["persons"][1].update(care_needs="Jeugdhulp", consent="given")
    visit = record(store, data)
    text = made_text(store, visit, "zorgcoordinator", person_ref="Medewerker 1")
    assert t("referral.follow_up.zorgcoordinator_minor") in text
    assert "jeugdbescherming of Veilig Thuis" in text
    assert "verblijf" not in text and "uitkering" not in text
    adult = made_text(
        store, record(store, greenhouse()), "zorgcoordinator", person_ref="Werknemer A"
    )
    assert t("referral.follow_up.zorgcoordinator") in adult


# -- 9: the annex ---------------------------------------------------------------------------------


@pytest.mark.parametrize("recipient", ["police", "comensha"])
def test_the_annex_names_only_the_documents_signals_and_speaks_of_the_reporter(
    store: Store, recipient: str
) -> None:
    for data, person in ((greenhouse(), "Werknemer A"), (brothel(), "Vrouw raam 3")):
        text = made_text(store, record(store, data), recipient, person_ref=person)
        body, annex = text.partition(t("referral.label.annex"))[::2]
        # The engine's lines, before the catalogue line and the document's own note.
        annex = annex.partition("Beoordeeld met indicatorenlijst")[0]
        assert annex, recipient
        table = set(re.findall(r"\b[A-Z]+(?:-[A-Z0-9]+)*-\d{2}\b", body))
        for listed in re.findall(r"\[([^\]]+)\]", annex):
            assert set(listed.split(", ")) <= table, listed
        assert "wegingen" not in annex and "weging " not in annex
        assert "‘u’" not in annex and "melder)." not in annex
        assert not re.search(r"\b(u|uw|U|Uw)\b", annex)
        assert "De plichten bij een aanwijzing gelden" not in annex
        assert "Aanwijzing van mensenhandel: ja" in annex


# -- 10: the form and the reading -----------------------------------------------------------------


def aupair() -> dict[str, Any]:
    return {
        "site": {
            "name": "Gastgezin Wassenaar",
            "address": {"street": "Rijksstraatweg", "number": "200", "place": "Wassenaar"},
            "municipality": "Wassenaar",
            "sector": "domestic_work",
        },
        "visit": {
            "started_at": "2026-09-03T10:00:00+02:00",
            "type": "inspection",
            "agencies": ["nla", "IND"],
        },
        "persons": [
            {
                "ref": "A",
                "label": "Au pair",
                "role": "possible_victim",
                "sex": "f",
                "age": 24,
                "nationality": "PH",
                "consent": "given",
                "b83_status": "offered",
                "initials": "M.S.",
                "birth_date": "2002-01-15",
            },
        ],
        "observations": [
            {"person": "A", "indicator": i, "status": "observed", "evidence": "told"}
            for i in ("DOM-01", "DOM-02", "DOM-03")
        ],
    }


def test_the_form_is_the_reporters_only_when_the_reporter_recorded_it(store: Store) -> None:
    visit = record(store, aupair())
    text = made_text(store, visit, "comensha", person_ref="Au pair")
    assert f"{t('referral.field.person.forms')} Arbeidsuitbuiting" in text
    assert t("referral.field.person.suspected_forms") not in text
    assert "afgeleid" not in text
    data = aupair()
    data["persons"][0]["suspected_forms"] = ["labour"]
    own = made_text(store, record(store, data), "comensha", person_ref="Au pair")
    assert f"{t('referral.field.person.suspected_forms')} Arbeidsuitbuiting" in own
    assert t("referral.field.person.forms") not in own


def test_the_one_line_reading_says_what_the_headline_rests_on(store: Store) -> None:
    """Every dimension "onder de drempel" beside "aanwijzingen voor mensenhandel": the line
    says the outcome is the art. 273f reading and what the ILO indicators alone gave."""
    text = made_text(store, record(store, aupair()), "comensha", person_ref="Au pair")
    summary = block(text, t("referral.label.summary"), t("referral.field.person.initials"))
    assert "aanwijzingen voor mensenhandel (lezing van art. 273f Sr" in summary
    assert "volgens de ILO-indicatoren: signalen aanwezig" in summary


# -- 13, 15, 18: persons, other victims, layout and wording ---------------------------------------


def test_an_operator_with_nothing_recorded_is_no_criminal_offence_data(store: Store) -> None:
    visit = record(store, brothel())
    text = made_text(store, visit, "police", person_ref="Vrouw raam 3")
    operator = text.index("Exploitant – werkgever of leidinggevende")
    assert operator < text.index(CRIMINAL_NL) < text.index("Pooier – mogelijke uitbuiter")
    assert t("referral.label.suspects_exploiters") in text
    data = brothel()
    data["persons"][0]["notes"] = "Verhuurt de ramen per nacht contant."
    noted = made_text(store, record(store, data), "police", person_ref="Vrouw raam 3")
    assert noted.index(CRIMINAL_NL) < noted.index("Exploitant – werkgever of leidinggevende")
    assert t("referral.label.suspects") in noted
    nails_text = made_text(store, record(store, nails()), "police", final=False)
    assert CRIMINAL_NL not in nails_text
    assert "strafrechtelijke" not in nails_text


def test_a_referral_about_one_person_says_others_were_met(store: Store) -> None:
    visit = record(store, greenhouse())
    one = made_text(store, visit, "police", person_ref="Werknemer A")
    other = tn("referral.reason.other_victims", 1)
    assert other in one
    assert "Werknemer B" not in one
    assert other not in made_text(store, visit, "police")
    assert other not in made_text(store, visit, "comensha", person_ref="Werknemer A")


def test_a_person_block_starts_on_page_one_when_it_can(store: Store) -> None:
    """The care coordinator's and CoMensha's documents left page 1 half empty: the block of
    the person moved whole to page 2."""
    visit = record(store, brothel())
    for recipient in ("zorgcoordinator", "comensha"):
        made = make_referral(store, visit, recipient, person_ref="Vrouw raam 3")
        assert "Vrouw raam 3" in pages_of(made.pdf)[0].partition(t("referral.label.persons"))[2]


def test_banner_dates_and_the_declined_offer_read_as_meant(store: Store) -> None:
    nails_text = made_text(store, record(store, nails()), "police", final=False)
    assert f"{t('referral.label.urgency')}: {t('referral.urgency.high')}" in nails_text
    assert "Met voorrang –" not in nails_text
    visit = record(store, brothel())
    dutch = made_text(store, visit, "police", person_ref="Vrouw raam 3")
    assert "aangeboden; de persoon zag ervan af" in dutch
    assert "aangeboden en afgewezen" not in dutch
    english = made_text(store, visit, "police", person_ref="Vrouw raam 3", lang="en")
    assert "offered; the person declined it" in english
    assert "01-03-2026" in english  # the consent date, as the visit date is written
    assert not re.search(r"\d{2}/\d{2}/\d{4}", english)
