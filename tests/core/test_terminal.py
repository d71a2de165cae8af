"""What the command line prints is safe for a terminal, whatever a record holds: control
characters, escape sequences, bidi overrides and lone surrogates are shown, never obeyed."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from fieldapp.domain import Role
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from fieldapp.visit_json import visit_from_dict
from tests.support import PASSPHRASE, ROOT, run_cli
from tests.support.sample_visit import sample_visit

TITLE_ESCAPE = "\x1b]0;owned\x07"  # sets the terminal's title (OSC 0), ended by BEL
HOSTILE_NAME = f"Kas {TITLE_ESCAPE}De Hoek\x1b[2J\u202etxt.exe\x9b31m"
HOSTILE_PLACE = "Naald\rwijk\u2066"  # (a lone surrogate cannot even be stored)
RAW = ("\x1b", "\x07", "\x9b", "\u202e", "\u2066", "\r")


def _no_raw(text: str) -> None:
    for char in RAW:
        assert char not in text, repr(char)


def test_controls_and_bidi_are_shown_not_obeyed() -> None:
    from fieldapp.terminal import clean, clean_block

    assert clean("Kas\x1b]0;x\x07") == "Kas\\x1b]0;x\\x07"
    assert clean("a\u202eb\u2066c\u200fd") == "a\\u202eb\\u2066c\\u200fd"
    assert clean("a\x9bb\x7fc") == "a\\x9bb\\x7fc"
    assert clean("lone \ud800") == "lone \\ud800"
    assert clean("two\nlines\ttab\r") == "two\\nlines\\ttab\\r"
    assert clean_block("two\nlines\x1b") == "two\nlines\\x1b"
    assert clean("Łódź, Ελλάδα, Nguyễn, Şanlıurfa, 中文") == "Łódź, Ελλάδα, Nguyễn, Şanlıurfa, 中文"
    assert clean(None) == "" and clean(12) == "12"


def test_emit_and_emit_json(capsys: pytest.CaptureFixture[str]) -> None:
    from fieldapp.terminal import emit, emit_json

    emit(f"name: {HOSTILE_NAME}")
    emit_json({"name": HOSTILE_NAME, "place": HOSTILE_PLACE + "\ud800"})
    out = capsys.readouterr().out
    _no_raw(out)
    printed_json = out.split("\n", 1)[1]
    assert json.loads(printed_json) == {"name": HOSTILE_NAME, "place": HOSTILE_PLACE + "\ud800"}


@pytest.fixture
def hostile_vault(vault_dir: Path) -> tuple[list[str], str]:
    """A visit whose site name and place hold what an imported record could carry: written
    straight into the database, as if every input check had been passed by."""
    with Vault.create(vault_dir, PASSPHRASE, Role.COORDINATOR, FAST_FOR_TESTS) as vault:
        store = Store(vault)
        data = sample_visit()
        data["visit"]["notes"] = "notitie"
        visit_uuid = store.record_visit(visit_from_dict(data))
        store.record_visit(visit_from_dict(sample_visit()))  # same KvK and phone: linked
        vault.conn.execute("UPDATE sites SET name = ?, place = ?", (HOSTILE_NAME, HOSTILE_PLACE))
        vault.conn.execute("UPDATE visits SET notes = ?", (f"regel 1\nregel 2{TITLE_ESCAPE}",))
        vault.conn.execute("UPDATE persons SET label = ?", (f"A{TITLE_ESCAPE}",))
        vault.conn.commit()
    return ["--vault", str(vault_dir)], visit_uuid


def test_visit_list_and_show_write_no_raw_escape(hostile_vault) -> None:
    opts, visit_uuid = hostile_vault
    env = {"FIELDAPP_PASSPHRASE": PASSPHRASE}
    for args in (
        ("visit", "list"),
        ("visit", "list", "--json"),
        ("visit", "show", visit_uuid),
        ("visit", "show", visit_uuid, "--json"),
        ("links",),
        ("links", "--json"),
    ):
        result = run_cli(*args, *opts, env=env)
        assert result.returncode == 0, (args, result.stderr)
        _no_raw(result.stdout + result.stderr)
    listing = run_cli("visit", "list", *opts, env=env).stdout
    assert "\\x1b]0;owned\\x07" in listing  # shown, so the reader sees something is off
    shown = run_cli("visit", "show", visit_uuid, *opts, env=env).stdout
    assert "regel 1\nregel 2\\x1b" in shown  # a note keeps its lines
    as_json = json.loads(run_cli("visit", "list", "--json", *opts, env=env).stdout)
    assert as_json[0]["site_name"] == HOSTILE_NAME  # JSON escapes, it never alters data


CLI_MODULES = sorted(
    path.relative_to(ROOT).as_posix() for path in (ROOT / "fieldapp" / "cli").glob("*.py")
)


@pytest.mark.parametrize("module", CLI_MODULES)
def test_the_command_line_prints_only_through_the_terminal_module(module: str) -> None:
    """No bare print(): everything the commands write goes through emit or emit_json."""
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    bare = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "print"
    ]
    assert bare == []
