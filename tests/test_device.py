"""Device mode on the virtual clock through mock pins: menu, sessions, LED and buzzer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from coach import phrases
from coach.clock import VIRTUAL_WALL_START
from coach.device import Device
from coach.events import Event
from coach.hardware.indicators import BREATH_FLOOR, breath
from coach.library import Library
from coach.rig import RunOptions, ScriptedPress, build_rig
from coach.settings import Settings

LED, BUZZER = 27, 22
FAKE_PLAYER = (sys.executable, str(Path(__file__).with_name("fake_player.py")))


def settings(**values: Any) -> Settings:
    """The text voice with no tones and an LED, unless told otherwise."""
    return Settings.from_values({"led_pin": LED, "tones": False, **values})


def scenario(
    presses: list[tuple[float, str]], quit_at: float, cache_dir: Path | None = None, **values: Any
) -> Any:
    events: list[Event] = []
    rig = build_rig(
        settings(**values),
        RunOptions(
            instant=True,
            presses=[ScriptedPress(t, g) for t, g in presses],  # type: ignore[arg-type]
            listeners=[events.append],
            cache_dir=cache_dir,
            player_command=FAKE_PLAYER,
            start_at=VIRTUAL_WALL_START,
        ),
    )
    rig.clock.call_at(quit_at, rig.quit)
    return rig, events


def probe(rig: Any, pin: int, times: list[float]) -> list[tuple[float, Any]]:
    """Read a pin at exact virtual times while the device runs."""
    factory = rig.button.button.pin_factory
    seen: list[tuple[float, Any]] = []
    for t in times:
        rig.clock.call_at(t, lambda t=t: seen.append((t, factory.pin(pin).state)))
    return seen


def kinds(events: list[Event], type_: str, key: str) -> list[tuple[float, Any]]:
    return [(e.to_json()["t"], e.data[key]) for e in events if e.type == type_]


def test_a_whole_day_of_the_device() -> None:
    presses = [
        (7.0, "long"),  # crosses the long threshold at 8.0, released at 8.2: next routine
        (12.0, "press"),  # start the quick demo
        (30.0, "press"),  # pause
        (40.0, "press"),  # resume
        (60.0, "long"),  # skip ahead
        (70.0, "stop"),  # end the session: back to the menu
    ]
    rig, events = scenario(presses, quit_at=100.0)
    factory = rig.button.button.pin_factory
    led = probe(rig, LED, [1.05, 3.05, 8.05, 20.0, 35.0, 35.25, 90.0])
    assert Device(rig, Library()).run() == 0

    states = kinds(events, "state", "state")
    assert states == [
        (0.0, "idle"),
        (12.1, "running"),
        (30.1, "paused"),
        (40.1, "running"),
        (73.2, "stopped"),
        (73.2, "idle"),
    ]
    said = kinds(events, "say", "text")
    assert said[0] == (
        0.0,
        "Ready. Gentle relief for a pinched nerve in the leg, 13 minutes. "
        "Press to start, hold to choose another.",
    )
    assert (8.0, "Next routine.") in said
    assert (8.2, "Quick demo, 1 minute. Press to start, hold to choose another.") in said
    steps = kinds(events, "step", "kind")
    assert steps[0] == (12.1, "announce")
    # The long press at 60 skipped the rest of the hold it began in: held past
    # the hold's end at 61.15, it started nothing until let go at 61.2.
    assert (61.2, "announce") in steps
    assert not [t for t, _ in steps if 61.0 < t < 61.2]
    assert (73.2, phrases.SESSION_ENDED_EARLY) in said
    menu_again = [t for t, text in said if text.startswith("Ready. Quick demo")]
    assert len(menu_again) == 1 and menu_again[0] > 73.2  # after "Session ended." is heard
    gestures = kinds(events, "gesture", "gesture")
    assert [g for _, g in gestures] == ["long", "press", "press", "press", "long", "stop"]

    # The LED: breathing in the menu, steady while running, blinking when paused.
    values = dict(led)
    assert values[1.05] == pytest.approx(breath(1.0))
    assert values[3.05] == pytest.approx(breath(3.0))
    assert values[8.05] == 1.0  # the flash as the long threshold is crossed...
    assert breath(8.0) == BREATH_FLOOR  # ...where breathing alone would be at its lowest
    assert values[20.0] == 1.0
    assert {values[35.0], values[35.25]} == {0.0, 1.0}  # blinking, half a second each
    assert 0 < values[90.0] < 1  # back to breathing in the menu
    # After the quit: off, and the pin given back.
    assert factory.pin(LED).state == 0
    assert rig.button.button.closed


def test_stop_in_the_menu_repeats_it_and_long_walks_the_library() -> None:
    presses = [(2.0, "long"), (20.0, "long"), (40.0, "long"), (60.0, "stop")]
    rig, events = scenario(presses, quit_at=90.0)
    Device(rig, Library()).run()
    offers = [text for _, text in kinds(events, "say", "text") if "Press to start" in text]
    assert [o.split(",")[0] for o in offers] == [
        "Ready. Gentle relief for a pinched nerve in the leg",
        "Quick demo",
        "Hip and seat relief",  # the library wraps around
        "Gentle relief for a pinched nerve in the leg",
        # Stop repeats the menu, greeting and all.
        "Ready. Gentle relief for a pinched nerve in the leg",
    ]
    assert kinds(events, "state", "state") == [(0.0, "idle")]


def test_an_instant_device_ends_when_the_script_does() -> None:
    events: list[Event] = []
    options = RunOptions(
        instant=True, presses=[ScriptedPress(1.0, "long")], listeners=[events.append]
    )
    rig = build_rig(
        settings(), options
    )  # no quit scheduled: the LED's breathing must not keep it going
    assert Device(rig, Library()).run() == 0
    assert kinds(events, "gesture", "gesture") == [(2.2, "long")]
    assert rig.clock.now() == pytest.approx(2.2)


def test_the_buzzer_plays_the_tones_of_the_session() -> None:
    rig, _ = scenario(
        [(1.0, "press")],
        quit_at=200.0,
        buzzer_pin=BUZZER,
        buzzer_type="passive",
        speech="text",
        tones=True,
    )
    factory = rig.button.button.pin_factory
    heard: list[tuple[str, Any]] = []

    def on_tone(event: Event) -> None:
        if event.type == "say" and event.data.get("tone") == "start" and not heard:
            t = rig.clock.now()
            for label, dt in (("first", 0.05), ("second", 0.15), ("after", 0.3)):
                rig.clock.call_at(
                    t + dt, lambda label=label: heard.append((label, factory.pin(BUZZER).frequency))
                )

    rig.runtime.listeners.append(on_tone)
    Device(rig, Library(default="quick-demo")).run()
    assert heard == [("first", 660.0), ("second", 990.0), ("after", None)]


def test_pins_for_two_roles_are_refused_before_anything_is_claimed() -> None:
    from coach.errors import SettingsError

    with pytest.raises(SettingsError, match="GPIO17 is set for both the button and the status LED"):
        build_rig(settings(led_pin=17), RunOptions(instant=True))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_device_ends_cleanly_on_a_signal(tmp_path: Path, sig: signal.Signals) -> None:
    env = dict(os.environ, COACH_CONFIG=str(tmp_path / "none.yaml"), PYTHONUNBUFFERED="1")
    child = subprocess.Popen(
        [sys.executable, "-m", "coach", "device", "--simulate", "--speech", "text",
         "--led-pin", "27"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert child.stdout is not None
    first = child.stdout.readline()  # the menu is up
    assert "Ready." in first
    time.sleep(0.2)
    child.send_signal(sig)
    _, err = child.communicate(timeout=10)
    assert child.returncode == 0, err
    assert "Traceback" not in err


def test_with_real_speech_nothing_is_rendered_late(tmp_path: Path) -> None:
    rig, events = scenario(
        [(2.0, "long"), (20.0, "press"), (40.0, "stop")],
        quit_at=80.0,
        cache_dir=tmp_path,
        speech="pyttsx3",
        tones=True,
    )
    from coach.speech.voice import SpeechVoice

    voice = rig.voice
    assert isinstance(voice, SpeechVoice)
    Device(rig, Library()).run()
    assert voice.late_renders == 0
    said = [e.data["text"] for e in events if e.type == "say"]
    assert "Next routine." in said and phrases.SESSION_ENDED_EARLY in said


def test_reminders_and_the_greeting_line_on_the_device(utc: None) -> None:
    # The virtual clock starts at 06:00 UTC on 2026-12-01.
    presses = [(70.0, "press"), (100.0, "stop")]
    rig, events = scenario(presses, quit_at=200.0, reminders=("06:01",))
    days = [date(2026, 11, 28), date(2026, 11, 30)]
    device = Device(rig, Library(), session_days=lambda: days)
    led = probe(rig, LED, [60.05, 60.3, 60.55])
    assert device.run() == 0
    said = kinds(events, "say", "text")
    first = said[0][1]
    assert first.startswith("Ready. Gentle relief")
    assert said[1] == (round(rig.voice.duration(first), 3), "Your last session was yesterday.")
    assert said[2] == (60.0, phrases.REMINDER)
    assert kinds(events, "reminder", "time") == [(60.0, "06:01")]
    assert dict(led) == {60.05: 1.0, 60.3: 0.0, 60.55: 1.0}  # beckoning
    assert kinds(events, "state", "state")[1] == (70.1, "running")
    # Back in the menu after the session: the greeting, without the line.
    assert said[-1][1].startswith("Ready. Gentle relief")
    assert [t for _, t in said].count("Your last session was yesterday.") == 1
    assert device.last_session_started() == pytest.approx(rig.clock.wall() - 200.0 + 70.1)


def test_the_greeting_line_waits_for_a_synchronised_clock() -> None:
    rig, events = scenario([], quit_at=30.0)
    rig.clock.set_synchronised(False)
    device = Device(rig, Library(), session_days=lambda: [date(2026, 11, 30)])
    assert device.greeting_line() is None
    device.run()
    assert not [e for e in events if e.data.get("text") == "Your last session was yesterday."]
    assert Device(rig, Library()).greeting_line() is None  # no history: nothing


def test_the_reminder_and_the_greeting_line_are_rendered_ahead(utc: None) -> None:
    rig, _ = scenario([], quit_at=1.0, reminders=("08:00",))
    device = Device(rig, Library(), session_days=lambda: [date(2026, 11, 28)])
    lines = device._menu_lines([c.routine for c in device.choices])
    assert (phrases.REMINDER, None) in lines
    assert ("Your last session was three days ago.", None) in lines
    rig.close()


def test_a_finished_session_ends_with_the_adherence_line(utc: None) -> None:
    # The virtual clock starts at 06:00 UTC on 2026-12-01; the history has
    # yesterday's session and, as it records them as they start, today's.
    rig, events = scenario([(3.0, "long"), (5.0, "press")], quit_at=400.0)
    days = [date(2026, 11, 30), date(2026, 12, 1)]
    device = Device(rig, Library(), session_days=lambda: days)
    assert device.closing_line() == "That is two days in a row."
    assert device.run() == 0
    timed = kinds(events, "say", "text")
    said = [text for _, text in timed]
    summary = next(i for i, text in enumerate(said) if text.startswith("You did"))
    assert said[summary + 1] == "That is two days in a row."
    assert said[summary + 2].startswith("Ready.")  # the menu waits for it
    line_at, menu_at = timed[summary + 1][0], timed[summary + 2][0]
    assert menu_at >= line_at + rig.voice.duration(said[summary + 1])
    assert Device(rig, Library()).closing_line() is None  # no history: nothing


def test_with_real_speech_no_check_in_line_is_rendered_late(tmp_path: Path) -> None:
    # Pain asked and answered (a hold: none), "did that hurt?" left unanswered,
    # and a stop before the summary (made as it is said, so rendered then).
    rig, events = scenario(
        [(2.0, "long"), (4.0, "press"), (20.0, "long"), (100.0, "stop")],
        quit_at=200.0,
        cache_dir=tmp_path,
        speech="pyttsx3",
        tones=True,
        pain_check="on",
        check_in="on",
    )
    from coach.speech.voice import SpeechVoice

    voice = rig.voice
    assert isinstance(voice, SpeechVoice)
    Device(rig, Library()).run()
    said = [e.data["text"] for e in events if e.type == "say"]
    assert phrases.pain_confirm_text(0) in said and phrases.NO_ANSWER in said
    assert phrases.SESSION_ENDED_EARLY in said
    assert voice.late_renders == 0
