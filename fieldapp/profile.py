"""The inspector's profile: who makes a referral, and how its recipient reaches them again.

Kept inside the vault (the setting ``profile``, a dict of texts: ``name``, ``team``,
``agency``, ``employee_number``, ``region``, ``contact``), because it names a person and goes
onto every referral. The desktop (first run, Settings) and the command line (``fieldapp
profile show`` / ``set``) read and write it through :func:`load_profile` and
:func:`save_profile`, and judge it with the one check, :func:`profile_problem_at`, so both
front doors accept exactly the same profile. The referral documents read the setting as a
plain dict (``fieldapp/referral/build.py``), so a vault whose profile was written before this
module existed still makes documents.

No Qt here: the command line and the core's tests use it without a window.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Protocol

from fieldapp import validate
from fieldapp.agencies import agency_code, profile_spelling
from fieldapp.errors import ValidationError
from fieldapp.i18n import t

SETTING = "profile"
PROFILE_TEXT_LIMIT = 120  # a name, number or team on one line of a referral
# The texts checked against PROFILE_TEXT_LIMIT; ``contact`` is a phone number instead.
TEXT_FIELDS = ("name", "team", "employee_number", "region")


class SettingStore(Protocol):
    """What the profile needs of a vault: its settings (``fieldapp.store.store.Store``). A
    protocol rather than the store itself, so this module stays in the base layer and the
    desktop's unlock window can import it without the store."""

    def setting(self, key: str, default: Any = None) -> Any: ...

    def set_setting(self, key: str, value: Any) -> None: ...


@dataclass(frozen=True, slots=True)
class Profile:
    """The inspector using this device. ``agency`` is a code (``fieldapp.agencies``); the
    setting keeps its older spelling (``PROFILE_SPELLINGS``: ``politie``, ``gemeente``), as
    released vaults hold it. ``contact`` is the number a recipient calls back on
    ("Bereikbaar via" on a referral); ``team`` the team or department ("Team
    Arbeidsuitbuiting Zuid"). New fields go last: callers name the first four by position."""

    name: str = ""
    agency: str = "nla"
    employee_number: str = ""
    region: str = ""
    contact: str = ""
    team: str = ""

    def as_setting(self) -> dict[str, str]:
        return {**asdict(self), "agency": profile_spelling(self.agency)}

    @classmethod
    def from_setting(cls, value: Any) -> Profile:
        """Whatever the setting holds: a missing or odd value is an empty field, an agency
        no one knows is ``other``."""
        if not isinstance(value, dict):
            return cls()
        texts = {
            field.name: str(value.get(field.name) or "")
            for field in fields(cls)
            if field.name != "agency"
        }
        agency = value.get("agency")
        return cls(
            agency=agency_code(agency if isinstance(agency, str) else None) or "other", **texts
        )


def load_profile(store: SettingStore) -> Profile:
    return Profile.from_setting(store.setting(SETTING))


def save_profile(store: SettingStore, profile: Profile) -> None:
    """Replace the stored profile (as the desktop always has). It is not judged here: a
    profile left as it was must never block other settings; callers that take a new one
    check it first with :func:`profile_problem_at`."""
    store.set_setting(SETTING, profile.as_setting())


def field_label(name: str) -> str:
    """A profile field as the desktop's form and the command line name it ("Terugbelnummer")."""
    return t(f"ui.profile.{name}")


def profile_problem_at(profile: Profile) -> tuple[str, str] | None:
    """The first thing wrong with ``profile``: the field's name and a message saying what to
    type. The profile goes onto every referral, so it is checked as a referral's input is:
    a name, each text at most :data:`PROFILE_TEXT_LIMIT` characters on one line, and the
    callback number, when given, a phone number (``validate.phone``)."""
    if not profile.name.strip():
        return "name", t("ui.profile.name_required")
    for name in TEXT_FIELDS:
        try:
            validate.string(getattr(profile, name), name, limit=PROFILE_TEXT_LIMIT)
        except ValidationError as exc:
            problem = t(exc.problem, **exc.params)
            return name, t("ui.profile.invalid", field=field_label(name), problem=problem)
    if profile.contact.strip():
        try:
            validate.phone(profile.contact, "contact")
        except ValidationError as exc:
            problem = t(exc.problem, **exc.params)
            return "contact", t("ui.profile.invalid", field=field_label("contact"), problem=problem)
    return None


def profile_problem(profile: Profile) -> str | None:
    found = profile_problem_at(profile)
    return None if found is None else found[1]
