"""Every public class, function, method and property of the package has a docstring.

A method may go without one when a base class it explicitly inherits from in
the package (resolved by simple name, through any depth of bases) documents a
method of the same name: ``class TextVoice(Voice)`` need not repeat what
``Voice.close`` says.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "coach"

Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def _public(name: str) -> bool:
    return not name.startswith("_")


def _base_name(base: ast.expr) -> str | None:
    """The simple name of a base: ``Mode`` and ``runtime.Mode`` are both ``Mode``."""
    if isinstance(base, ast.Subscript):  # Generic[T], Protocol[T]
        base = base.value
    if isinstance(base, ast.Name):
        return base.id
    if isinstance(base, ast.Attribute):
        return base.attr
    return None


def _is_accessor(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A property's setter or deleter: documented by its getter."""
    return any(
        isinstance(d, ast.Attribute) and d.attr in ("setter", "deleter")
        for d in function.decorator_list
    )


def _methods(cls: ast.ClassDef) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in cls.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def undocumented(package: Path) -> list[str]:
    """``file:line name`` for every public definition in ``package`` without a docstring."""
    root = package.parent
    modules = {path: ast.parse(path.read_text(encoding="utf-8")) for path in package.rglob("*.py")}
    classes: dict[str, list[ast.ClassDef]] = {}
    for tree in modules.values():
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                classes.setdefault(node.name, []).append(node)

    def documented_on_a_base(cls: ast.ClassDef, method: str, seen: set[int]) -> bool:
        for base in cls.bases:
            name = _base_name(base)
            for parent in classes.get(name or "", []):
                if id(parent) in seen:
                    continue
                seen.add(id(parent))
                if any(m.name == method and ast.get_docstring(m) for m in _methods(parent)):
                    return True
                if documented_on_a_base(parent, method, seen):
                    return True
        return False

    missing: list[str] = []
    for path in sorted(modules):
        where = path.relative_to(root).as_posix()
        for node in modules[path].body:
            if not isinstance(node, Definition) or not _public(node.name):
                continue
            if not ast.get_docstring(node):
                missing.append(f"{where}:{node.lineno} {node.name}")
            if not isinstance(node, ast.ClassDef):
                continue
            for method in _methods(node):
                if not _public(method.name) or _is_accessor(method) or ast.get_docstring(method):
                    continue
                if not documented_on_a_base(node, method.name, {id(node)}):
                    missing.append(f"{where}:{method.lineno} {node.name}.{method.name}")
    return missing


def test_every_public_definition_has_a_docstring() -> None:
    missing = undocumented(PACKAGE)
    assert not missing, "no docstring:\n" + "\n".join(missing)


# -- the check itself ------------------------------------------------------------------


def _package(tmp_path: Path, **modules: str) -> Path:
    package = tmp_path / "pkg"
    package.mkdir()
    for name, source in modules.items():
        (package / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    return package


def test_the_check_finds_each_kind_of_missing_docstring(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        things="""\
            def function():
                pass


            class Thing:
                def method(self):
                    pass

                @property
                def value(self):
                    return 1

                def _private(self):
                    pass


            class _Hidden:
                def method(self):
                    pass


            def _helper():
                pass
        """,
    )
    assert undocumented(package) == [
        "pkg/things.py:1 function",
        "pkg/things.py:5 Thing",
        "pkg/things.py:6 Thing.method",
        "pkg/things.py:10 Thing.value",
    ]


def test_a_method_documented_on_a_base_in_the_package_is_excused(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        base='''\
            """Bases."""

            class Voice:
                """A voice."""

                def say(self):
                    """Say it."""

                def stop(self):
                    pass


            class Loud(Voice):
                """A loud voice."""
        ''',
        impl='''\
            """Implementations."""
            import base
            from base import Loud


            class Quiet(base.Voice):
                """Explicitly a voice."""

                def say(self):
                    pass

                def stop(self):
                    pass


            class Quieter(Loud):
                """A voice two levels down."""

                def say(self):
                    pass


            class Lookalike:
                """Has the same methods, but does not say it is a voice."""

                def say(self):
                    pass


            class Worker(threading.Thread):
                """A base from outside the package excuses nothing."""

                def say(self):
                    pass
        ''',
    )
    assert undocumented(package) == [
        "pkg/base.py:9 Voice.stop",
        "pkg/impl.py:12 Quiet.stop",
        "pkg/impl.py:26 Lookalike.say",
        "pkg/impl.py:33 Worker.say",
    ]
