"""What the referral dialog does, without Qt: the persons to choose from, the recommended
recipient, what a recipient will get and what is left out (and why) before anything is made,
making the referral, and exporting it.

Everything here uses the vault's connection, so it runs on the GUI thread (making a referral
takes about 100 ms and writes to the vault). The rules are the core's: ``plan_referral`` decides
who gets what and refuses when consent or a mandatory reporter is missing; this class only
prepares its answer for the screen.

Three things the inspector adds to a referral (issue 15), passed to the core as they are: their
own reason (``reason``, every recipient); for the care coordinator, when not everyone it is
about gave consent, the vital interest that lets it go without (``vital_interest``, AVG art.
6(1)(d), which needs its reason in words); for the anonymous registration, whether it names
the reporting organisation (``name_reporter``, off unless chosen).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fieldapp.assessment import assess
from fieldapp.assessment.from_store import case_for_person, reporting_agency
from fieldapp.catalogue import Catalogue
from fieldapp.catalogue.loader import assessment_catalogue
from fieldapp.domain import Consent, Person, PersonRole, Referral, VisitDetail
from fieldapp.errors import FieldAppError
from fieldapp.i18n import current_language, t
from fieldapp.referral import MadeReferral, make_referral
from fieldapp.referral.build import ReferralPlan, plan_referral
from fieldapp.referral.protect import export_pdf
from fieldapp.referral.readiness import Missing, missing_for_final
from fieldapp.referral.rules import RECIPIENTS, RecipientRules, field_groups, recipient_rules
from fieldapp.store.store import Store

ANONYMOUS = "anonymous"
# The one recipient that may get a final referral without consent, on the vital-interest ground.
VITAL_INTEREST_RECIPIENT = "zorgcoordinator"
DOCUMENT_LANGUAGES = ("nl", "en")

# The fields a recipient may get, in the order the document shows them (from the rules file).
FIELD_GROUPS = field_groups()


@dataclass(frozen=True, slots=True)
class SubjectChoice:
    """One entry of "about whom": a person, or (``person_uuid`` None) every possible victim
    at the visit, or the visit itself when no persons were recorded."""

    person_uuid: str | None
    text: str


@dataclass(frozen=True, slots=True)
class Outlook:
    """What making a referral to ``recipient`` would give, shown before anything is made."""

    recipient: str
    name: str
    why: str
    subjects: tuple[str, ...]  # the persons the referral is about ("Persoon B (getuige)")
    included: tuple[tuple[str, str], ...]  # (group, what of it goes in)
    left_out: tuple[str, ...]  # the core's list, translated
    refusal: str | None  # the core's refusal: consent or a mandatory reporter is missing
    recommended: bool
    # What the visit still lacks for a final referral (the core's list, translated): while
    # anything is listed, only a draft can be made.
    missing: tuple[str, ...] = ()
    # The persons whose consent was not asked yet (person uuid, label): the one missing item
    # a user can answer in the dialog itself, from what was said at the visit.
    consent_needed: tuple[tuple[str, str], ...] = ()
    # The care coordinator about someone without recorded consent: the vital-interest ground
    # is offered (and, once chosen, needs its reason before anything can be made).
    vital_offered: bool = False
    vital_reason_needed: bool = False
    # The anonymous registration: naming the reporting organisation is offered (off).
    name_reporter_offered: bool = False

    @property
    def can_make(self) -> bool:
        return self.refusal is None

    @property
    def final(self) -> bool:
        """Whether "Maken" makes a final referral (else a draft, marked as one)."""
        return not self.missing

    @property
    def offer_anonymous(self) -> bool:
        return (
            self.refusal is not None
            and self.recipient != ANONYMOUS
            and not self.vital_reason_needed  # the reason is what is missing, not consent
        )


@dataclass(frozen=True, slots=True)
class Additions:
    """What the inspector adds to the referral in the dialog: their own reason, the
    vital-interest ground with its reason (``vital``: chosen; ``vital_reason``: its words),
    and whether an anonymous registration names the reporting organisation."""

    reason: str = ""
    vital: bool = False
    vital_reason: str = ""
    name_reporter: bool = False


class ReferralController:
    def __init__(self, store: Store, visit_uuid: str, catalogue: Catalogue | None = None) -> None:
        self.store = store
        self.visit_uuid = visit_uuid
        self.detail: VisitDetail = store.visit_detail(visit_uuid)
        # The catalogue ``build_referral`` assesses with, so what is shown is what is made.
        self.catalogue = catalogue or assessment_catalogue()
        self.profile: dict[str, Any] = store.setting("profile", {}) or {}
        self.reporter_agency = reporting_agency(self.profile, self.detail)
        self._recommended: dict[str | None, tuple[str, ...]] = {}

    # -- choices ---------------------------------------------------------------------------

    @property
    def persons(self) -> tuple[Person, ...]:
        return self.detail.persons

    @property
    def victims(self) -> tuple[Person, ...]:
        return tuple(p for p in self.persons if p.role is PersonRole.POSSIBLE_VICTIM)

    def subject_choices(self) -> list[SubjectChoice]:
        choices = []
        victims = self.victims
        if victims:
            labels = ", ".join(p.label for p in victims)
            choices.append(
                SubjectChoice(None, t("ui.referral.subject.all", count=len(victims), labels=labels))
            )
        elif not self.persons:
            choices.append(SubjectChoice(None, t("ui.referral.subject.visit")))
        choices += [SubjectChoice(p.meta.uuid, person_text(p)) for p in self.persons]
        return choices

    def default_subject(self, current_person: str | None = None) -> str | None:
        """The person selected in the editor when they are a possible victim; otherwise every
        possible victim; otherwise the selected (or first) person."""
        by_uuid = {p.meta.uuid: p for p in self.persons}
        person = by_uuid.get(current_person or "")
        if person is not None and person.role is PersonRole.POSSIBLE_VICTIM:
            return person.meta.uuid
        if self.victims or not self.persons:
            return None
        return person.meta.uuid if person is not None else self.persons[0].meta.uuid

    def subjects(self, person_uuid: str | None) -> tuple[Person, ...]:
        if person_uuid is None:
            return self.victims
        return tuple(p for p in self.persons if p.meta.uuid == person_uuid)

    def recommended(self, person_uuid: str | None) -> tuple[str, ...]:
        """The recipients the assessment recommends for these persons, most urgent first (in
        the engine's order), each once."""
        if person_uuid not in self._recommended:
            found: list[str] = []
            for person in self.subjects(person_uuid):
                case = case_for_person(self.store, self.visit_uuid, person.meta.uuid)
                for advice in assess(case, self.catalogue).referrals:
                    if advice.to in RECIPIENTS and advice.to not in found:
                        found.append(advice.to)
            self._recommended[person_uuid] = tuple(found)
        return self._recommended[person_uuid]

    def available(self, person_uuid: str | None) -> tuple[str, ...]:
        """The recipients a referral about these persons may go to (the core's
        ``about_roles``): CoMensha and the care coordinator only for a possible victim; a
        witness's statement to the police or the Labour Authority; an employer or possible
        exploiter also to the RIEC."""
        rules = recipient_rules()
        subjects = self.subjects(person_uuid)
        return tuple(
            key for key in RECIPIENTS if all(rules[key].is_about(p.role.value) for p in subjects)
        )

    def default_recipient(self, person_uuid: str | None) -> str:
        """The engine's first advice for these persons that may be about them, else the first
        recipient that may: never a victim-only recipient for a witness or an employer."""
        available = self.available(person_uuid)
        recommended = [key for key in self.recommended(person_uuid) if key in available]
        if recommended:
            return recommended[0]
        return available[0] if available else RECIPIENTS[0]

    # -- before making ---------------------------------------------------------------------

    def offers_vital_interest(self, recipient: str, person_uuid: str | None) -> bool:
        """The care coordinator, about persons not all of whom gave consent and none of whom
        refused it: the vital interest is a ground where consent cannot be asked (now), never
        one to set a refusal aside (the core refuses that too), and with consent for everyone
        it is not needed."""
        subjects = self.subjects(person_uuid)
        return (
            recipient == VITAL_INTEREST_RECIPIENT
            and bool(subjects)
            and not all(p.consent is Consent.GIVEN for p in subjects)
            and not any(p.consent is Consent.REFUSED for p in subjects)
        )

    def vital_interest(
        self, recipient: str, person_uuid: str | None, additions: Additions
    ) -> str | None:
        """The vital interest to pass to the core: its reason, when chosen where offered."""
        reason = additions.vital_reason.strip()
        if additions.vital and reason and self.offers_vital_interest(recipient, person_uuid):
            return reason
        return None

    def plan(
        self,
        recipient: str,
        person_uuid: str | None,
        lang: str | None = None,
        additions: Additions | None = None,
    ) -> ReferralPlan:
        """The core's plan; raises ``FieldAppError`` when the recipient may not get it."""
        additions = additions or Additions()
        return plan_referral(
            self.detail,
            recipient,
            person_ref=person_uuid,
            reporter_agency=self.reporter_agency,
            catalogue=self.catalogue,
            lang=lang or current_language(),
            vital_interest=self.vital_interest(recipient, person_uuid, additions),
            name_reporter=additions.name_reporter and recipient == ANONYMOUS,
        )

    def outlook(
        self, recipient: str, person_uuid: str | None, additions: Additions | None = None
    ) -> Outlook:
        additions = additions or Additions()
        lang = current_language()
        rules = recipient_rules()[recipient]
        subjects = tuple(person_text(p) for p in self.subjects(person_uuid))
        recommended = recipient in self.recommended(person_uuid)
        name = t(f"recipient.{recipient}")
        vital_offered = self.offers_vital_interest(recipient, person_uuid)
        found = self._missing(recipient, person_uuid, additions)
        missing = tuple(m.message for m in found)
        # Only a question never asked is answered here: a refusal is changed in the person's
        # details, on purpose, never with one tap in this dialog.
        unasked = {p.meta.uuid: p.label for p in self.persons if p.consent is Consent.NOT_ASKED}
        consent = tuple(
            (m.person_uuid, unasked[m.person_uuid])
            for m in found
            if m.code == "consent" and m.person_uuid in unasked
        )
        offered = {
            "vital_offered": vital_offered,
            "name_reporter_offered": recipient == ANONYMOUS,
        }
        refusal: str | None = None
        if vital_offered and additions.vital and not additions.vital_reason.strip():
            refusal = t("ui.referral.dialog.vital_reason_needed")
        else:
            try:
                plan = self.plan(recipient, person_uuid, lang, additions)
            except FieldAppError as exc:
                refusal = refusal_text(exc)
        if refusal is not None:
            return Outlook(
                recipient,
                name,
                rules.why[lang],
                subjects,
                (),
                (),
                refusal,
                recommended,
                missing,
                consent,
                vital_reason_needed=vital_offered and additions.vital,
                **offered,
            )
        return Outlook(
            recipient,
            name,
            plan.why,
            subjects,
            included_groups(plan.recipient, plan) + added_groups(plan, additions),
            plan.left_out,
            None,
            recommended,
            missing,
            consent,
            **offered,
        )

    def reload(self) -> None:
        """Read the visit again: a person's detail was recorded from the dialog."""
        self.detail = self.store.visit_detail(self.visit_uuid)
        self._recommended.clear()

    def missing(
        self, recipient: str, person_uuid: str | None, additions: Additions | None = None
    ) -> list[str]:
        """What the visit still lacks before a final referral to ``recipient`` about these
        persons (the same check the core makes before it makes one)."""
        return [m.message for m in self._missing(recipient, person_uuid, additions or Additions())]

    def _missing(
        self, recipient: str, person_uuid: str | None, additions: Additions
    ) -> list[Missing]:
        """The core's list for this recipient, as ``make_referral`` will check it: with the
        vital interest when it is the ground, and the profile (a callback number)."""
        return missing_for_final(
            self.detail,
            person_uuid,
            catalogue=self.catalogue,
            recipient=recipient,
            vital_interest=self.vital_interest(recipient, person_uuid, additions),
            profile=self.profile,
            reason=additions.reason,
        )

    # -- making ----------------------------------------------------------------------------

    def make(
        self,
        recipient: str,
        person_uuid: str | None,
        lang: str,
        *,
        final: bool = True,
        additions: Additions | None = None,
    ) -> MadeReferral:
        """Render the PDF in memory and keep it in the vault: final, or a draft (concept)
        while the visit lacks something a final referral needs. The additions go only where
        they belong: the vital interest to the care coordinator about someone without
        consent, naming the reporter to the anonymous registration."""
        additions = additions or Additions()
        return make_referral(
            self.store,
            self.visit_uuid,
            recipient,
            person_ref=person_uuid,
            lang=lang,
            final=final,
            reason=additions.reason.strip() or None,
            vital_interest=self.vital_interest(recipient, person_uuid, additions),
            name_reporter=additions.name_reporter and recipient == ANONYMOUS,
        )


def person_text(person: Person) -> str:
    """A person as the referral screens name them: a bare label ("B") says nothing about
    who B is, so "Persoon B (getuige)"."""
    return t(
        "ui.referral.subject.person", label=person.label, role=t(f"person_role.{person.role.value}")
    )


def refusal_text(exc: FieldAppError) -> str:
    """The core's refusal as the desktop says it: the core's own text ends with the command
    line's option ("--to anonymous"); the dialog offers a button instead, so it uses the same
    sentence without it when there is one (``ui.referral.refused.<core key>``)."""
    key = f"ui.referral.refused.{exc.key}"
    text = t(key, **exc.params)
    return exc.message() if text == key else text


def included_groups(rules: RecipientRules, plan: ReferralPlan) -> tuple[tuple[str, str], ...]:
    """What goes into the document, per part, in the document's order and in the user's
    language."""
    groups: list[tuple[str, str]] = []
    if plan.included_persons:
        groups.append(
            (
                t("ui.referral.group.persons"),
                ", ".join(person_text(p) for p in plan.included_persons),
            )
        )
    for kind, names in FIELD_GROUPS:
        if kind == "sender" and rules.sender_only_when_chosen and not plan.name_reporter:
            continue  # the anonymous registration names no reporter unless chosen
        allowed = getattr(rules, kind)
        items = [t(f"referral.field.{kind}.{name}") for name in names if name in allowed]
        if items:
            groups.append((t(f"ui.referral.group.{kind}"), ", ".join(items)))
    if rules.assessment != "none":
        groups.append(
            (t("ui.referral.group.assessment"), t(f"ui.referral.assessment.{rules.assessment}"))
        )
    if rules.attachments:
        groups.append((t("ui.referral.group.attachments"), t("ui.referral.attachments.listed")))
    return tuple(groups)


def added_groups(plan: ReferralPlan, additions: Additions) -> tuple[tuple[str, str], ...]:
    """What the inspector added that goes into the document too: their own words (every
    recipient's document carries them as "Toelichting van de inspecteur") and the
    vital-interest ground, once it is the ground."""
    groups: list[tuple[str, str]] = []
    if additions.reason.strip():
        groups.append((t("referral.label.own_reason"), t("ui.referral.dialog.own_reason_in")))
    if plan.vital_interest:
        groups.append((t("ui.referral.group.ground"), t("ui.referral.dialog.vital_in")))
    return tuple(groups)


# -- stored referrals -------------------------------------------------------------------------


def referral_pdf(store: Store, referral: Referral) -> bytes:
    """The referral's PDF as the vault keeps it (unencrypted, in memory only)."""
    if not referral.document_uuid:
        raise FieldAppError("ui.referral.no_document")
    return store.attachment_content(referral.document_uuid)


def suggested_file_name(referral: Referral) -> str:
    return f"{referral.document_id or referral.meta.uuid[-8:]}-v{referral.version}.pdf"


def export_referral(
    store: Store, referral: Referral, pdf: bytes, target: Path, password: str | None
) -> None:
    """Write the file atomically (encrypted unless the user chose otherwise) and record the
    export in the audit log. A practice vault writes nothing out."""
    store.vault.info.require_real()
    export_pdf(pdf, target, password)
    store.record_event("export", "referral", referral.meta.uuid)
