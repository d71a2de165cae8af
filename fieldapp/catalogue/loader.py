"""Loading and validating a catalogue version. Every error names the file and the entry."""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from fieldapp.agencies import agency_code
from fieldapp.canonical import canonical_text
from fieldapp.catalogue.model import (
    ACTS,
    CONTEXT,
    CTDC_MEANS,
    DIMENSIONS,
    FORMS,
    FRAMEWORKS,
    GRADE_STATUSES,
    GRADES,
    LEGACY_FORMS,
    MEANS,
    PROFILES,
    RECIPIENTS,
    AdviceRule,
    Catalogue,
    CatalogueError,
    DutchLawRules,
    Grade,
    Indicator,
    MinorRules,
    OutcomeRule,
    RoutingRule,
    Rules,
    SectorRule,
)
from fieldapp.domain import Evidence, PersonRole, Sector
from fieldapp.i18n import LANGUAGES
from fieldapp.paths import resource_path

CATALOGUE_FORMAT = "fieldapp-catalogue"
_ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")
_VERSION = re.compile(r"^\d{4}\.\d+$")
URGENCIES = ("immediate", "high", "normal")
FORMAT_VERSIONS = (1, 2)
# What a routing or advice rule may ask of a case (format 2); anything else is refused, so a
# typo in a rule never silently matches everything.
# The JSON type each condition's value must have; after the check the value is that type.
CONDITIONS: dict[str, type[Any]] = {
    "acute": bool,
    "indication": bool,
    "minor": bool,
    "any_signal": bool,
    "foreign": bool,
    "age_unknown": bool,
    "forms": list,
    "min_outcome": str,
    "any_form_min_outcome": str,
    "routes_to": str,
    "roles": list,
    "indicators_any": list,
    "reporter_is": str,
    "reporter_not": str,
    "law_missing_only": str,
}
CONSIDER_WHEN = ("beyond_conditions", "any_signal")


def catalogue_root() -> Path:
    return resource_path("catalogue")


# Versions a vault installed from a coordinator's reply (issue 16): version -> {file: JSON
# text}. In memory only (the vault keeps them encrypted); registered when a vault opens or a
# reply brings one, so the newest of them and the program's own is the one new observations
# use, and every version an observation names stays readable.
_INSTALLED: dict[str, dict[str, str]] = {}
_HOLDERS: dict[str, int] = {}  # version -> how many open vaults registered it
Source = Path | Mapping[str, str]


@cache
def _versions_on_disk(base: Path) -> tuple[str, ...]:
    """The versions shipped with this program (they do not change while it runs)."""
    return tuple(
        folder.name
        for folder in base.iterdir()
        if folder.is_dir() and _VERSION.match(folder.name) and (folder / "catalogue.json").exists()
    )


def is_shipped(version: str) -> bool:
    """A version that came with this program (not one a vault installed)."""
    return version in _versions_on_disk(catalogue_root())


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def available_versions(root: Path | None = None) -> list[str]:
    versions = set(_versions_on_disk(root or catalogue_root()))
    if root is None:
        versions.update(_INSTALLED)
    return sorted(versions, key=_version_key)


@cache
def latest_version(root: Path | None = None) -> str:
    versions = available_versions(root)
    if not versions:
        raise CatalogueError("catalogue.json", "-", "catalogue.problem.none_installed")
    return versions[-1]


def catalogue_files(version: str) -> dict[str, str]:
    """Every file of an available version as text: what a coordinator publishes."""
    if version in _INSTALLED and version not in _versions_on_disk(catalogue_root()):
        return dict(_INSTALLED[version])
    folder = catalogue_root() / version
    if not _VERSION.match(version) or not (folder / "catalogue.json").exists():
        raise CatalogueError(f"{version}/catalogue.json", "-", "catalogue.problem.unknown_version")
    manifest = _read_json(folder, "catalogue.json")
    names = ["catalogue.json", *manifest.get("files", ()), manifest.get("rules", "")]
    files = {}
    for name in names:
        _check_name(name)
        files[name] = (folder / name).read_text(encoding="utf-8")
    return files


def catalogue_files_from_row(stored: bytes) -> dict[str, str]:
    """The files of a version as a vault keeps them (zlib-compressed JSON)."""
    files = json.loads(zlib.decompress(stored))
    if not isinstance(files, dict) or not all(
        isinstance(name, str) and isinstance(text, str) for name, text in files.items()
    ):
        raise ValueError("not a catalogue's files")
    return files


def check_catalogue(version: str, files: Mapping[str, str]) -> Catalogue:
    """Validate a version given as files (a reply brings one), as loading from disk does."""
    if not _VERSION.match(version):
        raise CatalogueError(f"{version}/catalogue.json", "-", "catalogue.problem.unknown_version")
    return _build(version, files)


def install_catalogue(version: str, files: Mapping[str, str]) -> Catalogue:
    """Register a validated version for this process while the vault that holds it is open
    (:func:`release_catalogues` when it locks); a version shipped with the program or
    registered before keeps its content (a released version never changes)."""
    catalogue = check_catalogue(version, files)
    if version in _versions_on_disk(catalogue_root()):
        return catalogue
    if version not in _INSTALLED:
        _INSTALLED[version] = dict(files)
        _clear_caches()
    _HOLDERS[version] = _HOLDERS.get(version, 0) + 1
    return catalogue


def release_catalogues(versions: Iterable[str]) -> None:
    """A vault that registered these versions locked: forget those no open vault holds."""
    for version in versions:
        left = _HOLDERS.get(version, 0) - 1
        if left > 0:
            _HOLDERS[version] = left
            continue
        _HOLDERS.pop(version, None)
        if _INSTALLED.pop(version, None) is not None:
            _clear_caches()


def _clear_caches() -> None:
    latest_version.cache_clear()
    load_catalogue.cache_clear()
    assessment_catalogue.cache_clear()


@cache
def load_catalogue(version: str | None = None, root: Path | None = None) -> Catalogue:
    """A validated catalogue (the newest when ``version`` is None). Old versions stay loadable
    so observations can always be read against the list they were made with."""
    base = root or catalogue_root()
    version = version or latest_version(root)
    if not _VERSION.match(version):
        raise CatalogueError(f"{version}/catalogue.json", "-", "catalogue.problem.unknown_version")
    if (base / version / "catalogue.json").exists():
        return _build(version, base / version)
    if root is None and version in _INSTALLED:
        return _build(version, _INSTALLED[version])
    raise CatalogueError(f"{version}/catalogue.json", "-", "catalogue.problem.unknown_version")


def _build(version: str, source: Source) -> Catalogue:
    manifest = _read_json(source, "catalogue.json")
    _expect(
        manifest,
        "catalogue.json",
        "-",
        ("format", "format_version", "version", "files", "rules", "title", "published"),
    )
    format_version = manifest["format_version"]
    if manifest["format"] != CATALOGUE_FORMAT or format_version not in FORMAT_VERSIONS:
        raise CatalogueError("catalogue.json", "format", "catalogue.problem.format")
    if manifest["version"] != version:
        raise CatalogueError("catalogue.json", "version", "catalogue.problem.version_mismatch")
    if not isinstance(manifest["files"], list) or not isinstance(manifest["rules"], str):
        raise CatalogueError("catalogue.json", "files", "catalogue.problem.format")
    digest = hashlib.sha256()
    indicators: dict[str, Indicator] = {}
    for name in manifest["files"]:
        document = _read_json(source, name)
        digest.update(_canonical(name, document))
        _expect(document, name, "-", ("framework", "source", "indicators"))
        for index, raw in enumerate(document["indicators"]):
            item = _indicator(raw, name, index, format_version)
            if item.id in indicators:
                raise CatalogueError(name, item.id, "catalogue.problem.duplicate_id")
            indicators[item.id] = item
    rules_doc = _read_json(source, manifest["rules"])
    digest.update(_canonical(manifest["rules"], rules_doc))
    # Format 1's rules read every signal for every form and tied duties to any signal; they
    # are kept on disk (a released version is never edited) but no longer applied.
    rules = _rules(rules_doc, manifest["rules"]) if format_version >= 2 else None
    _check_references(indicators, rules)
    return Catalogue(
        version=version,
        content_hash=digest.hexdigest(),
        published=str(manifest["published"]),
        title=_texts(manifest["title"], "catalogue.json", "title"),
        indicators=indicators,
        assessment_rules=rules,
        format_version=format_version,
    )


@cache
def assessment_catalogue() -> Catalogue:
    """The catalogue the engine assesses with: the newest installed. Observations keep the
    version they were made with; ids are never reused, so the newest reads them all."""
    return load_catalogue()


def _check_name(name: Any) -> None:
    if not isinstance(name, str) or "/" in name or "\\" in name or name.startswith("."):
        raise CatalogueError(str(name), "-", "catalogue.problem.bad_name")


def _read_json(source: Source, name: str) -> Any:
    _check_name(name)
    try:
        if isinstance(source, Path):
            with open(source / name, encoding="utf-8") as handle:
                return json.load(handle, parse_constant=_no_constant)
        if name not in source:
            raise CatalogueError(name, "-", "catalogue.problem.unreadable")
        return json.loads(source[name], parse_constant=_no_constant)
    except OSError:
        raise CatalogueError(name, "-", "catalogue.problem.unreadable") from None
    except ValueError as exc:
        raise CatalogueError(name, "-", "catalogue.problem.json", detail=str(exc)) from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")  # NaN has no canonical form to hash


def _canonical(name: str, document: Any) -> bytes:
    return f"{name}\n{canonical_text(document)}\n".encode()


def _expect(raw: Any, file: str, entry: str, keys: tuple[str, ...]) -> None:
    if not isinstance(raw, dict):
        raise CatalogueError(file, entry, "catalogue.problem.not_object")
    for key in keys:
        if key not in raw:
            raise CatalogueError(file, entry, "catalogue.problem.missing", name=key)


def _texts(raw: Any, file: str, entry: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise CatalogueError(file, entry, "catalogue.problem.not_object")
    for lang in LANGUAGES:
        value = raw.get(lang)
        if not isinstance(value, str) or not value.strip():
            raise CatalogueError(file, entry, "catalogue.problem.language", language=lang)
    return {lang: raw[lang] for lang in LANGUAGES}


def _choice_list(
    raw: Any, allowed: tuple[str, ...], file: str, entry: str, key: str, *, allow_empty: bool = True
) -> tuple[str, ...]:
    if not isinstance(raw, list) or (not raw and not allow_empty):
        raise CatalogueError(file, entry, "catalogue.problem.list", name=key)
    for value in raw:
        if value not in allowed:
            raise CatalogueError(file, entry, "catalogue.problem.value", name=key, value=value)
    return tuple(raw)


def _grade(raw: Any, file: str, entry: str, profile: str) -> Grade:
    if not isinstance(raw, dict) or "status" not in raw or "grade" not in raw:
        raise CatalogueError(file, entry, "catalogue.problem.grade", profile=profile)
    grade, status = raw["grade"], raw["status"]
    if grade is not None and grade not in GRADES:
        raise CatalogueError(file, entry, "catalogue.problem.grade", profile=profile)
    if status not in GRADE_STATUSES:
        raise CatalogueError(file, entry, "catalogue.problem.grade", profile=profile)
    if status == "missing" and grade is not None:
        raise CatalogueError(file, entry, "catalogue.problem.grade_missing_set", profile=profile)
    alternative = raw.get("alternative")
    if status == "disputed" and alternative not in GRADES:
        raise CatalogueError(file, entry, "catalogue.problem.grade_alternative", profile=profile)
    return Grade(grade, status, alternative, raw.get("note"))


INDICATOR_KEYS = (
    "id",
    "framework",
    "source",
    "forms",
    "dimension",
    "grades",
    "acute",
    "label",
    "prompt",
    "keywords",
    "evidence",
    "ctdc",
)


def _indicator(raw: Any, file: str, index: int, format_version: int = 2) -> Indicator:
    entry = raw.get("id", f"#{index + 1}") if isinstance(raw, dict) else f"#{index + 1}"
    required = INDICATOR_KEYS if format_version == 1 else (*INDICATOR_KEYS, "context_forms")
    _expect(raw, file, str(entry), required)
    if not isinstance(raw["id"], str) or not _ID.match(raw["id"]):
        raise CatalogueError(file, str(entry), "catalogue.problem.id")
    if raw["framework"] not in FRAMEWORKS:
        raise CatalogueError(
            file, entry, "catalogue.problem.value", name="framework", value=raw["framework"]
        )
    if raw["dimension"] not in (*DIMENSIONS, CONTEXT):
        raise CatalogueError(
            file, entry, "catalogue.problem.value", name="dimension", value=raw["dimension"]
        )
    if not isinstance(raw["source"], str) or not raw["source"].strip():
        raise CatalogueError(file, entry, "catalogue.problem.missing", name="source")
    grades_raw = raw["grades"]
    if not isinstance(grades_raw, dict) or set(grades_raw) != set(PROFILES):
        raise CatalogueError(file, entry, "catalogue.problem.profiles")
    keywords = raw["keywords"]
    if not isinstance(keywords, dict) or any(
        not isinstance(keywords.get(lang), list) or not keywords[lang] for lang in LANGUAGES
    ):
        raise CatalogueError(file, entry, "catalogue.problem.keywords")
    acute = raw["acute"]
    if not isinstance(acute, bool):
        raise CatalogueError(file, entry, "catalogue.problem.value", name="acute", value=acute)
    maps_to = tuple(raw.get("maps_to", ()))
    if maps_to and not raw.get("mapping_note"):
        raise CatalogueError(file, entry, "catalogue.problem.missing", name="mapping_note")
    allowed_forms = LEGACY_FORMS if format_version == 1 else FORMS
    forms = _choice_list(raw["forms"], allowed_forms, file, entry, "forms", allow_empty=False)
    if format_version == 1:
        context_forms = forms  # format 1 put every tagged form in play
    else:
        context_forms = _choice_list(raw["context_forms"], forms, file, entry, "context_forms")
    return Indicator(
        id=raw["id"],
        framework=raw["framework"],
        source=raw["source"],
        forms=forms,
        dimension=raw["dimension"],
        grades={profile: _grade(grades_raw[profile], file, entry, profile) for profile in PROFILES},
        label=_texts(raw["label"], file, f"{entry}.label"),
        prompt=_texts(raw["prompt"], file, f"{entry}.prompt"),
        keywords={lang: tuple(str(word) for word in keywords[lang]) for lang in LANGUAGES},
        evidence=_choice_list(
            raw["evidence"],
            tuple(e.value for e in Evidence),
            file,
            entry,
            "evidence",
            allow_empty=False,
        ),
        ctdc=_choice_list(raw["ctdc"], CTDC_MEANS, file, entry, "ctdc"),
        maps_to=maps_to,
        mapping_note=raw.get("mapping_note"),
        acute=acute,
        acute_reason=_texts(raw["acute_reason"], file, f"{entry}.acute_reason") if acute else None,
        routes_to=_choice_list(raw.get("routes_to", []), RECIPIENTS, file, entry, "routes_to"),
        context_only=raw.get("context_only", False) is True,
        context_forms=context_forms,
        acts=_choice_list(raw.get("acts", []), ACTS, file, entry, "acts"),
    )


def _rules(raw: Any, file: str) -> Rules:
    _expect(
        raw,
        file,
        "-",
        (
            "forms",
            "minor_age",
            "dimension_positive_when",
            "outcome_order",
            "outcomes",
            "profiles",
            "context",
            "roles",
            "indication",
            "dutch_law",
            "minors",
            "mandatory_reporters",
            "b83",
            "routing",
            "advice",
            "registration_consider",
            "consent_own_signature_age",
        ),
    )
    forms = _choice_list(raw["forms"], FORMS, file, "forms", "forms", allow_empty=False)
    positive = raw["dimension_positive_when"]
    _expect(positive, file, "dimension_positive_when", ("any_of", "status"))
    for requirement in positive["any_of"]:
        if (
            not isinstance(requirement, dict)
            or not requirement
            or any(
                not set(key.split("|")) <= set(GRADES) or not isinstance(count, int) or count < 1
                for key, count in requirement.items()
            )
        ):
            raise CatalogueError(file, "dimension_positive_when", "catalogue.problem.threshold")
    order = tuple(raw["outcome_order"])
    expected_outcomes = {
        "no_signals",
        "signals_present",
        "exploited",
        "deceived_and_exploited",
        "trafficking_indicated",
    }
    if set(order) != expected_outcomes or order[0] != "no_signals":
        raise CatalogueError(file, "outcome_order", "catalogue.problem.outcomes")
    outcomes: dict[str, tuple[OutcomeRule, ...]] = {}
    for age_group in ("adult", "child"):
        rules = []
        for index, rule in enumerate(raw["outcomes"].get(age_group, ())):
            entry = f"outcomes.{age_group}[{index}]"
            _expect(rule, file, entry, ("outcome", "all_of", "status"))
            if rule["outcome"] not in order[2:]:
                raise CatalogueError(file, entry, "catalogue.problem.outcomes")
            groups = tuple(tuple(group) for group in rule["all_of"])
            if not groups or any(
                not group or not set(group) <= set(DIMENSIONS) for group in groups
            ):
                raise CatalogueError(file, entry, "catalogue.problem.outcomes")
            rules.append(
                OutcomeRule(
                    rule["outcome"],
                    groups,
                    rule["status"],
                    rule.get("source", ""),
                    rule.get("note"),
                )
            )
        outcomes[age_group] = tuple(sorted(rules, key=lambda r: -order.index(r.outcome)))
    profiles = raw["profiles"]
    for form in forms:
        spec = profiles.get(form)
        if (
            not isinstance(spec, dict)
            or spec.get("adult") not in PROFILES
            or spec.get("child") not in PROFILES
        ):
            raise CatalogueError(file, f"profiles.{form}", "catalogue.problem.profiles")
    fallback = (raw.get("missing_grade_fallback") or {}).get("profile")
    if fallback is not None and fallback not in PROFILES:
        raise CatalogueError(file, "missing_grade_fallback", "catalogue.problem.profiles")
    context = raw["context"]
    _expect(context, file, "context", ("sectors", "default_forms", "source"))
    sectors = _sectors(context["sectors"], forms, file)
    default_forms = _choice_list(
        context["default_forms"], forms, file, "context", "default_forms", allow_empty=False
    )
    roles = raw["roles"]
    _expect(roles, file, "roles", ("assessed_as_victim", "source"))
    victim_roles = _choice_list(
        roles["assessed_as_victim"],
        tuple(r.value for r in PersonRole),
        file,
        "roles",
        "assessed_as_victim",
        allow_empty=False,
    )
    indication = raw["indication"]
    _expect(indication, file, "indication", ("min_outcome", "source"))
    if indication["min_outcome"] not in order[2:]:
        raise CatalogueError(file, "indication", "catalogue.problem.outcomes")
    b83 = raw["b83"]
    _expect(
        b83,
        file,
        "b83",
        ("applies_to_nationality_not", "union_citizens", "union_note", "offered_by", "source"),
    )
    routing = tuple(
        _routing_rule(rule, file, f"routing[{index}]", order)
        for index, rule in enumerate(raw["routing"])
    )
    advice = []
    for index, rule in enumerate(raw["advice"]):
        entry = f"advice[{index}]"
        _expect(rule, file, entry, ("key", "when", "text"))
        _conditions(rule["when"], file, entry, order)
        advice.append(
            AdviceRule(
                str(rule["key"]),
                rule["when"],
                _texts(rule["text"], file, f"{entry}.text"),
                rule.get("source", ""),
            )
        )
    consider = raw["registration_consider"]
    _expect(consider, file, "registration_consider", ("when", "source"))
    if consider["when"] not in CONSIDER_WHEN:
        raise CatalogueError(
            file, "registration_consider", "catalogue.problem.condition", name="when"
        )
    return Rules(
        minor_age=int(raw["minor_age"]),
        positive_when=tuple(positive["any_of"]),
        positive_status=positive["status"],
        outcome_order=order,
        outcomes=outcomes,
        profiles=profiles,
        fallback_profile=fallback,
        mandatory_reporters=_agencies(raw["mandatory_reporters"], file, "mandatory_reporters"),
        consent_own_signature_age=int(raw["consent_own_signature_age"]),
        b83_exempt_nationalities=tuple(b83["applies_to_nationality_not"]),
        b83_offered_by=_agencies(b83["offered_by"], file, "b83.offered_by"),
        b83_source=b83["source"],
        routing=routing,
        forms=forms,
        sectors=sectors,
        default_forms=default_forms,
        victim_roles=victim_roles,
        indication_min_outcome=indication["min_outcome"],
        indication_source=indication["source"],
        dutch_law=_dutch_law(raw["dutch_law"], forms, file),
        minors=_minors(raw["minors"], forms, file),
        b83_union_citizens=tuple(str(code).upper() for code in b83["union_citizens"]),
        b83_union_note=_texts(b83["union_note"], file, "b83.union_note"),
        advice=tuple(advice),
        registration_consider_when=consider["when"],
        registration_consider_context_signals=int(consider.get("context_signals", 1)),
        raw=raw,
    )


def _sectors(raw: Any, forms: tuple[str, ...], file: str) -> dict[str, SectorRule]:
    """Every sector a site can have gets a rule, so no site falls outside the context rules."""
    if not isinstance(raw, dict) or set(raw) != {s.value for s in Sector}:
        raise CatalogueError(file, "context.sectors", "catalogue.problem.sectors")
    sectors = {}
    for sector, spec in raw.items():
        entry = f"context.sectors.{sector}"
        _expect(spec, file, entry, ("forms", "act"))
        act = spec["act"]
        if act is not None and act not in ACTS:
            raise CatalogueError(file, entry, "catalogue.problem.value", name="act", value=act)
        sectors[sector] = SectorRule(_choice_list(spec["forms"], forms, file, entry, "forms"), act)
    return sectors


def _dutch_law(raw: Any, forms: tuple[str, ...], file: str) -> DutchLawRules:
    entry = "dutch_law"
    _expect(
        raw,
        file,
        entry,
        (
            "acts_from_dimensions",
            "means_from_dimensions",
            "item_means",
            "item_means_grades",
            "purpose_dimension",
            "purpose_grades",
            "work_or_services_forms",
            "minor_prostitution_forms",
            "source",
            "status",
        ),
    )
    mappings = {}
    for key, allowed in (
        ("acts_from_dimensions", ACTS),
        ("means_from_dimensions", MEANS),
        ("item_means", MEANS),
    ):
        mapping = raw[key]
        if not isinstance(mapping, dict) or any(
            dim not in DIMENSIONS or value not in allowed for dim, value in mapping.items()
        ):
            raise CatalogueError(file, f"{entry}.{key}", "catalogue.problem.dutch_law")
        mappings[key] = dict(mapping)
    if raw["purpose_dimension"] not in DIMENSIONS or raw["status"] not in GRADE_STATUSES:
        raise CatalogueError(file, entry, "catalogue.problem.dutch_law")
    return DutchLawRules(
        acts_from_dimensions=mappings["acts_from_dimensions"],
        means_from_dimensions=mappings["means_from_dimensions"],
        item_means=mappings["item_means"],
        item_means_grades=_choice_list(
            raw["item_means_grades"], GRADES, file, entry, "item_means_grades", allow_empty=False
        ),
        purpose_dimension=raw["purpose_dimension"],
        purpose_grades=_choice_list(
            raw["purpose_grades"], GRADES, file, entry, "purpose_grades", allow_empty=False
        ),
        work_or_services_forms=_choice_list(
            raw["work_or_services_forms"], forms, file, entry, "work_or_services_forms"
        ),
        minor_prostitution_forms=_choice_list(
            raw["minor_prostitution_forms"], forms, file, entry, "minor_prostitution_forms"
        ),
        source=raw["source"],
        status=raw["status"],
    )


def _minors(raw: Any, forms: tuple[str, ...], file: str) -> MinorRules:
    _expect(raw, file, "minors", ("purpose_from_context", "source"))
    return MinorRules(
        purpose_from_context=_choice_list(
            raw["purpose_from_context"], forms, file, "minors", "purpose_from_context"
        ),
        source=raw["source"],
    )


def _conditions(when: Any, file: str, entry: str, order: tuple[str, ...]) -> None:
    if not isinstance(when, dict):
        raise CatalogueError(file, entry, "catalogue.problem.not_object")
    for key, value in when.items():
        expected = CONDITIONS.get(key)
        if expected is None or not isinstance(value, expected):
            raise CatalogueError(file, entry, "catalogue.problem.condition", name=key)
        if key in ("min_outcome", "any_form_min_outcome") and value not in order:
            raise CatalogueError(file, entry, "catalogue.problem.condition", name=key)
        if key == "forms" and not set(value) <= set(FORMS):
            raise CatalogueError(file, entry, "catalogue.problem.condition", name=key)
        if key == "roles" and not set(value) <= {r.value for r in PersonRole}:
            raise CatalogueError(file, entry, "catalogue.problem.condition", name=key)
        if key in ("reporter_is", "reporter_not") and agency_code(value) in (None, "other"):
            raise CatalogueError(file, entry, "catalogue.problem.condition", name=key)
        if key == "law_missing_only" and value not in ("act", "means", "purpose"):
            raise CatalogueError(file, entry, "catalogue.problem.condition", name=key)
        if key == "routes_to" and value not in RECIPIENTS:
            raise CatalogueError(file, entry, "catalogue.problem.condition", name=key)


def _agency(name: Any, file: str, entry: str, key: str) -> str:
    """The rules name agencies as written ("police", "KMar", "NLA"); the model holds their
    codes (``fieldapp.agencies``). An agency not known there is refused."""
    code = agency_code(name) if isinstance(name, str) else None
    if code is None or code == "other":
        raise CatalogueError(file, entry, "catalogue.problem.value", name=key, value=name)
    return code


def _agencies(names: Any, file: str, entry: str) -> tuple[str, ...]:
    if not isinstance(names, list):
        raise CatalogueError(file, entry, "catalogue.problem.list", name=entry)
    return tuple(_agency(name, file, entry, entry) for name in names)


def _routing_rule(rule: Any, file: str, entry: str, order: tuple[str, ...]) -> RoutingRule:
    _expect(rule, file, entry, ("to", "when", "urgency", "advice", "reason"))
    if rule["to"] not in RECIPIENTS or rule["urgency"] not in URGENCIES:
        raise CatalogueError(file, entry, "catalogue.problem.routing")
    _conditions(rule["when"], file, entry, order)
    own = rule.get("advice_own_agency")
    return RoutingRule(
        to=rule["to"],
        when=rule["when"],
        urgency=rule["urgency"],
        advice=_texts(rule["advice"], file, f"{entry}.advice"),
        reason=_texts(rule["reason"], file, f"{entry}.reason"),
        source=rule.get("source", ""),
        agency=None
        if rule.get("agency") is None
        else _agency(rule["agency"], file, entry, "agency"),
        advice_own_agency=None if own is None else _texts(own, file, f"{entry}.advice_own_agency"),
    )


def _check_references(indicators: dict[str, Indicator], rules: Rules | None) -> None:
    for item in indicators.values():
        for target in item.maps_to:
            mapped = indicators.get(target)
            if mapped is None or mapped.maps_to:
                raise CatalogueError(
                    item.framework, item.id, "catalogue.problem.maps_to", target=target
                )
    if rules is None:
        return
    for index, rule in enumerate(rules.routing):
        for indicator_id in rule.when.get("indicators_any", ()):
            if indicator_id not in indicators:
                raise CatalogueError(
                    "rules.json",
                    f"routing[{index}]",
                    "catalogue.problem.maps_to",
                    target=indicator_id,
                )
