"""`referral make --out` checks everything it can before a referral is made and stored (target,
password, room on the stick); when writing fails after all, it says plainly that the referral is
in the vault and the file was not written. The anonymous signal carries no time of day."""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections import namedtuple
from datetime import datetime
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from fieldapp import atomic
from fieldapp.clock import fixed_clock
from fieldapp.domain import Role
from fieldapp.localtime import LOCAL_ZONE, local_now
from fieldapp.referral import make_referral
from fieldapp.referral.build import build_referral
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from fieldapp.visit_json import visit_from_dict
from tests.support import PASSPHRASE, ROOT, run_cli
from tests.support.sample_visit import sample_visit

STRONG_PASSWORD = "zeilboot lantaarn ochtend"
# The police call the inspector back: a final referral to them needs the number.
PROFILE = {"name": "Inspecteur", "agency": "NLA", "contact": "+31 6 1234 5678"}


@pytest.fixture
def field_vault(vault_dir: Path) -> tuple[list[str], str]:
    with Vault.create(vault_dir, PASSPHRASE, Role.FIELD, FAST_FOR_TESTS) as vault:
        store = Store(vault)
        data = sample_visit()
        data["persons"][0]["consent"] = "given"  # complete: a final referral can be made
        visit_uuid = store.record_visit(visit_from_dict(data))
        store.set_setting("profile", PROFILE)
    return ["--vault", str(vault_dir)], visit_uuid


ENV = {"FIELDAPP_PASSPHRASE": PASSPHRASE}


def _stored(opts: list[str]) -> list[dict]:
    result = run_cli("referral", "list", "--json", *opts, env=ENV)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _password_file(folder: Path, text: str) -> Path:
    path = folder / f"pdf-password-{len(list(folder.glob('pdf-password-*')))}.txt"
    path.write_text(text + "\n", encoding="utf-8")
    return path


def test_refused_targets_and_passwords_store_nothing(field_vault, tmp_path: Path) -> None:
    opts, visit = field_vault
    make = ("referral", "make", "--visit", visit, "--to", "police")
    existing = tmp_path / "bestaat.pdf"
    existing.write_bytes(b"keep")
    cases = [
        (("--out", str(existing)), "bestaat al"),
        (("--out", str(tmp_path / "geen-map" / "x.pdf")), "map"),
        (("--out", str(tmp_path)), "map"),  # a folder, not a file name
        (
            (
                "--out",
                str(tmp_path / "a.pdf"),
                "--password-file",
                str(_password_file(tmp_path, "aaaaaaaaaaaa")),
            ),
            "te makkelijk te raden",
        ),
        (
            (
                "--out",
                str(tmp_path / "b.pdf"),
                "--password-file",
                str(_password_file(tmp_path, "kort")),
            ),
            "te kort",
        ),
        (
            ("--out", str(tmp_path / "c.pdf"), "--password-file", str(tmp_path / "nope.txt")),
            "--password-file",
        ),
    ]
    for extra, fragment in cases:
        result = run_cli(*make, *extra, *opts, env=ENV)
        assert result.returncode == 1, (extra, result.stdout, result.stderr)
        assert fragment in result.stderr, (extra, result.stderr)
        assert "Traceback" not in result.stderr
    assert _stored(opts) == []
    assert existing.read_bytes() == b"keep"
    assert [p.name for p in tmp_path.iterdir() if p.suffix in (".pdf", ".tmp")] == ["bestaat.pdf"]


def test_a_password_without_a_file_is_a_usage_error(field_vault, tmp_path: Path) -> None:
    opts, visit = field_vault
    password = _password_file(tmp_path, STRONG_PASSWORD)
    result = run_cli(
        "referral",
        "make",
        "--visit",
        visit,
        "--to",
        "police",
        "--password-file",
        str(password),
        *opts,
        env=ENV,
    )
    assert result.returncode == 2
    assert _stored(opts) == []


def test_a_good_password_file_is_used(field_vault, tmp_path: Path) -> None:
    opts, visit = field_vault
    target = tmp_path / "verwijzing.pdf"
    password = _password_file(tmp_path, STRONG_PASSWORD)
    result = run_cli(
        "referral",
        "make",
        "--visit",
        visit,
        "--to",
        "police",
        "--out",
        str(target),
        "--password-file",
        str(password),
        *opts,
        env=ENV,
    )
    assert result.returncode == 0, result.stderr
    assert len(_stored(opts)) == 1
    with pikepdf.open(target, password=STRONG_PASSWORD) as pdf:
        assert pdf.is_encrypted
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(target)
    refused = run_cli(
        "referral",
        "export",
        _stored(opts)[0]["document_id"],
        "--out",
        str(tmp_path / "x.pdf"),
        "--password-file",
        str(_password_file(tmp_path, "P@ssw0rd1234")),
        *opts,
        env=ENV,
    )
    assert refused.returncode == 1 and "te makkelijk te raden" in refused.stderr
    assert not (tmp_path / "x.pdf").exists()


# -- a full stick ------------------------------------------------------------------------------


def _main(*args: str) -> int:
    from fieldapp.cli import main

    return main(list(args))


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the command line in this process: no process hardening for the test runner, and
    the passphrase from the environment."""
    monkeypatch.setattr("fieldapp.hygiene.harden_process", lambda: None)
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", PASSPHRASE)


def _count(vault_dir: Path) -> int:
    with Vault.unlock(vault_dir, PASSPHRASE) as vault:
        return len(Store(vault).referrals())


def test_no_room_on_the_stick_is_found_before_anything_is_stored(
    field_vault, tmp_path: Path, in_process, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    opts, visit = field_vault
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: usage(10_000, 9_000, 1_000))
    code = _main(
        "referral",
        "make",
        "--visit",
        visit,
        "--to",
        "police",
        "--out",
        str(tmp_path / "x.pdf"),
        *opts,
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "ruimte" in err and "niets" in err.lower()
    assert _count(Path(opts[1])) == 0
    assert not (tmp_path / "x.pdf").exists()


def test_a_write_that_fails_after_storing_says_where_the_referral_is(
    field_vault, tmp_path: Path, in_process, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    opts, visit = field_vault
    real_writer = atomic.atomic_writer

    @contextlib.contextmanager
    def full_stick(target: Path, mode: int = 0o600):
        if Path(target).suffix != ".pdf":
            with real_writer(target, mode) as handle:
                yield handle
            return
        raise OSError(errno.ENOSPC, "No space left on device", str(target))
        yield  # pragma: no cover

    monkeypatch.setattr(atomic, "atomic_writer", full_stick)
    target = tmp_path / "x.pdf"
    code = _main(
        "referral", "make", "--visit", visit, "--to", "police", "--out", str(target), *opts
    )
    captured = capsys.readouterr()
    assert code == 1
    stored = _count(Path(opts[1]))
    assert stored == 1
    assert "in de kluis" in captured.err and "niet geschreven" in captured.err
    assert "No space left on device" in captured.err
    assert "referral export" in captured.err
    assert "FA-" in captured.err  # the document id, to export it again
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p.suffix in (".pdf", ".tmp")] == []


def test_a_real_full_file_system_refuses_before_storing(field_vault, tmp_path: Path) -> None:
    """A 16 KiB tmpfs in a user namespace stands in for a full USB stick."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not available")
    probe = subprocess.run(["unshare", "-Urm", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("user namespaces are not available")
    opts, visit = field_vault
    stick = tmp_path / "stick"
    stick.mkdir()
    command = [
        sys.executable,
        "-m",
        "fieldapp.cli",
        "referral",
        "make",
        "--visit",
        visit,
        "--to",
        "police",
        "--out",
        str(stick / "x.pdf"),
        *opts,
    ]
    script = f'mount -t tmpfs -o size=16k tmpfs "{stick}" && exec "$@"'
    result = subprocess.run(
        ["unshare", "-Urm", "sh", "-c", script, "sh", *command],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **ENV, "FIELDAPP_LANG": "nl"},
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "ruimte" in result.stderr
    assert _stored(opts) == []


# -- the anonymous signal carries no time of day ---------------------------------------------

MOMENT = datetime(2026, 11, 28, 10, 42, tzinfo=LOCAL_ZONE)


def _visit(store: Store) -> str:
    data = sample_visit()
    data["persons"][0]["consent"] = "given"  # complete: a final police referral can be made
    store.set_setting("profile", PROFILE)
    return store.record_visit(visit_from_dict(data))


def test_the_anonymous_document_shows_the_month_only(store: Store) -> None:
    visit = _visit(store)
    with fixed_clock(MOMENT):
        anonymous, _, _ = build_referral(store, visit, "anonymous")
        police, _, _ = build_referral(store, visit, "police")
    assert anonymous.created == "11-2026"
    assert police.created == "28-11-2026 10:42"


def test_the_anonymous_pdf_metadata_holds_no_day_or_time(store: Store) -> None:
    visit = _visit(store)
    anonymous = make_referral(store, visit, "anonymous")
    stamp = PdfReader(io.BytesIO(anonymous.pdf)).metadata["/CreationDate"]
    assert stamp == "D:" + local_now().strftime("%Y%m")
    assert PdfReader(io.BytesIO(anonymous.pdf)).metadata.get("/ModDate") in (None, stamp)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(anonymous.pdf)).pages)
    assert re.search(r"\d{1,2}:\d{2}", text) is None  # no clock time anywhere
    assert local_now().strftime("%d-%m-%Y") not in text
    police = make_referral(store, visit, "police")
    full = PdfReader(io.BytesIO(police.pdf)).metadata["/CreationDate"]
    assert len(full) > len(stamp)


# -- the options of issue 15: --reason, --vital-interest, --name-reporter ----------------------


@pytest.fixture
def shelter_vault(vault_dir: Path) -> tuple[list[str], str]:
    """A possible victim whose consent could not be asked and who needs shelter tonight."""
    with Vault.create(vault_dir, PASSPHRASE, Role.FIELD, FAST_FOR_TESTS) as vault:
        store = Store(vault)
        data = sample_visit()
        data["persons"][0].update(
            consent="not_asked", whereabouts="Hotel aan de A4", care_needs="Opvang vannacht"
        )
        visit_uuid = store.record_visit(visit_from_dict(data))
        store.set_setting("profile", PROFILE)
    return ["--vault", str(vault_dir)], visit_uuid


def test_an_option_for_another_recipient_is_a_usage_error(field_vault) -> None:
    """Refused before the vault is opened, naming the recipient it belongs to; the value typed
    is never repeated."""
    opts, visit = field_vault
    make = ("referral", "make", "--visit", visit)
    for extra, fragment in (
        (("--to", "police", "--vital-interest", "Qtypedzq"), "Zorgcoördinator mensenhandel"),
        (("--to", "comensha", "--name-reporter"), "anonieme registratie"),
    ):
        result = run_cli(*make, *extra, *opts, env=ENV)
        assert result.returncode == 2, (extra, result.stderr)
        assert fragment in result.stderr
        assert "Qtypedzq" not in result.stderr + result.stdout
        assert "Traceback" not in result.stderr
    assert _stored(opts) == []


def test_the_reason_and_the_named_reporter_reach_the_document(field_vault, tmp_path: Path) -> None:
    opts, visit = field_vault
    target = tmp_path / "politie.pdf"
    reason = "Werknemer A durft vanavond niet terug."
    result = run_cli(
        "referral", "make", "--visit", visit, "--to", "police", "--reason", reason,
        "--out", str(target), "--no-encrypt", *opts, env=ENV,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(target).pages).split())
    assert f"Toelichting van de inspecteur {reason}" in text
    anonymous = tmp_path / "anoniem.pdf"
    for extra, named in (((), False), (("--name-reporter",), True)):
        anonymous.unlink(missing_ok=True)
        result = run_cli(
            "referral", "make", "--visit", visit, "--to", "anonymous", *extra,
            "--out", str(anonymous), "--no-encrypt", *opts, env=ENV,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        text = " ".join(p.extract_text() for p in PdfReader(anonymous).pages)
        assert ("Nederlandse Arbeidsinspectie" in text) is named


def test_shelter_tonight_goes_final_on_the_vital_interest(shelter_vault, tmp_path: Path) -> None:
    opts, visit = shelter_vault
    make = ("referral", "make", "--visit", visit, "--to", "zorgcoordinator", *opts)
    refused = run_cli(*make, env=ENV)
    assert refused.returncode == 1
    assert "--vital-interest" in refused.stderr  # the way out, named
    assert "Traceback" not in refused.stderr
    blank = run_cli(*make, "--vital-interest", "   ", env=ENV)
    assert blank.returncode == 1 and "--vital-interest" in blank.stderr
    target = tmp_path / "zorg.pdf"
    reason = "Zij kan vannacht nergens veilig slapen."
    made = run_cli(
        *make, "--vital-interest", reason, "--json", "--out", str(target), "--no-encrypt", env=ENV
    )
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["status"] == "final"
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(target).pages).split())
    assert f"vitaal belang van betrokkene (AVG art. 6 lid 1 sub d): {reason}" in text
