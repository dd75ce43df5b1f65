"""The ``count`` setting: how much is counted aloud, from the settings to the plan and the cache."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from coach.cli import cli
from coach.loader import load_routine
from coach.plan import Priority, compile_plan
from coach.settings import BY_KEY, Settings
from coach.speech.pyttsx3_backend import Pyttsx3Backend
from coach.speech.setup import settle_plan
from coach.voice import estimate_seconds
from tests.conftest import exercise, make_run, routine
from tests.speech_helpers import speech_voice

HOLDS = routine(
    exercise("A", seconds=40.0, reps=2, rest_seconds=10.0, ready=5.0),
    exercise("B", kind="activity", seconds=30.0),
)


def test_count_is_a_setting_with_all_as_its_default() -> None:
    assert Settings.from_values().count == "all"
    assert Settings.from_values(count="tones").count == "tones"
    assert BY_KEY["count"].envvar == "COACH_COUNT"
    assert list(BY_KEY["count"].type.choices) == ["all", "end", "tones"]


def test_count_tones_ticks_instead_of_each_digit() -> None:
    plan = compile_plan(HOLDS, estimate_seconds, tones=False, count="tones")
    counted = [c for s in plan.steps for c in s.cues if c.priority == Priority.COUNT]
    assert counted and all((c.text, c.tone) == ("", "tick") for c in counted)
    said = [c.text for s in plan.steps for c in s.cues]
    assert not [t for t in said if t in ("3", "2", "1")]
    # Everything else is said as with count: all.
    hold = next(s for s in plan.steps if s.kind == "hold")
    assert [(c.offset_seconds, c.text) for c in hold.cues] == [
        (0.0, "Hold still."), (20.0, "Halfway."), (30.0, "10 seconds left."),
        (37.0, ""), (38.0, ""), (39.0, ""),
    ]  # fmt: skip


def test_ticks_play_on_the_virtual_clock_where_the_digits_were() -> None:
    r = routine(exercise("A", seconds=5.0, ready=0.0), name="T")
    run = make_run(r)
    run.plan = compile_plan(r, run.voice.duration, tones=False, count="tones")
    run.session.plan = run.plan
    run.go()
    start = next(t for t, kind in run.steps() if kind == "hold")
    ticks = [(round(s.t - start, 3), s.tone) for s in run.voice.said if s.text == ""]
    assert ticks == [(2.0, "tick"), (3.0, "tick"), (4.0, "tick")]


def test_a_tick_is_rendered_as_a_tone_and_no_words(backend: Pyttsx3Backend, tmp_path: Path) -> None:
    voice = speech_voice(tmp_path, backend)
    routine_ = load_routine(Path(__file__).parent.parent / "routines" / "quick-demo.yaml")
    plan = settle_plan(routine_, voice, tones=True, count="tones")
    assert ("", "tick") in plan.phrases()
    assert voice.renderer.missing(plan.phrases()) == []
    assert not voice.renderer.cache.speech_path("").exists()
    voice.close()


def test_preview_takes_the_count_setting() -> None:
    out = CliRunner().invoke(
        cli, ["preview", "pinched-nerve-leg", "--speech", "text", "--cues", "--count", "end"]
    )
    assert out.exit_code == 0, out.output
    assert "10 seconds left." not in out.stdout and "Halfway." not in out.stdout
    assert "  3\n" in out.stdout
    env = {"COACH_COUNT": "tones"}
    out = CliRunner().invoke(cli, ["preview", "quick-demo", "--speech", "text", "--cues"], env=env)
    assert "(tick tone)\n" in out.stdout
