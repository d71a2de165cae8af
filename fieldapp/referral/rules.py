"""Which fields each recipient may see: data in ``resources/referral/recipients.json``."""

from __future__ import annotations

import json
from dataclasses import dataclass
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
        if any(not raw["name"].get(lang) or not raw["why"].get(lang) for lang in LANGUAGES):
            raise FieldAppError("referral.rules_invalid", recipient=key, detail="name/why")
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
        )
    return rules
