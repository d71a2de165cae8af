"""What a visit still lacks before a referral made from it can be final (issue 14).

A recipient acts on a final referral: the police cannot go to a place with no name or address,
and a possible victim's age (a minor changes who acts), nationality (B8/3 applies to foreign
nationals), consent and the B8/3 offer decide what may and must happen next. So a final
referral is refused while any of these is missing; a draft (concept) can always be made, and is
marked as one on every page. The same list is what the visit's "Afronden" step shows, so the
inspector sees it before trying.

What is checked (``Missing.code``, stable, for tests and callers):

- ``site_name``: the place has a name;
- ``address``: street and number, or postcode and place;
- per possible victim the referral is about (the chosen person, or every possible victim):
  ``age`` (an age, a known age band, or minor yes/no), ``nationality``, ``consent`` (asked:
  given or refused, not "not asked"), and ``b83`` where the engine prompts the B8/3 offer
  (``Assessment.b83_prompt``: a foreign national outside the EU/EEA/Switzerland with an
  indication) and its status is still "not recorded" (docs/DOMAIN.md, the B8/3 sections).

These person fields belong to a possible victim (the roles the engine assesses as one,
``rules.victim_roles``): they decide registration, care and B8/3, none of which applies to a
witness, an employer or a possible exploiter. A referral about one of them goes to the police,
the Labour Authority or the RIEC (``about_roles`` in the recipients' rules), which act on the
place, so for them only the site's name and address are required; asking the inspector for a
suspected employer's consent would be wrong and would keep a correct referral a draft.

Given a ``recipient``, only what that recipient receives is required (its rules in
``resources/referral/recipients.json``): the anonymous signal carries no person and no address,
so nothing it lacks blocks it, and the RIEC gets no age or nationality. Without one (the visit's
summary), everything above is listed.
"""

from __future__ import annotations

from dataclasses import dataclass

from fieldapp.assessment import assess
from fieldapp.assessment.from_store import case_from_detail
from fieldapp.catalogue import Catalogue
from fieldapp.catalogue.loader import assessment_catalogue
from fieldapp.domain import AgeBand, B83Status, Consent, Person, PersonRole, VisitDetail
from fieldapp.i18n import current_language, t
from fieldapp.referral.rules import recipient_rules

CODES = ("site_name", "address", "age", "nationality", "consent", "b83")


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


def missing_for_final(
    detail: VisitDetail,
    person_uuid: str | None,
    *,
    lang: str | None = None,
    catalogue: Catalogue | None = None,
    recipient: str | None = None,
) -> list[Missing]:
    """Everything a final referral about ``person_uuid`` (None: every possible victim) still
    needs, in the order the visit is recorded; empty when a final referral can be made. With a
    ``recipient``, only what it receives."""
    lang = lang or current_language()
    site_fields, person_fields = _required(recipient)
    found: list[Missing] = []
    site = detail.site
    if "name" in site_fields and not site.name.strip():
        found.append(Missing("site_name", t("referral.missing.site_name", lang)))
    address = site.address
    if "address" in site_fields and not (
        (address.street and address.number) or (address.postcode and address.place)
    ):
        found.append(Missing("address", t("referral.missing.address", lang)))
    catalogue = catalogue or assessment_catalogue()
    victim_roles = catalogue.rules.victim_roles
    for person in subjects_of(detail, person_uuid):
        if person.role.value not in victim_roles:
            continue  # the site is what a referral about them needs (see above)
        uuid, label = person.meta.uuid, person.label
        band_known = person.age_band is not None and person.age_band is not AgeBand.UNKNOWN
        if (
            "age" in person_fields
            and person.age is None
            and not band_known
            and person.minor is None
        ):
            found.append(Missing("age", t("referral.missing.age", lang, label=label), uuid))
        if "nationality" in person_fields and not (person.nationality or "").strip():
            found.append(
                Missing("nationality", t("referral.missing.nationality", lang, label=label), uuid)
            )
        if "consent" in person_fields and person.consent is Consent.NOT_ASKED:
            found.append(Missing("consent", t("referral.missing.consent", lang, label=label), uuid))
        if (
            "b83" in person_fields
            and person.b83_status is B83Status.NOT_RECORDED
            and assess(case_from_detail(detail, person, {}), catalogue).b83_prompt is not None
        ):
            found.append(Missing("b83", t("referral.missing.b83", lang, label=label), uuid))
    return found


def _required(recipient: str | None) -> tuple[frozenset[str], frozenset[str]]:
    """The site and person fields a final referral must hold: what the recipient receives (of
    those checked here), or all of them."""
    if recipient is None:
        return frozenset({"name", "address"}), frozenset({"age", "nationality", "consent", "b83"})
    rules = recipient_rules()[recipient]
    return frozenset(rules.site), frozenset(rules.person if rules.person_roles else ())


def missing_text(missing: list[Missing]) -> str:
    """The list as one line for a message ("a; b; c")."""
    return "; ".join(m.message for m in missing)
