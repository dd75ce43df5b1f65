"""What a session cut off by a power cut or a crash can be carried on from.

The history knows the last session, the step it was in and its routine
file's SHA-256; this module checks that carrying on still makes sense (the
session is recent, its routine is at hand and unchanged, an exercise is left)
and says where to start: at the beginning of the exercise it was in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from coach.errors import NothingToCarryOn
from coach.history.recorder import file_sha256
from coach.history.store import HistoryStore, Interrupted
from coach.plan import Plan
from coach.routine import Routine


@dataclass(frozen=True)
class CarryOn:
    """Where to carry on: the routine, its exercise ``number`` (from 1) and its name.

    :param session_id: the interrupted session, for the new one's ``resumed_from``.
    :param pain_before: the interrupted session's pain before; ``None`` when not known.
    :param hurts_before: its "hurt" answers (with those of the sessions it carried on):
        the carried-on session ends at the second in all.
    """

    session_id: int
    routine: Routine
    number: int
    exercise: str
    pain_before: int | None = None
    hurts_before: int = 0


def start_number(plan: Plan, found: Interrupted) -> int | None:
    """The exercise to carry on from: the one it was in, or the first when it was cut
    off in the opening words; ``None`` when every exercise was behind it.
    """
    if found.exercise_number is not None:
        return found.exercise_number
    numbers = [i for i, step in enumerate(plan.steps) if step.number is not None]
    if not numbers:
        return None
    if found.step_index is None or found.step_index < numbers[0]:
        return plan.steps[numbers[0]].number
    return None


def find_carry_on(
    store: HistoryStore,
    max_age_hours: float,
    now: float,
    routine_of: Callable[[str], Routine | None],
    plan_of: Callable[[Routine], Plan],
) -> CarryOn:
    """The last session, if it was cut off less than ``max_age_hours`` ago and can go on.

    :param now: epoch seconds now.
    :param routine_of: the routine the history names (a slug or a path);
        ``None`` when it is not at hand.
    :param plan_of: the plan of a routine, as a session of it would run.
    :raises NothingToCarryOn: with the reason, when there is nothing to carry on.
    """
    found = store.latest_interrupted(max_age_hours, now=now)
    if found is None:
        raise NothingToCarryOn(
            "there is no session to carry on: the last one ended, was carried on "
            f"already, or was cut off more than {max_age_hours:g} hours ago (resume_hours)"
        )
    routine = routine_of(found.routine)
    if routine is None:
        raise NothingToCarryOn(f"the last session's routine '{found.routine}' is not found")
    if found.routine_sha256 is None or file_sha256(routine.source) != found.routine_sha256:
        raise NothingToCarryOn(
            f"the routine file of the last session has changed since ({routine.source}): "
            "start it afresh"
        )
    plan = plan_of(routine)
    number = start_number(plan, found)
    if number is None:
        raise NothingToCarryOn("the last session was cut off after its last exercise")
    exercise = routine.exercises[number - 1].name if number <= len(routine.exercises) else None
    if exercise is None:
        raise NothingToCarryOn("the last session's routine has fewer exercises now")
    return CarryOn(found.id, routine, number, exercise, found.pain_before, found.hurts)
