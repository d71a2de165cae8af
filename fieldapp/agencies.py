"""The agencies a reporter can belong to, by one code each, whatever name was typed.

Profiles, visit records, the catalogue rules and the command line name agencies in several
ways ("politie", "Police", "AVIM"); every comparison goes through :func:`agency_code`.
"""

from __future__ import annotations

AGENCY_CODES = ("nla", "police", "kmar", "municipality", "other")
_ALIASES = {
    "nla": "nla",
    "arbeidsinspectie": "nla",
    "inspectie szw": "nla",
    "szw": "nla",
    "nederlandse arbeidsinspectie": "nla",
    "labour inspectorate": "nla",
    "police": "police",
    "politie": "police",
    "avim": "police",
    "kmar": "kmar",
    "koninklijke marechaussee": "kmar",
    "marechaussee": "kmar",
    "gemeente": "municipality",
    "municipality": "municipality",
}


def agency_code(name: str | None) -> str | None:
    """The code for an agency name (case and spacing ignored); None for none given."""
    if not name or not name.strip():
        return None
    return _ALIASES.get(" ".join(name.casefold().split()), "other")


def same_agency(name: str | None, codes: tuple[str, ...]) -> bool:
    code = agency_code(name)
    return code is not None and code in {agency_code(c) for c in codes}
