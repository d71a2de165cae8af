"""A coordinator vault holding crafted data from several field devices and agencies, as the
coordinator's workspace sees it after sync imports: visits, persons, observations, referrals
(with versions and a draft), and engine outcomes per person."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from fieldapp.catalogue import FORMS, load_catalogue
from fieldapp.demo import demo_visits
from fieldapp.domain import ReferralStatus
from fieldapp.store import outcomes_store
from fieldapp.store.store import Store
from fieldapp.sync import cards
from fieldapp.sync.export import export_bundle
from fieldapp.sync.import_ import import_file
from fieldapp.vault import Vault
from tests.support.sync import Coordinator, make_coordinator, make_field

DEVICES = (("Inspecteur Jansen", "NLA"), ("Agent de Vries", "Politie"), ("Handhaver Bakker", "nla"))
VISITS_PER_DEVICE = 8
# Per device, (visit index, recipient, days before the import the referral was made).
REFERRALS = (
    (0, "police", 40),
    (1, "comensha", 3),
    (2, "riec", 50),
    (3, "anonymous", 90),
    (4, "zorgcoordinator", 10),
)


@dataclass
class Workspace:
    coordinator: Coordinator
    device_ids: list[str] = field(default_factory=list)
    visits_by_device: dict[str, list[str]] = field(default_factory=dict)

    @property
    def vault(self) -> Vault:
        return self.coordinator.vault


def fake_pdf(text: str) -> bytes:
    return b"%PDF-1.7\n% " + text.encode() + b"\n%%EOF\n"


def _add_referral(store: Store, visit_uuid: str, recipient: str, tag: str) -> str:
    document = fake_pdf(tag)
    person = store.visit_detail(visit_uuid).persons[:1]
    referral = store.add_referral(
        visit_uuid,
        tuple(p.meta.uuid for p in person),
        recipient,
        document=document,
        document_id=f"FA-{hashlib.sha256(tag.encode()).hexdigest()[:10].upper()}",
        content_hash=hashlib.sha256(document).hexdigest(),
        lang="nl",
        urgency="normal",
    )
    return referral.meta.uuid


def _backdate(field_vault: Vault, referral_uuid: str, days: int) -> None:
    """Crafted data: the referral was made ``days`` ago (before it was exported)."""
    field_vault.conn.execute(
        "UPDATE referrals SET created_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?) WHERE uuid = ?",
        (f"-{days} days", referral_uuid),
    )


def build_workspace(folder: Path) -> Workspace:
    """Three enrolled devices (two agencies, one written in two ways), each with demo visits
    and referrals, exported and imported; then outcomes for every person."""
    workspace = Workspace(make_coordinator(folder / "coordinator"))
    for number, (inspector, agency) in enumerate(DEVICES):
        field_vault = make_field(folder / f"field-{number}")
        try:
            coordinator = workspace.coordinator
            cards.trust_coordinator(field_vault, coordinator.card_raw, coordinator.card.fingerprint)
            request, fingerprint = cards.make_request(field_vault, inspector, agency)
            ack, _ = cards.approve_request(coordinator.vault, request, fingerprint)
            cards.accept_ack(field_vault, ack)
            store = Store(field_vault)
            visit_ids = store.record_visits(demo_visits(VISITS_PER_DEVICE, seed=300 + number))
            for index, recipient, days in REFERRALS:
                made = _add_referral(store, visit_ids[index], recipient, f"{number}-{index}")
                _backdate(field_vault, made, days)
            # A second version of the first referral (the newest stands for it) and a draft.
            newer = _add_referral(store, visit_ids[0], "police", f"{number}-0-v2")
            _backdate(field_vault, newer, 20)
            draft = store.add_referral(
                visit_ids[5],
                (),
                "nla",
                document=fake_pdf("draft"),
                document_id=f"FA-DRAFT{number}",
                content_hash=hashlib.sha256(fake_pdf("draft")).hexdigest(),
                lang="nl",
                urgency="normal",
                status=ReferralStatus.DRAFT,
            )
            assert draft.status is ReferralStatus.DRAFT
            stick = folder / f"stick-{number}"
            stick.mkdir()
            exported = export_bundle(field_vault, stick)
            assert exported is not None
            report = import_file(coordinator.vault, exported.path)
            assert report.status == "imported", report.rejection
            workspace.device_ids.append(field_vault.info.device_id)
            workspace.visits_by_device[field_vault.info.device_id] = visit_ids
        finally:
            field_vault.lock()
    insert_outcomes(workspace.vault)
    return workspace


def insert_outcomes(vault: Vault) -> None:
    """Outcome rows as the engine's refresh would leave them, in a fixed pattern: person i
    gets form FORMS[i % 4] with outcome i % 5, and every third person also a labour row."""
    order = load_catalogue().rules.outcome_order
    persons = vault.conn.execute(
        "SELECT uuid, visit_uuid FROM persons WHERE deleted = 0 ORDER BY uuid"
    ).fetchall()
    by_visit: dict[str, list[outcomes_store.OutcomeRow]] = {}
    for index, (person, visit) in enumerate(persons):
        forms = {FORMS[index % 4]}
        if index % 3 == 0:
            forms.add("labour")
        rows = by_visit.setdefault(visit, [])
        for position, form in enumerate(sorted(forms)):
            rank = (index + position) % len(order)
            rows.append((person, form, order[rank], rank, 0, "2026.2", "2026-01-01T00:00:00Z", 0))
    outcomes_store.replace_outcomes(vault.conn, by_visit)
