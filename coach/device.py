"""Device mode: the box from power-on, a voice menu of routines and the sessions it starts.

The device is two modes of one runtime: the menu (:class:`~coach.menu.MenuMode`)
and a session (:class:`~coach.session.SessionMode`). A press in the menu
starts the routine on offer; a session that finishes or is stopped hands
back to the menu. The device never ends by itself: a quit (SIGTERM, SIGINT,
the ``q`` key) ends it cleanly, and a scripted simulation ends when its
presses are used up in the menu.

While the menu waits it says the reminders of the ``reminders`` setting (see
:mod:`coach.reminders`), and looks for a USB stick with routines every few
seconds (see :mod:`coach.stick`): the good ones are copied into the
patient's folder and offered at once; at boot its greeting may end with an adherence line
(see :mod:`coach.adherence`) when the device is told the days of past sessions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from coach.adherence import adherence_lines
from coach.carryon import CarryOnMode
from coach.checkin import Dialogue
from coach.errors import CoachError, NothingToCarryOn, RoutineError
from coach.hardware.terminal import status_text
from coach.library import Library
from coach.loader import load_routine
from coach.menu import Choice, MenuMode, Watch, menu_text, reminder_tone
from coach.phrases import REMINDER, Phrase
from coach.plan import Plan
from coach.reminders import ReminderSchedule
from coach.rig import Rig, spoken_adherence, spoken_closing
from coach.routine import Routine
from coach.runtime import Mode
from coach.session import SessionMode
from coach.speech.setup import settle_plan, warm_up
from coach.stick import POLL_SECONDS, StickWatch, copy_routines, summary

#: A pause between the end of a session and the menu speaking again.
MENU_AFTER_SESSION_SECONDS = 1.0


class Device:
    """The box: a menu of the routines in ``library`` on ``rig``, run by :meth:`run`.

    :param rig: the clock, voice, pins and runtime to run on.
    :param library: the routines to offer (:meth:`Library.offered`); its
        default is offered first. Routine files that do not load are left out;
        none at all is an error. With a patient folder and the ``stick_mounts``
        setting, USB sticks are watched for while the menu waits.
    :param session_days: the day of every past session, for the greeting's
        adherence line; default none (no line).
    """

    def __init__(
        self,
        rig: Rig,
        library: Library,
        session_days: Callable[[], Sequence[date]] | None = None,
    ) -> None:
        self.rig = rig
        self.library = library
        for line in library.menu_warnings():
            rig.options.warn(line)
        self.choices = self._choices()
        self.index = next((i for i, c in enumerate(self.choices) if c.slug == library.default), 0)
        mounts = rig.settings.stick_mounts
        self.sticks = StickWatch(mounts) if mounts and library.patient_folder else None
        #: When the last session this device started began; the history knows the others.
        self._started: float | None = None
        if rig.history is not None:
            session_days = session_days or rig.session_days
        self._session_days = session_days
        times = rig.settings.reminders
        self.reminders = ReminderSchedule(times, self.last_session_started) if times else None

    def _choices(self) -> list[Choice]:
        settings = self.rig.settings
        return [Choice(c.slug, settings.check_ins(c.routine)) for c in self._load(self.library)]

    @staticmethod
    def _load(library: Library) -> list[Choice]:
        choices, broken = [], []
        for entry in library.offered():
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
            offer = self.carry_on_offer()
            self._warm_up([] if offer is None else [(offer.text, None), *offer.phrases])
            first = offer or self.menu(greeting_extra=self.greeting_line)
            self.rig.run(first, self.status_line)
        finally:
            self.rig.close(let_last_phrase_finish=False)
        return 0

    # -- the modes ----------------------------------------------------------------

    def menu(
        self, delay_seconds: float = 0.0, greeting_extra: Callable[[], str | None] | None = None
    ) -> MenuMode:
        """The menu, offering the routine chosen last, with the reminders."""
        return MenuMode(
            self.choices,
            self.index,
            self._plan,
            self.session,
            delay_seconds,
            reminders=self.reminders,
            greeting_extra=greeting_extra,
            watch=None if self.sticks is None else Watch(POLL_SECONDS, self.look_for_sticks),
        )

    def look_for_sticks(self) -> str | None:
        """Copy the routines of a stick plugged in since the last look into the patient's
        folder, and offer them; what to say about it (``None``: no new stick).
        """
        assert self.sticks is not None and self.library.patient_folder is not None
        said: list[str] = []
        lines: list[Phrase] = []
        for folder in self.sticks.poll():
            copied = copy_routines(folder, self.library.patient_folder)
            for problem in copied.problems:
                self.rig.options.warn(f"from the stick: {problem}")
            if copied.changed:
                lines += self._offer_again()
            said.append(summary(copied))
        if not said:
            return None
        text = " ".join(said)
        # Rendered now, while the menu waits: a file's name cannot be rendered ahead.
        self.rig.voice.render([(text, None), *lines])
        return text

    def _offer_again(self) -> list[Phrase]:
        """Read the library again and offer what is in it now; the new menu lines.

        The new routines' phrases render in the background (at once in an instant run).
        """
        old = {c.slug: c.routine for c in self.choices}
        try:
            choices = self._choices()
        except CoachError as exc:  # nothing loads any more: keep what is on offer
            self.rig.options.warn(str(exc))
            return []
        slug = self.choices[self.index].slug
        self.choices = choices
        self.index = next((i for i, c in enumerate(choices) if c.slug == slug), 0)
        mode = self.rig.runtime.mode
        if isinstance(mode, MenuMode):
            mode.set_choices(choices)
        changed = [c.routine for c in choices if old.get(c.slug) != c.routine]
        lines = self._menu_lines(changed, more=False)
        rig = self.rig
        warm_up(rig.voice, lines, changed, rig.tones, rig.options.instant, count=rig.count)
        return lines

    def last_session_started(self) -> float | None:
        """When the last session started, epoch seconds: this device's, or the history's."""
        known = (self._started, self.rig.last_session_started())
        return max((t for t in known if t is not None), default=None)

    def greeting_line(self) -> str | None:
        """The adherence line after the greeting at boot ("Your last session was yesterday.")."""
        return spoken_adherence(self.rig.clock, self._session_days, at_end=False)

    def closing_line(self, routine: Routine | None = None) -> str | None:
        """The line after a finished session's summary: "That is three days in a row.", or
        "That was your second of three sessions today." for a routine that prescribes it.
        """
        return spoken_closing(self.rig, self._session_days, routine)

    def session(
        self,
        index: int,
        start_number: int | None = None,
        resumed_from: int | None = None,
        pain_before: int | None = None,
        hurts_before: int = 0,
    ) -> SessionMode:
        """A session of the routine at ``index``, returning to the menu when it ends.

        :param start_number: carry on from this exercise (after a power cut).
        :param resumed_from: the interrupted session it carries on.
        :param pain_before: the interrupted session's pain before.
        :param hurts_before: the interrupted session's "hurt" answers.
        """
        self.index = index
        self._started = self.rig.clock.wall()
        routine = self.choices[index].routine
        mode = self.rig.session_mode(
            self._plan(routine),
            after=self._after_session,
            start_number=start_number,
            closing_extra=lambda: self.closing_line(routine),
            pain_before=pain_before,
            hurts_before=hurts_before,
        )
        self.rig.start_speech(routine, mode)
        self.rig.record(routine, mode, resumed_from)
        return mode

    def carry_on_offer(self) -> CarryOnMode | None:
        """The offer to carry on the last session, when a power cut or a crash cut it off
        recently and its routine is here, unchanged; ``None`` otherwise.
        """
        history = self.rig.history
        if history is None:
            return None
        from coach.history.carry import find_carry_on

        try:
            found = find_carry_on(
                history,
                self.rig.settings.resume_hours,
                self.rig.clock.wall(),
                self._routine_named,
                self._plan,
            )
        except NothingToCarryOn:
            return None
        index = next(i for i, c in enumerate(self.choices) if c.routine is found.routine)
        return CarryOnMode(
            found.exercise,
            lambda: self.session(
                index, found.number, found.session_id, found.pain_before, found.hurts_before
            ),
            lambda: self.menu(greeting_extra=self.greeting_line),
        )

    def _routine_named(self, reference: str) -> Routine | None:
        """The routine on offer that the history calls ``reference`` (its slug or its path)."""
        for choice in self.choices:
            if reference in (choice.slug, choice.routine.source):
                return choice.routine
        return None

    def _after_session(self, session: SessionMode) -> Mode:
        self.rig.stop_recording()
        # Let the closing words or the summary be heard before the menu speaks.
        delay = MENU_AFTER_SESSION_SECONDS
        if session.closing is not None:
            delay += self.rig.voice.duration(session.closing)
        return self.menu(delay)

    def _plan(self, routine: Routine) -> Plan:
        return settle_plan(
            routine, self.rig.voice, self.rig.tones, render=False, count=self.rig.count
        )

    def _warm_up(self, first: Sequence[Phrase] = ()) -> None:
        """Fill the cache for every routine, the first on offer first; ``first`` and every
        menu line before them.
        """
        order = self.choices[self.index :] + self.choices[: self.index]
        routines = [choice.routine for choice in order]
        voice = self.rig.voice
        # The adherence lines come last: most are said rarely, if ever.
        later = [(line, None) for line in adherence_lines()] if self._session_days else []
        warm_up(
            voice,
            [*first, *self._menu_lines(routines)],
            routines,
            self.rig.tones,
            self.rig.options.instant,
            count=self.rig.count,
            last=later,
        )
        if self.rig.options.instant:
            # Everything is rendered now, and real lengths can move a routine's
            # minutes: render the menu lines with the settled figure too. (A
            # live device renders in the background; its lengths have not
            # moved yet, so the lines above are the ones to prepare.)
            voice.render(self._menu_lines(routines))

    def _menu_lines(self, routines: list[Routine], more: bool = True) -> list[Phrase]:
        """Every line the menu may say for ``routines``, with their minutes as known now.

        With ``more``, the reminder too, when there are reminders, and the
        greeting's adherence line as it would be said now.
        """
        lines: list[Phrase] = [
            (menu_text(routine, self._plan(routine), greeting), None)
            for routine in routines
            for greeting in (True, False)
        ]
        if not more:
            return lines
        if self.reminders is not None:
            lines.append((REMINDER, reminder_tone(self.rig.tones)))
        greeting = self.greeting_line()
        if greeting is not None:
            lines.append((greeting, None))
        return lines

    def status_line(self) -> str:
        """What the terminal's status line shows: the session's progress, or the menu."""
        mode = self.rig.runtime.mode
        if isinstance(mode, Dialogue):
            mode = mode.back  # a check-in: the session it asks for
        if isinstance(mode, SessionMode):
            return status_text(mode.status, self.rig.clock.now())
        choice = mode.choice if isinstance(mode, MenuMode) else self.choices[self.index]
        return f"menu · {choice.routine.name} · press to start, hold for the next"
