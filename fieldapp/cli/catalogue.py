"""``fieldapp catalogue list | show | publish`` (the indicator catalogue; a coordinator
publishes a version to its devices) and ``fieldapp assess`` (the engine on one person: a visit
in the vault, or a case as JSON on stdin)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fieldapp import i18n, reply
from fieldapp.assessment import assess, assessment_to_json
from fieldapp.assessment.case_json import parse_case_json
from fieldapp.assessment.from_store import case_for_person
from fieldapp.assessment.render import assessment_to_text
from fieldapp.catalogue import load_catalogue
from fieldapp.catalogue.export import indicator_to_json
from fieldapp.catalogue.loader import assessment_catalogue
from fieldapp.cli.shared import (
    EXIT_FAILED,
    EXIT_OK,
    Commands,
    UsageError,
    existing_folder,
    open_vault,
)
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t, tn
from fieldapp.store.store import Store
from fieldapp.store.sync_store import SyncStore
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


def cmd_publish(args: argparse.Namespace) -> int:
    """Publish a version: the next replies carry it; with ``--out`` a reply to every device
    that can take one is written now."""
    out = existing_folder(args.out) if args.out else None
    source = Path(args.source) if args.source else None
    with open_vault(args) as vault:
        content_hash = reply.publish_catalogue(vault, args.version, source)
        written: list[reply.WrittenReply] = []
        failed: list[tuple[str, FieldAppError]] = []
        if out is not None:
            devices = [d.device_id for d in SyncStore(vault).devices() if d.revoked_at is None]
            written, failed = reply.write_replies(vault, devices, out)
    if args.json:
        emit_json(
            {
                "version": args.version,
                "content_hash": content_hash,
                "replies": [{"device_id": w.device_id, "file": str(w.path)} for w in written],
                "failed": [{"device_id": d, "reason": e.message()} for d, e in failed],
            }
        )
    else:
        emit(t("cli.catalogue.published", version=args.version, hash=content_hash[:12]))
        for item in written:
            emit(t("cli.catalogue.reply_written", device=item.device_id, path=str(item.path)))
        for device, error in failed:
            emit(t("sync.cli.reply_failed", device=device, reason=error.message()))
    return EXIT_FAILED if failed else EXIT_OK


COMMANDS: Commands = {
    "publish": cmd_publish,
    "list": cmd_list,
    "show": cmd_show,
    "assess": cmd_assess,
}
