"""Referral documents: per-recipient content, the PDF, its protection and its storage."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fieldapp.referral.service import MadeReferral, make_referral

__all__ = ["MadeReferral", "make_referral"]


def __getattr__(name: str) -> Any:
    """Loaded on first use (PEP 562): importing a submodule such as ``protect`` must not pull
    in the assessment engine and reportlab."""
    if name in __all__:
        from fieldapp.referral import service  # noqa: PLC0415 - PEP 562: the engine and reportlab load on first use (see above)

        return getattr(service, name)
    raise AttributeError(name)
