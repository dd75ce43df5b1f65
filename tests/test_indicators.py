"""The status LED and the buzzer on mock pins, read at exact virtual times."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from coach.clock import VirtualClock
from coach.errors import HardwareError, SettingsError
from coach.events import Event
from coach.hardware.button import ButtonSource
from coach.hardware.gpio import check_pins, mock_factory
from coach.hardware.indicators import (
    BECKON_FOR_SECONDS,
    BREATH_FLOOR,
    BREATH_SECONDS,
    StatusLed,
    TonePlayer,
    breath,
)


def at(clock: VirtualClock, factory: Any, pin: int, times: list[float], attr: str = "state") -> Any:
    seen: dict[float, Any] = {}

    def read(t: float) -> None:
        seen[t] = getattr(factory.pin(pin), attr)

    for t in times:
        clock.call_at(t, functools.partial(read, t))
    clock.advance(max(times) + 0.01)
    return seen


def test_breathing_rises_and_falls_over_four_seconds() -> None:
    assert breath(0.0) == BREATH_FLOOR
    assert breath(BREATH_SECONDS / 2) == 1.0
    assert breath(BREATH_SECONDS) == BREATH_FLOOR
    assert breath(1.0) == breath(3.0)


def test_led_patterns_follow_the_state() -> None:
    clock, factory = VirtualClock(), mock_factory()
    led = StatusLed(27, clock, factory)
    led(Event(0.0, "state", {"state": "idle"}))
    seen = at(clock, factory, 27, [0.05, 1.05, 2.05])
    assert seen == {0.05: breath(0.0), 1.05: breath(1.0), 2.05: breath(2.0)}
    led(Event(0.0, "state", {"state": "paused"}))  # at 2.06
    seen = at(clock, factory, 27, [2.1, 2.6, 3.1])
    assert seen == {2.1: 1.0, 2.6: 0.0, 3.1: 1.0}
    led(Event(0.0, "state", {"state": "running"}))
    assert at(clock, factory, 27, [4.0, 9.0]) == {4.0: 1.0, 9.0: 1.0}
    led(Event(0.0, "threshold", {"threshold": "long"}))
    led.close()
    assert factory.pin(27).state == 0


def test_a_flash_returns_to_the_pattern() -> None:
    clock, factory = VirtualClock(), mock_factory()
    led = StatusLed(27, clock, factory)
    led.show("finished")
    led.flash()
    assert at(clock, factory, 27, [0.1, 0.2]) == {0.1: 1.0, 0.2: 0.0}
    led.close()


def read_at(clock: VirtualClock, factory: Any, times: list[float]) -> dict[float, Any]:
    """The LED pin at exact times from now on (``at`` moves time by its largest, not to it)."""
    seen: dict[float, Any] = {}

    def read(t: float) -> None:
        seen[t] = factory.pin(27).state

    for t in times:
        clock.call_at(t, functools.partial(read, t))
    clock.advance(max(times) + 0.01 - clock.now())
    return seen


def test_a_reminder_makes_the_led_beckon_until_the_button_is_used() -> None:
    clock, factory = VirtualClock(), mock_factory()
    led = StatusLed(27, clock, factory)
    led(Event(0.0, "state", {"state": "idle"}))
    clock.advance(10.0)
    led(Event(10.0, "reminder", {"time": "08:00", "repeat": False}))
    seen = read_at(clock, factory, [10.1, 10.35, 10.6])
    assert seen == {10.1: 1.0, 10.35: 0.0, 10.6: 1.0}  # a quick blink, a quarter second each
    led(Event(11.0, "gesture", {"gesture": "long"}))  # at 10.61: breathing again
    assert read_at(clock, factory, [11.66]) == {11.66: breath(1.0)}
    led.close()


def test_a_beckon_ends_by_itself_and_a_new_state_ends_it() -> None:
    clock, factory = VirtualClock(), mock_factory()
    led = StatusLed(27, clock, factory)
    led.show("idle")
    led.beckon()
    led.beckon()  # the second saying starts the time again
    end = BECKON_FOR_SECONDS
    seen = read_at(clock, factory, [end - 0.3, end - 0.05, end + 1.05])
    assert {seen[end - 0.3], seen[end - 0.05]} == {0.0, 1.0}  # still blinking
    assert seen[end + 1.05] == breath(1.0)  # breathing again
    led.beckon()
    led.show("running")
    assert read_at(clock, factory, [end + 2.3, 2 * end + 10]) == {
        end + 2.3: 1.0,
        2 * end + 10: 1.0,
    }
    led.close()


def test_an_active_buzzer_beeps_each_note() -> None:
    clock, factory = VirtualClock(), mock_factory()
    buzzer = TonePlayer(22, clock, passive=False, pin_factory=factory)
    buzzer(Event(0.0, "say", {"text": "Hold.", "tone": "start"}))
    # "start" is two notes, 0.1 s and 0.15 s, with a short gap after each.
    seen = at(clock, factory, 22, [0.05, 0.085, 0.15, 0.26])
    assert seen == {0.05: 1, 0.085: 0, 0.15: 1, 0.26: 0}
    buzzer.close()


def test_a_pause_silences_the_buzzer() -> None:
    clock, factory = VirtualClock(), mock_factory()
    buzzer = TonePlayer(22, clock, passive=True, pin_factory=factory)
    buzzer(Event(0.0, "say", {"text": "Hold.", "tone": "set_end"}))
    clock.advance(0.05)
    assert factory.pin(22).frequency == 660.0
    buzzer(Event(0.05, "state", {"state": "paused"}))
    assert at(clock, factory, 22, [0.06, 0.15], "frequency") == {0.06: None, 0.15: None}
    buzzer.close()


def test_pin_conflicts_and_pins_in_use_are_clear() -> None:
    with pytest.raises(SettingsError, match="GPIO22 is set for both the status LED and the buzzer"):
        check_pins({"button": 17, "status LED": 22, "buzzer": 22})
    check_pins({"button": 17, "status LED": None, "buzzer": None})
    clock, factory = VirtualClock(), mock_factory()
    button = ButtonSource(17, lambda edge: None, clock.now, factory)
    with pytest.raises(HardwareError, match="GPIO17 for the status LED is already in use"):
        StatusLed(17, clock, factory)
    button.close()
