"""An assessment as JSON or text in one language (the engine itself holds message keys)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fieldapp.assessment.engine import Assessment, Explanation, Msg
from fieldapp.i18n import current_language, t


def _param(value: object, lang: str) -> object:
    if isinstance(value, Msg):
        return t(value.key, lang)
    if isinstance(value, tuple) and value and all(isinstance(v, Msg) for v in value):
        return list_text([t(v.key, lang) for v in value], lang)
    return value


def list_text(items: list[str], lang: str) -> str:
    """ "a, b or c" in the reader's language."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {t('word.or', lang)} {items[-1]}"


def explanation_text(item: Explanation, lang: str | None = None) -> str:
    lang = lang or current_language()
    params = {name: _param(value, lang) for name, value in item.params.items()}
    text = t(item.key, lang, **params)
    if item.indicators:
        text += " [" + ", ".join(item.indicators) + "]"
    return text


def assessment_to_json(result: Assessment, lang: str | None = None) -> dict[str, Any]:
    lang = lang or current_language()
    forms = {}
    for form, outcome in result.forms.items():
        forms[form] = {
            "outcome": outcome.outcome,
            "age_group": outcome.age_group,
            "dimensions": {
                code: {
                    "strong": dim.strong,
                    "medium": dim.medium,
                    "weak": dim.weak,
                    "positive": dim.positive,
                    "indicators": list(dim.indicators),
                }
                for code, dim in outcome.dimensions.items()
            },
            "unassessed": list(outcome.unassessed),
            "indicators": list(outcome.indicators),
            "rule_status": outcome.rule_status,
            "stand_in": outcome.stand_in,
            **({"by_age_group": dict(outcome.by_age_group)} if outcome.by_age_group else {}),
        }
    b83 = None
    if result.b83_prompt is not None:
        b83 = {
            **asdict(result.b83_prompt),
            "offered_by": list(result.b83_prompt.offered_by),
            "text": t(
                "assess.b83_prompt",
                lang,
                by=list_text(
                    [t(f"agency.{code.casefold()}", lang) for code in result.b83_prompt.offered_by],
                    lang,
                ),
            ),
        }
    return {
        "profile": result.profile,
        "forms": forms,
        "acute": result.acute,
        "acute_indicators": list(result.acute_indicators),
        "acute_advice": t("assess.acute_advice", lang) if result.acute else None,
        "b83_prompt": b83,
        "registration": result.registration,
        "referrals": [
            {
                "to": advice.to,
                "urgency": advice.urgency,
                "reason": " ".join(reason[lang] for reason in advice.reasons),
            }
            for advice in result.referrals
        ],
        "explanation": [explanation_text(item, lang) for item in result.explanation],
        "unconfirmed_grades_used": [asdict(item) for item in result.unconfirmed_grades_used],
        "unknown_indicators": list(result.unknown_indicators),
        "catalogue_version": result.catalogue_version,
        "catalogue_hash": result.catalogue_hash,
    }


def assessment_to_text(result: Assessment, lang: str | None = None) -> str:
    """A readable summary for the terminal: outcome per form, duties, referrals, why."""
    lang = lang or current_language()
    lines = []
    if result.acute:
        lines.append(t("assess.acute_advice", lang))
    for form, outcome in result.forms.items():
        lines.append(f"{t('form.' + form, lang)}: {t('outcome.' + outcome.outcome, lang)}")
    for advice in result.referrals:
        reasons = " ".join(reason[lang] for reason in advice.reasons)
        lines.append(f"-> {advice.to} ({advice.urgency}): {reasons}")
    lines.extend(f"* {explanation_text(item, lang)}" for item in result.explanation)
    lines.append(f"({result.catalogue_version} {result.catalogue_hash[:12]})")
    return "\n".join(lines)
