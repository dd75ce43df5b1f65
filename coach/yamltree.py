"""Turn one YAML document into a small tree that remembers where each value was written.

PyYAML's constructors throw positions away and will build whatever Python object
a tag asks for. The routine loader instead lets the safe loader *compose* the
node graph and walks it here, so that every later message can name a line and a
column, and so that foreign tags, duplicate keys, alias tricks and text that
cannot be printed or spoken are refused before anything is interpreted.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from typing import BinaryIO

import yaml

from coach.syntax import cleaned, plain_problems

#: More expanded nodes than a valid routine could ever need (200 exercises of a
#: dozen fields stay under 7000), yet few enough to walk in well under a second.
MAX_NODES = 20_000

#: A routine is four levels deep; anything far deeper is a mistake or an attack.
MAX_DEPTH = 50

_YAML_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset({"str", "int", "float", "bool", "null"})
# ``2024-05-01`` resolves to a timestamp without any tag being written, so it is
# kept (as its text) and left for the field rules to refuse in their own words.
_TEXT_ONLY_TAGS = frozenset({"timestamp"})

#: Longest text a message shows of a value; longer text is cut, with "...".
SHOWN_CHARS = 60
# A lone surrogate (``"\ud800"`` in a double-quoted string) is no character at
# all: UTF-8 cannot encode it, so printing or speaking it fails.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Control characters (Unicode category Cc) other than newline and tab: escape
# codes drive a terminal, and spoken text has no use for any of them.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Problem:
    """One finding; ``line`` and ``column`` are 1-based, or None for the whole file."""

    line: int | None
    column: int | None
    message: str


@dataclass(frozen=True)
class Scalar:
    """A plain value. ``tag`` is the short YAML tag; ``text`` is the spelling in the file."""

    tag: str
    value: str | int | float | bool | None
    text: str
    line: int
    column: int


@dataclass(frozen=True)
class Seq:
    """A list: its ``items`` in order, and the 1-based ``line`` and ``column`` it starts at."""

    items: tuple[Tree, ...]
    line: int
    column: int


@dataclass(frozen=True)
class Entry:
    """One ``key: value`` pair; the position is the key's."""

    key: str
    value: Tree
    line: int
    column: int


@dataclass(frozen=True)
class Map:
    """A mapping: its ``entries`` in order, and the 1-based ``line`` and ``column`` it starts at."""

    entries: tuple[Entry, ...]
    line: int
    column: int


@dataclass(frozen=True)
class Broken:
    """A value that has already been reported, so that no rule complains twice."""

    line: int
    column: int


Tree = Scalar | Seq | Map | Broken


class TreeError(Exception):
    """The document cannot be read at all; carries the problem to report (``problem``).

    A few mistakes are found on several lines at once (every line indented
    with a tab): ``problems`` holds them all, ``problem`` the first.
    """

    def __init__(self, problem: Problem, *more: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem
        self.problems = [problem, *more]


class NotRegularFile(OSError):
    """The path names a folder, a pipe, a device or a socket, not a file to read.

    :param path: the path, as given.
    :param kind: what it is instead, for messages: ``a directory``, ``a named pipe``, ...
    """

    def __init__(self, path: str, kind: str) -> None:
        super().__init__(f"{path}: is {kind}, not a regular file")
        self.path = path
        self.kind = kind


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _require_regular(mode: int, path: str) -> None:
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        raise NotRegularFile(path, kind)


def open_regular(path: str) -> BinaryIO:
    """Open the regular file at ``path`` for reading; refuse anything else before opening it.

    Opening a named pipe blocks until a writer comes, and a device such as
    ``/dev/zero`` never ends, so what ``path`` names is checked first; the
    file is then opened without blocking and checked again, in case it was
    swapped in between.

    :raises NotRegularFile: when ``path`` names a folder, a pipe, a device or a socket.
    :raises OSError: when it cannot be found or read.
    """
    _require_regular(os.stat(path).st_mode, path)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        _require_regular(os.fstat(fd).st_mode, path)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def text_problem(text: str) -> tuple[str, int] | None:
    """The rule ``text`` breaks as text from a file, and where in it; ``None`` when it is sound.

    Every string in a routine or settings file, keys too, must be encodable as
    UTF-8 and free of control characters other than newline and tab.
    """
    surrogate = _SURROGATE.search(text)
    if surrogate:
        return "must be text that can be encoded as UTF-8 (no lone surrogates)", surrogate.start()
    control = _CONTROL.search(text)
    if control:
        return "must not contain control characters (other than newline and tab)", control.start()
    return None


def shown(text: str, around: int = 0) -> str:
    """Text from a file as a message shows it: quoted, escaped, short.

    Escaped as ``repr`` does, so that nothing in it can drive a terminal, and
    cut to :data:`SHOWN_CHARS` characters around the one at ``around``.
    """
    if len(text) <= SHOWN_CHARS:
        return repr(text)
    room = SHOWN_CHARS - 3
    start = 0 if around < room - 10 else min(around - 10, len(text) - room + 3)
    if start == 0:
        return repr(text[:room] + "...")
    end = start + room - 3
    return repr("..." + text[start:end] + ("..." if end < len(text) else ""))


def printable(name: str) -> str:
    """A file or routine name as messages show it: as it is, or escaped like :func:`shown`
    (but never cut) when it holds anything a terminal would not print as it is.
    """
    return name if name.isprintable() else repr(name)


def join(path: str, key: str) -> str:
    """Extend a field path (``exercises[2]`` + ``sides``) the way messages spell it.

    A key that is not plain printable text is shown escaped, as :func:`shown` does.
    """
    if not key.isprintable():
        key = shown(key)
    return f"{path}.{key}" if path else key


def located(path: str, message: str) -> str:
    """``message`` after the field path it is about (``exercises[2].sides: ...``), if any."""
    return f"{path}: {message}" if path else message


class _Loader(yaml.SafeLoader):
    """The safe loader, giving up once a document holds more nodes than a routine could.

    The walk below bounds alias expansion; this bounds the composing itself, so
    that 256 KiB of ``[1,1,1,...`` is refused after a fraction of it is parsed.
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.composed = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self.composed += 1
        if self.composed > MAX_NODES:
            mark = self.get_mark()
            message = f"too many values for a routine (more than {MAX_NODES})"
            raise TreeError(Problem(mark.line + 1, mark.column + 1, message))
        return super().compose_node(parent, index)


def read_tree(text: str) -> tuple[Tree, list[Problem]]:
    """Compose ``text`` as exactly one YAML document and convert it.

    Returns the tree and the problems found on the way (foreign tags, duplicate
    keys, recursive aliases); raises :class:`TreeError` when there is no
    document to speak of (syntax error, empty file, several documents, an alias
    bomb).
    """
    loader: _Loader | None = None
    try:
        loader = _Loader(text)
        node = loader.get_node() if loader.check_node() else None
        if node is None or (
            isinstance(node, yaml.ScalarNode) and node.tag == _YAML_TAG + "null" and not node.value
        ):
            raise TreeError(Problem(None, None, "file is empty"))
        if not loader.check_event(yaml.StreamEndEvent):
            mark = loader.peek_event().start_mark  # type: ignore[no-untyped-call]  # stub gap
            raise TreeError(
                Problem(
                    mark.line + 1,
                    mark.column + 1,
                    "the file must hold a single YAML document, but another one starts here",
                )
            )
        walker = _Walker(loader)
        return walker.walk(node, "", 0), walker.problems
    except yaml.YAMLError as error:
        raise TreeError(*_syntax_problems(error, text)) from None
    except RecursionError:
        # The composer recurses once per nesting level, so a deep enough
        # ``[[[[...`` exhausts the stack before any rule of ours could object.
        line, column = (1, 1)
        if loader is not None:
            mark = loader.get_mark()
            line, column = mark.line + 1, mark.column + 1
        raise TreeError(Problem(line, column, "YAML nested too deeply")) from None
    finally:
        if loader is not None:
            loader.dispose()


def _syntax_problems(error: yaml.YAMLError, text: str) -> list[Problem]:
    if isinstance(error, yaml.MarkedYAMLError):
        plain = plain_problems(error, text)
        if plain:
            return [Problem(p.line, p.column, p.message) for p in plain]
        mark = error.problem_mark or error.context_mark
        # Structure is what the scanner and parser judge; a hint on spaces and
        # colons helps there, not with an alias that names no anchor.
        hint = isinstance(error, (yaml.scanner.ScannerError, yaml.parser.ParserError))
        reason = cleaned(error.problem or error.context or "unreadable YAML", hint)
        if mark is not None:
            return [Problem(mark.line + 1, mark.column + 1, reason)]
        return [Problem(None, None, reason)]
    if isinstance(error, yaml.reader.ReaderError):
        before = text[: error.position]
        line = before.count("\n") + 1
        column = error.position - (before.rfind("\n") + 1) + 1
        reason = f"unacceptable character #x{error.character:04x}: {error.reason}"
        return [Problem(line, column, f"YAML syntax error: {reason}")]
    return [Problem(None, None, f"YAML syntax error: {error}")]


def _tag_name(tag: str) -> str:
    """``tag:yaml.org,2002:int`` -> ``int``; any other tag stays as it is."""
    return tag[len(_YAML_TAG) :] if tag.startswith(_YAML_TAG) else tag


def _short_tag(tag: str) -> str:
    """The tag as a person would have written it: ``!!int``, ``!custom``."""
    return "!!" + _tag_name(tag) if tag.startswith(_YAML_TAG) else tag


class _Walker:
    """Expands the composed node graph, counting every node it visits.

    Aliases make the graph share nodes, so visits (not nodes) are what can blow
    up; counting them bounds the work whatever the anchors do.
    """

    def __init__(self, loader: yaml.SafeLoader) -> None:
        self._loader = loader
        self._visits = 0
        self._open: set[int] = set()  # ids of the collections being walked: a cycle guard
        self.problems: list[Problem] = []

    def _report(self, node: yaml.Node, path: str, message: str) -> Broken:
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        self.problems.append(Problem(line, column, located(path, message)))
        return Broken(line, column)

    def _count(self, node: yaml.Node) -> None:
        self._visits += 1
        if self._visits > MAX_NODES:
            mark = node.start_mark
            raise TreeError(
                Problem(
                    mark.line + 1,
                    mark.column + 1,
                    "too many nodes after expanding aliases (an alias bomb?)",
                )
            )

    def _foreign_tag(self, node: yaml.Node, path: str) -> Broken:
        if node.tag == _YAML_TAG + "merge":
            return self._report(node, path, "merge keys ('<<') are not supported")
        return self._report(
            node,
            path,
            f"unsupported YAML tag {_short_tag(node.tag)!r}; only strings, numbers, "
            "true/false, null, lists and mappings are allowed",
        )

    def walk(self, node: yaml.Node, path: str, depth: int) -> Tree:
        self._count(node)
        if id(node) in self._open:
            return self._report(node, path, "recursive alias: this value contains itself")
        if depth > MAX_DEPTH:
            return self._report(node, path, "nested too deeply")
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _YAML_TAG + "seq":
                return self._foreign_tag(node, path)
            self._open.add(id(node))
            items = tuple(
                self.walk(item, f"{path}[{index}]", depth + 1)
                for index, item in enumerate(node.value)
            )
            self._open.discard(id(node))
            return Seq(items, node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            if node.tag != _YAML_TAG + "map":
                return self._foreign_tag(node, path)
            self._open.add(id(node))
            mapping = self._mapping(node, path, depth)
            self._open.discard(id(node))
            return mapping
        raise AssertionError(f"unexpected YAML node {node!r}")  # pragma: no cover

    def _scalar(self, node: yaml.ScalarNode, path: str) -> Scalar | Broken:
        tag = _tag_name(node.tag)
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        problem = text_problem(node.value)
        if problem is not None:
            rule, at = problem
            return self._report(node, path, f"{rule}, got {shown(node.value, at)}")
        if tag in _TEXT_ONLY_TAGS:
            return Scalar(tag, node.value, node.value, line, column)
        if tag not in _SCALAR_TAGS:
            return self._foreign_tag(node, path)
        try:
            value = self._loader.construct_object(node)
        except (yaml.YAMLError, ArithmeticError, LookupError, ValueError, TypeError):
            # An explicit tag on text that does not fit it, such as ``!!int ten``.
            return self._report(
                node, path, f"does not fit the tag {_short_tag(node.tag)}, got {shown(node.value)}"
            )
        return Scalar(tag, value, node.value, line, column)

    def _mapping(self, node: yaml.MappingNode, path: str, depth: int) -> Map:
        entries: list[Entry] = []
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            self._count(key_node)
            if not isinstance(key_node, yaml.ScalarNode):
                kind = "a list" if isinstance(key_node, yaml.SequenceNode) else "a mapping"
                self._report(key_node, path, f"a key must be a plain name, got {kind}")
                continue
            if _tag_name(key_node.tag) not in _SCALAR_TAGS | _TEXT_ONLY_TAGS:
                self._foreign_tag(key_node, path)
                continue
            # Keys are compared as written: a routine's field names are all text,
            # and ``on:`` or ``1:`` would be unknown fields whatever YAML makes of them.
            key = key_node.value
            problem = text_problem(key)
            if problem is not None:
                rule, at = problem
                self._report(key_node, path, f"a key {rule}, got {shown(key, at)}")
                continue
            line = key_node.start_mark.line + 1
            if key in first_line:
                self._report(
                    key_node, path, f"duplicate key {key!r} (first at line {first_line[key]})"
                )
                continue
            first_line[key] = line
            value = self.walk(value_node, join(path, key), depth + 1)
            entries.append(Entry(key, value, line, key_node.start_mark.column + 1))
        return Map(tuple(entries), node.start_mark.line + 1, node.start_mark.column + 1)
