"""The one way to hold an assessment against what a professional expects of it.

Two places state what the engine must say about a person: the realistic cases the engine is
tested on (``tests/core/realistic_cases.json``) and the model answers of practice cases. Both
write an expectation with the same keys and both compare it here, so a practice case that
``fieldapp practice validate`` accepts is held to exactly what the engine's own tests hold the
engine to, and a change to the comparison changes both.

The comparison reads the assessment as JSON (:func:`fieldapp.assessment.assessment_to_json`),
the form every front door shows, so an expectation speaks of what a reader sees. Only the keys
an expectation gives are compared; an outcome may be one value or a range (``{"min", "max"}``
in the catalogue's outcome order).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fieldapp.catalogue.model import Rules

URGENCIES = ("normal", "high", "immediate")
B83_DUTY, B83_NOTE, B83_NONE = "duty", "note", "none"
# The keys an expectation may give, in the order they are compared (the README of the
# realistic cases and resources/practice/FORMAT.md name the same list).
EXPECT_KEYS = (
    "forms_in_context",
    "outcome",
    "forms_not_assessed",
    "trafficking_indication",
    "registration",
    "b83",
    "acute",
    "referrals_include",
    "referrals_exclude",
    "advice_include",
    "assessed_as_victim",
    "referral_urgency",
    "max_urgency",
)

Step = str | int


@dataclass(frozen=True, slots=True)
class Difference:
    """One expectation the assessment does not meet. ``key``: where in the expectation
    (``("outcome", "labour")``), so a practice case can point at the line that says it."""

    key: tuple[Step, ...]
    wanted: object
    got: object
    # For an outcome: the art. 273f reading behind it, which a reader needs to settle it.
    dutch_law: Mapping[str, Any] | None = field(default=None)

    @property
    def what(self) -> str:
        """``outcome[labour]``: the key as the expectation writes it."""
        head, *rest = self.key
        return str(head) + "".join(f"[{step}]" for step in rest)


def outcome_matches(got: str, wanted: str | Mapping[str, str], order: Sequence[str]) -> bool:
    """An outcome is one value, or a range of the outcome order (either end may be open)."""
    if isinstance(wanted, str):
        return got == wanted
    if got not in order:
        return False
    low = wanted.get("min", order[0])
    high = wanted.get("max", order[-1])
    return order.index(low) <= order.index(got) <= order.index(high)


def b83(result: Mapping[str, Any]) -> str:
    """The B8/3 reflection period as an expectation names it: a duty to offer it, a note (an
    EU citizen: no duty, but protection), or nothing."""
    if result["b83_prompt"] is not None:
        return B83_DUTY
    return B83_NOTE if result["b83_note"] else B83_NONE


def differences(
    expect: Mapping[str, Any], result: Mapping[str, Any], rules: Rules
) -> list[Difference]:
    """Every expectation that the assessment ``result`` (as JSON) does not meet."""
    found: list[Difference] = []
    forms = result["forms"]
    in_context = sorted(form for form, value in forms.items() if value.get("in_context"))
    if "forms_in_context" in expect and in_context != sorted(expect["forms_in_context"]):
        found.append(
            Difference(("forms_in_context",), sorted(expect["forms_in_context"]), in_context)
        )
    for form, wanted in expect.get("outcome", {}).items():
        got = forms.get(form, {}).get("outcome", "not_in_context")
        if not outcome_matches(got, wanted, rules.outcome_order):
            law = forms.get(form, {}).get("dutch_law")
            found.append(Difference(("outcome", form), wanted, got, law))
    assessed = [form for form in expect.get("forms_not_assessed", []) if form in in_context]
    if assessed:
        found.append(Difference(("forms_not_assessed",), [], assessed))
    simple = (
        ("assessed_as_victim", result["assessed_as_victim"]),
        ("trafficking_indication", result["trafficking_indication"]),
        ("registration", result["registration"]),
        ("b83", b83(result)),
        ("acute", result["acute"]),
    )
    for key, got in simple:
        if key in expect and expect[key] != got:
            found.append(Difference((key,), expect[key], got))
    urgency = {referral["to"]: referral["urgency"] for referral in result["referrals"]}
    missing = [to for to in expect.get("referrals_include", []) if to not in urgency]
    if missing:
        found.append(Difference(("referrals_include",), missing, sorted(urgency)))
    unwanted = [to for to in expect.get("referrals_exclude", []) if to in urgency]
    if unwanted:
        found.append(Difference(("referrals_exclude",), [], unwanted))
    for to, wanted in expect.get("referral_urgency", {}).items():
        if urgency.get(to) != wanted:
            found.append(Difference(("referral_urgency", to), wanted, urgency.get(to)))
    if "max_urgency" in expect:
        ceiling = URGENCIES.index(expect["max_urgency"])
        above = {to: u for to, u in urgency.items() if URGENCIES.index(u) > ceiling}
        if above:
            found.append(Difference(("max_urgency",), expect["max_urgency"], above))
    advice = [item["key"] for item in result["advice"]]
    lacking = [key for key in expect.get("advice_include", []) if key not in advice]
    if lacking:
        found.append(Difference(("advice_include",), lacking, advice))
    return found


def summary(result: Mapping[str, Any]) -> dict[str, Any]:
    """What a debrief sets side by side for the trainee's record and the model answer: the
    outcome per form in context, the indication, the duties (CoMensha registration, B8/3, acute
    danger), the referrals with their urgency and the advice keys. The same facts an
    expectation names, so the two columns of a debrief compare what validation compared."""
    forms = {
        form: value["outcome"] for form, value in result["forms"].items() if value["in_context"]
    }
    return {
        "assessed_as_victim": result["assessed_as_victim"],
        "forms": forms,
        "trafficking_indication": result["trafficking_indication"],
        "registration": result["registration"],
        "b83": b83(result),
        "acute": result["acute"],
        "referrals": [
            {"to": referral["to"], "urgency": referral["urgency"]}
            for referral in result["referrals"]
        ],
        "advice": [item["key"] for item in result["advice"]],
    }
