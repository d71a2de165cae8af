"""The one rule for a secret a user chooses, shared by the command line and the desktop: the
vault passphrase (``vault init``, ``vault passwd``, the first-run wizard), the passphrase of an
encrypted table export, and a PDF password given by file (generated passwords have 100 bits
and are not judged).

The rule: long enough (a floor per use), typed twice alike where it was typed, and zxcvbn's
score at least 3 ("safely unguessable", about 10^10 guesses), with Dutch and FieldApp words
and the inspector's own details counted as guessable. A refusal says why, in Dutch or English.

zxcvbn loads when a secret is first judged, never at start-up (docs/PERFORMANCE.md start-up target).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fieldapp.errors import FieldAppError
from fieldapp.i18n import t

MIN_PASSPHRASE_LENGTH = 10  # the vault and export passphrases
MIN_PDF_PASSWORD_LENGTH = 12  # a PDF password given by file (the generated one: 20 characters)

# zxcvbn scores 0..4; 3 is "safely unguessable" (about 10^10 guesses) and our minimum.
MIN_STRENGTH_SCORE = 3
ZXCVBN_MAX_LENGTH = 72  # zxcvbn refuses longer input; the rest can only add strength
# zxcvbn knows English dictionaries only: these Dutch and app words count as guessable too.
GUESSABLE_WORDS = (
    "fieldapp",
    "kluis",
    "wachtwoord",
    "geheim",
    "welkom",
    "hallo",
    "inloggen",
    "zomer",
    "winter",
    "lente",
    "herfst",
    "inspectie",
    "arbeidsinspectie",
    "nederlandse",
    "gemeente",
    "politie",
    "marechaussee",
    "handhaving",
    "nederland",
    "holland",
    "amsterdam",
    "rotterdam",
    "utrecht",
    "ajax",
    "feyenoord",
    "oranje",
    "veldwerk",
    "coordinatie",
)
# zxcvbn's English feedback (it has no Dutch catalogue) -> our message keys. The keys are the
# desktop's (``ui.strength.*``): one text, one translation, wherever the secret was typed.
ZXCVBN_FEEDBACK = {
    "Straight rows of keys are easy to guess.": "ui.strength.keyboard_row",
    "Short keyboard patterns are easy to guess.": "ui.strength.keyboard_pattern",
    'Repeats like "aaa" are easy to guess.': "ui.strength.repeats",
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': "ui.strength.repeats",
    'Sequences like "abc" or "6543" are easy to guess.': "ui.strength.sequence",
    "Recent years are easy to guess.": "ui.strength.years",
    "Dates are often easy to guess.": "ui.strength.dates",
    "This is a top-10 common password.": "ui.strength.common",
    "This is a top-100 common password.": "ui.strength.common",
    "This is a very common password.": "ui.strength.common",
    "This is similar to a commonly used password.": "ui.strength.similar_common",
    "A word by itself is easy to guess.": "ui.strength.single_word",
    "Names and surnames by themselves are easy to guess.": "ui.strength.names",
    "Common names and surnames are easy to guess.": "ui.strength.names",
}
TOO_GUESSABLE = "ui.strength.too_guessable"
REFUSED = "ui.strength.refused"
STRENGTH_LABELS = (
    "ui.strength.very_weak",
    "ui.strength.weak",
    "ui.strength.fair",
    "ui.strength.good",
    "ui.strength.strong",
)


@dataclass(frozen=True, slots=True)
class PassphraseStrength:
    score: int  # 0..4
    reason_key: str | None  # why it is weak, when it is (a message key)

    @property
    def acceptable(self) -> bool:
        return self.score >= MIN_STRENGTH_SCORE

    @property
    def label(self) -> str:
        """ "zwak", "sterk", ... in the current language."""
        return t(STRENGTH_LABELS[self.score])

    @property
    def reason(self) -> str | None:
        return t(self.reason_key) if self.reason_key else None


def guessable_words(texts: Iterable[str | None]) -> tuple[str, ...]:
    """The words of a profile (name, employee number, region) as zxcvbn ``user_inputs``."""
    words = (word.lower() for text in texts if text for word in str(text).split())
    return tuple(word for word in words if len(word) > 2)


def passphrase_strength(passphrase: str, user_inputs: Iterable[str] = ()) -> PassphraseStrength:
    """zxcvbn's estimate, with its reason in our words (Dutch or English)."""
    if not passphrase:
        return PassphraseStrength(0, None)
    words = [*GUESSABLE_WORDS, *(word.lower() for word in user_inputs if word)]
    from zxcvbn import zxcvbn  # noqa: PLC0415 - see the module docstring

    result = zxcvbn(passphrase[:ZXCVBN_MAX_LENGTH], user_inputs=words)
    score = int(result["score"])
    reason = None
    if score < MIN_STRENGTH_SCORE:
        feedback = result.get("feedback") or {}
        reason = ZXCVBN_FEEDBACK.get(feedback.get("warning") or "", TOO_GUESSABLE)
    return PassphraseStrength(score, reason)


def passphrase_problem(
    passphrase: str, repeat: str | None = None, *, minimum: int = MIN_PASSPHRASE_LENGTH
) -> FieldAppError | None:
    """The quick half of the rule: the length floor, then the two entries alike. Length first:
    it is the rule people meet. A new secret is judged by :func:`secret_problem`, which adds
    strength; this half alone is for checks while typing."""
    if len(passphrase) < minimum:
        return FieldAppError("passphrase.too_short", minimum=minimum)
    if repeat is not None and passphrase != repeat:
        return FieldAppError("passphrase.mismatch")
    return None


def secret_problem(
    secret: str,
    repeat: str | None = None,
    *,
    minimum: int = MIN_PASSPHRASE_LENGTH,
    user_inputs: Iterable[str] = (),
) -> FieldAppError | None:
    """Why a new secret is refused, or ``None``: too short, the two entries differ, or too easy
    to guess (zxcvbn under 3, with its reason). The message never holds the secret."""
    problem = passphrase_problem(secret, repeat, minimum=minimum)
    if problem is not None:
        return problem
    strength = passphrase_strength(secret, tuple(user_inputs))
    if not strength.acceptable:
        return FieldAppError(REFUSED, reason=FieldAppError(strength.reason_key or TOO_GUESSABLE))
    return None


def require_strong(
    secret: str,
    repeat: str | None = None,
    *,
    minimum: int = MIN_PASSPHRASE_LENGTH,
    user_inputs: Iterable[str] = (),
) -> str:
    """``secret`` when it passes :func:`secret_problem`; else that refusal is raised."""
    problem = secret_problem(secret, repeat, minimum=minimum, user_inputs=user_inputs)
    if problem is not None:
        raise problem
    return secret
