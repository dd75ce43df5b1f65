"""Adherence lines: the greeting's "last session", the end's run of days, never nagging."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from coach.adherence import adherence_line, adherence_lines, number_word, streak

TODAY = date(2026, 12, 1)


def ago(*days: int) -> list[date]:
    return [TODAY - timedelta(days=d) for d in days]


@pytest.mark.parametrize(
    ("days", "line"),
    [
        ([], None),
        (ago(0), None),  # today already: nothing to say
        (ago(0, 1), None),
        (ago(1), "Your last session was yesterday."),
        (ago(3), "Your last session was three days ago."),
        (ago(5, 3, 40), "Your last session was three days ago."),  # the last one counts
        (ago(21), "Your last session was twenty-one days ago."),
        (ago(30), "Your last session was thirty days ago."),
        (ago(31), None),  # long ago: never nagging
        (ago(40), None),
        (ago(-2), None),  # a day ahead of today (a clock set wrong) is no last session
    ],
)
def test_the_greeting_says_when_the_last_session_was(days: list[date], line: str | None) -> None:
    assert adherence_line(days, TODAY, at_end=False) == line


@pytest.mark.parametrize(
    ("days", "line"),
    [
        (ago(0), None),  # a run of one is no run
        (ago(0, 2), None),  # a gap breaks it
        (ago(0, 1), "That is two days in a row."),
        (ago(0, 1, 2), "That is three days in a row."),
        (ago(0, 1, 2, 4, 5), "That is three days in a row."),
        (ago(*range(7)), "That is seven days in a row."),
        (ago(*range(7), 1, 3), "That is seven days in a row."),  # two sessions a day before
        (ago(0, 0, 1, 2), None),  # the second session today: said once a day
        (ago(1, 2), None),  # no session today (the caller forgot it): nothing
    ],
)
def test_the_end_of_a_session_says_a_run_of_days_once_a_day(
    days: list[date], line: str | None
) -> None:
    assert adherence_line(days, TODAY, at_end=True) == line


def test_a_run_counts_back_from_today() -> None:
    assert streak(ago(0, 1, 2, 4), TODAY) == 3
    assert streak(ago(1, 2), TODAY) == 0
    assert streak([], TODAY) == 0


@pytest.mark.parametrize(
    ("n", "word"),
    [(0, "zero"), (2, "two"), (13, "thirteen"), (20, "twenty"), (42, "forty-two"), (100, "100")],
)
def test_numbers_are_said_as_words(n: int, word: str) -> None:
    assert number_word(n) == word


def test_every_greeting_line_is_among_those_rendered_ahead() -> None:
    lines = set(adherence_lines())
    for d in range(1, 31):
        assert adherence_line(ago(d), TODAY, at_end=False) in lines
    for n in range(2, 8):
        assert adherence_line(ago(*range(n)), TODAY, at_end=True) in lines
    assert "That is eight days in a row." not in lines
