"""Device mode: the box from power-on, a voice menu of routines and the sessions it starts.

The device is two modes of one runtime: the menu (:class:`~coach.menu.MenuMode`)
and a session (:class:`~coach.session.SessionMode`). A press in the menu
starts the routine on offer; a session that finishes or is stopped hands
back to the menu. The device never ends by itself: a quit (SIGTERM, SIGINT,
the ``q`` key) ends it cleanly, and a scripted simulation ends when its
presses are used up in the menu.
"""

from __future__ import annotations

from coach.checkin import Dialogue, with_check_ins
from coach.errors import CoachError, RoutineError
from coach.hardware.terminal import status_text
from coach.library import Library
from coach.loader import load_routine
from coach.menu import Choice, MenuMode, menu_text
from coach.phrases import Phrase
from coach.plan import Plan
from coach.rig import Rig
from coach.routine import Routine
from coach.runtime import Mode
from coach.session import SessionMode
from coach.speech.setup import settle_plan, warm_up

#: A pause between the end of a session and the menu speaking again.
MENU_AFTER_SESSION_SECONDS = 1.0


class Device:
    """The box: a menu of the routines in ``library`` on ``rig``, run by :meth:`run`.

    :param rig: the clock, voice, pins and runtime to run on.
    :param library: the routines to offer; its default is offered first.
        Routine files that do not load are left out; none at all is an error.
    """

    def __init__(self, rig: Rig, library: Library) -> None:
        self.rig = rig
        settings = rig.settings
        self.choices = [
            Choice(c.slug, with_check_ins(c.routine, settings.pain_check, settings.check_in))
            for c in self._load(library)
        ]
        self.index = next((i for i, c in enumerate(self.choices) if c.slug == library.default), 0)

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

    def run(self) -> int:
        """Menu, session, menu, ... until a quit. Returns the exit status (0)."""
        try:
            self._warm_up()
            self.rig.run(self.menu(), self.status_line)
        finally:
            self.rig.close(let_last_phrase_finish=False)
        return 0

    # -- the modes ----------------------------------------------------------------

    def menu(self, delay_seconds: float = 0.0) -> MenuMode:
        """The menu, offering the routine chosen last."""
        return MenuMode(self.choices, self.index, self._plan, self.session, delay_seconds)

    def session(self, index: int) -> SessionMode:
        """A session of the routine at ``index``, returning to the menu when it ends."""
        self.index = index
        routine = self.choices[index].routine
        mode = self.rig.session_mode(self._plan(routine), after=self._after_session)
        self.rig.start_speech(routine, mode)
        return mode

    def _after_session(self, session: SessionMode) -> Mode:
        # Let the closing words or the summary be heard before the menu speaks.
        delay = MENU_AFTER_SESSION_SECONDS
        if session.closing is not None:
            delay += self.rig.voice.duration(session.closing)
        return self.menu(delay)

    def _plan(self, routine: Routine) -> Plan:
        return settle_plan(
            routine, self.rig.voice, self.rig.tones, render=False, count=self.rig.count
        )

    def _warm_up(self) -> None:
        """Fill the cache for every routine, the first on offer first; every menu line first."""
        order = self.choices[self.index :] + self.choices[: self.index]
        routines = [choice.routine for choice in order]
        voice = self.rig.voice
        warm_up(
            voice,
            self._menu_lines(routines),
            routines,
            self.rig.tones,
            self.rig.options.instant,
            count=self.rig.count,
        )
        if self.rig.options.instant:
            # Everything is rendered now, and real lengths can move a routine's
            # minutes: render the menu lines with the settled figure too. (A
            # live device renders in the background; its lengths have not
            # moved yet, so the lines above are the ones to prepare.)
            voice.render(self._menu_lines(routines))

    def _menu_lines(self, routines: list[Routine]) -> list[Phrase]:
        """Every line the menu may say for ``routines``, with their minutes as known now."""
        return [
            (menu_text(routine, self._plan(routine), greeting), None)
            for routine in routines
            for greeting in (True, False)
        ]

    def status_line(self) -> str:
        """What the terminal's status line shows: the session's progress, or the menu."""
        mode = self.rig.runtime.mode
        if isinstance(mode, Dialogue):
            mode = mode.back  # a check-in: the session it asks for
        if isinstance(mode, SessionMode):
            return status_text(mode.status, self.rig.clock.now())
        choice = mode.choice if isinstance(mode, MenuMode) else self.choices[self.index]
        return f"menu · {choice.routine.name} · press to start, hold for the next"
