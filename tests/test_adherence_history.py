"""The adherence lines from the real history: sessions on three days, through the commands."""

from __future__ import annotations

import os

from click.testing import CliRunner

from coach import phrases
from coach.cli import cli

ENV = {"COACH_CONFIG": os.devnull}


def said(*args: str) -> list[str]:
    """What a command said, without the times."""
    result = CliRunner().invoke(cli, list(args), env=ENV)
    assert result.exit_code == 0, result.stderr
    return [line.split("] ", 1)[1] for line in result.stdout.splitlines() if line.startswith("[")]


def run_on(day: str) -> list[str]:
    return said("run", "quick-demo", "--instant", "--start-at", f"{day}T08:00")


def test_a_run_of_days_is_said_once_a_day_and_the_greeting_names_the_last(utc: None) -> None:
    assert not any("in a row" in line for line in run_on("2026-11-29"))
    assert run_on("2026-11-30")[-1] == "That is two days in a row."
    # The next morning the box greets with the last session, and counts the third day.
    device = said(
        "device", "--instant", "--start-at", "2026-12-01T08:00", "--default-routine",
        "quick-demo", "--press-at", "20:press",
    )  # fmt: skip
    assert device[0].startswith(f"{phrases.READY} Quick demo")
    assert device[1] == phrases.LAST_SESSION_YESTERDAY
    assert "That is three days in a row." in device
    # A second session the same day says nothing more of it.
    assert not any("in a row" in line for line in run_on("2026-12-01"))


def test_a_gap_is_named_without_nagging(utc: None) -> None:
    run_on("2026-11-25")
    device = said("device", "--instant", "--start-at", "2026-11-28T09:00")
    assert device[1] == "Your last session was three days ago."
    assert run_on("2026-11-28")[-1].startswith("You did 2 of 2 exercises")
