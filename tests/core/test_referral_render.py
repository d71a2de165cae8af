"""The referral PDF renderer: every value reaches the page, nothing reaches the disk.

Fixtures are built by hand (no builder, no vault): a full, urgent document with three persons,
25 signals in five groups, markup characters and names in several scripts, and a minimal one.
"""

from __future__ import annotations

import builtins
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import replace
from io import BytesIO
from pathlib import Path

import pypdf
import pytest

from fieldapp.referral import render
from fieldapp.referral.document import (
    PersonBlock,
    ReferralDocument,
    SignalGroup,
    SignalLine,
)
from fieldapp.referral.render import qr_payload, render_pdf
from tests.support.referral import (
    LABELS_NL,
    MARKUP_NOTE,
    NAMES,
    full_document,
    minimal_document,
)

# ---------------------------------------------------------------- helpers


def _squash(text: str) -> str:
    return "".join(text.split())


def _normal(text: str) -> str:
    return " ".join(text.split())


def _pages_text(data: bytes) -> list[str]:
    reader = pypdf.PdfReader(BytesIO(data))
    return [page.extract_text() for page in reader.pages]


def _values(doc: ReferralDocument) -> list[str]:
    """Every text a recipient must find on paper."""
    values = [doc.title, doc.document_id, doc.created, doc.urgency, doc.catalogue, doc.addressee]
    values += [text for line in (*doc.sender, *doc.site, *doc.visit, *doc.b83) for text in line]
    values += [*doc.reason, *doc.assessment, *doc.follow_up, doc.own_reason or "", doc.ground or ""]
    if doc.unconfirmed:
        values.append(doc.unconfirmed)
    for person in (*doc.persons, *doc.suspects):
        values.append(person.title)
        values += [text for line in person.lines for text in line]
    for block in doc.annex:
        values += [block.title, *block.lines]
    for group in doc.signals:
        values.append(group.title)
        for s in group.signals:
            values += [s.indicator_id, s.label, s.who, s.evidence, s.note or ""]
    for a in doc.attachments:
        values += [a.file_name, a.media_type, a.sha256]
    return [v for v in values if v]


@pytest.fixture(scope="module")
def full_pdf() -> bytes:
    return render_pdf(full_document())


# ---------------------------------------------------------------- tests


def test_output_is_a_pdf(full_pdf: bytes) -> None:
    assert full_pdf.startswith(b"%PDF-")
    assert full_pdf.rstrip().endswith(b"%%EOF")


def test_every_value_is_on_paper(full_pdf: bytes) -> None:
    doc = full_document()
    text = "\n".join(_pages_text(full_pdf))
    squashed = _squash(text)
    missing = [v for v in _values(doc) if _squash(v) not in squashed]
    assert not missing
    # The markup characters come out literally, not as entities or as lost text.
    assert "&amp;" not in text
    assert "&lt;" not in text
    assert _squash(MARKUP_NOTE) in squashed


def test_names_in_every_script_render_as_written(full_pdf: bytes) -> None:
    text = _normal("\n".join(_pages_text(full_pdf)))
    for name in NAMES:
        assert name in text, name


def test_sections_in_order_with_labels(full_pdf: bytes) -> None:
    text = _normal("\n".join(_pages_text(full_pdf)))
    positions = [
        text.index(LABELS_NL[key])
        for key in (
            "reason",
            "own_reason",
            "follow_up",
            "site",
            "visit",
            "persons",
            "suspects",
            "criminal",
            "signals",
            "assessment",
            "b83",
            "attachments",
            "annex",
        )
    ]
    assert positions == sorted(positions)


def test_the_annex_comes_last_on_a_page_of_its_own(full_pdf: bytes) -> None:
    """The engine's lines are for who wants the detail: after everything else, from a new
    page, with the catalogue line and the unconfirmed-grades note."""
    doc = full_document()
    pages = [_normal(page) for page in _pages_text(full_pdf)]
    first = next(n for n, page in enumerate(pages) if LABELS_NL["annex"] in page)
    assert first > 0
    before = " ".join(pages[:first]) + pages[first].split(LABELS_NL["annex"])[0]
    assert LABELS_NL["attachments"] in before
    assert "onder de drempel" not in before
    body_of_annex = " ".join(pages[first:])
    assert "onder de drempel" in body_of_annex
    assert _normal(doc.catalogue) in body_of_annex
    assert _normal(doc.unconfirmed or "") in body_of_annex


def test_no_empty_column_and_no_label_without_a_value() -> None:
    """The anonymous registration had columns "Bij wie", "Bron" and "Notitie" with nothing
    in them, and a sender box with only its heading: a column, a row or a box with nothing in
    it is not drawn."""
    doc = minimal_document()
    group = SignalGroup("Dwang", (SignalLine("NLA-04", "Paspoort ingehouden", "", ""),))
    fields = {f: getattr(doc, f) for f in doc.__dataclass_fields__}
    data = render_pdf(
        ReferralDocument(
            **{
                **fields,
                "sender": (),
                "signals": (group,),
                "site": (("Gemeente", "Rotterdam"), ("Naam locatie", "  ")),
            }
        )
    )
    text = _normal("\n".join(_pages_text(data)))
    assert "Paspoort ingehouden" in text
    for key in ("who", "evidence", "note", "sender"):
        assert LABELS_NL[key] not in text, key
    assert LABELS_NL["sender"].upper() not in text
    assert "Naam locatie" not in text
    assert "Gemeente Rotterdam" in text
    assert f"{LABELS_NL['to']}: CoMensha, anonieme registratie" in text


def test_acute_signals_are_marked(full_pdf: bytes) -> None:
    text = "\n".join(_pages_text(full_pdf))
    assert text.count("ACUUT") >= 2  # two acute signals (plus any mention in the prose)


def test_footer_on_every_page(full_pdf: bytes) -> None:
    doc = full_document()
    pages = _pages_text(full_pdf)
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        text = _normal(page)
        assert f"Pagina {number} van {len(pages)}" in text
        assert LABELS_NL["confidential"] in text
        assert doc.document_id in text
        assert doc.content_hash() in _squash(page)


def test_urgent_banner_only_when_urgent(full_pdf: bytes) -> None:
    """The banner says the urgency once ("Urgentie: direct"), not "Met voorrang – Urgentie:
    met voorrang", and the header's urgency row gives way to it; a document without an
    urgency (the anonymous registration) has no urgency line at all."""
    first = _normal(_pages_text(full_pdf)[0])
    assert f"{LABELS_NL['urgency']}: direct" in first
    assert first.count(LABELS_NL["urgency"]) == 1
    minimal = _normal("".join(_pages_text(render_pdf(minimal_document()))))
    assert f"{LABELS_NL['urgency']}:" not in minimal
    assert f"{LABELS_NL['urgency']} normaal" in minimal
    none = replace(minimal_document(), urgency="")
    assert LABELS_NL["urgency"] not in "".join(_pages_text(render_pdf(none)))


def test_minimal_document_skips_empty_sections() -> None:
    doc = minimal_document()
    pages = _pages_text(render_pdf(doc))
    assert len(pages) == 1
    text = _normal(pages[0])
    assert "Pagina 1 van 1" in text
    for value in _values(doc):
        assert _normal(value) in text
    assert LABELS_NL["reason"] in text
    for key in ("site", "visit", "persons", "suspects", "signals", "assessment", "b83", "annex"):
        assert LABELS_NL[key] not in text, key
    assert LABELS_NL["attachments"] not in text


def test_qr_payload_holds_id_version_and_full_hash() -> None:
    doc = full_document()
    payload = qr_payload(doc)
    assert payload == f"fieldapp-referral:{doc.document_id}:{doc.version}:{doc.content_hash()}"
    assert re.fullmatch(r"fieldapp-referral:VW-2026-0147:2:[0-9a-f]{64}", payload)


def test_render_draws_the_qr_code_with_the_payload(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real = render.QrCodeWidget

    def spy(value: str, **kwargs: object) -> object:
        seen.append(value)
        return real(value, **kwargs)

    monkeypatch.setattr(render, "QrCodeWidget", spy)
    doc = full_document()
    data = render_pdf(doc)
    assert seen == [qr_payload(doc)]  # drawn once, placed on every page as a form
    for page in pypdf.PdfReader(BytesIO(data)).pages:
        xobjects = page["/Resources"]["/XObject"]
        assert any(xobjects[name].get_object()["/Subtype"] == "/Form" for name in xobjects)
        assert b" Do" in page.get_contents().get_data()


def test_metadata_holds_the_title_only(full_pdf: bytes) -> None:
    doc = full_document()
    meta = pypdf.PdfReader(BytesIO(full_pdf)).metadata
    assert meta is not None
    assert meta.title == doc.title
    assert meta.creator == "FieldApp"
    assert not meta.author
    assert not meta.subject
    values = " ".join(str(v) for v in meta.values())
    for name in NAMES:
        assert name not in values
    assert b"<x:xmpmeta" not in full_pdf


def test_qpdf_check_passes(full_pdf: bytes, tmp_path: Path) -> None:
    if shutil.which("qpdf") is None:
        pytest.skip("qpdf is not installed")
    path = tmp_path / "referral.pdf"
    path.write_bytes(full_pdf)
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


def test_only_embedded_dejavu_fonts(full_pdf: bytes, tmp_path: Path) -> None:
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    path = tmp_path / "referral.pdf"
    path.write_bytes(full_pdf)
    result = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    rows = result.stdout.splitlines()[2:]  # skip the header and the dashes
    assert rows
    names = set()
    for row in rows:
        # name type encoding emb sub uni object-id
        name, *_, emb, _sub, _uni, _obj, _gen = row.split()
        names.add(re.sub(r"^[A-Z]{6}\+", "", name))
        assert emb == "yes", row
    assert names == {"DejaVuSans", "DejaVuSans-Bold"}
    assert "Helvetica" not in result.stdout


def _tree(root: Path) -> set[str]:
    if not root.exists():
        return set()
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_rendering_writes_no_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    render_pdf(minimal_document())  # fonts registered (reads only) before watching
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("TMPDIR", str(private_tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    assert tempfile.gettempdir() == str(private_tmp)
    home = Path(os.environ["HOME"])
    watched = [private_tmp, cwd, home] + [
        Path(os.environ[name])
        for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME")
        if name in os.environ
    ]
    before = {str(root): _tree(root) for root in watched}

    writes: list[str] = []
    real_open, real_os_open = builtins.open, os.open
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def spy_open(file: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        if any(flag in mode for flag in "wax+"):
            writes.append(f"open({file!r}, {mode!r})")
        return real_open(file, mode, *args, **kwargs)

    def spy_os_open(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if flags & write_flags:
            writes.append(f"os.open({path!r}, {flags:#x})")
        return real_os_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(os, "open", spy_os_open)
    data = render_pdf(full_document())
    monkeypatch.undo()

    assert data.startswith(b"%PDF")
    assert writes == []
    after = {str(root): _tree(root) for root in watched}
    assert after == before


def test_control_characters_and_markup_in_values_are_harmless() -> None:
    doc = minimal_document()
    hostile = "<b>niet vet</b> &amp; <font size=40>x</font> \x00\x07 <br/> ]]> <![CDATA["
    data = render_pdf(
        ReferralDocument(
            **{
                **{f: getattr(doc, f) for f in doc.__dataclass_fields__},
                "reason": (hostile,),
                "site": (("Naam & <co>", "A > B"),),
            }
        )
    )
    text = _normal("\n".join(_pages_text(data)))
    assert "<b>niet vet</b> &amp; <font size=40>x</font>" in text
    assert "<br/> ]]> <![CDATA[" in text
    assert "Naam & <co>" in text
    assert "A > B" in text


def test_oversized_content_still_lays_out() -> None:
    """A note longer than a page, a 300-character word, a person with 60 lines and a very long
    document id: everything splits or shrinks, nothing overflows into an error."""
    doc = full_document()
    long_note = "Lange toelichting met woorden & tekens <x>. " * 60
    token = "X" * 300
    group = SignalGroup(
        "Groot",
        tuple(
            SignalLine(f"ID-{i}", token if i == 1 else f"label {i}", "wie", "bron", long_note)
            for i in range(4)
        ),
    )
    person = PersonBlock("Persoon Z", tuple((f"Regel {i}", f"waarde {i}") for i in range(60)))
    fields = {f: getattr(doc, f) for f in doc.__dataclass_fields__}
    big = ReferralDocument(
        **{
            **fields,
            "signals": (*doc.signals, group),
            "persons": (*doc.persons, person),
            "document_id": "VW-" + "9" * 150,
            "title": "Doorverwijzing " * 20,
        }
    )
    data = render_pdf(big)
    pages = _pages_text(data)
    assert len(pages) > 6
    for number, page in enumerate(pages, start=1):
        assert f"Pagina {number} van {len(pages)}" in _normal(page)
    text = "".join(pages)
    # The long notes run over page breaks (footers in between): count words, none lost or doubled.
    assert _squash(text).count("Langetoelichting") == 4 * 60
    assert token in _squash(text)
    assert "waarde 59" in _normal("".join(pages))


def test_english_document_uses_its_own_labels() -> None:
    doc = minimal_document()
    labels = {**LABELS_NL, "page": "Page", "of": "of", "confidential": "Confidential"}
    fields = {f: getattr(doc, f) for f in doc.__dataclass_fields__}
    data = render_pdf(ReferralDocument(**{**fields, "lang": "en", "labels": labels}))
    text = _normal(_pages_text(data)[0])
    assert "Page 1 of 1" in text
    assert "Confidential" in text
