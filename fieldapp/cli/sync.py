"""``fieldapp enrol ...`` (keys, cards and the enrolment of field devices) and ``fieldapp sync
export | import | status`` (bundles carried by file)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from fieldapp import reply
from fieldapp.agencies import agency_name
from fieldapp.atomic import write_atomic
from fieldapp.cli.shared import (
    EXIT_FAILED,
    EXIT_OK,
    Commands,
    UsageError,
    existing_folder,
    new_file,
    open_vault,
    write_recovery_key,
)
from fieldapp.domain import Role
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t, tn
from fieldapp.localtime import date_text, datetime_text
from fieldapp.retention.policy import load_policy
from fieldapp.retention.purge import forget_arrived
from fieldapp.store.reply_store import ReplyStore
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


def cmd_renew_key(args: argparse.Namespace) -> int:
    """Coordinator: new keys; the devices move to them with their next reply."""
    with open_vault(args) as vault:
        old, new = cards.renew_coordinator_keys(vault)
    if args.json:
        emit_json({"old_fingerprint": old, "fingerprint": new})
    else:
        emit(t("sync.cli.renewed", old=old, new=new))
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
    """Bundles on a coordinator (with ``--reply-out``, a reply to every device that sent
    one); replies on a field device."""
    with open_vault(args) as vault:
        if vault.info.role is Role.FIELD:
            if args.reply_out:
                raise UsageError(t("sync.cli.reply_out_coordinator"))
            return _import_replies(vault, [Path(path) for path in args.paths], args.json)
        reply_dir = existing_folder(args.reply_out) if args.reply_out else None
        args_paths = [Path(path) for path in args.paths]
        reports = import_paths(vault, [Path(path) for path in args.paths])
        replies: tuple[list[reply.WrittenReply], list[tuple[str, FieldAppError]]] = ([], [])
        if reply_dir is not None:
            senders = sorted(
                {r.device_id for r in reports if r.device_id and r.status != "rejected"}
            )
            replies = reply.write_replies(vault, senders, reply_dir)
    if args.json and reply_dir is None:
        emit_json_text(reports_json(reports))
    elif args.json:
        bundles = json.loads(reports_json(reports))
        emit_json({"bundles": bundles, "replies": _replies_json(*replies)})
    else:
        if not reports:
            replies_here = [p for p in _files_in(args_paths) if p.suffix.lower() == ".far"]
            emit(
                tn("sync.cli.no_bundles_replies", len(replies_here))
                if replies_here
                else t("sync.cli.no_bundles")
            )
        for report in reports:
            _print_report(report)
        _print_replies(*replies)
    failed = any(report.status == "rejected" for report in reports) or replies[1]
    return EXIT_FAILED if failed else EXIT_OK


def cmd_reply(args: argparse.Namespace) -> int:
    out = existing_folder(args.out)
    with open_vault(args) as vault:
        written = reply.write_reply(vault, args.device, out)
    if args.json:
        emit_json(_replies_json([written], []))
    else:
        _print_replies([written], [])
    return EXIT_OK


def _replies_json(
    written: list[reply.WrittenReply], failed: list[tuple[str, FieldAppError]]
) -> list[dict[str, Any]]:
    return [
        {
            "device_id": item.device_id,
            "status": "written",
            "seq": item.seq,
            "file": str(item.path),
            "bytes": item.size,
            "acknowledged_through": item.acknowledged_through,
            "records": item.counts.records,
            "followup": item.counts.followup,
        }
        for item in written
    ] + [
        {"device_id": device, "status": "failed", "reason": error.message()}
        for device, error in failed
    ]


def _print_replies(
    written: list[reply.WrittenReply], failed: list[tuple[str, FieldAppError]]
) -> None:
    for item in written:
        emit(
            tn(
                "sync.cli.reply_written",
                item.counts.records,
                device=item.device_id,
                seq=item.seq,
                through=item.acknowledged_through,
                path=str(item.path),
            )
        )
    for device, error in failed:
        emit(t("sync.cli.reply_failed", device=device, reason=error.message()))


def _import_replies(vault: Any, paths: list[Path], as_json: bool) -> int:
    files = reply.reply_files(vault, paths)
    several = len(files) > 1
    results: list[dict[str, Any]] = []
    failed = False
    for path in files:
        name = clean(path.name)
        try:
            report = reply.import_reply(vault, path)
        except reply.ReplyRejected as rejected:
            quiet = reply.is_quiet(rejected, several)
            failed = failed or not quiet
            status = "skipped" if quiet else "rejected"
            results.append({"file": str(path), "status": status, "reason": rejected.message()})
            if not as_json:
                key = "sync.cli.reply_skipped" if quiet else "sync.cli.reply_rejected"
                emit(t(key, file=name, reason=rejected.message()))
            continue
        results.append({"file": str(path), **reply.report_json(report)})
        if not as_json:
            _print_reply_report(name, report)
    vault.register_catalogues()  # a catalogue a reply brought: used from now on
    erased = forget_arrived(vault).total("visit")  # what arrived and is past the retention
    if as_json:
        emit_json({"replies": results, "erased_visits": erased})
    else:
        if not files:
            bundles = [p for p in _files_in(paths) if p.suffix.lower() == ".fab"]
            emit(
                tn("sync.cli.no_replies_bundles", len(bundles))
                if bundles
                else t("sync.cli.no_replies")
            )
        if erased:
            days = load_policy(vault).days["field_arrived"]
            emit(tn("sync.cli.reply_forgotten", erased, days=days))
    return EXIT_FAILED if failed else EXIT_OK


def _files_in(paths: list[Path]) -> list[Path]:
    """The files named and those directly in the folders named (for a hint, never read)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(entry for entry in sorted(path.iterdir()) if entry.is_file())
        elif path.is_file():
            found.append(path)
    return found


def _print_reply_report(name: str, report: reply.ReplyReport) -> None:
    if report.status == "duplicate":
        emit(t("sync.cli.reply_duplicate", file=name, seq=report.seq))
        return
    emit(
        tn(
            "sync.cli.reply_imported",
            report.arrived_now,
            file=name,
            seq=report.seq,
            through=report.acknowledged_through,
            arrived=report.holdings.arrived,
            waiting=report.holdings.waiting,
        )
    )
    if report.moved_to:
        emit("  " + t("sync.cli.reply_moved", fingerprint=report.moved_to))
    if report.installed_catalogue:
        emit("  " + t("sync.cli.reply_catalogue", version=report.installed_catalogue))
    if report.known_sites:
        emit("  " + tn("sync.cli.reply_known_sites", report.known_sites))


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
                **_field_holdings(vault),
            )
        else:
            replies = ReplyStore(vault)
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
                        "replies": len(written := replies.replies_to(device.device_id)),
                        "last_reply_at": written[-1].written_at if written else None,
                        "trusts": device.coordinator_fingerprint,
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
        _print_holdings(status)
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
        if device["last_reply_at"]:
            when = datetime_text(device["last_reply_at"])
            emit("  " + tn("sync.cli.status_device_replies", device["replies"], at=when))
        if device["trusts"] and device["trusts"] != status["fingerprint"]:
            emit("  " + t("sync.cli.status_device_old_key"))
    emit(
        t(
            "sync.cli.status_coordinator",
            conflicts=status["open_conflicts"],
            alarms=status["alarms"],
        )
    )
    return EXIT_OK


def _print_holdings(status: dict[str, Any]) -> None:
    if status["revoked_at"]:
        emit(t("sync.cli.status_revoked", at=datetime_text(status["revoked_at"])))
    last = status["last_reply"]
    if last is None:
        emit(t("sync.cli.status_no_reply"))
    else:
        emit(
            t(
                "sync.cli.status_last_reply",
                seq=last["seq"],
                at=datetime_text(last["imported_at"]),
                through=last["acknowledged_through"],
            )
        )
    emit(tn("sync.cli.status_arrived", status["arrived"], days=status["field_retention_days"]))
    if status["first_erasure"]:
        emit("  " + t("sync.cli.status_first_erasure", date=date_text(status["first_erasure"])))
    if status["known_sites"]:
        emit(tn("sync.cli.status_known_sites", status["known_sites"]))
    if status["waiting"]:
        emit(
            tn(
                "sync.cli.status_waiting_visits",
                status["waiting"],
                since=datetime_text(status["oldest_waiting"]) if status["oldest_waiting"] else "-",
            )
        )
    if status["unsent"]:
        emit(tn("sync.cli.status_unsent", status["unsent"]))


def _field_holdings(vault: Any) -> dict[str, Any]:
    """What the device holds, by visit: confirmed as arrived, waiting for confirmation (all
    sent), not sent; and the last reply."""
    store = ReplyStore(vault)
    holdings = store.holdings()
    policy = load_policy(vault)
    last = store.last_reply()
    return {
        "arrived": holdings.arrived,
        "waiting": holdings.waiting,
        "oldest_waiting": holdings.oldest_waiting,
        "unsent": holdings.unsent,
        "field_retention_days": policy.days["field_arrived"],
        "last_reply": None
        if last is None
        else {
            "seq": last.seq,
            "created_utc": last.created_utc,
            "imported_at": last.imported_at,
            "acknowledged_through": last.acknowledged_through,
        },
        "revoked_at": store.revoked_at(vault.info.device_id),
        "known_sites": store.known_site_count(),
        "first_erasure": None
        if holdings.oldest_arrival is None
        else policy.field_erasure_date(holdings.oldest_arrival).isoformat(),
    }


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
    "renew-key": cmd_renew_key,
    "export": cmd_export,
    "import": cmd_import,
    "reply": cmd_reply,
    "status": cmd_status,
}
