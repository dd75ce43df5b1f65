"""YAML syntax errors in plain words, for the mistakes people make writing YAML by hand.

PyYAML reports where its parser gave up, in its own terms ("mapping values are
not allowed here", "expected <block end>, but found '?'"). A person writing a
routine in a text editor has usually done one of a few things: indented with a
tab, indented a field more or less than the one above it, misaligned the dash
of a list item, or left out a colon or the space after it. Each of these leaves
a known trace in the parser's error; this module reads the error together with
the lines around it and says which line to change, and how. Anything else keeps
the parser's words, cleaned of its jargon, with a hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

__all__ = ["SyntaxProblem", "cleaned", "plain_problems"]

TABS = "use spaces, not tabs, to indent"
TAB_AFTER = "use a space, not a tab, here"
HINT = (
    "check the spaces at the start of this line and the line above, "
    "and that each field has ': ' after its name"
)

# ``- - key: value``: the dashes of list items, then what the line holds.
_LINE = re.compile(r"^(?P<indent> *)(?P<dashes>(?:-(?: +|$))*)(?P<rest>.*)$")
# A field as people write it: a plain name, then ':' and a space or the end.
_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w-]*) *:(?: |$)")
_NO_SPACE = re.compile(r"^(?P<key>[A-Za-z_][\w-]*):(?P<value>[^\s:].*)$")
_NO_COLON = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)(?: +(?P<value>[^:#]*?))? *$")
_GLUED_DASH = re.compile(r"^-(?P<item>[A-Za-z_].*)$")
_FLOW = {
    "while parsing a flow sequence": ("list [", "]"),
    "while parsing a flow mapping": ("mapping {", "}"),
}
_JARGON = (
    ("<block end>", "the end of the block"),
    ("'<block mapping start>'", "a field"),
    ("'<block sequence start>'", "a list item"),
    ("'<scalar>'", "a value"),
    ("'?'", "a field"),
    ("'-'", "a list item"),
)


@dataclass(frozen=True)
class SyntaxProblem:
    """One problem in plain words, at a 1-based ``line`` and ``column``."""

    line: int
    column: int
    message: str


@dataclass(frozen=True)
class _Line:
    number: int  # 1-based
    indent: int  # spaces before the first dash or the text
    head: int  # spaces before the text after the dashes: where a key starts
    dashes: str
    rest: str

    @property
    def key(self) -> str | None:
        match = _KEY.match(self.rest)
        return match["key"] if match else None


def _parse(text: str, number: int) -> _Line:
    match = _LINE.match(text)
    assert match is not None  # every line matches: each part may be empty
    head = len(match["indent"]) + len(match["dashes"])
    return _Line(number, len(match["indent"]), head, match["dashes"], match["rest"].rstrip())


def _content(lines: list[str], number: int) -> _Line | None:
    """Line ``number`` (1-based) when it holds more than blanks or a comment."""
    if not 1 <= number <= len(lines):
        return None
    text = lines[number - 1]
    if not text.strip() or text.lstrip().startswith("#"):
        return None
    return _parse(text, number)


def _above(lines: list[str], number: int) -> list[_Line]:
    """The lines above line ``number`` that hold something, nearest first."""
    found = (_content(lines, n) for n in range(number - 1, 0, -1))
    return [line for line in found if line is not None]


def _spaces(count: int) -> str:
    return "1 space" if count == 1 else f"{count} spaces"


def plain_problems(error: yaml.MarkedYAMLError, text: str) -> list[SyntaxProblem]:
    """What ``error`` means in ``text``, in plain words; empty when it is not a known mistake.

    A tab yields one problem for every line indented with one; every other
    known mistake yields one problem, on the line to change.
    """
    lines = text.split("\n")
    problem = error.problem or ""
    mark = error.problem_mark
    if mark is None:
        return []
    if "'\\t'" in problem:
        return _tabs(lines, mark.line + 1, mark.column + 1)
    found: SyntaxProblem | None = None
    if problem == "mapping values are not allowed here":
        found = _colon_too_many(lines, mark.line + 1, mark.column)
    elif problem.startswith("expected <block end>"):
        found = _misaligned(lines, mark.line + 1)
    elif problem == "could not find expected ':'" and error.context_mark is not None:
        line = _content(lines, error.context_mark.line + 1)
        if line is not None:
            found = _colon_missing(line)
    elif error.context == "while scanning a quoted scalar" and error.context_mark is not None:
        start = error.context_mark
        quote = lines[start.line][start.column : start.column + 1]
        found = SyntaxProblem(
            start.line + 1,
            start.column + 1,
            f"the quote ({quote}) that starts here is never closed; end the text with {quote}",
        )
    elif error.context in _FLOW and error.context_mark is not None:
        start = error.context_mark
        opened, closed = _FLOW[error.context]
        found = SyntaxProblem(
            start.line + 1,
            start.column + 1,
            f"the {opened} that starts here is never closed; end it with {closed}",
        )
    # Text from the file is quoted as it is: when it would not print as it
    # is (a bidi control, say), the parser's own words are safer.
    return [found] if found is not None and found.message.isprintable() else []


def cleaned(problem: str, hint: bool) -> str:
    """The parser's own words with its jargon spelt out, and a hint where one helps."""
    for jargon, words in _JARGON:
        problem = problem.replace(jargon, words)
    return f"YAML syntax error: {problem}" + (f" ({HINT})" if hint else "")


def _tabs(lines: list[str], line: int, column: int) -> list[SyntaxProblem]:
    found: dict[int, SyntaxProblem] = {}
    for number, text in enumerate(lines, 1):
        lead = text[: len(text) - len(text.lstrip(" \t-"))]
        if "\t" in lead:
            found[number] = SyntaxProblem(number, lead.index("\t") + 1, TABS)
    if line not in found:
        # A tab between a field and its value, or inside a [list] or {mapping}.
        found[line] = SyntaxProblem(line, column, TAB_AFTER)
    return [found[number] for number in sorted(found)]


def _colon_too_many(lines: list[str], number: int, colon: int) -> SyntaxProblem | None:
    """A ':' the parser did not expect: in a value, or after a line it read as text."""
    line = _content(lines, number)
    if line is None:
        return None
    if line.key is None or colon > line.head + len(line.key):
        # The colon is inside the value: ``instructions: Sit: then stand``.
        field = line.key or ""
        value = line.rest[len(field) + 1 :].strip() if field else line.rest
        if field and value and not value.startswith(("'", '"')):
            quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
            return SyntaxProblem(
                number,
                colon + 1,
                f"the text of '{field}' holds ': ', which YAML takes for a new field; "
                f"put the text in quotes: {field}: {quoted}",
            )
        return None
    # This line's field is fine, so the line the parser read it with is at fault.
    above = _above(lines, number)
    if not above:
        return None
    previous = above[0]
    wrong = _glued_or_colon(previous, line, above[1] if len(above) > 1 else None)
    if wrong is not None:
        return wrong
    above_field = next((each for each in above if each.key is not None), None)
    if above_field is not None and above_field.head < line.head:
        return _indented(line, above_field)
    return None


def _glued_or_colon(previous: _Line, line: _Line, before: _Line | None) -> SyntaxProblem | None:
    """``-name: E``, ``name:E`` or ``name E`` on the line above ``line``.

    An item of a list of text (``- left leg`` under ``- right leg``) needs no
    colon: there ``line`` is indented too far instead.
    """
    glued = _GLUED_DASH.match(previous.rest)
    if glued and previous.key is None:
        return SyntaxProblem(
            previous.number,
            previous.head + 1,
            f"put a space after the dash: '- {glued['item']}'",
        )
    in_list = bool(
        before is not None
        and previous.dashes
        and before.dashes
        and before.indent == previous.indent
        and before.key is None
    ) or bool(previous.dashes and " " not in previous.rest)
    if previous.key is None and previous.head == line.head and not in_list:
        return _colon_missing(previous)
    return None


def _colon_missing(line: _Line) -> SyntaxProblem | None:
    """``name:E`` or ``name E``: the space after the colon, or the colon, left out."""
    no_space = _NO_SPACE.match(line.rest)
    if no_space:
        return SyntaxProblem(
            line.number,
            line.head + 1,
            f"put a space after the colon: '{no_space['key']}: {no_space['value']}'",
        )
    no_colon = _NO_COLON.match(line.rest)
    if no_colon:
        key, value = no_colon["key"], no_colon["value"]
        written = f"{key}: {value}" if value else f"{key}:"
        return SyntaxProblem(
            line.number,
            line.head + 1,
            f"'{key}' needs a colon after it: '{written}'",
        )
    return None


def _indented(line: _Line, field: _Line) -> SyntaxProblem:
    return SyntaxProblem(
        line.number,
        line.head + 1,
        f"'{line.key}' is indented {_spaces(line.head)}, but the field above it "
        f"('{field.key}', line {field.number}) is indented {field.head}; line them up",
    )


def _misaligned(lines: list[str], number: int) -> SyntaxProblem | None:
    """The parser closed a block before this line: it is indented unlike those above."""
    line = _content(lines, number)
    if line is None:
        return None
    above = _above(lines, number)
    glued = _GLUED_DASH.match(line.rest)
    if glued and line.key is None:
        return SyntaxProblem(
            number, line.head + 1, f"put a space after the dash: '- {glued['item']}'"
        )
    if line.dashes:
        dashes = [each for each in above if each.dashes]
        if not dashes:
            return None
        # The dash meant: the nearest in indent, then in lines.
        dash = min(dashes, key=lambda each: abs(each.indent - line.indent))
        return SyntaxProblem(
            line.number,
            line.indent + 1,
            f"this item's dash is indented {_spaces(line.indent)}, but the dash of the item "
            f"above it (line {dash.number}) is indented {dash.indent}; line them up",
        )
    if line.key is None:
        return None
    # The fields still open above this line, innermost first: each is indented
    # less than every field between it and this line.
    open_fields: list[_Line] = []
    for each in above:
        if each.key is not None and (not open_fields or each.head < open_fields[-1].head):
            open_fields.append(each)
    deeper = [each for each in open_fields if each.head > line.head]
    field = deeper[-1] if deeper else open_fields[0] if open_fields else None
    if field is None or field.head == line.head:
        return None
    return _indented(line, field)
