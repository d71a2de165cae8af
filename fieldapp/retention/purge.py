"""The purge: what the retention policy says is due, shown first (a dry run writes nothing),
then erased for real in one transaction.

Erasing removes rows, never leaves tombstones: a visit with its persons, observations,
attachments (with their content), referrals (with their PDFs and follow-up), their search-index
rows, outcomes, link keys, the coordinator's notes and the sync-conflict copies; its site when
no other visit uses it. A deletion-log row per rule and kind of record counts what went, and
one audit entry says a purge ran; neither holds anything that was erased. After the commit the
WAL is checkpointed and emptied, so no earlier page version holding erased text stays in it.

On a field device the purge erases only what a bundle already carried to the coordinator: a
visit with any record changed since the last exported bundle stays, whatever its age. A
referral whose follow-up is still open keeps its visit, except on a field device once the
coordinator confirmed holding all of it (a reply, issue 16): such a visit goes after the field
retention (rule ``field_arrived``), whatever its own rule says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from fieldapp.clock import now_iso, utc_now
from fieldapp.domain import Role
from fieldapp.retention.policy import RULES, RetentionPolicy, load_policy
from fieldapp.store.reply_store import ReplyStore
from fieldapp.store.retention_store import KINDS, Candidate, RetentionStore
from fieldapp.vault.vault import VaultLike

Counts = dict[tuple[str, str], int]


@dataclass(frozen=True, slots=True)
class PurgePlan:
    """What a purge on ``today`` would erase, per rule and kind; nothing is written to make
    it. ``visits`` and ``sites`` are kept in memory only, so running the plan never erases
    more than was shown."""

    today: date
    policy: RetentionPolicy
    field_device: bool
    visits: Mapping[str, tuple[str, ...]]
    sites: Mapping[str, tuple[str, ...]]
    counts: Mapping[tuple[str, str], int]
    held_open_followup: int = 0
    held_unexported: int = 0

    @property
    def empty(self) -> bool:
        return not any(self.counts.values())

    def total(self, kind: str) -> int:
        return sum(count for (_, counted), count in self.counts.items() if counted == kind)

    def rows(self) -> list[tuple[str, str, int]]:
        """(rule, kind, count) of everything due, in rule and kind order."""
        return [
            (rule, kind, self.counts[(rule, kind)])
            for rule in RULES
            for kind in KINDS
            if self.counts.get((rule, kind))
        ]


@dataclass(frozen=True, slots=True)
class PurgeResult:
    at: str
    today: date
    counts: Mapping[tuple[str, str], int] = field(default_factory=dict)

    def total(self, kind: str) -> int:
        return sum(count for (_, counted), count in self.counts.items() if counted == kind)

    def rows(self) -> list[tuple[str, str, int]]:
        return [
            (rule, kind, self.counts[(rule, kind)])
            for rule in RULES
            for kind in KINDS
            if self.counts.get((rule, kind))
        ]


def today_utc() -> date:
    return utc_now().date()


def _due(
    vault: VaultLike, policy: RetentionPolicy, today: date, *, only_arrived: bool = False
) -> tuple[list[Candidate], int, int]:
    """The visits due now, and how many past their period are held (open follow-up, not yet
    exported). ``only_arrived``: just what the field rule erases (the other rules are not
    classified at all)."""
    field_device = vault.info.role == Role.FIELD
    candidates = RetentionStore(vault).candidates(
        policy.cutoffs(today), field=field_device, only_arrived=only_arrived
    )
    due = [candidate for candidate in candidates if not candidate.held]
    held_open = sum(1 for c in candidates if c.held_open_followup)
    held_unexported = sum(1 for c in candidates if c.held_unexported and not c.held_open_followup)
    return due, held_open, held_unexported


def _orphaned_sites(store: RetentionStore, due: list[Candidate]) -> dict[str, list[str]]:
    """Per rule, the sites that lose their last visit: a site shared by visits of two rules
    goes with the later rule (the order in which the purge erases)."""
    rule_of = {candidate.visit_uuid: candidate.rule for candidate in due}
    sites = sorted({candidate.site_uuid for candidate in due})
    visits_at: dict[str, list[str]] = {site: [] for site in sites}
    for site_uuid, visit_uuid in store.site_usage(sites):
        visits_at[site_uuid].append(visit_uuid)
    by_rule: dict[str, list[str]] = {rule: [] for rule in RULES}
    for site_uuid, visit_uuids in visits_at.items():
        if visit_uuids and all(visit in rule_of for visit in visit_uuids):
            last = max((rule_of[visit] for visit in visit_uuids), key=RULES.index)
            by_rule[last].append(site_uuid)
    return by_rule


def plan_purge(vault: VaultLike, today: date | None = None) -> PurgePlan:
    """The dry run: counts per rule and kind of what a purge would erase; writes nothing."""
    today = today or today_utc()
    policy = load_policy(vault)
    store = RetentionStore(vault)
    due, held_open, held_unexported = _due(vault, policy, today)
    visits = {rule: tuple(c.visit_uuid for c in due if c.rule == rule) for rule in RULES}
    sites = {rule: tuple(found) for rule, found in _orphaned_sites(store, due).items()}
    counts: Counts = {}
    for rule in RULES:
        tree = store.count_tree(visits[rule])
        site_counts = store.count_sites(sites[rule])
        for kind in KINDS:
            counts[(rule, kind)] = tree[kind] + site_counts[kind]
    return PurgePlan(
        today=today,
        policy=policy,
        field_device=vault.info.role == Role.FIELD,
        visits=visits,
        sites=sites,
        counts=counts,
        held_open_followup=held_open,
        held_unexported=held_unexported,
    )


def forget_arrived(vault: VaultLike, today: date | None = None) -> PurgeResult:
    """Field device: erase what the coordinator confirmed holding and is past the field
    retention, and nothing else (the other rules wait for a purge the user runs). Runs after
    a reply is imported and when the vault is opened, so a laptop never holds more than the
    organisation set."""
    today = today or today_utc()
    cutoff = load_policy(vault).cutoff("field_arrived", today).isoformat()
    # An arrival is as old as the reply that recorded it: with no reply imported before the
    # cutoff nothing can be due (0.2 ms, instead of the whole plan at every opening).
    if vault.info.role != Role.FIELD or not ReplyStore(vault).replied_before(cutoff):
        return PurgeResult(at=now_iso(), today=today)  # nothing written
    ReplyStore(vault).expire_known_sites(cutoff)
    return run_purge(vault, today, rules=("field_arrived",))


def run_purge(
    vault: VaultLike,
    plan_or_today: PurgePlan | date | None = None,
    *,
    rules: tuple[str, ...] = RULES,
) -> PurgeResult:
    """Erase what is due, in one transaction. Given a plan (what the user saw and confirmed),
    only visits in that plan that are still due now are erased; given a date (or nothing:
    today), everything due then (under ``rules``)."""
    plan = plan_or_today if isinstance(plan_or_today, PurgePlan) else None
    today = plan.today if plan else (plan_or_today or today_utc())
    assert isinstance(today, date)
    store = RetentionStore(vault)
    counts: Counts = {(rule, kind): 0 for rule in RULES for kind in KINDS}
    with store.begin():
        # The policy as it is now: a period lengthened since the preview keeps its records.
        due, _, _ = _due(vault, load_policy(vault), today, only_arrived=rules == ("field_arrived",))
        if plan is not None:
            confirmed = {visit for rule in RULES for visit in plan.visits[rule]}
            due = [candidate for candidate in due if candidate.visit_uuid in confirmed]
        due = [candidate for candidate in due if candidate.rule in rules]
        touched: set[str] = set()
        for rule in RULES:
            in_rule = [candidate for candidate in due if candidate.rule == rule]
            erased = store.erase_visits([candidate.visit_uuid for candidate in in_rule])
            touched.update(candidate.site_uuid for candidate in in_rule)
            site_counts, removed = store.erase_orphan_sites(sorted(touched))
            touched -= removed
            for kind in KINDS:
                counts[(rule, kind)] = erased[kind] + site_counts[kind]
        store.log(counts)
    store.checkpoint()
    return PurgeResult(at=now_iso(), today=today, counts=counts)
