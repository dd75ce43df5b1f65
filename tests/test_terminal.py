"""The terminal: the status line and the console that keeps it in place."""

from __future__ import annotations

import io

from coach.events import Status
from coach.hardware.terminal import KEY_GESTURES, Console, status_text
from coach.plan import Step


def hold() -> Step:
    return Step("hold", 20.0, (), "Lunge", side="left leg", rep=2, reps=3, set=1, sets=2)


def test_status_shows_exercise_side_rep_set_and_seconds_left() -> None:
    status = Status("running", hold(), step_end=112.0)
    assert status_text(status, 100.0) == "Lunge · left leg · rep 2/3 · set 1/2 · hold ·   12 s left"


def test_paused_status_keeps_its_time() -> None:
    status = Status("paused", hold(), step_end=None, paused_remaining=7.4)
    assert (
        status_text(status, 500.0)
        == "PAUSED Lunge · left leg · rep 2/3 · set 1/2 · hold ·    7 s left"
    )


def test_button_steps_and_spoken_steps() -> None:
    wait = Step("wait", None, (), "Squeeze")
    assert status_text(Status("running", wait), 0.0) == "Squeeze · wait · press when done"
    intro = Step("announce", 4.0, ())
    assert (
        status_text(Status("running", intro, 4.0), 1.0) == "introduction · announce ·    3 s left"
    )
    assert status_text(Status("idle"), 0.0) == "idle"


def test_console_redraws_the_status_under_new_lines() -> None:
    out = io.StringIO()
    console = Console(out, live=True)
    console.status("Lunge · 5 s left")
    console.line("[00:01.0] Hold.")
    console.close()
    assert out.getvalue() == (
        "\r\x1b[KLunge · 5 s left\r\x1b[K[00:01.0] Hold.\nLunge · 5 s left\r\x1b[K"
    )


def test_a_plain_console_prints_lines_only() -> None:
    out = io.StringIO()
    console = Console(out, live=False)
    console.status("ignored")
    console.line("Hold.")
    assert out.getvalue() == "Hold.\n"


def test_keys() -> None:
    assert KEY_GESTURES == {" ": "press", "\n": "press", "\r": "press", "n": "long", "s": "stop"}
