"""Compiling a routine into a plan: steps with their cues at known offsets.

The compiler is a pure function of the routine and of how long each phrase
takes to say. It lays cues out so that no two ever overlap and no cue runs
past the end of its step: a cue that does not fit is moved (previews only),
shortened, or dropped, highest priority first. Steps that exist only to say
something (``announce``, ``finish``) last as long as their speech, so they
never cut anything off.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Literal

from coach import phrases
from coach.errors import RoutineError
from coach.phrases import Phrase
from coach.routine import Breathing, Exercise, Routine
from coach.tones import ToneName, tone_seconds

StepKind = Literal[
    "announce", "fetch", "ready", "hold", "activity", "rest", "wait", "breathe", "rep", "finish"
]
Durations = Callable[[str], float]

#: Silence between two phrases of an announcement, and after its last one.
ANNOUNCE_GAP_SECONDS = 0.4
ANNOUNCE_TAIL_SECONDS = 0.8
#: A moved cue keeps this much air from the cue before it.
MOVED_CUE_GAP_SECONDS = 0.2
#: Float slack when comparing cue edges (offsets are sums of decimals).
EPSILON = 1e-9
#: The most a routine may plan: four hours of holds, activities, rests and
#: lead-ins, and 5,000 steps. A Raspberry Pi Zero 2 W lays such a plan out
#: and runs it comfortably; a routine far past it (the format allows years)
#: would take a gigabyte and a minute to start.
MAX_PLAN_SECONDS = 4 * 3600
MAX_PLAN_STEPS = 5000
#: Values of the ``count`` setting: how much is counted aloud.
COUNT_CHOICES = ("all", "end", "tones")
#: A calm step says "Slowly come back." this long before it ends.
CALM_END_SECONDS = 6.0
#: A hold or activity shorter than this says no countdown digits: in a short
#: hold a "3, 2, 1" is heard as a count of reps, not of seconds.
MIN_COUNTDOWN_STEP_SECONDS = 5.0
#: "Halfway" and "10 seconds left" closer than this are one moment: only one is said.
SAME_MOMENT_SECONDS = 2.0


class Priority(IntEnum):
    """Who wins when two cues want the same moment."""

    PREVIEW = 1  # what comes next; nice to have
    INFO = 2  # "10 seconds left", "halfway", instructions
    COUNT = 3  # the spoken 3-2-1
    KEY = 4  # start and stop words, titles: never dropped for a lower priority
    SUMMARY = 5  # what was done, said as the session finishes: the session rewrites it


_Part = tuple[str, Priority, "ToneName | None"]


@dataclass(frozen=True)
class Cue:
    """One phrase at its place in a step.

    :param offset_seconds: when it starts, in seconds into its step.
    :param text: the words.
    :param priority: what it gives way to, or wins over, where cues collide.
    :param duration_seconds: how long its tone and words take together.
    :param tone: the tone before the words; default none.
    :param reason: why it was dropped, for a cue that did not fit; default none.
    """

    offset_seconds: float
    text: str
    priority: Priority
    #: Tone and speech together.
    duration_seconds: float
    tone: ToneName | None = None
    #: Why a dropped cue was left out; ``None`` for a placed one.
    reason: str | None = None

    @property
    def end_seconds(self) -> float:
        """When it ends, in seconds into its step."""
        return self.offset_seconds + self.duration_seconds

    def to_json(self) -> dict[str, Any]:
        """The cue as ``coach preview --json`` prints it, times to the millisecond."""
        return {
            "offset_seconds": round(self.offset_seconds, 3),
            "text": self.text,
            "tone": self.tone,
            "priority": self.priority.name.lower(),
            "duration_seconds": round(self.duration_seconds, 3),
            **({} if self.reason is None else {"reason": self.reason}),
        }


#: Why a cue was dropped: no gap held it, or a digit of its countdown had none.
NO_ROOM = "no room"
NO_ROOM_FOR_COUNTDOWN = "no room for a whole countdown"
#: Why a short hold's countdown is left out (see :data:`MIN_COUNTDOWN_STEP_SECONDS`).
SHORT_HOLD = "a hold under 5 s says no digits"


@dataclass(frozen=True)
class Step:
    """One step of a plan, with its cues laid out: an announcement, a hold, a rest, ...

    :param kind: ``announce``, ``fetch`` (a prop, then the button), ``ready``,
        ``hold``, ``activity``, ``rest``, ``wait``, ``breathe``, ``rep`` (one
        counted rep) or ``finish``.
    :param duration_seconds: its length; ``None`` when it lasts until the button is pressed.
    :param cues: what is said in it, in time order.
    :param exercise: the name of its exercise; default none (the introduction, the summary).
    :param side: the side being worked; default none.
    :param rep: which repetition it is, from 1; default none.
    :param reps: repetitions in the set; default none.
    :param set: which set it is, from 1; default none.
    :param sets: sets of the exercise; default none.
    :param dropped: cues that did not fit; default none.
    :param resume_text: said as the step goes on after a pause, if there is room; default none.
    :param number: which exercise of the routine it belongs to, from 1; default none.
    :param check_in: "did that hurt?" is asked as it ends; default no.
    """

    kind: StepKind
    #: ``None`` means the step lasts until the button is pressed.
    duration_seconds: float | None
    cues: tuple[Cue, ...]
    exercise: str | None = None
    side: str | None = None
    rep: int | None = None
    reps: int | None = None
    set: int | None = None
    sets: int | None = None
    #: Cues that did not fit, kept so a preview can show what was lost.
    dropped: tuple[Cue, ...] = ()
    #: Said when the step continues after a pause, if there is room.
    resume_text: str | None = None
    #: Which exercise of the routine it belongs to, from 1; ``None`` outside them.
    number: int | None = None
    #: "Did that hurt?" is asked about its exercise as it ends (and before the next step).
    check_in: bool = False

    @property
    def until_button(self) -> bool:
        """True when the step lasts until the button is pressed."""
        return self.duration_seconds is None

    @property
    def lost_countdown(self) -> bool:
        """True when its 3-2-1 was dropped for lack of room."""
        return any(c.reason == NO_ROOM_FOR_COUNTDOWN for c in self.dropped)

    def to_json(self, start_seconds: float) -> dict[str, Any]:
        """The step as ``coach preview --json`` prints it, starting at ``start_seconds``."""
        return {
            "kind": self.kind,
            "start_seconds": round(start_seconds, 3),
            "duration_seconds": None
            if self.duration_seconds is None
            else round(self.duration_seconds, 3),
            "exercise": self.exercise,
            "side": self.side,
            "rep": self.rep,
            "reps": self.reps,
            "set": self.set,
            "sets": self.sets,
            "cues": [c.to_json() for c in self.cues],
            "dropped": [c.to_json() for c in self.dropped],
            **({"check_in": True} if self.check_in else {}),
        }


@dataclass(frozen=True)
class Plan:
    """A routine compiled by :func:`compile_plan`: every step in order, every cue in its place.

    :param routine: the routine's name.
    :param steps: the steps, from the introduction to the summary.
    :param pain_check: pain is asked before the first exercise and before the
        summary; default no.
    :param times_a_day: the sessions a day prescribed, for the line after the
        summary; default none.
    :param phase: the routine's phase as listings show it; default none.

    ::

        plan = compile_plan(load_routine("routines/quick-demo.yaml"), TextVoice().duration)
        print(render_plan(plan))  # the table 'coach preview' prints
    """

    routine: str
    steps: tuple[Step, ...]
    pain_check: bool = False
    times_a_day: int | None = None
    phase: str = ""

    @property
    def total_seconds(self) -> float:
        """Length with no presses; steps that wait for the button count as zero."""
        return sum(s.duration_seconds or 0.0 for s in self.steps)

    @property
    def exercise_numbers(self) -> set[int]:
        """The numbers of its exercises, from 1."""
        return {s.number for s in self.steps if s.number is not None}

    @property
    def button_steps(self) -> int:
        """How many steps wait for the button."""
        return sum(1 for s in self.steps if s.until_button)

    def starts(self) -> list[float]:
        """Start of every step, if every button step were answered at once."""
        out, t = [], 0.0
        for step in self.steps:
            out.append(t)
            t += step.duration_seconds or 0.0
        return out

    def phrases(self) -> list[Phrase]:
        """Every distinct (text, tone) of the plan, in the order it is first said."""
        seen: dict[Phrase, None] = {}
        for step in self.steps:
            for cue in step.cues:
                seen.setdefault((cue.text, cue.tone), None)
        return list(seen)

    def to_json(self) -> dict[str, Any]:
        """The plan as ``coach preview --json`` prints it; steps start as :meth:`starts` says."""
        return {
            "routine": self.routine,
            "total_seconds": round(self.total_seconds, 3),
            "button_steps": self.button_steps,
            **({"pain_check": True} if self.pain_check else {}),
            **({"times_a_day": self.times_a_day} if self.times_a_day is not None else {}),
            **({"phase": self.phase} if self.phase else {}),
            "steps": [s.to_json(t) for s, t in zip(self.steps, self.starts())],
        }


@dataclass(frozen=True)
class PlanSize:
    """How big a routine's plan will be, counted by :func:`plan_size` without compiling it.

    :param steps: how many steps the plan has.
    :param timed_seconds: the length of its holds, activities, rests and lead-ins;
        the speech around them and the steps that wait for the button are not counted.
    """

    steps: int
    timed_seconds: float

    @property
    def problem(self) -> str | None:
        """The rule the plan breaks, past :data:`MAX_PLAN_SECONDS` or :data:`MAX_PLAN_STEPS`."""
        if self.timed_seconds <= MAX_PLAN_SECONDS and self.steps <= MAX_PLAN_STEPS:
            return None
        return (
            f"must plan at most {_hours(MAX_PLAN_SECONDS)} (h:mm:ss) and "
            f"{MAX_PLAN_STEPS:,} steps, got {self.shown}"
        )

    @property
    def shown(self) -> str:
        """The size as messages say it: ``5:00:00 and 12 steps``."""
        return f"{_hours(self.timed_seconds)} and {self.steps:,} steps"

    @property
    def share(self) -> float:
        """The larger of its time and its steps, as a share of what a plan may hold."""
        return max(self.timed_seconds / MAX_PLAN_SECONDS, self.steps / MAX_PLAN_STEPS)


def _hours(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:,}:{minutes:02d}:{rest:02d}"


def plan_size(routine: Routine) -> PlanSize:
    """The size of the plan :func:`compile_plan` would make, from the routine's numbers alone.

    It takes a moment whatever the numbers, so a routine too big to run is
    refused before millions of steps are built.
    """
    steps = 2  # the introduction and the summary
    seconds = 0.0
    for number, ex in enumerate(routine.exercises):
        if fetches(routine, number):
            # The fetch step; the announcement after it only when it has words.
            steps += 1 if ex.instructions or ex.sides else 0
        sides = len(ex.sides) or 1
        # Alternating sides are one run of reps with one lead-in: a "side" of sides x reps.
        reps, switches = (ex.reps * sides, 0) if ex.alternate else (ex.reps, sides - 1)
        runs = 1 if ex.alternate else sides
        # One side of one set: its lead-in, the reps, and a rest between reps.
        side_steps = reps + (reps - 1 if ex.rest_seconds > 0 else 0)
        side_seconds = (ex.seconds or 0.0) * reps + (reps - 1) * ex.rest_seconds
        if _has_ready(ex):
            side_steps += 1
            side_seconds += 0.0 if ex.ready == "button" else float(ex.ready)
        # The announcement; every side of every set with "switch sides" between
        # them; a set rest or an announcement between sets, after_set after the last.
        set_steps = runs * side_steps + switches
        steps += 1 + ex.sets * set_steps + ex.sets - 1 + (1 if _after_set_text(ex) else 0)
        seconds += ex.sets * runs * side_seconds + (ex.sets - 1) * ex.set_rest_seconds
        if ex.breathe_after is not None:
            # An announcement and the breaths, after every side of every set.
            steps += ex.sets * runs * 2
            seconds += ex.sets * runs * ex.breathe_after.seconds
        # A check-in after work that ends on a stop word says it in a step of its own.
        if routine.asks_check_in(ex) and _ends_on_stop_word(ex):
            more = runs > 1 or ex.sets > 1
            steps += 1 if more or not _after_set_text(ex) else 0
    if routine.pain_check and _ends_on_stop_word(routine.exercises[-1]):
        last = routine.exercises[-1]
        runs = 1 if last.alternate else len(last.sides)
        asked = routine.asks_check_in(last) and not (runs > 1 or last.sets > 1)
        steps += 0 if asked or _after_set_text(last) else 1
    return PlanSize(steps, seconds)


def fetches(routine: Routine, index: int) -> bool:
    """True when the exercise at ``index`` (from 0) asks for its prop: the one before
    did not fetch the same.
    """
    prop = routine.exercises[index].fetch
    if not prop:
        return False
    before = routine.exercises[index - 1].fetch if index > 0 else ""
    return prop.casefold() != before.casefold()


def _has_ready(ex: Exercise) -> bool:
    """True when each side (each set, when alternating) starts with a lead-in step."""
    return ex.kind in ("hold", "counted") and ex.ready != 0


def _ends_on_stop_word(ex: Exercise) -> bool:
    """True when a side of ``ex`` ends with a stop word still to say ("Release.", "Time.")."""
    if ex.breathe_after is not None or ex.kind in ("button", "breathe"):
        return False
    return ex.kind in ("hold", "counted") or not ex.calm


@dataclass
class Draft:
    """A cue before layout, the input of :func:`layout`.

    ``offset`` is where the cue would like to start, in seconds into its step;
    ``priority`` decides which cue wins a collision. A cue that does not fit
    says ``short`` instead when it has one, moves to a later gap when
    ``movable``, and is dropped otherwise. ``tone`` plays just before the text.
    """

    offset: float
    text: str
    priority: Priority
    movable: bool = False
    short: str | None = None
    tone: ToneName | None = None
    #: Shorter forms still, tried in order after ``short``.
    fallbacks: tuple[str, ...] = ()


def layout(
    drafts: list[Draft], duration: float | None, durations: Durations
) -> tuple[list[Cue], list[Cue]]:
    """Place cues without overlap inside ``[0, duration]``; returns (placed, dropped).

    Higher priorities are placed first; among equals, earlier offsets first.
    A cue that collides tries its short text, then (if movable) the first
    later gap that holds it, and is dropped when nothing fits. The countdown
    digits are one group: a "2, 1" without its "3" misleads, so when any digit
    has no room all of them are dropped.
    """
    placed: list[Cue] = []
    dropped: list[Cue] = []
    limit = float("inf") if duration is None else duration
    ordered = sorted(drafts, key=lambda d: (-d.priority, d.offset))
    count = [d for d in ordered if d.priority == Priority.COUNT]
    for d in ordered:
        if d.priority == Priority.COUNT:
            if d is count[0]:
                _place_countdown(count, placed, dropped, limit, durations)
            continue
        cue = _fit(d, placed, limit, durations)
        if cue is None:
            dropped.append(_dropped(d, durations, NO_ROOM))
        else:
            placed.append(cue)
    placed.sort(key=lambda c: c.offset_seconds)
    dropped.sort(key=lambda c: c.offset_seconds)
    return placed, dropped


def _place_countdown(
    digits: list[Draft],
    placed: list[Cue],
    dropped: list[Cue],
    limit: float,
    durations: Durations,
) -> None:
    """Place every digit of a countdown, or none of them."""
    cues: list[Cue] = []
    for d in digits:
        cue = _fit(d, placed + cues, limit, durations)
        if cue is None:
            dropped.extend(_dropped(x, durations, NO_ROOM_FOR_COUNTDOWN) for x in digits)
            return
        cues.append(cue)
    placed.extend(cues)


def _dropped(d: Draft, durations: Durations, reason: str) -> Cue:
    length = durations(d.text) + tone_seconds(d.tone)
    return Cue(d.offset, d.text, d.priority, length, d.tone, reason)


def _fit(d: Draft, placed: list[Cue], limit: float, durations: Durations) -> Cue | None:
    texts = [d.text, *([] if d.short is None else [d.short]), *d.fallbacks]
    for text in texts:
        length = durations(text) + tone_seconds(d.tone)
        if _free(d.offset, length, placed, limit):
            return Cue(d.offset, text, d.priority, length, d.tone)
    if d.movable:
        for text in texts:
            length = durations(text) + tone_seconds(d.tone)
            for other in sorted(placed, key=lambda c: c.offset_seconds):
                start = round(other.end_seconds + MOVED_CUE_GAP_SECONDS, 3)
                if start >= d.offset and _free(start, length, placed, limit):
                    return Cue(start, text, d.priority, length, d.tone)
    return None


def _free(start: float, length: float, placed: list[Cue], limit: float) -> bool:
    end = start + length
    if start < -EPSILON or end > limit + EPSILON:
        return False
    return all(
        end <= c.offset_seconds + EPSILON or start >= c.end_seconds - EPSILON for c in placed
    )


def sequential(parts: list[_Part], durations: Durations) -> tuple[Cue, ...]:
    """Cues one after another with a short gap, for steps sized to their speech."""
    cues: list[Cue] = []
    t = 0.0
    for text, priority, tone in parts:
        if not text:
            continue
        length = durations(text) + tone_seconds(tone)
        cues.append(Cue(t, text, priority, length, tone))
        # Whole milliseconds keep step boundaries free of float noise.
        t = round(t + length + ANNOUNCE_GAP_SECONDS, 3)
    return tuple(cues)


def speech_length(cues: tuple[Cue, ...]) -> float:
    """How long a step that only talks lasts: to the end of its last cue, and a short tail."""
    if not cues:
        return ANNOUNCE_TAIL_SECONDS
    return round(cues[-1].end_seconds + ANNOUNCE_TAIL_SECONDS, 3)


@dataclass
class _Compiler:
    routine: Routine
    durations: Durations
    tones: bool = True
    count: str = "all"
    steps: list[Step] = field(default_factory=list)
    #: The stop word of the step just ended ("Release.") and its tone, said at
    #: the start of the next step.
    carry: str | None = None
    carry_tone: ToneName | None = None
    #: The number of the exercise being compiled, from 1.
    number: int | None = None
    #: Whether each counted exercise's reps (by number) say their first phase's word.
    _phase_words: dict[int | None, bool] = field(default_factory=dict)
    #: Whether each counted exercise's reps (by number) can say "Number three." alone.
    _named_counts: dict[int | None, bool] = field(default_factory=dict)

    def _tone(self, name: ToneName) -> ToneName | None:
        return name if self.tones else None

    def run(self) -> Plan:
        r = self.routine
        intro = [(phrases.sentence(r.name), Priority.KEY)]
        if r.phase is not None:
            intro.append((r.phase.spoken, Priority.KEY))
        if r.safety:
            intro.append((_fill(r.safety, {}), Priority.KEY))
        self._announce(intro, None)
        count = len(r.exercises)
        for index, exercise in enumerate(r.exercises, start=1):
            self._exercise(exercise, index, count)
        if r.pain_check and self.carry:
            self._announce([], r.exercises[-1])  # "Release." before the pain question
        self._finish()
        return Plan(
            r.name,
            tuple(self.steps),
            pain_check=r.pain_check,
            times_a_day=r.times_a_day,
            phase=r.phase.shown if r.phase is not None else "",
        )

    # -- steps -------------------------------------------------------------

    def _announce(
        self,
        parts: list[tuple[str, Priority]],
        ex: Exercise | None,
        kind: StepKind = "announce",
        **where: Any,
    ) -> None:
        spoken: list[_Part] = [(text, priority, None) for text, priority in parts]
        if self.carry:
            spoken.insert(0, (self.carry, Priority.KEY, self.carry_tone))
            self.carry = None
        cues = sequential(spoken, self.durations)
        name, number = (ex.name, self.number) if ex else (None, None)
        self.steps.append(Step(kind, speech_length(cues), cues, name, number=number, **where))

    def _timed(
        self,
        kind: StepKind,
        duration: float | None,
        lead: str,
        drafts: list[Draft],
        ex: Exercise,
        resume_text: str | None = None,
        lead_tone: ToneName | None = None,
        left_out: list[Cue] | None = None,
        **where: Any,
    ) -> None:
        """A step of fixed length (or one that waits for the button) with its cues laid out.

        ``left_out`` are cues dropped by rule before layout, shown with the
        ones that found no room.
        """
        if self.carry:
            lead = f"{self.carry} {lead}".strip()
            lead_tone = lead_tone or self.carry_tone
            self.carry = None
        drafts = self._counted(kind, ex, drafts)
        if lead:
            drafts = [Draft(0.0, lead, Priority.KEY, tone=lead_tone), *drafts]
        cues, dropped = layout(drafts, duration, self.durations)
        if left_out:
            dropped = sorted([*dropped, *left_out], key=lambda c: c.offset_seconds)
        self.steps.append(
            Step(
                kind,
                duration,
                tuple(cues),
                ex.name,
                dropped=tuple(dropped),
                resume_text=resume_text,
                number=self.number,
                **where,
            )
        )

    def _exercise(self, ex: Exercise, index: int, count: int) -> None:
        self.number = index
        sides: tuple[str | None, ...] = ex.sides or (None,)
        first = _values(ex, rep=1, set_=1, side=sides[0])
        title = f"Exercise {index} of {count}: {phrases.sentence(ex.name)}"
        fetch = fetches(self.routine, index - 1)
        parts = [] if fetch else [(title, Priority.KEY)]
        if fetch:
            self._fetch(ex, title)
        instructions = ex.instructions_for(sides[0])
        if instructions:
            parts.append((_fill(instructions, first), Priority.INFO))
        if sides[0] is not None:
            parts.append((_start_with(ex, sides[0]), Priority.KEY))
        if parts:
            self._announce(parts, ex, sets=ex.sets)
        ask = self.routine.asks_check_in(ex)
        # "Did that hurt?" after the first side (or set) when there is more to
        # skip, so that "it hurt" can spare the rest; else at the end.
        more = (len(sides) > 1 and not ex.alternate) or ex.sets > 1
        for set_no in range(1, ex.sets + 1):
            if ex.alternate:
                in_turn: dict[str, Any] = {"set": set_no, "sets": ex.sets, "reps": ex.reps}
                self._alternating(ex, ex.sides, in_turn)
                if ex.breathe_after is not None:
                    self._breathe_after(ex, ex.breathe_after, in_turn)
                if ask and more and set_no == 1:
                    self._check_in(ex)
                self._after_set(ex, set_no, sides[0])
                continue
            for side_no, side in enumerate(sides):
                where: dict[str, Any] = {
                    "side": side,
                    "set": set_no,
                    "sets": ex.sets,
                    "reps": ex.reps,
                }
                if side_no > 0 and side is not None:
                    said = f"{phrases.SWITCH_SIDES} {phrases.sentence(phrases.spoken_side(side))}"
                    switch = [(said, Priority.KEY)]
                    if ex.instructions_per_side and set_no == 1:
                        # Words that differ by side are said as that side begins.
                        own = _fill(ex.instructions_for(side), _values(ex, 1, set_no, side))
                        switch.append((own, Priority.INFO))
                    self._announce(switch, ex, **where)
                self._side(ex, side, where, last_side=side_no == len(sides) - 1)
                if ex.breathe_after is not None:
                    self._breathe_after(ex, ex.breathe_after, where)
                if ask and more and set_no == 1 and side_no == 0:
                    self._check_in(ex)
            self._after_set(ex, set_no, sides[0])
        if ask and not more:
            self._check_in(ex)

    def _fetch(self, ex: Exercise, title: str) -> None:
        """The exercise's title and its prop to fetch, then a wait for the button."""
        spoken: list[_Part] = [(title, Priority.KEY, None)]
        spoken.append((phrases.fetch_text(ex.fetch), Priority.KEY, None))
        if self.carry:
            spoken.insert(0, (self.carry, Priority.KEY, self.carry_tone))
            self.carry = None
        cues = sequential(spoken, self.durations)
        self.steps.append(Step("fetch", None, cues, ex.name, sets=ex.sets, number=self.number))

    def _check_in(self, ex: Exercise) -> None:
        """Mark the last step: "did that hurt?" is asked as it ends.

        A stop word still to say ("Release.") gets a short announcement of its
        own first: the question must not come while the person still holds.
        """
        if self.carry:
            self._announce([], ex)
        self.steps[-1] = dataclasses.replace(self.steps[-1], check_in=True)

    def _ready(self, ex: Exercise, where: dict[str, Any]) -> None:
        """The lead-in before a side's first hold or counted rep, if the exercise has one."""
        if not _has_ready(ex):
            return
        if ex.ready == "button":
            self._timed("ready", None, phrases.PRESS_WHEN_READY, [], ex, **where)
            return
        # "Get ready." is said only where it leaves room for a whole
        # 3-2-1: in a 3 s lead-in the countdown alone gets the person ready.
        countdown = _countdown(float(ex.ready))
        if ex.kind == "counted":
            # Ticks, not digits: the next number said is the first rep's.
            countdown = [dataclasses.replace(d, text="", tone="tick") for d in countdown]
        drafts = [Draft(0.0, phrases.GET_READY, Priority.INFO), *countdown]
        self._timed("ready", float(ex.ready), "", drafts, ex, **where)

    def _side(self, ex: Exercise, side: str | None, where: dict[str, Any], last_side: bool) -> None:
        self._ready(ex, where)
        for rep in range(1, ex.reps + 1):
            self._work(
                ex, dict(where, rep=rep), ends_set=last_side and rep == ex.reps,
                ends_side=rep == ex.reps,
            )  # fmt: skip
            if rep < ex.reps and ex.rest_seconds > 0:
                self._rest_between(ex, side, rep + 1, dict(where, rep=rep))

    def _alternating(self, ex: Exercise, sides: tuple[str, ...], where: dict[str, Any]) -> None:
        """One set with the sides in turn rep by rep: right 1, left 1, right 2, left 2, ...

        Each rep names its side; every side gets the same time; one lead-in starts the set.
        """
        self._ready(ex, dict(where, side=sides[0]))
        order = [(rep, side) for rep in range(1, ex.reps + 1) for side in sides]
        for i, (rep, side) in enumerate(order):
            end = i == len(order) - 1
            here = dict(where, side=side, rep=rep)
            self._work(ex, here, ends_set=end, ends_side=end, name_side=True)
            if not end and ex.rest_seconds > 0:
                next_rep, next_side = order[i + 1]
                self._rest_between(ex, next_side, next_rep, here)

    def _rest_between(
        self, ex: Exercise, next_side: str | None, next_rep: int, where: dict[str, Any]
    ) -> None:
        """The rest between two reps, saying which comes next."""
        preview = _next_text(next_side, next_rep, ex.reps)
        self._rest(
            ex,
            ex.rest_seconds,
            [_preview(preview, last=next_rep == ex.reps)],
            countdown=ex.kind not in ("button", "counted"),
            **where,
        )

    def _rep(
        self, ex: Exercise, where: dict[str, Any], ends_set: bool, ends_side: bool, name_side: bool
    ) -> None:
        """One counted rep: its number (with the side and the first phase) as it starts,
        then each later phase's word as that phase starts.

        Nothing comes between the number and the rep's start: the number is the
        start. Words that do not fit the tempo are shortened (the phase first,
        then the side; the count stays) or dropped, as ``coach preview --cues`` shows.
        """
        assert ex.tempo is not None
        if self.carry:
            self._announce([], ex, **where)
        (first, first_seconds), *later = ex.tempo.phases
        side = where.get("side") if name_side else None
        phase = phrases.PHASE_WORDS.get(first, "") if self._says_phase(ex, name_side) else ""
        named = self._names_count(ex)
        forms = phrases.rep_count_text(where["rep"], ex.reps, side, phase, named)
        drafts = [Draft(0.0, forms[0], Priority.KEY, fallbacks=tuple(forms[1:]))]
        t = first_seconds
        for name, seconds in later:
            drafts.append(Draft(t, phrases.sentence(phrases.PHASE_WORDS[name]), Priority.INFO))
            t += seconds
        self._timed("rep", ex.tempo.seconds, "", drafts, ex, **where)
        if ends_side:
            # "And relax." after a rep that ends on "Relax." would say it twice.
            relaxed = ex.tempo.phases[-1][0] == "relax"
            self.carry = phrases.LAST_REP_DONE if relaxed else phrases.REPS_DONE
            self.carry_tone = self._tone("set_end" if ends_set else "end")

    def _names_count(self, ex: Exercise) -> bool:
        """True when every rep's count said alone fits its first phase as "Number three.".

        A number said alone is easily misheard; one answer for the whole
        exercise, so the reps all sound alike ("Last one." stays as it is).
        """
        assert ex.tempo is not None
        if self.number not in self._named_counts:
            first_seconds = ex.tempo.phases[0][1]
            # The last of several reps is "Last one.", never a number.
            counted = range(1, ex.reps if ex.reps > 1 else 2)
            self._named_counts[self.number] = all(
                self.durations(phrases.sentence(f"number {phrases.number_word(rep)}"))
                <= first_seconds + EPSILON
                for rep in counted
            )
        return self._named_counts[self.number]

    def _says_phase(self, ex: Exercise, name_side: bool) -> bool:
        """True when every rep's number can take its first phase's word ("One, up.").

        The word belongs to that phase: said past its end it would mislead. One
        answer for the whole exercise, so the reps all sound alike.
        """
        assert ex.tempo is not None
        if self.number not in self._phase_words:
            first, first_seconds = ex.tempo.phases[0]
            phase = phrases.PHASE_WORDS.get(first, "")
            sides = ex.sides if name_side else (None,)
            self._phase_words[self.number] = bool(phase) and all(
                self.durations(phrases.rep_count_text(rep, ex.reps, side, phase)[0])
                <= first_seconds + EPSILON
                for rep in range(1, ex.reps + 1)
                for side in sides
            )
        return self._phase_words[self.number]

    def _work(
        self,
        ex: Exercise,
        where: dict[str, Any],
        ends_set: bool,
        ends_side: bool = True,
        name_side: bool = False,
    ) -> None:
        if ex.kind == "counted":
            self._rep(ex, where, ends_set, ends_side, name_side)
            return
        # Said as the final rep starts when there is no rest before it to say it in.
        last = ex.reps > 1 and where["rep"] == ex.reps and ex.rest_seconds <= 0
        if ex.kind == "breathe":
            assert ex.breathing is not None
            self._breathe(ex, ex.breathing, where)
            return
        if ex.kind == "button":
            lead = phrases.PRESS_WHEN_DONE
            if ex.reps > 1:
                lead = f"Rep {where['rep']} of {ex.reps}. {lead}"
            if name_side and where.get("side"):
                lead = f"{phrases.sentence(phrases.spoken_side(where['side']))} {lead}"
            if last:
                lead = f"{phrases.LAST_ONE} {lead}"
            self._timed("wait", None, lead, [], ex, **where)
            return
        assert ex.seconds is not None
        seconds = ex.seconds
        drafts = _time_left(seconds)
        left_out: list[Cue] = []
        if seconds >= MIN_COUNTDOWN_STEP_SECONDS:
            drafts += _countdown(seconds)
        elif not ex.calm:
            left_out = [_dropped(d, self.durations, SHORT_HOLD) for d in _countdown(seconds)]
        if ex.calm:
            drafts.append(_come_back(seconds, self._tone("soft")))
        start, stop = (
            (phrases.HOLD, phrases.RELEASE)
            if ex.kind == "hold"
            else (phrases.BEGIN, phrases.TIME_UP)
        )
        kind: StepKind = "hold" if ex.kind == "hold" else "activity"
        lead = f"{phrases.LAST_ONE} {start}" if last else start
        if name_side and where.get("side"):
            lead = f"{phrases.sentence(phrases.spoken_side(where['side']))} {lead}"
        self._timed(
            kind, seconds, lead, drafts, ex, resume_text=start,
            lead_tone=self._tone("start"), left_out=left_out, **where,
        )  # fmt: skip
        self.carry = stop
        self.carry_tone = self._tone("set_end" if ends_set else "end")
        if ex.calm:
            # The end was marked gently before it came; an activity needs no word.
            self.carry = stop if ex.kind == "hold" else None
            self.carry_tone = None

    # -- paced breathing, calm steps, how much is counted ----------------------

    def _breathe(self, ex: Exercise, breathing: Breathing, where: dict[str, Any]) -> None:
        """A ``breathe`` step: "Breathe in." and "And breathe out." on every breath's boundaries.

        A stop word still to say gets a short announcement of its own first,
        so the first in-breath keeps its time.
        """
        if self.carry:
            self._announce([], ex, **where)
        period = breathing.in_seconds + breathing.out_seconds
        drafts: list[Draft] = []
        for n in range(breathing.breaths):
            drafts.append(Draft(n * period, phrases.BREATHE_IN, Priority.KEY))
            drafts.append(
                Draft(n * period + breathing.in_seconds, phrases.BREATHE_OUT, Priority.KEY)
            )
        cues, dropped = layout(drafts, breathing.seconds, self.durations)
        self.steps.append(
            Step(
                "breathe",
                breathing.seconds,
                tuple(cues),
                ex.name,
                dropped=tuple(dropped),
                **where,
            )
        )

    def _breathe_after(self, ex: Exercise, breathing: Breathing, where: dict[str, Any]) -> None:
        """Paced breathing after a side or a set: a word to begin, then the breaths."""
        where = {k: v for k, v in where.items() if k != "reps"}
        self._announce([(phrases.BREATHE_WITH_ME, Priority.KEY)], ex, **where)
        self._breathe(ex, breathing, where)

    def _counted(self, kind: StepKind, ex: Exercise, drafts: list[Draft]) -> list[Draft]:
        """Leave out what a calm exercise or the ``count`` setting keeps quiet."""
        if ex.calm:
            # No digits in a calm step: no countdown, no "10 seconds left", no
            # "rep 2 of 3"; and no "halfway".
            return [
                d
                for d in drafts
                if d.text not in _TIME_LEFT_TEXTS and not any(ch.isdigit() for ch in d.text)
            ]
        if self.count == "tones":
            # A tick, no words, where a digit would be said.
            return [
                dataclasses.replace(d, text="", tone="tick") if d.priority == Priority.COUNT else d
                for d in drafts
            ]
        if self.count == "end":
            # Only the 3-2-1 at the end of holds.
            return [
                d
                for d in drafts
                if d.text not in _TIME_LEFT_TEXTS
                and (kind == "hold" or d.priority != Priority.COUNT)
            ]
        return drafts

    def _rest(
        self, ex: Exercise, seconds: float, drafts: list[Draft], countdown: bool, **where: Any
    ) -> None:
        if countdown:
            drafts = drafts + _countdown(seconds)
        self._timed("rest", seconds, phrases.REST, drafts, ex, resume_text=phrases.REST, **where)

    def _after_set(self, ex: Exercise, set_no: int, first_side: str | None) -> None:
        after = _after_set_text(ex, set_no)
        last = set_no == ex.sets
        where: dict[str, Any] = {"set": set_no, "sets": ex.sets}
        if not last and ex.set_rest_seconds > 0:
            drafts = []
            if after:
                drafts.append(Draft(0.0, after, Priority.INFO, movable=True))
            preview = f"Next: set {set_no + 1} of {ex.sets}"
            preview += f", {phrases.spoken_side(first_side)}." if first_side else "."
            drafts.append(Draft(0.0, preview, Priority.PREVIEW, movable=True))
            # A hold's ready step counts in by itself; other work starts straight after the rest.
            counts_in = ex.kind == "activity" or (ex.kind == "hold" and ex.ready == 0)
            self._rest(ex, ex.set_rest_seconds, drafts, countdown=counts_in, **where)
        elif not last:
            parts = [(after, Priority.INFO)] if after else []
            said = f"Set {set_no + 1} of {ex.sets}."
            if first_side:
                said += f" {phrases.sentence(phrases.spoken_side(first_side))}"
            parts.append((said, Priority.KEY))
            self._announce(parts, ex, **where)
        elif after:
            self._announce([(after, Priority.INFO)], ex, **where)

    def _finish(self) -> None:
        r = self.routine
        done = sum(s.duration_seconds or 0.0 for s in self.steps)
        count = len(r.exercises)
        # The plan says a whole run; the session says what was done instead.
        parts = [
            (f"Well done. That was {phrases.sentence(r.name)}", Priority.KEY),
            (phrases.summary_text(count, count, done), Priority.SUMMARY),
        ]
        self._announce(parts, None, kind="finish")


def _countdown(duration: float) -> list[Draft]:
    """3-2-1 ending as the step ends; :func:`layout` places all three or none."""
    return [
        Draft(duration - n, word, Priority.COUNT) for n, word in zip((3, 2, 1), phrases.COUNTDOWN)
    ]


def _time_left(duration: float) -> list[Draft]:
    drafts = []
    # Both at one moment say the same thing twice: keep "10 seconds left".
    if duration >= 40 and abs(duration / 2 - (duration - 10)) > SAME_MOMENT_SECONDS:
        drafts.append(Draft(duration / 2, phrases.HALFWAY, Priority.INFO))
    if duration >= 20:
        drafts.append(
            Draft(
                duration - 10,
                phrases.TEN_SECONDS_LEFT,
                Priority.INFO,
                short=phrases.TEN_SECONDS_LEFT_SHORT,
            )
        )
    return drafts


_TIME_LEFT_TEXTS = (phrases.HALFWAY, phrases.TEN_SECONDS_LEFT)


def _come_back(duration: float, tone: ToneName | None) -> Draft:
    """A calm step's gentle end: a soft tone and "Slowly come back." a few seconds before it."""
    offset = max(duration - CALM_END_SECONDS, duration / 2)
    return Draft(offset, phrases.COME_BACK, Priority.INFO, movable=True, tone=tone)


def _preview(text: str, last: bool) -> Draft:
    """A rest's preview of the next rep; before the final one it says so, or just "Last one."."""
    if not last:
        return Draft(0.0, text, Priority.PREVIEW, movable=True)
    said = f"{text.removesuffix('.')}, the last one."
    return Draft(0.0, said, Priority.PREVIEW, movable=True, short=phrases.LAST_ONE)


def _after_set_text(ex: Exercise, set_no: int | None = None) -> str:
    """What is said after set ``set_no`` (default the last); empty when nothing is."""
    if not ex.after_set:
        return ""
    # Said as the set ends: the side in progress is the last one worked.
    last_side = ex.sides[-1] if ex.sides else None
    return _fill(ex.after_set, _values(ex, rep=ex.reps, set_=set_no or ex.sets, side=last_side))


def _start_with(ex: Exercise, side: str) -> str:
    """Which side comes first; for sides in turn, that they alternate."""
    if ex.alternate:
        return f"Sides in turn, starting with the {phrases.spoken_side(side)}."
    return f"Start with the {phrases.spoken_side(side)}."


def _next_text(side: str | None, rep: int, reps: int) -> str:
    if side is None:
        return f"Next: rep {rep} of {reps}."
    return f"Next: {phrases.spoken_side(side)}, rep {rep} of {reps}."


def _values(ex: Exercise, rep: int, set_: int, side: str | None) -> dict[str, str]:
    return {
        "rep": str(rep),
        "reps": str(ex.reps),
        "set": str(set_),
        "sets": str(ex.sets),
        "side": side or "",
        "seconds": phrases.seconds_text(ex.seconds) if ex.seconds is not None else "",
        "exercise": ex.name,
    }


def _fill(text: str, values: dict[str, str]) -> str:
    """Substitute placeholders; the loader has already rejected unknown ones."""
    return text.format_map(_Blank(values)).strip()


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def compile_plan(
    routine: Routine, durations: Durations, tones: bool = True, count: str = "all"
) -> Plan:
    """The whole routine as steps and cues, laid out with ``durations`` of each phrase.

    ``tones`` adds a tone before the start and stop words of holds and
    activities (a distinct one at the end of a set); a routine can turn them off.
    ``count`` says how much is counted aloud: ``all`` (the 3-2-1 of holds, rests
    and lead-ins, "halfway", "10 seconds left"), ``end`` (only the 3-2-1 at
    the end of holds) or ``tones`` (a tick with no words for every digit).

    :raises RoutineError: for a routine past the limits (see :class:`PlanSize`),
        which the loader refuses already.
    """
    problem = plan_size(routine).problem
    if problem is not None:
        raise RoutineError([f"{routine.source or routine.name}: exercises: {problem}"])
    return _Compiler(routine, durations, tones=tones and routine.tones, count=count).run()


def iter_cues(plan: Plan) -> Iterator[tuple[float, Cue]]:
    """Every cue with its absolute start, assuming button steps answered at once."""
    for step, start in zip(plan.steps, plan.starts()):
        for cue in step.cues:
            yield start + cue.offset_seconds, cue
