"""``fieldapp stats --from D --to D [--xlsx F] [--pdf F] [--json]``: the report for a period,
as plain text (default), JSON, and optionally as a spreadsheet and a PDF.

The period and the output names are checked before the vault is opened, so a typo costs no
passphrase and changes nothing; an existing file is never overwritten.
"""

from __future__ import annotations

import argparse
import sys

from fieldapp.atomic import write_atomic
from fieldapp.cli.shared import EXIT_OK, Commands, new_file, open_vault
from fieldapp.errors import FieldAppError
from fieldapp.i18n import current_language, t
from fieldapp.stats.charts import number
from fieldapp.stats.compute import compute_stats
from fieldapp.stats.model import StatsReport
from fieldapp.stats.tables import ReportTable, report_notes, report_tables, summary_rows
from fieldapp.store.filters import Period
from fieldapp.terminal import clean, emit, emit_json


def cmd_stats(args: argparse.Namespace) -> int:
    period = Period.parse(args.date_from, args.date_to)
    targets = {
        fmt: new_file(name) for fmt, name in (("xlsx", args.xlsx), ("pdf", args.pdf)) if name
    }
    if len(set(targets.values())) < len(targets):
        raise FieldAppError("stats.cli.same_file")
    lang = current_language()
    with open_vault(args) as vault:
        report = compute_stats(vault, period)
        files = {fmt: _render(fmt, report, lang) for fmt in targets}
        for fmt, target in targets.items():
            write_atomic(target, files[fmt])
        if targets:
            vault.record("export", "statistics")
    for target in targets.values():
        emit(t("stats.cli.written", path=str(target)), file=sys.stderr)
    if args.json:
        document = report.as_dict()
        document["written"] = {fmt: str(target) for fmt, target in targets.items()}
        emit_json(document)
    else:
        emit(summary_text(report, lang))
    return EXIT_OK


def _render(fmt: str, report: StatsReport, lang: str) -> bytes:
    if fmt == "pdf":
        from fieldapp.stats.report_pdf import render_report_pdf  # noqa: PLC0415 - reportlab: --pdf only

        return render_report_pdf(report, lang)
    from fieldapp.stats.report_xlsx import render_report_xlsx  # noqa: PLC0415 - xlsxwriter: --xlsx only

    return render_report_xlsx(report, lang)


def summary_text(report: StatsReport, lang: str | None = None) -> str:
    """The report as plain text: the key figures and every table (top municipalities)."""
    lines = [
        t("stats.report.title", lang),
        t("stats.report.period", lang, period=report.period.label()),
        t("stats.report.aggregates_only", lang),
        "",
    ]
    figures = summary_rows(report)
    width = max(len(t(key, lang)) for key, _ in figures)
    lines += [f"{t(key, lang).ljust(width)}  {number(value, lang):>10}" for key, value in figures]
    for table in report_tables(report, lang, all_municipalities=False):
        lines += ["", table.title, *_text_table(table, lang)]
    lines += ["", *(f"- {note}" for note in report_notes(report, lang))]
    return "\n".join(lines)


def _text_table(table: ReportTable, lang: str | None) -> list[str]:
    def cell(value: object) -> str:
        if value is None:
            return "-"
        if isinstance(value, int | float):
            return number(value, lang)
        return clean(value)  # a municipality's name as recorded: one line, nothing obeyed

    body = [tuple(cell(v) for v in row) for row in table.rows]
    total = tuple(cell(v) for v in table.total) if table.total is not None else None
    separate = [tuple(cell(v) for v in row) for row in table.separate]
    every = [table.header, *body, *([total] if total else []), *separate]
    widths = [max(len(row[i]) for row in every) for i in range(len(table.header))]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(
            value.ljust(widths[i]) if i < table.labels else value.rjust(widths[i])
            for i, value in enumerate(row)
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    text = [line(table.header), rule, *(line(row) for row in body)]
    if not body:
        text.append(t("stats.table.empty", lang))
    if total:
        text += [rule, line(total)]
    if separate:
        text += ["", *(line(row) for row in separate)]
    return text


COMMANDS: Commands = {"stats": cmd_stats}
