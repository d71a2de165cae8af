"""``fieldapp enrol ...`` (keys, cards and the enrolment of field devices) and ``fieldapp sync
export | import | status`` (bundles carried by file)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from fieldapp.agencies import agency_name
from fieldapp.atomic import write_atomic
from fieldapp.cli.shared import (
    EXIT_FAILED,
    EXIT_OK,
    Commands,
    UsageError,
    new_file,
    open_vault,
    write_recovery_key,
)
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t, tn
from fieldapp.localtime import datetime_text
from fieldapp.store.sync_store import SyncStore
from fieldapp.sync import cards
from fieldapp.sync.export import export_bundle, parse_resend_range
from fieldapp.sync.import_ import import_paths, reports_json
from fieldapp.sync.keys import own_keys, recipient_fingerprint, reply_recipient
from fieldapp.terminal import clean, emit, emit_json, emit_json_text


def _read_document(name: str) -> bytes:
    try:
        with open(name, "rb") as handle:
            return handle.read(cards.MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise FieldAppError("cli.input_unreadable", path=name) from exc


def cmd_recovery_key(args: argparse.Namespace) -> int:
    target = new_file(args.out)
    with open_vault(args) as vault:
        write_recovery_key(vault, target)
    return EXIT_OK


def cmd_card(args: argparse.Namespace) -> int:
    target = new_file(args.out)
    with open_vault(args) as vault:
        raw, card = cards.make_card(vault)
        write_atomic(target, raw, mode=0o644)
    emit(t("sync.cli.card_written", path=str(target)))
    emit(t("sync.cli.fingerprint", fingerprint=card.fingerprint))
    return EXIT_OK


def cmd_trust_coordinator(args: argparse.Namespace) -> int:
    raw = _read_document(args.file)
    with open_vault(args) as vault:
        card = cards.trust_coordinator(vault, raw, args.fingerprint)
    emit(t("sync.cli.trusted", fingerprint=card.fingerprint))
    return EXIT_OK


def cmd_request(args: argparse.Namespace) -> int:
    target = new_file(args.out)
    with open_vault(args) as vault:
        raw, fingerprint = cards.make_request(vault, args.inspector, args.agency)
        write_atomic(target, raw, mode=0o644)
    emit(t("sync.cli.request_written", path=str(target)))
    emit(t("sync.cli.fingerprint", fingerprint=fingerprint))
    return EXIT_OK


def cmd_approve(args: argparse.Namespace) -> int:
    raw = _read_document(args.file)
    target = new_file(args.out)
    with open_vault(args) as vault:
        ack, request = cards.approve_request(vault, raw, args.fingerprint)
        write_atomic(target, ack, mode=0o644)
    emit(
        t(
            "sync.cli.approved",
            device=request.device_id,
            inspector=request.inspector or "-",
            agency=agency_name(request.agency) or "-",
            path=str(target),
        )
    )
    return EXIT_OK


def cmd_accept(args: argparse.Namespace) -> int:
    raw = _read_document(args.file)
    with open_vault(args) as vault:
        card = cards.accept_ack(vault, raw)
    emit(t("sync.cli.enrolled", fingerprint=card.fingerprint))
    return EXIT_OK


def cmd_revoke(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        device = cards.revoke_device(vault, args.device)
    emit(t("sync.cli.revoked", device=device.device_id, at=datetime_text(device.revoked_at)))
    return EXIT_OK


def _resend_range(text: str | None) -> tuple[int, ...]:

    try:
        return parse_resend_range(text) if text else ()
    except FieldAppError as exc:  # a usage error: exit 2, as for any bad option
        raise UsageError(exc.message()) from None


def cmd_export(args: argparse.Namespace) -> int:
    resend = _resend_range(args.resend)
    with open_vault(args) as vault:
        result = export_bundle(vault, Path(args.out), resend=resend)
    if result is None:
        emit(t("sync.cli.nothing_to_export"), file=sys.stderr)
        return EXIT_OK
    emit(str(result.path))
    records = sum(
        count for kind, count in result.counts.items() if kind not in ("audit", "content")
    )
    emit(tn("sync.cli.exported", records, seq=result.seq, size=result.size), file=sys.stderr)
    if result.remaining:
        emit(tn("sync.cli.export_remaining", result.remaining), file=sys.stderr)
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        reports = import_paths(vault, [Path(path) for path in args.paths])
    if args.json:
        emit_json_text(reports_json(reports))
    else:
        if not reports:
            emit(t("sync.cli.no_bundles"))
        for report in reports:
            _print_report(report)
    return EXIT_FAILED if any(report.status == "rejected" for report in reports) else EXIT_OK


def _print_report(report: Any) -> None:
    name = clean(Path(report.source).name)  # a file name on a stick: anything at all
    if report.status == "rejected":
        key = "sync.cli.report_alarm" if report.alarm else "sync.cli.report_rejected"
        emit(t(key, file=name, reason=report.rejection.message()))
        return
    if report.status == "duplicate":
        emit(
            t(
                "sync.cli.report_duplicate",
                file=name,
                seq=report.seq,
                device=clean(report.device_id),
            )
        )
        return
    counts = report.counts
    emit(
        t(
            "sync.cli.report_imported",
            file=name,
            seq=report.seq,
            device=clean(report.device_id),
            inspector=clean(report.inspector or "-"),
            agency=clean(agency_name(report.agency) or "-"),
            new=sum(counts.inserted.values()),
            updated=sum(counts.updated.values()),
            unchanged=sum(counts.unchanged.values()),
        )
    )
    for warning in report.warnings:
        emit("  " + t("sync.cli.report_warning", message=warning.message()))


def cmd_status(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        sync = SyncStore(vault)
        own = own_keys(vault)
        status: dict[str, Any] = {
            "role": vault.info.role.value,
            "device_id": vault.info.device_id,
            "fingerprint": own.fingerprint,
        }
        if vault.info.role.value == "field":
            trusted = sync.trusted_coordinator()
            exported = sync.outgoing("exported")
            status.update(
                coordinator=None if trusted is None else trusted.fingerprint,
                enrolled=bool(trusted and trusted.enrolled_at),
                last_seq=exported[-1].seq if exported else 0,
                pending=sync.pending_changes(),
                reply_key=_reply_key(reply_recipient(vault)),
            )
        else:
            status.update(
                recovery_key=own.recovery_recipient is not None,
                devices=[
                    {
                        "device_id": device.device_id,
                        "inspector": device.inspector,
                        "agency": device.agency,
                        "revoked_at": device.revoked_at,
                        "bundles": count,
                        "last_seq": highest,
                        "missing": missing,
                        "reply_key": _reply_key(device.reply_recipient),
                        "reply_key_at": device.reply_recipient_at,
                    }
                    for device, count, highest, missing in sync.device_summary()
                ],
                open_conflicts=len(sync.conflicts()),
                alarms=len(sync.alarms(open_only=True)),
            )
    if args.json:
        emit_json(status)
        return EXIT_OK
    emit(t("sync.cli.status_self", role=status["role"], device=status["device_id"]))
    emit(t("sync.cli.fingerprint", fingerprint=status["fingerprint"]))
    if status["role"] == "field":
        if status["coordinator"] is None:
            emit(t("sync.cli.status_no_coordinator"))
        else:
            key = "sync.cli.status_enrolled" if status["enrolled"] else "sync.cli.status_waiting"
            emit(t(key, fingerprint=status["coordinator"]))
        emit(tn("sync.cli.status_field", status["pending"], last_seq=status["last_seq"]))
        if status["reply_key"]:
            emit(t("sync.cli.status_reply_key", fingerprint=status["reply_key"]))
        return EXIT_OK
    if not status["recovery_key"]:
        emit(t("sync.cli.recovery_key_later"))
    for device in status["devices"]:
        key = "sync.cli.status_device_revoked" if device["revoked_at"] else "sync.cli.status_device"
        emit(
            tn(
                key,
                device["bundles"],
                device=device["device_id"],
                inspector=device["inspector"] or "-",
                agency=agency_name(device["agency"]) or "-",
                last_seq=device["last_seq"],
                missing=", ".join(map(str, device["missing"])) or "-",
            )
        )
        if device["reply_key"]:
            emit("  " + t("sync.cli.status_device_reply_key", fingerprint=device["reply_key"]))
    emit(
        t(
            "sync.cli.status_coordinator",
            conflicts=status["open_conflicts"],
            alarms=status["alarms"],
        )
    )
    return EXIT_OK


def _reply_key(recipient: str | None) -> str | None:
    """A reply key as its fingerprint (digits to compare), never the key itself."""
    return None if recipient is None else recipient_fingerprint(recipient)


COMMANDS: Commands = {
    "card": cmd_card,
    "recovery-key": cmd_recovery_key,
    "trust-coordinator": cmd_trust_coordinator,
    "request": cmd_request,
    "approve": cmd_approve,
    "accept": cmd_accept,
    "revoke": cmd_revoke,
    "export": cmd_export,
    "import": cmd_import,
    "status": cmd_status,
}
