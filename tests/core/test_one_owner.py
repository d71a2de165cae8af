"""One owner per rule (issue 13): the agency vocabulary is ``fieldapp.agencies``, local time and
every displayed date are ``fieldapp.localtime``, the clock is ``fieldapp.clock`` (and tests can
set it), the Crockford alphabet is ``fieldapp.ids``. Canonical JSON: ``test_canonical.py``."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from fieldapp import clock, i18n, localtime
from fieldapp.agencies import (
    AGENCY_CODES,
    PROFILE_CHOICES,
    PROFILE_SPELLINGS,
    agency_code,
    agency_key,
    agency_name,
    agency_phrase_key,
    profile_spelling,
    same_agency,
)
from fieldapp.catalogue.loader import load_catalogue
from fieldapp.clock import fixed_clock, now_iso, parse_utc, use_clock, utc_now
from fieldapp.ids import CROCKFORD, crockford_code
from fieldapp.links.describe import agency_label
from fieldapp.referral.protect import generate_password

ROOT = Path(__file__).resolve().parents[2]


def _sources() -> list[tuple[str, str]]:
    return [
        (str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))
        for folder in ("fieldapp", "ui")
        for path in sorted((ROOT / folder).rglob("*.py"))
    ]


def _found(pattern: str, allowed: set[str]) -> list[str]:
    compiled = re.compile(pattern)
    return [name for name, text in _sources() if compiled.search(text) and name not in allowed]


# -- agencies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("names", "code"),
    [
        (("police", "Police", "politie", "Politie", " POLITIE ", "AVIM"), "police"),
        (("nla", "NLA", "Arbeidsinspectie", "Nederlandse  Arbeidsinspectie", "SZW"), "nla"),
        (("kmar", "KMar", "KMAR", "Koninklijke Marechaussee", "marechaussee"), "kmar"),
        (("gemeente", "Gemeente", "municipality"), "municipality"),
        (("other", "IND", "Douane"), "other"),
    ],
)
def test_every_spelling_gives_one_code(names: tuple[str, ...], code: str) -> None:
    assert {agency_code(name) for name in names} == {code}
    if code != "other":
        assert all(same_agency(name, (names[0],)) for name in names)
        assert {agency_name(name, "en") for name in names} == {agency_name(code, "en")}


def test_no_name_is_no_agency_and_unknown_agencies_stay_apart() -> None:
    assert agency_code(None) is None and agency_code("  ") is None and agency_name("") is None
    assert not same_agency(None, ("police",))
    assert agency_key("IND") == agency_key(" ind ") == "ind" != agency_key("Douane")
    assert agency_name(" IND ") == "IND"  # any other agency as it was typed
    assert not same_agency("IND", ("Douane",)) and same_agency("IND", ("ind", "Douane"))


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_code_has_one_name_in_each_language(lang: str) -> None:
    names = {code: agency_name(code, lang) for code in AGENCY_CODES}
    assert all(name and not name.startswith("agency_name.") for name in names.values())
    assert len(set(names.values())) == len(AGENCY_CODES)
    assert agency_label("nla", lang) == names["nla"]  # the links summary says the same


def test_the_profile_keeps_its_stored_spelling() -> None:
    """The profile setting was released with "politie" and "gemeente": written as before, read
    as codes."""
    assert tuple(PROFILE_SPELLINGS) == PROFILE_CHOICES and set(PROFILE_CHOICES) == set(AGENCY_CODES)
    assert profile_spelling("police") == "politie" and profile_spelling("Gemeente") == "gemeente"
    assert profile_spelling("IND") == "other"
    for code, stored in PROFILE_SPELLINGS.items():
        assert agency_code(stored) == code


def test_the_catalogue_rules_are_read_as_codes() -> None:
    rules = load_catalogue().rules
    assert set(rules.mandatory_reporters) <= set(AGENCY_CODES)
    assert rules.b83_offered_by == ("police", "kmar", "nla")  # written "police", "KMar", "NLA"
    assert {rule.agency for rule in rules.routing} <= {None, *AGENCY_CODES}
    for lang in i18n.LANGUAGES:
        for code in rules.b83_offered_by:
            assert i18n.t(agency_phrase_key(code), lang) != agency_phrase_key(code)


def test_no_other_module_holds_an_agency_table_or_key() -> None:
    """Agency spellings (lower case: a vocabulary, not a text shown) and the agency translation
    keys belong to fieldapp/agencies.py. Allowed: words a passphrase must not be built from, and
    the screenshots' enrolment typed as a person types it."""
    allowed = {"fieldapp/agencies.py", "fieldapp/vault/passphrase.py", "ui/screenshots.py"}
    spelled = r"[\"'](politie|gemeente|marechaussee|arbeidsinspectie|avim)[\"']"
    assert _found(spelled, allowed) == []
    assert _found(r"[\"'](ui|links)\.agency\.", set()) == []
    assert _found(r"[\"']agency(_name)?\.", {"fieldapp/agencies.py"}) == []


# -- local time and the clock ------------------------------------------------------------


def test_only_the_time_modules_convert_or_read_the_wall_clock() -> None:
    time_modules = {"fieldapp/clock.py", "fieldapp/localtime.py"}
    for pattern in (
        r"ZoneInfo|Europe/Amsterdam|astimezone|LOCAL_ZONE",
        r"datetime\.now\(|date\.today\(|utcnow\(|time\.localtime\(",
        r"\.strftime\(|\.replace\(\"Z\"",
    ):
        assert _found(pattern, time_modules) == [], pattern
    assert "LOCAL_ZONE" not in (ROOT / "fieldapp/validate.py").read_text(encoding="utf-8")


def test_a_fixed_clock_sets_every_now_and_is_put_back() -> None:
    moment = "2026-03-28T23:30:00Z"  # already the 29th in the Netherlands (CET)
    with fixed_clock(moment):
        assert now_iso() == moment
        assert localtime.local_today() == date(2026, 3, 29)
        assert localtime.time_text(localtime.local_now()) == "00:30"
        with fixed_clock(datetime(2026, 7, 1, 8, 0, tzinfo=UTC)):
            assert localtime.local_now().hour == 10  # CEST
        assert now_iso() == moment
    assert abs((utc_now() - datetime.now(UTC)).total_seconds()) < 60
    ticks = iter(range(10))
    with use_clock(lambda: datetime(2026, 1, 1, 12, next(ticks), tzinfo=UTC)):
        assert [now_iso()[14:16] for _ in range(3)] == ["00", "01", "02"]
    assert clock.utc_now().year >= 2026
    with pytest.raises(ValueError):
        fixed_clock(datetime(2026, 1, 1))


def test_stored_utc_text_is_read_one_way() -> None:
    assert parse_utc("2026-11-20T08:30:00Z") == datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    assert parse_utc("2026-11-20T09:30:00+01:00") == datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_utc("gisteren")


@pytest.mark.parametrize(
    ("lang", "day", "moment"),
    [("nl", "01-07-2026", "01-07-2026 10:30"), ("en", "01/07/2026", "01/07/2026 10:30")],
)
def test_one_date_and_one_date_time_format(lang: str, day: str, moment: str) -> None:
    stored = "2026-07-01T08:30:00Z"
    assert localtime.datetime_text(stored, lang) == moment
    assert localtime.date_text(stored, lang) == day
    assert localtime.date_text("2026-07-01", lang) == day
    assert localtime.date_text(date(2026, 7, 1), lang) == day
    assert localtime.date_text("2026-06-30T22:30:00Z", lang) == day  # the Dutch calendar day
    assert (
        localtime.qt_date_format(lang)
        .replace("dd", "01")
        .replace("MM", "07")
        .replace("yyyy", "2026")
        == day
    )
    assert localtime.datetime_text("geen datum", lang) == "geen datum"
    assert localtime.datetime_text(None, lang) == localtime.date_text("", lang) == ""


def test_the_named_formats_that_differ_on_purpose() -> None:
    stored = "2026-11-28T09:42:00Z"
    assert localtime.referral_text(stored, "minute") == "28-11-2026 10:42"
    assert localtime.referral_text(stored, "date") == "28-11-2026"
    assert localtime.referral_text(stored, "month") == "11-2026"
    assert localtime.utc_text(stored) == "2026-11-28 09:42"
    assert localtime.utc_text("kapot") == "kapot"


# -- the Crockford alphabet --------------------------------------------------------------


def test_one_crockford_alphabet() -> None:
    assert len(CROCKFORD) == 32 and not set("ILOU") & set(CROCKFORD)
    assert set(crockford_code(200)) <= set(CROCKFORD)
    assert set(generate_password().replace("-", "")) <= set(CROCKFORD)
    assert _found(r"0123456789ABCDEFGHJKMNPQRSTVWXYZ", {"fieldapp/ids.py"}) == []
