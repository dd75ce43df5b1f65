"""The session engine: one thread, one queue, deadlines on an injected clock.

Everything that happens to a session arrives on one queue (button edges, a
quit request) or is a deadline (a cue falls due, a step ends, a held button
crosses a threshold). The engine waits on its clock for whichever comes
first, so it never sleeps and never drifts: a step ends at ``start +
duration`` and the next step starts at exactly that moment, however late the
thread woke up. Speech is started and never waited for.
"""

from __future__ import annotations

import heapq
import itertools
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from coach import phrases
from coach.clock import Clock
from coach.gestures import Edge, Gesture, GestureClassifier, Thresholds
from coach.plan import Plan, Step
from coach.tones import ToneName
from coach.voice import Voice

State = Literal["idle", "running", "paused", "finished", "stopped"]
#: ``threshold`` (a held button crossed the long or stop threshold) drives
#: the LED; the transcript leaves it out.
EventType = Literal["say", "state", "step", "gesture", "threshold"]
TRANSCRIPT_TYPES = ("say", "state", "step", "gesture")
ENDED: tuple[State, ...] = ("finished", "stopped")
#: Steps that exist to say something: a pause in the middle of a sentence
#: repeats that sentence on resume instead of keeping the time exactly.
SPOKEN_STEPS = ("announce", "finish")

#: The spoken lead-in between a resume and the step going on.
RESUME_LEAD_IN_SECONDS = 3.0
#: Deadlines this close count as due (float sums of step lengths).
DUE_EPSILON = 1e-9


@dataclass(frozen=True)
class Event:
    """Something that happened, ``t`` seconds after the session started."""

    t: float
    type: EventType
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"t": round(self.t, 3), "type": self.type, **self.data}


@dataclass(frozen=True)
class Status:
    """A snapshot for a status line; safe to read from any thread."""

    state: State
    step: Step | None = None
    #: Clock time the current step ends; ``None`` for button steps.
    step_end: float | None = None
    #: Seconds left, frozen while paused.
    paused_remaining: float | None = None

    def seconds_left(self, now: float) -> float | None:
        if self.paused_remaining is not None:
            return self.paused_remaining
        if self.step_end is None:
            return None
        return max(0.0, self.step_end - now)


class Quit:
    """Queue item: end the session now without ceremony (keyboard ``q``, a signal)."""


@dataclass(frozen=True)
class NewPlan:
    """Queue item: the same plan laid out again with better phrase lengths.

    Steps that have not started yet follow it; the current one keeps its timing.
    """

    plan: Plan


Listener = Callable[[Event], None]


class Engine:
    def __init__(
        self,
        plan: Plan,
        clock: Clock,
        voice: Voice,
        thresholds: Thresholds | None = None,
        listeners: Iterable[Listener] = (),
        resume_lead_in_seconds: float = RESUME_LEAD_IN_SECONDS,
        tones: bool = True,
        events: queue.Queue[Edge | Quit | NewPlan] | None = None,
    ) -> None:
        self.plan = plan
        self.clock = clock
        self.voice = voice
        self.gestures = GestureClassifier(thresholds)
        self.listeners = list(listeners)
        self.lead_in = resume_lead_in_seconds
        #: A tick before the "skip" and "stop" words while the button is held.
        self.tones = tones
        #: Edges, quit requests and plan updates; the device shares one queue
        #: among the sessions it runs, so its button has one place to post.
        self.events: queue.Queue[Edge | Quit | NewPlan] = events or queue.Queue()
        #: True when the session ended by :meth:`quit` rather than by the button.
        self.quit_requested = False
        self.state: State = "idle"
        self.status = Status("idle")
        self._t0 = 0.0
        self._index = -1
        self._step_start = 0.0
        self._step_end: float | None = None
        self._lead_in_end = float("-inf")
        self._remaining: float | None = None
        self._paused_elapsed = 0.0
        self._agenda: list[tuple[float, int, str, ToneName | None]] = []
        self._order = itertools.count()
        self._lock = threading.Lock()

    # -- input, from any thread --------------------------------------------

    def post(self, item: Edge | Quit | NewPlan) -> None:
        self.events.put(item)

    def quit(self) -> None:
        self.events.put(Quit())

    # -- the loop ------------------------------------------------------------

    @property
    def started_at(self) -> float:
        """Clock time of the session's zero."""
        return self._t0

    def elapsed(self) -> float:
        """Seconds since the session started, on the session's clock."""
        return self.clock.now() - self._t0

    def run(self, wait_for_press: bool = False, started_at: float | None = None) -> State:
        """Run the session in the calling thread until it finishes or stops.

        ``started_at`` is the clock time that counts as the session's zero
        (scripted presses are placed relative to it); default: now.
        """
        self._t0 = self.clock.now() if started_at is None else started_at
        if wait_for_press:
            self._set_state("idle")
            self._say(phrases.READY_TO_START)
        else:
            self._start()
        while self.state not in ENDED:
            item = self.clock.wait(self.events, self._next_deadline())
            if item is None:
                self._on_time(self.clock.now())
            elif isinstance(item, Quit):
                self.quit_requested = True
                self.voice.stop()
                self._set_state("stopped")
            elif isinstance(item, NewPlan):
                if len(item.plan.steps) == len(self.plan.steps):
                    self.plan = item.plan
            else:
                self._on_edge(item)
        return self.state

    def _next_deadline(self) -> float | None:
        candidates = [self.gestures.next_crossing()]
        if self.state == "running":
            candidates.append(self._step_end)
            if self._agenda:
                candidates.append(self._agenda[0][0])
        times = [c for c in candidates if c is not None]
        return min(times) if times else None

    def _on_time(self, now: float) -> None:
        for crossed in self.gestures.crossings(now):
            self._on_threshold(crossed)
        while self.state == "running":
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
                self._say(text, tone)
            else:
                return

    # -- gestures ------------------------------------------------------------

    def _on_edge(self, edge: Edge) -> None:
        gesture = self.gestures.edge(edge)
        if gesture is None:
            return
        self._emit("gesture", gesture=gesture)
        self._on_gesture(gesture)

    def _on_threshold(self, crossed: str) -> None:
        if self.state == "idle" and crossed == "long":
            return  # a long press does nothing before the start
        self._emit("threshold", threshold=crossed)
        self.voice.stop()
        said = phrases.THRESHOLD_LONG if crossed == "long" else phrases.THRESHOLD_STOP
        self._say(said, "tick" if self.tones else None)

    def _on_gesture(self, gesture: Gesture) -> None:
        if gesture == "stop":
            self.voice.stop()
            self._say(phrases.SESSION_ENDED)
            self._set_state("stopped")
            return
        if self.state == "idle":
            if gesture == "press":
                self._start()
            return
        step = self.plan.steps[self._index]
        if gesture == "long" or (gesture == "press" and step.until_button):
            self.voice.stop()
            if self.state == "paused":
                self._set_state("running")
            self._enter(self._index + 1, start=self.clock.now())
        elif self.state == "running":
            self._pause()
        elif self.state == "paused":
            self._resume()

    # -- steps -----------------------------------------------------------------

    def _start(self) -> None:
        self._set_state("running")
        self._enter(0, start=self.clock.now())

    def _enter(self, index: int, start: float) -> None:
        self._agenda.clear()
        self._lead_in_end = float("-inf")
        if index >= len(self.plan.steps):
            self._step_end = None
            self._set_state("finished")
            return
        step = self.plan.steps[index]
        self._index = index
        self._step_start = start
        self._step_end = None if step.duration_seconds is None else start + step.duration_seconds
        self._publish()
        self._emit(
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
        self._on_time(self.clock.now())

    def _pause(self) -> None:
        now = self.clock.now()
        self.voice.stop()
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
        self._say(phrases.PAUSED)

    def _resume(self) -> None:
        now = self.clock.now()
        step = self.plan.steps[self._index]
        elapsed = self._paused_elapsed
        remaining = self._remaining
        self._lead_in_end = now + self.lead_in
        self._step_start = self._lead_in_end - elapsed
        if remaining is not None:
            self._step_end = self._lead_in_end + remaining
        self._remaining = None
        self._set_state("running")
        self._say(phrases.RESUMING)
        for n, word in zip(range(2, 0, -1), phrases.COUNTDOWN[1:]):
            self._schedule(self._lead_in_end - n, word)
        upcoming = [c for c in step.cues if c.offset_seconds >= elapsed]
        if step.resume_text:
            # Say the step's word again ("Hold.") if it fits before the next cue.
            room = upcoming[0].offset_seconds - elapsed if upcoming else remaining
            if room is None or room >= self.voice.duration(step.resume_text):
                self._schedule(self._lead_in_end, step.resume_text)
        for cue in upcoming:
            self._schedule(self._step_start + cue.offset_seconds, cue.text, cue.tone)

    # -- output ----------------------------------------------------------------

    def _schedule(self, when: float, text: str, tone: ToneName | None = None) -> None:
        heapq.heappush(self._agenda, (when, next(self._order), text, tone))

    def _say(self, text: str, tone: ToneName | None = None) -> None:
        if tone is None:
            self._emit("say", text=text)
        else:
            self._emit("say", text=text, tone=tone)
        self.voice.say(text, tone)

    def _set_state(self, state: State) -> None:
        self.state = state
        if state != "paused":
            self._remaining = None
        self._publish()
        self._emit("state", state=state)

    def _publish(self) -> None:
        step = self.plan.steps[self._index] if 0 <= self._index < len(self.plan.steps) else None
        self.status = Status(
            self.state,
            step,
            self._step_end,
            self._remaining if self.state == "paused" else None,
        )

    def _emit(self, type_: EventType, **data: Any) -> None:
        event = Event(self.clock.now() - self._t0, type_, data)
        for listener in self.listeners:
            listener(event)
