"""Making a referral: content for one recipient, rendered in memory, kept in the vault."""

from __future__ import annotations

from dataclasses import dataclass

from fieldapp.domain import Referral
from fieldapp.referral.build import ReferralPlan, build_referral
from fieldapp.referral.document import ReferralDocument
from fieldapp.store.store import Store

URGENCY_KEYS = {"normal", "high", "immediate"}


@dataclass(frozen=True, slots=True)
class MadeReferral:
    referral: Referral
    document: ReferralDocument
    plan: ReferralPlan
    pdf: bytes  # unencrypted, in memory only; the vault keeps its own copy


def make_referral(
    store: Store,
    visit_uuid: str,
    recipient: str,
    *,
    person_ref: str | None = None,
    lang: str = "nl",
) -> MadeReferral:
    from fieldapp.referral.render import render_pdf  # noqa: PLC0415 - reportlab loads late

    document, plan, assessment = build_referral(
        store, visit_uuid, recipient, person_ref=person_ref, lang=lang
    )
    pdf = render_pdf(document)
    urgency = "normal"
    if assessment is not None:
        for advice in assessment.referrals:
            if advice.to == recipient and advice.urgency in URGENCY_KEYS:
                urgency = advice.urgency
    referral = store.add_referral(
        visit_uuid,
        tuple(p.meta.uuid for p in plan.subjects),
        recipient,
        document=pdf,
        document_id=document.document_id,
        content_hash=document.content_hash(),
        lang=lang,
        urgency=urgency,
    )
    return MadeReferral(referral, document, plan, pdf)
