"""``coach report``: the sessions as one HTML page, to send to a physiotherapist."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from coach.cli.common import warn
from coach.errors import CoachError, FolderNotWritable, ReportError
from coach.report import load_pygal, render_report, select_sessions
from coach.speech.atomicfile import write_atomically


@click.command()
@click.argument("out", metavar="OUT.html", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--from-json",
    "from_json",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path),
    metavar="FILE",
    help="Read the sessions from FILE ('coach history --format json' writes it; - for "
    "standard input) instead of this machine's history.",
)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="Report on the sessions from this day on (default: all).",
)
def report(out: Path, from_json: Path | None, since: datetime | None) -> None:
    """Write a report of the sessions to OUT.html, to send to a physiotherapist.

    \b
    One page that needs nothing else to be read (no network, no scripts):
    the period covered, sessions per week, a calendar of the days done, pain
    before and after each session, how often each exercise was done and
    "hurt", and the flagged sessions. Simulated sessions are left out.

    The charts need pygal:  pip install 'voice-coach[report]'
    """
    load_pygal()  # first: a missing package is said before anything is read
    records = read_json(from_json) if from_json is not None else stored_sessions()
    first = since.date() if since is not None else None
    sessions, left_out = select_sessions(records, first)
    page = render_report(sessions, left_out, datetime.now().astimezone())
    try:
        write_atomically(out, page.encode("utf-8"))
    except FolderNotWritable as exc:
        raise CoachError(f"cannot write the report {out}: {exc.reason}") from exc
    click.echo(f"wrote {out} ({len(sessions)} session{'' if len(sessions) == 1 else 's'})")


def read_json(path: Path) -> list[Any]:
    """The session records in ``path`` (``-``: standard input), as a list.

    :raises ReportError: the file cannot be read or holds no list of sessions.
    """
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
        records = json.loads(text)
    except OSError as exc:
        raise ReportError([f"cannot read {path}: {exc.strerror or exc}"]) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError([f"{path}: not a JSON file: {exc}"]) from exc
    if not isinstance(records, list):
        raise ReportError(
            [f"{path}: expected a list of sessions, as 'coach history --format json' writes"]
        )
    return records


def stored_sessions() -> list[dict[str, Any]]:
    """Every session in this machine's history, each as ``SessionRecord.to_json()`` gives it."""
    from coach.history import read_history

    return [record.to_json() for record in read_history(warn)]
