"""Translation of every user-facing text, for the core and the desktop alike.

Messages are identified by a stable key and live in ``resources/translations/<lang>.json``.
Dutch is the default; English is complete (a test compares the key sets). The UI uses the same
catalogue, so one text has one translation.

A text with a number in it has two forms, ``<key>.one`` and ``<key>.other`` (:func:`tn`): "1
bezoek", "2 bezoeken". Dutch and English both use the singular for exactly one and the plural
for everything else (zero too: "0 bezoeken"), so two forms cover both languages.
"""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

from fieldapp.paths import resource_path

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
LANG_ENV = "FIELDAPP_LANG"

_current = os.environ.get(LANG_ENV, DEFAULT_LANGUAGE)
if _current not in LANGUAGES:
    _current = DEFAULT_LANGUAGE


@cache
def catalogue(lang: str) -> dict[str, str]:
    with open(resource_path("translations", f"{lang}.json"), encoding="utf-8") as handle:
        data = json.load(handle)
    return {key: value for key, value in data.items() if not key.startswith("_")}


def set_language(lang: str) -> None:
    global _current  # noqa: PLW0603 - one process-wide language, switched from settings or CLI
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}")
    _current = lang


def current_language() -> str:
    return _current


def t(key: str, lang: str | None = None, **params: Any) -> str:
    """The text for ``key`` in ``lang`` (default: the current language), with ``params`` filled in.

    A key missing from the catalogue shows itself rather than crashing, and a test keeps the
    catalogues complete.
    """
    template = catalogue(lang or _current).get(key)
    if template is None:
        template = catalogue(DEFAULT_LANGUAGE).get(key, key)
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


PLURAL_FORMS = ("one", "other")


def plural_form(count: int, lang: str | None = None) -> str:
    """The plural category of ``count``: Dutch and English (CLDR) share the rule, so ``lang`` is
    accepted only to keep one signature if a language with more forms is ever added."""
    del lang
    return "one" if count == 1 else "other"


def tn(key: str, count: int, /, lang: str | None = None, **params: Any) -> str:
    """The text for ``count`` of something: ``<key>.one`` for exactly one, ``<key>.other``
    otherwise, with ``count`` and ``params`` filled in. Spares the reader "1 bezoeken" and
    "bezoek(en)"."""
    return t(f"{key}.{plural_form(count, lang)}", lang, **{"count": count, **params})
