"""The coordinator's own tables: the visits the workspace's filters show, one row per visit, as
CSV or XLSX, for analysis in a spreadsheet.

Such a file holds personal data (site names, places, inspectors), and a spreadsheet on a laptop
or a share is out of the vault's protection. So a file is written encrypted with a passphrase
(the age format, ``NAME.csv.age`` / ``NAME.xlsx.age``; Debian's ``age -d`` opens it) unless
the caller confirms, explicitly, that it may be written unencrypted. Files are built in memory
(xlsxwriter's ``in_memory`` mode: no temporary files) and written atomically.

Three steps, so the desktop can keep the database work on the thread that owns the
connection and do the rest on a worker: :func:`table_rows` (reads the vault),
:func:`build_file` (pure: bytes from rows, encrypted when asked) and :func:`write_file`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pyrage import passphrase as age_passphrase

from fieldapp.assessment.outcomes import refresh_outcomes
from fieldapp.atomic import write_atomic
from fieldapp.catalogue import load_catalogue
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t
from fieldapp.store.export_store import ExportStore
from fieldapp.store.store import Store
from fieldapp.vault.passphrase import secret_problem

if TYPE_CHECKING:
    from fieldapp.store.export_store import VisitRow
    from fieldapp.store.filters import VisitFilter
    from fieldapp.vault.vault import Vault, VaultLike

FORMATS = ("csv", "xlsx")
ENCRYPTED_SUFFIX = ".age"
# Column title keys, in order; values come from _values().
COLUMN_KEYS = (
    "exports.table.col.visit",
    "exports.table.col.started_at",
    "exports.table.col.site",
    "exports.table.col.place",
    "exports.table.col.municipality",
    "exports.table.col.sector",
    "exports.table.col.type",
    "exports.table.col.status",
    "exports.table.col.agencies",
    "exports.table.col.inspector",
    "exports.table.col.device",
    "exports.table.col.device_agency",
    "exports.table.col.persons",
    "exports.table.col.possible_victims",
    "exports.table.col.signals_observed",
    "exports.table.col.signals_unknown",
    "exports.table.col.highest_outcome",
)
NUMBER_COLUMNS = frozenset(range(12, 16))
# A cell starting with = + - @ tab or CR is a formula to a spreadsheet: text typed in the field
# must never run as one ("CSV injection"). XLSX cells are written as strings. In CSV the danger
# is not only at the start of a value: the file is comma-separated, but Excel in a Dutch locale
# splits on ";" (and a naive import on "," or tab, or at a line break inside quotes it does not
# honour), so whatever follows one of those characters can start a cell of its own. Every such
# piece that starts with a formula character (after spaces or quotes) gets an apostrophe in
# front, and every text cell is quoted: `x;=cmd|' /C calc'!A0` is written "x;'=cmd|' /C calc'!A0".
_SPLIT_THEN_FORMULA = re.compile(r"(^|[;,\t\r\n])(?=[ \"]*[=+\-@\t\r])")


class TableExportError(FieldAppError):
    key = "exports.error"


@dataclass(frozen=True, slots=True)
class TableExport:
    path: Path
    rows: int
    encrypted: bool


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise TableExportError("exports.table.bad_format", given=fmt, formats=", ".join(FORMATS))
    return fmt


def check_protection(passphrase: str | None, confirm_unencrypted: bool) -> None:
    """Encrypted with a good passphrase, or unencrypted only when the warning was confirmed."""
    if passphrase is None:
        if not confirm_unencrypted:
            raise TableExportError("exports.table.unencrypted_not_confirmed")
        return
    problem = secret_problem(passphrase)  # the one rule: length and zxcvbn's strength
    if problem is not None:
        raise problem


def target_path(chosen: Path, fmt: str, encrypted: bool) -> Path:
    """The file actually written: the format's suffix, plus ``.age`` when encrypted."""
    chosen = Path(chosen)
    name = chosen.name
    if name.lower().endswith(ENCRYPTED_SUFFIX):
        name = name[: -len(ENCRYPTED_SUFFIX)]
    if not name.lower().endswith(f".{fmt}"):
        name = f"{name}.{fmt}"
    if encrypted:
        name += ENCRYPTED_SUFFIX
    return chosen.with_name(name)


def visit_ids_for(vault: Vault, where: VisitFilter | None) -> list[str]:
    """The visits a filter shows, in the list's order (newest first)."""
    return Store(vault).visit_ids(where)


def table_rows(vault: VaultLike, visit_uuids: Sequence[str]) -> list[VisitRow]:
    """One row per live visit, in the order given, with the engine's outcomes brought up to
    date first (reads and writes the vault: call it on the thread that owns the connection)."""
    refresh_outcomes(vault)
    return ExportStore(vault).visit_rows(visit_uuids, load_catalogue().rules.outcome_order)


def headers(lang: str | None = None) -> list[str]:
    return [t(key, lang) for key in COLUMN_KEYS]


def _values(row: VisitRow, lang: str | None) -> list[str | int]:
    outcome = row.highest_outcome
    return [
        row.uuid,
        row.started_at,
        row.site_name,
        row.place or "",
        row.municipality or "",
        t(f"sector.{row.sector}", lang),
        t(f"visit_type.{row.type}", lang),
        t(f"visit_status.{row.status}", lang),
        ", ".join(row.agencies),
        row.inspector or row.device_inspector or "",
        row.origin_device,
        row.device_agency or "",
        row.persons,
        row.possible_victims,
        row.signals_observed,
        row.signals_unknown,
        t(f"outcome.{outcome}", lang) if outcome else "",
    ]


def csv_bytes(rows: Sequence[VisitRow], lang: str | None = None) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads the accents right), comma-separated."""
    buffer = io.StringIO(newline="")
    # Every text cell quoted (numbers stay numbers), so a ";" inside a value is inside quotes.
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(headers(lang))
    for row in rows:
        writer.writerow([_defused(value) for value in _values(row, lang)])
    return buffer.getvalue().encode("utf-8-sig")


def _defused(value: str | int) -> str | int:
    """Text with an apostrophe before every piece a spreadsheet could read as a formula: at the
    start, and after each ";", ",", tab or line break (see ``_SPLIT_THEN_FORMULA``)."""
    if not isinstance(value, str):
        return value
    return _SPLIT_THEN_FORMULA.sub(r"\1'", value)


def xlsx_bytes(rows: Sequence[VisitRow], lang: str | None = None) -> bytes:
    """An XLSX workbook built in memory: xlsxwriter's ``in_memory`` mode writes no
    temporary files."""
    import xlsxwriter  # noqa: PLC0415 - only when a spreadsheet is made

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet(t("exports.table.sheet", lang)[:31])
    bold = workbook.add_format({"bold": True})
    titles = headers(lang)
    for column, title in enumerate(titles):
        sheet.write_string(0, column, title, bold)
    widths = [len(title) for title in titles]
    for row_number, row in enumerate(rows, start=1):
        for column, value in enumerate(_values(row, lang)):
            if column in NUMBER_COLUMNS:
                sheet.write_number(row_number, column, int(value))
            else:
                sheet.write_string(row_number, column, str(value))
            widths[column] = max(widths[column], min(len(str(value)), 60))
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width + 2)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(titles) - 1)
    workbook.close()
    return buffer.getvalue()


def build_file(
    rows: Sequence[VisitRow], fmt: str, passphrase: str | None, lang: str | None = None
) -> bytes:
    """The file's bytes (pure, no vault): CSV or XLSX, age-encrypted with ``passphrase``."""
    check_format(fmt)
    data = csv_bytes(rows, lang) if fmt == "csv" else xlsx_bytes(rows, lang)
    if passphrase is None:
        return data

    return bytes(age_passphrase.encrypt(data, passphrase))


def write_file(data: bytes, target: Path, *, overwrite: bool = False) -> None:
    target = Path(target)
    if target.exists() and not overwrite:
        raise TableExportError("exports.file_exists", path=str(target))
    write_atomic(target, data)


def export_table(
    vault: Vault,
    chosen: Path,
    fmt: str,
    *,
    visit_uuids: Sequence[str] | None = None,
    where: VisitFilter | None = None,
    passphrase: str | None = None,
    confirm_unencrypted: bool = False,
    overwrite: bool = False,
    lang: str | None = None,
) -> TableExport:
    """Export the given visits (or those ``where`` shows; every live visit without either).
    Refused, with nothing written, unless encrypted or the unencrypted file was confirmed."""
    check_format(fmt)
    check_protection(passphrase, confirm_unencrypted)
    encrypted = passphrase is not None
    target = target_path(chosen, fmt, encrypted)
    if target.exists() and not overwrite:
        raise TableExportError("exports.file_exists", path=str(target))
    ids = list(visit_uuids) if visit_uuids is not None else visit_ids_for(vault, where)
    rows = table_rows(vault, ids)
    write_file(build_file(rows, fmt, passphrase, lang), target, overwrite=overwrite)
    record_export(vault, encrypted)
    return TableExport(target, len(rows), encrypted)


def record_export(vault: Vault, encrypted: bool) -> None:
    """An audit entry for the export (what kind, never what it held)."""
    vault.record("export", "visit_table" if encrypted else "visit_table_unencrypted", None)
