"""The assessment engine over the real catalogue: thresholds and combinations, forms from
context, roles, the indication that duties follow, the art. 273f reading, minors, B8/3 scope,
past danger, and advice to the reporter apart from the reason to the recipient."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldapp.assessment import Case, CaseObservation, assess, assessment_to_json
from fieldapp.assessment.engine import ADULT, CHILD
from fieldapp.catalogue import CatalogueError, load_catalogue
from fieldapp.catalogue.loader import assessment_catalogue, catalogue_root
from fieldapp.catalogue.model import FORMS
from fieldapp.domain import AgeBand, Consent, ObservationStatus, PersonRole
from fieldapp.i18n import t

CATALOGUE = assessment_catalogue()
RULES = CATALOGUE.rules
OBSERVED, NOT_OBSERVED, UNKNOWN = (
    ObservationStatus.OBSERVED,
    ObservationStatus.NOT_OBSERVED,
    ObservationStatus.UNKNOWN,
)
ALL_ROLES = tuple(PersonRole)
NON_VICTIM_ROLES = tuple(r for r in PersonRole if r is not PersonRole.POSSIBLE_VICTIM)
VICTIM_DUTIES = {"comensha", "anonymous", "zorgcoordinator", "veilig_thuis", "nidos"}


def ilo(dimension: str, grade: str, count: int = 1) -> list[str]:
    """``count`` ILO items of ``dimension`` with that adult-labour grade."""
    found = [
        item.id
        for item in CATALOGUE.indicators.values()
        if item.framework == "ILO2009"
        and item.dimension == dimension
        and item.grades["adult_labour"].grade == grade
    ]
    # A catalogue that no longer holds the items a rule test needs fails the test, never skips it.
    assert len(found) >= count, f"catalogue has only {len(found)} {grade} items in {dimension}"
    return found[:count]


def case(*ids: str, status: ObservationStatus = OBSERVED, **person) -> Case:
    person.setdefault("age", 30)
    return Case(observations=tuple(CaseObservation(i, status) for i in ids), **person)


def labour(result):
    return result.forms["labour"]


def recipients(result) -> set[str]:
    return {r.to for r in result.referrals}


def positive_set(dimension: str) -> list[str]:
    """The smallest observed set that makes ``dimension`` positive in the adult labour list."""
    for grades in ({"S": 2}, {"S": 1, "M": 1}, {"M": 3}, {"M": 2, "W": 1}):
        found = []
        for grade, count in grades.items():
            items = [
                item.id
                for item in CATALOGUE.indicators.values()
                if item.framework == "ILO2009"
                and item.dimension == dimension
                and item.grades["adult_labour"].grade == grade
            ]
            if len(items) < count:
                break
            found += items[:count]
        else:
            return found
    raise AssertionError(dimension)


# -- the ILO reading: thresholds and combinations (labour, the default context) -------------

THRESHOLDS = [
    # (name, dimension, {grade: count}, positive)
    ("one strong alone", "EXPL", {"S": 1}, False),
    ("one strong + one weak", "EXPL", {"S": 1, "W": 1}, True),
    ("one strong + one medium", "EXPL", {"S": 1, "M": 1}, True),
    ("two strong", "COE_DEST", {"S": 2}, True),
    ("three medium", "EXPL", {"M": 3}, True),
    ("two medium + one weak", "VUL_REC", {"M": 2, "W": 1}, True),
    ("two medium", "EXPL", {"M": 2}, False),
    ("one medium + one weak", "VUL_REC", {"M": 1, "W": 1}, False),
    ("weak only", "VUL_REC", {"W": 4}, False),
    ("one medium + two weak", "VUL_REC", {"M": 1, "W": 2}, False),
]


@pytest.mark.parametrize(
    ("dimension", "grades", "positive"), [t[1:] for t in THRESHOLDS], ids=[t[0] for t in THRESHOLDS]
)
def test_dimension_thresholds(dimension: str, grades: dict[str, int], positive: bool) -> None:
    ids = [i for grade, count in grades.items() for i in ilo(dimension, grade, count)]
    result = labour(assess(case(*ids), CATALOGUE)).dimensions[dimension]
    assert (result.strong, result.medium, result.weak) == (
        grades.get("S", 0),
        grades.get("M", 0),
        grades.get("W", 0),
    )
    assert result.positive is positive
    assert set(result.indicators) == set(ids)


ILO_OUTCOMES = [
    ("recruitment, exploitation, coercion", ADULT, ("DEC_REC", "EXPL", "COE_DEST"),
     "trafficking_indicated"),
    ("vulnerability at both ends", ADULT, ("VUL_REC", "EXPL", "VUL_DEST"), "trafficking_indicated"),
    ("deceived and exploited", ADULT, ("DEC_REC", "EXPL"), "deceived_and_exploited"),
    ("exploited only", ADULT, ("EXPL",), "exploited"),
    ("coercion without exploitation", ADULT, ("COE_DEST",), "signals_present"),
    ("adult without destination dimension", ADULT, ("COE_REC", "EXPL"), "exploited"),
    ("child: recruitment and exploitation", CHILD, ("COE_REC", "EXPL"), "trafficking_indicated"),
    ("child: exploitation only", CHILD, ("EXPL",), "exploited"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("group", "dimensions", "outcome"),
    [o[1:] for o in ILO_OUTCOMES],
    ids=[o[0] for o in ILO_OUTCOMES],
)
def test_ilo_outcomes_per_age_group(group: str, dimensions: tuple[str, ...], outcome: str) -> None:
    ids = [i for d in dimensions for i in positive_set(d)]
    result = assess(case(*ids, age=30 if group == ADULT else 15), CATALOGUE)
    assert result.profile == group
    form = labour(result)
    assert form.ilo_outcome == outcome
    # The outcome shown is the higher of the ILO and the art. 273f readings.
    assert RULES.rank(form.outcome) >= RULES.rank(outcome)
    assert {d for d, r in form.dimensions.items() if r.positive} >= set(dimensions)


def test_no_observation_means_no_signals_and_no_duties() -> None:
    result = assess(case(), CATALOGUE)
    assert tuple(result.forms) == ("labour",)  # nothing points anywhere: labour
    assert labour(result).outcome == "no_signals"
    assert len(labour(result).unassessed) == 6
    assert result.registration == "not_applicable"
    assert result.referrals == ()
    assert result.b83_prompt is None
    assert not result.trafficking_indication


def test_unknown_and_not_observed_never_count_but_mark_assessed() -> None:
    ids = positive_set("EXPL")
    for status in (UNKNOWN, NOT_OBSERVED):
        form = labour(assess(case(*ids, status=status), CATALOGUE))
        assert form.outcome == "no_signals"
        assert form.dimensions["EXPL"].positive is False
        assert ("EXPL" in form.unassessed) is (status is UNKNOWN)


def test_visit_level_signals_count_and_person_answers_override() -> None:
    ids = positive_set("EXPL")
    shared = Case(
        observations=tuple(CaseObservation(i, OBSERVED, visit_level=True) for i in ids), age=30
    )
    result = assess(shared, CATALOGUE)
    assert labour(result).ilo_outcome == "exploited"
    assert any(e.key == "assess.explain.visit_level" for e in result.explanation)
    overridden = Case(
        observations=(*shared.observations, CaseObservation(ids[0], NOT_OBSERVED)), age=30
    )
    assert labour(assess(overridden, CATALOGUE)).dimensions["EXPL"].positive is False


def test_grades_that_are_not_confirmed_are_reported() -> None:
    ids = positive_set("EXPL")
    result = assess(case(*ids, sector="sex_work_licensed"), CATALOGUE)
    used = {(u.indicator_id, u.profile) for u in result.unconfirmed_grades_used}
    assert {(i, "adult_sexual") for i in ids} <= used
    assert all(u.via == "fallback:adult_labour" for u in result.unconfirmed_grades_used)
    assert any(e.key == "assess.explain.unconfirmed" for e in result.explanation)


def test_mapped_signal_counts_once_as_its_ilo_item() -> None:
    mapped = next(
        item
        for item in CATALOGUE.indicators.values()
        if item.maps_to
        and CATALOGUE.indicators[item.maps_to[0]].dimension == "EXPL"
        and "labour" in item.forms
    )
    target = mapped.maps_to[0]
    both = labour(assess(case(mapped.id, target), CATALOGUE)).dimensions["EXPL"]
    alone = labour(assess(case(target), CATALOGUE)).dimensions["EXPL"]
    assert (both.strong, both.medium, both.weak) == (alone.strong, alone.medium, alone.weak)
    assert set(both.indicators) == {mapped.id, target}


def test_unknown_indicator_is_ignored_and_named() -> None:
    result = assess(case("NOPE-99"), CATALOGUE)
    assert result.unknown_indicators == ("NOPE-99",)
    assert labour(result).outcome == "no_signals"


# -- forms from context --------------------------------------------------------------------

SEX_SIGNAL = "VEN-01"  # an advertisement offering a very young person
DRUG_RUNNING = "YCE-05"


@pytest.mark.parametrize(
    ("sector", "ids", "suspected", "forms"),
    [
        ("agriculture", ["ILO-CD-01"], (), ("labour",)),
        ("sex_work_licensed", ["ILO-CD-01"], (), ("sexual",)),
        ("sex_work_unlicensed", [], (), ("sexual",)),
        ("agriculture", ["ILO-CD-01", SEX_SIGNAL], (), ("labour", "sexual")),
        ("other", [DRUG_RUNNING], (), ("criminal",)),
        ("other", ["ILO-CD-01"], (), ("labour",)),
        (None, [], (), ("labour",)),
        ("nail_beauty", [], ("sexual",), ("labour", "sexual")),
        ("other", [], ("forced_marriage",), ("forced_marriage",)),
    ],
)
def test_a_person_is_assessed_only_for_the_forms_the_context_points_to(
    sector, ids, suspected, forms
) -> None:
    result = assess(case(*ids, sector=sector, suspected_forms=suspected), CATALOGUE)
    assert tuple(result.forms) == forms
    assert set(result.forms_not_in_context) == set(RULES.forms) - set(forms)
    rendered = assessment_to_json(result, "en")
    assert {f for f, v in rendered["forms"].items() if v["in_context"]} == set(forms)


def test_a_greenhouse_worker_whose_passport_is_held_is_not_read_as_sexual_exploitation() -> None:
    result = assess(case("ILO-CD-01", sector="agriculture"), CATALOGUE)
    text = " ".join(assessment_to_json(result, "nl")["explanation"])
    assert "sexual" not in result.forms and "criminal" not in result.forms
    assert t("form.sexual", "nl") + " –" not in text
    assert t("form.sexual", "nl") + ": signalen" not in text


def test_generic_signals_never_open_a_form() -> None:
    generic = [i.id for i in CATALOGUE.indicators.values() if not i.context_forms]
    assert len(generic) > 80
    result = assess(case(*generic, sector="other"), CATALOGUE)
    assert tuple(result.forms) == RULES.default_forms


@pytest.mark.parametrize("item", [i for i in CATALOGUE.indicators.values() if i.context_forms])
def test_a_form_specific_signal_opens_its_forms_by_itself(item) -> None:
    result = assess(case(item.id, sector="other"), CATALOGUE)
    assert set(item.context_forms) <= set(result.forms)


def test_every_indicator_file_names_context_forms_within_its_forms() -> None:
    """Format 2 requires the key (the loader refuses a file without it); each value must be
    forms the indicator counts in."""
    folder = catalogue_root() / CATALOGUE.version
    manifest = json.loads((folder / "catalogue.json").read_text(encoding="utf-8"))
    seen = 0
    for name in manifest["files"]:
        for raw in json.loads((folder / name).read_text(encoding="utf-8"))["indicators"]:
            assert "context_forms" in raw, raw["id"]
            assert set(raw["context_forms"]) <= set(raw["forms"]), raw["id"]
            seen += 1
    assert seen == len(CATALOGUE.indicators)
    # Form-specific lists point to their form; the ILO items are generic but one.
    by_id = CATALOGUE.indicators
    assert by_id["VEN-01"].context_forms == ("sexual",)
    assert by_id["YCE-05"].context_forms == ("criminal",)
    assert [i.id for i in by_id.values() if i.framework == "ILO2009" and i.context_forms] == [
        "ILO-CD-05"
    ]


def test_sector_rules_are_data_and_cover_every_sector() -> None:
    from fieldapp.domain import Sector

    assert set(RULES.sectors) == {s.value for s in Sector}
    assert RULES.sector("sex_work_licensed").forms == ("sexual",)
    assert RULES.sector("agriculture").forms == ("labour",)
    assert RULES.sector("other").forms == ()


def test_a_signal_of_a_form_not_in_context_counts_nowhere_and_is_named() -> None:
    sexual_only = next(
        i for i in CATALOGUE.indicators.values() if i.forms == ("sexual",) and not i.context_forms
    )
    result = assess(case(sexual_only.id, sector="agriculture"), CATALOGUE)
    assert labour(result).outcome == "no_signals"
    assert any(
        e.key == "assess.explain.out_of_context" and sexual_only.id in e.indicators
        for e in result.explanation
    )


# -- roles -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", NON_VICTIM_ROLES)
def test_only_a_possible_victim_is_assessed_as_a_victim(role: PersonRole) -> None:
    ids = [*positive_set("DEC_REC"), *positive_set("EXPL"), *positive_set("COE_DEST")]
    result = assess(
        case(*ids, role=role, nationality="SY", reporter_agency="NLA", sector="agriculture"),
        CATALOGUE,
    )
    assert not result.assessed_as_victim
    assert result.forms == {}
    assert not result.trafficking_indication
    assert result.b83_prompt is None
    assert result.registration == "not_applicable"
    assert not recipients(result) & VICTIM_DUTIES
    assert result.highest_outcome(RULES) == "no_signals"
    assert any(e.key == "assess.explain.role_not_victim" for e in result.explanation)


def test_a_possible_exploiter_feeds_the_police_and_riec_picture() -> None:
    result = assess(case(role=PersonRole.POSSIBLE_EXPLOITER, sector="agriculture"), CATALOGUE)
    assert recipients(result) == {"police", "riec"}


def test_an_employer_goes_to_the_riec_only_with_signals() -> None:
    quiet = assess(case(role=PersonRole.EMPLOYER_MANAGER, sector="agriculture"), CATALOGUE)
    assert quiet.referrals == ()
    noted = assess(
        case("ILO-CD-01", role=PersonRole.EMPLOYER_MANAGER, sector="agriculture"), CATALOGUE
    )
    assert recipients(noted) == {"riec"}


def test_a_witness_gets_no_duties_even_with_visit_level_signals() -> None:
    ids = [*positive_set("DEC_REC"), *positive_set("EXPL")]
    witness = Case(
        observations=tuple(CaseObservation(i, OBSERVED, visit_level=True) for i in ids),
        age=40,
        role=PersonRole.WITNESS,
        nationality="MA",
        reporter_agency="police",
        sector="agriculture",
    )
    result = assess(witness, CATALOGUE)
    assert result.referrals == ()
    assert result.registration == "not_applicable"


# -- the indication that duties follow -------------------------------------------------------


def test_one_weak_signal_is_no_indication_and_carries_no_duty() -> None:
    weak = ilo("VUL_REC", "W")[0]
    result = assess(
        case(weak, nationality="SY", reporter_agency="NLA", sector="agriculture"), CATALOGUE
    )
    assert labour(result).outcome == "signals_present"
    assert not result.trafficking_indication
    assert result.registration == "consider"
    assert result.b83_prompt is None
    assert "police" not in recipients(result)
    assert "ask_further" in {key for key, _ in result.advice}


def test_the_ilo_reading_at_deceived_and_exploited_is_an_indication() -> None:
    ids = [*positive_set("DEC_REC"), *positive_set("EXPL")]
    result = assess(case(*ids, nationality="SY", reporter_agency="NLA"), CATALOGUE)
    assert labour(result).ilo_outcome == "deceived_and_exploited"
    assert "ilo" in result.indication_by
    assert result.registration == "mandatory"
    assert result.b83_prompt is not None


def test_exploitation_alone_below_the_indication_goes_the_nla_route_for_serious_abuse() -> None:
    ids = positive_set("EXPL")  # no means, no recruitment: exploited, not trafficking
    result = assess(case(*ids, reporter_agency="gemeente", sector="car_wash"), CATALOGUE)
    assert labour(result).outcome == "exploited"
    assert not result.trafficking_indication
    nla = next(r for r in result.referrals if r.to == "nla")
    assert "ernstige benadeling" in nla.advice[0]["nl"]
    assert "police" not in recipients(result)


def test_the_professionals_judgement_is_an_indication() -> None:
    weak = ilo("VUL_REC", "W")[0]
    judged = assess(
        case(weak, professional_indication=True, reporter_agency="NLA", nationality="SY"),
        CATALOGUE,
    )
    assert judged.trafficking_indication
    assert judged.indication_by == ("professional",)
    assert judged.registration == "mandatory"
    assert judged.b83_prompt is not None
    assert labour(judged).indication


def test_a_judgement_on_a_suspected_form_marks_that_form() -> None:
    result = assess(
        case(
            sector="nail_beauty",
            suspected_forms=("sexual",),
            professional_indication=True,
            reporter_agency="police",
        ),
        CATALOGUE,
    )
    assert result.forms["sexual"].indication
    assert not labour(result).indication
    assert "nla" not in recipients(result)
    assert "police" in recipients(result)


@pytest.mark.parametrize(
    ("reporter", "consent", "registration"),
    [
        ("NLA", Consent.NOT_ASKED, "mandatory"),
        ("police", Consent.REFUSED, "mandatory"),
        ("KMar", Consent.NOT_ASKED, "mandatory"),
        ("Gemeente", Consent.GIVEN, "with_consent"),
        ("Gemeente", Consent.REFUSED, "anonymous_signal_only"),
        (None, Consent.NOT_ASKED, "anonymous_signal_only"),
    ],
)
def test_comensha_registration_with_an_indication(reporter, consent, registration: str) -> None:
    ids = [*positive_set("DEC_REC"), *positive_set("EXPL")]
    result = assess(case(*ids, reporter_agency=reporter, consent=consent), CATALOGUE)
    assert result.registration == registration
    anonymous = registration == "anonymous_signal_only"
    assert ("comensha" in recipients(result)) is not anonymous
    assert ("anonymous" in recipients(result)) is anonymous


@pytest.mark.parametrize(
    ("reporter", "registration"),
    [
        ("politie", "mandatory"),
        ("Police", "mandatory"),
        ("AVIM", "mandatory"),
        ("kmar", "mandatory"),
        ("Arbeidsinspectie", "mandatory"),
        ("nla", "mandatory"),
        ("gemeente", "anonymous_signal_only"),
        ("Stichting X", "anonymous_signal_only"),
    ],
)
def test_reporter_names_in_any_form_are_recognised(reporter: str, registration: str) -> None:
    ids = [*positive_set("DEC_REC"), *positive_set("EXPL")]
    assert assess(case(*ids, reporter_agency=reporter), CATALOGUE).registration == registration


# -- the art. 273f reading -------------------------------------------------------------------


def test_harbouring_with_a_means_for_exploitation_is_trafficking_without_recruitment() -> None:
    """Passport held + debt + employer housing + underpayment, recruitment unknown: under art.
    273f huisvesten/opnemen with a means for exploitation is trafficking."""
    result = assess(
        case(
            "NLA-04",
            "NLA-07",
            "NLA-10",
            "NLA-03",
            sector="agriculture",
            nationality="UA",
            reporter_agency="NLA",
        ),
        CATALOGUE,
    )
    form = labour(result)
    assert form.ilo_outcome in ("signals_present", "exploited")
    assert form.outcome == "trafficking_indicated"
    assert form.reading == "dutch_law"
    law = form.dutch_law
    assert law.indicated and law.purpose
    assert {"huisvesten", "opnemen"} <= set(law.acts)
    assert "werven" not in law.acts
    assert law.means == ("coercion",)
    assert law.opnemen_by_sector
    assert any(e.key == "assess.explain.outcome_dutch_law" for e in result.explanation)
    assert any(e.key == "assess.explain.dutch_law_own_reading" for e in result.explanation)
    text = " ".join(assessment_to_json(result, "nl")["explanation"])
    assert "opnemen: de persoon werkt of woont op de bezochte locatie" in text
    assert result.b83_prompt is not None  # Ukraine: a third country


def test_the_missing_element_is_named() -> None:
    result = assess(case("ILO-CD-01", sector="agriculture"), CATALOGUE)
    law = labour(result).dutch_law
    assert not law.indicated
    assert law.missing == ("purpose",)
    exploited = assess(case(*positive_set("EXPL"), sector="agriculture"), CATALOGUE)
    assert labour(exploited).dutch_law.missing == ("means",)


def test_a_means_that_makes_someone_work_needs_no_act_sub_4() -> None:
    """Art. 273f lid 1 sub 4: brought by a means to work or services; no act needed. A held
    passport and underpayment, met in the street (no act from the place): indicated."""
    no_act = assess(case("ILO-CD-01", "NLA-03", sector="other"), CATALOGUE)
    law = labour(no_act).dutch_law
    assert law.indicated and law.routes == ("4",) and not law.acts
    assert any(e.key == "assess.explain.dutch_law_sub4" for e in no_act.explanation)
    # Forced marriage is no work or service: there the act is needed (sub 1).
    marriage = [i.id for i in CATALOGUE.indicators.values() if "forced_marriage" in i.context_forms]
    means_and_purpose = assess(
        case(*marriage, "ILO-CD-01", sector="other", suspected_forms=("forced_marriage",)),
        CATALOGUE,
    )
    form = means_and_purpose.forms["forced_marriage"].dutch_law
    assert "4" not in form.routes


def test_the_intent_may_rest_on_the_professionals_suspicion_with_act_and_means() -> None:
    """Recruited by deception with a debt, not yet exploited, the KMar suspects sexual
    exploitation: the purpose is an intent (oogmerk), so sub 1 is met."""
    ids = ["ILO-DR-01", "ILO-CR-04"]
    unsuspected = assess(case(*ids, sector="other", nationality="NG"), CATALOGUE)
    assert not unsuspected.trafficking_indication
    assert "record_judgement" in {key for key, _ in unsuspected.advice}
    suspected = assess(
        case(*ids, sector="other", nationality="NG", suspected_forms=("sexual",)), CATALOGUE
    )
    law = suspected.forms["sexual"].dutch_law
    assert law.routes == ("1",) and law.purpose_by_suspicion
    assert suspected.trafficking_indication and suspected.b83_prompt is not None
    # Sub 4 needs exploitation itself: a suspicion without an act is not enough.
    no_act = assess(case("ILO-CD-01", sector="other", suspected_forms=("sexual",)), CATALOGUE)
    assert not no_act.forms["sexual"].dutch_law.indicated


def test_met_at_a_site_of_sector_other_is_no_act() -> None:
    assert not labour(assess(case(sector="other"), CATALOGUE)).dutch_law.acts
    assert labour(assess(case(sector="car_wash"), CATALOGUE)).dutch_law.acts == ("opnemen",)


def test_vulnerability_alone_needs_its_dimension_positive_to_be_a_means() -> None:
    one = ilo("VUL_DEST", "M")[0]
    result = assess(case(one, "NLA-03", sector="agriculture"), CATALOGUE)
    assert labour(result).dutch_law.missing == ("means",)


# -- minors ----------------------------------------------------------------------------------


def test_a_minor_in_prostitution_is_trafficking_by_definition() -> None:
    result = assess(
        case(age=15, nationality="NL", reporter_agency="gemeente", sector="sex_work_licensed"),
        CATALOGUE,
    )
    sexual = result.forms["sexual"]
    assert sexual.outcome == "trafficking_indicated"
    assert sexual.dutch_law.indicated and not sexual.dutch_law.means_needed
    assert result.trafficking_indication
    assert {"police", "veilig_thuis"} <= recipients(result)
    police = next(r for r in result.referrals if r.to == "police")
    assert police.urgency == "high"
    assert len(police.advice) == 1  # the minor's advice, not the adult's as well


def test_a_drug_running_minor_has_an_indication_and_the_act_is_asked_for() -> None:
    result = assess(case(DRUG_RUNNING, age=15, nationality="NL", sector="other"), CATALOGUE)
    criminal = result.forms["criminal"]
    assert tuple(result.forms) == ("criminal",)
    assert criminal.dimensions["EXPL"].indicators == (DRUG_RUNNING,)
    assert "minor" in result.indication_by
    assert criminal.dutch_law.missing == ("act",)
    assert {"police", "veilig_thuis"} <= recipients(result)


def test_an_unaccompanied_foreign_minor_also_goes_to_nidos() -> None:
    result = assess(case(DRUG_RUNNING, "YCE-10", age=16, nationality="MA"), CATALOGUE)
    assert "nidos" in recipients(result)
    dutch = assess(case(DRUG_RUNNING, "YCE-10", age=16, nationality="NL"), CATALOGUE)
    assert "nidos" not in recipients(dutch)


def test_unknown_age_may_be_a_minor_and_gets_the_minor_rule() -> None:
    result = assess(case(DRUG_RUNNING, age=None), CATALOGUE)
    assert result.profile == "unknown"
    assert "minor" in result.indication_by
    assert "record_age" in {key for key, _ in result.advice}
    assert "veilig_thuis" in recipients(result)
    assert any(e.key == "assess.explain.profile_unknown" for e in result.explanation)


def test_an_age_band_settles_the_age_group() -> None:
    assert assess(case(age=None, age_band=AgeBand.TEEN_YOUNG), CATALOGUE).profile == CHILD
    assert assess(case(age=None, age_band=AgeBand.ADULT), CATALOGUE).profile == ADULT
    assert assess(case(age=None, minor=True), CATALOGUE).profile == CHILD
    assert assess(case(age=None, minor=False), CATALOGUE).profile == ADULT


def test_a_minor_working_in_a_greenhouse_is_not_exploited_by_that_alone() -> None:
    result = assess(case(age=16, sector="agriculture"), CATALOGUE)
    assert labour(result).outcome == "no_signals"
    assert not result.trafficking_indication


# -- B8/3 scope ------------------------------------------------------------------------------

INDICATED = ["NLA-04", "NLA-03"]  # passport held and underpaid, met at work


@pytest.mark.parametrize(
    ("nationality", "duty", "note"),
    [
        ("SY", True, False),
        ("UA", True, False),
        (None, True, False),
        ("RO", False, True),
        ("PL", False, True),
        ("BG", False, True),
        ("NO", False, True),
        ("CH", False, True),
        ("NL", False, False),
    ],
)
def test_b83_is_a_duty_for_third_country_and_unknown_nationals_only(nationality, duty, note):
    result = assess(
        case(*INDICATED, nationality=nationality, reporter_agency="NLA", sector="agriculture"),
        CATALOGUE,
    )
    assert result.trafficking_indication
    assert (result.b83_prompt is not None) is duty
    assert (result.b83_union_note is not None) is note
    rendered = assessment_to_json(result, "nl")
    assert (rendered["b83_note"] is not None) is note
    if duty:
        assert rendered["b83_prompt"]["text"]
        assert result.b83_prompt.reporter_can_offer


def test_no_b83_prompt_without_an_indication() -> None:
    result = assess(case("NLA-04", nationality="SY", sector="agriculture"), CATALOGUE)
    assert not result.trafficking_indication
    assert result.b83_prompt is None and result.b83_union_note is None


# -- past danger -----------------------------------------------------------------------------


def test_an_acute_signal_now_means_police_now() -> None:
    acute = next(item for item in CATALOGUE.indicators.values() if item.acute)
    result = assess(case(acute.id), CATALOGUE)
    assert result.acute
    assert result.acute_indicators == (acute.id,)
    assert result.referrals[0].to == "police"
    assert result.referrals[0].urgency == "immediate"
    assert result.explanation[0].key == "assess.explain.acute"


def test_last_months_blow_is_a_signal_not_an_alarm() -> None:
    past = Case((CaseObservation("ILO-CD-04", OBSERVED, past=True),), age=30, sector="car_wash")
    result = assess(past, CATALOGUE)
    assert not result.acute
    assert result.past_acute_indicators == ("ILO-CD-04",)
    assert labour(result).dimensions["COE_DEST"].indicators == ("ILO-CD-04",)
    assert "police" not in recipients(result)
    assert any(e.key == "assess.explain.past_acute" for e in result.explanation)
    assert assessment_to_json(result, "nl")["acute_advice"] is None


# -- catalogue 2026.2 corrections ------------------------------------------------------------


def test_violence_and_threats_from_the_nla_list_count_and_are_acute_when_current() -> None:
    nla06 = CATALOGUE.indicators["NLA-06"]
    assert nla06.acute and nla06.dimension == "COE_DEST" and nla06.maps_to
    result = assess(case("NLA-06", sector="construction"), CATALOGUE)
    assert result.acute
    assert labour(result).dimensions["COE_DEST"].indicators == ("NLA-06",)


def test_corrected_meanings_and_mappings() -> None:
    items = CATALOGUE.indicators
    assert "zwart" in items["NLA-09"].label["nl"].casefold()
    assert "cash" not in items["NLA-09"].label["en"].casefold()
    assert items["POL-2-06"].maps_to == ("ILO-CD-06",)
    for youth in ("YCE-05", "YCE-06", "YCE-07", "YCE-08", "YCE-09"):
        assert items[youth].dimension == "EXPL" and items[youth].forms == ("criminal",)
    for violence in ("ILO-CR-01", "ILO-CD-04"):
        assert "physical_abuse" in items[violence].ctdc
        assert "sexual_abuse" not in items[violence].ctdc
    for pay in ("ILO-EX-04", "NLA-03", "POL-3-01"):
        assert "takes_earnings" not in items[pay].ctdc
    flags = {flag for item in items.values() for flag in item.ctdc}
    assert {"psychoactive_substances", "uses_children"} <= flags
    for lang, words in (("nl", "uitbuitingssituatie"), ("en", "exploitation situation")):
        assert words in t("dimension.COE_DEST", lang)
        assert words in t("dimension.VUL_DEST", lang)


def test_the_new_forms_of_directive_2024_1712_are_assessed_in_context() -> None:
    assert {"forced_marriage", "illegal_adoption", "surrogacy"} <= set(RULES.forms)
    for form in ("forced_marriage", "illegal_adoption", "surrogacy"):
        own = [i for i in CATALOGUE.indicators.values() if form in i.context_forms]
        assert own, form
        result = assess(case(own[0].id, sector="other"), CATALOGUE)
        assert form in result.forms


def test_criminal_exploitation_rises_with_criminal_activity() -> None:
    result = assess(case(DRUG_RUNNING, "YCE-06", "YCE-08", age=25, sector="other"), CATALOGUE)
    criminal = result.forms["criminal"]
    assert criminal.dimensions["EXPL"].positive
    assert criminal.ilo_outcome == "exploited"
    assert criminal.stand_in


# -- versions ----------------------------------------------------------------------------------


def test_the_engine_says_which_versions_rules_it_applied() -> None:
    old = Case((CaseObservation("ILO-CD-01", OBSERVED),), age=30, observation_versions=("2026.1",))
    result = assess(old, CATALOGUE)
    assert result.catalogue_version == "2026.2"
    assert result.observation_versions == ("2026.1",)
    versions = next(e for e in result.explanation if e.key == "assess.explain.versions")
    assert versions.params == {"versions": "2026.1", "version": "2026.2"}
    rendered = assessment_to_json(result, "en")
    assert rendered["observation_catalogue_versions"] == ["2026.1"]


def test_an_older_catalogue_stays_readable_but_its_rules_are_superseded() -> None:
    old = load_catalogue("2026.1")
    assert old.get("ILO-CD-01").label["nl"]
    with pytest.raises(CatalogueError) as caught:
        old.rules  # noqa: B018 - the property raises
    assert "2026.1" in caught.value.message("en")


# -- advice to the reporter, reason to the recipient -----------------------------------------


def test_an_nla_inspector_is_pointed_to_nla_opsporing_not_told_to_report_to_the_nla() -> None:
    ids = [*positive_set("DEC_REC"), *positive_set("EXPL")]
    result = assess(case(*ids, reporter_agency="NLA", sector="agriculture"), CATALOGUE)
    nla = next(r for r in result.referrals if r.to == "nla")
    assert "NLA Opsporing" in nla.advice[0]["nl"]
    assert "meld bij" not in nla.advice[0]["nl"].casefold()
    assert "police" not in recipients(result)  # the NLA investigates labour trafficking itself
    municipal = assess(case(*ids, reporter_agency="gemeente", sector="agriculture"), CATALOGUE)
    assert {"nla", "police"} <= recipients(municipal)


def test_a_reason_is_written_to_its_recipient_never_as_advice_to_report() -> None:
    forbidden = ("overweeg", "meld ", "consider", "report to", "neem contact")
    for rule in RULES.routing:
        for lang in ("nl", "en"):
            reason = rule.reason[lang].casefold()
            assert not any(word in reason for word in forbidden), (rule.to, reason)
    for registration in ("consider", "mandatory", "with_consent", "anonymous_signal_only"):
        for lang in ("nl", "en"):
            reason = t(f"assess.referral_reason.{registration}", lang).casefold()
            assert not any(word in reason for word in forbidden), reason


def test_no_professional_is_sent_to_meld_misdaad_anoniem() -> None:
    ids = [*positive_set("DEC_REC"), *positive_set("EXPL")]
    result = assess(case(*ids, reporter_agency="gemeente"), CATALOGUE)
    text = json.dumps(assessment_to_json(result, "nl"), ensure_ascii=False)
    assert "Meld Misdaad Anoniem" not in text and "0800-7000" not in text


def test_json_output_has_the_documented_keys_in_both_languages() -> None:
    ids = [*positive_set("DEC_REC"), *positive_set("EXPL")]
    result = assess(case(*ids, nationality="SY", reporter_agency="NLA"), CATALOGUE)
    for lang in ("nl", "en"):
        data = assessment_to_json(result, lang)
        assert set(data) >= {
            "role",
            "assessed_as_victim",
            "profile",
            "trafficking_indication",
            "forms",
            "acute",
            "b83_prompt",
            "b83_note",
            "registration",
            "referrals",
            "advice",
            "explanation",
            "unconfirmed_grades_used",
            "catalogue_version",
            "observation_catalogue_versions",
        }
        form = data["forms"]["labour"]
        assert form["in_context"] is True
        assert set(form["dutch_law"]) >= {"indicated", "act", "means", "purpose", "missing"}
        assert form["dimensions"]["EXPL"]["positive"] is True
        assert data["forms"]["sexual"] == {"in_context": False}
        assert all(
            set(r) == {"to", "reason", "advice", "urgency"} and r["reason"] and r["advice"]
            for r in data["referrals"]
        )
        assert all("{" not in line for line in data["explanation"])
    dutch, english = assessment_to_json(result, "nl"), assessment_to_json(result, "en")
    assert dutch["explanation"] != english["explanation"]
    text = " ".join(english["explanation"]).lower()
    assert "is a victim" not in text.replace("establish that anyone is a victim", "")


# -- properties ------------------------------------------------------------------------------

ALL_IDS = sorted(CATALOGUE.indicators)
observation = st.builds(
    CaseObservation,
    st.sampled_from(ALL_IDS),
    st.sampled_from(list(ObservationStatus)),
    st.none(),
    st.booleans(),
    st.booleans(),
)
person = st.fixed_dictionaries(
    {
        "age": st.one_of(st.none(), st.integers(0, 90)),
        "nationality": st.sampled_from([None, "NL", "BG", "NG"]),
        "sector": st.sampled_from([None, "agriculture", "sex_work_licensed", "other"]),
        "role": st.sampled_from(ALL_ROLES),
        "reporter_agency": st.sampled_from([None, "NLA", "gemeente"]),
    }
)


def highest(result) -> int:
    return RULES.rank(result.highest_outcome(RULES))


@settings(max_examples=150, deadline=None)
@given(st.lists(observation, max_size=25), person, st.sampled_from(ALL_IDS), st.booleans())
def test_adding_an_observed_indicator_never_lowers_an_outcome_nor_removes_an_indication(
    observations, who, extra, visit_level
) -> None:
    """A form opened by the context stays; a form in context only as the default (labour)
    may give way to a form a new signal points to, but the highest outcome never drops."""
    base = Case(observations=tuple(observations), **who)
    if extra in {o.indicator_id for o in observations}:
        return  # replacing an answer is not adding one
    more = Case(
        observations=(*observations, CaseObservation(extra, OBSERVED, None, visit_level)), **who
    )
    before, after = assess(base, CATALOGUE), assess(more, CATALOGUE)
    assert highest(after) >= highest(before)
    assert after.trafficking_indication >= before.trafficking_indication
    for form, result in before.forms.items():
        if result.context != ("default",):
            assert RULES.rank(after.forms[form].outcome) >= RULES.rank(result.outcome)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(observation, max_size=25),
    person,
    st.sampled_from(ALL_IDS),
    st.sampled_from([UNKNOWN, NOT_OBSERVED]),
)
def test_unknown_or_not_observed_never_changes_an_outcome(observations, who, extra, status):
    if extra in {o.indicator_id for o in observations}:
        return
    base = Case(observations=tuple(observations), **who)
    more = Case(observations=(*observations, CaseObservation(extra, status)), **who)
    first, second = assess(base, CATALOGUE), assess(more, CATALOGUE)
    assert {f: r.outcome for f, r in first.forms.items()} == {
        f: r.outcome for f, r in second.forms.items()
    }
    assert first.trafficking_indication == second.trafficking_indication


@settings(max_examples=100, deadline=None)
@given(
    st.lists(observation, max_size=25, unique_by=lambda o: (o.indicator_id, o.visit_level)),
    person,
    st.randoms(),
)
def test_order_of_observations_does_not_matter(observations, who, rnd) -> None:
    shuffled = list(observations)
    rnd.shuffle(shuffled)
    first = assess(Case(observations=tuple(observations), **who), CATALOGUE)
    second = assess(Case(observations=tuple(shuffled), **who), CATALOGUE)
    assert assessment_to_json(first) == assessment_to_json(second)


@settings(max_examples=100, deadline=None)
@given(st.lists(observation, max_size=25), person)
def test_duties_never_without_an_indication_and_never_for_others(observations, who) -> None:
    result = assess(Case(observations=tuple(observations), **who), CATALOGUE)
    if not result.trafficking_indication:
        assert result.registration in ("not_applicable", "consider")
        assert result.b83_prompt is None
        # Signals of forced marriage go to Veilig Thuis below the indication too, by design
        # (the LKHA advises adults as well: rules.json, 'forced_marriage'): advice, no duty.
        advised = {"veilig_thuis"} if "forced_marriage" in result.forms else set()
        duties = {"zorgcoordinator", "veilig_thuis", "nidos", "anonymous"} - advised
        assert not recipients(result) & duties
    if not result.assessed_as_victim:
        assert not recipients(result) & VICTIM_DUTIES
    assert set(result.forms) <= set(FORMS)


def test_a_forced_marriage_signal_advises_veilig_thuis_without_a_duty() -> None:
    """Hypothesis found it: an adult with one forced-marriage signal is advised Veilig Thuis
    (the LKHA advises adults too) while nothing else a victim's duties bring applies."""
    result = assess(case("FMR-01", age=18), CATALOGUE)
    assert not result.trafficking_indication
    assert "veilig_thuis" in recipients(result)
    assert not recipients(result) & {"zorgcoordinator", "nidos", "anonymous"}
    assert result.b83_prompt is None


def test_a_form_opened_by_suspicion_alone_is_not_indicated_by_generic_signals() -> None:
    """A greenhouse worker with a held passport and exploitative hours, the inspector also
    suspects sexual exploitation: labour carries the indication; the sexual form may read
    the generic signals but only signals of sexual exploitation itself show its purpose."""
    ids = ["ILO-CD-01", *positive_set("EXPL")]
    result = assess(case(*ids, sector="agriculture", suspected_forms=("sexual",)), CATALOGUE)
    assert labour(result).dutch_law.indicated
    sexual = result.forms["sexual"].dutch_law
    assert not sexual.indicated and sexual.means == ("coercion",)  # no act, no own purpose
    with_sexual_signal = assess(
        case(*ids, "NLS-06", sector="agriculture", suspected_forms=("sexual",)), CATALOGUE
    )
    assert "sexual" in with_sexual_signal.forms  # NLS-06 opens the form by itself
    assert with_sexual_signal.forms["sexual"].dutch_law.indicated
