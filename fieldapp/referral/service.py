"""Making a referral: content for one recipient, rendered in memory, kept in the vault.

Two steps, so a caller that also writes a file can check everything that can be checked (the
target, the password, the room on the stick, with the final bytes in hand) after the document
is rendered and before anything is stored: :func:`prepare_referral` builds and renders and
stores nothing; :func:`store_referral` keeps it in the vault. :func:`make_referral` does both.
"""

from __future__ import annotations

from dataclasses import dataclass

from fieldapp.domain import Referral, ReferralStatus
from fieldapp.referral.build import ReferralPlan, build_referral
from fieldapp.referral.document import ReferralDocument
from fieldapp.store.store import Store


@dataclass(frozen=True, slots=True)
class PreparedReferral:
    """A rendered referral not yet in the vault."""

    visit_uuid: str
    recipient: str
    lang: str
    document: ReferralDocument
    plan: ReferralPlan
    urgency: str
    pdf: bytes  # unencrypted, in memory only
    final: bool = True  # False: a draft (concept), kept with status draft
    reason: str | None = None  # the inspector's own words, as the document shows them
    vital_interest: str | None = None  # the ground when the care coordinator got no consent


@dataclass(frozen=True, slots=True)
class MadeReferral:
    referral: Referral
    document: ReferralDocument
    plan: ReferralPlan
    pdf: bytes  # unencrypted, in memory only; the vault keeps its own copy


def prepare_referral(
    store: Store,
    visit_uuid: str,
    recipient: str,
    *,
    person_ref: str | None = None,
    lang: str = "nl",
    final: bool = True,
    reason: str | None = None,
    vital_interest: str | None = None,
    name_reporter: bool = False,
) -> PreparedReferral:
    """Build and render; refuses (consent, recipient rules, options that belong to another
    recipient, and for a final referral what its recipient still lacks) before rendering.
    Stores nothing. ``reason``: the inspector's own words; ``vital_interest``: the care
    coordinator only, why the person's vital interest requires sharing without consent (AVG
    art. 6(1)(d)); ``name_reporter``: the anonymous registration only, name the reporting
    agency."""
    from fieldapp.referral.render import render_pdf  # noqa: PLC0415 - reportlab loads late

    document, plan, _assessment = build_referral(
        store,
        visit_uuid,
        recipient,
        person_ref=person_ref,
        lang=lang,
        final=final,
        reason=reason,
        vital_interest=vital_interest,
        name_reporter=name_reporter,
    )
    pdf = render_pdf(document)
    return PreparedReferral(
        visit_uuid,
        recipient,
        lang,
        document,
        plan,
        # What the document shows: the engine's urgency over every person it is about, and
        # immediate on the ground of a vital interest.
        document.urgency_key,
        pdf,
        final,
        document.own_reason,
        plan.vital_interest,
    )


def store_referral(store: Store, prepared: PreparedReferral) -> MadeReferral:
    """Keep a prepared referral in the vault (a new version when there was one before)."""
    referral = store.add_referral(
        prepared.visit_uuid,
        tuple(p.meta.uuid for p in prepared.plan.subjects),
        prepared.recipient,
        document=prepared.pdf,
        document_id=prepared.document.document_id,
        content_hash=prepared.document.content_hash(),
        lang=prepared.lang,
        urgency=prepared.urgency,
        status=ReferralStatus.FINAL if prepared.final else ReferralStatus.DRAFT,
        reason=prepared.reason,
        vital_interest=prepared.vital_interest,
    )
    return MadeReferral(referral, prepared.document, prepared.plan, prepared.pdf)


def make_referral(
    store: Store,
    visit_uuid: str,
    recipient: str,
    *,
    person_ref: str | None = None,
    lang: str = "nl",
    final: bool = True,
    reason: str | None = None,
    vital_interest: str | None = None,
    name_reporter: bool = False,
) -> MadeReferral:
    """:func:`prepare_referral`, then :func:`store_referral`."""
    prepared = prepare_referral(
        store,
        visit_uuid,
        recipient,
        person_ref=person_ref,
        lang=lang,
        final=final,
        reason=reason,
        vital_interest=vital_interest,
        name_reporter=name_reporter,
    )
    return store_referral(store, prepared)
