"""Made-up session histories in the JSON shape of ``coach history --format json``.

    python -m tests.history_sample      # writes tests/data/history-month.json

:func:`month` is that file: a month of a person's sessions, made by rule so
that it is the same every time. Most days have the morning routine; a few
are skipped; on Wednesdays an evening hip routine follows; pain falls slowly;
two exercises got a "hurt" answer; one session's pain grew by 2 (flagged);
one was cut by a power cut (interrupted); one was a simulated try-out.
:func:`year` is a year of daily sessions, for the report benchmark.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

#: Where :func:`month` is kept.
MONTH_FILE = Path(__file__).parent / "data" / "history-month.json"
#: Central European winter time, as a box in a European home would record.
ZONE = timezone(timedelta(hours=1))
#: The bundled routines: slug -> (name, exercises, asks for pain, exercises with a check-in).
ROUTINES: dict[str, tuple[str, tuple[str, ...], bool, tuple[str, ...]]] = {
    "pinched-nerve-leg": (
        "Gentle relief for a pinched nerve in the leg",
        (
            "Rest and breathe",
            "Standing balance stretch",
            "Seated forward reach",
            "Hip stretch on your back",
            "Gentle leg massage",
            "Final rest",
        ),
        True,
        (
            "Standing balance stretch",
            "Seated forward reach",
            "Hip stretch on your back",
            "Gentle leg massage",
        ),
    ),
    "hip-piriformis": (
        "Hip and seat relief",
        (
            "Settle and breathe",
            "Figure four stretch on your back",
            "Knee across your body",
            "Squeeze and relax your seat",
            "Hip stretch on a chair",
            "Final rest",
        ),
        False,
        (
            "Figure four stretch on your back",
            "Knee across your body",
            "Squeeze and relax your seat",
            "Hip stretch on a chair",
        ),
    ),
    "quick-demo": ("Quick demo", ("Side stretch", "Slow breathing"), False, ()),
}
#: Active seconds of a whole session, per routine.
SECONDS = {"pinched-nerve-leg": 780.0, "hip-piriformis": 610.0, "quick-demo": 95.0}

FIRST_DAY = date(2026, 11, 2)  # a Monday
LAST_DAY = date(2026, 12, 1)
#: Days of the month with no session at all.
SKIPPED = {date(2026, 11, d) for d in (7, 8, 15, 21, 28)}
#: Days with the evening hip routine as well (the Wednesdays).
EVENINGS = {date(2026, 11, d) for d in (4, 11, 18, 25)}


def session(
    number: int,
    started: datetime,
    routine: str,
    *,
    pain: tuple[int | None, int | None] = (None, None),
    hurt: str | None = None,
    skipped: str | None = None,
    unanswered: str | None = None,
    interrupted_after: int | None = None,
    stopped_by_hurt: bool = False,
    simulated: bool = False,
    paused: float = 0.0,
) -> dict[str, Any]:
    """One session record, as ``SessionRecord.to_json()`` gives it.

    :param number: its id.
    :param started: when it started (with the time zone).
    :param routine: a slug of :data:`ROUTINES`.
    :param pain: pain before and after (``None``: not answered or not asked).
    :param hurt: the exercise answered "hurt" (the rest of it was skipped).
    :param skipped: an exercise skipped whole by a long press.
    :param unanswered: an exercise whose check-in had no answer.
    :param interrupted_after: the session ended (a power cut) after this many exercises.
    :param stopped_by_hurt: the "hurt" answer ended the session.
    :param simulated: a simulated run, not the person's.
    :param paused: seconds paused.
    """
    name, exercises, _asks, checked = ROUTINES[routine]
    reached = len(exercises) if interrupted_after is None else interrupted_after
    if stopped_by_hurt and hurt is not None:
        reached = exercises.index(hurt) + 1
    rows, check_ins = [], []
    for index, exercise in enumerate(exercises):
        done = index < reached and exercise not in (hurt, skipped)
        rows.append({"number": index + 1, "name": exercise, "done": done,
                     "hurt": exercise == hurt})  # fmt: skip
        if exercise in checked and index < reached and exercise != skipped:
            answer = "hurt" if exercise == hurt else None if exercise == unanswered else "fine"
            check_ins.append({"exercise": exercise, "answer": answer})
    seconds = SECONDS[routine] * reached / len(exercises)
    ended = (
        None
        if interrupted_after is not None
        else started + timedelta(seconds=round(seconds + paused))
    )
    outcome = "interrupted" if ended is None else "stopped" if stopped_by_hurt else "finished"
    before, after = pain
    return {
        "id": number,
        "started": started.isoformat(timespec="seconds"),
        "ended": ended.isoformat(timespec="seconds") if ended else None,
        "routine": routine,
        "routine_name": name,
        "outcome": outcome,
        "simulated": simulated,
        "exercises_done": sum(r["done"] for r in rows),
        "exercises_total": len(exercises),
        "seconds": round(seconds, 1),
        "paused_seconds": paused,
        "pain_before": before,
        "pain_after": after,
        "flagged": stopped_by_hurt
        or (before is not None and after is not None and after >= before + 2),
        "check_ins": check_ins,
        "exercises": rows,
        "resumed_from": None,
    }


def month() -> list[dict[str, Any]]:
    """The sample month, oldest first (the content of :data:`MONTH_FILE`)."""
    sessions: list[dict[str, Any]] = []

    def add(started: datetime, routine: str, **details: Any) -> None:
        sessions.append(session(len(sessions) + 1, started, routine, **details))

    add(datetime(2026, 11, 2, 7, 41, 12, tzinfo=ZONE), "quick-demo", simulated=True)
    day = FIRST_DAY
    while day <= LAST_DAY:
        if day not in SKIPPED:
            index = (day - FIRST_DAY).days
            at = datetime(day.year, day.month, day.day, 8, (index * 7) % 25, 3, tzinfo=ZONE)
            add(at, "pinched-nerve-leg", **MORNINGS.get(day, {}), pain=morning_pain(day),
                paused=float(index % 3) * 6.5)  # fmt: skip
        if day in EVENINGS:
            at = datetime(day.year, day.month, day.day, 18, 32, 40, tzinfo=ZONE)
            add(at, "hip-piriformis", **EVENING_DETAILS.get(day, {}))
        day += timedelta(days=1)
    return sessions


def morning_pain(day: date) -> tuple[int | None, int | None]:
    """Pain before and after the morning routine: falling slowly from 6 to 3, one point less after.

    Some days differ (:data:`PAIN`).
    """
    if day in PAIN:
        return PAIN[day]
    before = int(6 - 3 * (day - FIRST_DAY).days / (LAST_DAY - FIRST_DAY).days + 0.5)
    return before, max(0, before - 1)


#: Days whose pain answers differ from the rule: no answer, or pain that grew.
PAIN: dict[date, tuple[int | None, int | None]] = {
    date(2026, 11, 6): (None, 5),  # no answer before
    date(2026, 11, 13): (5, None),  # no answer after
    date(2026, 11, 16): (4, None),  # interrupted: no after
    date(2026, 11, 19): (4, 6),  # grew by 2: flagged
}
#: Mornings that went otherwise than plain.
MORNINGS: dict[date, dict[str, Any]] = {
    date(2026, 11, 10): {"hurt": "Seated forward reach"},
    date(2026, 11, 12): {"unanswered": "Gentle leg massage"},
    date(2026, 11, 16): {"interrupted_after": 2},
    date(2026, 11, 20): {"skipped": "Gentle leg massage"},
}
#: Evenings that went otherwise than plain.
EVENING_DETAILS: dict[date, dict[str, Any]] = {
    date(2026, 11, 25): {"hurt": "Knee across your body"},
}


def year(first: date = date(2025, 12, 1), days: int = 365) -> list[dict[str, Any]]:
    """A session every day for ``days`` days from ``first``, for the benchmark."""
    sessions = []
    for index in range(days):
        day = first + timedelta(days=index)
        at = datetime(day.year, day.month, day.day, 8, index % 30, 0, tzinfo=ZONE)
        before = 7 - (5 * index) // days
        pain = (None if index % 11 == 0 else before, None if index % 13 == 0 else before - 1)
        hurt = "Seated forward reach" if index % 29 == 0 else None
        sessions.append(session(index + 1, at, "pinched-nerve-leg", pain=pain, hurt=hurt))
    return sessions


def write_month(path: Path = MONTH_FILE) -> None:
    """Write :func:`month` to ``path`` as ``coach history --format json`` would."""
    path.write_text(json.dumps(month(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_month(Path(sys.argv[1]) if len(sys.argv) > 1 else MONTH_FILE)
