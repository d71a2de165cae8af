"""How long each kind of record is kept: three rules, each a number of days the coordinator can
change (stored in the vault's ``retention_policy`` table; a rule not set there has its default).

Every visit falls under exactly one rule, judged by what it holds now:

``referrals``
    a visit with a referral. Kept 5 years (1825 days) after its newest referral or the last
    change of that referral's follow-up, and never while a follow-up is still open (sent,
    acknowledged, investigation started). A referral can lead to an investigation and a
    prosecution that take years; what was passed on, to whom and when must stay traceable for
    questions, complaints and the case itself.
``signals_without_referral``
    a visit with at least one observed signal but no referral. Kept 2 years (730 days) after
    the visit. Signals that did not justify a referral gain meaning when the same site, company
    or person comes up again (linked cases); two years covers two seasons of seasonal work and
    the usual re-inspection cycle. After that the picture is stale and the data is no longer
    needed for the purpose it was recorded for.
``visits_without_signals``
    a visit where no signal was observed. Kept 1 year (365 days) after the visit: long enough
    for a follow-up visit and for linking a later signal at the same place to it, no longer.

``field_arrived``
    on a field device only: a visit whose every record the coordinator confirmed it holds, in
    the revision the device has now (a reply, issue 16). Erased 30 days after that arrival,
    whatever the rules above say: the coordinator keeps it, and a laptop lost in a car or
    seized at a venue should hold as little as possible. Work not confirmed is never erased by
    this rule. The coordinator sets the days; every reply carries them to the devices.

These defaults apply AVG/GDPR data minimisation and storage limitation (art. 5(1)(c) and (e)):
keep personal data no longer than its purpose needs. They are defaults for the organisation to
set, with its data protection officer (FG), archive rules and partners' agreements in mind;
they are not legal advice and not a legal retention period.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from fieldapp.errors import FieldAppError
from fieldapp.store.retention_store import RetentionStore
from fieldapp.vault.vault import Vault, VaultLike

RULES = ("visits_without_signals", "signals_without_referral", "referrals", "field_arrived")
DEFAULT_DAYS: Mapping[str, int] = {
    "visits_without_signals": 365,
    "signals_without_referral": 730,
    "referrals": 1825,
    "field_arrived": 30,
}
# Shorter than a month is almost surely a typing error that would erase current work; longer
# than 100 years is not a retention period. Work the coordinator holds may leave a device
# sooner: a day after it arrived at the least.
MIN_DAYS = 30
MAX_DAYS = 36500
MIN_FIELD_DAYS = 1


def min_days(rule: str) -> int:
    return MIN_FIELD_DAYS if rule == "field_arrived" else MIN_DAYS


class RetentionError(FieldAppError):
    key = "retention.error"


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """Days per rule, and when the coordinator last set each (None: the default applies)."""

    days: Mapping[str, int]
    updated_at: Mapping[str, str | None]

    def cutoff(self, rule: str, today: date) -> date:
        """Records of ``rule`` whose period runs from before this date are due."""
        return today - timedelta(days=self.days[rule])

    def field_erasure_date(self, arrived_at: str) -> date:
        """The first day (UTC) on which work that arrived at ``arrived_at`` is erased from a
        field device: the day after its field retention ran out."""
        return date.fromisoformat(arrived_at[:10]) + timedelta(days=self.days["field_arrived"] + 1)

    def cutoffs(self, today: date) -> dict[str, str]:
        return {rule: self.cutoff(rule, today).isoformat() for rule in RULES}

    def is_default(self, rule: str) -> bool:
        return self.days[rule] == DEFAULT_DAYS[rule]


def load_policy(vault: VaultLike) -> RetentionPolicy:
    stored = RetentionStore(vault).policy_rows()
    return RetentionPolicy(
        days={rule: stored[rule][0] if rule in stored else DEFAULT_DAYS[rule] for rule in RULES},
        updated_at={rule: stored[rule][1] if rule in stored else None for rule in RULES},
    )


def check_days(rule: str, days: object) -> int:
    if rule not in RULES:
        raise RetentionError("retention.unknown_rule", rule=rule, rules=", ".join(RULES))
    minimum = min_days(rule)
    if isinstance(days, bool) or not isinstance(days, int) or not minimum <= days <= MAX_DAYS:
        raise RetentionError("retention.bad_days", minimum=minimum, maximum=MAX_DAYS)
    return days


def save_policy(vault: Vault, days: Mapping[str, int]) -> RetentionPolicy:
    """Store the given rules' days (all checked before anything is stored)."""
    checked = {rule: check_days(rule, value) for rule, value in days.items()}
    if checked:
        RetentionStore(vault).set_days(checked)
    return load_policy(vault)
