"""The session: one routine's plan, run step by step as a mode of the runtime.

Every step's end is a deadline on the runtime's clock (start + duration), and
the next step starts at exactly that moment, however late the loop woke up,
so nothing drifts. Cues are said at their offsets and never waited for. The
button pauses and resumes (keeping the step's time exactly, unless the pause
was long), skips the rest of a step or of a whole exercise, answers steps
that wait for it, and stops the session. While the person waits (paused, or
in a step that waits for the button) a short reminder comes now and then,
and a wait that goes on too long ends the session.

Check-ins (:mod:`coach.checkin`) are modes of their own: the session hands
over to one between two steps and, when it hands back, goes on from the
moment it ended. Pain is asked before the first exercise and before the
summary (a plan's ``pain_check``), "did that hurt?" as a step marked
``check_in`` ends.

Every step that begins is reported by a ``step`` event and ends with a
``step_end`` one: ``done`` (it ran to its end, or its button was answered),
``skipped`` (cut short) or ``missed`` (passed over without starting).
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Iterator

from coach import phrases
from coach.checkin import Dialogue, GoOnOffer, HurtCheck, PainCheck, Words
from coach.events import ENDED, State, Status, StepOutcome
from coach.gestures import Gesture, Threshold
from coach.plan import ANNOUNCE_GAP_SECONDS, ANNOUNCE_TAIL_SECONDS, Cue, Plan, Priority, Step
from coach.runtime import DUE_EPSILON, Mode, Runtime
from coach.tones import ToneName, tone_seconds

#: Steps that exist to say something: a pause in the middle of a sentence
#: repeats that sentence on resume instead of keeping the time exactly.
SPOKEN_STEPS = ("announce", "finish")

#: The 3-2-1 that ends the lead-in between a resume and the step going on;
#: the lead-in starts with where the person is, so it is longer than this.
RESUME_LEAD_IN_SECONDS = 3.0
#: Air between the words that open a resume and its "3".
RESUME_WORDS_GAP_SECONDS = 0.5
#: After a pause longer than this a hold starts again from its beginning:
#: a muscle that has rested for minutes is not half-way through a stretch.
PAUSE_RESTART_SECONDS = 120.0
#: After a pause or a wait this long the session ends: the person has gone.
PAUSE_END_MINUTES = 20.0
#: Reminders while the person waits: the first after 30 s; then (until, gap)
#: pairs, so the first 5 minutes never hold more than 60 s of silence and
#: a long wait is not nagged at.
REMINDER_FIRST_SECONDS = 30.0
REMINDER_GAPS = ((300.0, 60.0), (900.0, 120.0), (math.inf, 300.0))
#: The stop words a step carries over from the hold or activity before it.
STOP_WORDS = (phrases.RELEASE, phrases.TIME_UP)
#: Steps where a long press skips the whole exercise, not just the step.
EXERCISE_SKIP_STEPS = ("announce", "fetch", "ready")
#: Pain after this many points above pain before gets the safety advice.
PAIN_GREW_POINTS = 2

#: What comes after a session: given the ended session, the next mode (or ``None``).
AfterSession = Callable[["SessionMode"], Mode | None]


def reminder_offsets() -> Iterator[float]:
    """Seconds into a wait at which a reminder is said: 30, 90, ..., 330, 450, ..."""
    t = REMINDER_FIRST_SECONDS
    while True:
        yield t
        t += next(gap for until, gap in REMINDER_GAPS if t < until)


def resume_lead_in(
    words_seconds: float, countdown_seconds: float = RESUME_LEAD_IN_SECONDS
) -> float:
    """The lead-in after a resume: the words, a breath, then a whole 3-2-1."""
    return words_seconds + RESUME_WORDS_GAP_SECONDS + countdown_seconds


def _is_three(cue: Cue) -> bool:
    return cue.priority == Priority.COUNT and cue.text == phrases.COUNTDOWN[0]


def where_text(step: Step, seconds_left: float | None, again: bool = False) -> str:
    """Where the person is, as said on resume: "Balance stretch, right leg, rep 1 of 3, ...".

    Only the parts that exist; ``seconds_left`` (whole seconds, rounded up)
    only for timed work and rests. ``again``: the hold starts from its beginning.
    """
    if step.exercise is None:
        return phrases.RESUMING
    parts = [phrases.sentence(step.exercise).rstrip(".")]
    if step.side:
        parts.append(phrases.spoken_side(step.side))
    if step.sets and step.sets > 1 and step.set is not None:
        parts.append(f"set {step.set} of {step.sets}")
    if step.reps and step.reps > 1 and step.rep is not None:
        parts.append(f"rep {step.rep} of {step.reps}")
    if step.kind == "rest":
        parts.append("rest")
    if again:
        again_text = phrases.REP_AGAIN if step.kind == "rep" else phrases.HOLD_AGAIN
        return f"{', '.join(parts)}; {again_text}"
    if seconds_left is not None and step.kind in ("hold", "activity", "rest"):
        left = max(1, math.ceil(seconds_left - 1e-6))
        parts.append(f"{left} second{'' if left == 1 else 's'} left")
    return ", ".join(parts) + "."


class SessionMode(Mode):
    """One run of a plan: idle, running, paused, then finished or stopped.

    :param plan: the compiled routine to run.
    :param wait_for_press: start idle and wait for a ``press`` (as the device
        would); default: start at once.
    :param resume_lead_in_seconds: the 3-2-1 that ends the lead-in after a resume
        (at least 3); default 3.
    :param pause_restart_seconds: a hold paused longer starts again; default 120.
    :param pause_end_minutes: a pause or wait this long ends the session; default 20.
    :param count: the ``count`` setting; with ``tones`` a resume's 3-2-1 is ticks; default ``all``.
    :param after: called once when the session finishes or is stopped by the
        button; returns the mode to switch to. Default: none, which ends the
        runtime's loop. A quit ends the loop without it.
    :param start_number: start at the first step of this exercise (from 1),
        carrying on after an interruption: a short "Carrying on with ..." line
        replaces the opening words, and pain before is not asked. Default: the start.
    :param closing_extra: called as a finished session's summary is said; a
        line it returns is said after the summary. Default: none.
    :param pain_before: pain before, already known (the interrupted session's,
        carrying on); pain after is weighed against it. Default: not known.
    :param hurts_before: "it hurt" answers already given (the interrupted
        session's, carrying on); the second in all ends the session. Default 0.

    ::

        session = SessionMode(compile_plan(routine, voice.duration))
        Runtime(VirtualClock(), voice).run(session)
        session.state  # 'finished'
    """

    def __init__(
        self,
        plan: Plan,
        wait_for_press: bool = False,
        resume_lead_in_seconds: float = RESUME_LEAD_IN_SECONDS,
        after: AfterSession | None = None,
        pause_restart_seconds: float = PAUSE_RESTART_SECONDS,
        pause_end_minutes: float = PAUSE_END_MINUTES,
        count: str = "all",
        start_number: int | None = None,
        closing_extra: Callable[[], str | None] | None = None,
        pain_before: int | None = None,
        hurts_before: int = 0,
    ) -> None:
        self.plan = plan
        numbers = plan.exercise_numbers
        if start_number is not None and start_number not in numbers:
            raise ValueError(
                f"start_number must be an exercise of the plan, 1 to {len(numbers)}, "
                f"got {start_number}"
            )
        self.start_number = start_number
        self.closing_extra = closing_extra
        self.wait_for_press = wait_for_press
        self.lead_in = resume_lead_in_seconds
        self.pause_restart_seconds = pause_restart_seconds
        self.pause_end_seconds = pause_end_minutes * 60.0
        #: The ``count`` setting: with ``tones`` a resume's 3-2-1 is ticks, as the plan's are.
        self.count = count
        #: What was said last as the session ended early, for the menu to wait out.
        self.closing: str | None = None
        #: Exercises (by number) skipped whole; the summary leaves them out.
        self.skipped: set[int] = set()
        #: Exercises (by number) whose rest was skipped after "it hurt".
        self.hurt: set[int] = set()
        #: The pain answers, 0 to 10 (``None`` when not asked or not answered).
        self.pain_before: int | None = pain_before
        self.pain_after: int | None = None
        #: How many times "it hurt" was answered (carried over too); the second ends the session.
        self.hurts = hurts_before
        #: The check-in under way (the mode handed over to), and where to go on after it.
        self._dialogue: Dialogue | None = None
        self._target = 0
        self._quiet = False
        self._asked: set[str] = set()
        #: A step has begun and its ``step_end`` is still to come.
        self._open = False
        #: The ``closing_extra`` line still to be heard, and when it began to be said.
        self._extra: str | None = None
        self._extra_from: float | None = None
        self._started_at = 0.0
        self._paused_at = 0.0
        #: The wait under way (paused, or a step waiting for the button):
        #: when it began, and the reminders still to come.
        self._wait_start: float | None = None
        self._reminders: Iterator[float] = iter(())
        self._next_reminder: float | None = None
        self._after = after
        self.state: State = "idle"
        self.status = Status("idle")
        self._index = -1
        self._step_start = 0.0
        self._step_end: float | None = None
        self._lead_in_end = float("-inf")
        self._remaining: float | None = None
        self._paused_elapsed = 0.0
        self._agenda: list[tuple[float, int, str, ToneName | None]] = []
        self._order = itertools.count()
        #: The button is held past the long threshold: the session stands still
        #: until it is let go, which skips the step or stops the session.
        self._held_still = False

    @property
    def ended(self) -> bool:
        """True once the session has finished or been stopped."""
        return self.state in ENDED

    # -- the mode ----------------------------------------------------------------

    def enter(self, runtime: Runtime) -> None:
        """Start the first step now, or ask for a press and wait idle (``wait_for_press``).

        Entered again as a check-in hands back, it goes on with the answer.
        """
        super().enter(runtime)
        if self._dialogue is not None:
            dialogue, self._dialogue = self._dialogue, None
            self._answered(dialogue)
            return
        if self.wait_for_press:
            self._set_state("idle")
            runtime.say(phrases.READY_TO_START)
        else:
            self._start()

    def next_deadline(self) -> float | None:
        """While running, the end of the step or the next cue, whichever comes first."""
        if self.state != "running" or self._held_still:
            return None
        times = [self._step_end, self._agenda[0][0] if self._agenda else None]
        due = [t for t in times if t is not None]
        return min(due) if due else None

    def patient_deadline(self) -> float | None:
        """While the person is waited on, the next reminder or the end of a wait too long."""
        if self._held_still or self._next_reminder is None:
            return None
        end = self._wait_end()
        return self._next_reminder if end is None else min(self._next_reminder, end)

    def time_reached(self, now: float) -> None:
        """Say every cue that is due and start every step whose time has come, in order."""
        if self._waited(now):
            return
        while self.state == "running" and not self._held_still:
            due_cue = self._agenda[0][0] if self._agenda else None
            end = self._step_end
            if (
                end is not None
                and end <= now + DUE_EPSILON
                and (due_cue is None or end <= due_cue + DUE_EPSILON)
            ):
                self._advance(self._index + 1, end, "done")
            elif due_cue is not None and due_cue <= now + DUE_EPSILON:
                when, _, text, tone = heapq.heappop(self._agenda)
                if self._extra is not None and text == self._extra:
                    self._extra_from = when
                self.runtime.say(text, tone)
            else:
                return

    def held(self, crossed: Threshold) -> str | None:
        """What a held button says: "Skip." or "Skip exercise." at the long threshold,
        "Stop." at the stop one.

        Before the start a long press does nothing, so it says nothing.
        """
        if self.state == "idle" and crossed == "long":
            return None  # a long press does nothing before the start
        if self.state in ("running", "paused"):
            # Letting go now skips or stops: nothing more is said, and no step
            # begins, while the person decides (a countdown would cut "Skip."
            # off, and a stop held across a step's end would start the next).
            self._held_still = True
            self._agenda.clear()
        if crossed == "stop":
            return phrases.THRESHOLD_STOP
        return phrases.THRESHOLD_SKIP_EXERCISE if self._skips_exercise() else phrases.THRESHOLD_LONG

    def gesture(self, gesture: Gesture) -> None:
        """``stop`` ends the session; ``long`` skips the rest of the step, or of the exercise.

        ``press`` starts an idle session, ends a step that waits for the button,
        and otherwise pauses or resumes.
        """
        voice = self.runtime.voice
        self._held_still = False
        if gesture == "stop":
            voice.stop()
            started = self.state != "idle"
            self._close(phrases.SESSION_ENDED_EARLY if started else None)
            return
        if self.state == "idle":
            if gesture == "press":
                self._start()
            return
        step = self.plan.steps[self._index]
        if gesture == "long" or (gesture == "press" and step.until_button):
            voice.stop()
            # Nothing was being held in an announcement or a lead-in: no "Release." then.
            quiet = step.kind in EXERCISE_SKIP_STEPS
            following = self._after_exercise() if gesture == "long" else None
            if self.state == "paused":
                self._set_state("running")
            outcome: StepOutcome = "skipped" if gesture == "long" else "done"
            if following is None:
                self._advance(self._index + 1, self._now(), outcome)
            else:
                self._advance(following, self._now(), outcome, quiet_carry=quiet)
        elif self.state == "running":
            self._pause()
        elif self.state == "paused":
            self._resume()

    def new_plan(self, plan: Plan) -> None:
        """Follow ``plan`` from the next step on, if it has as many steps as this one."""
        if len(plan.steps) == len(self.plan.steps):
            self.plan = plan

    def quit(self) -> None:
        """Record the session as ``stopped``; a quit does not call ``after``."""
        self._end_step("skipped")
        self._set_state("stopped")

    # -- steps -----------------------------------------------------------------

    def _now(self) -> float:
        return self.runtime.clock.now()

    def _start(self) -> None:
        self._started_at = self._now()
        self._set_state("running")
        if self.start_number is None:
            self._enter(0, start=self._now())
            return
        # Carrying on: a short line instead of the opening, and no pain asked before.
        first = next(i for i, s in enumerate(self.plan.steps) if s.number == self.start_number)
        self._asked.add("before")
        self._target, self._quiet = first, True
        line = phrases.carrying_on_text(self.plan.steps[first].exercise or "")
        self.runtime.voice.prepare([(line, None)], soon=True)
        self._ask(Words(self, [line]))

    # -- moving on: step ends, check-ins -------------------------------------------

    def _advance(
        self, index: int, start: float, outcome: StepOutcome, quiet_carry: bool = False
    ) -> None:
        """End the step under way with ``outcome`` and go on to step ``index`` at ``start``.

        Steps passed over on the way are ``missed``; a check-in due between
        the two is asked first.
        """
        self._end_step(outcome)
        self._miss(range(self._index + 1, index))
        self._target, self._quiet = index, quiet_carry
        self._go_on(start)

    def _go_on(self, start: float) -> None:
        """Ask the check-in due before the target step, or begin that step at ``start``."""
        dialogue = self._check_in_due()
        if dialogue is None:
            self._enter(self._target, start=start, quiet_carry=self._quiet)
        else:
            self._ask(dialogue)

    def _check_in_due(self) -> Dialogue | None:
        """The question to ask before the target step, if one is due and not asked yet."""
        steps, target = self.plan.steps, self._target
        here = steps[self._index] if 0 <= self._index < len(steps) else None
        asked = f"hurt {self._index}"
        if (
            here is not None
            and here.check_in
            and target == self._index + 1
            and asked not in self._asked
        ):
            self._asked.add(asked)
            return HurtCheck(self, here.exercise, here.number)
        if not self.plan.pain_check or target >= len(steps):
            return None
        if steps[target].number is not None and "before" not in self._asked:
            self._asked.add("before")
            return PainCheck(self, "before")
        if steps[target].kind == "finish" and "after" not in self._asked:
            self._asked.add("after")
            return PainCheck(self, "after", then=self._pain_grew)
        return None

    def _ask(self, dialogue: Dialogue) -> None:
        """Hand over to ``dialogue``; the session goes on when it hands back."""
        self._agenda.clear()
        self._step_end = None
        self._stop_waiting()
        self._dialogue = dialogue
        self._publish()
        self.runtime.switch(dialogue)

    def _answered(self, dialogue: Dialogue) -> None:
        """A check-in has handed back: go on from the moment it ended, as its answer says."""
        start = dialogue.ended_at
        if dialogue.stopped:
            self._close(phrases.SESSION_ENDED_EARLY)
        elif isinstance(dialogue, PainCheck):
            if dialogue.moment == "before":
                self.pain_before = dialogue.value
            else:
                self.pain_after = dialogue.value
            self._go_on(start)
        elif isinstance(dialogue, HurtCheck) and dialogue.answer_given == "hurt":
            self._hurt()
        elif isinstance(dialogue, GoOnOffer) and dialogue.choice != "gently":
            self.runtime.voice.stop()
            self._close(phrases.LONG_PAUSE_END if dialogue.choice is None else None)
        else:
            self._go_on(start)

    def _hurt(self) -> None:
        """After "it hurt": skip the rest of the exercise, then offer to go on gently.

        The second "it hurt" ends the session.
        """
        self.hurts += 1
        number = self.plan.steps[self._index].number
        following = self._after_this_exercise()
        self._miss(range(self._target, following))
        if following > self._target and number is not None:
            self.hurt.add(number)
        lead = [phrases.SKIP_THE_REST] if following > self._target else []
        self._target, self._quiet = following, True
        if self.hurts > 1:
            self._close(phrases.HURT_AGAIN_END)
        elif not any(s.number is not None for s in self.plan.steps[following:]):
            self._ask(Words(self, [*lead, phrases.PAIN_ADVICE]))  # nothing left to go on with
        else:
            lead.append(phrases.PAIN_ADVICE)
            self._ask(GoOnOffer(self, lead, reminder_offsets(), self.pause_end_seconds))

    def _pain_grew(self, after: int | None) -> str | None:
        """The safety line when pain after is :data:`PAIN_GREW_POINTS` or more above pain before."""
        before = self.pain_before
        if before is None or after is None or after < before + PAIN_GREW_POINTS:
            return None
        return phrases.PAIN_GREW

    def _end_step(self, outcome: StepOutcome) -> None:
        """Report how the step under way ended, once."""
        if self._open:
            self._open = False
            self.runtime.emit("step_end", index=self._index, outcome=outcome)

    def _miss(self, indices: range) -> None:
        """Report steps passed over without starting."""
        for index in indices:
            self.runtime.emit("step_end", index=index, outcome="missed")

    def _enter(self, index: int, start: float, quiet_carry: bool = False) -> None:
        """Start step ``index`` at ``start``; ``quiet_carry`` leaves out a stop word
        ("Release.") carried over from a step that was skipped before it began.
        """
        self._agenda.clear()
        self._lead_in_end = float("-inf")
        self._stop_waiting()
        if index >= len(self.plan.steps):
            self._step_end = None
            self._end("finished")
            return
        step = self.plan.steps[index]
        self._index = index
        self._open = True
        self._step_start = start
        self._step_end = None if step.duration_seconds is None else start + step.duration_seconds
        self._publish()
        self.runtime.emit(
            "step",
            index=index,
            kind=step.kind,
            number=step.number,
            exercise=step.exercise,
            side=step.side,
            rep=step.rep,
            reps=step.reps,
            set=step.set,
            sets=step.sets,
            duration_seconds=step.duration_seconds,
        )
        cues = step.cues
        if quiet_carry and len(cues) > 1 and cues[0].text in STOP_WORDS:
            # The step begins as if its next words were due now.
            start -= cues[1].offset_seconds
            self._step_start = start
            if self._step_end is not None:
                self._step_end -= cues[1].offset_seconds
            cues = cues[1:]
        for cue in cues:
            self._schedule(start + cue.offset_seconds, self._text(cue), cue.tone)
        if step.kind == "finish":
            self._closing_extra()
            self._step_end = self._finish_end(step, start)
        if step.until_button:
            self._start_waiting(start)
        self.time_reached(self._now())

    def _pause(self) -> None:
        now = self._now()
        self.runtime.voice.stop()
        self._agenda.clear()
        # Time spent in a resume lead-in does not count against the step.
        moment = max(now, self._lead_in_end)
        elapsed = moment - self._step_start
        step = self.plan.steps[self._index]
        if step.kind in SPOKEN_STEPS:
            # A step that only talks would lose its cut-off sentence for good;
            # rewind to the start of that sentence so it is said again.
            for cue in step.cues:
                if cue.offset_seconds <= elapsed < cue.end_seconds:
                    elapsed = cue.offset_seconds
        if step.kind == "finish" and self._extra is not None:
            # The line after the summary is said again on resume unless it was heard whole.
            heard = self._extra_from
            if heard is not None and moment >= heard + self.runtime.voice.duration(self._extra):
                self._extra = None
            self._extra_from = None
        self._paused_elapsed = elapsed
        # The step's own length as it is running (a newer plan may differ slightly).
        length = None if self._step_end is None else self._step_end - self._step_start
        self._remaining = None if length is None else length - elapsed
        self._paused_at = now
        self._set_state("paused")
        self.runtime.say(phrases.PAUSED)
        # What the resume will say, rendered while the person rests.
        lines = {where_text(step, self._remaining), where_text(step, self._remaining, True)}
        self.runtime.voice.prepare([(line, None) for line in sorted(lines)], soon=True)
        self._start_waiting(now)

    def _resume(self) -> None:
        now = self._now()
        step = self.plan.steps[self._index]
        elapsed, remaining = self._paused_elapsed, self._remaining
        # A counted rep always starts again: its number starts it, and half a
        # rep has no meaning after a pause.
        again = step.kind == "rep" or (
            step.kind == "hold" and now - self._paused_at > self.pause_restart_seconds
        )
        if again and step.duration_seconds is not None:
            # A long rest undoes a stretch: the hold starts from its beginning.
            elapsed, remaining = 0.0, self._step_end_length() or step.duration_seconds
        self._stop_waiting()
        words = where_text(step, remaining, again)
        self._lead_in_end = now + resume_lead_in(self.runtime.voice.duration(words), self.lead_in)
        self._step_start = self._lead_in_end - elapsed
        if remaining is not None:
            self._step_end = self._lead_in_end + remaining
        self._remaining = None
        self._set_state("running")
        self.runtime.say(words)
        for n, word in zip(range(len(phrases.COUNTDOWN), 0, -1), phrases.COUNTDOWN):
            # Before a counted rep, ticks: the next number said is the rep's own.
            if self.count == "tones" or step.kind == "rep":
                self._schedule(self._lead_in_end - n, "", "tick")
            else:
                self._schedule(self._lead_in_end - n, word)
        self._schedule_rest_of_step(step, elapsed, remaining)
        if step.kind == "finish" and self._extra is not None and self._step_end is not None:
            end = self._schedule_extra(self._lead_in_end)
            self._step_end = max(self._step_end, end + ANNOUNCE_TAIL_SECONDS)

    def _step_end_length(self) -> float | None:
        """The current step's length as it runs (a newer plan may differ slightly)."""
        if self._step_end is None:
            return None
        return self._step_end - self._step_start

    def _schedule_rest_of_step(self, step: Step, elapsed: float, remaining: float | None) -> None:
        """The step's cues still to come after a resume, and its word again if there is room.

        The step's own countdown is said only when its "3" is still to come:
        the lead-in has just counted, and a "2, 1" after it would mislead.
        """
        upcoming = [c for c in step.cues if c.offset_seconds >= elapsed]
        if not any(_is_three(c) and c.offset_seconds > elapsed + DUE_EPSILON for c in upcoming):
            upcoming = [c for c in upcoming if c.priority != Priority.COUNT]
        if step.resume_text:
            # Say the step's word again ("Hold.") if it fits before the next cue.
            room = upcoming[0].offset_seconds - elapsed if upcoming else remaining
            if room is None or room >= self.runtime.voice.duration(step.resume_text):
                self._schedule(self._lead_in_end, step.resume_text)
        for cue in upcoming:
            self._schedule(self._step_start + cue.offset_seconds, self._text(cue), cue.tone)

    # -- skipping a whole exercise -------------------------------------------------

    def _skips_exercise(self) -> bool:
        """True when a long press now skips the rest of the exercise, not just the step."""
        if not 0 <= self._index < len(self.plan.steps):
            return False
        step = self.plan.steps[self._index]
        if step.number is None:
            return False
        return self.state == "paused" or step.kind in EXERCISE_SKIP_STEPS

    def _after_exercise(self) -> int | None:
        """The first step after the current exercise, when a long press skips it whole."""
        if not self._skips_exercise():
            return None
        number = self.plan.steps[self._index].number
        assert number is not None
        self.skipped.add(number)
        return self._after_this_exercise()

    def _after_this_exercise(self) -> int:
        """The first step after the current step's exercise (the plan's length if none)."""
        number = self.plan.steps[self._index].number
        rest = range(self._index + 1, len(self.plan.steps))
        return next((i for i in rest if self.plan.steps[i].number != number), len(self.plan.steps))

    # -- the summary -----------------------------------------------------------------

    def _text(self, cue: Cue) -> str:
        """What ``cue`` says now: the summary is made when its step begins (and rendered then)."""
        if cue.priority != Priority.SUMMARY:
            return cue.text
        text = self._summary()
        self.runtime.voice.prepare([(text, None)], soon=True)
        return text

    def _summary(self) -> str:
        """What was done: exercises that ran to their end, and the minutes since the start."""
        numbers = self.plan.exercise_numbers
        done = len(numbers - self.skipped - self.hurt)
        return phrases.summary_text(done, len(numbers), self._now() - self._started_at)

    def _closing_extra(self) -> None:
        """Plan the ``closing_extra`` line, if there is one, after the finish step's words."""
        extra = self.closing_extra() if self.closing_extra is not None else None
        if not extra:
            return
        self._extra = extra
        self.runtime.voice.prepare([(extra, None)], soon=True)
        self._schedule_extra(self._step_start)

    def _schedule_extra(self, earliest: float) -> float:
        """Say the ``closing_extra`` line after everything planned (not before ``earliest``).

        Returns when it ends.
        """
        assert self._extra is not None
        voice = self.runtime.voice
        ends = [w + voice.duration(t) + tone_seconds(tone) for w, _, t, tone in self._agenda]
        when = max(ends) + ANNOUNCE_GAP_SECONDS if ends else earliest
        self._schedule(when, self._extra)
        return when + voice.duration(self._extra)

    def _finish_end(self, step: Step, start: float) -> float | None:
        """The finish step lasts until its words (the summary said as it is) have been said."""
        if step.duration_seconds is None:
            return None
        tail = step.duration_seconds - (step.cues[-1].end_seconds if step.cues else 0.0)
        end = start
        for when, _, text, tone in self._agenda:
            end = max(end, when + self.runtime.voice.duration(text) + tone_seconds(tone))
        return max(start + step.duration_seconds, end + tail)

    # -- waiting: reminders, and the end of a wait that goes on too long ---------------

    def _start_waiting(self, since: float) -> None:
        self._wait_start = since
        self._reminders = reminder_offsets()
        self._next_reminder = since + next(self._reminders)

    def _stop_waiting(self) -> None:
        self._wait_start = None
        self._next_reminder = None

    def _wait_end(self) -> float | None:
        return None if self._wait_start is None else self._wait_start + self.pause_end_seconds

    def _waited(self, now: float) -> bool:
        """Say a reminder that is due, or end a wait that has gone on too long.

        True when the session ended here.
        """
        if self._held_still:
            return False  # the person is deciding: a reminder would cut the held word off
        end = self._wait_end()
        if end is not None and end <= now + DUE_EPSILON:
            self.runtime.voice.stop()
            self._close(phrases.LONG_PAUSE_END)
            return True
        if self._next_reminder is not None and self._next_reminder <= now + DUE_EPSILON:
            assert self._wait_start is not None
            self._next_reminder = self._wait_start + next(self._reminders)
            self.runtime.say(self._reminder())
        return False

    def _reminder(self) -> str:
        if self.state == "paused":
            return phrases.STILL_PAUSED
        step = self.plan.steps[self._index]
        return phrases.PRESS_WHEN_DONE if step.kind == "wait" else phrases.PRESS_WHEN_READY

    # -- output ----------------------------------------------------------------

    def _schedule(self, when: float, text: str, tone: ToneName | None = None) -> None:
        heapq.heappush(self._agenda, (when, next(self._order), text, tone))

    def _close(self, words: str | None) -> None:
        """End early (the stop gesture, a wait too long): say ``words`` and stop."""
        self._end_step("skipped")
        self.closing = words or phrases.SESSION_ENDED
        self.runtime.say(self.closing)
        self._end("stopped")

    def _end(self, state: State) -> None:
        """Finished or stopped by the button: hand over to what comes after."""
        self._end_step("done")
        self._stop_waiting()
        self._set_state(state)
        self.runtime.switch(self._after(self) if self._after is not None else None)

    def _set_state(self, state: State) -> None:
        self.state = state
        if state != "paused":
            self._remaining = None
        self._publish()
        self.runtime.emit("state", state=state)

    def _publish(self) -> None:
        step = self.plan.steps[self._index] if 0 <= self._index < len(self.plan.steps) else None
        self.status = Status(
            self.state,
            step,
            self._step_end,
            self._remaining if self.state == "paused" else None,
        )
