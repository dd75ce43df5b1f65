"""coach.starter and ``coach new``: a starter routine that shows every field and runs as it is."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from coach.cli import cli
from coach.loader import EXERCISE_FIELDS, TOP_FIELDS, parse_routine
from coach.starter import STARTER


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_the_starter_shows_every_field_of_the_routine_and_of_an_exercise() -> None:
    # A field added to the loader and not here fails this test: add it, with its comment.
    top = [f for f in TOP_FIELDS if not re.search(rf"^(# )?{f}:", STARTER, re.M)]
    assert top == [], "top-level fields missing from coach/starter.py"
    # An exercise's fields are indented four spaces, or follow its dash.
    exercise = [f for f in EXERCISE_FIELDS if not re.search(rf"^  (- |  )(# )?{f}:", STARTER, re.M)]
    assert exercise == [], "exercise fields missing from coach/starter.py"


def test_every_field_is_explained_where_it_first_comes_and_no_line_has_a_tab() -> None:
    explained = set()
    before = ""
    for line in STARTER.splitlines():
        assert "\t" not in line
        field = re.match(r"^[ -]*([a-z_]+):", line)
        if field and field[1] not in explained:
            # a comment at the end of the line, or on the line above
            assert "#" in line or before.startswith("#"), line
            explained.add(field[1])
        before = line
    assert explained >= set(TOP_FIELDS + EXERCISE_FIELDS)


def test_the_starter_is_a_routine_with_every_kind_of_exercise() -> None:
    routine = parse_routine(STARTER, "starter.yaml")
    assert [e.kind for e in routine.exercises] == [
        "hold",
        "breathe",
        "button",
        "counted",
        "activity",
    ]
    first = routine.exercises[0]
    assert first.sides and first.breathe_after is not None and first.check_in is True


def test_coach_new_writes_a_file_that_validates_and_runs(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    code, out, err = invoke("new", str(path))
    assert (code, err) == (0, "")
    assert out == f"wrote {path}; check it with: coach validate {path}\n"
    assert path.read_text(encoding="utf-8") == STARTER
    code, out, err = invoke("validate", str(path))
    assert (code, out, err) == (0, f"ok  {path}  (5 exercises)\n", "")
    code, out, _ = invoke("run", str(path), "--instant")
    assert code == 0
    assert "You did 5 of 5 exercises" in out


def test_coach_new_keeps_an_existing_file_unless_forced(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("name: Mine\n")
    code, out, err = invoke("new", str(path))
    assert (code, out) == (2, "")
    assert err.endswith(f"Error: {path} exists already; add --force to replace it\n")
    assert path.read_text() == "name: Mine\n"
    code, _, err = invoke("new", "--force", str(path))
    assert (code, err) == (0, "")
    assert path.read_text(encoding="utf-8") == STARTER
    assert [p.name for p in tmp_path.iterdir()] == ["mine.yaml"]  # no temporary file left


def test_coach_new_where_it_cannot_write_says_so_in_one_line(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    path = blocked / "mine.yaml"
    code, out, err = invoke("new", str(path))
    assert (code, out) == (1, "")
    assert err == f"coach: cannot write {path}: {blocked} is not a folder\n"
    code, out, err = invoke("new", str(tmp_path / "nowhere" / "mine.yaml"))
    assert (code, out) == (1, "")
    missing = tmp_path / "nowhere"
    assert err == f"coach: cannot write {missing / 'mine.yaml'}: {missing} does not exist\n"
    code, out, err = invoke("new", str(tmp_path))
    assert code == 2
    assert "is a directory" in err
