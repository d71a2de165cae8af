"""Referral follow-up: defaults per recipient, the order (overdue first), every check on what
a coordinator types, persistence with an audit entry, and nothing changed by a refusal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from fieldapp import followup
from fieldapp.errors import NotFound
from fieldapp.followup import FollowUpError
from fieldapp.i18n import t
from fieldapp.vault import Vault
from tests.support import PASSPHRASE
from tests.support.sync import table_dump
from tests.support.workspace import DEVICES, REFERRALS, Workspace, build_workspace

TODAY = followup.local_today()


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    built = build_workspace(tmp_path)
    yield built
    if built.vault.is_open:
        built.vault.lock()


def listed(vault: Vault, status: str | None = None, today: str = TODAY) -> list[followup.FollowUp]:
    return followup.followups(vault, followup.referral_ids(vault, status, today))


def by_recipient(vault: Vault) -> dict[str, followup.FollowUp]:
    return {item.recipient: item for item in listed(vault)}


def test_a_referral_never_followed_up_is_sent_with_its_recipients_default(
    workspace: Workspace,
) -> None:
    items = listed(workspace.vault)
    # Per device: five referrals, the police one in its newest version only; no draft.
    assert len(items) == len(DEVICES) * len(REFERRALS)
    for item in items:
        assert item.status == "sent" and not item.recorded and item.outcome is None
        days = followup.DEFAULT_DUE_DAYS[item.recipient]
        if days is None:
            assert item.due_date is None
        else:
            made = date.fromisoformat(item.created_at[:10])
            assert item.due_date == (made + timedelta(days=days)).isoformat()
            assert item.due_date == followup.default_due_date(item.recipient, item.created_at)
    assert followup.DEFAULT_DUE_DAYS["anonymous"] is None
    assert {item.agency for item in items} == {agency for _, agency in DEVICES}


def test_superseded_versions_and_drafts_are_not_followed_up(workspace: Workspace) -> None:
    conn = workspace.vault.conn
    listed_ids = {item.referral_uuid for item in listed(workspace.vault)}
    drafts = {row[0] for row in conn.execute("SELECT uuid FROM referrals WHERE status = 'draft'")}
    replaced = {
        row[0] for row in conn.execute("SELECT supersedes FROM referrals WHERE supersedes != ''")
    }
    assert drafts and replaced
    assert not listed_ids & (drafts | replaced)
    newest = {row[0] for row in conn.execute("SELECT uuid FROM referrals WHERE version = 2")}
    assert newest <= listed_ids


def test_overdue_first_then_by_due_date_then_none_then_closed(workspace: Workspace) -> None:
    vault = workspace.vault
    items = listed(vault)
    anonymous = next(item for item in items if item.recipient == "anonymous")
    followup.update(vault, anonymous.referral_uuid, status="acknowledged")
    police = next(item for item in items if item.recipient == "police")
    followup.update(
        vault, police.referral_uuid, status="closed", outcome="action_taken", due_date=None
    )
    items = listed(vault)
    overdue = [item.days_overdue(TODAY) for item in items]
    first_not_overdue = overdue.index(0)
    assert first_not_overdue > 0, "the crafted data has overdue referrals"
    assert all(days > 0 for days in overdue[:first_not_overdue])
    assert not any(overdue[first_not_overdue:])
    assert overdue[:first_not_overdue] == sorted(overdue[:first_not_overdue], reverse=True)
    open_items = [item for item in items if item.status != "closed"]
    closed = [item for item in items if item.status == "closed"]
    assert items == open_items + closed and closed[0].referral_uuid == police.referral_uuid
    with_due = [item for item in open_items if item.due_date]
    assert open_items[: len(with_due)] == with_due  # those without a due date after them
    assert [item.due_date for item in with_due] == sorted(item.due_date for item in with_due)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("open", lambda item: item.status != "closed"),
        ("overdue", lambda item: item.days_overdue(TODAY) > 0),
        ("sent", lambda item: item.status == "sent"),
        ("acknowledged", lambda item: item.status == "acknowledged"),
        ("closed", lambda item: item.status == "closed"),
    ],
)
def test_status_filters(workspace: Workspace, status: str, expected) -> None:
    vault = workspace.vault
    first, second = listed(vault)[:2]
    followup.update(vault, first.referral_uuid, status="acknowledged")
    followup.update(vault, second.referral_uuid, status="closed", outcome="no_response")
    every = listed(vault)
    assert listed(vault, status) == [item for item in every if expected(item)]
    total, open_count, overdue_count = followup.counts(vault, TODAY)
    assert total == len(every)
    assert open_count == len(listed(vault, "open"))
    assert overdue_count == len(listed(vault, "overdue"))


def test_an_edit_is_committed_with_an_audit_entry(workspace: Workspace) -> None:
    vault = workspace.vault
    item = by_recipient(vault)["riec"]
    audit_before = vault.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    due = (date.fromisoformat(TODAY) + timedelta(days=10)).isoformat()
    saved = followup.update(
        vault,
        item.referral_uuid,
        status="investigating",
        due_date=f"{due[8:10]}-{due[5:7]}-{due[:4]}",  # as people type it
        note="  Rechercheur belt terug.  ",
    )
    assert (saved.status, saved.due_date, saved.note, saved.recorded) == (
        "investigating",
        due,
        "Rechercheur belt terug.",
        True,
    )
    assert saved.days_overdue(TODAY) == 0
    assert vault.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audit_before + 1
    last = vault.conn.execute(
        "SELECT action, record_kind, record_uuid FROM audit_log ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    assert last == ("followup", "referral", item.referral_uuid)
    # Committed: another opening of the vault reads it back.
    folder = vault.folder
    vault.lock()
    with Vault.unlock(folder, PASSPHRASE) as again:
        reread = followup.followup(again, item.referral_uuid)
        assert (reread.status, reread.due_date, reread.note) == ("investigating", due, saved.note)


def test_closing_needs_an_outcome_and_only_closing_takes_one(workspace: Workspace) -> None:
    vault = workspace.vault
    item = by_recipient(vault)["police"]
    with pytest.raises(FollowUpError) as refused:
        followup.update(vault, item.referral_uuid, status="closed")
    assert refused.value.key == "followup.error.outcome_required"
    with pytest.raises(FollowUpError) as refused:
        followup.update(vault, item.referral_uuid, status="acknowledged", outcome="no_action")
    assert refused.value.key == "followup.error.outcome_only_closed"
    closed = followup.update(vault, item.referral_uuid, status="closed", outcome="no_action")
    assert (closed.status, closed.outcome, closed.days_overdue("2100-01-01")) == (
        "closed",
        "no_action",
        0,
    )
    reopened = followup.update(vault, item.referral_uuid, status="investigating")
    assert reopened.outcome is None


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("30-02-2026", "followup.error.date_impossible"),
        ("2026-02-30", "followup.error.date_impossible"),
        ("31-04-2026", "followup.error.date_impossible"),
        ("00-01-2026", "followup.error.date_impossible"),
        ("2026-13-01", "followup.error.date_impossible"),
        ("morgen", "followup.error.date_format"),
        ("1-2-26", "followup.error.date_format"),
        ("2026-1", "followup.error.date_format"),
        ("01-01-1999", "followup.error.date_too_early"),
        ("01-01-2001", "followup.error.due_before_referral"),
        ("01-01-2099", "followup.error.due_too_far"),
    ],
)
def test_impossible_dates_are_refused_and_nothing_changes(
    workspace: Workspace, typed: str, key: str
) -> None:
    vault = workspace.vault
    item = by_recipient(vault)["police"]
    before = table_dump(vault)
    with pytest.raises(FollowUpError) as refused:
        followup.update(vault, item.referral_uuid, status="acknowledged", due_date=typed)
    assert refused.value.key == key
    for lang in ("nl", "en"):
        message = refused.value.message(lang)
        assert message != key and "{" not in message
    assert table_dump(vault) == before


def test_other_refusals_change_nothing(workspace: Workspace) -> None:
    vault = workspace.vault
    item = by_recipient(vault)["riec"]
    before = table_dump(vault)
    cases = [
        (dict(status="lost"), "followup.error.bad_status"),
        (dict(status="sent", note="x" * (followup.MAX_NOTE + 1)), "followup.error.note_too_long"),
    ]
    for kwargs, key in cases:
        with pytest.raises(FollowUpError) as refused:
            followup.update(vault, item.referral_uuid, **kwargs)
        assert refused.value.key == key
    with pytest.raises(NotFound):
        followup.update(vault, "00000000-0000-7000-8000-000000000000", status="sent")
    draft = vault.conn.execute("SELECT uuid FROM referrals WHERE status = 'draft'").fetchone()[0]
    with pytest.raises(NotFound):
        followup.update(vault, draft, status="sent")
    with pytest.raises(FollowUpError):
        followup.referral_ids(vault, "lost")
    assert table_dump(vault) == before


def test_a_due_date_can_be_cleared_and_an_anonymous_one_set(workspace: Workspace) -> None:
    vault = workspace.vault
    items = by_recipient(vault)
    cleared = followup.update(vault, items["riec"].referral_uuid, status="sent", due_date="")
    assert cleared.due_date is None and cleared.days_overdue("2100-01-01") == 0
    due = (date.fromisoformat(TODAY) + timedelta(days=3)).isoformat()
    anonymous = followup.update(
        vault, items["anonymous"].referral_uuid, status="sent", due_date=due
    )
    assert anonymous.due_date == due


def test_only_a_coordinator_follows_up(tmp_path: Path) -> None:
    from fieldapp.demo import demo_visits
    from fieldapp.store.store import Store
    from tests.support.sync import make_field
    from tests.support.workspace import fake_pdf

    with make_field(tmp_path / "field") as field:
        store = Store(field)
        visit = store.record_visits(demo_visits(1, seed=5))[0]
        referral = store.add_referral(
            visit,
            (),
            "police",
            document=fake_pdf("x"),
            document_id="FA-FIELD00001",
            content_hash="0" * 64,
            lang="nl",
            urgency="normal",
        )
        with pytest.raises(FollowUpError) as refused:
            followup.update(field, referral.meta.uuid, status="acknowledged")
        assert refused.value.key == "followup.error.coordinator_only"
        assert field.conn.execute("SELECT count(*) FROM referral_followup").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("typed", "parsed"),
    [
        ("2026-12-01", "2026-12-01"),
        ("01-12-2026", "2026-12-01"),
        ("1/12/2026", "2026-12-01"),
        (" 01.12.2026 ", "2026-12-01"),
        ("29-02-2028", "2028-02-29"),
        ("", None),
        (None, None),
    ],
)
def test_due_dates_as_people_type_them(typed: str | None, parsed: str | None) -> None:
    assert followup.parse_due_date(typed) == parsed


def test_every_status_and_outcome_has_words_in_both_languages() -> None:
    keys = [f"followup.status.{status}" for status in followup.STATUS_FILTERS]
    keys += [f"followup.outcome.{outcome}" for outcome in followup.OUTCOMES]
    for key in keys:
        assert t(key, "nl") != key and t(key, "en") != key
