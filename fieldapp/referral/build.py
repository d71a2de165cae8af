"""From a visit in the vault to the content of one recipient's referral, and no more.

Every field passes through the recipient's rules here; the renderer only sees the result.

The document is written to its reader (issue 15): it says who it is for and why they get it
("U ontvangt deze doorverwijzing omdat ..."), never advises the reporter, and asks the recipient
for what it can do. Codes become names in the document's language (countries, languages,
agencies, forms, dimensions). Possible victims come first, each with a one-line summary of the
assessment; witnesses and others next; possible exploiters and employers last, in a section of
their own labelled as criminal-offence data (AVG art. 10). A field that does not belong to a
person's role (consent or B8/3 for a suspect) is never shown, whatever the recipient may see.
The engine's full explanation goes to an annex at the end, for recipients whose rules allow the
full assessment. Nothing is printed with an empty value.

What a reader must never misread (issue 15, the reader review): a reason line names only a
person the document shows; the persons labelled as criminal-offence data are the possible
exploiters, and an employer only where notes about them are shown (a licensed operator with
nothing recorded is not a suspect); a person block with nothing the recipient may see is not
printed; the annex holds only what the document's own signals show, in the third person, and
nothing about weights (the document's note on unconfirmed grades says that once). Urgency is the
engine's for the recipient, and immediate when the ground is the person's vital interest. An
anonymous registration is a count: per possible victim only sex, age group, nationality and the
forms the assessment found, no urgency, and a footer that says it holds no names or direct
identifiers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from fieldapp import validate
from fieldapp.agencies import agency_name, same_agency
from fieldapp.assessment import Assessment, assess
from fieldapp.assessment.engine import CHILD, Explanation, FormResult, Msg, MsgList
from fieldapp.assessment.from_store import case_for_person, find_person, reporting_agency
from fieldapp.assessment.render import explanation_text, list_text
from fieldapp.catalogue import Catalogue
from fieldapp.catalogue.loader import assessment_catalogue
from fieldapp.countries import country_name, format_languages
from fieldapp.domain import (
    AgeBand,
    B83Status,
    Consent,
    ObservationStatus,
    Person,
    PersonRole,
    PoliceReport,
    Sector,
    VisitDetail,
    band_for_age,
)
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t, tn
from fieldapp.ids import crockford_code
from fieldapp.localtime import local_now, referral_date, referral_text, to_local
from fieldapp.referral.document import (
    AnnexBlock,
    AttachmentLine,
    Line,
    PersonBlock,
    ReferralDocument,
    SignalGroup,
    SignalLine,
)
from fieldapp.referral.readiness import (
    Missing,
    identity_allowed,
    missing_for_final,
    missing_text,
    observed_any,
    vital_interest_text,
)
from fieldapp.referral.rules import RecipientRules, field_groups, recipient_rules, role_fields
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
    "signal",
    "to",
    "own_reason",
    "suspects",
    "criminal",
    "annex",
    "annex_intro",
    "summary",
)
# The order persons are shown in: the possible victims the referral is for, then those who saw
# or told something, then those the signals are about.
ROLE_ORDER = (
    PersonRole.POSSIBLE_VICTIM,
    PersonRole.WITNESS,
    PersonRole.OTHER,
    PersonRole.EMPLOYER_MANAGER,
    PersonRole.POSSIBLE_EXPLOITER,
)
SEX_WORK = frozenset({Sector.SEX_WORK_LICENSED, Sector.SEX_WORK_UNLICENSED})
# Explanation lines that advise the reporter rather than inform the reader (what to record, whom
# to call, whether to register with CoMensha, whether a danger still plays), that the document
# shows once elsewhere (the catalogue, the unconfirmed weights), or that are about the lists and
# weights behind the reading rather than the person (the document's 'unconfirmed' note covers
# those).
_ANNEX_LEFT_OUT = (
    "assess.explain.catalogue",
    "assess.explain.versions",
    "assess.explain.not_a_verdict",
    "assess.explain.acute",
    "assess.explain.past_acute",
    "assess.explain.b83",
    "assess.explain.b83_unknown",
    "assess.explain.registration_",
    "assess.explain.unconfirmed",
    "assess.explain.unknown_indicators",
)
# The engine speaks to the reporter ("uw oordeel", "De plichten bij een aanwijzing gelden"); the
# annex is read by the recipient, so these say the same in the third person, and an outcome
# line drops the status of the combination rule's weights.
_ANNEX_THIRD_PERSON = {
    "assess.explain.indication_yes": "referral.annex.indication_yes",
    "assess.explain.indication_no": "referral.annex.indication_no",
    "assess.indication_by.professional": "referral.annex.by_professional",
    "assess.explain.dutch_law_sub1_suspected": "referral.annex.dutch_law_sub1_suspected",
    "assess.explain.dutch_law_sub2_suspected": "referral.annex.dutch_law_sub2_suspected",
    "assess.explain.outcome_rule": "assess.explain.outcome",
}
# Person fields derived from others (the age made coarse, the forms from the assessment): never
# listed as left out themselves.
_DERIVED_FIELDS = frozenset({"age_group", "forms"})
# Recipients told how many other possible victims the visit met (a referral about one person
# must not read as if there were no one else).
_COUNTS_OTHER_VICTIMS = ("police", "nla")


@dataclass(frozen=True, slots=True)
class ReferralPlan:
    """What a recipient gets and what is left out, and why: shown before anything is made."""

    recipient: RecipientRules
    subjects: tuple[Person, ...]  # the persons the referral is about
    included_persons: tuple[Person, ...]  # victims first, then witnesses, then suspects
    left_out: tuple[str, ...]  # translated field names left out
    why: str
    # The sender's reason of vital interest, when it is the ground (no consent for everyone).
    vital_interest: str | None = None
    name_reporter: bool = False


def new_document_id() -> str:
    return "FA-" + crockford_code(10)


def check_options(
    rules: RecipientRules, vital_interest: str | None, name_reporter: bool, lang: str
) -> str | None:
    """The options that belong to one recipient only: refused for any other, with a message
    that names the one they belong to. Returns the vital interest as kept."""
    vital = vital_interest_text(validate.text(vital_interest, "vital_interest"))
    if vital is not None and not rules.vital_interest:
        names = [r.name[lang] for r in recipient_rules().values() if r.vital_interest]
        raise FieldAppError("referral.vital_interest_only", recipient=", ".join(names))
    if name_reporter and not rules.sender_only_when_chosen:
        raise FieldAppError("referral.name_reporter_only")
    return vital


def plan_referral(
    detail: VisitDetail,
    recipient: str,
    *,
    person_ref: str | None,
    reporter_agency: str | None,
    catalogue: Catalogue,
    lang: str,
    vital_interest: str | None = None,
    name_reporter: bool = False,
) -> ReferralPlan:
    """Choose the persons and check the recipient's requirement (consent, a mandatory
    reporter, or for the care coordinator a stated vital interest). Refuses with a message that
    offers the anonymous signal instead, and refuses a recipient that is not for the person's
    role (CoMensha about a witness) with one that names the recipients that are."""
    rules = recipient_rules()[recipient]
    vital = check_options(rules, vital_interest, name_reporter, lang)
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
    # The vital interest is the ground only where consent is not there for everyone, and
    # only where it could not be asked: it never sets aside a person's own refusal.
    vital = None if consent_all else vital
    refused = [p for p in subjects if p.consent is Consent.REFUSED]
    if vital is not None and refused:
        raise FieldAppError(
            "referral.vital_interest_refused", label=", ".join(p.label for p in refused)
        )
    if rules.requires == "consent" and not consent_all and vital is None:
        raise FieldAppError("referral.needs_consent", recipient=rules.name[lang])
    if rules.requires == "mandatory_reporter_or_consent" and not (
        same_agency(reporter_agency, catalogue.rules.mandatory_reporters) or consent_all
    ):
        raise FieldAppError("referral.needs_consent_or_reporter", recipient=rules.name[lang])
    subject_ids = {p.meta.uuid for p in subjects}
    included = sorted(
        (
            p
            for p in persons
            if p.role.value in rules.person_roles
            and (p.meta.uuid in subject_ids or p.role is not PersonRole.POSSIBLE_VICTIM)
        ),
        key=lambda p: ROLE_ORDER.index(p.role),
    )
    left_out = []
    for kind, fields in field_groups():
        if kind == "sender" and not (rules.sender_only_when_chosen and not name_reporter):
            continue
        allowed = () if kind == "sender" else getattr(rules, kind)
        left_out += [
            t(f"referral.field.{kind}.{name}", lang)
            for name in fields
            # The month is the date made coarse: it is never listed as left out itself.
            if name not in allowed
            and name != "month"
            and not (kind == "person" and name in _DERIVED_FIELDS)
            and not (name == "date" and "month" in allowed)
            and (kind != "sender" or name in rules.sender)
        ]
    if not rules.attachments:
        left_out.append(t("referral.field.attachments", lang))
    if rules.assessment == "none":
        left_out.append(t("referral.field.assessment", lang))
    return ReferralPlan(
        rules,
        subjects,
        tuple(included),
        tuple(left_out),
        rules.why[lang],
        vital,
        name_reporter,
    )


def build_referral(
    store: Store,
    visit_uuid: str,
    recipient: str,
    *,
    person_ref: str | None = None,
    lang: str = "nl",
    document_id: str | None = None,
    final: bool = True,
    reason: str | None = None,
    vital_interest: str | None = None,
    name_reporter: bool = False,
) -> tuple[ReferralDocument, ReferralPlan, Assessment | None]:
    """The document for one recipient. A final one is refused while the visit lacks what its
    recipient needs to act (:func:`missing_for_final`), with a message listing it; a draft
    (``final=False``) is always made, and says on its first lines that it is a draft and what
    is missing. ``reason``: the inspector's own words, shown as such. ``vital_interest``: the
    care coordinator only, the sender's reason for sharing without consent. ``name_reporter``:
    the anonymous registration only, whether it names the reporting agency."""
    own_reason = validate.text(reason, "reason")
    detail = store.visit_detail(visit_uuid)
    profile: dict[str, Any] = store.setting("profile", {}) or {}
    reporter = reporting_agency(profile, detail)
    catalogue = assessment_catalogue()
    plan = plan_referral(
        detail,
        recipient,
        person_ref=person_ref,
        reporter_agency=reporter,
        catalogue=catalogue,
        lang=lang,
        vital_interest=vital_interest,
        name_reporter=name_reporter,
    )
    subject = plan.subjects[0].meta.uuid if person_ref and plan.subjects else None
    # A final referral is refused with the list in the user's language; a draft shows it in
    # the document's.
    missing = missing_for_final(
        detail,
        subject,
        lang=None if final else lang,
        catalogue=catalogue,
        recipient=recipient,
        vital_interest=plan.vital_interest,
        profile=profile,
        reason=own_reason,
    )
    if final and missing:
        raise FieldAppError("referral.not_ready", missing=missing_text(missing))
    rules = plan.recipient
    version = store.next_referral_version(
        visit_uuid, recipient, tuple(p.meta.uuid for p in plan.subjects)
    )
    assessments = {
        p.meta.uuid: assess(case_for_person(store, visit_uuid, p.meta.uuid), catalogue)
        for p in plan.subjects
    }
    names = _Names(rules, plan, lang)
    victims = [
        (p, assessments[p.meta.uuid])
        for p in plan.subjects
        if p.role.value in catalogue.rules.victim_roles
    ]
    urgency = _urgency(rules, plan, assessments)
    context = _Context(
        rules, detail, plan, catalogue, lang, names, reporter, assessments, own_reason
    )
    # A registration counts the possible victims it is about ("Persoon 1"), naming none.
    listed = [p for p, _ in victims] if rules.registration else list(plan.included_persons)
    blocks = [(p, _person(context, p)) for p in listed]
    # A block with nothing the recipient may see says only that someone was there: left out,
    # unless the referral is about that person (its reason points to the block).
    subject_ids = {p.meta.uuid for p in plan.subjects}
    blocks = [(p, b) for p, b in blocks if b.lines or p.meta.uuid in subject_ids]
    criminal = [(p, b) for p, b in blocks if _criminal(context, p)]
    persons = tuple(b for p, b in blocks if not _criminal(context, p))
    suspects = tuple(b for _, b in criminal)
    shown = {p.meta.uuid for p, _ in blocks}
    assessed = rules.assessment != "none" and bool(victims)
    labels = {name: t(f"referral.label.{name}", lang) for name in SECTION_LABELS}
    if rules.created != "minute":  # "Gemaakt in: 11-2026", not "Datum en tijd: 11-2026"
        labels["created"] = t(f"referral.label.created_{rules.created}", lang)
    if rules.registration:  # "Waarom deze registratie", not "Reden van doorverwijzing"
        labels["reason"] = t("referral.label.reason_registration", lang)
    if not any(p.role is PersonRole.EMPLOYER_MANAGER for p, _ in criminal):
        labels["suspects"] = t("referral.label.suspects_exploiters", lang)
    sender = _sender(rules, profile, detail, lang, name_reporter=name_reporter)
    labels["confidential"] = _footer(context, persons, suspects, sender)
    signals = _signals(context)
    in_table = {s.indicator_id for group in signals for s in group.signals}
    document = ReferralDocument(
        document_id=document_id or new_document_id(),
        version=version,
        lang=lang,
        created=referral_text(local_now(), rules.created),
        created_precision=rules.created,
        title=_title(rules, final, lang),
        recipient=recipient,
        # An anonymous registration has no urgency line at all.
        urgency=t(f"referral.urgency.{urgency}", lang) if rules.urgency else "",
        urgent=rules.urgency and urgency != "normal",
        sender=sender,
        reason=(*_draft_note(final, missing, lang, rules.registration), *_reasons(context)),
        site=_site(rules, detail, lang),
        visit=_visit(rules, detail, lang),
        persons=persons,
        signals=signals,
        # One line per possible victim where no person block carries it.
        assessment=tuple(
            f"{names.of(p)}: {_summary(r, lang)}" for p, r in victims if p.meta.uuid not in shown
        )
        if assessed
        else (),
        catalogue=t(
            "referral.catalogue", lang, version=catalogue.version, hash=catalogue.content_hash[:12]
        )
        if assessed
        else "",
        unconfirmed=t("referral.unconfirmed", lang)
        if assessed and any(r.unconfirmed_grades_used for _, r in victims)
        else None,
        follow_up=_follow_up(context),
        attachments=tuple(
            AttachmentLine(a.file_name, a.media_type, a.size, a.sha256) for a in detail.attachments
        )
        if rules.attachments
        else (),
        labels=labels,
        addressee=rules.addressee[lang],
        own_reason=own_reason,
        ground=t("referral.vital_interest", lang, reason=plan.vital_interest)
        if plan.vital_interest
        else None,
        suspects=suspects,
        annex=tuple(
            AnnexBlock(names.of(p), _annex_lines(result, lang, in_table)) for p, result in victims
        )
        if rules.assessment == "full"
        else (),
        urgency_key=urgency if rules.urgency else "normal",
    )
    first = next(iter(assessments.values()), None)
    return document, plan, first


@dataclass(frozen=True, slots=True)
class _Names:
    """How the document names a person: by label where the recipient may see labels, else
    "Persoon 1", "Persoon 2" in the order the referral is about them (never all "De persoon")."""

    rules: RecipientRules
    plan: ReferralPlan
    lang: str

    def of(self, person: Person) -> str:
        if "label" in self.rules.person:
            label = person.label.strip()
            # A bare letter says nothing on paper: "Persoon B".
            return label if len(label) > 3 else t("referral.short_label", self.lang, label=label)
        people = (*self.plan.subjects, *self.plan.included_persons)
        order = list(dict.fromkeys(p.meta.uuid for p in people))
        number = order.index(person.meta.uuid) + 1 if person.meta.uuid in order else len(order) + 1
        return t("referral.numbered_person", self.lang, number=number)

    def of_uuid(self, detail: VisitDetail, uuid: str) -> str:
        person = next((p for p in detail.persons if p.meta.uuid == uuid), None)
        return self.of(person) if person is not None else "?"


@dataclass(frozen=True, slots=True)
class _Context:
    """What every part of one document is made from."""

    rules: RecipientRules
    detail: VisitDetail
    plan: ReferralPlan
    catalogue: Catalogue
    lang: str
    names: _Names
    reporter: str | None
    assessments: Mapping[str, Assessment]  # per subject
    own_reason: str | None = None  # the inspector's own words

    def victim(self, person: Person) -> bool:
        return person.role.value in self.catalogue.rules.victim_roles

    def child(self, person: Person) -> bool:
        """The engine assessed the person as a child (not merely of unknown age)."""
        result = self.assessments.get(person.meta.uuid)
        return result is not None and result.profile == CHILD


def _urgency(
    rules: RecipientRules, plan: ReferralPlan, assessments: Mapping[str, Assessment]
) -> str:
    """The engine's urgency for this recipient, the highest over the persons the referral is
    about (an acute signal makes the police's immediate); immediate when the ground is the
    person's vital interest, which is stated only when someone needs protection or care now.
    Never read from free text."""
    if plan.vital_interest:
        return "immediate"
    urgency = "normal"
    for result in assessments.values():
        for advice in result.referrals:
            if advice.to == rules.key and URGENCY_RANK[advice.urgency] > URGENCY_RANK[urgency]:
                urgency = advice.urgency
    return urgency


def _criminal(ctx: _Context, person: Person) -> bool:
    """Whether the person's block is criminal-offence data (AVG art. 10), shown in its own
    labelled section: a possible exploiter's always; an employer's or manager's only when it
    shows notes about them (what was recorded may be a suspicion of a crime); a licensed
    operator with nothing recorded against them is not framed as a suspect."""
    if person.role is PersonRole.POSSIBLE_EXPLOITER:
        return True
    if person.role is not PersonRole.EMPLOYER_MANAGER:
        return False
    shown = "notes" in ctx.rules.person and "notes" in role_fields()[person.role.value]
    return shown and bool((person.notes or "").strip())


def _title(rules: RecipientRules, final: bool, lang: str) -> str:
    title = (rules.title or {}).get(lang) or t("referral.title", lang, recipient=rules.name[lang])
    return title if final else t("referral.draft_title", lang, title=title)


def _draft_note(
    final: bool, missing: list[Missing], lang: str, registration: bool = False
) -> tuple[str, ...]:
    if final:
        return ()
    key = "referral.draft_note_registration" if registration else "referral.draft_note"
    if not missing:
        return (t(key, lang),)
    return (t(f"{key}_missing", lang, missing=missing_text(missing)),)


# Recipients whose lead is about a person's needs, not about recorded signals.
_PERSON_LEADS = ("comensha", "zorgcoordinator")
_NO_SIGNALS = "referral.reason.lead_no_signals"


def _reasons(ctx: _Context) -> tuple[str, ...]:
    """Why the reader gets this, written to the reader: the recipient's own lead, what a
    non-victim subject is, the engine's reasons for this recipient (also written to it), each
    once, and for the police and the Labour Authority how many other possible victims the visit
    met. Never advice to the reporter, and never the name of a person the document does not
    show (the RIEC gets no victims: their reasons are written once, without names)."""
    lang, key = ctx.lang, ctx.rules.key
    # A lead that says signals were recorded is only written when there are some, and one that
    # points to the inspector's explanation only when there is one.
    if observed_any(ctx.detail) or key in _PERSON_LEADS:
        lead = "referral.reason.lead"
    elif ctx.own_reason or key == "anonymous":
        lead = _NO_SIGNALS
    else:
        lead = f"{_NO_SIGNALS}_bare"
    lines = [t(f"{lead}.{key}", lang)]
    subjects = ctx.plan.subjects
    # Labels are names in practice: only a person the document shows is named ("Persoon 1"
    # names no one).
    shown = {p.meta.uuid for p in ctx.plan.included_persons}
    numbered = "label" not in ctx.rules.person
    by_reason: dict[str, list[Person]] = {}
    for person in subjects:
        if not ctx.victim(person):
            name = ctx.names.of(person)
            lines.append(t(f"referral.reason.role.{person.role.value}", lang, label=name))
        for advice in ctx.assessments[person.meta.uuid].referrals:
            if advice.to != key:
                continue
            for reason in advice.reasons:
                text = reason[lang]
                if key == "zorgcoordinator" and ctx.child(person):
                    # "Verblijf of uitkering" is an adult's route; a child's is protection.
                    text = t("referral.reason.zorgcoordinator_minor", lang)
                holders = by_reason.setdefault(text, [])
                if person not in holders:
                    holders.append(person)
    for text, holders in by_reason.items():
        nameable = all(numbered or p.meta.uuid in shown for p in holders)
        if len(subjects) == 1 or len(holders) == len(subjects) or not nameable:
            line = text
        else:
            who = list_text([ctx.names.of(p) for p in holders], lang, "and")
            line = f"{who}: {text}"
        if line not in lines:
            lines.append(line)
    if key in _COUNTS_OTHER_VICTIMS:
        ids = {p.meta.uuid for p in subjects}
        others = sum(
            1
            for p in ctx.detail.persons
            if p.role is PersonRole.POSSIBLE_VICTIM and p.meta.uuid not in ids
        )
        if others:
            lines.append(tn("referral.reason.other_victims", others, lang))
    return tuple(lines)


def _sender(
    rules: RecipientRules,
    profile: dict[str, Any],
    detail: VisitDetail,
    lang: str,
    *,
    name_reporter: bool,
) -> tuple[Line, ...]:
    if rules.sender_only_when_chosen and not name_reporter:
        return ()
    values = {
        "agency": agency_name(reporting_agency(profile, detail), lang),
        "inspector": profile.get("name") or detail.visit.inspector,
        "team": profile.get("team"),
        "employee_number": profile.get("employee_number"),
        "region": profile.get("region"),
        "contact": profile.get("contact"),
    }
    return tuple(
        (t(f"referral.field.sender.{name}", lang), str(value).strip())
        for name, value in values.items()
        if name in rules.sender and value and str(value).strip()
    )


def _site(rules: RecipientRules, detail: VisitDetail, lang: str) -> tuple[Line, ...]:
    site = detail.site
    intermediary = ""
    if site.intermediary_name and site.intermediary_kvk:
        intermediary = t(
            "referral.intermediary", lang, name=site.intermediary_name, kvk=site.intermediary_kvk
        )
    elif site.intermediary_kvk:
        intermediary = t("referral.intermediary_kvk", lang, kvk=site.intermediary_kvk)
    else:
        intermediary = site.intermediary_name or ""
    values = {
        "name": site.name,
        "trade_name": site.trade_name,
        "address": site.address.one_line(),
        "municipality": site.municipality,
        "kvk": site.kvk,
        "sector": t(f"sector.{site.sector.value}", lang),
        "intermediary": intermediary,
        "housing": site.housing.one_line(),
        "phones": ", ".join(site.phones),
        "plates": ", ".join(site.plates),
        "handles": ", ".join(site.handles),
    }
    return _lines("site", values, rules.site, lang)


def _visit(rules: RecipientRules, detail: VisitDetail, lang: str) -> tuple[Line, ...]:
    visit = detail.visit
    values = {
        "date": referral_text(visit.started_at, "minute"),
        "month": referral_text(visit.started_at, "month"),
        "type": t(f"visit_type.{visit.type.value}", lang),
        "agencies": ", ".join(filter(None, (agency_name(a, lang) for a in visit.agencies))),
        "notes": visit.notes,
    }
    return _lines("visit", values, rules.visit, lang)


def _lines(
    kind: str, values: Mapping[str, str | None], allowed: frozenset[str], lang: str
) -> tuple[Line, ...]:
    """(label, value) for each allowed field that holds something: no label is ever printed
    with an empty value."""
    return tuple(
        (t(f"referral.field.{kind}.{name}", lang), value.strip())
        for name, value in values.items()
        if name in allowed and value and value.strip()
    )


def _person(ctx: _Context, person: Person) -> PersonBlock:
    """One person's block: only the fields the recipient may see AND that belong to the
    person's role, guarded fields only where their requirement holds, and for a possible
    victim the referral is about, the one-line summary of the assessment."""
    rules, lang = ctx.rules, ctx.lang
    allowed = set(rules.person) & role_fields()[person.role.value]
    for name, requirement in rules.person_guarded.items():
        if not identity_allowed(person, requirement, ctx.reporter, ctx.catalogue):
            allowed.discard(name)
    result = ctx.assessments.get(person.meta.uuid)
    if (result is None or result.b83_prompt is None) and (
        person.b83_status is B83Status.NOT_RECORDED
    ):
        allowed.discard("b83")  # no offer prompted and none recorded: nothing to say
    if "suspected_forms" in allowed and not person.suspected_forms:
        # The reporter recorded no form: the assessment's, under its own label, never as the
        # reporter's view.
        allowed.add("forms")
    values = _person_values(ctx, person, result)
    name = ctx.names.of(person)
    title = (
        t(
            "referral.block_title",
            lang,
            label=name,
            role=t(f"person_role.{person.role.value}", lang),
        )
        if "role" in rules.person
        else name
    )
    lines = [
        (t(f"referral.field.person.{field}", lang), value.strip())
        for field, value in values.items()
        if field in allowed and field not in ("label", "role") and value and value.strip()
    ]
    if result is not None and ctx.victim(person) and rules.assessment != "none":
        lines.insert(0, (t("referral.label.summary", lang), _summary(result, lang)))
    return PersonBlock(title, tuple(lines))


def _person_values(ctx: _Context, person: Person, result: Assessment | None) -> dict[str, str]:
    lang = ctx.lang
    unknown = t("referral.unknown", lang)
    if person.age is not None:
        age = str(person.age)
    elif person.age_band is not None and person.age_band is not AgeBand.UNKNOWN:
        age = t(f"age_band.{person.age_band.value}", lang)
    else:
        age = unknown
    if person.minor:
        age += " (" + t("referral.minor", lang) + ")"
    consent = t(f"consent.{person.consent.value}", lang)
    if person.consent_date:
        consent += f" ({referral_date(person.consent_date)})"
    # "Aangeboden en afgewezen" could read as refused by the IND: the person declined.
    b83_key = "referral.b83_declined" if person.b83_status is B83Status.DECLINED else None
    b83 = t(b83_key or f"b83_status.{person.b83_status.value}", lang)
    details = [part for part in (referral_date(person.b83_date), person.b83_by) if part]
    if details:
        b83 += f" ({', '.join(details)})"
    suspected = list_text([t(f"form.{form}", lang) for form in person.suspected_forms], lang, "and")
    return {
        "initials": person.initials or "",
        "birth_date": referral_date(person.birth_date),
        "sex": t(f"sex.{person.sex.value}", lang),
        "age": age,
        "age_group": _age_group(ctx, person),
        # Names the reader knows ("Polen", "Pools"), never the codes.
        "nationality": country_name(person.nationality, lang) if person.nationality else unknown,
        "languages": format_languages(person.languages, lang),
        "interpreter": t("referral.yes" if person.interpreter else "referral.no", lang),
        "residence_status": person.residence_status or "",
        "consent": consent,
        "b83": b83,
        # "Aangifte: onbekend" tells the police nothing; CoMensha registers it as an answer.
        "police_report": t(f"referral.police_report.{person.police_report.value}", lang)
        if person.police_report is not PoliceReport.UNKNOWN or ctx.rules.key == "comensha"
        else "",
        "suspected_forms": suspected,
        "forms": list_text([t(f"form.{form}", lang) for form in _found_forms(result)], lang, "and"),
        "whereabouts": person.whereabouts or "",
        "safe_contact": person.safe_contact or "",
        "safety": person.safety or "",
        "care_needs": person.care_needs or "",
        "notes": person.notes or "",
    }


def _age_group(ctx: _Context, person: Person) -> str:
    """The age made coarse, as CoMensha counts it: the band, or minor or adult when only that
    is known (an exact age or a date of birth never leaves as such)."""
    lang = ctx.lang
    band: AgeBand | None = person.age_band if person.age_band is not AgeBand.UNKNOWN else None
    if person.age is not None:
        band = band_for_age(person.age)
    elif band is None and person.birth_date:
        try:
            born = date.fromisoformat(person.birth_date)
        except ValueError:
            born = None
        if born is not None:
            day = to_local(ctx.detail.visit.started_at).date()
            years = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
            band = band_for_age(years)
    if band is not None:
        return t(f"age_band.{band.value}", lang)
    if person.minor is not None:
        return t("referral.minor" if person.minor else "referral.adult", lang)
    return t("referral.unknown", lang)


def _found_forms(result: Assessment | None) -> list[str]:
    """The forms the assessment found something in: signals, or an indication."""
    if result is None:
        return []
    return [
        form
        for form, outcome in result.forms.items()
        if outcome.outcome != "no_signals" or outcome.indication
    ]


def _summary(result: Assessment, lang: str) -> str:
    """One line: each form in context that reaches something, its outcome and what the outcome
    rests on (the ILO indicators, or the reading of art. 273f Sr beside the ILO outcome, so
    dimensions "onder de drempel" in the annex do not read as contradicting it; an indication
    by a minor's signal or the reporter's own judgement is named as such)."""
    if not result.assessed_as_victim:
        return t("referral.summary.not_victim", lang, role=t(f"person_role.{result.role}", lang))
    parts = [_form_line(form, outcome, lang) for form, outcome in result.forms.items()]
    shown = [part for part in parts if part]
    return "; ".join(shown) or t("referral.summary.none", lang)


def _form_line(form: str, outcome: FormResult, lang: str) -> str:
    if outcome.outcome == "no_signals" and not outcome.indication:
        return ""
    name, result = t(f"form.{form}", lang), t(f"outcome.{outcome.outcome}", lang)
    if outcome.reading == "dutch_law":
        # The provision the annex names (all three elements first, as the engine does),
        # and beside it what the ILO indicators alone gave.
        routes = set(outcome.dutch_law.routes)
        kind = "full" if "1" in routes else "minor" if routes & {"2", "5"} else "means"
        ilo = t(f"outcome.{outcome.ilo_outcome}", lang)
        reading = t(f"referral.reading.dutch_law_{kind}", lang, ilo=ilo)
    elif outcome.reading == "ilo":
        reading = t("referral.reading.ilo", lang)
    else:
        reading = ""
    line = (
        t("referral.summary.form", lang, form=name, outcome=result, reading=reading)
        if reading
        else f"{name}: {result}"
    )
    if outcome.indication and outcome.outcome != "trafficking_indicated":
        # An indication the outcome does not show by itself: say what gave it.
        by = [t(f"referral.indication_by.{b}", lang) for b in outcome.indication_by]
        line += t("referral.summary.indication", lang, by=list_text(by, lang, "and"))
    return line


def _annex_lines(result: Assessment, lang: str, in_table: set[str]) -> tuple[str, ...]:
    """The engine's explanation as the recipient reads it: in the third person, without the
    lines that advise the reporter or are about weights, and without a line that lists a
    signal the document's own table does not show."""
    return tuple(
        explanation_text(_third_person(item), lang)
        for item in result.explanation
        if not _left_out_of_annex(item) and set(item.indicators) <= in_table
    )


def _third_person(item: Explanation) -> Explanation:
    """The same explanation with every message spoken to the reporter replaced by its
    third-person version (nested messages included)."""
    params = {name: _third_person_param(value) for name, value in item.params.items()}
    return Explanation(
        _ANNEX_THIRD_PERSON.get(item.key, item.key), params, item.indicators, item.count
    )


def _third_person_param(value: object) -> object:
    if isinstance(value, Explanation | Msg):
        return _third_person_part(value)
    if isinstance(value, MsgList):
        return MsgList(tuple(_third_person_part(item) for item in value.items), value.joiner)
    return value


def _third_person_part(value: Msg | Explanation) -> Msg | Explanation:
    if isinstance(value, Explanation):
        return _third_person(value)
    return Msg(_ANNEX_THIRD_PERSON.get(value.key, value.key))


def _left_out_of_annex(item: Explanation) -> bool:
    return any(
        item.key == key or (key.endswith("_") and item.key.startswith(key))
        for key in _ANNEX_LEFT_OUT
    )


def _signals(ctx: _Context) -> tuple[SignalGroup, ...]:
    """The observed signals of the persons the referral is about (and those recorded for
    everyone), by dimension. Where the recipient does not get "Bij wie", one signal recorded for
    several persons is one line with its sources together: two identical lines would read as
    two signals, and "verteld door de persoon" beside "zelf gezien" as a contradiction."""
    rules, lang, detail = ctx.rules, ctx.lang, ctx.detail
    if "label" not in rules.signal:
        return ()
    subject_ids = {p.meta.uuid for p in ctx.plan.subjects}
    groups: dict[str, list[SignalLine]] = {}
    for observation in detail.observations:
        if observation.status is not ObservationStatus.OBSERVED:
            continue
        if observation.person_uuid is not None and observation.person_uuid not in subject_ids:
            continue
        item = ctx.catalogue.get(observation.indicator_id)
        if item is None:
            continue
        counted = ctx.catalogue.indicators[item.maps_to[0]] if item.maps_to else item
        who = (
            t("referral.everyone", lang)
            if observation.person_uuid is None
            else ctx.names.of_uuid(detail, observation.person_uuid)
        )
        line = SignalLine(
            indicator_id=item.id,
            label=item.label[lang],
            who=who if "who" in rules.signal else "",
            evidence=t(f"evidence.{observation.evidence.value}", lang)
            if observation.evidence and "evidence" in rules.signal
            else "",
            note=observation.note if "note" in rules.signal else None,
            acute=item.acute,
        )
        group = groups.setdefault(counted.dimension, [])
        same = next((n for n, s in enumerate(group) if s.indicator_id == line.indicator_id), None)
        if "who" in rules.signal or same is None:
            if line not in group:
                group.append(line)
        else:
            group[same] = _merged(group[same], line)
    order = ("DEC_REC", "COE_REC", "VUL_REC", "EXPL", "COE_DEST", "VUL_DEST", "CONTEXT")
    return tuple(
        SignalGroup(t(f"dimension.{dim}", lang), tuple(groups[dim]))
        for dim in order
        if dim in groups
    )


def _merged(first: SignalLine, other: SignalLine) -> SignalLine:
    """One line for one signal recorded for several persons: each source and note once."""

    def joined(a: str | None, b: str | None, separator: str) -> str:
        parts = [part for part in (a, b) if part]
        return separator.join(dict.fromkeys(p for part in parts for p in part.split(separator)))

    return SignalLine(
        indicator_id=first.indicator_id,
        label=first.label,
        who=first.who,
        evidence=joined(first.evidence, other.evidence, ", "),
        note=joined(first.note, other.note, "; ") or None,
        acute=first.acute or other.acute,
    )


def _follow_up(ctx: _Context) -> tuple[str, ...]:
    """What is asked of the reader, in the reader's terms (for a child, the care coordinator
    is asked about protection through youth care, not about residence and benefits)."""
    key, lang = ctx.rules.key, ctx.lang
    results = [ctx.assessments[p.meta.uuid] for p in ctx.plan.subjects]
    minor = key == "zorgcoordinator" and any(ctx.child(p) for p in ctx.plan.subjects)
    lines = [t(f"referral.follow_up.{key}{'_minor' if minor else ''}", lang)]
    if key in ("police", "nla"):
        if any(r.acute for r in results):
            lines.insert(0, t("referral.follow_up.acute", lang))
        if any(
            r.b83_prompt is not None and r.b83_prompt.recorded is B83Status.NOT_RECORDED
            for r in results
        ):
            lines.append(t("referral.follow_up.b83", lang))
    if ctx.plan.vital_interest:
        lines.append(t("referral.follow_up.vital_interest", lang))
    return tuple(lines)


def _footer(
    ctx: _Context,
    persons: tuple[PersonBlock, ...],
    suspects: tuple[PersonBlock, ...],
    sender: tuple[Line, ...],
) -> str:
    """The footer says what the document holds: no names or direct identifiers (the anonymous
    registration: persons only as "Persoon 1" with what CoMensha counts, no inspector; it does
    not claim that nothing could ever be traced back), personal data, special categories
    (AVG art. 9: health in care needs, sex life in sexual exploitation), criminal-offence data
    (art. 10: possible exploiters, and employers with notes)."""
    lang = ctx.lang
    personal_sender = {
        t(f"referral.field.sender.{name}", lang)
        for name in ("inspector", "employee_number", "contact")
    }
    labelled = "label" in ctx.rules.person and bool(persons or suspects)
    named = labelled or bool(suspects) or any(label in personal_sender for label, _ in sender)
    if not named:
        return t("referral.footer.none", lang)
    victims = [p for p in ctx.plan.included_persons if ctx.victim(p)]
    sexual = ctx.detail.site.sector in SEX_WORK or any(
        "sexual" in p.suspected_forms
        or (p.meta.uuid in ctx.assessments and "sexual" in ctx.assessments[p.meta.uuid].forms)
        for p in victims
    )
    health = "care_needs" in ctx.rules.person and any(p.care_needs for p in victims)
    special = bool(victims) and (sexual or health)
    if suspects:
        return t(
            "referral.footer.special_criminal" if special else "referral.footer.criminal", lang
        )
    if special:
        return t("referral.footer.special", lang)
    return t("referral.footer.personal", lang)
