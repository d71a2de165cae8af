"""Password protection for exported referral PDFs: AES-256 (revision 6) through pikepdf.

reportlab's own encryption is RC4 or a deprecated revision 5 (SECURITY.md section 3), so the
document is rendered unencrypted into memory and encrypted here, still in memory.
"""

from __future__ import annotations

import io
import secrets
from pathlib import Path

from fieldapp.atomic import write_atomic

# Crockford's base32: no I, L, O or U, so a password read aloud or copied by hand survives.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PASSWORD_GROUPS = 5
GROUP_LENGTH = 4  # 20 characters x 5 bits = 100 bits of entropy (80+ asked)


def generate_password() -> str:
    groups = (
        "".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH))
        for _ in range(PASSWORD_GROUPS)
    )
    return "-".join(groups)


def password_bits() -> int:
    return PASSWORD_GROUPS * GROUP_LENGTH * 5


def encrypt_pdf(document: bytes, password: str) -> bytes:
    import pikepdf  # noqa: PLC0415 - only when exporting

    with pikepdf.open(io.BytesIO(document)) as pdf:
        out = io.BytesIO()
        pdf.save(
            out,
            encryption=pikepdf.Encryption(
                user=password, owner=secrets.token_urlsafe(32), R=6, aes=True, metadata=True
            ),
        )
    return out.getvalue()


def export_pdf(document: bytes, target: Path, password: str | None) -> None:
    """Write the referral to ``target`` atomically: encrypted unless ``password`` is None, which
    the caller may only pass when the user explicitly chose an unencrypted export."""
    data = document if password is None else encrypt_pdf(document, password)
    write_atomic(Path(target), data)
