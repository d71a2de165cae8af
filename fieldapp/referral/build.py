"""From a visit in the vault to the content of one recipient's referral, and no more.

Every field passes through the recipient's rules here; the renderer only sees the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fieldapp.agencies import agency_name, same_agency
from fieldapp.assessment import Assessment, assess
from fieldapp.assessment.from_store import case_for_person, find_person, reporting_agency
from fieldapp.assessment.render import explanation_text
from fieldapp.catalogue import Catalogue
from fieldapp.catalogue.loader import assessment_catalogue
from fieldapp.countries import country_name, format_languages
from fieldapp.domain import Consent, ObservationStatus, Person, PersonRole, VisitDetail
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t
from fieldapp.ids import crockford_code
from fieldapp.localtime import local_now, referral_text
from fieldapp.referral.document import (
    AttachmentLine,
    Line,
    PersonBlock,
    ReferralDocument,
    SignalGroup,
    SignalLine,
)
from fieldapp.referral.readiness import Missing, missing_for_final, missing_text
from fieldapp.referral.rules import RecipientRules, field_groups, recipient_rules
from fieldapp.store.store import Store

URGENCY_RANK = {"normal": 0, "high": 1, "immediate": 2}
SECTION_LABELS = (
    "reason",
    "site",
    "visit",
    "persons",
    "signals",
    "assessment",
    "b83",
    "follow_up",
    "attachments",
    "page",
    "of",
    "document",
    "content_hash",
    "confidential",
    "acute",
    "who",
    "evidence",
    "note",
    "indicator",
    "file",
    "type",
    "size",
    "sha256",
    "version",
    "urgency",
    "created",
    "sender",
    "urgent",
    "signal",
)


@dataclass(frozen=True, slots=True)
class ReferralPlan:
    """What a recipient gets and what is left out, and why: shown before anything is made."""

    recipient: RecipientRules
    subjects: tuple[Person, ...]  # the persons the referral is about
    included_persons: tuple[Person, ...]
    left_out: tuple[str, ...]  # translated field names left out
    why: str


def new_document_id() -> str:
    return "FA-" + crockford_code(10)


def plan_referral(
    detail: VisitDetail,
    recipient: str,
    *,
    person_ref: str | None,
    reporter_agency: str | None,
    catalogue: Catalogue,
    lang: str,
) -> ReferralPlan:
    """Choose the persons and check the recipient's requirement (consent or a mandatory
    reporter). Refuses with a message that offers the anonymous signal instead, and refuses a
    recipient that is not for the person's role (CoMensha about a witness) with one that names
    the recipients that are."""
    rules = recipient_rules()[recipient]
    persons = list(detail.persons)
    subjects: tuple[Person, ...]
    if person_ref:
        subjects = (find_person(persons, person_ref),)
    else:
        subjects = tuple(p for p in persons if p.role is PersonRole.POSSIBLE_VICTIM)
    for person in subjects:
        if not rules.is_about(person.role.value):
            # Registering a witness or a suspected employer with CoMensha, or asking the care
            # coordinator to shelter them, is a mistake the core refuses whatever the screen.
            raise FieldAppError(
                "referral.not_for_role",
                recipient=rules.name[lang],
                label=person.label,
                role=t(f"person_role.{person.role.value}", lang),
                options=", ".join(
                    other.name[lang]
                    for other in recipient_rules().values()
                    if other.is_about(person.role.value)
                ),
            )
    consent_all = bool(subjects) and all(p.consent is Consent.GIVEN for p in subjects)
    if rules.requires == "consent" and not consent_all:
        raise FieldAppError("referral.needs_consent", recipient=rules.name[lang])
    if rules.requires == "mandatory_reporter_or_consent" and not (
        same_agency(reporter_agency, catalogue.rules.mandatory_reporters) or consent_all
    ):
        raise FieldAppError("referral.needs_consent_or_reporter", recipient=rules.name[lang])
    subject_ids = {p.meta.uuid for p in subjects}
    included = tuple(
        p
        for p in persons
        if p.role.value in rules.person_roles
        and (p.meta.uuid in subject_ids or p.role is not PersonRole.POSSIBLE_VICTIM)
    )
    left_out = []
    for kind, fields in field_groups():
        if kind == "sender":
            continue
        allowed = getattr(rules, kind)
        left_out += [
            t(f"referral.field.{kind}.{name}", lang)
            for name in fields
            # The month is the date made coarse: it is never listed as left out itself.
            if name not in allowed
            and name != "month"
            and not (name == "date" and "month" in allowed)
        ]
    if not rules.attachments:
        left_out.append(t("referral.field.attachments", lang))
    if rules.assessment == "none":
        left_out.append(t("referral.field.assessment", lang))
    return ReferralPlan(rules, subjects, included, tuple(left_out), rules.why[lang])


def build_referral(
    store: Store,
    visit_uuid: str,
    recipient: str,
    *,
    person_ref: str | None = None,
    lang: str = "nl",
    document_id: str | None = None,
    final: bool = True,
) -> tuple[ReferralDocument, ReferralPlan, Assessment | None]:
    """The document for one recipient. A final one is refused while the visit lacks what a
    recipient needs to act (:func:`missing_for_final`), with a message listing it; a draft
    (``final=False``) is always made, and says on its first lines that it is a draft and what
    is missing."""
    detail = store.visit_detail(visit_uuid)
    profile = store.setting("profile", {}) or {}
    reporter = reporting_agency(profile, detail)
    catalogue = assessment_catalogue()
    plan = plan_referral(
        detail,
        recipient,
        person_ref=person_ref,
        reporter_agency=reporter,
        catalogue=catalogue,
        lang=lang,
    )
    subject = plan.subjects[0].meta.uuid if person_ref and plan.subjects else None
    if final:
        missing = missing_for_final(detail, subject, catalogue=catalogue, recipient=recipient)
        if missing:
            raise FieldAppError("referral.not_ready", missing=missing_text(missing))
    else:
        missing = missing_for_final(
            detail, subject, lang=lang, catalogue=catalogue, recipient=recipient
        )
    rules = plan.recipient
    version = store.next_referral_version(
        visit_uuid, recipient, tuple(p.meta.uuid for p in plan.subjects)
    )
    assessments = [
        assess(case_for_person(store, visit_uuid, p.meta.uuid), catalogue) for p in plan.subjects
    ]
    urgency = "normal"
    reasons: list[str] = []
    for result in assessments:
        for advice in result.referrals:
            if advice.to == recipient:
                if URGENCY_RANK[advice.urgency] > URGENCY_RANK[urgency]:
                    urgency = advice.urgency
                reasons += [r[lang] for r in advice.reasons if r[lang] not in reasons]
    # When the document was made, as precisely as the recipient's rules allow.
    created = referral_text(local_now(), rules.created)
    labels = {name: t(f"referral.label.{name}", lang) for name in SECTION_LABELS}
    document = ReferralDocument(
        document_id=document_id or new_document_id(),
        version=version,
        lang=lang,
        created=created,
        created_precision=rules.created,
        title=t("referral.title", lang, recipient=rules.name[lang])
        if final
        else t("referral.draft_title", lang, recipient=rules.name[lang]),
        recipient=recipient,
        urgency=t(f"referral.urgency.{urgency}", lang),
        urgent=urgency != "normal",
        sender=_sender(rules, profile, detail, lang),
        reason=(
            *_draft_note(final, missing, lang),
            t("referral.reason.intro", lang),
            *reasons,
        ),
        site=_site(rules, detail, lang),
        visit=_visit(rules, detail, lang),
        persons=tuple(_person(rules, p, lang) for p in plan.included_persons),
        signals=_signals(rules, detail, plan, catalogue, lang),
        assessment=_assessment(rules, plan, assessments, lang),
        catalogue=t(
            "referral.catalogue", lang, version=catalogue.version, hash=catalogue.content_hash[:12]
        )
        if rules.assessment != "none"
        else "",
        unconfirmed=t("referral.unconfirmed", lang)
        if rules.assessment != "none" and any(a.unconfirmed_grades_used for a in assessments)
        else None,
        b83=_b83(rules, plan, assessments, lang),
        follow_up=_follow_up(rules, assessments, lang),
        attachments=tuple(
            AttachmentLine(a.file_name, a.media_type, a.size, a.sha256) for a in detail.attachments
        )
        if rules.attachments
        else (),
        labels=labels,
    )
    return document, plan, (assessments[0] if assessments else None)


def _draft_note(final: bool, missing: list[Missing], lang: str) -> tuple[str, ...]:
    if final:
        return ()
    if not missing:
        return (t("referral.draft_note", lang),)
    return (t("referral.draft_note_missing", lang, missing=missing_text(missing)),)


def _sender(
    rules: RecipientRules, profile: dict[str, Any], detail: VisitDetail, lang: str
) -> tuple[Line, ...]:
    values = {
        "agency": agency_name(reporting_agency(profile, detail), lang),
        "inspector": profile.get("name") or detail.visit.inspector,
        "employee_number": profile.get("employee_number"),
        "region": profile.get("region"),
        "contact": profile.get("contact"),
    }
    return tuple(
        (t(f"referral.field.sender.{name}", lang), str(values[name]))
        for name in ("agency", "inspector", "employee_number", "region", "contact")
        if name in rules.sender and values[name]
    )


def _site(rules: RecipientRules, detail: VisitDetail, lang: str) -> tuple[Line, ...]:
    site = detail.site
    values = {
        "name": site.name,
        "trade_name": site.trade_name,
        "address": site.address.one_line(),
        "municipality": site.municipality,
        "kvk": site.kvk,
        "sector": t(f"sector.{site.sector.value}", lang),
        "phones": ", ".join(site.phones),
        "plates": ", ".join(site.plates),
        "handles": ", ".join(site.handles),
    }
    return tuple(
        (t(f"referral.field.site.{name}", lang), value)
        for name, value in values.items()
        if name in rules.site and value
    )


def _visit(rules: RecipientRules, detail: VisitDetail, lang: str) -> tuple[Line, ...]:
    visit = detail.visit
    values = {
        "date": referral_text(visit.started_at, "minute"),
        "month": referral_text(visit.started_at, "month"),
        "type": t(f"visit_type.{visit.type.value}", lang),
        "agencies": ", ".join(filter(None, (agency_name(a, lang) for a in visit.agencies))),
        "notes": visit.notes,
    }
    return tuple(
        (t(f"referral.field.visit.{name}", lang), value)
        for name, value in values.items()
        if name in rules.visit and value
    )


def _person(rules: RecipientRules, person: Person, lang: str) -> PersonBlock:
    age = (
        str(person.age)
        if person.age is not None
        else (person.age_band.value if person.age_band else t("referral.unknown", lang))
    )
    if person.minor:
        age += " (" + t("referral.minor", lang) + ")"
    values = {
        "role": t(f"person_role.{person.role.value}", lang),
        "sex": t(f"sex.{person.sex.value}", lang),
        "age": age,
        # Names the reader knows ("Polen (PL)", "Pools"), the code kept for a registry's form.
        "nationality": (
            f"{country_name(person.nationality, lang)} ({person.nationality})"
            if person.nationality
            else t("referral.unknown", lang)
        ),
        "languages": format_languages(person.languages, lang),
        "interpreter": t("referral.yes" if person.interpreter else "referral.no", lang),
        "residence_status": person.residence_status,
        "consent": t(f"consent.{person.consent.value}", lang)
        + (f" ({person.consent_date})" if person.consent_date else ""),
        "b83": t(f"b83_status.{person.b83_status.value}", lang)
        + "".join(f", {part}" for part in (person.b83_date, person.b83_by) if part),
        "notes": person.notes,
    }
    label = person.label if "label" in rules.person else t("referral.the_person", lang)
    title = (
        t("referral.person_title", lang, label=label, role=values["role"])
        if "role" in rules.person
        else label
    )
    lines = tuple(
        (t(f"referral.field.person.{name}", lang), value)
        for name, value in values.items()
        if name in rules.person and name != "role" and value
    )
    return PersonBlock(title, lines)


def _signals(
    rules: RecipientRules, detail: VisitDetail, plan: ReferralPlan, catalogue: Catalogue, lang: str
) -> tuple[SignalGroup, ...]:
    if "label" not in rules.signal:
        return ()
    subject_ids = {p.meta.uuid for p in plan.subjects}
    labels = {p.meta.uuid: p.label for p in detail.persons}
    groups: dict[str, list[SignalLine]] = {}
    for observation in detail.observations:
        if observation.status is not ObservationStatus.OBSERVED:
            continue
        if observation.person_uuid is not None and observation.person_uuid not in subject_ids:
            continue
        item = catalogue.get(observation.indicator_id)
        if item is None:
            continue
        counted = catalogue.indicators[item.maps_to[0]] if item.maps_to else item
        who = (
            t("referral.everyone", lang)
            if observation.person_uuid is None
            else labels.get(observation.person_uuid, "?")
        )
        groups.setdefault(counted.dimension, []).append(
            SignalLine(
                indicator_id=item.id,
                label=item.label[lang],
                who=who if "who" in rules.signal else "",
                evidence=t(f"evidence.{observation.evidence.value}", lang)
                if observation.evidence and "evidence" in rules.signal
                else "",
                note=observation.note if "note" in rules.signal else None,
                acute=item.acute,
            )
        )
    order = ("DEC_REC", "COE_REC", "VUL_REC", "EXPL", "COE_DEST", "VUL_DEST", "CONTEXT")
    return tuple(
        SignalGroup(t(f"dimension.{dim}", lang), tuple(groups[dim]))
        for dim in order
        if dim in groups
    )


def _assessment(
    rules: RecipientRules, plan: ReferralPlan, results: list[Assessment], lang: str
) -> tuple[str, ...]:
    if rules.assessment == "none" or not results:
        return ()
    lines: list[str] = []
    for person, result in zip(plan.subjects, results, strict=True):
        name = person.label if "label" in rules.person else t("referral.the_person", lang)
        outcomes = "; ".join(
            f"{t('form.' + form, lang)}: {t('outcome.' + r.outcome, lang)}"
            for form, r in result.forms.items()
            if r.outcome != "no_signals"
        ) or t("outcome.no_signals", lang)
        lines.append(f"{name}: {outcomes}")
        if rules.assessment == "full":
            lines += [explanation_text(item, lang) for item in result.explanation]
    return tuple(lines)


def _b83(
    rules: RecipientRules, plan: ReferralPlan, results: list[Assessment], lang: str
) -> tuple[Line, ...]:
    if "b83" not in rules.person:
        return ()
    lines = []
    for person, result in zip(plan.subjects, results, strict=True):
        if result.b83_prompt is None:
            continue
        status = t(f"b83_status.{person.b83_status.value}", lang)
        detail = "".join(f", {part}" for part in (person.b83_date, person.b83_by) if part)
        lines.append((person.label, status + detail))
    return tuple(lines)


def _follow_up(rules: RecipientRules, results: list[Assessment], lang: str) -> tuple[str, ...]:
    lines = [t(f"referral.follow_up.{rules.key}", lang)]
    if any(r.acute for r in results) and rules.key in ("police", "nla"):
        lines.insert(0, t("assess.acute_advice", lang))
    if any(
        r.b83_prompt is not None and r.b83_prompt.recorded.value == "not_recorded" for r in results
    ) and rules.key in ("police", "nla"):
        lines.append(t("referral.follow_up.b83", lang))
    return tuple(lines)
