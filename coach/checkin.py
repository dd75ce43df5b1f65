"""Check-ins: questions the session asks and the button answers, as modes of the runtime.

A session hands over to a :class:`Dialogue` with :meth:`~coach.runtime.Runtime.switch`
and gets control back, with the answer, when the dialogue switches to it
again: the session goes on from :attr:`Dialogue.ended_at`, the moment the
dialogue's last words have been said. A dialogue never pauses anything.

- :class:`PainCheck`: pain from 0 to 10 by counted presses, a hold for none.
- :class:`HurtCheck`: "did that hurt?": a press for fine, a hold for hurt.
- :class:`GoOnOffer`: after "it hurt", go on gently (press) or end (hold).
- :class:`Words`: a few words, then back (the line that opens a carried-on session).

Presses made while a question is still being said are ignored, so a press
storm as it is asked answers nothing; the stop gesture made then ends the
session, as it does everywhere. Once the question has been said a hold is a
hold: the stop threshold says nothing new, and the stop gesture answers as a
long press does (a person in pain easily holds the button that long). While
the button is down nothing times out, so the gesture it makes is never heard
by the mode after this one.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Literal

from coach import phrases
from coach.gestures import Gesture, Threshold
from coach.phrases import Phrase
from coach.plan import ANNOUNCE_GAP_SECONDS, ANNOUNCE_TAIL_SECONDS, Plan
from coach.routine import Routine
from coach.runtime import DUE_EPSILON, Mode, Runtime
from coach.tones import ToneName

#: Silence after a question that counts as no answer.
NO_ANSWER_SECONDS = 10.0
#: Silence after the last press that ends a pain answer.
PAIN_CONFIRM_SECONDS = 3.0
#: The highest pain; more presses stay at it.
PAIN_MAX = 10
#: Values of the ``pain_check`` and ``check_in`` settings.
CHECK_IN_CHOICES = ("routine", "on", "off")

#: The answer to "did that hurt?"; ``None`` when none came.
HurtAnswer = Literal["fine", "hurt"]
#: The answer to the offer after "it hurt"; ``None`` when the wait went on too long.
GoOnAnswer = Literal["gently", "end"]


def with_check_ins(
    routine: Routine, pain_check: str = "routine", check_in: str = "routine"
) -> Routine:
    """``routine`` with the ``pain_check`` and ``check_in`` settings applied.

    Each setting is ``routine`` (as the file says), ``on`` or ``off``; ``on``
    and ``off`` for ``check_in`` override the exercises' own ``check_in`` too.
    """
    if pain_check == "routine" and check_in == "routine":
        return routine
    exercises = routine.exercises
    if check_in != "routine":
        exercises = tuple(dataclasses.replace(e, check_in=None) for e in exercises)
    return dataclasses.replace(
        routine,
        exercises=exercises,
        pain_check=routine.pain_check if pain_check == "routine" else pain_check == "on",
        check_in=routine.check_in if check_in == "routine" else check_in == "on",
    )


def check_in_phrases(plan: Plan, tones: bool) -> list[Phrase]:
    """Every fixed line the check-ins of ``plan`` may say, to render ahead with its cues.

    The words a held button says come with the tick the runtime plays before
    them when ``tones`` is on.
    """
    pain = plan.pain_check
    hurt = any(step.check_in for step in plan.steps)
    lines: list[str] = []
    held: list[str] = []
    if pain:
        lines += [phrases.PAIN_QUESTION, phrases.PAIN_NOW, *phrases.PAIN_COUNT, phrases.NO_ANSWER]
        lines += [phrases.NO_ANSWER_END, phrases.THANK_YOU]
        lines += [phrases.pain_confirm_text(v) for v in range(PAIN_MAX + 1)]
        lines.append(phrases.PAIN_GREW)
        held.append(phrases.NO_PAIN)
    if hurt:
        lines += [phrases.HURT_QUESTION, phrases.HURT_NOW, phrases.FELT_FINE, phrases.NO_ANSWER]
        lines += [phrases.SKIP_THE_REST, phrases.PAIN_ADVICE, phrases.GO_ON_OR_END]
        lines.append(phrases.GO_ON_NOW)
        lines += [phrases.GO_ON_GENTLY, phrases.HURT_AGAIN_END]
        held += [phrases.IT_HURT, phrases.END_SESSION]
    tick: ToneName | None = "tick" if tones else None
    said: list[Phrase] = [(line, None) for line in lines] + [(word, tick) for word in held]
    return list(dict.fromkeys(said))


def carrying_on_phrases(plan: Plan) -> list[Phrase]:
    """The line that opens a session carried on at each exercise of ``plan``."""
    names = dict.fromkeys(s.exercise for s in plan.steps if s.number is not None and s.exercise)
    return [(phrases.carrying_on_text(name), None) for name in names]


class Dialogue(Mode):
    """Says its lines, listens for the button, says its last words, and hands back.

    Subclasses give the question and answer gestures in :meth:`answer`, their
    own deadline in :meth:`own_deadline` / :meth:`own_time`, and what a held
    button says in :meth:`long_word`.

    :param back: the mode to hand back to (the session), entered again at the end.
    :param lead: said before the question (a stop word, a safety line).
    :param question: the question; presses before its end are ignored.
    """

    def __init__(self, back: Mode, lead: Sequence[str] = (), question: str = "") -> None:
        self.back = back
        self.lead = [line for line in lead if line]
        self.question = question
        #: The stop gesture came: the session ends.
        self.stopped = False
        #: Clock time the session goes on from; set as the dialogue hands back.
        self.ended_at = 0.0
        #: Clock time the question has been said, from which presses count.
        self.listen_from = 0.0
        #: What the held button has said at the long threshold while listening, if anything.
        self.held_word: str | None = None
        #: "Stop." was said before the question had been said: letting go stops.
        self._stop_said = False
        #: Clock time it hands back, once the answer is in and its words are planned.
        self._end_at: float | None = None
        self._agenda: list[tuple[float, int, str]] = []
        self._order = itertools.count()
        #: The button was used while the question was still being said: asked again once.
        self._asked_again = False

    # -- the mode --------------------------------------------------------------------

    def enter(self, runtime: Runtime) -> None:
        """Say the lead and the question, one after the other, starting now."""
        super().enter(runtime)
        lines = [*self.lead, self.question] if self.question else self.lead
        end = self._say_in_turn(lines, self._now())
        self.listen_from = end
        if not self.question:
            self._end_at = end + ANNOUNCE_TAIL_SECONDS if lines else end
        self.started()
        self.time_reached(self._now())

    def next_deadline(self) -> float | None:
        """The next line due; then, unless the button is down, the answer's own deadline."""
        times = [self._agenda[0][0]] if self._agenda else []
        if not self.runtime.gestures.is_held:
            own = self._end_at if self._end_at is not None else self.own_deadline()
            if own is not None:
                times.append(own)
        return min(times) if times else None

    def time_reached(self, now: float) -> None:
        """Say the lines that are due; hand back, or let the subclass act, when its time comes."""
        while self._agenda and self._agenda[0][0] <= now + DUE_EPSILON:
            _, _, text = heapq.heappop(self._agenda)
            self.runtime.say(text)
        if self.runtime.gestures.is_held:
            return
        if self._end_at is not None:
            if self._end_at <= now + DUE_EPSILON:
                self._hand_back(self._end_at)
            return
        own = self.own_deadline()
        if own is not None and own <= now + DUE_EPSILON:
            self.own_time(now)

    def held(self, crossed: Threshold) -> str | None:
        """At the long threshold, what letting go answers, if anything, while listening.

        At the stop threshold "Stop." before the question has been said;
        while listening nothing: a hold is a hold, and letting go answers.
        """
        if crossed == "stop":
            if self.listening() and not self._stop_said:
                return None
            self._agenda.clear()
            self._stop_said = True
            return phrases.THRESHOLD_STOP
        if not self.listening():
            return None
        word = self.long_word()
        self.held_word = word
        return word

    def gesture(self, gesture: Gesture) -> None:
        """``stop`` ends the session, unless it came while listening: then it answers as
        ``long`` does. Other gestures answer, once the question has been said.
        """
        now = self._now()
        if self._end_at is not None and self._end_at < now:
            # The hand-back waited for the button to be let go: it is now.
            self._end_at = now
        if gesture == "stop" and self.listening() and not self._stop_said:
            gesture = "long"  # a hold past the stop threshold while listening: a hold
        if gesture == "stop":
            self.runtime.voice.stop()
            self.stopped = True
            self._hand_back(self._now())
        elif self.listening():
            self.answer(gesture)
        elif self.question and self._end_at is None and not self._asked_again:
            # Too early to count, but not unheard: once the question has been
            # said, say how to answer now, rather than "No answer." later.
            self._asked_again = True
            again = self.ask_again()
            if again:
                heapq.heappush(self._agenda, (self.listen_from, next(self._order), again))

    def new_plan(self, plan: Plan) -> None:
        """The session follows a better-timed plan; it is handed on."""
        self.back.new_plan(plan)

    def quit(self) -> None:
        """The run ends at once: the session records how it ended."""
        self.back.quit()

    # -- for subclasses --------------------------------------------------------------

    def started(self) -> None:
        """The lines are planned; ``listen_from`` is known."""

    def listening(self) -> bool:
        """True once the question has been said, until the answer is in."""
        return (
            bool(self.question)
            and self._end_at is None
            and self._now() >= self.listen_from - DUE_EPSILON
        )

    def own_deadline(self) -> float | None:
        """When the subclass must act by itself (no answer, a confirmation); ``None``: never."""
        return None

    def own_time(self, now: float) -> None:
        """:meth:`own_deadline` has come."""

    def long_word(self) -> str | None:
        """What a held button says at the long threshold while listening; ``None``: nothing."""
        return None

    def ask_again(self) -> str | None:
        """Said as the question ends, when the button was used while it was said."""
        return None

    def answer(self, gesture: Gesture) -> None:
        """A ``press`` or ``long`` made after the question."""

    def finish(self, words: Sequence[str | None] = ()) -> None:
        """The answer is in: say ``words`` (those not ``None``), then hand back."""
        lines = [w for w in words if w]
        now = self._now()
        end = self._say_in_turn(lines, now)
        self._end_at = end + ANNOUNCE_TAIL_SECONDS if lines else now
        self.time_reached(now)

    # -- helpers ---------------------------------------------------------------------

    def _now(self) -> float:
        return self.runtime.clock.now()

    def _say_in_turn(self, lines: Sequence[str], start: float) -> float:
        """Plan ``lines`` one after another from ``start``; returns when the last one ends."""
        t = start
        end = start
        for line in lines:
            heapq.heappush(self._agenda, (t, next(self._order), line))
            end = t + self.runtime.voice.duration(line)
            t = end + ANNOUNCE_GAP_SECONDS
        return end

    def _hand_back(self, at: float) -> None:
        self._agenda.clear()
        self._end_at = at
        self.ended_at = at
        self.runtime.switch(self.back)


class Words(Dialogue):
    """Says ``lines`` and hands back: nothing is asked.

    :param back: the mode to hand back to.
    :param lines: what is said, in order.
    """

    def __init__(self, back: Mode, lines: Sequence[str]) -> None:
        super().__init__(back, lines)


class PainCheck(Dialogue):
    """Asks "How is your pain right now?": one press for each point, a hold for none.

    Each press is counted aloud ("One point.", "Two points.", ...; more than ten stay at
    ten); :data:`PAIN_CONFIRM_SECONDS` after the last one the answer is
    confirmed ("Four points. Thank you."). A hold before any press is no pain,
    confirmed by "Thank you." alone when the held button has said "No pain.";
    :data:`NO_ANSWER_SECONDS` of silence after the question is no answer
    ("No answer." alone after the last exercise: nothing is carried on).
    Emits a ``pain`` event with the answer.

    :param back: the session.
    :param moment: ``before`` the first exercise or ``after`` the last.
    :param lead: said before the question; default nothing.
    :param then: given the answer, more words to say after it (a safety line); default none.
    """

    def __init__(
        self,
        back: Mode,
        moment: Literal["before", "after"],
        lead: Sequence[str] = (),
        then: Callable[[int | None], str | None] | None = None,
    ) -> None:
        super().__init__(back, lead, phrases.PAIN_QUESTION)
        self.moment = moment
        self._then = then
        #: The answer, 0 to 10; ``None`` until it is in, and when none came.
        self.value: int | None = None
        self.presses = 0
        self._last_press = 0.0

    def own_deadline(self) -> float | None:
        """The confirmation after the last press, or the end of the wait for one."""
        if self.presses:
            return self._last_press + PAIN_CONFIRM_SECONDS
        return self.listen_from + NO_ANSWER_SECONDS

    def own_time(self, now: float) -> None:
        """Confirm the presses counted, or carry on with no answer."""
        self._answered(min(self.presses, PAIN_MAX) if self.presses else None)

    def long_word(self) -> str | None:
        """Before any press "No pain."; nothing once presses are being counted."""
        return phrases.NO_PAIN if not self.presses else None

    def ask_again(self) -> str:
        """ "Press now, once for each point."."""
        return phrases.PAIN_NOW

    def answer(self, gesture: Gesture) -> None:
        """A press counts one point more; a hold before any press is no pain."""
        if gesture == "press":
            self.presses += 1
            self._last_press = self._now()
            self.runtime.say(phrases.PAIN_COUNT[min(self.presses, PAIN_MAX) - 1])
        elif gesture == "long" and not self.presses:
            self._answered(0, held=self.held_word == phrases.NO_PAIN)

    def _answered(self, value: int | None, held: bool = False) -> None:
        """Record ``value`` and confirm it; ``held``: the held button said it already."""
        self.value = value
        self.runtime.emit("pain", moment=self.moment, value=value)
        if value is None:
            # As the session ends there is nothing to carry on with.
            said = phrases.NO_ANSWER_END if self.moment == "after" else phrases.NO_ANSWER
        elif held:
            said = phrases.THANK_YOU
        else:
            said = phrases.pain_confirm_text(value)
        self.finish([said, self._then(value) if self._then is not None else None])


class HurtCheck(Dialogue):
    """Asks "Did that hurt?": a press for fine, a hold for hurt; silence goes on as unanswered.

    Emits a ``check_in`` event with the answer.

    :param back: the session.
    :param exercise: the exercise asked about, by name.
    :param number: its number in the routine, from 1.
    """

    def __init__(self, back: Mode, exercise: str | None, number: int | None) -> None:
        super().__init__(back, (), phrases.HURT_QUESTION)
        self.exercise = exercise
        self.number = number
        #: ``fine``, ``hurt``, or ``None`` when no answer came.
        self.answer_given: HurtAnswer | None = None

    def own_deadline(self) -> float | None:
        """The end of the wait for an answer."""
        return self.listen_from + NO_ANSWER_SECONDS

    def own_time(self, now: float) -> None:
        """No answer: it counts as fine, unanswered."""
        self._answered(None, [phrases.NO_ANSWER])

    def long_word(self) -> str:
        """What letting go answers: "It hurt."."""
        return phrases.IT_HURT

    def ask_again(self) -> str:
        """ "Press now if it felt fine, or hold if it hurt."."""
        return phrases.HURT_NOW

    def answer(self, gesture: Gesture) -> None:
        """A press: fine; a hold: it hurt (the session says what comes next)."""
        if gesture == "press":
            self._answered("fine", [phrases.FELT_FINE])
        elif gesture == "long":
            self._answered("hurt", [])

    def _answered(self, answer: HurtAnswer | None, words: list[str | None]) -> None:
        self.answer_given = answer
        self.runtime.emit("check_in", exercise=self.exercise, number=self.number, answer=answer)
        self.finish(words)


class GoOnOffer(Dialogue):
    """After "it hurt": a press goes on gently, a hold ends the session.

    It waits for the button as a step that waits does: a reminder now and
    then, and a wait of ``wait_end_seconds`` ends the session.

    :param back: the session.
    :param lead: said before the offer (the safety line).
    :param reminders: seconds into the wait at which the offer is said again.
    :param wait_end_seconds: a wait this long ends the session.
    """

    def __init__(
        self, back: Mode, lead: Sequence[str], reminders: Iterator[float], wait_end_seconds: float
    ) -> None:
        super().__init__(back, lead, phrases.GO_ON_OR_END)
        self._reminders = reminders
        self._wait_end_seconds = wait_end_seconds
        self._next_reminder = 0.0
        #: ``gently``, ``end``, or ``None`` when the wait went on too long.
        self.choice: GoOnAnswer | None = None

    def started(self) -> None:
        """The wait (and its reminders) counts from the end of the offer."""
        self._next_reminder = self.listen_from + next(self._reminders)

    def patient_deadline(self) -> float | None:
        """The next reminder, or the end of a wait too long, while it waits."""
        if self._end_at is not None or self.runtime.gestures.is_held:
            return None
        return min(self._next_reminder, self.listen_from + self._wait_end_seconds)

    def time_reached(self, now: float) -> None:
        """Say a reminder that is due; end a wait that went on too long."""
        super().time_reached(now)
        if self._end_at is not None or self.runtime.mode is not self:
            return
        if self.runtime.gestures.is_held:
            return
        if self.listen_from + self._wait_end_seconds <= now + DUE_EPSILON:
            self.runtime.voice.stop()
            self.finish()
        elif self._next_reminder <= now + DUE_EPSILON:
            self._next_reminder = self.listen_from + next(self._reminders)
            self.runtime.say(phrases.GO_ON_OR_END)

    def long_word(self) -> str:
        """What letting go does: "End the session."."""
        return phrases.END_SESSION

    def ask_again(self) -> str:
        """ "Press now to go on gently, or hold to end."."""
        return phrases.GO_ON_NOW

    def answer(self, gesture: Gesture) -> None:
        """A press goes on gently; a hold ends the session."""
        self.runtime.voice.stop()
        if gesture == "press":
            self.choice = "gently"
            self.finish([phrases.GO_ON_GENTLY])
        elif gesture == "long":
            self.choice = "end"
            self.finish()
