"""``fieldapp practice list | show | check | validate``: practice cases (issue 17) on the
command line. None of them opens a vault or writes anything: a case is read from the shipped
set, the trainee's record from a file or stdin, and the debrief is printed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fieldapp import i18n
from fieldapp.cli.shared import EXIT_FAILED, EXIT_OK, Commands
from fieldapp.i18n import t, tn
from fieldapp.practice.debrief import check_answers
from fieldapp.practice.loader import load_case, load_cases
from fieldapp.practice.render import (
    debrief_to_json,
    debrief_to_text,
    listing_json,
    scenario_json,
    scenario_text,
)
from fieldapp.practice.validation import errors, validate_case
from fieldapp.terminal import emit, emit_json
from fieldapp.visit_json import MAX_JSON_BYTES


def cmd_list(args: argparse.Namespace) -> int:
    lang = i18n.current_language()
    practice_set, cases = load_cases(args.set)
    if args.json:
        emit_json([listing_json(case, lang) for case in cases])
        return EXIT_OK
    title = practice_set.title.en if lang == "en" else practice_set.title.nl
    emit(t("practice.cli.list_header", version=practice_set.version, title=title))
    if not cases:
        emit(t("practice.cli.no_cases"))
    for case in cases:
        item = listing_json(case, lang)
        forms = ", ".join(t(f"form.{form}") for form in case.forms) or "-"
        level = t(f"practice.level.{case.level}")
        sector = t(f"sector.{case.sector.value}")
        emit(f"{case.id:32} {item['title']}")
        emit(f"{'':32} {level} · {sector} · {forms}")
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    _, case = load_case(args.id, args.set)
    if args.json:
        emit_json(scenario_json(case))
    else:
        emit(scenario_text(case))
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    _, case = load_case(args.id, args.set)
    if args.answers == "-":
        raw = sys.stdin.buffer.read(MAX_JSON_BYTES + 1)
    else:
        with Path(args.answers).open("rb") as handle:
            raw = handle.read(MAX_JSON_BYTES + 1)
    debrief = check_answers(case, raw)
    if args.json:
        emit_json(debrief_to_json(debrief))
    else:
        emit(debrief_to_text(debrief))
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    """Every problem as ``FILE:LINE:COLUMN: message``, as compilers and editors read them;
    exit 1 when one is an error (notes alone leave the case valid)."""
    path = Path(args.file)
    problems = validate_case(path)
    failed = errors(problems)
    if args.json:
        emit_json(
            {
                "file": args.file,
                "valid": not failed,
                "problems": [
                    {
                        "line": problem.line,
                        "column": problem.column,
                        "field": problem.field,
                        "note": problem.note,
                        "message": problem.message(),
                    }
                    for problem in problems
                ],
            }
        )
        return EXIT_FAILED if failed else EXIT_OK
    for problem in problems:
        message = problem.message()
        if problem.note:
            message = t("practice.cli.note", message=message)
        emit(f"{args.file}:{problem.line}:{problem.column}: {message}")
    if failed:
        emit(tn("practice.cli.invalid", len(failed)), file=sys.stderr)
        return EXIT_FAILED
    emit(t("practice.cli.valid"), file=sys.stderr)
    return EXIT_OK


COMMANDS: Commands = {
    "list": cmd_list,
    "show": cmd_show,
    "check": cmd_check,
    "validate": cmd_validate,
}
