"""``fieldapp referral make | list | export``: referral PDFs, made from a visit and stored in the
vault, then written to a file (encrypted unless ``--no-encrypt``)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fieldapp import i18n
from fieldapp.cli.shared import (
    EXIT_OK,
    Commands,
    UsageError,
    open_vault,
    passphrase_from_file,
)
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t
from fieldapp.localtime import date_text, datetime_text
from fieldapp.referral.build import check_options
from fieldapp.referral.protect import (
    check_room,
    check_target,
    generate_password,
    password_bits,
    protected,
    write_pdf,
)
from fieldapp.referral.rules import recipient_rules
from fieldapp.referral.service import prepare_referral, store_referral
from fieldapp.store.reply_store import ReceivedFollowUp, ReplyStore
from fieldapp.store.store import Store
from fieldapp.terminal import emit, emit_json
from fieldapp.vault.passphrase import MIN_PDF_PASSWORD_LENGTH, require_strong


@dataclass(frozen=True, slots=True)
class _PdfOut:
    """Where a referral goes and how it is protected, all checked before the vault is opened:
    a new file in a folder that exists, and a password that passes the strength rule."""

    target: Path
    password: str | None  # None: --no-encrypt, explicitly
    generated: bool


def _pdf_out(args: argparse.Namespace) -> _PdfOut:
    target = check_target(Path(args.out))
    if args.no_encrypt:
        return _PdfOut(target, None, False)
    if args.password_file:
        password = passphrase_from_file(args.password_file, "--password-file")
        require_strong(password, minimum=MIN_PDF_PASSWORD_LENGTH)
        return _PdfOut(target, password, False)
    return _PdfOut(target, generate_password(), True)


def _pdf_bytes(pdf: bytes, out: _PdfOut) -> bytes:
    """The file's bytes, encrypted in memory, and the room for them checked on the target."""
    data = protected(pdf, out.password)
    check_room(out.target, len(data))
    return data


def _write_pdf(data: bytes, out: _PdfOut) -> None:
    write_pdf(out.target, data)
    path = str(out.target)
    if out.password is None:
        emit(t("cli.referral.written_plain", path=path), file=sys.stderr)
    elif out.generated:
        emit(
            t(
                "cli.referral.written_password",
                path=path,
                password=out.password,
                bits=password_bits(),
            ),
            file=sys.stderr,
        )
    else:
        emit(t("cli.referral.written", path=path), file=sys.stderr)


def _check_out_options(args: argparse.Namespace) -> None:
    if (args.password_file or args.no_encrypt) and not args.out:
        raise UsageError(
            t("cli.usage_error", detail=t("cli.referral.protection_needs_out"), usage="").strip()
        )


def _check_recipient_options(args: argparse.Namespace) -> None:
    """``--vital-interest`` and ``--name-reporter`` belong to one recipient each: refused for
    any other before the vault is opened, with the core's own words."""
    rules = recipient_rules()[args.recipient]
    lang = i18n.current_language()
    try:
        check_options(rules, args.vital_interest, args.name_reporter, lang)
    except FieldAppError as exc:
        raise UsageError(t("cli.usage_error", detail=exc.message(), usage="").strip()) from None


def cmd_make(args: argparse.Namespace) -> int:
    """Everything that can be checked is checked before the referral is made and stored: the
    options, the target, the password (before the vault is opened), the recipient's rules and
    the room for the file (after rendering, before storing). If writing fails after all, the
    referral stays in the vault and the message says so, with the command to export it again."""
    _check_out_options(args)
    _check_recipient_options(args)
    out = _pdf_out(args) if args.out else None
    lang = i18n.current_language()
    with open_vault(args) as vault:
        if out is not None:
            vault.info.require_real()  # a practice referral stays in the practice vault
        store = Store(vault)
        try:
            prepared = prepare_referral(
                store,
                store.find_visit(args.visit),
                args.recipient,
                person_ref=args.person,
                lang=lang,
                final=not args.draft,
                reason=args.reason,
                vital_interest=args.vital_interest,
                name_reporter=args.name_reporter,
            )
        except FieldAppError as exc:
            if (
                exc.key == "referral.needs_consent"
                and recipient_rules()[args.recipient].vital_interest
            ):
                exc.hint = t("cli.referral.vital_interest_hint")
            raise
        data = _pdf_bytes(prepared.pdf, out) if out else None
        made = store_referral(store, prepared)
        referral = made.referral
        if out is not None and data is not None:
            try:
                _write_pdf(data, out)
            except OSError as exc:
                raise FieldAppError(
                    "referral.stored_not_written",
                    document_id=referral.document_id,
                    version=referral.version,
                    path=str(out.target),
                    detail=exc.strerror or type(exc).__name__,
                ) from exc
            vault.record("export", "referral", referral.meta.uuid)
    if args.json:
        emit_json(
            {
                "id": referral.meta.uuid,
                "document_id": referral.document_id,
                "version": referral.version,
                "recipient": referral.recipient,
                "status": referral.status.value,
                "urgency": referral.urgency,
                "content_hash": referral.content_hash,
                "left_out": list(made.plan.left_out),
                "why": made.plan.why,
                "out": args.out,
            }
        )
    else:
        emit(
            t(
                "cli.referral.made",
                document_id=referral.document_id,
                version=referral.version,
                recipient=t(f"recipient.{referral.recipient}"),
            )
        )
        if made.plan.left_out:
            emit(
                t("cli.referral.left_out", fields=", ".join(made.plan.left_out), why=made.plan.why)
            )
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        referrals = Store(vault).referrals()
        # On a field device: what the coordinator's replies said of each referral.
        followup = {row.referral_uuid: row for row in ReplyStore(vault).received_followup()}
    if args.json:
        emit_json(
            [
                {
                    "id": r.meta.uuid,
                    "document_id": r.document_id,
                    "visit": r.visit_uuid,
                    "recipient": r.recipient,
                    "version": r.version,
                    "status": r.status.value,
                    "urgency": r.urgency,
                    "lang": r.lang,
                    "created_at": r.meta.created_at,
                    "supersedes": r.supersedes,
                    "content_hash": r.content_hash,
                    "followup": _followup_json(followup.get(r.meta.uuid)),
                }
                for r in referrals
            ]
        )
        return EXIT_OK
    if not referrals:
        emit(t("cli.referral.none"))
    for r in referrals:
        emit(
            f"{r.document_id}  v{r.version}  {datetime_text(r.meta.created_at)}  "
            f"{t('recipient.' + r.recipient):28}  {t('referral.status.' + r.status.value):18}"
            f"  {t('referral.urgency.' + r.urgency)}"
        )
        news = followup.get(r.meta.uuid)
        if news is not None:
            emit("  " + _followup_text(news))
    return EXIT_OK


def _followup_json(news: ReceivedFollowUp | None) -> dict[str, Any] | None:
    if news is None:
        return None
    return {"status": news.status, "outcome": news.outcome, "updated_at": news.updated_at}


def _followup_text(news: ReceivedFollowUp) -> str:
    status = t(f"followup.status.{news.status}")
    if news.outcome:
        status += ": " + t(f"followup.outcome.{news.outcome}")
    return t("cli.referral.followup", status=status, date=date_text(news.updated_at))


def cmd_export(args: argparse.Namespace) -> int:
    out = _pdf_out(args)  # the target and the password, before the vault is opened
    with open_vault(args) as vault:
        vault.info.require_real()
        store = Store(vault)
        referral = store.find_referral(args.id)
        pdf = store.attachment_content(referral.document_uuid or "")
        _write_pdf(_pdf_bytes(pdf, out), out)
        vault.record("export", "referral", referral.meta.uuid)
    return EXIT_OK


COMMANDS: Commands = {"make": cmd_make, "list": cmd_list, "export": cmd_export}
