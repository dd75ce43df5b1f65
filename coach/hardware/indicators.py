"""The status LED and the buzzer, driven on the engine's clock.

Both listen to the engine's events: the LED shows the state (breathing when
idle, steady while running, blinking while paused, a flash when a held button
crosses a threshold, a quick blink after a reminder, off at exit), the buzzer
plays the same tones as the speaker. Patterns are computed by us and refreshed
by actions scheduled on the clock, not by gpiozero's own background threads,
so a test on the virtual clock can read the pins at exact times, and an idle
box wakes a few times a second at most.
"""

from __future__ import annotations

import math
from typing import Any

from coach.clock import Clock
from coach.events import Event
from coach.hardware.gpio import claim
from coach.tones import NOTES, ToneName

#: One breath of the idle LED, and how often its brightness is refreshed.
BREATH_SECONDS = 4.0
BREATH_FRAME_SECONDS = 0.1
BREATH_FLOOR = 0.05
BLINK_SECONDS = 0.5
FLASH_SECONDS = 0.15
#: After a reminder the LED blinks this fast, for this long (or until the button is used).
BECKON_SECONDS = 0.25
BECKON_FOR_SECONDS = 15 * 60.0
#: A pause between notes on an active buzzer, which has only one pitch.
NOTE_GAP_SECONDS = 0.03


def breath(t: float) -> float:
    """Brightness ``t`` seconds into breathing: a smooth rise and fall."""
    phase = (1 - math.cos(2 * math.pi * t / BREATH_SECONDS)) / 2
    return round(BREATH_FLOOR + (1 - BREATH_FLOOR) * phase, 3)


class StatusLed:
    """The status LED, listening to the runtime's events: its pattern shows the state.

    Breathing while idle, steady while running, blinking while paused, off
    otherwise; a short flash as a held button crosses a threshold. A
    ``reminder`` event makes it blink quickly (it "beckons") for
    :data:`BECKON_FOR_SECONDS`, until the button is used or the state changes.

    :param pin: the LED's BCM pin (dimmed by PWM, to breathe).
    :param clock: the clock its patterns are refreshed on.
    :param pin_factory: gpiozero's pin factory; default: the one gpiozero picks.
    :raises HardwareError: when the pin cannot be had.
    """

    def __init__(self, pin: int, clock: Clock, pin_factory: Any = None) -> None:
        from gpiozero import PWMLED

        self.clock = clock
        self.led = claim("status LED", pin, lambda: PWMLED(pin, pin_factory=pin_factory))
        self._pattern = "off"
        self._state_pattern = "off"
        self._beckons = 0
        self._since = clock.now()
        self._generation = 0
        self._flash_until = float("-inf")

    def __call__(self, event: Event) -> None:
        if event.type == "state":
            self.show(str(event.data["state"]))
        elif event.type == "threshold":
            self.flash()
        elif event.type == "reminder":
            self.beckon()
        elif event.type == "gesture" and self._pattern == "beckon":
            self._start(self._state_pattern)  # the person is at the box

    def show(self, state: str) -> None:
        """Show the pattern of session state ``state`` from now."""
        pattern = {"idle": "breathe", "running": "steady", "paused": "blink"}.get(state, "off")
        self._state_pattern = pattern
        self._start(pattern)

    def beckon(self) -> None:
        """Blink quickly, as a reminder is said, then go back to the state's pattern."""
        self._start("beckon")
        self._beckons += 1
        beckon = self._beckons
        until = self.clock.now() + BECKON_FOR_SECONDS
        self.clock.call_at(until, lambda: self._end_beckon(beckon), background=True)

    def _end_beckon(self, beckon: int) -> None:
        if beckon == self._beckons and self._pattern == "beckon" and not self.led.closed:
            self._start(self._state_pattern)

    def _start(self, pattern: str) -> None:
        self._pattern = pattern
        self._since = self.clock.now()
        self._generation += 1
        self._refresh(self._generation)

    def flash(self) -> None:
        """Light fully for a moment, then go back to the pattern."""
        self._flash_until = self.clock.now() + FLASH_SECONDS
        self._generation += 1
        self._set(1.0)
        generation = self._generation
        self.clock.call_at(self._flash_until, lambda: self._refresh(generation), background=True)

    def close(self) -> None:
        """Turn the LED off and let go of the pin."""
        self._generation += 1
        self.led.off()
        self.led.close()

    def _refresh(self, generation: int) -> None:
        if generation != self._generation or self.led.closed:
            return  # a newer pattern has taken over
        t = self.clock.now() - self._since
        if self._pattern == "steady":
            self._set(1.0)
        elif self._pattern == "off":
            self._set(0.0)
        elif self._pattern in ("blink", "beckon"):
            period = BLINK_SECONDS if self._pattern == "blink" else BECKON_SECONDS
            on = int(t // period) % 2 == 0
            self._set(1.0 if on else 0.0)
            next_at = self._since + (int(t // period) + 1) * period
            self.clock.call_at(next_at, lambda: self._refresh(generation), background=True)
        else:
            self._set(breath(t))
            frame = int(t / BREATH_FRAME_SECONDS + 1e-9) + 1
            next_at = self._since + frame * BREATH_FRAME_SECONDS
            self.clock.call_at(next_at, lambda: self._refresh(generation), background=True)

    def _set(self, value: float) -> None:
        self.led.value = value


class TonePlayer:
    """Plays the tones of spoken cues on a buzzer: notes (passive) or beeps (active).

    It listens to the runtime's events: a phrase with a tone plays it; a pause
    or a stop silences it.

    :param pin: the buzzer's BCM pin.
    :param clock: the clock the notes are timed on.
    :param passive: a piezo that plays each note's pitch; ``False``: an active
        buzzer, which beeps at its own pitch.
    :param pin_factory: gpiozero's pin factory; default: the one gpiozero picks.
    :raises HardwareError: when the pin cannot be had.
    """

    def __init__(self, pin: int, clock: Clock, passive: bool, pin_factory: Any = None) -> None:
        from gpiozero import Buzzer, TonalBuzzer
        from gpiozero.tones import Tone

        self.clock = clock
        self.passive = passive
        self._generation = 0
        if passive:
            # A5 in the middle with an octave each way covers every note we play.
            self.device: Any = claim(
                "buzzer",
                pin,
                lambda: TonalBuzzer(pin, mid_tone=Tone("A5"), octaves=1, pin_factory=pin_factory),
            )
        else:
            self.device = claim("buzzer", pin, lambda: Buzzer(pin, pin_factory=pin_factory))

    def __call__(self, event: Event) -> None:
        if event.type == "say" and event.data.get("tone"):
            self.play(event.data["tone"])
        elif event.type == "state" and event.data["state"] in ("paused", "stopped"):
            self.silence()

    def play(self, tone: ToneName) -> None:
        """Play ``tone``'s notes from now, cutting off a tone still playing."""
        self._generation += 1
        generation = self._generation
        t = self.clock.now()
        for frequency, seconds in NOTES[tone]:
            self._at(t, generation, frequency)
            t += seconds
            if not self.passive:
                self._at(t - NOTE_GAP_SECONDS, generation, None)
        self._at(t, generation, None)

    def _at(self, when: float, generation: int, frequency: float | None) -> None:
        self.clock.call_at(when, lambda: self._note(generation, frequency), background=True)

    def silence(self) -> None:
        """Stop the note playing, and the rest of its tone."""
        self._generation += 1
        self._note(self._generation, None)

    def close(self) -> None:
        """Fall silent and let go of the pin."""
        self.silence()
        self.device.close()

    def _note(self, generation: int, frequency: float | None) -> None:
        if generation != self._generation or self.device.closed:
            return
        if frequency is None:
            self.device.stop() if self.passive else self.device.off()
        elif self.passive:
            from gpiozero.tones import Tone

            self.device.play(Tone(frequency=frequency))
        else:
            self.device.on()
