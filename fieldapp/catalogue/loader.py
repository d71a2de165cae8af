"""Loading and validating a catalogue version. Every error names the file and the entry."""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from fieldapp.catalogue.model import (
    CONTEXT,
    CTDC_MEANS,
    DIMENSIONS,
    FORMS,
    FRAMEWORKS,
    GRADE_STATUSES,
    GRADES,
    PROFILES,
    RECIPIENTS,
    Catalogue,
    CatalogueError,
    Grade,
    Indicator,
    OutcomeRule,
    RoutingRule,
    Rules,
)
from fieldapp.domain import Evidence
from fieldapp.i18n import LANGUAGES
from fieldapp.paths import resource_path

CATALOGUE_FORMAT = "fieldapp-catalogue"
_ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")
_VERSION = re.compile(r"^\d{4}\.\d+$")
URGENCIES = ("immediate", "high", "normal")


def catalogue_root() -> Path:
    return resource_path("catalogue")


def available_versions(root: Path | None = None) -> list[str]:
    base = root or catalogue_root()
    versions = [
        folder.name
        for folder in base.iterdir()
        if folder.is_dir() and _VERSION.match(folder.name) and (folder / "catalogue.json").exists()
    ]
    return sorted(versions, key=lambda v: tuple(int(part) for part in v.split(".")))


@cache
def latest_version(root: Path | None = None) -> str:
    versions = available_versions(root)
    if not versions:
        raise CatalogueError("catalogue.json", "-", "catalogue.problem.none_installed")
    return versions[-1]


@cache
def load_catalogue(version: str | None = None, root: Path | None = None) -> Catalogue:
    """A validated catalogue (the newest when ``version`` is None). Old versions stay loadable
    so observations can always be read against the list they were made with."""
    base = root or catalogue_root()
    version = version or latest_version(base)
    if not _VERSION.match(version) or not (base / version / "catalogue.json").exists():
        raise CatalogueError(f"{version}/catalogue.json", "-", "catalogue.problem.unknown_version")
    folder = base / version
    manifest = _read_json(folder, "catalogue.json")
    _expect(
        manifest,
        "catalogue.json",
        "-",
        ("format", "format_version", "version", "files", "rules", "title", "published"),
    )
    if manifest["format"] != CATALOGUE_FORMAT or manifest["format_version"] != 1:
        raise CatalogueError("catalogue.json", "format", "catalogue.problem.format")
    if manifest["version"] != version:
        raise CatalogueError("catalogue.json", "version", "catalogue.problem.version_mismatch")
    digest = hashlib.sha256()
    indicators: dict[str, Indicator] = {}
    for name in manifest["files"]:
        document = _read_json(folder, name)
        digest.update(_canonical(name, document))
        _expect(document, name, "-", ("framework", "source", "indicators"))
        for index, raw in enumerate(document["indicators"]):
            item = _indicator(raw, name, index)
            if item.id in indicators:
                raise CatalogueError(name, item.id, "catalogue.problem.duplicate_id")
            indicators[item.id] = item
    rules_doc = _read_json(folder, manifest["rules"])
    digest.update(_canonical(manifest["rules"], rules_doc))
    rules = _rules(rules_doc, manifest["rules"])
    _check_references(indicators, rules)
    return Catalogue(
        version=version,
        content_hash=digest.hexdigest(),
        published=str(manifest["published"]),
        title=_texts(manifest["title"], "catalogue.json", "title"),
        indicators=indicators,
        rules=rules,
    )


def _read_json(folder: Path, name: str) -> Any:
    if "/" in name or "\\" in name or name.startswith("."):
        raise CatalogueError(name, "-", "catalogue.problem.bad_name")
    try:
        with open(folder / name, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError:
        raise CatalogueError(name, "-", "catalogue.problem.unreadable") from None
    except ValueError as exc:
        raise CatalogueError(name, "-", "catalogue.problem.json", detail=str(exc)) from None


def _canonical(name: str, document: Any) -> bytes:
    body = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return f"{name}\n{body}\n".encode()


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


def _indicator(raw: Any, file: str, index: int) -> Indicator:
    entry = raw.get("id", f"#{index + 1}") if isinstance(raw, dict) else f"#{index + 1}"
    _expect(
        raw,
        file,
        str(entry),
        (
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
        ),
    )
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
    return Indicator(
        id=raw["id"],
        framework=raw["framework"],
        source=raw["source"],
        forms=_choice_list(raw["forms"], FORMS, file, entry, "forms", allow_empty=False),
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
    )


def _rules(raw: Any, file: str) -> Rules:
    _expect(
        raw,
        file,
        "-",
        (
            "minor_age",
            "dimension_positive_when",
            "outcome_order",
            "outcomes",
            "profiles",
            "mandatory_reporters",
            "b83",
            "routing",
            "consent_own_signature_age",
        ),
    )
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
    for form in FORMS:
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
    b83 = raw["b83"]
    _expect(b83, file, "b83", ("applies_to_nationality_not", "offered_by", "source"))
    routing = []
    for index, rule in enumerate(raw["routing"]):
        entry = f"routing[{index}]"
        _expect(rule, file, entry, ("to", "when", "urgency", "reason"))
        if rule["to"] not in RECIPIENTS or rule["urgency"] not in URGENCIES:
            raise CatalogueError(file, entry, "catalogue.problem.routing")
        routing.append(
            RoutingRule(
                rule["to"],
                rule["when"],
                rule["urgency"],
                _texts(rule["reason"], file, f"{entry}.reason"),
                rule.get("source", ""),
            )
        )
    return Rules(
        minor_age=int(raw["minor_age"]),
        positive_when=tuple(positive["any_of"]),
        positive_status=positive["status"],
        outcome_order=order,
        outcomes=outcomes,
        profiles=profiles,
        fallback_profile=fallback,
        mandatory_reporters=tuple(raw["mandatory_reporters"]),
        consent_own_signature_age=int(raw["consent_own_signature_age"]),
        b83_exempt_nationalities=tuple(b83["applies_to_nationality_not"]),
        b83_offered_by=tuple(b83["offered_by"]),
        b83_source=b83["source"],
        routing=tuple(routing),
        raw=raw,
    )


def _check_references(indicators: dict[str, Indicator], rules: Rules) -> None:
    for item in indicators.values():
        for target in item.maps_to:
            mapped = indicators.get(target)
            if mapped is None or mapped.maps_to:
                raise CatalogueError(
                    item.framework, item.id, "catalogue.problem.maps_to", target=target
                )
    del rules  # rules refer to dimensions and profiles only, checked in _rules
