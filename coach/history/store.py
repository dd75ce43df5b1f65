"""The history file: sessions, their steps, pauses and check-ins in SQLite.

The file is ``history.sqlite3`` in the data folder (see :func:`coach.history.history_path`),
0600 in a folder made 0700; SQLite makes its ``-wal`` and ``-shm`` files with
the main file's mode. It runs in WAL mode with ``synchronous=FULL``: a
committed step boundary survives a power cut, and two coach processes can
write at once (each waits for the other's short transaction, up to
:data:`BUSY_TIMEOUT_SECONDS`).

The schema's version is ``PRAGMA user_version``; :data:`MIGRATIONS` takes a
file of any earlier version to the current one, in one transaction. What
goes wrong with files is handled here, once:

- a file that is not a database, or a damaged one, is moved aside
  (``history.sqlite3.corrupt-YYYYmmdd-HHMMSS``) with one warning, and a new
  one is started;
- a file written by a newer coach is left as it is: :class:`HistoryNewer`;
- a folder or file that cannot be written: :class:`HistoryUnavailable`.

Times are epoch seconds, with the UTC offset of the place the session ran,
so a record reads in its own local time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coach.errors import HistoryCorrupt, HistoryNewer, HistoryUnavailable
from coach.history import liveness
from coach.history.liveness import Owner

#: How long a write waits for another process's transaction before giving up.
BUSY_TIMEOUT_SECONDS = 10.0
#: SQLite's result codes for a file that is damaged or is not a database.
_CORRUPT_CODES = (11, 26)  # SQLITE_CORRUPT, SQLITE_NOTADB
#: How an ended session ended; ``running`` is only ever read, never stored.
OUTCOMES = ("finished", "stopped", "interrupted")
#: Pain after at least this many points above pain before flags the session.
PAIN_RISE_FLAG = 2

#: Each migration takes the file from the version before it (its place in the
#: list) to the next one. Never change one that has shipped: add another.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: sessions and their steps, each step planned and then as it went.
    (
        """CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            routine TEXT NOT NULL,
            routine_name TEXT NOT NULL,
            started REAL NOT NULL,
            utc_offset INTEGER NOT NULL,
            ended REAL,
            outcome TEXT,
            simulated INTEGER NOT NULL,
            pid INTEGER NOT NULL,
            boot_id TEXT,
            process_start INTEGER,
            exercises_total INTEGER NOT NULL)""",
        """CREATE TABLE steps (
            session INTEGER NOT NULL REFERENCES sessions(id),
            idx INTEGER NOT NULL,
            kind TEXT NOT NULL,
            number INTEGER,
            exercise TEXT,
            side TEXT,
            rep INTEGER,
            set_number INTEGER,
            planned_seconds REAL,
            actual_seconds REAL,
            outcome TEXT,
            PRIMARY KEY (session, idx)) WITHOUT ROWID""",
        "CREATE INDEX sessions_open ON sessions(id) WHERE outcome IS NULL",
    ),
    # 2: pauses, check-ins and pain before and after.
    (
        "ALTER TABLE sessions ADD COLUMN pain_before INTEGER",
        "ALTER TABLE sessions ADD COLUMN pain_after INTEGER",
        """CREATE TABLE pauses (
            session INTEGER NOT NULL REFERENCES sessions(id),
            step INTEGER,
            at REAL NOT NULL,
            seconds REAL NOT NULL)""",
        """CREATE TABLE check_ins (
            session INTEGER NOT NULL REFERENCES sessions(id),
            number INTEGER,
            exercise TEXT NOT NULL,
            answer TEXT,
            at REAL NOT NULL)""",
        "CREATE INDEX pauses_session ON pauses(session)",
        "CREATE INDEX check_ins_session ON check_ins(session)",
    ),
    # 3: carrying on after a power cut: where the session was, and which file it ran.
    (
        "ALTER TABLE sessions ADD COLUMN routine_sha256 TEXT",
        "ALTER TABLE sessions ADD COLUMN resumed_from INTEGER REFERENCES sessions(id)",
        "ALTER TABLE sessions ADD COLUMN step_index INTEGER",
        "ALTER TABLE sessions ADD COLUMN exercise_number INTEGER",
    ),
    # 4: when the last step boundary was written, for the time of a session cut off.
    ("ALTER TABLE sessions ADD COLUMN last_boundary REAL",),
)
#: The schema this code writes.
SCHEMA_VERSION = len(MIGRATIONS)


# -- what is written ---------------------------------------------------------------


@dataclass(frozen=True)
class PlannedStep:
    """One step of the plan, as the session starts.

    :param index: its place in the plan, from 0.
    :param kind: ``announce``, ``hold``, ``rest``, ...
    :param number: its exercise's number, from 1; ``None`` outside the exercises.
    :param exercise: its exercise's name; default none.
    :param side: the side worked; default none.
    :param rep: its repetition, from 1; default none.
    :param set: its set, from 1; default none.
    :param planned_seconds: its planned length; ``None`` for a step that waits for the button.
    """

    index: int
    kind: str
    number: int | None = None
    exercise: str | None = None
    side: str | None = None
    rep: int | None = None
    set: int | None = None
    planned_seconds: float | None = None


@dataclass(frozen=True)
class SessionStart:
    """What a new session's row holds.

    :param routine: the routine's slug, or its file's path when it is not in the library.
    :param routine_name: the routine's title.
    :param started: when it started, in epoch seconds.
    :param utc_offset: the local UTC offset then, in seconds.
    :param simulated: a simulated or instant session.
    :param owner: the process that runs it.
    :param exercises_total: how many exercises the routine has.
    :param steps: the plan's steps.
    :param routine_sha256: the routine file's SHA-256; default none.
    :param resumed_from: the interrupted session it carries on; default none.
    """

    routine: str
    routine_name: str
    started: float
    utc_offset: int
    simulated: bool
    owner: Owner
    exercises_total: int
    steps: tuple[PlannedStep, ...] = ()
    routine_sha256: str | None = None
    resumed_from: int | None = None


@dataclass(frozen=True)
class StepEnd:
    """How one step ended.

    :param index: the step's place in the plan.
    :param outcome: ``done``, ``skipped`` or ``missed``.
    :param actual_seconds: how long it ran, pauses left out; ``None`` when it never started.
    """

    index: int
    outcome: str
    actual_seconds: float | None


@dataclass(frozen=True)
class Pause:
    """One pause: ``seconds`` long, from ``at`` seconds into the session, in step ``step``."""

    step: int | None
    at: float
    seconds: float


@dataclass(frozen=True)
class CheckIn:
    """One "did that hurt?" answer: ``fine``, ``hurt`` or ``None`` (no answer).

    :param number: the exercise's number.
    :param exercise: the exercise's name.
    :param answer: the answer.
    :param at: seconds into the session.
    """

    number: int | None
    exercise: str
    answer: str | None
    at: float


@dataclass(frozen=True)
class Boundary:
    """What one step boundary commits, in one transaction.

    :param step_ends: the steps that ended since the last boundary.
    :param pauses: the pauses that ended since then.
    :param check_ins: the answers given since then.
    :param pain: pain values given since then, by moment (``before``, ``after``).
    :param step_index: the step now under way; default unchanged.
    :param exercise_number: the exercise now under way; default unchanged.
    :param outcome: how the session ended (``finished``, ``stopped``), when it did.
    :param ended: when it ended, in epoch seconds.
    :param at: when the boundary was, in epoch seconds; default not written.
    """

    step_ends: tuple[StepEnd, ...] = ()
    pauses: tuple[Pause, ...] = ()
    check_ins: tuple[CheckIn, ...] = ()
    pain: tuple[tuple[str, int | None], ...] = ()
    step_index: int | None = None
    exercise_number: int | None = None
    outcome: str | None = None
    ended: float | None = None
    at: float | None = None


# -- what is read --------------------------------------------------------------------


@dataclass(frozen=True)
class ExerciseRecord:
    """One exercise of a session: whether it was done, and whether it hurt."""

    number: int
    name: str
    done: bool
    hurt: bool


@dataclass(frozen=True)
class SessionRecord:
    """One session as the history tells it; :meth:`to_json` is ``coach history --format json``.

    :param id: its row's id.
    :param started: when it started, in epoch seconds.
    :param utc_offset: the UTC offset where it ran, in seconds.
    :param ended: when it ended; ``None`` when interrupted or still running.
    :param routine: the routine's slug or path.
    :param routine_name: the routine's title.
    :param outcome: ``finished``, ``stopped``, ``interrupted`` or ``running``.
    :param simulated: a simulated or instant session.
    :param exercises_done: exercises done (see :func:`_exercises`).
    :param exercises_total: exercises in the routine.
    :param seconds: the session's seconds from its start to its end (to its last
        step boundary when it was cut off or still runs), pauses left out:
        check-ins count.
    :param paused_seconds: seconds paused.
    :param pain_before: 0-10, or ``None``.
    :param pain_after: 0-10, or ``None``.
    :param flagged: pain rose by :data:`PAIN_RISE_FLAG` or more, or a "hurt" ended it.
    :param check_ins: each answer, as ``(exercise, answer)``.
    :param exercises: each exercise of the plan.
    :param resumed_from: the session it carried on; default none.
    :param routine_sha256: the routine file's SHA-256; default none.
    :param step_index: the step under way when last written; default none.
    :param exercise_number: the exercise under way when last written; default none.
    """

    id: int
    started: float
    utc_offset: int
    ended: float | None
    routine: str
    routine_name: str
    outcome: str
    simulated: bool
    exercises_done: int
    exercises_total: int
    seconds: float
    paused_seconds: float
    pain_before: int | None
    pain_after: int | None
    flagged: bool
    check_ins: tuple[tuple[str, str | None], ...] = ()
    exercises: tuple[ExerciseRecord, ...] = ()
    resumed_from: int | None = None
    routine_sha256: str | None = None
    step_index: int | None = None
    exercise_number: int | None = None

    def local(self, when: float) -> dt.datetime:
        """Epoch seconds ``when`` as a time at the session's UTC offset."""
        return local_time(when, self.utc_offset)

    @property
    def started_iso(self) -> str:
        """When it started: ISO 8601 with the offset, to the second."""
        return self.local(self.started).isoformat(timespec="seconds")

    @property
    def ended_iso(self) -> str | None:
        """When it ended, as :attr:`started_iso`; ``None`` when it has not."""
        return None if self.ended is None else self.local(self.ended).isoformat(timespec="seconds")

    def to_json(self) -> dict[str, Any]:
        """The session as one object of ``coach history --format json``."""
        return {
            "id": self.id,
            "started": self.started_iso,
            "ended": self.ended_iso,
            "routine": self.routine,
            "routine_name": self.routine_name,
            "outcome": self.outcome,
            "simulated": self.simulated,
            "exercises_done": self.exercises_done,
            "exercises_total": self.exercises_total,
            "seconds": round(self.seconds, 1),
            "paused_seconds": round(self.paused_seconds, 1),
            "pain_before": self.pain_before,
            "pain_after": self.pain_after,
            "flagged": self.flagged,
            "check_ins": [{"exercise": name, "answer": answer} for name, answer in self.check_ins],
            "exercises": [
                {"number": e.number, "name": e.name, "done": e.done, "hurt": e.hurt}
                for e in self.exercises
            ],
            "resumed_from": self.resumed_from,
        }


@dataclass(frozen=True)
class Interrupted:
    """A session cut off (a power cut, a crash) that can be carried on.

    :param id: its row's id, for the new session's ``resumed_from``.
    :param routine: the routine's slug or path.
    :param routine_name: the routine's title.
    :param routine_sha256: the routine file's SHA-256 then; ``None`` if unknown.
    :param started: when it started, in epoch seconds.
    :param step_index: the step it was in; ``None`` before the first.
    :param exercise_number: the exercise it was in; ``None`` outside the exercises.
    :param exercise: that exercise's name; ``None`` outside the exercises.
    :param pain_before: its pain before, 0-10; ``None`` when not known.
    :param hurts: its "hurt" answers, with those of the sessions it carried on.
    """

    id: int
    routine: str
    routine_name: str
    routine_sha256: str | None
    started: float
    step_index: int | None
    exercise_number: int | None
    exercise: str | None
    pain_before: int | None = None
    hurts: int = 0


# -- the store ---------------------------------------------------------------------


def local_time(when: float, offset: int) -> dt.datetime:
    """Epoch seconds ``when`` as a time at the UTC offset ``offset`` (seconds)."""
    return dt.datetime.fromtimestamp(when, dt.timezone(dt.timedelta(seconds=offset)))


def utc_offset(when: float) -> int:
    """The local UTC offset at epoch seconds ``when``, in seconds."""
    offset = dt.datetime.fromtimestamp(when).astimezone().utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


@dataclass
class HistoryStore:
    """The history file, open: writes in short transactions, reads as records.

    Safe to share between threads (one lock around the connection) and
    between processes (SQLite's locks). Open it with :meth:`open`::

        store = HistoryStore.open(history_path(), warn)
        for record in store.sessions():
            print(record.to_json())
        store.close()

    :param path: the file.
    :param db: its connection, in autocommit mode: every write is an explicit transaction.
    :param warn: takes one warning line.
    """

    path: Path
    db: sqlite3.Connection
    warn: Callable[[str], None]
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def open(cls, path: Path, warn: Callable[[str], None]) -> HistoryStore:
        """The file at ``path``, made (and its folder) if need be, at the current schema.

        A damaged file, or one that is not a database, is moved aside with one
        warning and a new one is started.

        :raises HistoryNewer: for a file of a newer schema (left as it is).
        :raises HistoryUnavailable: when the folder or file cannot be made, read or written.
        """
        try:
            return cls(path, _connect(path), warn)
        except HistoryCorrupt as exc:
            try:
                aside: Path | None = move_aside(path)
            except FileNotFoundError:
                aside = None  # another coach moved it aside just now
            except OSError as failed:
                raise HistoryUnavailable(
                    f"the history file {path} is damaged ({exc}) and cannot be moved aside: "
                    f"{failed.strerror or failed}"
                ) from failed
            if aside is not None:
                warn(
                    f"warning: the history file {path} is damaged ({exc}); moved it to "
                    f"{aside.name} and started a new one"
                )
            try:
                return cls(path, _connect(path), warn)
            except HistoryCorrupt as again:
                raise HistoryUnavailable(
                    f"cannot start a new history file {path}: {again}"
                ) from again

    def close(self) -> None:
        """Close the connection (a checkpoint folds the WAL back into the file)."""
        with self._lock:
            self.db.close()

    # -- writing -----------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (``BEGIN IMMEDIATE``): all of it or none."""
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    self.db.execute("ROLLBACK")
                raise
            try:
                self.db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    self.db.execute("ROLLBACK")
                raise

    def begin(self, start: SessionStart) -> int:
        """Write a new session, still open, and its planned steps; its id."""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO sessions (routine, routine_name, routine_sha256, started, "
                "utc_offset, simulated, pid, boot_id, process_start, exercises_total, "
                "resumed_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (start.routine, start.routine_name, start.routine_sha256, start.started,
                 start.utc_offset, int(start.simulated), start.owner.pid, start.owner.boot_id,
                 start.owner.start, start.exercises_total, start.resumed_from),
            )  # fmt: skip
            session = cursor.lastrowid
            assert session is not None
            db.executemany(
                "INSERT INTO steps (session, idx, kind, number, exercise, side, rep, "
                "set_number, planned_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(session, s.index, s.kind, s.number, s.exercise, s.side, s.rep, s.set,
                  s.planned_seconds) for s in start.steps],
            )  # fmt: skip
        return session

    def record(self, session: int, boundary: Boundary) -> None:
        """Commit one step boundary of ``session``: all of it in one transaction."""
        with self.transaction() as db:
            db.executemany(
                "UPDATE steps SET outcome = ?, actual_seconds = ? WHERE session = ? AND idx = ?",
                [(e.outcome, e.actual_seconds, session, e.index) for e in boundary.step_ends],
            )
            db.executemany(
                "INSERT INTO pauses (session, step, at, seconds) VALUES (?, ?, ?, ?)",
                [(session, p.step, p.at, p.seconds) for p in boundary.pauses],
            )
            db.executemany(
                "INSERT INTO check_ins (session, number, exercise, answer, at) "
                "VALUES (?, ?, ?, ?, ?)",
                [(session, c.number, c.exercise, c.answer, c.at) for c in boundary.check_ins],
            )
            for moment, value in boundary.pain:
                column = {"before": "pain_before", "after": "pain_after"}[moment]
                db.execute(f"UPDATE sessions SET {column} = ? WHERE id = ?", (value, session))
            if boundary.at is not None:
                db.execute(
                    "UPDATE sessions SET last_boundary = ? WHERE id = ?", (boundary.at, session)
                )
            if boundary.step_index is not None:
                db.execute(
                    "UPDATE sessions SET step_index = ?, exercise_number = ? WHERE id = ?",
                    (boundary.step_index, boundary.exercise_number, session),
                )
            if boundary.outcome is not None:
                db.execute(
                    "UPDATE sessions SET outcome = ?, ended = ? WHERE id = ?",
                    (boundary.outcome, boundary.ended, session),
                )

    def settle(self) -> list[int]:
        """Mark every open session whose process is gone ``interrupted``; their ids.

        The processes are asked first; the marks go in one transaction, which
        leaves alone a session that ended meanwhile.
        """
        with self._lock:
            rows = self.db.execute(
                "SELECT id, pid, boot_id, process_start FROM sessions WHERE outcome IS NULL"
            ).fetchall()
        boot = liveness.boot_id()
        dead = [r[0] for r in rows if not liveness.alive(Owner(r[1], r[2], r[3]), boot)]
        if dead:
            marks = ",".join("?" * len(dead))
            with self.transaction() as db:
                db.execute(
                    f"UPDATE sessions SET outcome = 'interrupted' "
                    f"WHERE outcome IS NULL AND id IN ({marks})",
                    dead,
                )
        return dead

    # -- reading -----------------------------------------------------------------------

    def sessions(self, limit: int | None = None) -> list[SessionRecord]:
        """Every session, oldest first (the last ``limit`` only, when given).

        Sessions whose process is gone are marked interrupted first; one whose
        process still runs reads as ``running``.
        """
        self.settle()
        with self._lock:
            query = (
                f"SELECT {', '.join(_SESSION_COLUMNS)} FROM sessions ORDER BY started DESC, id DESC"
            )
            rows = self.db.execute(query + (" LIMIT ?" if limit is not None else ""),
                                   (limit,) if limit is not None else ()).fetchall()  # fmt: skip
            rows.reverse()
            ids = [r[0] for r in rows]
            steps = self._by_session(
                "SELECT session, idx, number, exercise, outcome, actual_seconds FROM steps", ids
            )
            pauses = self._by_session("SELECT session, seconds FROM pauses", ids)
            check_ins = self._by_session(
                "SELECT session, number, exercise, answer FROM check_ins", ids, "rowid"
            )
        return [
            _record(dict(zip(_SESSION_COLUMNS, row)), steps.get(row[0], []),
                    pauses.get(row[0], []), check_ins.get(row[0], []))
            for row in rows
        ]  # fmt: skip

    def _by_session(
        self, select: str, ids: Sequence[int], order: str = "session"
    ) -> dict[int, list[tuple[Any, ...]]]:
        found: dict[int, list[tuple[Any, ...]]] = {}
        if not ids:
            return found
        low, high = min(ids), max(ids)
        rows = self.db.execute(
            f"{select} WHERE session BETWEEN ? AND ? ORDER BY session, {order}", (low, high)
        )
        wanted = set(ids)
        for row in rows:
            if row[0] in wanted:
                found.setdefault(row[0], []).append(tuple(row[1:]))
        return found

    def latest_interrupted(
        self, max_age_hours: float, now: float | None = None
    ) -> Interrupted | None:
        """The last session, when it was interrupted less than ``max_age_hours`` ago.

        Sessions still running elsewhere are passed over; one already carried
        on by a later session is not offered again.

        :param now: epoch seconds now; default the system clock.
        """
        self.settle()
        now = time.time() if now is None else now
        with self._lock:
            row = self.db.execute(
                "SELECT id, routine, routine_name, routine_sha256, started, step_index, "
                "exercise_number, outcome, pain_before FROM sessions WHERE outcome IS NOT NULL "
                "ORDER BY started DESC, id DESC LIMIT 1"
            ).fetchone()
            if row is None or row[7] != "interrupted" or row[4] < now - max_age_hours * 3600:
                return None
            resumed = self.db.execute(
                "SELECT 1 FROM sessions WHERE resumed_from = ? LIMIT 1", (row[0],)
            ).fetchone()
            if resumed is not None:
                return None
            name = None
            if row[6] is not None:
                found = self.db.execute(
                    "SELECT exercise FROM steps WHERE session = ? AND number = ? LIMIT 1",
                    (row[0], row[6]),
                ).fetchone()
                name = found[0] if found else None
            hurts = self._hurts(row[0])
        return Interrupted(
            row[0], row[1], row[2], row[3], row[4], row[5], row[6], name, row[8], hurts
        )

    def _hurts(self, session: int) -> int:
        """The "hurt" answers of ``session`` and of the sessions it carried on, in turn."""
        hurts = 0
        seen: set[int] = set()
        current: int | None = session
        while current is not None and current not in seen:
            seen.add(current)
            hurts += self.db.execute(
                "SELECT COUNT(*) FROM check_ins WHERE session = ? AND answer = 'hurt'", (current,)
            ).fetchone()[0]
            found = self.db.execute(
                "SELECT resumed_from FROM sessions WHERE id = ?", (current,)
            ).fetchone()
            current = found[0] if found else None
        return int(hurts)

    def session_days(self, simulated: bool = True) -> list[dt.date]:
        """The local date of every session, one per session, oldest first.

        A day with two sessions is there twice, as :func:`coach.adherence.adherence_line`
        wants it.

        :param simulated: count simulated sessions too; default yes.
        """
        where = "" if simulated else " WHERE simulated = 0"
        with self._lock:
            rows = self.db.execute("SELECT started, utc_offset FROM sessions" + where).fetchall()
        return sorted(local_time(started, offset).date() for started, offset in rows)

    def finished_days(
        self, routine: str, simulated: bool = True, excluding: int | None = None
    ) -> list[dt.date]:
        """The local date of every finished session of ``routine``, one per session.

        :param routine: the routine as the history names it (its slug, or its file's path).
        :param simulated: count simulated sessions too; default yes.
        :param excluding: a session left out (the one under way); default none.
        """
        where = "" if simulated else " AND simulated = 0"
        with self._lock:
            rows = self.db.execute(
                "SELECT started, utc_offset FROM sessions WHERE routine = ? "
                "AND outcome = 'finished' AND id IS NOT ?" + where,
                (routine, excluding),
            ).fetchall()
        return sorted(local_time(started, offset).date() for started, offset in rows)

    def last_started(self, simulated: bool = True) -> float | None:
        """When the last session started, in epoch seconds; ``None`` when there is none.

        :param simulated: count simulated sessions too; default yes.
        """
        where = "" if simulated else " WHERE simulated = 0"
        with self._lock:
            row = self.db.execute("SELECT max(started) FROM sessions" + where).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def count(self) -> int:
        """How many sessions the history holds."""
        with self._lock:
            return int(self.db.execute("SELECT count(*) FROM sessions").fetchone()[0])

    def quick_check(self) -> list[str]:
        """SQLite's ``PRAGMA quick_check``: ``["ok"]``, or what is wrong."""
        with self._lock:
            return [str(r[0]) for r in self.db.execute("PRAGMA quick_check").fetchall()]

    @property
    def version(self) -> int:
        """The file's schema version."""
        with self._lock:
            return int(self.db.execute("PRAGMA user_version").fetchone()[0])


_SESSION_COLUMNS = (
    "id", "started", "utc_offset", "ended", "routine", "routine_name", "outcome", "simulated",
    "exercises_total", "pain_before", "pain_after", "resumed_from", "routine_sha256",
    "step_index", "exercise_number", "last_boundary",
)  # fmt: skip


def _record(
    row: dict[str, Any],
    steps: list[tuple[Any, ...]],
    pauses: list[tuple[Any, ...]],
    check_ins: list[tuple[Any, ...]],
) -> SessionRecord:
    """One session's record from its rows."""
    answers = [(number, name, answer) for number, name, answer in check_ins]
    outcome = row["outcome"] or "running"
    cut_at = row["step_index"] if outcome == "stopped" else None
    exercises = _exercises(steps, answers, cut_at)
    before, after = row["pain_before"], row["pain_after"]
    risen = before is not None and after is not None and after >= before + PAIN_RISE_FLAG
    hurt_ended = outcome == "stopped" and bool(answers) and answers[-1][2] == "hurt"
    paused = float(sum(p[0] for p in pauses))
    return SessionRecord(
        id=row["id"],
        started=row["started"],
        utc_offset=row["utc_offset"],
        ended=row["ended"] if outcome in ("finished", "stopped") else None,
        routine=row["routine"],
        routine_name=row["routine_name"],
        outcome=outcome,
        simulated=bool(row["simulated"]),
        exercises_done=sum(e.done for e in exercises),
        exercises_total=row["exercises_total"],
        seconds=_seconds(row, outcome, paused, steps),
        paused_seconds=paused,
        pain_before=before,
        pain_after=after,
        flagged=risen or hurt_ended,
        check_ins=tuple((name, answer) for _, name, answer in answers),
        exercises=tuple(exercises),
        resumed_from=row["resumed_from"],
        routine_sha256=row["routine_sha256"],
        step_index=row["step_index"],
        exercise_number=row["exercise_number"],
    )


def _seconds(
    row: dict[str, Any], outcome: str, paused: float, steps: list[tuple[Any, ...]]
) -> float:
    """The session's time from its start to its end (or its last step boundary, when
    it was cut off or still runs), pauses left out: check-ins count, as the summary says.

    A session cut off before the history kept its last boundary's time (schema 3
    and earlier) has only its steps' own seconds, summed.
    """
    end = row["ended"] if outcome in ("finished", "stopped") else None
    if end is None:
        end = row["last_boundary"]
    if end is None:
        return float(sum(s[4] or 0.0 for s in steps))
    return max(0.0, float(end) - float(row["started"]) - paused)


def _exercises(
    steps: list[tuple[Any, ...]],
    answers: list[tuple[int | None, str, str | None]],
    cut_at: int | None = None,
) -> list[ExerciseRecord]:
    """Each exercise of the plan: done when the session went past its last step with
    none of them missed, and none cut short by a "hurt" answer.

    :param cut_at: the step a stopped session ended in: unless it ran to its end
        (``done``), its exercise was not gone past. An exercise whose steps all
        ran to their end is done, however the session ended after them.
    """
    names: dict[int, str] = {}
    outcomes: dict[int, list[str | None]] = {}
    for index, number, name, outcome, _ in steps:
        if number is None:
            continue
        names.setdefault(number, name or "")
        cut = index == cut_at and outcome != "done"
        outcomes.setdefault(number, []).append(None if cut else outcome)
    hurt = {number for number, _, answer in answers if answer == "hurt"}
    found = []
    for number in sorted(names):
        ended = outcomes[number]
        done = all(o is not None for o in ended) and "missed" not in ended
        if number in hurt and "skipped" in ended:
            done = False
        found.append(ExerciseRecord(number, names[number], done, number in hurt))
    return found


# -- the file ------------------------------------------------------------------------


def _connect(path: Path) -> sqlite3.Connection:
    """A connection to the file at the current schema; see :meth:`HistoryStore.open`.

    Another process may be making the same new file, or switching it to WAL,
    at this very moment: a busy file is tried again until :data:`BUSY_TIMEOUT_SECONDS`.
    """
    try:
        _make_file(path)
    except OSError as exc:
        where = exc.filename if exc.filename is not None else path
        raise HistoryUnavailable(
            f"cannot use the history file {path}: {exc.strerror or exc}: {os.fspath(where)}"
        ) from exc
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            return _set_up(path)
        except sqlite3.Error as exc:
            if _is_busy(exc) and time.monotonic() < deadline:
                time.sleep(0.02)
                continue
            if _is_corrupt(exc):
                raise HistoryCorrupt(str(exc)) from exc
            raise HistoryUnavailable(f"cannot use the history file {path}: {exc}") from exc


def _set_up(path: Path) -> sqlite3.Connection:
    """Connect, check the version, switch to WAL and migrate; the connection."""
    db = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
    )
    try:
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise HistoryNewer(
                f"the history file {path} was written by a newer version of the coach "
                f"(schema {version}; this one knows {SCHEMA_VERSION}); it is left as it is"
            )
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        mode = str(db.execute("PRAGMA journal_mode").fetchone()[0]).lower()
        if mode != "wal":  # WAL stays set in the file: only a new file is switched
            mode = str(db.execute("PRAGMA journal_mode = WAL").fetchone()[0]).lower()
        if mode != "wal":
            raise HistoryUnavailable(f"the history file {path} cannot be written (journal {mode})")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA foreign_keys = ON")
        migrate(db)
        return db
    except BaseException:
        db.close()
        raise


def _is_busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return int(code) & 0xFF in (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED
    return "locked" in str(exc) or "busy" in str(exc)


def migrate(db: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Take the file to schema ``target`` in one transaction; the version it was at.

    Two processes may open an old file at once: the version is read again
    inside the transaction, so each migration runs once.
    """
    found = int(db.execute("PRAGMA user_version").fetchone()[0])
    if found >= target:
        return found
    db.execute("BEGIN IMMEDIATE")
    try:
        found = int(db.execute("PRAGMA user_version").fetchone()[0])
        for statements in MIGRATIONS[found:target]:
            for statement in statements:
                db.execute(statement)
        db.execute(f"PRAGMA user_version = {max(found, target)}")
        db.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")
        raise
    return found


def _is_corrupt(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return int(code) & 0xFF in _CORRUPT_CODES
    # Python 3.10 has no error codes: damage is a DatabaseError that is not operational.
    return not isinstance(exc, sqlite3.OperationalError)


def _make_file(path: Path) -> None:
    """The folder (0700 when made here) and the file (0600), made if missing.

    SQLite gives the ``-wal`` and ``-shm`` files the main file's mode; a file
    made looser by hand is tightened, with them.
    """
    folder = path.parent
    if not folder.is_dir():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(folder, 0o700)  # mkdir's mode passes through the umask
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            other = Path(f"{path}{suffix}")
            if other.stat().st_mode & 0o077:
                os.chmod(other, 0o600)


def move_aside(path: Path, now: float | None = None) -> Path:
    """Move a damaged file (and its ``-wal``) to ``NAME.corrupt-YYYYmmdd-HHMMSS``; the new path.

    Its ``-shm`` (an index SQLite rebuilds) is removed.
    """
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    os.replace(path, aside)
    with contextlib.suppress(FileNotFoundError):
        os.replace(f"{path}-wal", f"{aside}-wal")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(f"{path}-shm")
    return aside
