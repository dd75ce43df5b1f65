"""The report for a physiotherapist: one self-contained HTML page made from session records.

Its input is the list of sessions that ``coach history --format json`` gives
(each as ``SessionRecord.to_json()`` makes it), so it does not depend on how
the history is stored::

    html = build_report(sessions, datetime.now().astimezone())

The page has no scripts and loads nothing: its styles are inline and its
charts are inline SVG, drawn by pygal (an optional package, imported only
when a report is made: :func:`load_pygal`). Each chart has a sentence under
it that says what it shows, and its numbers in a table, for a reader who
cannot see it. Simulated sessions, and sessions still running, are left out
and counted.
"""

from __future__ import annotations

import html
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import ModuleType
from typing import Any

from coach.errors import PackageMissing, ReportError

#: How to get the charting package: the report extra.
INSTALL_HINT = "pip install 'voice-coach[report]'"
#: Pain at or above pain before plus this is flagged (as the history flags it).
PAIN_RISE = 2
#: Chart size in SVG units (it scales to the page's width).
CHART_WIDTH, CHART_HEIGHT = 860, 320
#: Colours that colour-blind readers can tell apart (Okabe and Ito's blue and
#: vermilion); in grey, the line of pain after is told from pain before by its dashes.
BLUE, VERMILION, LIGHT_BLUE = "#0072B2", "#D55E00", "#9CC7E4"
#: How each way a session can end is said in the report.
OUTCOMES = {"finished": "finished", "stopped": "stopped early", "interrupted": "interrupted"}


@dataclass(frozen=True)
class Session:
    """One session, read from a record: the parts the report uses.

    :param started: when it started, in the time zone it was recorded in.
    :param routine: the routine's name, for people.
    :param outcome: ``finished``, ``stopped``, ``interrupted`` or ``running``.
    :param simulated: a simulated or instant run, not the person's.
    :param seconds: the session's time, check-ins included, pauses left out.
    :param pain_before: pain 0-10 before, or ``None`` (not asked, or not answered).
    :param pain_after: the same, after.
    :param flagged: the history flagged it.
    :param exercises: ``(name, done, hurt)`` for each exercise in the routine, in order.
    :param check_ins: ``(exercise, answer)`` for each "did that hurt?" question asked.
    """

    started: datetime
    routine: str
    outcome: str
    simulated: bool
    seconds: float
    pain_before: int | None
    pain_after: int | None
    flagged: bool
    exercises: tuple[tuple[str, bool, bool], ...]
    check_ins: tuple[tuple[str, str | None], ...]

    @property
    def day(self) -> date:
        """The day it started, where it was done."""
        return self.started.date()

    @property
    def pain_rose(self) -> bool:
        """Pain after was at least :data:`PAIN_RISE` points above pain before."""
        before, after = self.pain_before, self.pain_after
        return before is not None and after is not None and after >= before + PAIN_RISE

    @property
    def ended_by_hurt(self) -> bool:
        """It was stopped, and its last answer was "hurt" (a second one ends a session;
        after the first the person may choose to end it)."""
        return (
            self.outcome == "stopped" and bool(self.check_ins) and self.check_ins[-1][1] == "hurt"
        )

    def why_flagged(self) -> str:
        """Why it is on the flagged list, in words."""
        reasons = []
        if self.pain_rose:
            reasons.append(f"pain rose from {self.pain_before} to {self.pain_after}")
        if self.ended_by_hurt:
            reasons.append(f'ended after a "hurt" answer ({self.check_ins[-1][0]})')
        return "; ".join(reasons) or "flagged by the coach"


def read_sessions(records: Sequence[Any]) -> list[Session]:
    """The sessions of ``records`` (dicts as ``SessionRecord.to_json()`` gives), oldest first.

    :raises ReportError: a record that is not one, naming it and the field.
    """
    if not isinstance(records, list):
        raise ReportError(["expected a list of sessions, as 'coach history --format json' gives"])
    problems: list[str] = []
    sessions = []
    for index, record in enumerate(records):
        try:
            sessions.append(_read_session(record))
        except (KeyError, TypeError, ValueError) as exc:
            where = record.get("id", index + 1) if isinstance(record, dict) else index + 1
            detail = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
            problems.append(f"session {where}: {detail}")
    if problems:
        raise ReportError(problems)
    return sorted(sessions, key=lambda s: s.started)


def _read_session(record: Any) -> Session:
    if not isinstance(record, dict):
        raise TypeError(f"not a session record, got {type(record).__name__}")
    started = _time(record["started"], "started")
    exercises = tuple(
        (str(e["name"]), bool(e.get("done")), bool(e.get("hurt")))
        for e in record.get("exercises") or ()
    )
    check_ins = tuple(
        (str(c["exercise"]), None if c.get("answer") is None else str(c["answer"]))
        for c in record.get("check_ins") or ()
    )
    return Session(
        started=started,
        routine=str(record.get("routine_name") or record["routine"]),
        outcome=str(record["outcome"]),
        simulated=bool(record.get("simulated", False)),
        seconds=float(record.get("seconds") or 0.0),
        pain_before=_pain(record.get("pain_before"), "pain_before"),
        pain_after=_pain(record.get("pain_after"), "pain_after"),
        flagged=bool(record.get("flagged", False)),
        exercises=exercises,
        check_ins=check_ins,
    )


def _time(value: Any, field: str) -> datetime:
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{field}: not an ISO 8601 time, got {value!r}") from None
    # A time with no offset is this computer's local time (so all can be compared).
    return when if when.tzinfo is not None else when.astimezone()


def _pain(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 10:
        raise ValueError(f"{field}: must be 0 to 10 or null, got {value!r}")
    return round(value)


def load_pygal() -> ModuleType:
    """The pygal package, imported now.

    :raises PackageMissing: it is not installed; the message says how to install it.
    """
    try:
        import pygal
    except ImportError as exc:
        raise PackageMissing(
            f"the report draws its charts with pygal, which is not installed: {INSTALL_HINT}"
        ) from exc
    module: ModuleType = pygal
    return module


def build_report(records: Sequence[Any], now: datetime, since: date | None = None) -> str:
    """The whole report as one HTML page, from session records (``SessionRecord.to_json()``).

    :param records: the sessions, in any order; simulated and running ones are left out.
    :param now: when the report is made (it says so).
    :param since: the first day to report on; default the first session's.
    :raises ReportError: a record is not a session record.
    :raises PackageMissing: pygal is not installed.
    """
    return render_report(*select_sessions(records, since), now)


def select_sessions(
    records: Sequence[Any], since: date | None = None
) -> tuple[list[Session], Counter[str]]:
    """The sessions a report is on, and how many were left out, by why.

    :param records: session records (``SessionRecord.to_json()``), in any order.
    :param since: the first day to report on; default every day.
    :raises ReportError: a record is not a session record.
    """
    sessions: list[Session] = []
    left_out: Counter[str] = Counter()
    for s in read_sessions(list(records)):
        if since is not None and s.day < since:
            continue
        if s.simulated or s.outcome == "running":
            left_out["simulated" if s.simulated else "running"] += 1
        else:
            sessions.append(s)
    return sessions, left_out


def render_report(sessions: list[Session], left_out: Counter[str], now: datetime) -> str:
    """The whole report as one HTML page, on ``sessions`` as :func:`select_sessions` gives them.

    :raises PackageMissing: pygal is not installed.
    """
    pygal = load_pygal()
    parts = [
        _overview(sessions, left_out, now),
        _weeks_section(pygal, sessions),
        _calendar_section(sessions),
        _pain_section(pygal, sessions),
        _exercises_section(sessions),
        _flagged_section(sessions),
        _notes(left_out),
    ]
    title = "Exercise report"
    if sessions:
        title += f": {_period(sessions[0].day, sessions[-1].day)}"
    return PAGE.format(title=esc(title), style=STYLE, body="\n".join(parts))


def esc(text: object) -> str:
    """``text`` made safe to put in HTML, quotes included."""
    return html.escape(str(text), quote=True)


# -- the overview ------------------------------------------------------------------


def _overview(sessions: list[Session], left_out: Counter[str], now: datetime) -> str:
    rows: list[tuple[str, str]] = []
    if sessions:
        first, last = sessions[0].day, sessions[-1].day
        days = (last - first).days + 1
        active = len({s.day for s in sessions})
        outcomes = Counter(s.outcome for s in sessions)
        how = ", ".join(
            f"{outcomes[key]} {word}" for key, word in OUTCOMES.items() if outcomes[key]
        )
        rows += [
            ("Period", f"{_period(first, last)} ({_count(days, 'day')})"),
            ("Routines", ", ".join(sorted({s.routine for s in sessions}))),
            ("Sessions", f"{len(sessions)} ({how})"),
            ("Days with a session", f"{active} of {days}"),
            ("Time exercising", _duration(sum(s.seconds for s in sessions))),
        ]
    else:
        rows.append(("Period", "no sessions recorded"))
    if left_out:
        rows.append(("Left out", _left_out(left_out)))
    rows.append(("Made", f"{_long_date(now.date())}, {now:%H:%M}"))
    items = "\n".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows)
    return f'<header>\n<h1>Exercise report</h1>\n<dl class="facts">\n{items}\n</dl>\n</header>'


def _left_out(left_out: Counter[str]) -> str:
    said = []
    if left_out["simulated"]:
        said.append(f"{_count(left_out['simulated'], 'simulated session')} (a trial run)")
    if left_out["running"]:
        said.append(f"{_count(left_out['running'], 'session')} still running")
    return ", ".join(said)


# -- sessions per week and the calendar --------------------------------------------


def week_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def weeks(sessions: list[Session]) -> list[tuple[date, int, int]]:
    """Each week from the first session's to the last's: ``(monday, finished, ended early)``."""
    if not sessions:
        return []
    finished: Counter[date] = Counter()
    early: Counter[date] = Counter()
    for s in sessions:
        (finished if s.outcome == "finished" else early)[week_of(s.day)] += 1
    monday, last = week_of(sessions[0].day), week_of(sessions[-1].day)
    rows = []
    while monday <= last:
        rows.append((monday, finished[monday], early[monday]))
        monday += timedelta(days=7)
    return rows


def _weeks_section(pygal: ModuleType, sessions: list[Session]) -> str:
    heading = "<h2>Sessions per week</h2>"
    rows = weeks(sessions)
    if not rows:
        return f"<section>\n{heading}\n<p>No sessions in this period.</p>\n</section>"
    totals = [f + e for _, f, e in rows]
    most = max(range(len(rows)), key=lambda i: totals[i])
    summary = (
        f"{_count(len(rows), 'week')}, {_number(statistics.mean(totals))} sessions a week on "
        f"average; the most was {totals[most]} in the week of {_short_date(rows[most][0])}, "
        f"the fewest {min(totals)}."
    )
    if sessions[-1].day < rows[-1][0] + timedelta(days=6):
        summary += f" The last week is counted up to {_short_date(sessions[-1].day)}."
    options = _chart_options(pygal, show_legend=True)
    if len(rows) > 12:  # a label for about every month
        options.update(x_labels_major_every=4, show_minor_x_labels=False)
    chart = pygal.StackedBar(**options, x_title="week beginning", y_title="sessions")
    chart.x_labels = [_short_date(monday) for monday, _, _ in rows]
    chart.add("finished", [f for _, f, _ in rows])
    chart.add("ended early", [e for _, _, e in rows])
    table = _table(
        ("Week of", "Sessions", "Finished", "Ended early"),
        [(_short_date(m, year=True), f + e, f, e) for m, f, e in rows],
        numeric=(1, 2, 3),
    )
    return (
        f"<section>\n{heading}\n{_figure(chart, 'weeks', summary)}\n"
        f"<details><summary>The numbers, week by week</summary>\n{table}\n</details>\n</section>"
    )


def _calendar_section(sessions: list[Session]) -> str:
    heading = "<h2>Days done</h2>"
    if not sessions:
        return f"<section>\n{heading}\n<p>No sessions in this period.</p>\n</section>"
    first, last = sessions[0].day, sessions[-1].day
    by_day: dict[date, list[Session]] = {}
    for s in sessions:
        by_day.setdefault(s.day, []).append(s)
    days = (last - first).days + 1
    run, best = 0, 0
    for offset in range(days):
        run = run + 1 if first + timedelta(days=offset) in by_day else 0
        best = max(best, run)
    summary = (
        f"Sessions on {len(by_day)} of {days} days; the longest run was "
        f"{_count(best, 'day')} in a row."
    )
    header = "".join(f'<th scope="col">{d}</th>' for d in ("Mon", "Tue", "Wed", "Thu", "Fri",
                                                           "Sat", "Sun"))  # fmt: skip
    body = []
    monday = week_of(first)
    while monday <= last:
        cells = [_calendar_cell(monday + timedelta(days=i), first, last, by_day) for i in range(7)]
        label = f'<th scope="row">{esc(_short_date(monday))}</th>'
        body.append(f"<tr>{label}{''.join(cells)}</tr>")
        monday += timedelta(days=7)
    return (
        f"<section>\n{heading}\n"
        f'<table class="calendar">\n<caption>{esc(summary)}</caption>\n'
        f'<thead><tr><th scope="col">Week of</th>{header}</tr></thead>\n'
        f"<tbody>\n{chr(10).join(body)}\n</tbody>\n</table>\n"
        '<p class="legend"><span class="mark">●</span> a session finished '
        '<span class="mark">○</span> a session ended early (stopped or interrupted); '
        "a blank day had none.</p>\n</section>"
    )


def _calendar_cell(day: date, first: date, last: date, by_day: dict[date, list[Session]]) -> str:
    number = f'<span class="day">{day.day}</span>'
    if not first <= day <= last:
        return f'<td class="outside">{number}</td>'
    done = by_day.get(day, [])
    if not done:
        return f'<td>{number} <span class="hidden">(no session)</span></td>'
    marks = "".join("●" if s.outcome == "finished" else "○" for s in done)
    finished = sum(s.outcome == "finished" for s in done)
    said = _count(len(done), "session")
    if finished < len(done):
        said += f", {len(done) - finished} ended early"
    kind = "done" if finished else "partial"
    return (
        f'<td class="{kind}">{number} <span class="mark" aria-hidden="true">{marks}</span> '
        f'<span class="hidden">({esc(said)})</span></td>'
    )


# -- pain --------------------------------------------------------------------------


def _pain_section(pygal: ModuleType, sessions: list[Session]) -> str:
    heading = "<h2>Pain before and after</h2>"
    asked = [s for s in sessions if s.pain_before is not None or s.pain_after is not None]
    if not asked:
        return (
            f"<section>\n{heading}\n<p>No pain answers in this period: the routines did not "
            "ask for pain, or no answer was given.</p>\n</section>"
        )
    summary = _pain_summary(asked)
    chart = pygal.DateTimeLine(
        **_chart_options(pygal, show_legend=True, stroke_width=2.5),
        allow_interruptions=True,
        range=(0, 10),
        y_title="pain (0 to 10)",
        y_labels=list(range(11)),
        x_value_formatter=lambda t: f"{t.day} {t:%b}",
        dots_size=3.5,
    )
    # A gap where a question was not answered: the line breaks there.
    chart.add("before", [(s.started.replace(tzinfo=None), s.pain_before) for s in asked])
    chart.add(
        "after",
        [(s.started.replace(tzinfo=None), s.pain_after) for s in asked],
        stroke_style={"width": 2.5, "dasharray": "7, 4"},
    )
    rows = [
        (
            _short_date(s.day, year=True) + f" {s.started:%H:%M}",
            s.routine,
            _answer(s.pain_before),
            _answer(s.pain_after),
        )
        for s in asked
    ]
    table = _table(("Session", "Routine", "Before", "After"), rows, numeric=(2, 3))
    return (
        f"<section>\n{heading}\n{_figure(chart, 'pain', summary)}\n"
        f"<details><summary>Every pain answer</summary>\n{table}\n</details>\n</section>"
    )


def _pain_summary(asked: list[Session]) -> str:
    """Pain at the start and the end of the period, and how many questions were answered."""
    said = []
    for moment, values in (
        ("before", [(s.day, s.pain_before) for s in asked]),
        ("after", [(s.day, s.pain_after) for s in asked]),
    ):
        answered = [(d, v) for d, v in values if v is not None]
        if not answered:
            said.append(f"Pain {moment} a session was never answered.")
            continue
        first_week = week_of(answered[0][0])
        last_week = week_of(answered[-1][0])
        start = statistics.mean(v for d, v in answered if week_of(d) == first_week)
        end = statistics.mean(v for d, v in answered if week_of(d) == last_week)
        said.append(
            f"Pain {moment} a session (0 to 10) averaged {_number(start)} in the first week "
            f"and {_number(end)} in the last; answered in {len(answered)} of {len(values)} "
            "sessions that asked."
        )
    return " ".join(said)


def _answer(value: int | None) -> str:
    return "not answered" if value is None else str(value)


# -- exercises and flagged sessions ------------------------------------------------


@dataclass
class ExerciseCount:
    """How one exercise of one routine went over the period.

    :param routine: the routine's name.
    :param name: the exercise's name.
    :param offered: sessions that had it.
    :param done: sessions in which it was done whole.
    :param hurt: "hurt" answers after it.
    """

    routine: str
    name: str
    offered: int = 0
    done: int = 0
    hurt: int = 0


def exercise_counts(sessions: Iterable[Session]) -> list[ExerciseCount]:
    """Each exercise of each routine, in the order first met: offered, done and hurt."""
    counts: dict[tuple[str, str], ExerciseCount] = {}
    for s in sessions:
        hurt_answers = {name for name, answer in s.check_ins if answer == "hurt"}
        for name, done, hurt in s.exercises:
            count = counts.setdefault((s.routine, name), ExerciseCount(s.routine, name))
            count.offered += 1
            count.done += done
            count.hurt += hurt or name in hurt_answers
    return list(counts.values())


def _exercises_section(sessions: list[Session]) -> str:
    heading = "<h2>Exercises</h2>"
    counts = exercise_counts(sessions)
    if not counts:
        return f"<section>\n{heading}\n<p>No exercises recorded in this period.</p>\n</section>"
    intro = (
        "<p>Done: the exercise ran to its end, not skipped and not cut short by a "
        '"hurt" answer. Offered: the sessions whose routine had it. "Hurt": the '
        'answers "it hurt" to the question asked after it.</p>'
    )
    blocks = []
    for routine in dict.fromkeys(c.routine for c in counts):
        rows = [
            (c.name, c.done, c.offered, f"{round(100 * c.done / c.offered)}%", c.hurt)
            for c in counts
            if c.routine == routine
        ]
        columns = ("Exercise", "Done", "Offered", "Completion", '"Hurt" answers')
        blocks.append(f"<h3>{esc(routine)}</h3>\n{_table(columns, rows, numeric=(1, 2, 3, 4))}")
    # Printed, the heading and its words stay with the first table; each table stays whole.
    blocks[0] = f"{heading}\n{intro}\n{blocks[0]}"
    parts = [f'<div class="keep">\n{block}\n</div>' for block in blocks]
    return "<section>\n" + "\n".join(parts) + "\n</section>"


def _flagged_section(sessions: list[Session]) -> str:
    heading = "<h2>Flagged sessions</h2>"
    flagged = [s for s in sessions if s.flagged or s.pain_rose or s.ended_by_hurt]
    intro = (
        f"<p>A session is flagged when pain after it was {PAIN_RISE} or more points above "
        'pain before it, or when a "hurt" answer ended it.</p>'
    )
    if not flagged:
        return f"<section>\n{heading}\n{intro}\n<p>No session was flagged.</p>\n</section>"
    rows = [
        (
            _short_date(s.day, year=True) + f" {s.started:%H:%M}",
            s.routine,
            s.why_flagged(),
            f"{_answer(s.pain_before)} → {_answer(s.pain_after)}",
            OUTCOMES.get(s.outcome, s.outcome),
        )
        for s in flagged
    ]
    table = _table(("Session", "Routine", "Why", "Pain before → after", "How it ended"), rows)
    return f'<section class="flagged">\n{heading}\n{intro}\n{table}\n</section>'


def _notes(left_out: Counter[str]) -> str:
    text = (
        "Made by voice-coach from the sessions its box recorded; times are the box's local "
        "time. Simulated sessions (trial runs on a computer) are left out"
        + (f": {_left_out(left_out)} here." if left_out else ".")
    )
    return f'<footer class="notes">\n<p>{esc(text)}</p>\n</footer>'


# -- charts ------------------------------------------------------------------------


def _chart_options(
    pygal: ModuleType, show_legend: bool, stroke_width: float = 1.0
) -> dict[str, Any]:
    """pygal's settings for a plain, printable chart that carries no script.

    :param stroke_width: the width of the lines (in a line chart).
    """
    style = pygal.style.Style(
        background="white",
        plot_background="white",
        foreground="#222222",
        foreground_strong="#111111",
        foreground_subtle="#DDDDDD",
        opacity="1",
        opacity_hover="1",
        transition="none",
        stroke_width=str(stroke_width),
        stroke_width_hover=str(stroke_width),
        colors=(BLUE, VERMILION, LIGHT_BLUE),
        font_family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
        label_font_size=13,
        major_label_font_size=13,
        legend_font_size=14,
        value_font_size=12,
        tooltip_font_size=12,
    )
    return {
        "style": style,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "js": [],  # no scripts from elsewhere (pygal's tooltips are fetched from the web)
        "disable_xml_declaration": True,
        "show_legend": show_legend,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 2,  # as many as there are series: one row
        "margin": 12,
        "truncate_label": -1,
        "show_y_guides": True,
    }


def _svg_cleaner(summary: str) -> Callable[[Any], Any]:
    """An xml filter for pygal: no script, no comments, and the summary as the SVG's title."""

    def clean(root: Any) -> Any:
        for parent in list(root.iter()):
            for child in list(parent):
                tag = child.tag if isinstance(child.tag, str) else ""
                if not tag or tag.rsplit("}", 1)[-1] == "script":
                    parent.remove(child)  # a comment (its tag is a function), or a script
                elif tag.rsplit("}", 1)[-1] == "title" and parent is root:
                    child.text = summary
        root.set("role", "img")
        root.set("aria-label", summary)
        return root

    return clean


def _figure(chart: Any, name: str, summary: str) -> str:
    chart.uuid = name  # fixed ids: the same history gives the same page
    chart.add_xml_filter(_svg_cleaner(summary))
    svg = chart.render(is_unicode=True)
    return (
        f'<figure>\n{svg}\n<figcaption id="{name}-summary">{esc(summary)}</figcaption>\n</figure>'
    )


# -- words and tables --------------------------------------------------------------


def _table(
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    numeric: Sequence[int] = (),
    caption: str = "",
) -> str:
    def cell(i: int, value: object) -> str:
        return f'<td class="num">{esc(value)}</td>' if i in numeric else f"<td>{esc(value)}</td>"

    head = "".join(
        f'<th scope="col" class="num">{esc(h)}</th>'
        if i in numeric
        else f'<th scope="col">{esc(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = "\n".join(
        "<tr>" + "".join(cell(i, v) for i, v in enumerate(row)) + "</tr>" for row in rows
    )
    top = f"<caption>{esc(caption)}</caption>\n" if caption else ""
    return f"<table>\n{top}<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _short_date(day: date, year: bool = False) -> str:
    return f"{day.day} {day:%b %Y}" if year else f"{day.day} {day:%b}"


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _period(first: date, last: date) -> str:
    if first == last:
        return _long_date(first)
    return f"{_long_date(first)} to {_long_date(last)}"


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


#: The page around the sections.
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{style}
</style>
</head>
<body>
<main>
{body}
</main>
</body>
</html>
"""

#: The page's styles: plain, readable on a screen, and printable on A4 or Letter.
STYLE = """\
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: #1a1a1a; background: #fff; line-height: 1.45; margin: 0; }
main { max-width: 58rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.7rem; margin: 0 0 .75rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .3rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .6rem; padding-bottom: .2rem;
  border-bottom: 2px solid #d0d7de; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1.25rem; margin: 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
figure { margin: 0; }
figure svg { display: block; width: 100%; height: auto; }
figcaption, caption { text-align: left; font-size: .95rem; color: #333; margin: .4rem 0; }
caption { caption-side: top; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .95rem; }
th, td { padding: .3rem .6rem; text-align: left; border-bottom: 1px solid #d8dde3;
  vertical-align: top; }
thead th { border-bottom: 2px solid #8c959f; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
details { margin: .4rem 0 0; }
summary { cursor: pointer; color: #0b5394; }
table.calendar td, table.calendar thead th { width: 3.2rem; text-align: center; padding: .2rem; }
table.calendar td { border: 1px solid #d8dde3; height: 2.6rem; }
table.calendar th[scope=row] { font-weight: normal; white-space: nowrap; }
table.calendar .day { display: block; font-size: .8rem; color: #555; }
table.calendar .mark { font-size: 1rem; color: #0072B2; letter-spacing: .1rem; }
table.calendar td.done { background: #e1effa; }
table.calendar td.partial { background: #fbe9dc; }
table.calendar td.partial .mark { color: #D55E00; }
table.calendar td.outside { background: #f4f4f4; color: #aaa; }
.legend .mark { color: #0072B2; }
.hidden { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
section.flagged td:nth-child(3) { font-weight: 600; }
footer.notes { margin-top: 2.5rem; font-size: .85rem; color: #444; }
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  figure svg { max-height: 7cm; }
  table.calendar td { height: 2rem; }
  footer.notes { margin-top: 1rem; }
  summary { display: none; }
  h2, h3 { break-after: avoid; }
  .keep { break-inside: avoid; }
  figure, table.calendar, tr { break-inside: avoid; }
  td.done, td.partial, td.outside { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}"""
