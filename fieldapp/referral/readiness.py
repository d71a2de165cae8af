"""What a visit still lacks before a referral made from it can be final (issues 14 and 15).

A recipient acts on a final referral, and each acts differently: the police cannot go to a place
they cannot find or call back an inspector whose number they do not have; CoMensha cannot tell
one person from another across reporters without initials and a date of birth; the care
coordinator cannot shelter someone without knowing where they are and what they need. So a
final referral is refused while what ITS recipient needs is missing; a draft (concept) can
always be made, and is marked as one on every page, with the list on its first page.

What each recipient needs is data (``final_needs`` in ``resources/referral/recipients.json``,
where its source text says why); what each need means (``Missing.code``, stable, for tests and
callers):

- ``site_name``: the place has a name;
- ``address``: the place can be found: street and number, or postcode and place; for the police
  and the Labour Authority also the housing address, a phone number or an advertisement of the
  place (a room found through an advertisement has no street of its own);
- ``address_or_kvk`` (the RIEC): an address or a KvK number (of the place or the intermediary);
- ``contact``: the inspector's callback number (the profile's ``contact``), for recipients
  that call back;
- ``reason`` (police, Labour Authority, RIEC): when no signal was observed at the visit, the
  inspector's own reason (the ``reason`` the caller passes: the dialog's "Toelichting", the
  command line's ``--reason``), because nothing else in the document says why the recipient
  is called in;
- ``victim_signal`` (the anonymous registration): a possible victim with an observed signal
  (theirs, or one recorded for everyone at the visit): every registration adds one to
  CoMensha's count, so one without a possible victim or a signal adds a false one;
- per possible victim the referral is about (the chosen person, or every possible victim):
  ``age`` (an age, a known age band, minor yes/no, or a date of birth), ``nationality``,
  ``consent`` (police, Labour Authority: asked, given or refused, unless the person is or may
  be a minor, whose referral rests on the duty to protect a child, not on the child's consent;
  CoMensha: given, unless the reporter is a mandatory reporter; the care coordinator: given,
  unless the sender states the person's vital interest), ``b83`` where the engine prompts the
  B8/3 offer (``Assessment.b83_prompt``: a foreign national outside the EU/EEA/Switzerland with
  an indication), the reporter is one who can offer it (``B83Prompt.reporter_can_offer``: a
  municipality cannot, and the police's document then asks them to) and its status is still
  "not recorded" (docs/DOMAIN.md, the B8/3 sections), ``initials`` and ``birth_date``
  (CoMensha, when consent or a mandatory reporter allows them), ``reachable`` (where the
  person is now, or a safe way to reach them) and ``care_needs``.

The consent needs of CoMensha and the care coordinator are reported with the code ``consent``
(their own message), so a caller that asks for consent on the spot finds them by one code.

These person needs belong to a possible victim (the roles the engine assesses as one,
``rules.victim_roles``): they decide registration, care and B8/3, none of which applies to a
witness, an employer or a possible exploiter. A referral about one of them needs only what the
recipient needs of the place; asking the inspector for a suspected employer's consent would be
wrong and would keep a correct referral a draft.

Without a ``recipient`` (the visit's summary, "Afronden"), the basics every referral about the
visit shares are listed: the site's name and address, and per possible victim age, nationality,
consent asked and B8/3. The profile (``store.setting("profile")``) tells who reports and how to
call them back; without one, the needs that depend on it (``contact``, a mandatory reporter for
CoMensha, and who can offer B8/3, which are then read from the visit's first agency) are judged
without it: ``contact`` is then not checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fieldapp.agencies import same_agency
from fieldapp.assessment import Assessment, assess
from fieldapp.assessment.engine import ADULT
from fieldapp.assessment.from_store import case_from_detail, reporting_agency
from fieldapp.catalogue import Catalogue
from fieldapp.catalogue.loader import assessment_catalogue
from fieldapp.domain import (
    Address,
    AgeBand,
    B83Status,
    Consent,
    ObservationStatus,
    Person,
    PersonRole,
    VisitDetail,
)
from fieldapp.i18n import current_language, t
from fieldapp.referral.rules import recipient_rules

CODES = (
    "site_name",
    "address",
    "address_or_kvk",
    "contact",
    "reason",
    "victim_signal",
    "age",
    "nationality",
    "consent",
    "b83",
    "initials",
    "birth_date",
    "reachable",
    "care_needs",
)
# The visit's summary: what every referral about the visit shares.
SUMMARY_NEEDS = ("site_name", "address", "age", "nationality", "consent", "b83")
# Where a place can also be found without a street address (police, Labour Authority).
FINDABLE_ANYHOW = frozenset({"police", "nla"})
# What the visit as a whole needs, before any person.
_VISIT_NEEDS = ("site_name", "address", "address_or_kvk", "contact", "reason", "victim_signal")
# The needs that ask the engine (is the person a minor; is B8/3 prompted and can the reporter
# offer it): the person is assessed only when one of them is asked.
_ASSESSED_NEEDS = frozenset({"consent_unless_minor", "b83"})


@dataclass(frozen=True, slots=True)
class Missing:
    """One thing a final referral needs and the visit does not hold yet."""

    code: str  # one of CODES
    message: str  # translated; names the person when it is about one
    person_uuid: str | None = None


def subjects_of(detail: VisitDetail, person_uuid: str | None) -> tuple[Person, ...]:
    """The persons a referral is about, chosen as ``plan_referral`` chooses them: the one
    person, or every possible victim."""
    if person_uuid is not None:
        return tuple(p for p in detail.persons if p.meta.uuid == person_uuid)
    return tuple(p for p in detail.persons if p.role is PersonRole.POSSIBLE_VICTIM)


def vital_interest_text(value: str | None) -> str | None:
    """The sender's reason of vital interest as kept: None when nothing but blanks."""
    return value.strip() or None if value else None


def identity_allowed(
    person: Person, requirement: str | None, reporter_agency: str | None, catalogue: Catalogue
) -> bool:
    """Whether a guarded field (CoMensha's initials and date of birth) may leave the vault for
    this person: consent given, or a mandatory reporter (``mandatory_reporter_or_consent``)."""
    if requirement is None:
        return True
    if person.consent is Consent.GIVEN:
        return True
    return requirement == "mandatory_reporter_or_consent" and same_agency(
        reporter_agency, catalogue.rules.mandatory_reporters
    )


def missing_for_final(
    detail: VisitDetail,
    person_uuid: str | None,
    *,
    lang: str | None = None,
    catalogue: Catalogue | None = None,
    recipient: str | None = None,
    vital_interest: str | None = None,
    profile: Mapping[str, Any] | None = None,
    reason: str | None = None,
) -> list[Missing]:
    """Everything a final referral about ``person_uuid`` (None: every possible victim) to
    ``recipient`` still needs, the place first, then each person in the order the visit records
    them; empty when a final referral can be made. Without a recipient, the visit's summary.
    ``reason``: the inspector's own words as the referral will carry them (a visit without
    signals needs them for the police, the Labour Authority and the RIEC)."""
    lang = lang or current_language()
    catalogue = catalogue or assessment_catalogue()
    needs = SUMMARY_NEEDS if recipient is None else recipient_rules()[recipient].final_needs
    victims = [
        p for p in subjects_of(detail, person_uuid) if p.role.value in catalogue.rules.victim_roles
    ]
    found = [
        Missing(code, t(f"referral.missing.{key}", lang))
        for code, key in _visit_gaps(
            detail, needs, recipient=recipient, profile=profile, reason=reason, victims=victims
        )
    ]
    profile_dict = dict(profile or {})
    reporter = reporting_agency(profile_dict, detail)
    mandatory = same_agency(reporter, catalogue.rules.mandatory_reporters)
    vital = recipient == "zorgcoordinator" and vital_interest_text(vital_interest) is not None
    guarded = recipient_rules()[recipient].person_guarded if recipient else {}
    for person in victims:  # for anyone else the place is what a referral needs (see above)
        result = (
            assess(case_from_detail(detail, person, profile_dict), catalogue)
            if _ASSESSED_NEEDS & set(needs)
            else None
        )
        for code, key in _person_gaps(
            person, needs, mandatory=mandatory, vital=vital, result=result
        ):
            if code in guarded and not identity_allowed(person, guarded[code], reporter, catalogue):
                continue  # not allowed to leave the vault: the consent need says so instead
            found.append(
                Missing(
                    code, t(f"referral.missing.{key}", lang, label=person.label), person.meta.uuid
                )
            )
    return found


def _complete(address: Address) -> bool:
    return bool((address.street and address.number) or (address.postcode and address.place))


def observed_any(detail: VisitDetail) -> bool:
    """Whether any signal was observed at the visit (for anyone): without one, a referral
    rests on the inspector's own reason alone."""
    return any(o.status is ObservationStatus.OBSERVED for o in detail.observations)


def _victim_signal(detail: VisitDetail, victims: list[Person]) -> bool:
    """A possible victim with an observed signal: their own, or one recorded for everyone."""
    ids = {p.meta.uuid for p in victims}
    return any(
        o.status is ObservationStatus.OBSERVED and (o.person_uuid is None or o.person_uuid in ids)
        for o in detail.observations
    ) and bool(victims)


def _visit_gaps(
    detail: VisitDetail,
    needs: tuple[str, ...],
    *,
    recipient: str | None,
    profile: Mapping[str, Any] | None,
    reason: str | None,
    victims: list[Person],
) -> list[tuple[str, str]]:
    site = detail.site
    gaps = []
    for need in (n for n in _VISIT_NEEDS if n in needs):
        if need == "site_name" and not site.name.strip():
            gaps.append(("site_name", "site_name"))
        elif need == "address" and not _complete(site.address):
            if recipient not in FINDABLE_ANYHOW:
                gaps.append(("address", "address"))
            elif not (_complete(site.housing) or site.phones or site.handles):
                gaps.append(("address", "findable"))
        elif need == "address_or_kvk" and not (
            _complete(site.address) or site.kvk or site.intermediary_kvk
        ):
            gaps.append(("address_or_kvk", "address_or_kvk"))
        elif (
            need == "contact"
            and profile is not None
            and not str(profile.get("contact") or "").strip()
        ):
            gaps.append(("contact", "contact"))
        elif need == "reason" and not observed_any(detail) and not (reason or "").strip():
            gaps.append(("reason", "reason"))
        elif need == "victim_signal" and not _victim_signal(detail, victims):
            gaps.append(("victim_signal", "victim_signal"))
    return gaps


def _person_gaps(
    person: Person,
    needs: tuple[str, ...],
    *,
    mandatory: bool,
    vital: bool,
    result: Assessment | None,
) -> list[tuple[str, str]]:
    """(code, message key) per person need the person lacks, in the order of ``needs``.
    ``result``: the person's assessment, when a need asks the engine."""
    band_known = person.age_band is not None and person.age_band is not AgeBand.UNKNOWN
    # The engine's age group: a child, or unknown (who may be one), is referred to protect
    # them, whatever they answer.
    adult = result is not None and result.profile == ADULT
    prompt = result.b83_prompt if result is not None else None
    lacks = {
        "age": person.age is None
        and not band_known
        and person.minor is None
        and not person.birth_date,
        "nationality": not (person.nationality or "").strip(),
        "consent": person.consent is Consent.NOT_ASKED,
        "consent_unless_minor": person.consent is Consent.NOT_ASKED and adult,
        "consent_or_reporter": person.consent is not Consent.GIVEN and not mandatory,
        # The vital interest stands in for consent that could not be asked, not for a refusal.
        "consent_or_vital_interest": person.consent is not Consent.GIVEN
        and not (vital and person.consent is Consent.NOT_ASKED),
        # Only where the engine prompts the offer and the reporter is one who makes it.
        "b83": person.b83_status is B83Status.NOT_RECORDED
        and prompt is not None
        and prompt.reporter_can_offer,
        "initials": not person.initials,
        "birth_date": not person.birth_date,
        "reachable": not (person.whereabouts or person.safe_contact),
        "care_needs": not person.care_needs,
    }
    codes = {
        "consent_unless_minor": "consent",
        "consent_or_reporter": "consent",
        "consent_or_vital_interest": "consent",
    }
    # A refusal is said as such: asking for a vital interest would read as a way round it.
    keys = (
        {"consent_or_vital_interest": "consent_refused"}
        if person.consent is Consent.REFUSED
        else {}
    )
    return [
        (codes.get(need, need), keys.get(need, need)) for need in needs if lacks.get(need, False)
    ]


def missing_text(missing: list[Missing]) -> str:
    """The list as one line for a message ("a; b; c")."""
    return "; ".join(m.message for m in missing)
