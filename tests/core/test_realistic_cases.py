"""Realistic cases as Dutch professionals meet them (tests/core/realistic_cases.json), each
with the expectation a professional would hold and the source behind it. The expectations were
written from docs/DOMAIN.md and its sources, not from the engine's output: a failure here is a
disagreement to be settled from the sources, never by copying what the engine says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fieldapp.assessment import assess, assessment_to_json
from fieldapp.assessment.case_json import case_from_dict
from fieldapp.catalogue.loader import assessment_catalogue
from fieldapp.practice.expect import EXPECT_KEYS, differences

CASES_FILE = Path(__file__).with_name("realistic_cases.json")
DOCUMENT = json.loads(CASES_FILE.read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = DOCUMENT["cases"]
CATALOGUE = assessment_catalogue()
RULES = CATALOGUE.rules
MINOR_BANDS = {"0-11", "12-15", "16-17"}
SEX_WORK_SECTORS = {"sex_work_licensed", "sex_work_unlicensed"}


def _assessed(case: dict[str, Any]) -> dict[str, Any]:
    return assessment_to_json(assess(case_from_dict(case["input"]), CATALOGUE), "en")


def _check(expect: dict[str, Any], result: dict[str, Any]) -> list[str]:
    """Every expectation that the engine's answer does not meet, as 'expected ..., got ...'.
    The comparison is the core's (fieldapp/practice/expect.py), the one practice cases are
    validated with too."""
    problems = []
    for found in differences(expect, result, RULES):
        line = f"{found.what}: expected {found.wanted!r}, engine gave {found.got!r}"
        if found.dutch_law is not None:
            line += f" (art. 273f reading: {found.dutch_law})"
        problems.append(line)
    return problems


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_realistic_case(case: dict[str, Any]) -> None:
    result = _assessed(case)
    problems = _check(case["expect"], result)
    if problems:
        lines = [f"case {case['id']} ({case['reader']}): the engine disagrees with the expectation"]
        lines += [f"  - {p}" for p in problems]
        lines.append(f"  source of the expectation: {case['source']}")
        sent = ", ".join(f"{r['to']}({r['urgency']})" for r in result["referrals"])
        lines.append(f"  referrals: {sent or 'none'}")
        lines.append("  engine explanation:")
        lines += [f"    * {line}" for line in result["explanation"]]
        pytest.fail("\n".join(lines), pytrace=False)


def _union_citizen(code: str | None) -> bool:
    return bool(code) and code.upper() in RULES.b83_union_citizens


def _third_country(code: str | None) -> bool:
    return bool(code) and code.upper() != "NL" and not _union_citizen(code)


def _is_minor(data: dict[str, Any]) -> bool:
    age = data.get("age")
    return (
        data.get("minor") is True
        or (age is not None and age < RULES.minor_age)
        or data.get("age_band") in MINOR_BANDS
    )


def _past_acute(data: dict[str, Any]) -> bool:
    return any(
        o.get("past") and o["status"] == "observed" and CATALOGUE.indicators[o["indicator"]].acute
        for o in data.get("observations", [])
    )


def _forms(case: dict[str, Any]) -> set[str]:
    return set(case["expect"].get("forms_in_context", [])) | set(
        case["input"].get("suspected_forms", [])
    )


COVERAGE = {
    "a witness": lambda c: c["input"].get("role") == "witness",
    "a possible exploiter or employer": lambda c: (
        c["input"].get("role") in {"possible_exploiter", "employer_manager"}
    ),
    "a minor": lambda c: _is_minor(c["input"]),
    "an EU citizen": lambda c: _union_citizen(c["input"].get("nationality")),
    "a third-country national": lambda c: _third_country(c["input"].get("nationality")),
    "a past acute signal": lambda c: _past_acute(c["input"]),
    "sex work": lambda c: c["input"].get("sector") in SEX_WORK_SECTORS or "sexual" in _forms(c),
    "criminal exploitation": lambda c: "criminal" in _forms(c),
    "labour exploitation": lambda c: "labour" in _forms(c),
}


def test_cases_file_is_complete_and_covers_the_field() -> None:
    assert len(CASES) >= 20, f"only {len(CASES)} cases"
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    for case in CASES:
        for key in ("source", "story", "reader", "title"):
            assert str(case.get(key, "")).strip(), f"case {case['id']}: empty {key}"
        unknown = set(case["expect"]) - set(EXPECT_KEYS)
        assert not unknown, f"case {case['id']}: unknown expectation keys {sorted(unknown)}"
        for obs in case["input"].get("observations", []):
            assert obs["indicator"] in CATALOGUE.indicators, (
                f"case {case['id']}: {obs['indicator']} is not in catalogue {CATALOGUE.version}"
            )
        case_from_dict(case["input"])  # the input is valid case JSON
    uncovered = [name for name, covers in COVERAGE.items() if not any(map(covers, CASES))]
    assert not uncovered, f"no case covers: {', '.join(uncovered)}"
