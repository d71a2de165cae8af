"""Password protection for exported referral PDFs: AES-256 (revision 6) through pikepdf.

reportlab's own encryption is RC4 or a deprecated revision 5 (docs/SECURITY.md section 3), so the
document is rendered unencrypted into memory and encrypted here, still in memory.
"""

from __future__ import annotations

import io
import secrets
import shutil
from pathlib import Path

from fieldapp import atomic
from fieldapp.errors import FieldAppError
from fieldapp.ids import crockford_code

PASSWORD_GROUPS = 5
GROUP_LENGTH = 4  # 20 characters x 5 bits = 100 bits of entropy (80+ asked)
# Room asked for beyond the file itself on the target (the file system's own bookkeeping).
ROOM_MARGIN = 64 * 1024


def generate_password() -> str:
    """Groups of Crockford base32 (``fieldapp.ids``), which survives being read aloud."""
    return "-".join(crockford_code(GROUP_LENGTH) for _ in range(PASSWORD_GROUPS))


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


def protected(document: bytes, password: str | None) -> bytes:
    """The file's bytes: encrypted unless ``password`` is None, which the caller may only pass
    when the user explicitly chose an unencrypted export."""
    return document if password is None else encrypt_pdf(document, password)


def check_target(target: Path) -> Path:
    """A target a referral may be written to: a new file, in a folder that exists. Checked
    before a referral is made, so a refused target stores nothing."""
    target = Path(target)
    if target.is_dir():
        raise FieldAppError("referral.out_is_folder", path=str(target))
    if target.exists() or target.is_symlink():
        raise FieldAppError("cli.file_exists", path=str(target))
    if not target.parent.is_dir():
        raise FieldAppError("referral.out_folder_missing", path=str(target.parent))
    return target


def check_room(target: Path, size: int) -> None:
    """Refuses when the target's file system has no room for ``size`` bytes (a full stick),
    before anything is stored. When the free space cannot be read, the write itself tells."""
    try:
        free = shutil.disk_usage(Path(target).parent).free
    except OSError:
        return
    if free < size + ROOM_MARGIN:
        raise FieldAppError(
            "referral.no_room",
            path=str(Path(target).parent),
            needed=-(-(size + ROOM_MARGIN) // 1024),
            free=free // 1024,
        )


def write_pdf(target: Path, data: bytes) -> None:
    """Atomically: the file is there whole, or not at all."""
    atomic.write_atomic(Path(target), data)


def export_pdf(document: bytes, target: Path, password: str | None) -> None:
    """Write the referral to ``target`` atomically, protected as :func:`protected` says."""
    write_pdf(target, protected(document, password))
