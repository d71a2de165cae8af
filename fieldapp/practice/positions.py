"""Where a value sits in a JSON text, so a problem in a practice case names its line.

A trainer writes a case by hand in an editor; "persons[1].model.signals[2].indicator: hier
hoort tekst" is only half an answer when the file has three hundred lines. The standard
library parses JSON without keeping positions, so this module walks the text once more and
records, for every value, where its key starts (for a member of an object) and where the value
itself starts. It runs only on text :func:`json.loads` has already accepted, so it does not
check the grammar; strings and numbers are read by the standard library's own scanner
(``raw_decode``), so an escape or an exponent is read exactly as the parser read it.

Lines and columns count from 1, and a column counts characters (not bytes), as
:class:`json.JSONDecodeError` does, so a syntax error and a shape problem point the same way.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass

Step = str | int
Path = tuple[Step, ...]

_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\n\r"


@dataclass(frozen=True, slots=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class _Entry:
    key: int | None  # offset of the key's opening quote, for a member of an object
    value: int  # offset of the value's first character


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A key given twice in one object: the standard library keeps the last silently."""

    path: Path  # the object's path and the key
    position: Position  # the second occurrence


class Positions:
    """The positions of every value of one JSON text, found by its path: object keys and list
    indices, as msgspec and the readers name a place (``("persons", 0, "age")``)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._line_starts = [0]
        self._line_starts += [i + 1 for i, char in enumerate(text) if char == "\n"]
        self._entries: dict[Path, _Entry] = {}
        self.duplicates: list[Duplicate] = []
        start = self._skip(0)
        if start < len(text):
            self._value(start, (), None)

    def of(self, path: Path) -> Position:
        """Where to point for ``path``: its key when it is a member of an object (the line a
        reader looks for), else the value. A path that does not exist (a missing key) points
        at the nearest enclosing value that does: the object that lacks the key."""
        for length in range(len(path), -1, -1):
            entry = self._entries.get(path[:length])
            if entry is not None:
                return self._position(entry.key if entry.key is not None else entry.value)
        return Position(1, 1)

    def value_of(self, path: Path) -> Position | None:
        """Where the value at ``path`` starts, or None when there is no such value."""
        entry = self._entries.get(path)
        return None if entry is None else self._position(entry.value)

    def _position(self, offset: int) -> Position:
        line = bisect.bisect_right(self._line_starts, offset)
        return Position(line, offset - self._line_starts[line - 1] + 1)

    def _skip(self, index: int) -> int:
        text = self._text
        while index < len(text) and text[index] in _WHITESPACE:
            index += 1
        return index

    def _value(self, index: int, path: Path, key: int | None) -> int:
        """Records the value at ``index`` and everything inside it; returns the offset after it."""
        self._entries[path] = _Entry(key, index)
        char = self._text[index]
        if char == "{":
            return self._object(index + 1, path)
        if char == "[":
            return self._array(index + 1, path)
        _, end = _DECODER.raw_decode(self._text, index)
        return end

    def _object(self, index: int, path: Path) -> int:
        text = self._text
        seen: set[str] = set()
        index = self._skip(index)
        if text[index] == "}":
            return index + 1
        while True:
            key_at = index
            name, index = _DECODER.raw_decode(text, index)
            index = self._skip(index) + 1  # the colon
            index = self._skip(index)
            if name in seen:
                self.duplicates.append(Duplicate((*path, name), self._position(key_at)))
            seen.add(name)
            # The last occurrence wins, as in json.loads: its value is the one read.
            index = self._value(index, (*path, name), key_at)
            index = self._skip(index)
            if text[index] == "}":
                return index + 1
            index = self._skip(index + 1)  # the comma

    def _array(self, index: int, path: Path) -> int:
        text = self._text
        index = self._skip(index)
        if text[index] == "]":
            return index + 1
        position = 0
        while True:
            index = self._value(index, (*path, position), None)
            position += 1
            index = self._skip(index)
            if text[index] == "]":
                return index + 1
            index = self._skip(index + 1)  # the comma
