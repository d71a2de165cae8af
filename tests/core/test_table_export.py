"""The coordinator's own table of visits: CSV and XLSX built in memory, one row per visit in
the list's order, refused unless encrypted or the unencrypted file was confirmed, encrypted
with a passphrase so that Debian's age opens it, and formulas typed in the field never run."""

from __future__ import annotations

import csv
import io
import os
import pty
import select
import shutil
import tempfile
import time
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from pyrage import passphrase as age_passphrase

from fieldapp.demo import demo_visits
from fieldapp.domain import PersonRole, Sector
from fieldapp.errors import FieldAppError
from fieldapp.exports import table
from fieldapp.i18n import t
from fieldapp.inputs import NewVisit, PersonInput, SiteInput, VisitInput
from fieldapp.store.filters import VisitFilter
from fieldapp.store.store import Store

SECRET = "een lange wachtwoordzin"
XLSX_NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


@pytest.fixture
def visits(store: Store) -> list[str]:
    store.record_visits(demo_visits(12, seed=11))
    store.record_visit(
        NewVisit(
            site=SiteInput(name='=HYPERLINK("http://x")', sector=Sector.CAR_WASH),
            visit=VisitInput(started_at="2026-01-05T09:00:00Z", agencies=("NLA", "Politie")),
            persons=(
                ("A", PersonInput("A", role=PersonRole.POSSIBLE_VICTIM)),
                ("B", PersonInput("B", role=PersonRole.WITNESS)),
            ),
        )
    )
    return store.visit_ids()


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with its byte-order mark
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _xlsx_rows(data: bytes) -> list[list[str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        shared = [
            "".join(node.itertext())
            for node in ElementTree.fromstring(book.read("xl/sharedStrings.xml")).findall(
                "x:si", XLSX_NS
            )
        ]
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iter(f"{{{XLSX_NS['x']}}}row"):
        values = []
        for cell in row.findall("x:c", XLSX_NS):
            raw = cell.find("x:v", XLSX_NS)
            assert cell.find("x:f", XLSX_NS) is None  # no formula, ever
            text = raw.text if raw is not None else ""
            values.append(shared[int(text)] if cell.get("t") == "s" else text)
        rows.append(values)
    return rows


def test_csv_has_one_row_per_visit_in_the_lists_order(
    store: Store, visits: list[str], tmp_path: Path
) -> None:
    result = table.export_table(
        store.vault, tmp_path / "bezoeken", "csv", visit_uuids=visits, confirm_unencrypted=True
    )
    assert result.path == tmp_path / "bezoeken.csv" and not result.encrypted
    rows = _csv_rows(result.path.read_bytes())
    assert rows[0] == table.headers("nl")
    assert [row[0] for row in rows[1:]] == visits
    (crafted,) = [row for row in rows if "HYPERLINK" in row[2]]
    assert crafted[2] == '\'=HYPERLINK("http://x")'  # defused, shown as text
    assert crafted[5] == t("sector.car_wash", "nl")
    assert crafted[8] == "NLA, Politie"
    assert crafted[12:14] == ["2", "1"]  # persons, possible victims
    for row in rows[1:]:
        detail = store.visit_detail(row[0])
        observed = sum(1 for o in detail.observations if o.status.value == "observed")
        assert int(row[12]) == len(detail.persons)
        assert int(row[14]) == observed


def test_the_highest_outcome_is_the_engines(store: Store, visits: list[str]) -> None:
    rows = table.table_rows(store.vault, visits)
    order = ["no_signals", "signals_present", "exploited", "deceived_and_exploited"]
    order.append("trafficking_indicated")
    for row in rows:
        ranks = [
            order.index(outcome)
            for (outcome,) in store.conn.execute(
                "SELECT po.outcome FROM person_outcomes po JOIN persons p"
                " ON p.uuid = po.person_uuid WHERE p.visit_uuid = ?",
                (row.uuid,),
            )
        ]
        assert row.highest_outcome == (order[max(ranks)] if ranks else None)
    assert any(row.highest_outcome not in (None, "no_signals") for row in rows)


def test_a_filter_selects_the_visits(store: Store, visits: list[str], tmp_path: Path) -> None:
    where = VisitFilter(sector=Sector.CAR_WASH)
    result = table.export_table(
        store.vault, tmp_path / "wasstraten.csv", "csv", where=where, confirm_unencrypted=True
    )
    rows = _csv_rows(result.path.read_bytes())[1:]
    assert [row[0] for row in rows] == store.visit_ids(where)
    assert rows and {row[5] for row in rows} == {t("sector.car_wash")}


def test_xlsx_is_built_in_memory_without_temporary_files(
    store: Store, visits: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a temporary file was made")

    out = tmp_path / "out"
    out.mkdir()
    for name in ("mkstemp", "mkdtemp", "TemporaryFile", "NamedTemporaryFile"):
        monkeypatch.setattr(tempfile, name, refuse)
    result = table.export_table(
        store.vault,
        out / "bezoeken.xlsx",
        "xlsx",
        visit_uuids=visits,
        confirm_unencrypted=True,
        lang="en",
    )
    rows = _xlsx_rows(result.path.read_bytes())
    assert rows[0] == table.headers("en")
    assert [row[0] for row in rows[1:]] == visits
    assert [row[2] for row in rows if "HYPERLINK" in row[2]] == ['=HYPERLINK("http://x")']
    assert os.listdir(out) == ["bezoeken.xlsx"]


def test_nothing_is_written_without_encryption_or_confirmation(
    store: Store, visits: list[str], tmp_path: Path
) -> None:
    before = store.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(FieldAppError) as refused:
        table.export_table(store.vault, out / "x.csv", "csv", visit_uuids=visits)
    assert refused.value.key == "exports.table.unencrypted_not_confirmed"
    with pytest.raises(FieldAppError) as short:
        table.export_table(store.vault, out / "x.csv", "csv", passphrase="kort")
    assert short.value.key == "passphrase.too_short"
    with pytest.raises(FieldAppError) as bad_format:
        table.export_table(store.vault, out / "x.ods", "ods", confirm_unencrypted=True)
    assert "csv, xlsx" in bad_format.value.message("en")
    assert os.listdir(out) == []
    assert store.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == before


def test_an_existing_file_is_not_overwritten_unless_asked(
    store: Store, visits: list[str], tmp_path: Path
) -> None:
    target = tmp_path / "bezoeken.csv"
    target.write_bytes(b"keep")
    with pytest.raises(FieldAppError):
        table.export_table(store.vault, target, "csv", confirm_unencrypted=True)
    assert target.read_bytes() == b"keep"
    table.export_table(store.vault, target, "csv", confirm_unencrypted=True, overwrite=True)
    assert target.read_bytes() != b"keep"


def test_encrypted_export_holds_nothing_in_clear_and_opens_with_the_passphrase(
    store: Store, visits: list[str], tmp_path: Path
) -> None:
    before = store.conn.execute("SELECT max(seq) FROM audit_log").fetchone()[0]
    result = table.export_table(
        store.vault, tmp_path / "bezoeken.xlsx", "xlsx", visit_uuids=visits, passphrase=SECRET
    )
    assert result.encrypted and result.path.name == "bezoeken.xlsx.age"
    raw = result.path.read_bytes()
    assert raw.startswith(b"age-encryption.org/v1\n-> scrypt ")
    site = store.visit_detail(visits[3]).site.name
    assert site.encode() not in raw and b"HYPERLINK" not in raw
    rows = _xlsx_rows(age_passphrase.decrypt(raw, SECRET))
    assert [row[0] for row in rows[1:]] == visits
    entries = store.conn.execute(
        "SELECT action, record_kind, record_uuid FROM audit_log WHERE seq > ?", (before,)
    ).fetchall()
    assert ("export", "visit_table", None) in entries


def _age_decrypt(path: Path, out: Path, secret: str) -> int:
    """Debian's age asks for the passphrase on a terminal: give it one."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: becomes age
        os.execvp("age", ["age", "-d", "-o", str(out), str(path)])
    seen, sent, deadline = b"", False, time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        if not sent and b"passphrase" in seen.lower():
            os.write(fd, secret.encode() + b"\n")
            sent = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status)


@pytest.mark.skipif(shutil.which("age") is None, reason="Debian's age is not installed")
def test_debians_age_opens_the_encrypted_csv(
    store: Store, visits: list[str], tmp_path: Path
) -> None:
    result = table.export_table(
        store.vault, tmp_path / "bezoeken.csv", "csv", visit_uuids=visits, passphrase=SECRET
    )
    out = tmp_path / "plain.csv"
    assert _age_decrypt(result.path, out, SECRET) == 0
    rows = _csv_rows(out.read_bytes())
    assert [row[0] for row in rows[1:]] == visits
    assert _age_decrypt(result.path, tmp_path / "wrong.csv", "niet de goede zin") != 0


# A cell that Dutch Excel (list separator ";") or a comma split opens as a formula. Each is a
# site name; the export must never let any piece of it start a cell with = + - @ tab or CR.
SPLIT_ATTACKS = (
    "x;=cmd|' /C calc'!A0",
    "x,=cmd|' /C calc'!A0",
    'x; "=HYPERLINK(""http://x"")"',
    "x;+1+1",
    "x;-2+3",
    "x;@SUM(1)",
    "x;\t=1+1",
    "x\r=1+1",
    "x\n=1+1",
    "=1+1;=2+2",
    "Bouw, - Jansen",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(store: Store, tmp_path: Path, names: tuple[str, ...]) -> str:
    for number in range(len(names)):
        store.record_visit(
            NewVisit(
                site=SiteInput(name=f"site {number}", sector=Sector.CLEANING),
                visit=VisitInput(started_at="2026-01-05T09:00:00Z"),
            )
        )
    for number, name in enumerate(names):  # as an import could bring it, past the input checks
        store.conn.execute("UPDATE sites SET name = ? WHERE name = ?", (name, f"site {number}"))
    store.conn.commit()
    result = table.export_table(store.vault, tmp_path / "bezoeken", "csv", confirm_unencrypted=True)
    return result.path.read_bytes().decode("utf-8-sig")


def _cells_as_a_spreadsheet_could_read(text: str) -> list[str]:
    """Every cell a spreadsheet could make of the file: split on ";" or "," with quotes
    honoured (Excel in a Dutch or an English locale), and split naively, quotes ignored."""
    cells: list[str] = []
    for delimiter in (";", ","):
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            cells += row
    for line in text.replace("\r", "\n").split("\n"):
        for piece in line.replace(";", ",").replace("\t", ",").split(","):
            cells.append(piece.lstrip(' "'))
    return cells


def test_no_piece_of_a_csv_cell_can_start_a_formula(store: Store, tmp_path: Path) -> None:
    text = _csv_text(store, tmp_path, SPLIT_ATTACKS)
    dangerous = [
        cell for cell in _cells_as_a_spreadsheet_could_read(text) if cell.startswith(FORMULA_START)
    ]
    assert dangerous == []
    # The values survive for a reader that reads the file as CSV: only an apostrophe was added.
    names = [row[2] for row in csv.reader(io.StringIO(text, newline=""))][1:]
    assert sorted(name.replace("'", "") for name in names) == sorted(
        attack.replace("'", "") for attack in SPLIT_ATTACKS
    )


def test_ordinary_values_are_left_alone(store: Store, tmp_path: Path) -> None:
    names = ("Kwekerij De Hoek", "Bouw & Zonen B.V.", "Café 't Hoekje, Westland", "A-Z Schoonmaak")
    text = _csv_text(store, tmp_path, names)
    shown = {row[2] for row in csv.reader(io.StringIO(text, newline=""))}
    assert set(names) <= shown
