"""Country and language names for the person form and the referral documents, in Dutch or
English.

Codes are ISO 3166-1 alpha-2 (nationality) and ISO 639-1 (languages), as the core stores them.

Names come from three places, in this order:

1. The hand-written tables below for the nationalities and languages met most often in Dutch
   labour inspections and venue checks (NLA and municipal practice: EU labour migration,
   the Western Balkans, Ukraine and Moldova, North and East Africa, the Middle East and
   South-East Asia). These Dutch names are ours and use everyday Dutch (``Moldavië``,
   ``Belarus``, ``Filipijnen``); the English names are the common short forms.
2. For every other country or language: pycountry's bundled Dutch translations
   (Debian iso-codes, gettext), when the language is Dutch.
3. Otherwise pycountry's English name (its ``common_name`` when it has one).

The picker lists the nationalities met most often first, in that order
(:func:`frequent_countries`), then the other common ones and the rest alphabetically, so most
persons need a tap or two or three typed letters. A person's language follows their
nationality (:func:`language_of`) until the user chooses one themselves.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from functools import cache

import pycountry

from fieldapp.catalogue.presentation import common_nationalities, languages_for

# Hand-translated (Dutch, English) names of the ~50 nationalities most common in Dutch labour
# inspections and venue checks; all other countries come from pycountry (see the docstring).
COMMON_COUNTRIES: dict[str, tuple[str, str]] = {
    "NL": ("Nederland", "Netherlands"),
    "PL": ("Polen", "Poland"),
    "RO": ("Roemenië", "Romania"),
    "BG": ("Bulgarije", "Bulgaria"),
    "HU": ("Hongarije", "Hungary"),
    "LT": ("Litouwen", "Lithuania"),
    "LV": ("Letland", "Latvia"),
    "EE": ("Estland", "Estonia"),
    "SK": ("Slowakije", "Slovakia"),
    "CZ": ("Tsjechië", "Czechia"),
    "UA": ("Oekraïne", "Ukraine"),
    "MD": ("Moldavië", "Moldova"),
    "BY": ("Belarus", "Belarus"),
    "RU": ("Rusland", "Russia"),
    "PT": ("Portugal", "Portugal"),
    "ES": ("Spanje", "Spain"),
    "IT": ("Italië", "Italy"),
    "GR": ("Griekenland", "Greece"),
    "HR": ("Kroatië", "Croatia"),
    "RS": ("Servië", "Serbia"),
    "AL": ("Albanië", "Albania"),
    "MK": ("Noord-Macedonië", "North Macedonia"),
    "BA": ("Bosnië en Herzegovina", "Bosnia and Herzegovina"),
    "TR": ("Turkije", "Turkey"),
    "DE": ("Duitsland", "Germany"),
    "BE": ("België", "Belgium"),
    "MA": ("Marokko", "Morocco"),
    "DZ": ("Algerije", "Algeria"),
    "TN": ("Tunesië", "Tunisia"),
    "EG": ("Egypte", "Egypt"),
    "SY": ("Syrië", "Syria"),
    "IQ": ("Irak", "Iraq"),
    "IR": ("Iran", "Iran"),
    "AF": ("Afghanistan", "Afghanistan"),
    "ER": ("Eritrea", "Eritrea"),
    "ET": ("Ethiopië", "Ethiopia"),
    "SO": ("Somalië", "Somalia"),
    "SD": ("Soedan", "Sudan"),
    "NG": ("Nigeria", "Nigeria"),
    "GH": ("Ghana", "Ghana"),
    "UG": ("Oeganda", "Uganda"),
    "GN": ("Guinee", "Guinea"),
    "CN": ("China", "China"),
    "VN": ("Vietnam", "Vietnam"),
    "TH": ("Thailand", "Thailand"),
    "PH": ("Filipijnen", "Philippines"),
    "ID": ("Indonesië", "Indonesia"),
    "IN": ("India", "India"),
    "PK": ("Pakistan", "Pakistan"),
    "BD": ("Bangladesh", "Bangladesh"),
    "BR": ("Brazilië", "Brazil"),
    "CO": ("Colombia", "Colombia"),
    "VE": ("Venezuela", "Venezuela"),
    "DO": ("Dominicaanse Republiek", "Dominican Republic"),
    "SR": ("Suriname", "Suriname"),
}

# How many of the nationalities met most often open the picker, in the order of the one
# source of that order and of each nationality's usual languages, with where each part of the
# order comes from (or that it is unconfirmed): fieldapp.catalogue.presentation, read from
# resources/catalogue/nationalities.json.
FREQUENT_SHOWN = 12


def frequent_countries() -> tuple[str, ...]:
    """The nationalities that open the picker, most often met first."""
    return common_nationalities()[:FREQUENT_SHOWN]


def language_of(country: str | None) -> tuple[str, ...]:
    """The one language offered when a nationality is chosen: its most likely one. A user who
    knows better changes it, and from then on it no longer follows."""
    return languages_for(country)[:1]


def following_languages(
    old_nationality: str | None, new_nationality: str | None, languages: tuple[str, ...]
) -> tuple[str, ...] | None:
    """The languages after a change of nationality: the new nationality's language while
    the languages are empty or still the old nationality's (the user did not choose them);
    None to keep them as they are."""
    before = language_of(old_nationality)
    if languages and tuple(languages) != before:
        return None
    after = language_of(new_nationality)
    if not after and not languages:
        return None
    return after


# Hand-translated (Dutch, English) names of the languages most often needed with those
# nationalities (and for choosing an interpreter); the rest come from pycountry.
COMMON_LANGUAGES: dict[str, tuple[str, str]] = {
    "nl": ("Nederlands", "Dutch"),
    "en": ("Engels", "English"),
    "de": ("Duits", "German"),
    "fr": ("Frans", "French"),
    "pl": ("Pools", "Polish"),
    "ro": ("Roemeens", "Romanian"),
    "bg": ("Bulgaars", "Bulgarian"),
    "hu": ("Hongaars", "Hungarian"),
    "lt": ("Litouws", "Lithuanian"),
    "lv": ("Lets", "Latvian"),
    "et": ("Estisch", "Estonian"),
    "sk": ("Slowaaks", "Slovak"),
    "cs": ("Tsjechisch", "Czech"),
    "uk": ("Oekraïens", "Ukrainian"),
    "ru": ("Russisch", "Russian"),
    "pt": ("Portugees", "Portuguese"),
    "es": ("Spaans", "Spanish"),
    "it": ("Italiaans", "Italian"),
    "el": ("Grieks", "Greek"),
    "hr": ("Kroatisch", "Croatian"),
    "sr": ("Servisch", "Serbian"),
    "bs": ("Bosnisch", "Bosnian"),
    "sq": ("Albanees", "Albanian"),
    "mk": ("Macedonisch", "Macedonian"),
    "tr": ("Turks", "Turkish"),
    "ar": ("Arabisch", "Arabic"),
    "fa": ("Perzisch (Farsi, Dari)", "Persian (Farsi, Dari)"),
    "ps": ("Pasjtoe", "Pashto"),
    "ku": ("Koerdisch", "Kurdish"),
    "ti": ("Tigrinya", "Tigrinya"),
    "am": ("Amhaars", "Amharic"),
    "so": ("Somalisch", "Somali"),
    "zh": ("Chinees", "Chinese"),
    "vi": ("Vietnamees", "Vietnamese"),
    "th": ("Thai", "Thai"),
    "tl": ("Tagalog", "Tagalog"),
    "id": ("Indonesisch", "Indonesian"),
    "hi": ("Hindi", "Hindi"),
    "ur": ("Urdu", "Urdu"),
    "bn": ("Bengaals", "Bengali"),
}

_PARENTHESES = re.compile(r"\s*\([^)]*\)\s*$")


@cache
def _dutch(domain: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=["nl"], fallback=True)


def country_name(code: str, lang: str) -> str:
    """The country's name in ``lang``; the code itself when pycountry does not know it."""
    code = code.upper()
    if code in COMMON_COUNTRIES:
        dutch, english = COMMON_COUNTRIES[code]
        return dutch if lang == "nl" else english
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    if lang == "nl":
        translated = _dutch("iso3166-1").gettext(country.name)
        if translated != country.name:
            return translated
    return str(getattr(country, "common_name", None) or country.name)


def language_name(code: str, lang: str) -> str:
    code = code.lower()
    if code in COMMON_LANGUAGES:
        dutch, english = COMMON_LANGUAGES[code]
        return dutch if lang == "nl" else english
    language = pycountry.languages.get(alpha_2=code)
    if language is None:
        return code
    name = str(language.name)
    if lang == "nl":
        name = _dutch("iso639-3").gettext(name)
    # "Greek, Modern (1453-)" reads badly in a form: drop trailing qualifiers in parentheses.
    return _PARENTHESES.sub("", name)


def sort_key(name: str) -> str:
    """Alphabetical as a reader expects: accents and case ignored (Oekraïne after Oeganda)."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@cache
def country_choices(lang: str) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """(common, other): (code, name) pairs; the common part starts with the frequent
    nationalities in their order, then the other common ones by name; the rest by name."""
    shown = frequent_countries()
    frequent = [(code, country_name(code, lang)) for code in shown]
    common = frequent + sorted(
        ((code, country_name(code, lang)) for code in COMMON_COUNTRIES if code not in shown),
        key=lambda pair: sort_key(pair[1]),
    )
    other = sorted(
        (
            (item.alpha_2, country_name(item.alpha_2, lang))
            for item in pycountry.countries
            if item.alpha_2 not in COMMON_COUNTRIES
        ),
        key=lambda pair: sort_key(pair[1]),
    )
    return tuple(common), tuple(other)


@cache
def _language_lookup(lang: str) -> dict[str, str]:
    """Every way a user may type a language (code, Dutch or English name) -> its code."""
    lookup: dict[str, str] = {}
    for item in pycountry.languages:
        code = getattr(item, "alpha_2", None)
        if code is None:
            continue
        for name in (language_name(code, "en"), language_name(code, "nl"), str(item.name)):
            lookup.setdefault(sort_key(name), code)
    for code, names in COMMON_LANGUAGES.items():
        for name in names:
            lookup[sort_key(name)] = code
    for item in pycountry.languages:
        code = getattr(item, "alpha_2", None)
        if code is not None:
            lookup[code] = code
    # The language of the form wins where two names collide.
    for code in COMMON_LANGUAGES:
        lookup[sort_key(language_name(code, lang))] = code
    return lookup


def parse_languages(text: str, lang: str) -> tuple[str, ...]:
    """Codes for a comma-separated list of language names or codes ("Bulgaars, en"); a
    name's first letters do when only one language starts with them ("Bulg": Bulgarian, as
    the suggestion list showed). Raises ``ValueError(part)`` for the first part that is not
    a known language."""
    lookup = _language_lookup(lang)
    codes: list[str] = []
    for part in re.split(r"[,;/]", text):
        word = part.strip()
        if not word:
            continue
        key = sort_key(word)
        code = lookup.get(key)
        if code is None and len(key) >= 3:
            starting = {found for name, found in lookup.items() if name.startswith(key)}
            code = starting.pop() if len(starting) == 1 else None
        if code is None:
            raise ValueError(word)
        if code not in codes:
            codes.append(code)
    return tuple(codes)


def format_languages(codes: tuple[str, ...] | list[str], lang: str) -> str:
    return ", ".join(language_name(code, lang) for code in codes)


def language_suggestions(lang: str) -> list[str]:
    """Names to offer while typing: the common languages first, in the form's language."""
    return sorted((language_name(code, lang) for code in COMMON_LANGUAGES), key=sort_key)


@cache
def _adjectives() -> dict[str, str]:
    """Inspectors write a nationality as an adjective ("Bulgaars", "Roemeens", "Polish"),
    which is the name of the country's language: the language names (Dutch and English) of
    the common nationalities -> country. A language spoken in several of them ("Arabisch",
    "Russisch") names no one country, so it is left out rather than guessed."""
    owners: dict[str, set[str]] = {}
    for country in common_nationalities():
        for language in language_of(country):
            owners.setdefault(language, set()).add(country)
    lookup: dict[str, str] = {}
    for language, countries in owners.items():
        if len(countries) != 1:
            continue
        [country] = countries
        for lang in ("nl", "en"):
            lookup[sort_key(language_name(language, lang))] = country
    for country, names in ADJECTIVES.items():
        for name in names:
            lookup[sort_key(name)] = country
    return lookup


# Adjectives that are not a language of one country only (Romanian is also Moldova's), or
# not a language name at all.
ADJECTIVES: dict[str, tuple[str, ...]] = {
    "RO": ("Roemeens", "Romanian"),
    "MD": ("Moldavisch", "Moldovan"),
    "NL": ("Nederlands", "Dutch"),
    "BE": ("Belgisch", "Belgian"),
    "DE": ("Duits", "German"),
    "PT": ("Portugees", "Portuguese"),
    "BR": ("Braziliaans", "Brazilian"),
    "GB": ("Brits", "British"),
    "RU": ("Russisch", "Russian"),
    "BY": ("Wit-Russisch", "Belarusian"),
    "MA": ("Marokkaans", "Moroccan"),
    "SY": ("Syrisch", "Syrian"),
    "ER": ("Eritrees", "Eritrean"),
    "IN": ("Indiaas", "Indian"),
    "CN": ("Chinees", "Chinese"),
    "PH": ("Filipijns", "Filipino"),
    "NG": ("Nigeriaans", "Nigerian"),
    "RS": ("Servisch", "Serbian"),
    "ES": ("Spaans", "Spanish"),
    "FR": ("Frans", "French"),
}


def country_of_adjective(text: str) -> str | None:
    """The country a nationality adjective names (Dutch or English), if it names one."""
    return _adjectives().get(sort_key(text))
