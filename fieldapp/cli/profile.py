"""``fieldapp profile show [--json]`` and ``fieldapp profile set [--name ...] [--team ...]
[--contact ...] [--agency ...] [--employee-number ...] [--region ...]``: the inspector's
profile, which goes onto every referral (name, team, callback number), kept inside the vault.

The same fields and the same check as the desktop's Settings (``fieldapp.profile``): a
profile that could not go onto a referral (no name, a callback number that is no phone
number, a text too long) is refused as a whole and nothing changes. ``set`` changes only the
fields given; an empty value (``--team ""``) clears an optional one. Values are kept on one
line, as the desktop's one-line fields keep them.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from fieldapp import validate
from fieldapp.agencies import AGENCY_CODES, PROFILE_SPELLINGS, agency_key, agency_name
from fieldapp.cli.shared import EXIT_OK, Commands, UsageError, open_vault
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t
from fieldapp.profile import Profile, field_label, load_profile, profile_problem_at, save_profile
from fieldapp.store.store import Store
from fieldapp.terminal import clean, emit, emit_json

# In the order the desktop's form shows them; each is an option of ``set`` (``--employee-number``).
FIELDS = ("name", "team", "agency", "employee_number", "region", "contact")


def profile_json(profile: Profile) -> dict[str, str]:
    """The profile as ``show --json`` prints it: the agency as its code (``police``)."""
    return {name: getattr(profile, name) for name in FIELDS}


def cmd_show(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        profile = load_profile(Store(vault))
    if args.json:
        emit_json(profile_json(profile))
        return EXIT_OK
    labels = {name: field_label(name) for name in FIELDS}
    width = max(len(label) for label in labels.values())
    for name in FIELDS:
        value = agency_name(profile.agency) if name == "agency" else getattr(profile, name)
        emit(f"{labels[name]:<{width}}  {clean(value) or '—'}")
    if not profile.name:
        emit(t("cli.profile.none"))
    return EXIT_OK


def cmd_set(args: argparse.Namespace) -> int:
    given = {name: getattr(args, name) for name in FIELDS if getattr(args, name) is not None}
    if not given:
        raise UsageError(t("cli.profile.nothing_given"))
    changes = {name: _one_line(value, name) for name, value in given.items()}
    if "agency" in changes:
        changes["agency"] = _agency(changes["agency"])
    with open_vault(args) as vault:
        store = Store(vault)
        profile = replace(load_profile(store), **changes)
        found = profile_problem_at(profile)
        if found is not None:
            raise FieldAppError("cli.profile.refused", problem=found[1])
        save_profile(store, profile)
    emit(t("cli.profile.saved"))
    return EXIT_OK


def _one_line(value: str, name: str) -> str:
    """As a one-line field keeps it: control characters dropped, whitespace one space."""
    return " ".join(validate.clean(value, name).split())


def _agency(value: str) -> str:
    """An agency's code from any name FieldApp knows for it (``politie``, ``police``,
    ``Arbeidsinspectie``); another name is refused, never kept as "other" unasked."""
    code = agency_key(value)
    if code not in AGENCY_CODES:
        choices = ", ".join(PROFILE_SPELLINGS.values())
        problem = t("cli.profile.unknown_agency", choices=choices)
        raise FieldAppError(
            "cli.profile.refused",
            problem=t("ui.profile.invalid", field=field_label("agency"), problem=problem),
        )
    return code


COMMANDS: Commands = {"show": cmd_show, "set": cmd_set}
