"""The runtime: the one loop of the box, and the modes it switches between.

Everything that happens arrives on one queue (button edges, a quit request, a
better-timed plan) or is a deadline (a cue falls due, a step ends, a held
button crosses a threshold). The runtime waits on its clock for whichever
comes first; this is the only place in the coach that waits. What the box is
doing is a :class:`Mode` (the menu, a session, and the dialogues to come): a
mode never waits or sleeps, it answers "when is your next deadline?", hears
"time reached" and "this gesture happened", and says things through the
runtime. A mode hands over to the next one with :meth:`Runtime.switch`.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterable
from typing import Any

from coach.clock import Clock, VirtualClock
from coach.errors import ScriptError
from coach.events import Event, EventType, Item, Listener, NewPlan, Quit, ScriptEnded
from coach.gestures import Edge, Gesture, GestureClassifier, Threshold, Thresholds
from coach.plan import Plan
from coach.tones import ToneName
from coach.voice import Voice

#: Deadlines this close count as due (float sums of step and line lengths).
DUE_EPSILON = 1e-9


class Mode:
    """What the box is doing; the runtime hands it deadlines and gestures.

    Subclasses override what they need; every hook does nothing by default.
    A mode is entered by :meth:`Runtime.switch`, and may switch to the next
    mode (or to ``None``, which ends the loop) from any hook. A mode that hands
    over to a question (a check-in) is entered again when the question hands
    back, and goes on from where it was.
    """

    #: The runtime this mode runs in; set by :meth:`enter`.
    runtime: Runtime

    def enter(self, runtime: Runtime) -> None:
        """Start: the runtime is this mode's from now on."""
        self.runtime = runtime

    def next_deadline(self) -> float | None:
        """Clock time of the next thing this mode must do on its own; ``None``: nothing."""
        return None

    def patient_deadline(self) -> float | None:
        """Clock time of something that happens only while the person is waited on
        (a reminder); a simulation with nothing more scripted does not wait for it.
        """
        return None

    def time_reached(self, now: float) -> None:
        """A deadline (this mode's, or a held button's threshold) has come."""

    def held(self, crossed: Threshold) -> str | None:
        """What to say as the held button crosses ``crossed``; ``None`` says nothing."""
        return None

    def gesture(self, gesture: Gesture) -> None:
        """The button was let go after a ``press``, ``long`` or ``stop``."""

    def new_plan(self, plan: Plan) -> None:
        """Phrase lengths are better known: ``plan`` is the same plan laid out again."""

    def quit(self) -> None:
        """The run is ending at once (a signal, the ``q`` key): record how it ended."""

    def script_ended(self) -> None:
        """A simulation has no scripted presses left and nothing else will happen.

        By default that is an error: the mode was waiting for the button.
        """
        raise ScriptError(
            f"at {self.runtime.clock.now():.1f} s the session waits for the button, "
            "but no more presses are scripted (add --press-at T:press)"
        )

    def leave(self) -> None:
        """Another mode takes over (or the run ends)."""


class Runtime:
    """One loop, one queue, one clock: runs modes until none is left.

    :param clock: the clock to wait on (:class:`~coach.clock.SystemClock` or
        :class:`~coach.clock.VirtualClock`).
    :param voice: says things; stopped at once by a quit or a held button.
    :param thresholds: the gesture thresholds; default :class:`Thresholds`.
    :param listeners: called with every :class:`Event`, on this thread.
    :param tones: a tick before the words said while the button is held.
    :param events: the queue to read; a new one by default. Button sources
        and other threads put items on it through :meth:`post`.

    ::

        runtime = Runtime(VirtualClock(), TextVoice())
        runtime.run(SessionMode(plan))
    """

    def __init__(
        self,
        clock: Clock,
        voice: Voice,
        thresholds: Thresholds | None = None,
        listeners: Iterable[Listener] = (),
        tones: bool = True,
        events: queue.Queue[Item] | None = None,
    ) -> None:
        self.clock = clock
        self.voice = voice
        self.gestures = GestureClassifier(thresholds)
        self.listeners = list(listeners)
        self.tones = tones
        self.events: queue.Queue[Item] = events if events is not None else queue.Queue()
        #: Clock time of the run's zero: events are stamped relative to it.
        self.origin = 0.0
        #: True once the run ended by :meth:`quit` rather than by a mode.
        self.quit_requested = False
        self.mode: Mode | None = None
        #: Asked when a simulation's script is over and nothing else will
        #: happen, before the mode is: True when it scheduled something more
        #: (an instant run with no script presses the button itself).
        self.on_script_end: Callable[[], bool] | None = None

    # -- input, from any thread ------------------------------------------------

    def post(self, item: Item) -> None:
        """Put an edge, a quit or a new plan on the queue."""
        self.events.put(item)

    def quit(self) -> None:
        """End the run at once (safe from any thread and from signal handlers)."""
        self.events.put(Quit())

    # -- the loop ----------------------------------------------------------------

    def elapsed(self) -> float:
        """Seconds since the run's zero, on the run's clock."""
        return self.clock.now() - self.origin

    def run(self, mode: Mode, origin: float | None = None) -> None:
        """Enter ``mode`` and loop until no mode is left.

        :param origin: the clock time that counts as the run's zero (scripted
            presses are placed relative to it); default: now.
        """
        self.origin = self.clock.now() if origin is None else origin
        self.switch(mode)
        while self.mode is not None:
            self.turn()

    def turn(self) -> None:
        """One pass of the loop: wait for the next item or deadline, and hand it on."""
        mode = self.mode
        assert mode is not None, "the runtime has no mode to run"
        times = [t for t in (self.gestures.next_crossing(), mode.next_deadline()) if t is not None]
        patient = mode.patient_deadline()
        if patient is not None:
            if not times and self._script_over():
                self._script_ended(mode)  # only reminders are left: they would go on forever
                return
            times.append(patient)
        item = self.clock.wait(self.events, min(times) if times else None)
        if item is None:
            self._time_reached(self.clock.now())
        elif isinstance(item, ScriptEnded):
            self._script_ended(mode)
        elif isinstance(item, Quit):
            self.quit_requested = True
            self.voice.stop()
            mode.quit()
            self.switch(None)
        elif isinstance(item, NewPlan):
            mode.new_plan(item.plan)
        elif isinstance(item, Edge):
            gesture = self.gestures.edge(item)
            if gesture is not None:
                self.emit("gesture", gesture=gesture)
                mode.gesture(gesture)

    def _script_ended(self, mode: Mode) -> None:
        if self.on_script_end is None or not self.on_script_end():
            mode.script_ended()

    def _script_over(self) -> bool:
        """True on a virtual clock with no scripted action left: no press will ever come."""
        return isinstance(self.clock, VirtualClock) and self.clock.pending_actions == 0

    def switch(self, mode: Mode | None) -> None:
        """Leave the current mode and enter ``mode``; ``None`` ends the loop."""
        if self.mode is not None:
            self.mode.leave()
        self.mode = mode
        if mode is not None:
            mode.enter(self)

    def _time_reached(self, now: float) -> None:
        for crossed in self.gestures.crossings(now):
            assert self.mode is not None
            word = self.mode.held(crossed)
            if word is None:
                continue
            self.emit("threshold", threshold=crossed)
            self.voice.stop()
            self.say(word, "tick" if self.tones else None)
        if self.mode is not None:
            self.mode.time_reached(now)

    # -- output ------------------------------------------------------------------

    def say(self, text: str, tone: ToneName | None = None) -> None:
        """Say ``text`` now (after ``tone``), cutting off anything still playing."""
        if tone is None:
            self.emit("say", text=text)
        else:
            self.emit("say", text=text, tone=tone)
        self.voice.say(text, tone)

    def emit(self, type_: EventType, **data: Any) -> None:
        """Tell every listener that ``type_`` happened now."""
        event = Event(self.clock.now() - self.origin, type_, data)
        for listener in self.listeners:
            listener(event)
