"""Terminal-safe output: whatever a record holds, the command line shows it and never obeys it.

Input is checked and cleaned where it enters, but a vault can hold values from before those
checks, from an enrolled device's bundle or from a damaged file. A site name holding
``ESC ] 0 ; … BEL`` would set the terminal's title; other escape sequences move the cursor,
clear the screen, rewrite what was printed before or, on some terminals, answer back as if
typed. Bidi overrides (U+202E and friends) make text read in another order than it is stored.
So everything the commands print passes through this module:

- :func:`clean` for one value on one line: every C0 and C1 control character (newline and tab
  too), DEL, the bidi controls, the line and paragraph separators and lone surrogates become
  visible escapes such as ``\\x1b`` or ``\\u202e``. Printable text in any script is untouched.
- :func:`clean_block` for a text of several lines (a note, a whole message): the same, but a
  newline stays a newline.
- :func:`emit` prints through :func:`clean_block`; :func:`emit_json` prints JSON in which the
  same characters are JSON escapes (``\\u202e``), so the data stays exactly what it was.

A backslash is left as it is: the escapes are for the reader's eyes, and Windows paths stay
readable.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any, TextIO

# C0 controls, DEL and C1 controls; the bidi embeddings, overrides, isolates and marks; the
# Unicode line and paragraph separators; UTF-16 surrogates, which cannot be printed at all.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}\u2028\u2029\ud800-\udfff]")
_UNSAFE_IN_BLOCK = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_BIDI}\u2028\u2029\ud800-\udfff]")
# In JSON text, C0 controls are already escaped by the encoder; these are not.
_UNSAFE_IN_JSON = re.compile(f"[\x7f-\x9f{_BIDI}\u2028\u2029\ud800-\udfff]")


_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def clean(value: object) -> str:
    """One value for one line of output (``None`` is empty)."""
    if value is None:
        return ""
    return _UNSAFE.sub(_visible, str(value))


def clean_block(text: object) -> str:
    """A text of one or more lines: as :func:`clean`, but newlines stay."""
    if text is None:
        return ""
    return _UNSAFE_IN_BLOCK.sub(_visible, str(text))


def emit(text: object = "", *, file: TextIO | None = None) -> None:
    """``print`` for the command line: the text made safe first."""
    print(clean_block(text), file=file if file is not None else sys.stdout)


def json_text(document: Any, *, indent: int | None = 2) -> str:
    """JSON as the commands print it: readable (non-ASCII letters as they are), with every
    character a terminal could obey written as a JSON escape."""
    text = json.dumps(document, indent=indent, ensure_ascii=False)
    # Outside strings JSON is ASCII, so these characters can only stand inside a string, where
    # \\uXXXX means the same character: the data is unchanged.
    return _UNSAFE_IN_JSON.sub(_json_escape, text)


def emit_json(document: Any, *, indent: int | None = 2, file: TextIO | None = None) -> None:
    print(json_text(document, indent=indent), file=file if file is not None else sys.stdout)


def emit_json_text(text: str, *, file: TextIO | None = None) -> None:
    """JSON already encoded elsewhere (``ensure_ascii=False``), made safe the same way."""
    print(_UNSAFE_IN_JSON.sub(_json_escape, text), file=file if file is not None else sys.stdout)
