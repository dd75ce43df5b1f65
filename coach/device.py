"""Device mode: the voice menu that runs at boot, and the sessions it starts.

In the menu, ``press`` starts the routine on offer, ``long`` offers the next
one in the library, ``stop`` repeats the menu. A session that finishes or is
stopped returns to the menu. The device never ends by itself: a quit (SIGTERM,
SIGINT, the ``q`` key) ends it cleanly. While it waits in the menu nothing
runs but the LED's breathing: the menu blocks on its queue.
"""

from __future__ import annotations

from dataclasses import dataclass

from coach import phrases
from coach.engine import Engine, Event, EventType, NewPlan, Quit
from coach.errors import CoachError, RoutineError
from coach.gestures import Edge, Gesture, GestureClassifier
from coach.hardware.terminal import status_text
from coach.library import Library
from coach.loader import load_routine
from coach.plan import Phrase, Plan
from coach.routine import Routine
from coach.session import Rig, start_speech
from coach.speech.setup import engine_phrases, settle_plan
from coach.speech.voice import SpeechVoice
from coach.tones import ToneName

#: A pause between the end of a session and the menu speaking again.
MENU_AFTER_SESSION_SECONDS = 1.0


@dataclass(frozen=True)
class Choice:
    slug: str
    routine: Routine


def menu_text(routine: Routine, plan: Plan, greeting: bool) -> str:
    minutes = phrases.minutes_text(plan.total_seconds)
    said = f"{routine.name.strip().rstrip('.')}, {minutes}. {phrases.MENU_HINT}"
    return f"{phrases.READY} {said}" if greeting else said


class Device:
    def __init__(self, rig: Rig, library: Library) -> None:
        self.rig = rig
        self.choices = self._load(library)
        self.index = next((i for i, c in enumerate(self.choices) if c.slug == library.default), 0)
        self.engine: Engine | None = None
        self.quitting = False

    @staticmethod
    def _load(library: Library) -> list[Choice]:
        choices, broken = [], []
        for entry in library.entries():
            try:
                choices.append(Choice(entry.slug, load_routine(entry.path)))
            except RoutineError as exc:
                broken.append(exc.problems[0])
        if not choices:
            raise CoachError("no valid routines to offer: " + "; ".join(broken or ["none found"]))
        return choices

    # -- running --------------------------------------------------------------------

    def run(self) -> int:
        """Menu, session, menu, ... until a quit. Returns the exit status (0)."""
        rig = self.rig
        self._prepare_speech()
        origin = rig.start_script()
        try:
            if rig.options.instant:
                self._loop(origin)
            else:
                rig.run_live(lambda: self._loop(origin), self.status_line)
        finally:
            rig.close(let_last_phrase_finish=False)
        return 0

    def _loop(self, origin: float) -> None:
        delay = 0.0
        while not self.quitting:
            if not self._menu(origin, delay):
                return
            choice = self.choices[self.index]
            plan = self._plan(choice.routine)
            engine = Engine(
                plan,
                self.rig.clock,
                self.rig.voice,
                self.rig.options.thresholds,
                self.rig.listeners,
                tones=self.rig.tones,
                events=self.rig.events,
            )
            if isinstance(self.rig.voice, SpeechVoice) and not self.rig.options.instant:
                engine.plan = start_speech(
                    choice.routine, engine, self.rig.voice, self.rig.tones, instant=False
                )
            self.engine = engine
            engine.run(started_at=origin)
            self.engine = None
            self.quitting = engine.quit_requested
            # Let "Session ended." or the summary be heard before the menu speaks.
            delay = MENU_AFTER_SESSION_SECONDS
            if engine.state == "stopped":
                delay += self.rig.voice.duration(phrases.SESSION_ENDED)

    def _menu(self, origin: float, delay: float) -> bool:
        """Wait in the menu until ``press``; False when the device should end."""
        rig = self.rig
        gestures = GestureClassifier(rig.options.thresholds)
        self._emit(origin, "state", state="idle")
        offer_at: float | None = rig.clock.now() + delay
        while True:
            if offer_at is not None and rig.clock.now() >= offer_at:
                offer_at = None
                self._offer(origin, greeting=True)
            deadlines = [t for t in (gestures.next_crossing(), offer_at) if t is not None]
            try:
                item = rig.clock.wait(rig.events, min(deadlines) if deadlines else None)
            except CoachError:
                if rig.options.instant:
                    return False  # the scripted presses are over: a simulation ends here
                raise
            if item is None:
                for crossed in gestures.crossings(rig.clock.now()):
                    self._emit(origin, "threshold", threshold=crossed)
                    word = phrases.MENU_NEXT if crossed == "long" else phrases.MENU_REPEAT
                    self._say(origin, word, "tick" if rig.tones else None)
                continue
            if isinstance(item, Quit):
                self.quitting = True
                rig.voice.stop()
                return False
            if isinstance(item, NewPlan):
                continue  # from a session that has ended
            gesture = gestures.edge(item) if isinstance(item, Edge) else None
            if gesture is None:
                continue
            self._emit(origin, "gesture", gesture=gesture)
            if self._on_gesture(origin, gesture):
                return True

    def _on_gesture(self, origin: float, gesture: Gesture) -> bool:
        if gesture == "press":
            self.rig.voice.stop()
            return True
        if gesture == "long":
            self.index = (self.index + 1) % len(self.choices)
            self._offer(origin, greeting=False)
        else:
            self._offer(origin, greeting=True)
        return False

    def _offer(self, origin: float, greeting: bool) -> None:
        choice = self.choices[self.index]
        self.rig.voice.stop()
        self._say(origin, menu_text(choice.routine, self._plan(choice.routine), greeting))

    def _plan(self, routine: Routine) -> Plan:
        return settle_plan(routine, self.rig.voice, self.rig.tones, render=False)

    def _prepare_speech(self) -> None:
        """Fill the cache for every routine in the background, the first on offer first."""
        voice = self.rig.voice
        if not isinstance(voice, SpeechVoice):
            return
        order = self.choices[self.index :] + self.choices[: self.index]
        plans = [(choice.routine, self._plan(choice.routine)) for choice in order]
        # Every menu line first, so the menu never waits; then the routines.
        phrases: list[Phrase] = [
            (menu_text(routine, plan, greeting), None)
            for routine, plan in plans
            for greeting in (True, False)
        ]
        phrases += engine_phrases(self.rig.tones)
        for _, plan in plans:
            phrases += plan.phrases()
        if self.rig.options.instant:
            # Virtual time would outrun the renderer: have everything first.
            voice.renderer.render_now(phrases)
            for choice in order:
                settle_plan(choice.routine, voice, self.rig.tones)
        else:
            voice.prepare(phrases)

    # -- output ------------------------------------------------------------------------

    def _say(self, origin: float, text: str, tone: ToneName | None = None) -> None:
        if tone is None:
            self._emit(origin, "say", text=text)
        else:
            self._emit(origin, "say", text=text, tone=tone)
        self.rig.voice.say(text, tone)

    def _emit(self, origin: float, type_: EventType, **data: object) -> None:
        event = Event(self.rig.clock.now() - origin, type_, dict(data))
        for listener in self.rig.listeners:
            listener(event)

    def status_line(self) -> str:
        engine = self.engine
        if engine is not None:
            return status_text(engine.status, self.rig.clock.now())
        choice = self.choices[self.index]
        return f"menu · {choice.routine.name} · press to start, hold for the next"
