"""The device's voice menu: a mode that offers routines one at a time.

In the menu, ``press`` starts the routine on offer, ``long`` offers the next
one, ``stop`` says the menu again. While it waits nothing runs: the menu has
no deadline of its own once it has spoken, but for reminders (see
:mod:`coach.reminders`) and a :class:`Watch` (a USB stick plugged in, see
:mod:`coach.stick`), which it looks at only while it waits on the person,
and never over its own words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from coach import phrases
from coach.gestures import Gesture, Threshold
from coach.plan import Plan
from coach.reminders import ReminderSchedule
from coach.routine import Routine
from coach.runtime import DUE_EPSILON, Mode, Runtime
from coach.tones import ToneName


@dataclass(frozen=True)
class Watch:
    """Something the menu looks at while it waits (a USB stick being plugged in).

    :param every_seconds: how often to look.
    :param look: called each time; it may change the choices (see
        :meth:`MenuMode.set_choices`), and returns what to say about it, if
        anything; the menu says it, then offers the routine on offer again.
    """

    every_seconds: float
    look: Callable[[], str | None]


@dataclass(frozen=True)
class Choice:
    """A routine the menu can offer, under its library name ``slug``."""

    slug: str
    routine: Routine


def menu_text(routine: Routine, plan: Plan, greeting: bool) -> str:
    """What the menu says to offer ``routine``: its name, its minutes and the hint.

    With ``greeting`` it starts with "Ready.", as it does at boot and after a session.
    """
    minutes = phrases.minutes_text(plan.total_seconds)
    said = f"{routine.name.strip().rstrip('.')}, {minutes}. {phrases.MENU_HINT}"
    return f"{phrases.READY} {said}" if greeting else said


def reminder_tone(tones: bool) -> ToneName | None:
    """The tone before a reminder: the rising start tone, when tones are on."""
    return "start" if tones else None


class MenuMode(Mode):
    """Offers ``choices`` one at a time; a press hands over to the mode ``start`` makes.

    :param choices: the routines on offer, at least one.
    :param index: the one offered first.
    :param plan_of: the plan of a routine, for the minutes the menu says.
    :param start: makes the mode for the chosen index (a session).
    :param delay_seconds: silence before the first offer (a session's last
        words are heard out); default none.
    :param reminders: the reminder schedule, looked at while the menu waits;
        a due reminder is said (:data:`~coach.phrases.REMINDER`) with a
        ``reminder`` event for the LED. Default none.
    :param watch: looked at while the menu waits (from the first offer on,
        then every ``every_seconds``); default none.
    :param greeting_extra: a line to say after the first offer (the
        adherence line at boot), asked once as it is due; ``None`` from it,
        or no callable, says nothing more.

    The state it reports to listeners is ``idle``. When a simulation's script
    ends here, the loop ends: that is how a scripted device run finishes.
    """

    def __init__(
        self,
        choices: Sequence[Choice],
        index: int,
        plan_of: Callable[[Routine], Plan],
        start: Callable[[int], Mode],
        delay_seconds: float = 0.0,
        reminders: ReminderSchedule | None = None,
        greeting_extra: Callable[[], str | None] | None = None,
        watch: Watch | None = None,
    ) -> None:
        self.choices = choices
        self.index = index
        self._plan_of = plan_of
        self._start = start
        self._delay = delay_seconds
        self._offer_at: float | None = None
        self._reminders = reminders
        self._greeting_extra = greeting_extra
        self._extra: tuple[float, str] | None = None
        self._watch = watch
        self._look_at: float | None = None
        self._quiet_at = 0.0  # when what the menu said last has been heard

    @property
    def choice(self) -> Choice:
        """The routine on offer now."""
        return self.choices[self.index]

    def enter(self, runtime: Runtime) -> None:
        """Report ``idle``, and offer the routine once ``delay_seconds`` have passed."""
        super().enter(runtime)
        runtime.emit("state", state="idle")
        self._offer_at = runtime.clock.now() + self._delay
        self._look_at = self._offer_at if self._watch is not None else None
        self.time_reached(runtime.clock.now())

    def next_deadline(self) -> float | None:
        """When the first offer is due, or the line after it; ``None`` once both are said."""
        if self._offer_at is not None:
            return self._offer_at
        return None if self._extra is None else self._extra[0]

    def patient_deadline(self) -> float | None:
        """When to look at the reminder schedule or the watch again; ``None``: neither."""
        times = [] if self._look_at is None else [self._look_at]
        if self._reminders is not None:
            clock = self.runtime.clock
            times.append(
                self._reminders.next_check(clock.now(), clock.wall(), clock.synchronised())
            )
        return min(times, default=None)

    def set_choices(self, choices: Sequence[Choice]) -> None:
        """Offer ``choices`` from now on, keeping the routine on offer where it is still there."""
        slug = self.choice.slug
        self.choices = choices
        self.index = next((i for i, c in enumerate(choices) if c.slug == slug), 0)

    def time_reached(self, now: float) -> None:
        """Make the first offer, greeting with "Ready.", then the line after it; remind."""
        if self._offer_at is not None and now >= self._offer_at - DUE_EPSILON:
            self._offer_at = None
            self._offer(greeting=True)
            self._after_greeting(now)
        elif self._extra is not None and now >= self._extra[0] - DUE_EPSILON:
            _, line = self._extra
            self._extra = None
            if not self.runtime.gestures.is_held:
                self._say(line)  # a held button: the person is there, the line can go
        self._remind()
        self._look(now)

    def held(self, crossed: Threshold) -> str:
        """What a held button says: "Next routine." (long), "Repeat the menu." (stop)."""
        return phrases.MENU_NEXT if crossed == "long" else phrases.MENU_REPEAT

    def gesture(self, gesture: Gesture) -> None:
        """``press`` starts the routine on offer, ``long`` offers the next, ``stop`` repeats it."""
        self._extra = None  # the person is there: the greeting's last line can go
        if gesture == "press":
            self.runtime.voice.stop()
            self.runtime.switch(self._start(self.index))
        elif gesture == "long":
            self.index = (self.index + 1) % len(self.choices)
            self._offer(greeting=False)
        else:
            self._offer(greeting=True)

    def script_ended(self) -> None:
        """End the loop without an error: a scripted device run finishes in the menu."""
        self.runtime.switch(None)  # the scripted presses are over: a simulation ends here

    def _after_greeting(self, now: float) -> None:
        """Plan the greeting's extra line for when the offer has been heard; once only."""
        extra, self._greeting_extra = self._greeting_extra, None
        line = None if extra is None else extra()
        if line is not None:
            routine = self.choice.routine
            offer = menu_text(routine, self._plan_of(routine), greeting=True)
            self._extra = (now + self.runtime.voice.duration(offer), line)

    def _look(self, now: float) -> None:
        """Look at the watch when it is due and the menu is quiet; say what it found, then
        the offer again.
        """
        if self._watch is None or self._look_at is None or now < self._look_at - DUE_EPSILON:
            return
        if now < self._quiet_at - DUE_EPSILON or self.runtime.gestures.is_held:
            self._look_at = max(self._quiet_at, now + self._watch.every_seconds)
            return  # never over the menu's own words, nor while the person is at the button
        self._look_at = now + self._watch.every_seconds
        found = self._watch.look()
        if found is None:
            return
        self._say(found)
        routine = self.choice.routine
        self._extra = (self._quiet_at, menu_text(routine, self._plan_of(routine), greeting=False))

    def _remind(self) -> None:
        """Say a reminder that has fallen due, and tell the listeners (the LED)."""
        if self._reminders is None:
            return
        clock = self.runtime.clock
        reminder = self._reminders.due(clock.now(), clock.wall(), clock.synchronised())
        if reminder is None or self.runtime.gestures.is_held:
            return  # a held button: the person is at the box already
        self._extra = None
        self.runtime.emit("reminder", time=reminder.time, repeat=reminder.repeat)
        self._say(phrases.REMINDER, reminder_tone(self.runtime.tones))

    def _offer(self, greeting: bool) -> None:
        routine = self.choice.routine
        self.runtime.voice.stop()
        self._say(menu_text(routine, self._plan_of(routine), greeting))

    def _say(self, text: str, tone: ToneName | None = None) -> None:
        """Say ``text``, and know when it will have been heard."""
        self.runtime.say(text, tone)
        self._quiet_at = self.runtime.clock.now() + self.runtime.voice.duration(text)
