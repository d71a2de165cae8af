"""Referral PDFs: each recipient sees what its rules allow and nothing else; protection; storage."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from fieldapp.domain import ReferralStatus
from fieldapp.errors import FieldAppError
from fieldapp.referral import make_referral
from fieldapp.referral.protect import encrypt_pdf, export_pdf, generate_password
from fieldapp.referral.rules import RECIPIENTS, recipient_rules, role_fields
from fieldapp.store.store import Store
from fieldapp.visit_json import visit_from_dict
from tests.support.sample_visit import sample_visit

# One sentinel per field a recipient may or may not get: (kind, field) -> text in the vault.
SENTINELS = {
    ("site", "name"): "Qsitenamezq",
    ("site", "trade_name"): "Qtradenamezq",
    ("site", "address"): "Qstreetzq",
    ("site", "municipality"): "Qmunicipalityzq",
    ("site", "kvk"): "87654321",
    ("site", "phones"): "0612398745",
    ("site", "plates"): "QPLATEZQ",
    ("site", "handles"): "Qhandlezq",
    ("visit", "notes"): "Qvisitnoteszq",
    ("visit", "agencies"): "Qagencyzq",
    ("site", "intermediary"): "Qintermediaryzq",
    ("site", "housing"): "Qhousingzq",
    ("person", "label"): "Qlabelvictimzq",
    ("person", "initials"): "Q.Z.",
    ("person", "residence_status"): "Qresidencezq",
    ("person", "whereabouts"): "Qwhereaboutszq",
    ("person", "safe_contact"): "Qsafecontactzq",
    ("person", "safety"): "Qsafetyzq",
    ("person", "care_needs"): "Qcareneedszq",
    ("person", "notes"): "Qpersonnoteszq",
    ("signal", "note"): "Qsignalnotezq",
    ("sender", "inspector"): "Qinspectorzq",
    ("sender", "team"): "Qteamzq",
    ("sender", "employee_number"): "Qemployeezq",
    ("sender", "region"): "Qregionzq",
    ("sender", "contact"): "Qcontactzq",
}
EXPLOITER_LABEL = "Qlabelbosszq"
ATTACHMENT_NAME = "Qattachzq.pdf"


def sentinel_visit() -> dict:
    data = sample_visit()
    site = data["site"]
    site.update(
        name=SENTINELS["site", "name"],
        trade_name=SENTINELS["site", "trade_name"],
        municipality=SENTINELS["site", "municipality"],
        kvk=SENTINELS["site", "kvk"],
        phones=[SENTINELS["site", "phones"]],
        plates=[SENTINELS["site", "plates"]],
        handles=[SENTINELS["site", "handles"]],
    )
    site["address"]["street"] = SENTINELS["site", "address"]
    site["intermediary"] = {"name": SENTINELS["site", "intermediary"], "kvk": "61234567"}
    site["housing_address"] = {"street": SENTINELS["site", "housing"], "number": "3"}
    data["visit"].update(
        notes=SENTINELS["visit", "notes"], agencies=["NLA", SENTINELS["visit", "agencies"]]
    )
    victim = data["persons"][0]
    victim.update(
        label=SENTINELS["person", "label"],
        notes=SENTINELS["person", "notes"],
        residence_status=SENTINELS["person", "residence_status"],
        consent="given",
        initials=SENTINELS["person", "initials"],
        birth_date="2002-02-02",
        whereabouts=SENTINELS["person", "whereabouts"],
        safe_contact=SENTINELS["person", "safe_contact"],
        safety=SENTINELS["person", "safety"],
        care_needs=SENTINELS["person", "care_needs"],
    )
    data["persons"].append(
        {
            "ref": "X",
            "label": EXPLOITER_LABEL,
            "role": "possible_exploiter",
            "sex": "m",
            "age": 45,
            "nationality": "NL",
        }
    )
    data["observations"][0]["note"] = SENTINELS["signal", "note"]
    return data


@pytest.fixture
def visit_id(store: Store) -> str:
    visit_uuid = store.record_visit(visit_from_dict(sentinel_visit()))
    store.add_attachment("visit", visit_uuid, ATTACHMENT_NAME, "application/pdf", b"%PDF-1.4 x")
    store.set_setting(
        "profile",
        {
            "name": SENTINELS["sender", "inspector"],
            "team": SENTINELS["sender", "team"],
            "agency": "NLA",
            "employee_number": SENTINELS["sender", "employee_number"],
            "region": SENTINELS["sender", "region"],
            "contact": SENTINELS["sender", "contact"],
        },
    )
    return visit_uuid


def pdf_text(data: bytes, password: str | None = None) -> str:
    reader = PdfReader(io.BytesIO(data))
    if password is not None:
        reader.decrypt(password)
    return re.sub(r"\s+", "", " ".join(page.extract_text() for page in reader.pages))


def allowed(rules, kind: str, name: str) -> bool:
    return name in getattr(rules, kind)


@pytest.mark.parametrize("recipient", RECIPIENTS)
def test_each_recipient_sees_exactly_what_its_rules_allow(store, visit_id, recipient) -> None:
    rules = recipient_rules()[recipient]
    made = make_referral(store, visit_id, recipient, lang="nl")
    text = pdf_text(made.pdf)
    for (kind, name), sentinel in SENTINELS.items():
        expected = allowed(rules, kind, name)
        if kind == "person" and "possible_victim" not in rules.person_roles:
            expected = False
        if kind == "sender" and rules.sender_only_when_chosen:
            expected = False  # the anonymous registration names no sender unless chosen
        assert (sentinel in text) is expected, (recipient, kind, name)
    # A block with nothing the recipient may see is not printed: the RIEC gets only notes
    # about the boss, and none were recorded.
    seen = rules.person & role_fields()["possible_exploiter"] - {"label", "role", "notes"}
    assert (EXPLOITER_LABEL in text) is ("possible_exploiter" in rules.person_roles and bool(seen))
    assert (ATTACHMENT_NAME.replace(" ", "") in text) is rules.attachments
    assert made.document.document_id in text
    # The document text (not only the PDF) holds no excluded value either.
    everything = made.document.all_text()
    for (kind, name), sentinel in SENTINELS.items():
        if kind in ("site", "visit", "sender") and not allowed(rules, kind, name):
            assert sentinel not in everything, (recipient, kind, name)


def test_nationality_and_languages_are_named_for_the_reader(store, visit_id) -> None:
    """An AVIM officer reads "Bulgarije" and "Bulgaars", never "BG" and "bg"; in English
    "Bulgaria" and "Bulgarian"."""
    dutch = pdf_text(make_referral(store, visit_id, "police", lang="nl").pdf)
    assert "Bulgarije" in dutch and "Bulgaars" in dutch
    assert "BG" not in dutch
    english = pdf_text(make_referral(store, visit_id, "police", lang="en").pdf)
    assert "Bulgaria" in english and "Bulgarian" in english
    assert "BG" not in english


def test_anonymous_signal_has_no_personal_data(store, visit_id) -> None:
    made = make_referral(store, visit_id, "anonymous", lang="en")
    text = pdf_text(made.pdf)
    for sentinel in (*SENTINELS.values(), EXPLOITER_LABEL):
        if sentinel == SENTINELS["site", "municipality"]:
            continue
        assert sentinel not in text
    assert "Anonymous" in text


def test_comensha_needs_a_mandatory_reporter_or_consent(store, visit_id) -> None:
    make_referral(store, visit_id, "comensha")  # profile agency NLA: mandatory reporter
    store.set_setting("profile", {"name": "x", "agency": "Gemeente", "contact": "06"})
    make_referral(store, visit_id, "comensha")  # the victim gave consent
    person = next(p for p in store.persons(visit_id) if p.role.value == "possible_victim")
    with store.conn:
        store.conn.execute(
            "UPDATE persons SET consent = 'refused' WHERE uuid = ?", (person.meta.uuid,)
        )
    with pytest.raises(FieldAppError) as caught:
        make_referral(store, visit_id, "comensha")
    assert "anonymous" in caught.value.message("en")
    with pytest.raises(FieldAppError):
        make_referral(store, visit_id, "zorgcoordinator")
    make_referral(store, visit_id, "anonymous")


def test_a_final_referral_never_changes_and_a_new_one_is_a_new_version(store, visit_id):
    first = make_referral(store, visit_id, "police")
    second = make_referral(store, visit_id, "police")
    assert first.referral.version == 1
    assert second.referral.version == 2
    assert second.referral.supersedes == first.referral.meta.uuid
    assert second.document.version == 2
    assert store.attachment_content(first.referral.document_uuid) == first.pdf
    assert first.referral.status is ReferralStatus.FINAL
    with pytest.raises(Exception, match="cannot be changed"), store.conn:
        store.conn.execute(
            "UPDATE attachments SET content = x'00' WHERE uuid = ?",
            (first.referral.document_uuid,),
        )
    with pytest.raises(Exception, match="cannot be changed"), store.conn:
        store.conn.execute(
            "UPDATE referrals SET content_hash = 'x' WHERE uuid = ?",
            (first.referral.meta.uuid,),
        )
    store.set_referral_status(first.referral.meta.uuid, ReferralStatus.QUEUED)
    assert store.referral(first.referral.meta.uuid).status is ReferralStatus.QUEUED
    assert [r.version for r in store.referrals(visit_id)] == [2, 1]


def test_encrypted_export_is_aes256_r6_and_opens_only_with_the_password(
    store, visit_id, tmp_path: Path
) -> None:
    made = make_referral(store, visit_id, "police")
    password = generate_password()
    assert len(password.replace("-", "")) * 5 >= 80
    target = tmp_path / "out" / "referral.pdf"
    target.parent.mkdir()
    export_pdf(made.pdf, target, password)
    assert [p.name for p in target.parent.iterdir()] == ["referral.pdf"]
    raw = target.read_bytes()
    for sentinel in SENTINELS.values():
        assert sentinel.encode() not in raw
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(target)
    with pikepdf.open(target, password=password) as pdf:
        assert pdf.encryption.R == 6
        assert pdf.is_encrypted
    assert SENTINELS["site", "name"] in pdf_text(raw, password)
    if shutil.which("qpdf"):
        shown = subprocess.run(
            ["qpdf", f"--password={password}", "--show-encryption", str(target)],
            capture_output=True,
            text=True,
            check=True,
        )
        assert "R = 6" in shown.stdout
        assert "AESv3" in shown.stdout
        subprocess.run(
            ["qpdf", f"--password={password}", "--check", str(target)],
            check=True,
            capture_output=True,
        )


def test_fonts_are_embedded(store, visit_id, tmp_path: Path) -> None:
    if not shutil.which("pdffonts"):
        pytest.skip("pdffonts (poppler-utils) not installed")
    made = make_referral(store, visit_id, "police")
    path = tmp_path / "plain.pdf"
    path.write_bytes(made.pdf)
    lines = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert lines
    assert all(" yes " in line and "DejaVu" in line for line in lines), lines


def files_under(roots: list[Path]) -> set[Path]:
    """Every file below ``roots``; what vanishes or cannot be read while it is listed is
    skipped (os.walk ignores errors), so a folder removed meanwhile cannot fail the scan."""
    return {
        Path(folder, name)
        for root in roots
        for folder, _subfolders, names in os.walk(root, onerror=lambda _error: None)
        for name in names
    }


def starts_like_pdf(path: Path) -> bool:
    with contextlib.suppress(OSError), open(path, "rb") as handle:
        return handle.read(5) == b"%PDF-"
    return False


def test_no_unencrypted_pdf_touches_the_disk_while_making(
    store, visit_id, vault_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Making and encrypting a referral writes no PDF file. Watched: a private TMPDIR, HOME and
    working folder that this test gives the process, and the vault folder; never the shared
    /tmp, whose other users create and remove files at any time."""
    private = {name: tmp_path / f"private-{name}" for name in ("tmp", "home", "work")}
    for folder in private.values():
        folder.mkdir()
    for name in ("TMPDIR", "TEMP", "TMP"):
        monkeypatch.setenv(name, str(private["tmp"]))
    monkeypatch.setattr(tempfile, "tempdir", str(private["tmp"]))
    monkeypatch.setenv("HOME", str(private["home"]))
    for name in ("DATA", "CONFIG", "CACHE", "STATE"):
        monkeypatch.setenv(f"XDG_{name}_HOME", str(private["home"] / name.lower()))
    monkeypatch.chdir(private["work"])  # SQLite's last resort for temporary files is "."
    watched = [*private.values(), vault_dir]

    before = files_under(watched)
    made = make_referral(store, visit_id, "police")
    encrypt_pdf(made.pdf, generate_password())
    new = files_under(watched) - before
    assert not [path for path in new if path.suffix == ".pdf" or starts_like_pdf(path)]

    # The probe sees what tempfile writes, so the watch is not blind.
    with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as probe:
        probe.write(made.pdf)
    assert Path(probe.name) in files_under(watched) - before
    assert starts_like_pdf(Path(probe.name))
