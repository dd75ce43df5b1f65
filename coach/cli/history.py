"""``coach history``: the sessions recorded, as a table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any

import click

from coach.cli.common import warn
from coach.errors import CoachError
from coach.history import history_path, read_history
from coach.history.store import SessionRecord
from coach.preview import table
from coach.settings import Settings, settings_options
from coach.yamltree import printable

FORMATS = ("table", "json", "csv")
#: The columns of ``--format csv``, in order.
CSV_COLUMNS = (
    "id", "started", "ended", "routine", "routine_name", "outcome", "simulated",
    "exercises_done", "exercises_total", "seconds", "paused_seconds", "pain_before",
    "pain_after", "flagged", "check_ins", "resumed_from",
)  # fmt: skip
#: What the marks of the table mean.
LEGEND = "sim: a simulated session; !: flagged (pain rose by 2 or more, or a 'hurt' ended it)"


@click.command("history")
@click.option(
    "--format", "form", type=click.Choice(FORMATS), default="table", show_default=True,
    help="A table for people; JSON or CSV for a physio or a spreadsheet.",
)  # fmt: skip
@click.option(
    "--limit", type=click.IntRange(1), default=None, metavar="N", help="Only the last N sessions."
)
@settings_options("history")
def history(form: str, limit: int | None, settings: Settings) -> None:
    """Show the sessions recorded, oldest first.

    \b
    The history file is history.sqlite3 in the data folder ($COACH_DATA_DIR,
    else $XDG_DATA_HOME/voice-coach, else ~/.local/share/voice-coach).
    Sessions whose process is gone (a power cut, a crash) are marked
    interrupted here. JSON and CSV leave out sessions still running.
    """
    path = history_path()
    if not path.exists():
        if not settings.history:
            raise CoachError("history is off (the setting 'history'), and nothing was recorded")
        click.echo("No sessions recorded yet.", err=form != "table")
        if form == "json":
            click.echo("[]")
        elif form == "csv":
            click.echo(",".join(CSV_COLUMNS))
        return
    records = read_history(warn, limit)
    if not settings.history:
        warn("history is off (the setting 'history'): these sessions are from before")
    if form == "json":
        shown = [r.to_json() for r in records if r.outcome != "running"]
        click.echo(json.dumps(shown, indent=2, ensure_ascii=False))
    elif form == "csv":
        click.echo(to_csv([r for r in records if r.outcome != "running"]), nl=False)
    elif not records:
        click.echo("No sessions recorded yet.")
    else:
        click.echo(render_table(records))


def render_table(records: Sequence[SessionRecord]) -> str:
    """The sessions as a table for people, with the legend of its marks under it."""
    header = ("DATE", "ROUTINE", "ENDED", "DONE", "MIN", "PAIN", "CHECK-INS", "")
    rows = [_row(r) for r in records]
    text = table(header, rows)
    if any(row[-1] for row in rows):
        text += "\n\n" + LEGEND
    return text


def _row(record: SessionRecord) -> tuple[str, ...]:
    routine = record.routine
    if "/" in routine:
        routine = PurePath(routine).stem
    pain = (
        "-"
        if record.pain_before is None and record.pain_after is None
        else f"{_pain(record.pain_before)} -> {_pain(record.pain_after)}"
    )
    answers = ", ".join(a or "-" for _, a in record.check_ins) or "-"
    marks = " ".join(m for m, on in (("sim", record.simulated), ("!", record.flagged)) if on)
    return (
        record.local(record.started).strftime("%Y-%m-%d %H:%M"),
        printable(routine),
        record.outcome,
        f"{record.exercises_done}/{record.exercises_total}",
        f"{record.seconds / 60:.1f}",
        pain,
        answers,
        marks,
    )


def _pain(value: int | None) -> str:
    return "?" if value is None else str(value)


def to_csv(records: Sequence[SessionRecord]) -> str:
    """The sessions as CSV with a header line; check-ins as ``exercise: answer; ...``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for record in records:
        data: dict[str, Any] = record.to_json()
        data["check_ins"] = "; ".join(
            f"{c['exercise']}: {c['answer'] or 'no answer'}" for c in data["check_ins"]
        )
        writer.writerow(["" if data[k] is None else _cell(data[k]) for k in CSV_COLUMNS])
    return out.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
