"""``fieldapp self-check``: proves an installation (above all a frozen build) works end to end.

Headless and self-contained: it makes a throwaway encrypted vault in a fresh temporary folder,
records the README's sample visit, reads it back, assesses a person, checks the vault, backs it
up and restores it into a second folder, checks the bundled catalogue and translations, locks,
and removes everything it created, also when a step fails.

Extension point: :data:`STEPS` is the ordered list of steps. A later step (a referral PDF, a sync
bundle) is one function taking the :class:`Context` and returning an optional detail text, plus
one ``Step`` entry here and one ``selfcheck.step.<name>`` label in the translations. Steps run
in order and stop at the first failure, since later steps build on the state of earlier ones.

A step imports what it checks (the PDF, sync and coordinator libraries), inside the step: a
library missing from a build then fails that step, by name, instead of the whole command
before the first line is printed.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO

from fieldapp import i18n
from fieldapp.assessment import assess, assessment_to_json
from fieldapp.assessment.engine import Case, CaseObservation
from fieldapp.assessment.from_store import case_for_person
from fieldapp.assessment.render import assessment_to_text
from fieldapp.catalogue import Catalogue, available_versions, load_catalogue
from fieldapp.catalogue.loader import assessment_catalogue, catalogue_root, latest_version
from fieldapp.clock import utc_now
from fieldapp.domain import Role
from fieldapp.errors import FieldAppError, VaultLocked
from fieldapp.inputs import NewVisit
from fieldapp.localtime import local_today
from fieldapp.store.filters import Period
from fieldapp.store.store import Store
from fieldapp.vault import Vault, anchor
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from fieldapp.visit_json import parse_visit_json

EXIT_OK, EXIT_FAILED = 0, 1
TEMP_PREFIX = "fieldapp-selfcheck-"
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")

# The visit from the README (invented data; its start time is set when it is recorded). It goes
# through the same JSON reader as `fieldapp visit add`, so the check also exercises validation
# and pycountry's data files.
SAMPLE_VISIT: dict[str, Any] = {
    "site": {
        "name": "Kwekerij De Hoek",
        "trade_name": None,
        "address": {
            "street": "Middelweg",
            "number": "12",
            "postcode": "2675 AB",
            "place": "Honselersdijk",
        },
        "municipality": "Westland",
        "kvk": "12345678",
        "sector": "agriculture",
        "phones": ["+31 6 12345678"],
        "plates": ["XK-123-B"],
        "handles": [],
    },
    "visit": {
        "started_at": "2026-11-20T09:30:00+01:00",
        "ended_at": None,
        "type": "inspection",
        "agencies": ["NLA"],
        "notes": "Slaapplaatsen in de kas.",
    },
    "persons": [
        {
            "ref": "A",
            "label": "Werknemer A",
            "role": "possible_victim",
            "sex": "f",
            "age": 24,
            "minor": False,
            "nationality": "BG",
            "languages": ["bg"],
            "interpreter": False,
            "consent": "not_asked",
            "notes": "Lijkt bang.",
        }
    ],
    "observations": [
        {
            "person": "A",
            "indicator": "ILO-CD-01",
            "status": "observed",
            "evidence": "seen",
            "note": "Paspoort bij de werkgever.",
        },
        {
            "person": None,
            "indicator": "ILO-EX-02",
            "status": "observed",
            "evidence": "seen",
            "note": None,
        },
    ],
}
SEARCH_WORD = "kas"  # a word from the notes, found through the encrypted search index


class SelfCheckFailed(FieldAppError):
    """A step's own check did not hold; the key says which."""


@dataclass
class Context:
    """What the steps share. ``opened`` holds every vault a step opened, so the run can lock
    them all (closing their files) before it removes the temporary folder."""

    root: Path
    passphrase: str
    catalogue: Catalogue | None = None
    new_visit: NewVisit | None = None
    vault: Vault | None = None
    visit_uuid: str | None = None
    coordinator: Vault | None = None  # made by the sync step, with the sample imported
    opened: list[Vault] = field(default_factory=list)

    def open_vault(self) -> Vault:
        if self.vault is None or not self.vault.is_open:
            raise VaultLocked()
        return self.vault

    def recorded(self) -> tuple[NewVisit, str]:
        """The sample as put in and the id it was stored under (set by ``visit_record``)."""
        if self.new_visit is None or self.visit_uuid is None:
            raise SelfCheckFailed("selfcheck.problem.no_visit")
        return self.new_visit, self.visit_uuid


@dataclass(frozen=True)
class Step:
    name: str  # stable id, printed on failure; label: translation key selfcheck.step.<name>
    run: Callable[[Context], str | None]  # returns a detail for the report line, or None


# -- the steps ---------------------------------------------------------------------------


def check_catalogue(ctx: Context) -> str:
    """Every installed version loads and validates; the newest is read fresh from disk and
    must carry the same content hash as the one the other steps use."""
    versions = available_versions()
    if not versions:
        raise SelfCheckFailed("catalogue.problem.none_installed")
    for version in versions:
        load_catalogue(version)
    catalogue = load_catalogue()
    fresh = load_catalogue.__wrapped__(catalogue.version, catalogue_root())
    if not _SHA256_HEX.match(catalogue.content_hash) or fresh.content_hash != (
        catalogue.content_hash
    ):
        raise SelfCheckFailed("selfcheck.problem.catalogue_hash")
    if not catalogue.indicators:
        raise SelfCheckFailed("selfcheck.problem.catalogue_empty")
    ctx.catalogue = catalogue
    return i18n.tn(
        "selfcheck.detail.catalogue",
        len(catalogue.indicators),
        version=catalogue.version,
        hash=catalogue.content_hash[:12],
    )


def check_translations(ctx: Context) -> str:
    """Dutch and English hold the same keys and no empty text, read fresh from the files."""
    catalogues = {lang: i18n.catalogue.__wrapped__(lang) for lang in i18n.LANGUAGES}
    keys = set(catalogues[i18n.DEFAULT_LANGUAGE])
    for lang, texts in catalogues.items():
        differing = keys.symmetric_difference(texts)
        if differing:
            raise SelfCheckFailed(
                "selfcheck.problem.translation_keys",
                language=lang,
                count=len(differing),
                example=sorted(differing)[0],
            )
        empty = sorted(key for key, text in texts.items() if not str(text).strip())
        if empty:
            raise SelfCheckFailed(
                "selfcheck.problem.translation_empty", language=lang, example=empty[0]
            )
    return i18n.tn("selfcheck.detail.translations", len(keys), languages=" + ".join(catalogues))


def create_vault(ctx: Context) -> None:
    # FAST_FOR_TESTS (Argon2id t=1, 64 MiB, the floor the key-file format accepts) instead of the
    # production cost: this vault holds nothing but invented data, lives for about a second under
    # a random passphrase and is deleted afterwards, so there is nothing for a stronger KDF to
    # protect. The production parameters would only make the check slow (three unlocks below).
    ctx.vault = Vault.create(ctx.root / "vault", ctx.passphrase, Role.FIELD, FAST_FOR_TESTS)
    ctx.opened.append(ctx.vault)
    if not (ctx.root / "vault" / "vault.key").is_file():
        raise SelfCheckFailed("selfcheck.problem.vault_files")


def record_visit(ctx: Context) -> None:
    catalogue = ctx.catalogue or load_catalogue()
    document = copy.deepcopy(SAMPLE_VISIT)
    # An hour ago rather than the README's fixed date: visits dated more than a day ahead are
    # refused, and the check must pass whatever the machine's clock says.
    started = utc_now() - timedelta(hours=1)
    document["visit"]["started_at"] = started.isoformat(timespec="seconds")
    ctx.new_visit = parse_visit_json(json.dumps(document), catalogue)
    ctx.visit_uuid = Store(ctx.open_vault()).record_visit(ctx.new_visit, catalogue.version)


def read_back(ctx: Context) -> None:
    store = Store(ctx.open_vault())
    new, visit_uuid = ctx.recorded()
    detail = store.visit_detail(visit_uuid)
    expected = (
        new.site.name,
        new.site.kvk,
        new.visit.notes,
        [person.label for _, person in new.persons],
        sorted(o.indicator_id for o in new.observations),
    )
    actual = (
        detail.site.name,
        detail.site.kvk,
        detail.visit.notes,
        [person.label for person in detail.persons],
        sorted(o.indicator_id for o in detail.observations),
    )
    if actual != expected:
        raise SelfCheckFailed("selfcheck.problem.read_back")
    listed = [summary.uuid for summary in store.list_visits(10)]
    found = [summary.uuid for summary in store.search_visits(SEARCH_WORD, 10)]
    if listed != [visit_uuid] or found != [visit_uuid]:
        raise SelfCheckFailed("selfcheck.problem.list_search")


def assess_person(ctx: Context) -> str:
    """The case read from the vault must assess exactly like the case built from the input."""
    store = Store(ctx.open_vault())
    new, visit_uuid = ctx.recorded()
    case = case_for_person(store, visit_uuid, "A")
    catalogue = assessment_catalogue()
    result = assess(case, catalogue)
    ref, person = new.persons[0]
    expected = assess(
        Case(
            observations=tuple(
                CaseObservation(
                    o.indicator_id,
                    o.status,
                    o.evidence,
                    visit_level=o.person_ref is None,
                    past=o.past,
                )
                for o in new.observations
                if o.person_ref in (ref, None)
            ),
            age=person.age,
            minor=person.minor,
            nationality=person.nationality,
            reporter_agency=new.visit.agencies[0],
            consent=person.consent,
            b83_status=person.b83_status,
            role=person.role,
            sector=new.site.sector.value,
            suspected_forms=person.suspected_forms,
            professional_indication=person.professional_indication,
            age_band=person.age_band,
            observation_versions=(latest_version(),),
        ),
        catalogue,
    )
    as_json = assessment_to_json(result)
    json.dumps(as_json, ensure_ascii=False)  # serialisable, as `fieldapp assess` prints it
    if (
        as_json != assessment_to_json(expected)
        or result.catalogue_hash != catalogue.content_hash
        or not assessment_to_text(result).strip()
    ):
        raise SelfCheckFailed("selfcheck.problem.assessment")
    outcome = result.highest_outcome(catalogue.rules)
    # A Bulgarian greenhouse worker whose passport the employer holds, in poor housing: an
    # art. 273f indication for labour exploitation only; as an EU citizen, B8/3 is a note to
    # check, never a duty.
    if (
        tuple(result.forms) != ("labour",)
        or not result.trafficking_indication
        or result.b83_prompt is not None
        or result.b83_union_note is None
    ):
        raise SelfCheckFailed("selfcheck.problem.assessment")
    return i18n.t(
        "selfcheck.detail.assess", person=person.label, outcome=i18n.t(f"outcome.{outcome}")
    )


def check_vault(ctx: Context) -> None:
    report = ctx.open_vault().check()
    failed = [name for name, detail in report.results.items() if detail is not None]
    if failed:
        raise SelfCheckFailed("selfcheck.problem.vault_check", checks=", ".join(failed))


def backup_and_restore(ctx: Context) -> None:
    vault = ctx.open_vault()
    _, visit_uuid = ctx.recorded()
    backup_file = ctx.root / "backup.fieldapp-backup"
    vault.backup(backup_file)
    original = asdict(Store(vault).visit_detail(visit_uuid))
    restored = Vault.restore(backup_file, ctx.root / "restored", ctx.passphrase)
    ctx.opened.append(restored)
    try:
        store = Store(restored)
        same = (
            restored.info.vault_id == vault.info.vault_id
            and store.count_visits() == 1
            and asdict(store.visit_detail(visit_uuid)) == original
            and restored.check().ok
        )
    finally:
        restored.lock()
    if not same:
        raise SelfCheckFailed("selfcheck.problem.restore_differs")


def make_referral_pdf(ctx: Context) -> str:
    """A police referral rendered in memory, kept in the vault, exported with AES-256 (R=6),
    and opened again only with its password."""
    import pikepdf  # noqa: PLC0415 - a step imports what it checks

    from fieldapp.referral import make_referral  # noqa: PLC0415 - a step imports what it checks
    from fieldapp.referral.protect import export_pdf, generate_password  # noqa: PLC0415 - a step imports what it checks

    store = Store(ctx.open_vault())
    _, visit_uuid = ctx.recorded()
    # The sample records no consent yet: a draft, which goes through the same chain (render,
    # keep, encrypt) as a final referral.
    made = make_referral(store, visit_uuid, "police", person_ref="A", final=False)
    target = ctx.root / "referral.pdf"
    password = generate_password()
    export_pdf(made.pdf, target, password)
    try:
        pikepdf.open(target).close()
    except pikepdf.PasswordError:
        pass
    else:
        raise SelfCheckFailed("selfcheck.problem.referral")
    with pikepdf.open(target, password=password) as pdf:
        revision = pdf.encryption.R
        pages = len(pdf.pages)
    kept = store.attachment_content(made.referral.document_uuid or "")
    if revision != 6 or kept != made.pdf or not made.pdf.startswith(b"%PDF-") or pages < 1:
        raise SelfCheckFailed("selfcheck.problem.referral")
    return i18n.tn("selfcheck.detail.referral", pages, document_id=made.referral.document_id)


def sync_round_trip(ctx: Context) -> str:
    """Enrol this field vault with a throwaway coordinator, export a signed bundle, import it
    there, and import it again: the second import must change nothing."""
    from fieldapp.sync import cards, keys  # noqa: PLC0415 - a step imports what it checks
    from fieldapp.sync.export import export_bundle  # noqa: PLC0415 - a step imports what it checks
    from fieldapp.sync.import_ import import_file  # noqa: PLC0415 - a step imports what it checks

    field_vault = ctx.open_vault()
    coordinator = Vault.create(
        ctx.root / "coordinator", ctx.passphrase, Role.COORDINATOR, FAST_FOR_TESTS
    )
    ctx.opened.append(coordinator)
    ctx.coordinator = coordinator
    keys.create_coordinator_keys(coordinator, lambda _secret: None)
    card_raw, card = cards.make_card(coordinator)
    cards.trust_coordinator(field_vault, card_raw, card.fingerprint)
    request, device_fingerprint = cards.make_request(field_vault, "Self-check", "nla")
    ack, _ = cards.approve_request(coordinator, request, device_fingerprint)
    cards.accept_ack(field_vault, ack)
    folder = ctx.root / "usb"
    folder.mkdir()
    result = export_bundle(field_vault, folder)
    if result is None:
        raise SelfCheckFailed("selfcheck.problem.sync")
    first = import_file(coordinator, result.path)
    again = import_file(coordinator, result.path)
    new, visit_uuid = ctx.recorded()
    arrived = Store(coordinator).visit_detail(visit_uuid)
    if (
        first.status != "imported"
        or again.status != "duplicate"
        or arrived.site.name != new.site.name
    ):
        raise SelfCheckFailed("selfcheck.problem.sync")
    return i18n.tn("selfcheck.detail.sync", sum(result.counts.values()))


def coordinator_workspace(ctx: Context) -> str:
    """On the coordinator the sync step filled: outcomes, link keys, statistics with a chart
    (matplotlib), the XLSX and PDF reports, the k-anonymised CTDC rows and a retention dry run;
    the libraries a frozen build could miss all run once."""
    from fieldapp.assessment.outcomes import refresh_outcomes  # noqa: PLC0415 - a step imports what it checks
    from fieldapp.exports.ctdc import anonymise, collect_rows  # noqa: PLC0415 - a step imports what it checks
    from fieldapp.links import find_clusters, refresh_links  # noqa: PLC0415 - a step imports what it checks
    from fieldapp.retention.purge import plan_purge  # noqa: PLC0415 - a step imports what it checks
    from fieldapp.stats.charts import render_chart  # noqa: PLC0415 - a step imports what it checks
    from fieldapp.stats.compute import compute_stats  # noqa: PLC0415 - a step imports what it checks
    from fieldapp.stats.report_pdf import render_report_pdf  # noqa: PLC0415 - a step imports what it checks
    from fieldapp.stats.report_xlsx import render_report_xlsx  # noqa: PLC0415 - a step imports what it checks

    coordinator = ctx.coordinator
    if coordinator is None or not coordinator.is_open:
        raise VaultLocked()
    new, _ = ctx.recorded()
    assessed = refresh_outcomes(coordinator)
    refresh_links(coordinator)
    find_clusters(coordinator)
    report = compute_stats(coordinator, Period.parse("2000-01-01", local_today().isoformat()))
    png = render_chart("signals_by_month", report, "png")
    xlsx = render_report_xlsx(report)
    pdf = render_report_pdf(report)
    rows = collect_rows(coordinator, refresh=False)
    ctdc = anonymise(rows, 2)
    plan_purge(coordinator)
    if (
        assessed != 1
        or report.visits != 1
        or report.signals_total < 1
        or not png.startswith(b"\x89PNG")
        or not xlsx.startswith(b"PK")
        or not pdf.startswith(b"%PDF-")
        or ctdc.total != sum(1 for person in new.persons if person[1].role == "possible_victim")
    ):
        raise SelfCheckFailed("selfcheck.problem.workspace")
    signals = i18n.tn("selfcheck.detail.signals", report.signals_total)
    return i18n.tn("selfcheck.detail.workspace", ctdc.total, signals=signals)


def lock_vault(ctx: Context) -> None:
    """Lock zeroes the key and closes the database; the passphrase opens it again."""
    vault = ctx.open_vault()
    key = vault.key_buffer
    vault.lock()
    if vault.is_open or any(key):
        raise SelfCheckFailed("selfcheck.problem.lock")
    try:
        _ = vault.conn
    except VaultLocked:
        pass
    else:
        raise SelfCheckFailed("selfcheck.problem.lock")
    with Vault.unlock(ctx.root / "vault", ctx.passphrase) as reopened:
        ctx.opened.append(reopened)
        if Store(reopened).count_visits() != 1:
            raise SelfCheckFailed("selfcheck.problem.lock")


# Resources first (the vault steps need the catalogue), then the vault's life, lock last.
# Later issues insert their steps (referral PDF, sync bundle) before "lock".
STEPS: list[Step] = [
    Step("catalogue", check_catalogue),
    Step("translations", check_translations),
    Step("vault_create", create_vault),
    Step("visit_record", record_visit),
    Step("visit_read", read_back),
    Step("assess", assess_person),
    Step("vault_check", check_vault),
    Step("backup_restore", backup_and_restore),
    Step("referral", make_referral_pdf),
    Step("sync", sync_round_trip),
    Step("workspace", coordinator_workspace),
    Step("lock", lock_vault),
]


# -- running -----------------------------------------------------------------------------


def run_self_check(steps: Sequence[Step] | None = None, out: TextIO | None = None) -> int:
    """Run the steps (default: :data:`STEPS`), one line each, and clean up. 0 when all pass,
    1 with the failing step named."""
    out = out or sys.stdout
    steps = list(STEPS if steps is None else steps)
    started = time.perf_counter()
    print(i18n.t("selfcheck.start"), file=out, flush=True)
    failed: str | None = None
    ctx = Context(root=Path(tempfile.mkdtemp(prefix=TEMP_PREFIX)), passphrase=_passphrase())
    try:
        for step in steps:
            step_started = time.perf_counter()
            try:
                detail = step.run(ctx)
            except Exception as exc:
                _line(out, ok=False, step=step.name, detail=_failure_text(exc))
                failed = step.name
                break
            _line(out, ok=True, step=step.name, detail=detail, seconds=_since(step_started))
    finally:
        # Lock first: an open database or lock file cannot be removed on Windows.
        for vault in ctx.opened:
            with contextlib.suppress(Exception):
                vault.lock()
            # Throwaway vaults leave no rollback record in the user's data folder.
            anchor.forget(vault.folder, vault.info.vault_id)
        shutil.rmtree(ctx.root, ignore_errors=True)
    root = ctx.root
    if root.exists():
        _line(out, ok=False, step="cleanup", detail=str(root))
        failed = failed or "cleanup"
    else:
        _line(out, ok=True, step="cleanup", detail=None)
    if failed is not None:
        label = i18n.t(f"selfcheck.step.{failed}")
        print(i18n.t("selfcheck.failed", step=failed, label=label), file=sys.stderr)
        return EXIT_FAILED
    print(i18n.tn("selfcheck.passed", len(steps), seconds=_since(started)), file=out)
    return EXIT_OK


def _line(
    out: TextIO, *, ok: bool, step: str, detail: str | None, seconds: str | None = None
) -> None:
    status = i18n.t("selfcheck.ok" if ok else "selfcheck.fail")
    width = max(len(i18n.t("selfcheck.ok")), len(i18n.t("selfcheck.fail")))
    text = i18n.t(f"selfcheck.step.{step}")
    if detail:
        text += f": {detail}"
    if seconds is not None:
        text += f" ({seconds} s)"
    print(f"  {status:<{width}}  {text}", file=out, flush=True)


def _passphrase() -> str:
    """Random, used once, never shown or stored."""
    return secrets.token_urlsafe(24)


def _failure_text(exc: Exception) -> str:
    if isinstance(exc, FieldAppError):
        return exc.message()
    # Not a user-facing error: name it in full. The vault holds only the invented sample, so
    # the text carries no personal data, and "No module named ..." is exactly what a broken
    # frozen build needs to say.
    return i18n.t("selfcheck.problem.unexpected", kind=type(exc).__name__, detail=str(exc))


def _since(started: float) -> str:
    return f"{time.perf_counter() - started:.2f}"
