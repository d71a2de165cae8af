"""Presentation data beside the catalogue (issue 14): how the desktop shows signals and
nationalities, never how they are assessed. Format: ``resources/catalogue/PRESENTATION.md``.

Nothing here changes an assessment: the engine never reads these files. They live outside the
version folders (a released catalogue is never edited, and these lists may be improved at any
time), and are checked against the catalogue they are used with: every id must exist.

For the desktop (helper-flow, issue 14's steps):

- :func:`meaning_groups` ``(catalogue) -> dict[str, tuple[str, ...]]``: one row per meaning.
  Key: the group's lead id (the ILO item, shown as the row); value: every id of the group, lead
  first, so the row can show its sources (each id's list). An id is in at most one group.
- :func:`group_sources` ``(catalogue, lead) -> tuple[str, ...]``: the frameworks behind a group's
  ids, for "ILO · NLA · Politie" on the row.
- :func:`shortlist` ``(catalogue, sector) -> tuple[str, ...]``: the 6-10 signals that matter
  most in a sector (a ``Sector`` value), most telling first; :func:`shortlist_reason` says why.
- :func:`common_nationalities` ``() -> tuple[str, ...]``: ISO 3166 alpha-2 codes, the
  nationalities most often met first; :func:`nationality_order_sources` says where the order
  comes from (part of it is an own estimate, marked as such).
- :func:`languages_for` ``(country) -> tuple[str, ...]``: ISO 639-1 codes of the usual
  languages of a nationality (first the most likely), for "language follows nationality";
  ``()`` for a country not listed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from fieldapp.catalogue.model import Catalogue, CatalogueError
from fieldapp.domain import Sector
from fieldapp.paths import resource_path
from fieldapp.validate import country_codes, language_codes

PRESENTATION_FILE = "presentation.json"
NATIONALITIES_FILE = "nationalities.json"
SHORTLIST_SIZE = (6, 10)
# Who grouped a meaning group: FieldApp itself ("own"), or a source named in the file.
OWN = "own"
ORDER_STATUSES = ("source", "own_estimate")


@dataclass(frozen=True, slots=True)
class MeaningGroup:
    ids: tuple[str, ...]  # the lead first
    grouped_by: str  # "own", or the source that groups them
    basis: str  # why: "maps_to" (the catalogue's own mapping of same meanings)


@dataclass(frozen=True, slots=True)
class Shortlist:
    ids: tuple[str, ...]
    reason: dict[str, str]  # nl, en
    source: str  # "own", or a citation


@dataclass(frozen=True, slots=True)
class Presentation:
    groups: tuple[MeaningGroup, ...]
    shortlists: dict[str, Shortlist]


@dataclass(frozen=True, slots=True)
class OrderPart:
    countries: tuple[str, ...]
    status: str  # "source" or "own_estimate"
    source: str


def _read(name: str) -> Any:
    path = resource_path("catalogue") / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CatalogueError(name, "-", "catalogue.problem.unreadable", detail=str(exc)) from exc


def _fail(file: str, entry: str, name: str, value: object) -> CatalogueError:
    return CatalogueError(file, entry, "catalogue.problem.value", name=name, value=str(value))


@cache
def _raw_presentation() -> Any:
    return _read(PRESENTATION_FILE)


def load_presentation(catalogue: Catalogue, raw: Any = None) -> Presentation:
    """The groups and shortlists, checked against ``catalogue``: every id exists, no id is in
    two groups, every sector has a shortlist of 6-10 ids that belong in its context (an id
    whose forms in context are outside the sector's never comes first there), and an id that
    leads no group is not shortlisted in place of its group's lead."""
    file = PRESENTATION_FILE
    raw = _raw_presentation() if raw is None else raw
    if not isinstance(raw, dict) or raw.get("format") != "fieldapp-presentation":
        raise _fail(file, "format", "format", raw.get("format") if isinstance(raw, dict) else raw)
    known = catalogue.indicators
    groups: list[MeaningGroup] = []
    member_of: dict[str, str] = {}
    for index, spec in enumerate(raw.get("meaning_groups", ())):
        entry = f"meaning_groups[{index}]"
        ids = tuple(spec.get("ids", ()))
        if len(ids) < 2:
            raise _fail(file, entry, "ids", list(ids))
        for indicator_id in ids:
            if indicator_id not in known:
                raise _fail(file, entry, "ids", indicator_id)
            if indicator_id in member_of:
                raise _fail(file, entry, "ids (in two groups)", indicator_id)
            member_of[indicator_id] = ids[0]
        # The checklist records a group's lead: a member that says more than its lead (an act
        # of art. 273f, a form of exploitation, a form in context) would lose that when
        # recorded as the lead, so it is no same meaning and stays its own row.
        lead = known[ids[0]]
        for indicator_id in ids[1:]:
            member = known[indicator_id]
            if (
                not set(member.acts) <= set(lead.acts)
                or not set(member.forms) <= set(lead.forms)
                or not set(member.context_forms) <= set(lead.context_forms)
            ):
                raise _fail(file, entry, "ids (says more than the lead)", indicator_id)
        grouped_by = spec.get("grouped_by")
        if not isinstance(grouped_by, str) or not grouped_by.strip():
            raise _fail(file, entry, "grouped_by", grouped_by)
        groups.append(MeaningGroup(ids, grouped_by, str(spec.get("basis", ""))))
    rules = catalogue.rules
    shortlists: dict[str, Shortlist] = {}
    raw_lists = raw.get("shortlists", {})
    if set(raw_lists) != {s.value for s in Sector}:
        raise _fail(file, "shortlists", "sectors", sorted(raw_lists))
    low, high = SHORTLIST_SIZE
    for sector, spec in raw_lists.items():
        entry = f"shortlists.{sector}"
        ids = tuple(spec.get("ids", ()))
        if not low <= len(ids) <= high or len(set(ids)) != len(ids):
            raise _fail(file, entry, "ids", list(ids))
        sector_rule = rules.sectors[sector]
        sector_forms = set(sector_rule.forms)
        for indicator_id in ids:
            item = known.get(indicator_id)
            if item is None:
                raise _fail(file, entry, "ids", indicator_id)
            if not set(item.context_forms) <= sector_forms:
                raise _fail(file, entry, "ids (forms in context)", indicator_id)
            if sector_forms and not sector_forms & set(item.forms):
                raise _fail(file, entry, "ids (forms)", indicator_id)
            if member_of.get(indicator_id, indicator_id) != indicator_id:
                raise _fail(file, entry, "ids (not the group's lead)", indicator_id)
        reason = spec.get("reason")
        if not isinstance(reason, dict) or not all(reason.get(lang) for lang in ("nl", "en")):
            raise _fail(file, entry, "reason", reason)
        shortlists[sector] = Shortlist(ids, dict(reason), str(spec.get("source", "")))
    return Presentation(tuple(groups), shortlists)


_LOADED: dict[tuple[str, str], Presentation] = {}


def _presentation(catalogue: Catalogue) -> Presentation:
    """Checked once per catalogue (a catalogue holds dicts, so it is no cache key itself)."""
    key = (catalogue.version, catalogue.content_hash)
    if key not in _LOADED:
        _LOADED[key] = load_presentation(catalogue)
    return _LOADED[key]


def meaning_groups(catalogue: Catalogue) -> dict[str, tuple[str, ...]]:
    """Lead id -> every id of its group (lead first)."""
    return {group.ids[0]: group.ids for group in _presentation(catalogue).groups}


def group_sources(catalogue: Catalogue, lead: str) -> tuple[str, ...]:
    """The frameworks (catalogue lists) of a group's ids, each once, in the group's order."""
    ids = meaning_groups(catalogue).get(lead, (lead,))
    frameworks: list[str] = []
    for indicator_id in ids:
        framework = catalogue.indicators[indicator_id].framework
        if framework not in frameworks:
            frameworks.append(framework)
    return tuple(frameworks)


def shortlist(catalogue: Catalogue, sector: str) -> tuple[str, ...]:
    """The signals that matter most at a site of ``sector``; () for an unknown sector."""
    found = _presentation(catalogue).shortlists.get(sector)
    return found.ids if found else ()


def shortlist_reason(catalogue: Catalogue, sector: str, lang: str) -> str:
    found = _presentation(catalogue).shortlists.get(sector)
    return found.reason.get(lang, found.reason["nl"]) if found else ""


@cache
def _nationalities() -> tuple[tuple[OrderPart, ...], dict[str, tuple[str, ...]]]:
    file = NATIONALITIES_FILE
    raw = _read(file)
    if not isinstance(raw, dict) or raw.get("format") != "fieldapp-nationalities":
        raise _fail(file, "format", "format", raw.get("format") if isinstance(raw, dict) else raw)
    countries, languages = country_codes(), language_codes()
    parts: list[OrderPart] = []
    seen: set[str] = set()
    for index, spec in enumerate(raw.get("order", ())):
        entry = f"order[{index}]"
        codes = tuple(spec.get("countries", ()))
        for code in codes:
            if code not in countries or code in seen:
                raise _fail(file, entry, "countries", code)
            seen.add(code)
        if spec.get("status") not in ORDER_STATUSES or not spec.get("source"):
            raise _fail(file, entry, "status", spec.get("status"))
        parts.append(OrderPart(codes, str(spec["status"]), str(spec["source"])))
    by_country: dict[str, tuple[str, ...]] = {}
    for code, spoken in raw.get("languages", {}).items():
        if code not in countries or not spoken:
            raise _fail(file, f"languages.{code}", "country", code)
        for language in spoken:
            if language not in languages:
                raise _fail(file, f"languages.{code}", "language", language)
        by_country[code] = tuple(spoken)
    missing = [code for code in seen if code not in by_country]
    if missing:
        raise _fail(file, "languages", "countries without languages", ", ".join(sorted(missing)))
    return tuple(parts), by_country


def common_nationalities() -> tuple[str, ...]:
    """Nationalities most often met, most frequent first (ISO 3166 alpha-2)."""
    return tuple(code for part in _nationalities()[0] for code in part.countries)


def nationality_order_sources() -> tuple[OrderPart, ...]:
    """Where each part of the order comes from; ``status`` "own_estimate" is unconfirmed."""
    return _nationalities()[0]


def languages_for(country: str | None) -> tuple[str, ...]:
    """The usual languages of a nationality (ISO 639-1, most likely first); () if unknown."""
    return _nationalities()[1].get((country or "").upper(), ())
