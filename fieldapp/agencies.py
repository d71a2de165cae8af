"""The agencies a reporter can belong to: one code each, whatever name was typed, and one way
to show them.

Agencies are named in several places, each kept as it was written (released formats are not
rewritten): the profile setting (``politie``, ``gemeente``: :data:`PROFILE_SPELLINGS`), the
agency a device was enrolled with (free text, e.g. ``Politie``), a visit's ``agencies`` list
(free text, e.g. ``Arbeidsinspectie``), the catalogue rules (``police``, ``KMar``, ``NLA``,
read as codes by the catalogue loader). Every comparison goes through :func:`agency_code`
(or :func:`agency_key`, which keeps unknown agencies apart by name), and every display
through :func:`agency_name` (translation keys ``agency_name.<code>``) or, inside a sentence,
:func:`agency_phrase_key` (``agency.<code>``: "the police").

Recipients of a referral (``police``, ``nla``, ``comensha`` ...) are another list: a recipient
is where a document goes, not who wrote it, and its keys are fixed by the referral rules.
"""

from __future__ import annotations

from fieldapp.i18n import t

AGENCY_CODES = ("nla", "police", "kmar", "municipality", "other")
# The desktop profile's stored spelling of each code (setting ``profile``, ``default_agency``):
# a released format, so it is written as before and read through agency_code like any name.
PROFILE_SPELLINGS = {
    "nla": "nla",
    "municipality": "gemeente",
    "police": "politie",
    "kmar": "kmar",
    "other": "other",
}
PROFILE_CHOICES = tuple(PROFILE_SPELLINGS)  # the desktop's list, in this order
_ALIASES = {
    "nla": "nla",
    "arbeidsinspectie": "nla",
    "inspectie szw": "nla",
    "szw": "nla",
    "nederlandse arbeidsinspectie": "nla",
    "labour inspectorate": "nla",
    "netherlands labour authority": "nla",
    "police": "police",
    "politie": "police",
    "avim": "police",
    "kmar": "kmar",
    "koninklijke marechaussee": "kmar",
    "marechaussee": "kmar",
    "royal netherlands marechaussee": "kmar",
    "gemeente": "municipality",
    "municipality": "municipality",
    "other": "other",
}


def _normal(name: str) -> str:
    return " ".join(name.casefold().split())


def agency_code(name: str | None) -> str | None:
    """The code for an agency name (case and spacing ignored): one of :data:`AGENCY_CODES`,
    ``other`` for any agency not known here; None for none given."""
    if not name or not name.strip():
        return None
    return _ALIASES.get(_normal(name), "other")


def agency_key(name: str | None) -> str | None:
    """What groups and filters compare: the code of a known agency, any other agency by its
    name (case and spacing ignored: "IND" and "ind" are one, "IND" and "Douane" are two)."""
    code = agency_code(name)
    if code is None or code != "other" or name is None:
        return code
    return "other" if _normal(name) == "other" else _normal(name)


def same_agency(name: str | None, names: tuple[str, ...]) -> bool:
    """Whether ``name`` is one of ``names``, in whatever spelling each was written."""
    key = agency_key(name)
    return key is not None and key in {agency_key(other) for other in names}


def agency_name(name: str | None, lang: str | None = None) -> str | None:
    """An agency as people read it: a known one by its full name in the reader's language
    (``agency_name.<code>``), any other as it was typed; None for none given."""
    key = agency_key(name)
    if key is None or name is None:
        return None
    if key in AGENCY_CODES:
        return t(f"agency_name.{key}", lang)
    return name.strip()


def agency_phrase_key(name: str) -> str:
    """The message key of a known agency inside a sentence (``agency.police``: "the police").
    The catalogue's B8/3 offer names only such agencies."""
    return f"agency.{agency_code(name)}"


def profile_spelling(name: str | None) -> str:
    """The profile setting's spelling of an agency (any name in, ``politie`` out)."""
    return PROFILE_SPELLINGS[agency_code(name) or "other"]
