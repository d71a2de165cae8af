"""The assessment engine over the real catalogue: thresholds, combinations, duties, routing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldapp.assessment import Case, CaseObservation, assess, assessment_to_json
from fieldapp.assessment.engine import ADULT, CHILD
from fieldapp.catalogue import load_catalogue
from fieldapp.domain import Consent, ObservationStatus

CATALOGUE = load_catalogue()
RULES = CATALOGUE.rules
OBSERVED, NOT_OBSERVED, UNKNOWN = (
    ObservationStatus.OBSERVED,
    ObservationStatus.NOT_OBSERVED,
    ObservationStatus.UNKNOWN,
)


def ilo(dimension: str, grade: str, count: int = 1) -> list[str]:
    """``count`` ILO items of ``dimension`` with that adult-labour grade."""
    found = [
        item.id
        for item in CATALOGUE.indicators.values()
        if item.framework == "ILO2009"
        and item.dimension == dimension
        and item.grades["adult_labour"].grade == grade
    ]
    if len(found) < count:
        pytest.skip(f"catalogue has only {len(found)} {grade} items in {dimension}")
    return found[:count]


def case(*ids: str, status: ObservationStatus = OBSERVED, **person) -> Case:
    person.setdefault("age", 30)
    return Case(observations=tuple(CaseObservation(i, status) for i in ids), **person)


def labour(result):
    return result.forms["labour"]


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


OUTCOMES = [
    (
        "trafficking: recruitment, exploitation, coercion",
        ADULT,
        ("DEC_REC", "EXPL", "COE_DEST"),
        "trafficking_indicated",
    ),
    (
        "trafficking via vulnerability at both ends",
        ADULT,
        ("VUL_REC", "EXPL", "VUL_DEST"),
        "trafficking_indicated",
    ),
    ("deceived and exploited", ADULT, ("DEC_REC", "EXPL"), "deceived_and_exploited"),
    ("exploited only", ADULT, ("EXPL",), "exploited"),
    ("coercion without exploitation", ADULT, ("COE_DEST",), "signals_present"),
    ("adult without destination dimension", ADULT, ("COE_REC", "EXPL"), "exploited"),
    (
        "child: recruitment and exploitation suffice",
        CHILD,
        ("COE_REC", "EXPL"),
        "trafficking_indicated",
    ),
    ("child: exploitation only", CHILD, ("EXPL",), "exploited"),
]


@pytest.mark.parametrize(
    ("group", "dimensions", "outcome"), [o[1:] for o in OUTCOMES], ids=[o[0] for o in OUTCOMES]
)
def test_outcomes_per_age_group(group: str, dimensions: tuple[str, ...], outcome: str) -> None:
    ids = [i for d in dimensions for i in positive_set(d)]
    result = assess(case(*ids, age=30 if group == ADULT else 15), CATALOGUE)
    assert result.profile == group
    form = labour(result)
    assert form.outcome == outcome
    assert {d for d, r in form.dimensions.items() if r.positive} >= set(dimensions)


def test_no_observation_means_no_signals_and_everything_unassessed() -> None:
    result = assess(case(), CATALOGUE)
    for form in result.forms.values():
        assert form.outcome == "no_signals"
        assert len(form.unassessed) == 6
    assert result.registration == "not_applicable"
    assert result.referrals == ()
    assert result.b83_prompt is None


def test_unknown_and_not_observed_never_count_but_mark_assessed() -> None:
    ids = positive_set("EXPL")
    for status in (UNKNOWN, NOT_OBSERVED):
        form = labour(assess(case(*ids, status=status), CATALOGUE))
        assert form.outcome == "no_signals"
        assert form.dimensions["EXPL"].positive is False
        assert ("EXPL" in form.unassessed) is (status is UNKNOWN)


def test_unknown_age_assesses_both_lists_and_says_so() -> None:
    ids = positive_set("COE_REC") + positive_set("EXPL")
    result = assess(case(*ids, age=None), CATALOGUE)
    assert result.profile == "unknown"
    form = labour(result)
    assert form.by_age_group == {ADULT: "exploited", CHILD: "trafficking_indicated"}
    assert form.outcome == "trafficking_indicated"
    assert any(e.key == "assess.explain.profile_unknown" for e in result.explanation)
    assert any(e.key == "assess.explain.by_age_group" for e in result.explanation)


def test_minor_flag_without_age_makes_a_child() -> None:
    assert assess(case(age=None, minor=True), CATALOGUE).profile == CHILD
    assert assess(case(age=None, minor=False), CATALOGUE).profile == ADULT


def test_visit_level_signals_count_and_person_answers_override() -> None:
    ids = positive_set("EXPL")
    shared = Case(
        observations=tuple(CaseObservation(i, OBSERVED, visit_level=True) for i in ids), age=30
    )
    result = assess(shared, CATALOGUE)
    assert labour(result).outcome == "exploited"
    assert any(e.key == "assess.explain.visit_level" for e in result.explanation)
    overridden = Case(
        observations=(*shared.observations, CaseObservation(ids[0], NOT_OBSERVED)), age=30
    )
    assert labour(assess(overridden, CATALOGUE)).dimensions["EXPL"].positive is False


def test_grades_that_are_not_confirmed_are_reported() -> None:
    ids = positive_set("EXPL")
    result = assess(case(*ids), CATALOGUE)
    used = {(u.indicator_id, u.profile) for u in result.unconfirmed_grades_used}
    assert {(i, "adult_labour") for i in ids} <= used
    sexual = [u for u in result.unconfirmed_grades_used if u.profile == "adult_sexual"]
    assert sexual
    assert all(u.via == "fallback:adult_labour" for u in sexual)
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


def test_acute_signal_means_police_now() -> None:
    acute = next(item for item in CATALOGUE.indicators.values() if item.acute)
    result = assess(case(acute.id), CATALOGUE)
    assert result.acute
    assert result.acute_indicators == (acute.id,)
    assert result.referrals[0].to == "police"
    assert result.referrals[0].urgency == "immediate"
    assert result.explanation[0].key == "assess.explain.acute"


@pytest.mark.parametrize(
    ("nationality", "prompted"), [("BG", True), ("NL", False), (None, True), ("SY", True)]
)
def test_b83_prompt_for_foreign_nationals(nationality: str | None, prompted: bool) -> None:
    result = assess(
        case(ilo("EXPL", "S")[0], nationality=nationality, reporter_agency="NLA"), CATALOGUE
    )
    assert (result.b83_prompt is not None) is prompted
    if prompted:
        assert result.b83_prompt.reporter_can_offer
        assert "NLA" in result.b83_prompt.offered_by


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
def test_comensha_registration(reporter, consent, registration: str) -> None:
    result = assess(case(ilo("EXPL", "S")[0], reporter_agency=reporter, consent=consent), CATALOGUE)
    assert result.registration == registration
    recipients = {r.to for r in result.referrals}
    anonymous = registration == "anonymous_signal_only"
    assert ("comensha" in recipients) is not anonymous
    assert ("anonymous" in recipients) is anonymous


def test_routing_by_form_and_age() -> None:
    labour_only = [i for i in positive_set("EXPL")]
    adult = assess(case(*labour_only), CATALOGUE)
    assert "nla" in {r.to for r in adult.referrals}
    child = assess(case(*labour_only, age=15), CATALOGUE)
    police = next(r for r in child.referrals if r.to == "police")
    assert police.urgency in ("high", "immediate")
    venue = next((i for i in CATALOGUE.indicators.values() if "riec" in i.routes_to), None)
    if venue is not None:
        assert "riec" in {r.to for r in assess(case(venue.id), CATALOGUE).referrals}
    sexual = next(
        i for i in CATALOGUE.indicators.values() if i.forms == ("sexual",) and not i.acute
    )
    assert "police" in {r.to for r in assess(case(sexual.id), CATALOGUE).referrals}


def test_json_output_has_the_documented_keys_in_both_languages() -> None:
    result = assess(case(*positive_set("EXPL"), nationality="RO", reporter_agency="NLA"), CATALOGUE)
    for lang in ("nl", "en"):
        data = assessment_to_json(result, lang)
        assert set(data) >= {
            "profile",
            "forms",
            "acute",
            "b83_prompt",
            "registration",
            "referrals",
            "explanation",
            "unconfirmed_grades_used",
            "catalogue_version",
        }
        assert data["forms"]["labour"]["dimensions"]["EXPL"]["positive"] is True
        assert set(data["forms"]["labour"]["dimensions"]["EXPL"]) >= {
            "strong",
            "medium",
            "weak",
            "positive",
        }
        assert all(set(r) == {"to", "reason", "urgency"} and r["reason"] for r in data["referrals"])
        assert all("{" not in line for line in data["explanation"])
    dutch, english = assessment_to_json(result, "nl"), assessment_to_json(result, "en")
    assert dutch["explanation"] != english["explanation"]
    text = " ".join(english["explanation"]).lower()
    assert "is a victim" not in text.replace("establish that anyone is a victim", "")


def test_unknown_indicator_is_ignored_and_named() -> None:
    result = assess(case("NOPE-99"), CATALOGUE)
    assert result.unknown_indicators == ("NOPE-99",)
    assert labour(result).outcome == "no_signals"


# -- properties -----------------------------------------------------------------------------

ALL_IDS = sorted(CATALOGUE.indicators)
observation = st.builds(
    CaseObservation,
    st.sampled_from(ALL_IDS),
    st.sampled_from(list(ObservationStatus)),
    st.none(),
    st.booleans(),
)
person = st.fixed_dictionaries(
    {
        "age": st.one_of(st.none(), st.integers(0, 90)),
        "nationality": st.sampled_from([None, "NL", "BG", "NG"]),
    }
)


def outcomes(result) -> dict[str, int]:
    return {form: RULES.rank(r.outcome) for form, r in result.forms.items()}


@settings(max_examples=150, deadline=None)
@given(st.lists(observation, max_size=25), person, st.sampled_from(ALL_IDS), st.booleans())
def test_adding_an_observed_indicator_never_lowers_an_outcome(
    observations, who, extra, visit_level
) -> None:
    base = Case(observations=tuple(observations), **who)
    ids = {o.indicator_id for o in observations}
    if extra in ids:
        return  # replacing an answer is not adding one
    more = Case(
        observations=(*observations, CaseObservation(extra, OBSERVED, None, visit_level)), **who
    )
    before, after = outcomes(assess(base, CATALOGUE)), outcomes(assess(more, CATALOGUE))
    assert all(after[form] >= before[form] for form in before)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(observation, max_size=25),
    person,
    st.sampled_from(ALL_IDS),
    st.sampled_from([UNKNOWN, NOT_OBSERVED]),
)
def test_unknown_or_not_observed_never_raises_an_outcome(observations, who, extra, status):
    if extra in {o.indicator_id for o in observations}:
        return
    base = Case(observations=tuple(observations), **who)
    more = Case(observations=(*observations, CaseObservation(extra, status)), **who)
    assert outcomes(assess(more, CATALOGUE)) == outcomes(assess(base, CATALOGUE))


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


FORM_CASES = [
    # (form, age group, dimensions made positive, expected outcome)
    ("labour", ADULT, ("DEC_REC", "EXPL", "COE_DEST"), "trafficking_indicated"),
    ("sexual", ADULT, ("DEC_REC", "EXPL", "COE_DEST"), "trafficking_indicated"),
    ("sexual", ADULT, ("EXPL",), "exploited"),
    ("labour", CHILD, ("VUL_REC", "EXPL"), "trafficking_indicated"),
    ("sexual", CHILD, ("DEC_REC", "EXPL"), "trafficking_indicated"),
    ("sexual", CHILD, ("COE_DEST",), "signals_present"),
]


@pytest.mark.parametrize(
    ("form", "group", "dimensions", "outcome"),
    FORM_CASES,
    ids=[f"{c[0]}-{c[1]}-{'+'.join(c[2])}" for c in FORM_CASES],
)
def test_outcomes_per_profile_and_form(form, group, dimensions, outcome) -> None:
    ids = [i for d in dimensions for i in positive_set(d)]
    result = assess(case(*ids, age=30 if group == ADULT else 12), CATALOGUE)
    assert result.forms[form].outcome == outcome
    assert result.forms[form].age_group == group
    profile = f"{group}_{form}"
    if profile != "adult_labour":  # these lists have no grades of their own yet
        used = [u for u in result.unconfirmed_grades_used if u.profile == profile]
        assert used and all(u.via == "fallback:adult_labour" for u in used)


def test_criminal_exploitation_uses_the_labour_list_and_says_so() -> None:
    criminal_items = [
        i for i in positive_set("EXPL") if "criminal" in CATALOGUE.indicators[i].forms
    ]
    youth = next(
        i.id
        for i in CATALOGUE.indicators.values()
        if i.framework == "YOUTH_CRIMINAL" and "criminal" in i.forms
    )
    result = assess(case(youth, *criminal_items, age=16), CATALOGUE)
    criminal = result.forms["criminal"]
    assert criminal.stand_in
    assert youth in criminal.indicators
    assert any(e.key == "assess.explain.stand_in" for e in result.explanation)
    assert "police" in {r.to for r in result.referrals}


def test_context_only_background_is_not_a_signal_alone() -> None:
    background = [i.id for i in CATALOGUE.indicators.values() if i.context_only]
    assert background
    result = assess(case(*background), CATALOGUE)
    assert all(f.outcome == "no_signals" for f in result.forms.values())
    assert result.registration == "not_applicable"
    assert result.b83_prompt is None
    # Only the venue-level routing may remain: links to known places interest the RIEC.
    assert {r.to for r in result.referrals} <= {"riec"}


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
    result = assess(case(ilo("EXPL", "S")[0], reporter_agency=reporter), CATALOGUE)
    assert result.registration == registration
