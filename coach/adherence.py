"""Adherence, spoken: a short line about the days done, when it helps.

At the end of a session: "That is three days in a row." once a run of days
reaches two, said after the first session finished that day only. In the
menu's greeting at boot: "Your last session was yesterday." or "Your last
session was three days ago." when the last session was not today and not long ago. Never
nagging: nothing with no history, nothing after a long gap, never twice a day.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from coach import phrases

#: A last session longer ago than this many days is not mentioned.
LONG_AGO_DAYS = 30
#: The shortest run of days that is worth a word.
STREAK_FROM = 2

_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
             "ninth", "tenth", "eleventh", "twelfth", "thirteenth")  # fmt: skip


def ordinal_word(n: int) -> str:
    """``n`` as an ordinal word, from "first" to "thirteenth"; "number 14" past them."""
    return _ORDINALS[n - 1] if 1 <= n <= len(_ORDINALS) else f"number {n}"


def times_word(n: int) -> str:
    """How often a day, said: "once", "twice", "three times"."""
    return {1: "once", 2: "twice"}.get(n, f"{number_word(n)} times")


def number_word(n: int) -> str:
    """``n`` as a word, as the coach says it: "three", "twenty-one"; digits from 100."""
    return phrases.number_word(n) if 0 <= n < 100 else str(n)


def streak(days: Sequence[date], today: date) -> int:
    """How many days in a row, up to and including ``today``, have a session."""
    done = set(days)
    count = 0
    while date.fromordinal(today.toordinal() - count) in done:
        count += 1
    return count


def adherence_line(days: Sequence[date], today: date, at_end: bool) -> str | None:
    """The adherence line to say, or ``None`` when it would not help.

    :param days: the day of every session that counts, one entry per session
        (so a day with two sessions is there twice: that is how "once a day"
        is known). At the end of a session, today's session is among them.
    :param today: today's date, on the box's clock.
    :param at_end: ``True`` at the end of a session ("That is three days in a
        row.", only for the first session of the day); ``False`` for the
        menu's greeting ("Your last session was yesterday.", "... three days ago.").
    """
    if at_end:
        if list(days).count(today) != 1:
            return None  # not today's first session: said once a day at most
        run = streak(days, today)
        return phrases.streak_text(number_word(run)) if run >= STREAK_FROM else None
    past = [day for day in days if day <= today]
    if not past:
        return None
    ago = (today - max(past)).days
    if ago == 0 or ago > LONG_AGO_DAYS:
        return None
    return phrases.LAST_SESSION_YESTERDAY if ago == 1 else phrases.days_ago_text(number_word(ago))


def closing_line(
    days: Sequence[date], today: date, times_a_day: int | None, done_today: int | None
) -> str | None:
    """The line after a finished session's summary, or ``None`` when it would not help.

    :param days: as for :func:`adherence_line`, this session included.
    :param today: today's date, on the box's clock.
    :param times_a_day: the routine's prescription; ``None``: none (only the run of days).
    :param done_today: the sessions of this routine finished today, this one
        included; ``None`` when not known (no history).
    """
    run_line = adherence_line(days, today, at_end=True)
    if times_a_day is None or done_today is None or done_today < 1:
        return run_line
    if done_today > times_a_day:
        if done_today > times_a_day + 1:
            return None  # said once; never nagging
        return phrases.more_than_prescribed_text(ordinal_word(done_today), times_word(times_a_day))
    if times_a_day == 1:
        return run_line  # "your first of one" says nothing
    ordinal, times = ordinal_word(done_today), number_word(times_a_day)
    if run_line is None:
        return phrases.times_today_text(ordinal, times)
    run = number_word(streak(days, today))
    return phrases.times_today_streak_text(ordinal, times, run)


def closing_lines(times_a_day: int | None, longest_streak: int = 7) -> list[str]:
    """Every line :func:`closing_line` may say for a routine of ``times_a_day`` beyond the
    run of days alone (those are in :func:`adherence_lines`): to render ahead.
    """
    if times_a_day is None:
        return []
    lines = [phrases.more_than_prescribed_text(ordinal_word(times_a_day + 1),
                                                times_word(times_a_day))]  # fmt: skip
    if times_a_day == 1:
        return lines
    times = number_word(times_a_day)
    lines += [phrases.times_today_text(ordinal_word(n), times) for n in range(1, times_a_day + 1)]
    lines += [
        phrases.times_today_streak_text(ordinal_word(1), times, number_word(n))
        for n in range(STREAK_FROM, longest_streak + 1)
    ]
    return lines


def adherence_lines(longest_streak: int = 7) -> list[str]:
    """Every greeting line, and the streak lines up to ``longest_streak`` days: to render ahead."""
    lines = [phrases.LAST_SESSION_YESTERDAY]
    lines += [phrases.days_ago_text(number_word(n)) for n in range(2, LONG_AGO_DAYS + 1)]
    lines += [phrases.streak_text(number_word(n)) for n in range(STREAK_FROM, longest_streak + 1)]
    return lines
