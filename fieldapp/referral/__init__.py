"""Referral documents: per-recipient content, the PDF, its protection and its storage."""

from fieldapp.referral.service import MadeReferral, make_referral

__all__ = ["MadeReferral", "make_referral"]
