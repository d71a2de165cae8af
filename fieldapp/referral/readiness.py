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
- per possible victim the referral is about (the chosen person, or every possible victim):
  ``age`` (an age, a known age band, minor yes/no, or a date of birth), ``nationality``,
  ``consent`` (police, Labour Authority: asked, given or refused; CoMensha: given, unless the
  reporter is a mandatory reporter; the care coordinator: given, unless the sender states the
  person's vital interest), ``b83`` where the engine prompts the B8/3 offer
  (``Assessment.b83_prompt``: a foreign national outside the EU/EEA/Switzerland with an
  indication) and its status is still "not recorded" (docs/DOMAIN.md, the B8/3 sections),
  ``initials`` and ``birth_date`` (CoMensha, when consent or a mandatory reporter allows them),
  ``reachable`` (where the person is now, or a safe way to reach them) and ``care_needs``.

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
call them back; without one, the needs that depend on it (``contact``, and a mandatory
reporter for CoMensha, which then is read from the visit's first agency) are judged without it:
``contact`` is then not checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fieldapp.agencies import same_agency
from fieldapp.assessment import assess
from fieldapp.assessment.from_store import case_from_detail, reporting_agency
from fieldapp.catalogue import Catalogue
from fieldapp.catalogue.loader import assessment_catalogue
from fieldapp.domain import Address, AgeBand, B83Status, Consent, Person, PersonRole, VisitDetail
from fieldapp.i18n import current_language, t
from fieldapp.referral.rules import recipient_rules

CODES = (
    "site_name",
    "address",
    "address_or_kvk",
    "contact",
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
_SITE_NEEDS = ("site_name", "address", "address_or_kvk", "contact")


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
) -> list[Missing]:
    """Everything a final referral about ``person_uuid`` (None: every possible victim) to
    ``recipient`` still needs, the place first, then each person in the order the visit records
    them; empty when a final referral can be made. Without a recipient, the visit's summary."""
    lang = lang or current_language()
    catalogue = catalogue or assessment_catalogue()
    needs = SUMMARY_NEEDS if recipient is None else recipient_rules()[recipient].final_needs
    found = [
        Missing(code, t(f"referral.missing.{key}", lang))
        for code, key in _site_gaps(detail, needs, recipient, profile)
    ]
    reporter = reporting_agency(dict(profile or {}), detail)
    mandatory = same_agency(reporter, catalogue.rules.mandatory_reporters)
    vital = recipient == "zorgcoordinator" and vital_interest_text(vital_interest) is not None
    guarded = recipient_rules()[recipient].person_guarded if recipient else {}
    for person in subjects_of(detail, person_uuid):
        if person.role.value not in catalogue.rules.victim_roles:
            continue  # the place is what a referral about them needs (see above)
        for code, key in _person_gaps(person, needs, mandatory=mandatory, vital=vital):
            if code in guarded and not identity_allowed(person, guarded[code], reporter, catalogue):
                continue  # not allowed to leave the vault: the consent need says so instead
            if code == "b83" and not _b83_prompted(detail, person, catalogue):
                continue
            found.append(
                Missing(
                    code, t(f"referral.missing.{key}", lang, label=person.label), person.meta.uuid
                )
            )
    return found


def _complete(address: Address) -> bool:
    return bool((address.street and address.number) or (address.postcode and address.place))


def _site_gaps(
    detail: VisitDetail,
    needs: tuple[str, ...],
    recipient: str | None,
    profile: Mapping[str, Any] | None,
) -> list[tuple[str, str]]:
    site = detail.site
    gaps = []
    for need in (n for n in _SITE_NEEDS if n in needs):
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
    return gaps


def _person_gaps(
    person: Person, needs: tuple[str, ...], *, mandatory: bool, vital: bool
) -> list[tuple[str, str]]:
    """(code, message key) per person need the person lacks, in the order of ``needs``."""
    band_known = person.age_band is not None and person.age_band is not AgeBand.UNKNOWN
    lacks = {
        "age": person.age is None
        and not band_known
        and person.minor is None
        and not person.birth_date,
        "nationality": not (person.nationality or "").strip(),
        "consent": person.consent is Consent.NOT_ASKED,
        "consent_or_reporter": person.consent is not Consent.GIVEN and not mandatory,
        # The vital interest stands in for consent that could not be asked, not for a refusal.
        "consent_or_vital_interest": person.consent is not Consent.GIVEN
        and not (vital and person.consent is Consent.NOT_ASKED),
        "b83": person.b83_status is B83Status.NOT_RECORDED,
        "initials": not person.initials,
        "birth_date": not person.birth_date,
        "reachable": not (person.whereabouts or person.safe_contact),
        "care_needs": not person.care_needs,
    }
    codes = {"consent_or_reporter": "consent", "consent_or_vital_interest": "consent"}
    # A refusal is said as such: asking for a vital interest would read as a way round it.
    keys = (
        {"consent_or_vital_interest": "consent_refused"}
        if person.consent is Consent.REFUSED
        else {}
    )
    return [
        (codes.get(need, need), keys.get(need, need)) for need in needs if lacks.get(need, False)
    ]


def _b83_prompted(detail: VisitDetail, person: Person, catalogue: Catalogue) -> bool:
    return assess(case_from_detail(detail, person, {}), catalogue).b83_prompt is not None


def missing_text(missing: list[Missing]) -> str:
    """The list as one line for a message ("a; b; c")."""
    return "; ".join(m.message for m in missing)
