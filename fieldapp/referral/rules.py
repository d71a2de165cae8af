"""Which fields each recipient may see: data in ``resources/referral/recipients.json``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from fieldapp.domain import PersonRole
from fieldapp.errors import FieldAppError
from fieldapp.i18n import LANGUAGES
from fieldapp.paths import resource_path

RECIPIENTS = ("police", "nla", "comensha", "zorgcoordinator", "riec", "anonymous")
REQUIREMENTS = (None, "consent", "mandatory_reporter_or_consent")
ASSESSMENT_LEVELS = ("full", "outcomes", "none")
# How precisely the document says when it was made (header and PDF metadata): a time of day
# can tie an anonymous signal to one visit, so the anonymous signal gives the month only.
CREATED_PRECISIONS = ("minute", "date", "month")
ROLES = tuple(role.value for role in PersonRole)
# What a final referral may need (``final_needs``; fieldapp/referral/readiness.py checks each).
NEEDS = (
    "site_name",
    "address",
    "address_or_kvk",
    "age",
    "nationality",
    "consent",
    "consent_unless_minor",
    "consent_or_reporter",
    "consent_or_vital_interest",
    "b83",
    "initials",
    "birth_date",
    "reachable",
    "care_needs",
    "contact",
    "reason",
    "victim_signal",
)


@dataclass(frozen=True, slots=True)
class RecipientRules:
    key: str
    name: dict[str, str]
    why: dict[str, str]
    requires: str | None
    sender: frozenset[str]
    site: frozenset[str]
    visit: frozenset[str]
    person_roles: frozenset[str]
    person: frozenset[str]
    signal: frozenset[str]
    assessment: str
    attachments: bool
    created: str = "minute"  # one of CREATED_PRECISIONS
    # The roles of the persons a referral may be about: CoMensha and the care coordinator are
    # for possible victims only, so a witness or an employer is never registered or "cared
    # for" as one.
    about_roles: frozenset[str] = frozenset(ROLES)
    # Who the document is addressed to ("Aan: ..."), and its title where it is not
    # "Doorverwijzing: <name>" (the anonymous registration).
    addressee: dict[str, str] = field(default_factory=dict)
    title: dict[str, str] | None = None
    # May be final without consent when the sender states the person's vital interest.
    vital_interest: bool = False
    # The sender fields only when the reporter chooses to be named (the anonymous one).
    sender_only_when_chosen: bool = False
    # Person fields shown only when a requirement holds for that person (CoMensha's initials).
    person_guarded: dict[str, str] = field(default_factory=dict)
    # What a final referral to this recipient needs (readiness.py), in the order checked.
    final_needs: tuple[str, ...] = ()
    # Whether the document has an urgency: an anonymous registration is a count, and nobody
    # acts on it tonight.
    urgency: bool = True
    # A registration (the anonymous one), not a referral: its first section says why it is
    # registered, not why it is referred, and the possible victims it is about are counted
    # ("Persoon 1" with the person fields), never named.
    registration: bool = False

    def is_about(self, role: str) -> bool:
        """Whether a referral to this recipient may be about a person with this role."""
        return role in self.about_roles


@cache
def _document() -> dict[str, Any]:
    with open(resource_path("referral", "recipients.json"), encoding="utf-8") as handle:
        document: dict[str, Any] = json.load(handle)  # our own resource file: an object
    return document


@cache
def field_groups() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Every field a recipient may get, by group, in the order a document shows them."""
    return tuple((kind, tuple(names)) for kind, names in _document()["fields"].items())


@cache
def role_fields() -> dict[str, frozenset[str]]:
    """The person fields that belong to each role, whatever a recipient may see: consent, B8/3,
    where the person is and their care needs are a possible victim's; a witness gets a way to
    reach them at most; a possible exploiter or employer none of these."""
    document = _document()
    known = set(document["fields"]["person"])
    roles = {}
    for role in ROLES:
        names = set(document["role_fields"][role])
        if not names <= known:
            raise FieldAppError(
                "referral.rules_invalid",
                recipient=role,
                detail=f"role_fields: {sorted(names - known)}",
            )
        roles[role] = frozenset(names)
    return roles


@cache
def recipient_rules() -> dict[str, RecipientRules]:
    document = _document()
    known = {kind: set(fields) for kind, fields in document["fields"].items()}
    rules = {}
    for key in RECIPIENTS:
        raw: dict[str, Any] = document["recipients"][key]
        for kind, allowed in known.items():
            unknown = set(raw[kind]) - allowed
            if unknown:
                raise FieldAppError(
                    "referral.rules_invalid", recipient=key, detail=f"{kind}: {sorted(unknown)}"
                )
        if raw["requires"] not in REQUIREMENTS or raw["assessment"] not in ASSESSMENT_LEVELS:
            raise FieldAppError("referral.rules_invalid", recipient=key, detail="requires")
        if raw.get("created", "minute") not in CREATED_PRECISIONS:
            raise FieldAppError("referral.rules_invalid", recipient=key, detail="created")
        about_roles = raw.get("about_roles", ROLES)
        if not set(about_roles) <= set(ROLES):
            raise FieldAppError("referral.rules_invalid", recipient=key, detail="about_roles")
        texts = [raw["name"], raw["why"], raw["addressee"], raw.get("title") or raw["name"]]
        if any(not text.get(lang) for text in texts for lang in LANGUAGES):
            raise FieldAppError("referral.rules_invalid", recipient=key, detail="name/why")
        guarded = dict(raw.get("person_guarded", {}))
        if not set(guarded) <= set(raw["person"]) or not set(guarded.values()) <= set(REQUIREMENTS):
            raise FieldAppError("referral.rules_invalid", recipient=key, detail="person_guarded")
        if not set(raw["final_needs"]) <= set(NEEDS):
            raise FieldAppError("referral.rules_invalid", recipient=key, detail="final_needs")
        rules[key] = RecipientRules(
            key=key,
            name=raw["name"],
            why=raw["why"],
            requires=raw["requires"],
            sender=frozenset(raw["sender"]),
            site=frozenset(raw["site"]),
            visit=frozenset(raw["visit"]),
            person_roles=frozenset(raw["person_roles"]),
            person=frozenset(raw["person"]),
            signal=frozenset(raw["signal"]),
            assessment=raw["assessment"],
            attachments=bool(raw["attachments"]),
            created=raw.get("created", "minute"),
            about_roles=frozenset(about_roles),
            addressee=raw["addressee"],
            title=raw.get("title"),
            vital_interest=bool(raw.get("vital_interest", False)),
            sender_only_when_chosen=bool(raw.get("sender_only_when_chosen", False)),
            person_guarded=guarded,
            final_needs=tuple(raw["final_needs"]),
            urgency=bool(raw.get("urgency", True)),
            registration=bool(raw.get("registration", False)),
        )
    return rules
