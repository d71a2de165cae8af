"""``fieldapp catalogue list | show`` (the indicator catalogue) and ``fieldapp assess`` (the
engine on one person: a visit in the vault, or a case as JSON on stdin)."""

from __future__ import annotations

import argparse
import sys

from fieldapp import i18n
from fieldapp.assessment import assess, assessment_to_json
from fieldapp.assessment.case_json import parse_case_json
from fieldapp.assessment.from_store import case_for_person
from fieldapp.assessment.render import assessment_to_text
from fieldapp.catalogue import load_catalogue
from fieldapp.catalogue.export import indicator_to_json
from fieldapp.catalogue.loader import assessment_catalogue
from fieldapp.cli.shared import EXIT_OK, Commands, UsageError, open_vault
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t, tn
from fieldapp.store.store import Store
from fieldapp.terminal import emit, emit_json


def cmd_list(args: argparse.Namespace) -> int:
    catalogue = load_catalogue(args.catalogue_version)
    lang = i18n.current_language()
    items = catalogue.search(args.search or "", lang)
    if args.form:
        items = [item for item in items if args.form in item.forms]
    if args.json:
        emit_json([indicator_to_json(item) for item in items])
        return EXIT_OK
    emit(
        tn(
            "cli.catalogue.header",
            len(items),
            version=catalogue.version,
            hash=catalogue.content_hash[:12],
        )
    )
    for item in items:
        counted = catalogue.indicators[item.maps_to[0]] if item.maps_to else item
        grade = counted.grades["adult_labour"]
        shown = f"{grade.grade or '-'}{'?' if grade.grade and not grade.confirmed else ''}"
        acute = " !" if item.acute else ""
        emit(f"{item.id:12} {item.dimension:9} {shown:3} {item.label[lang]}{acute}")
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    catalogue = load_catalogue(args.catalogue_version)
    item = catalogue.get(args.id.strip().upper())
    if item is None:
        raise FieldAppError("cli.catalogue.unknown_id", id=args.id)
    document = indicator_to_json(item)
    if args.json:
        emit_json(document)
        return EXIT_OK
    lang = i18n.current_language()
    emit(f"{item.id}: {item.label[lang]}")
    emit(
        t(
            "cli.catalogue.show",
            framework=item.framework,
            forms=", ".join(item.forms),
            dimension=item.dimension,
            source=item.source,
        )
    )
    emit(t("cli.catalogue.prompt", prompt=item.prompt[lang]))
    for profile, grade in item.grades.items():
        emit(f"  {profile:13} {grade.grade or '-'} ({t('grade_status.' + grade.status)})")
    if item.maps_to:
        emit(
            t(
                "cli.catalogue.maps_to",
                targets=", ".join(item.maps_to),
                note=item.mapping_note or "",
            )
        )
    if item.acute and item.acute_reason:
        emit(t("cli.catalogue.acute", reason=item.acute_reason[lang]))
    return EXIT_OK


def cmd_assess(args: argparse.Namespace) -> int:
    if bool(args.visit) != bool(args.person):
        raise UsageError(t("cli.assess.visit_and_person"))
    if args.visit:
        with open_vault(args) as vault:
            store = Store(vault)
            case = case_for_person(store, store.find_visit(args.visit), args.person)
    else:
        case = parse_case_json(sys.stdin.buffer.read(1024 * 1024 + 1))
    result = assess(case, assessment_catalogue())
    if args.text:
        emit(assessment_to_text(result))
    else:
        emit_json(assessment_to_json(result))
    return EXIT_OK


COMMANDS: Commands = {"list": cmd_list, "show": cmd_show, "assess": cmd_assess}
