"""Errors a user can cause or meet. Each carries a message key, so it can be shown in Dutch
or English, and never a traceback."""

from __future__ import annotations

from typing import Any

from fieldapp.i18n import t


class FieldAppError(Exception):
    """Base of every expected failure; ``key`` names the message in the translation catalogue."""

    key = "error.generic"

    def __init__(self, key: str | None = None, **params: Any) -> None:
        if key is not None:
            self.key = key
        self.params = params
        super().__init__(self.key)

    def message(self, lang: str | None = None) -> str:
        params = {
            name: (value.message(lang) if isinstance(value, FieldAppError) else value)
            for name, value in self.params.items()
        }
        return t(self.key, lang, **params)

    def __str__(self) -> str:
        return self.message()


class VaultError(FieldAppError):
    key = "vault.error"


class WrongPassphrase(VaultError):
    key = "vault.wrong_passphrase"


class VaultDamaged(VaultError):
    """The vault exists but a named check failed; ``check`` says which (a message key)."""

    key = "vault.damaged"

    def __init__(self, check: str, **params: Any) -> None:
        self.check = check
        super().__init__(None, **params)

    def message(self, lang: str | None = None) -> str:
        return t(self.key, lang, check=t(self.check, lang, **self.params))


class VaultNotFound(VaultError):
    key = "vault.not_found"


class VaultExists(VaultError):
    key = "vault.exists"


class VaultInUse(VaultError):
    key = "vault.in_use"


class VaultLocked(VaultError):
    key = "vault.locked"


class ValidationError(FieldAppError):
    """Input refused as a whole; ``field`` is the path to the offending value."""

    key = "validation.error"

    def __init__(self, field: str, problem: str, **params: Any) -> None:
        self.field = field
        self.problem = problem
        super().__init__(None, **params)

    def message(self, lang: str | None = None) -> str:
        return t(self.key, lang, field=self.field, problem=t(self.problem, lang, **self.params))


class NotFound(FieldAppError):
    key = "store.not_found"
