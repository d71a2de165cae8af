"""An assessment as JSON or text in one language (the engine itself holds message keys)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fieldapp.agencies import agency_phrase_key
from fieldapp.assessment.engine import Assessment, Explanation, FormResult, Msg, MsgList
from fieldapp.i18n import current_language, t, tn


def _param(value: object, lang: str) -> object:
    if isinstance(value, Msg):
        return t(value.key, lang)
    if isinstance(value, Explanation):
        params = {k: _param(v, lang) for k, v in value.params.items()}
        if value.count is not None:
            return tn(value.key, value.count, lang, **params)
        return t(value.key, lang, **params)
    if isinstance(value, MsgList):
        return list_text([str(_param(item, lang)) for item in value.items], lang, value.joiner)
    return value


def list_text(items: list[str], lang: str, joiner: str = "or") -> str:
    """ "a, b or c" (or "a, b and c") in the reader's language."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {t(f'word.{joiner}', lang)} {items[-1]}"


def explanation_text(item: Explanation, lang: str | None = None) -> str:
    lang = lang or current_language()
    text = str(_param(item, lang))
    if item.indicators:
        text += " [" + ", ".join(item.indicators) + "]"
    return text


def _form_json(outcome: FormResult) -> dict[str, Any]:
    law = outcome.dutch_law
    return {
        "in_context": True,
        "context": list(outcome.context),
        "context_signals": list(outcome.context_signals),
        "outcome": outcome.outcome,
        "reading": outcome.reading,
        "ilo_outcome": outcome.ilo_outcome,
        "indication": outcome.indication,
        "indication_by": list(outcome.indication_by),
        "dutch_law": {
            "indicated": law.indicated,
            "act": list(law.acts),
            "means": list(law.means),
            "purpose": law.purpose,
            "missing": list(law.missing),
            "means_needed": law.means_needed,
            "signals": list(law.signals),
        },
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


def b83_text(result: Assessment, lang: str) -> str | None:
    if result.b83_prompt is None:
        return None
    agencies = [t(agency_phrase_key(code), lang) for code in result.b83_prompt.offered_by]
    key = "assess.b83_prompt" if result.b83_prompt.nationality else "assess.b83_prompt_unknown"
    return t(key, lang, by=list_text(agencies, lang, "and"))


def assessment_to_json(result: Assessment, lang: str | None = None) -> dict[str, Any]:
    lang = lang or current_language()
    forms: dict[str, Any] = {form: _form_json(outcome) for form, outcome in result.forms.items()}
    forms.update({form: {"in_context": False} for form in result.forms_not_in_context})
    b83 = None
    if result.b83_prompt is not None:
        b83 = {
            **asdict(result.b83_prompt),
            "offered_by": list(result.b83_prompt.offered_by),
            "text": b83_text(result, lang),
        }
    return {
        "role": result.role,
        "assessed_as_victim": result.assessed_as_victim,
        "profile": result.profile,
        "trafficking_indication": result.trafficking_indication,
        "indication_by": list(result.indication_by),
        "forms": forms,
        "acute": result.acute,
        "acute_indicators": list(result.acute_indicators),
        "past_acute_indicators": list(result.past_acute_indicators),
        "acute_advice": t("assess.acute_advice", lang) if result.acute else None,
        "b83_prompt": b83,
        "b83_note": result.b83_union_note[lang] if result.b83_union_note else None,
        "registration": result.registration,
        "referrals": [
            {
                "to": advice.to,
                "urgency": advice.urgency,
                "advice": " ".join(text[lang] for text in advice.advice),
                "reason": " ".join(reason[lang] for reason in advice.reasons),
            }
            for advice in result.referrals
        ],
        "advice": [{"key": key, "text": text[lang]} for key, text in result.advice],
        "explanation": [explanation_text(item, lang) for item in result.explanation],
        "unconfirmed_grades_used": [asdict(item) for item in result.unconfirmed_grades_used],
        "unknown_indicators": list(result.unknown_indicators),
        "catalogue_version": result.catalogue_version,
        "catalogue_hash": result.catalogue_hash,
        "observation_catalogue_versions": list(result.observation_versions),
    }


def assessment_to_text(result: Assessment, lang: str | None = None) -> str:
    """A readable summary for the terminal: outcome per form, indication, duties, advice to
    the reporter, why."""
    lang = lang or current_language()
    lines = []
    if result.acute:
        lines.append(t("assess.acute_advice", lang))
    if not result.assessed_as_victim:
        lines.append(
            t("assess.text.not_assessed", lang, role=t(f"person_role.{result.role}", lang))
        )
    for form, outcome in result.forms.items():
        lines.append(f"{t('form.' + form, lang)}: {t('outcome.' + outcome.outcome, lang)}")
    if result.forms_not_in_context:
        names = [t(f"form.{form}", lang) for form in result.forms_not_in_context]
        lines.append(t("assess.text.not_in_context", lang, forms=list_text(names, lang, "and")))
    if result.assessed_as_victim:
        key = (
            "assess.text.indication_yes"
            if result.trafficking_indication
            else "assess.text.indication_no"
        )
        lines.append(t(key, lang))
    for advice in result.referrals:
        text = " ".join(item[lang] for item in advice.advice)
        lines.append(f"-> {t(f'ui.visit.recipient.{advice.to}', lang)} ({advice.urgency}): {text}")
    lines.extend(f"! {text[lang]}" for _, text in result.advice)
    lines.extend(f"* {explanation_text(item, lang)}" for item in result.explanation)
    lines.append(f"({result.catalogue_version} {result.catalogue_hash[:12]})")
    return "\n".join(lines)
