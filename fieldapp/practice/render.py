"""Practice cases and debriefs as JSON or text, in one language (the command line's output; the
desktop's practice screens will read the same dataclasses).

What a trainee sees before recording (:func:`scenario_json`, :func:`scenario_text`) is the
place, the scenario and each person's ref and label, never the model answer: not the signals,
not the expected assessment, and not the person's role, which is part of the judgement (a
witness is not a victim; an employer may be either) and which the scenario shows in its own
words where it is evident.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fieldapp.catalogue.loader import assessment_catalogue
from fieldapp.i18n import current_language, t, tn
from fieldapp.practice.debrief import Debrief, PersonDebrief
from fieldapp.practice.model import PracticeCase, Texts


def _text(texts: Texts, lang: str) -> str:
    return str(getattr(texts, lang))


def _label(indicator: str, lang: str) -> str:
    item = assessment_catalogue().get(indicator)
    return item.label[lang] if item is not None else indicator


# -- before recording ----------------------------------------------------------------------


def listing_json(case: PracticeCase, lang: str | None = None) -> dict[str, Any]:
    lang = lang or current_language()
    return {
        "id": case.id,
        "title": _text(case.title, lang),
        "forms": list(case.forms),
        "sector": case.sector.value,
        "level": case.level,
    }


def scenario_json(case: PracticeCase, lang: str | None = None) -> dict[str, Any]:
    lang = lang or current_language()
    return {
        "id": case.id,
        "title": _text(case.title, lang),
        "level": case.level,
        "sector": case.sector.value,
        "place": _text(case.place, lang),
        "scenario": list(getattr(case.scenario, lang)),
        "persons": [
            {"ref": person.ref, "label": _text(person.label, lang)} for person in case.persons
        ],
    }


def scenario_text(case: PracticeCase, lang: str | None = None) -> str:
    lang = lang or current_language()
    lines = [
        f"{_text(case.title, lang)} ({case.id})",
        t(
            "practice.show.about",
            lang,
            level=t(f"practice.level.{case.level}", lang),
            sector=t(f"sector.{case.sector.value}", lang),
        ),
        "",
        _text(case.place, lang),
    ]
    for paragraph in getattr(case.scenario, lang):
        lines += ["", paragraph]
    lines += ["", t("practice.show.persons", lang)]
    lines += [f"  {person.ref}: {_text(person.label, lang)}" for person in case.persons]
    lines += ["", t("practice.show.next", lang, id=case.id)]
    return "\n".join(lines)


# -- the debrief ---------------------------------------------------------------------------


def debrief_to_json(debrief: Debrief, lang: str | None = None) -> dict[str, Any]:
    lang = lang or current_language()
    case = debrief.case
    return {
        "case": case.id,
        "catalogue_version": debrief.catalogue_version,
        "persons": [
            {
                "ref": item.person.ref,
                "label": _text(item.person.label, lang),
                "recorded": item.recorded,
                "matched_by": item.matched_by,
            }
            for item in debrief.persons
        ],
        "extra_persons": list(debrief.extra_persons),
        "spotted": {item.person.ref: list(item.spotted) for item in debrief.persons},
        "missed": {item.person.ref: list(item.missed) for item in debrief.persons},
        "over_read": {
            item.person.ref: [over.indicator for over in item.over_read] for item in debrief.persons
        },
        "recorded_as": {item.person.ref: dict(item.recorded_as) for item in debrief.persons},
        "assessment": {
            item.person.ref: {"trainee": item.trainee, "model": item.model}
            for item in debrief.persons
        },
        "explanation": {
            "persons": {
                item.person.ref: _person_explanation(item, lang) for item in debrief.persons
            },
            "referral": {
                "to": list(case.referral.to),
                "why": _text(case.referral.why, lang),
            },
            "ask_further": None if case.ask_further is None else _text(case.ask_further, lang),
            "sources": list(case.sources),
        },
        "score": {
            "signals": debrief.score.signals,
            "spotted": debrief.score.spotted,
            "missed": debrief.score.missed,
            "over_read": debrief.score.over_read,
        },
    }


def _person_explanation(item: PersonDebrief, lang: str) -> dict[str, Any]:
    model = item.person.model
    why = {signal.indicator.upper(): signal.why for signal in model.signals}
    return {
        "missed": [
            {"indicator": i, "label": _label(i, lang), "why": _text(why[i], lang)}
            for i in item.missed
        ],
        "over_read": [
            {
                "indicator": over.indicator,
                "label": _label(over.indicator, lang),
                "why": (
                    _text(over.why, lang)
                    if over.why is not None
                    else t("practice.debrief.over_read_general", lang)
                ),
                "tempting": over.why is not None,
            }
            for over in item.over_read
        ],
        "debrief": _text(model.debrief, lang),
        "engine_note": None if model.engine_note is None else _text(model.engine_note, lang),
    }


def debrief_to_text(debrief: Debrief, lang: str | None = None) -> str:
    """The debrief as a trainee reads it: the score, then per person what was spotted,
    missed and over-read with the reasons, both assessments side by side, and the case's
    referral, what to ask further and the sources."""
    lang = lang or current_language()
    case, score = debrief.case, debrief.score
    lines = [
        t("practice.debrief.title", lang, title=_text(case.title, lang), id=case.id),
        tn(
            "practice.debrief.score",
            score.signals,
            lang,
            spotted=score.spotted,
            missed=score.missed,
            over_read=score.over_read,
        ),
    ]
    for item in debrief.persons:
        lines += ["", *_person_text(item, lang)]
    if debrief.extra_persons:
        lines += ["", t("practice.debrief.extra", lang, refs=", ".join(debrief.extra_persons))]
    lines += ["", t("practice.debrief.referral", lang, to=_recipients(case.referral.to, lang))]
    lines.append(f"  {_text(case.referral.why, lang)}")
    if case.ask_further is not None:
        lines += ["", t("practice.debrief.ask_further", lang), f"  {_text(case.ask_further, lang)}"]
    lines += ["", t("practice.debrief.sources", lang)]
    lines += [f"  - {source}" for source in case.sources]
    return "\n".join(lines)


def _person_text(item: PersonDebrief, lang: str) -> list[str]:
    person, model = item.person, item.person.model
    lines = [f"{person.ref}: {_text(person.label, lang)}"]
    if not item.recorded:
        lines.append("  " + t("practice.debrief.not_recorded", lang))
    elif item.matched_by == "label":
        lines.append("  " + t("practice.debrief.matched_by_label", lang))
    why = {signal.indicator.upper(): signal.why for signal in model.signals}
    if item.spotted:
        lines.append("  " + t("practice.debrief.spotted", lang, count=len(item.spotted)))
        for indicator in item.spotted:
            shown = item.recorded_as.get(indicator)
            also = f" ({t('practice.debrief.recorded_as', lang, id=shown)})" if shown else ""
            lines.append(f"    + {indicator} {_label(indicator, lang)}{also}")
    if item.missed:
        lines.append("  " + t("practice.debrief.missed", lang, count=len(item.missed)))
        for indicator in item.missed:
            lines.append(f"    - {indicator} {_label(indicator, lang)}")
            lines.append(f"      {_text(why[indicator], lang)}")
    if item.over_read:
        lines.append("  " + t("practice.debrief.over_read", lang, count=len(item.over_read)))
        for over in item.over_read:
            reason = (
                _text(over.why, lang)
                if over.why is not None
                else t("practice.debrief.over_read_general", lang)
            )
            lines.append(f"    ! {over.indicator} {_label(over.indicator, lang)}")
            lines.append(f"      {reason}")
    if not (item.spotted or item.missed or item.over_read):
        lines.append("  " + t("practice.debrief.no_signals", lang))
    lines.append("  " + t("practice.debrief.assessment", lang))
    lines += [f"    {row}" for row in _assessment_rows(item.trainee, item.model, lang)]
    lines.append("  " + t("practice.debrief.model_says", lang))
    lines.append(f"    {_text(model.debrief, lang)}")
    if model.engine_note is not None:
        lines.append("  " + t("practice.debrief.engine_note", lang))
        lines.append(f"    {_text(model.engine_note, lang)}")
    return lines


def assessment_rows(
    trainee: Mapping[str, Any] | None, model: Mapping[str, Any], lang: str | None = None
) -> list[tuple[str, str, str]]:
    """(what, the trainee's, the model's): the outcome per form in context, then the
    indication, the duties (CoMensha, B8/3, acute danger) and the referrals. The command line
    and the desktop's debrief both show these."""
    none = t("practice.debrief.no_record", lang)
    forms = list(model["forms"])
    if trainee is not None:
        forms += [form for form in trainee["forms"] if form not in forms]
    rows: list[tuple[str, str, str]] = [
        (
            t(f"form.{form}", lang),
            _outcome(trainee, form, lang) if trainee is not None else none,
            _outcome(model, form, lang),
        )
        for form in forms
    ]
    facts: tuple[tuple[str, Callable[[Mapping[str, Any]], str]], ...] = (
        ("practice.debrief.row.indication", lambda s: _yes_no(s["trafficking_indication"], lang)),
        (
            "practice.debrief.row.registration",
            lambda s: t(f"practice.registration.{s['registration']}", lang),
        ),
        ("practice.debrief.row.b83", lambda s: t(f"practice.b83.{s['b83']}", lang)),
        ("practice.debrief.row.acute", lambda s: _yes_no(s["acute"], lang)),
        ("practice.debrief.row.referrals", lambda s: _referrals(s["referrals"], lang)),
    )
    for key, shown in facts:
        rows.append((t(key, lang), shown(trainee) if trainee is not None else none, shown(model)))
    return rows


def _assessment_rows(
    trainee: Mapping[str, Any] | None, model: Mapping[str, Any], lang: str
) -> list[str]:
    """The rows as text: a row that differs is marked."""
    lines = [t("practice.debrief.columns", lang)]
    for name, mine, theirs in assessment_rows(trainee, model, lang):
        mark = "=" if mine == theirs else "≠"
        lines.append(f"{mark} {name}: {mine} | {theirs}")
    return lines


def _outcome(summary: Mapping[str, Any], form: str, lang: str | None) -> str:
    outcome = summary["forms"].get(form)
    return t(f"outcome.{outcome}", lang) if outcome else t("practice.debrief.not_in_context", lang)


def _yes_no(value: bool, lang: str | None) -> str:
    return t("practice.yes" if value else "practice.no", lang)


def _recipients(recipients: Sequence[str], lang: str) -> str:
    if not recipients:
        return t("practice.debrief.no_referral", lang)
    return ", ".join(t(f"ui.visit.recipient.{to}", lang) for to in recipients)


def _referrals(referrals: Sequence[Mapping[str, str]], lang: str | None) -> str:
    if not referrals:
        return t("practice.debrief.no_referral", lang)
    shown = []
    for referral in referrals:
        to = t(f"ui.visit.recipient.{referral['to']}", lang)
        urgency = t(f"referral.urgency.{referral['urgency']}", lang)
        shown.append(f"{to} ({urgency})")
    return ", ".join(shown)
