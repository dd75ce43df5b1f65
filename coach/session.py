"""The session: one routine's plan, run step by step as a mode of the runtime.

Every step's end is a deadline on the runtime's clock (start + duration), and
the next step starts at exactly that moment, however late the loop woke up,
so nothing drifts. Cues are said at their offsets and never waited for. The
button pauses and resumes (keeping the step's time exactly), skips the rest
of a step, answers steps that wait for it, and stops the session.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable

from coach import phrases
from coach.events import ENDED, State, Status
from coach.gestures import Gesture, Threshold
from coach.plan import Plan
from coach.runtime import Mode, Runtime
from coach.tones import ToneName

#: Steps that exist to say something: a pause in the middle of a sentence
#: repeats that sentence on resume instead of keeping the time exactly.
SPOKEN_STEPS = ("announce", "finish")

#: The spoken lead-in between a resume and the step going on.
RESUME_LEAD_IN_SECONDS = 3.0
#: Deadlines this close count as due (float sums of step lengths).
DUE_EPSILON = 1e-9

#: What comes after a session: given the ended session, the next mode (or ``None``).
AfterSession = Callable[["SessionMode"], Mode | None]


class SessionMode(Mode):
    """One run of a plan: idle, running, paused, then finished or stopped.

    :param plan: the compiled routine to run.
    :param wait_for_press: start idle and wait for a ``press`` (as the device
        would); default: start at once.
    :param resume_lead_in_seconds: the spoken lead-in after a resume; default 3.
    :param after: called once when the session finishes or is stopped by the
        button; returns the mode to switch to. Default: none, which ends the
        runtime's loop. A quit ends the loop without it.

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
    ) -> None:
        self.plan = plan
        self.wait_for_press = wait_for_press
        self.lead_in = resume_lead_in_seconds
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
        """Start the first step now, or ask for a press and wait idle (``wait_for_press``)."""
        super().enter(runtime)
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

    def time_reached(self, now: float) -> None:
        """Say every cue that is due and start every step whose time has come, in order."""
        while self.state == "running" and not self._held_still:
            due_cue = self._agenda[0][0] if self._agenda else None
            end = self._step_end
            if (
                end is not None
                and end <= now + DUE_EPSILON
                and (due_cue is None or end <= due_cue + DUE_EPSILON)
            ):
                self._enter(self._index + 1, start=end)
            elif due_cue is not None and due_cue <= now + DUE_EPSILON:
                _, _, text, tone = heapq.heappop(self._agenda)
                self.runtime.say(text, tone)
            else:
                return

    def held(self, crossed: Threshold) -> str | None:
        """What a held button says: "Skip." at the long threshold, "Stop." at the stop one.

        Before the start a long press does nothing, so it says nothing.
        """
        if self.state == "idle" and crossed == "long":
            return None  # a long press does nothing before the start
        if self.state == "running":
            # Letting go now skips or stops: nothing more is said, and no step
            # begins, while the person decides (a countdown would cut "Skip."
            # off, and a stop held across a step's end would start the next).
            self._held_still = True
            self._agenda.clear()
        return phrases.THRESHOLD_LONG if crossed == "long" else phrases.THRESHOLD_STOP

    def gesture(self, gesture: Gesture) -> None:
        """``stop`` ends the session; ``long`` skips the rest of the step.

        ``press`` starts an idle session, ends a step that waits for the button,
        and otherwise pauses or resumes.
        """
        voice = self.runtime.voice
        self._held_still = False
        if gesture == "stop":
            voice.stop()
            self.runtime.say(phrases.SESSION_ENDED)
            self._end("stopped")
            return
        if self.state == "idle":
            if gesture == "press":
                self._start()
            return
        step = self.plan.steps[self._index]
        if gesture == "long" or (gesture == "press" and step.until_button):
            voice.stop()
            if self.state == "paused":
                self._set_state("running")
            self._enter(self._index + 1, start=self.runtime.clock.now())
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
        self._set_state("stopped")

    # -- steps -----------------------------------------------------------------

    def _start(self) -> None:
        self._set_state("running")
        self._enter(0, start=self.runtime.clock.now())

    def _enter(self, index: int, start: float) -> None:
        self._agenda.clear()
        self._lead_in_end = float("-inf")
        if index >= len(self.plan.steps):
            self._step_end = None
            self._end("finished")
            return
        step = self.plan.steps[index]
        self._index = index
        self._step_start = start
        self._step_end = None if step.duration_seconds is None else start + step.duration_seconds
        self._publish()
        self.runtime.emit(
            "step",
            index=index,
            kind=step.kind,
            exercise=step.exercise,
            side=step.side,
            rep=step.rep,
            reps=step.reps,
            set=step.set,
            sets=step.sets,
            duration_seconds=step.duration_seconds,
        )
        for cue in step.cues:
            self._schedule(start + cue.offset_seconds, cue.text, cue.tone)
        self.time_reached(self.runtime.clock.now())

    def _pause(self) -> None:
        now = self.runtime.clock.now()
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
        self._paused_elapsed = elapsed
        # The step's own length as it is running (a newer plan may differ slightly).
        length = None if self._step_end is None else self._step_end - self._step_start
        self._remaining = None if length is None else length - elapsed
        self._set_state("paused")
        self.runtime.say(phrases.PAUSED)

    def _resume(self) -> None:
        now = self.runtime.clock.now()
        step = self.plan.steps[self._index]
        elapsed = self._paused_elapsed
        remaining = self._remaining
        self._lead_in_end = now + self.lead_in
        self._step_start = self._lead_in_end - elapsed
        if remaining is not None:
            self._step_end = self._lead_in_end + remaining
        self._remaining = None
        self._set_state("running")
        self.runtime.say(phrases.RESUMING)
        for n, word in zip(range(2, 0, -1), phrases.COUNTDOWN[1:]):
            self._schedule(self._lead_in_end - n, word)
        upcoming = [c for c in step.cues if c.offset_seconds >= elapsed]
        if step.resume_text:
            # Say the step's word again ("Hold.") if it fits before the next cue.
            room = upcoming[0].offset_seconds - elapsed if upcoming else remaining
            if room is None or room >= self.runtime.voice.duration(step.resume_text):
                self._schedule(self._lead_in_end, step.resume_text)
        for cue in upcoming:
            self._schedule(self._step_start + cue.offset_seconds, cue.text, cue.tone)

    # -- output ----------------------------------------------------------------

    def _schedule(self, when: float, text: str, tone: ToneName | None = None) -> None:
        heapq.heappush(self._agenda, (when, next(self._order), text, tone))

    def _end(self, state: State) -> None:
        """Finished or stopped by the button: hand over to what comes after."""
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
