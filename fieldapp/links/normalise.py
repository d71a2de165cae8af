"""One canonical text per identifier, so two inspectors who wrote the same thing differently
produce the same link key. Each function returns ``None`` for a value that identifies nothing
(empty, malformed), and never raises: a bad value simply links to nothing.

The forms are part of the link keys: changing one changes every key, so a change here must
raise :data:`NORMALISATION_VERSION` (stored with the keys; a new version recomputes them).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers

from fieldapp import validate
from fieldapp.errors import ValidationError

NORMALISATION_VERSION = 1
DEFAULT_PHONE_REGION = "NL"
_CACHE = 65_536  # distinct values remembered per function (names and places repeat a lot)

_HOUSE_NUMBER = re.compile(r"^(\d{1,5})\s*[-/]?\s*([a-z0-9]{0,6})$")
_PHONE_SEPARATORS = re.compile(r"[\s\-./()]")
# Dutch numbers in the three common written forms, already canonical after removing the
# separators: the answer phonenumbers gives for them (a test checks), at a fraction of its cost.
_NL_INTERNATIONAL = re.compile(r"\+31[1-9]\d{8}")
_NL_DOUBLE_ZERO = re.compile(r"0031[1-9]\d{8}")
_NL_NATIONAL = re.compile(r"0[1-9]\d{8}")
_PLATE = re.compile(r"[^0-9A-Z]")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
_WEB_HOST_END = re.compile(r"\.[a-z]{2,}$")
_NOT_WORD = re.compile(r"[^\w]+")

# Legal forms and their common spellings (after dots are removed: "B.V." is "bv"). Dropped
# from venue names: "Nagelstudio Amira B.V." and "Nagelstudio Amira" are one business.
LEGAL_FORMS = frozenset(
    {
        "bv",
        "nv",
        "vof",
        "cv",
        "holding",
        "eenmanszaak",
        "maatschap",
        "stichting",
        "vereniging",
        "cooperatie",
        "ua",
        "ba",
        "wa",
        "bvba",
        "gmbh",
        "ltd",
        "inc",
        "llc",
        "sro",
        "spzoo",
        "srl",
    }
)


def kvk(value: str | None) -> str | None:
    """A KvK number as 8 digits, by the same rule the visit input uses."""
    if value is not None and len(value) == 8 and value.isdigit() and value.isascii():
        return value  # already in the stored form
    try:
        return validate.kvk_number(value, "kvk")
    except ValidationError:
        return None


@lru_cache(maxsize=_CACHE)
def postcode(value: str | None) -> str | None:
    """``1234AB``: four digits and two capitals, no space."""
    try:
        found = validate.postcode(value, "postcode")
    except ValidationError:
        return None
    return None if found is None else found.replace(" ", "")


@lru_cache(maxsize=_CACHE)
def house_number(value: str | None) -> str | None:
    """``12``, ``12A``, ``12-a``, ``12 a`` all become ``12A``; ``12 hs`` becomes ``12HS``."""
    if not value:
        return None
    match = _HOUSE_NUMBER.match(" ".join(value.casefold().split()))
    if match is None:
        return None
    number, addition = match.groups()
    return f"{int(number)}{addition.upper()}"


def address(postcode_value: str | None, number_value: str | None) -> str | None:
    """Postcode + house number, e.g. ``2675AB12A``: in the Netherlands that names one address.
    A postcode alone (a street side) is too broad to link on."""
    code, number = postcode(postcode_value), house_number(number_value)
    if code is None or number is None:
        return None
    return code + number


@lru_cache(maxsize=_CACHE)
def phone(value: str | None, region: str = DEFAULT_PHONE_REGION) -> str | None:
    """E.164 (``+31612345678``); without a country code the number is read as Dutch."""
    if not value:
        return None
    compact = _PHONE_SEPARATORS.sub("", value)
    if _NL_INTERNATIONAL.fullmatch(compact):
        return compact
    if _NL_DOUBLE_ZERO.fullmatch(compact):
        return "+" + compact[2:]
    if region == DEFAULT_PHONE_REGION and _NL_NATIONAL.fullmatch(compact):
        return "+31" + compact[1:]
    return _phone_by_library(value, region)


def _phone_by_library(value: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def plate(value: str | None) -> str | None:
    """``XK-123-B`` and ``xk 123 b`` become ``XK123B``."""
    if not value:
        return None
    compact = _PLATE.sub("", value.upper())
    return compact if len(compact) >= 4 else None


def web(value: str | None) -> tuple[str, str] | None:
    """A website or an ad handle, as ``("website", host/path)`` or ``("handle", name)``.

    Websites: lowercase, without scheme, ``www.``, query, fragment and trailing slash; the path
    stays (``facebook.com/amira.nails`` is not ``facebook.com``). Handles: without ``@``,
    lowercase."""
    if not value:
        return None
    text = "".join(value.split()).casefold()
    if not text:
        return None
    if text.startswith("@"):
        handle = text.lstrip("@")
        return ("handle", handle) if handle else None
    has_scheme = bool(_SCHEME.match(text))
    if has_scheme or "/" in text or _WEB_HOST_END.search(text.split("/")[0]):
        rest = _SCHEME.sub("", text)
        rest = rest.split("#", 1)[0].split("?", 1)[0].rstrip("/")
        rest = rest.removeprefix("www.")
        host, _, path = rest.partition("/")
        host = host.rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".")
        if not host:
            return None
        return ("website", f"{host}/{path}" if path else host)
    return ("handle", text)


def fold(value: str) -> str:
    """Casefolded, accents removed (é -> e, ł stays), the Dutch ``ij`` written as ``y``."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return plain.replace("ij", "y")


@lru_cache(maxsize=_CACHE)
def venue_name(value: str | None) -> str | None:
    """A venue or company name for comparison: folded, ``&`` read as ``en``, dots dropped
    (``B.V.`` is ``bv``), other punctuation a space, legal forms removed, single spaces.
    ``"Nagelstudio Amira B.V."`` -> ``"nagelstudio amira"``."""
    if not value:
        return None
    text = fold(value).replace("&", " en ").replace(".", "").replace("'", "")
    tokens = _NOT_WORD.sub(" ", text).replace("_", " ").split()
    kept = [token for token in tokens if token not in LEGAL_FORMS]
    return " ".join(kept) or None


# Words that name no business: a site recorded as "Woning", "Particulier huishouden" or
# "Onbekend" is linked on its address, phone or plate, never on that name (every private home
# in a municipality would otherwise be one cluster).
GENERIC_NAME_WORDS = frozenset(
    {
        "particulier",
        "particuliere",
        "prive",
        "huishouden",
        "woning",
        "woonhuis",
        "huis",
        "appartement",
        "kamer",
        "kamers",
        "pand",
        "adres",
        "locatie",
        "onbekend",
        "onbekende",
        "geen",
        "naam",
        "via",
        "advertentie",
        "de",
        "het",
        "een",
        "private",
        "home",
        "house",
        "unknown",
        "address",
    }
)


def generic_name(name: str) -> bool:
    """True for a normalised name made only of words that name no business."""
    return all(word in GENERIC_NAME_WORDS for word in name.split())


@lru_cache(maxsize=_CACHE)
def place(value: str | None) -> str:
    """A municipality as a comparison block (``'s-Gravenhage`` -> ``s gravenhage``); ``""`` for
    none, which is a block of its own."""
    if not value:
        return ""
    return " ".join(_NOT_WORD.sub(" ", fold(value).replace("'", "")).replace("_", " ").split())
