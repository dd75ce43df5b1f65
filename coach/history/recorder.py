"""The history recorder: a runtime listener that writes a session as it happens.

It turns the session's events (``state``, ``step``, ``step_end``,
``check_in``, ``pain``) into rows: the session's row at its first
``running`` state, then at every step boundary one transaction with the
steps that ended, the pauses, answers and pain given since the last one,
and the step now under way. A power cut loses at most the step in progress.

The runtime's thread never waits for the disk: it only puts work on a
queue, which one writer thread of the recorder's own commits in order.
:meth:`HistoryRecorder.close` waits for it to finish. A write that fails (a
full disk, a file gone read-only) gives one warning; the recorder then stops
recording and the session goes on.

::

    recorder = HistoryRecorder.for_session(store, routine, plan, simulated=True)
    runtime = Runtime(clock, voice, listeners=[recorder])
    ...
    recorder.close()
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from coach.events import Event
from coach.history import liveness
from coach.history.store import (
    Boundary,
    CheckIn,
    HistoryStore,
    Pause,
    PlannedStep,
    SessionStart,
    StepEnd,
    utc_offset,
)
from coach.library import Library
from coach.plan import Plan, Step
from coach.routine import Routine

#: Largest routine file hashed (a routine file is far smaller; the loader caps it too).
_HASH_LIMIT = 4 * 1024 * 1024


@dataclass
class _Current:
    """The step under way: where it is in the plan, when it started, time paused in it."""

    index: int
    number: int | None
    started: float
    paused: float = 0.0


def routine_reference(routine: Routine, library: Library | None) -> str:
    """The routine as the history names it: its slug when ``library`` finds that name
    to be this file, else the file's absolute path (or the slug when it has no file).
    """
    if not routine.source:
        return routine.slug or routine.name
    if library is not None and routine.slug:
        with contextlib.suppress(Exception):
            if os.path.samefile(library.resolve(routine.slug), routine.source):
                return routine.slug
    return str(Path(routine.source).resolve())


def file_sha256(path: str) -> str | None:
    """The SHA-256 of the file at ``path`` in hex; ``None`` when it cannot be read."""
    if not path:
        return None
    try:
        with open(path, "rb") as file:
            return hashlib.sha256(file.read(_HASH_LIMIT)).hexdigest()
    except OSError:
        return None


def planned_steps(steps: Sequence[Step]) -> tuple[PlannedStep, ...]:
    """The plan's steps as the history stores them."""
    return tuple(
        PlannedStep(i, s.kind, s.number, s.exercise, s.side, s.rep, s.set, s.duration_seconds)
        for i, s in enumerate(steps)
    )


class HistoryRecorder:
    """Writes one session into the history; a :data:`~coach.events.Listener` of the runtime.

    :param store: the open history.
    :param routine: the routine the session runs.
    :param steps: the plan's steps, in order.
    :param simulated: a simulated or instant session (marked so in the history).
    :param resumed_from: the interrupted session this one carries on; default none.
    :param reference: how the history names the routine, or what works it out
        (asked on the writer thread, as the session begins); default its slug.
    :param warn: takes the one warning of a failed write; default the store's.
    :param wall: epoch seconds now; default the system clock.
    :param pain_before: pain before known as the session starts (the interrupted
        session's, carrying on), recorded as this session's; default none.
    """

    def __init__(
        self,
        store: HistoryStore,
        routine: Routine,
        steps: Sequence[Step],
        simulated: bool,
        resumed_from: int | None = None,
        reference: str | Callable[[], str] | None = None,
        warn: Callable[[str], None] | None = None,
        wall: Callable[[], float] = time.time,
        pain_before: int | None = None,
    ) -> None:
        self.store = store
        self.pain_before = pain_before
        self.routine = routine
        self.steps = tuple(steps)
        self.simulated = simulated
        self.resumed_from = resumed_from
        self._reference = reference
        self.warn = warn or store.warn
        self.wall = wall
        #: The session's row, once written.
        self.session_id: int | None = None
        #: Set when a write failed, or an event could not be read: nothing more is recorded.
        self.failed = False
        self._write_failed = False
        self._jobs: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._writer = threading.Thread(target=self._write_all, name="history-writer", daemon=True)
        self._writer.start()
        self._begun = False
        self._ended = False
        self._t0 = 0.0
        self._wall0 = 0.0
        self._last_t = 0.0
        self._current: _Current | None = None
        self._last_index: int | None = None
        self._ended_steps: set[int] = set()
        self._paused_at: float | None = None
        self._step_ends: list[StepEnd] = []
        self._pauses: list[Pause] = []
        self._check_ins: list[CheckIn] = []
        self._pain: list[tuple[str, int | None]] = []

    @classmethod
    def for_session(
        cls,
        store: HistoryStore,
        routine: Routine,
        plan: Plan,
        simulated: bool,
        resumed_from: int | None = None,
        library: Library | None = None,
        warn: Callable[[str], None] | None = None,
        wall: Callable[[], float] = time.time,
        pain_before: int | None = None,
    ) -> HistoryRecorder:
        """A recorder for a session of ``plan``; the routine is named by its slug when
        ``library`` has it, else by its file's path (see :func:`routine_reference`).
        ``wall`` gives epoch seconds now: the run's clock, virtual or not;
        ``pain_before`` is the pain before already known (carrying on).
        """
        # Looking the routine up in the library reads its folders: not on the runtime's thread.
        reference = functools.partial(routine_reference, routine, library)
        return cls(
            store, routine, plan.steps, simulated, resumed_from, reference, warn, wall, pain_before
        )

    @functools.cached_property
    def reference(self) -> str:
        """How the history names the routine: its slug, or its file's path."""
        reference = self._reference
        if callable(reference):
            return reference()
        return reference or self.routine.slug or self.routine.name

    # -- the listener --------------------------------------------------------------------

    def __call__(self, event: Event) -> None:
        """Take one event of the session; never waits for the disk, never raises.

        An event it cannot read gives one warning and ends the recording, as a
        failed write does: the session goes on.
        """
        if self._ended or self.failed:
            return
        try:
            self._take(event)
        except (KeyError, TypeError, ValueError) as exc:
            self.failed = True  # what was queued before is still written
            self.warn(f"warning: the history cannot read {event.to_json()} ({exc!r}); "
                      "the rest of this session is not recorded")  # fmt: skip

    def _take(self, event: Event) -> None:
        self._last_t = event.t
        data = event.data
        kind: str = event.type  # step_end, check_in and pain are new to the vocabulary
        if kind == "state":
            self._state(event.t, str(data.get("state")))
        elif kind == "step":
            self._step(event.t, int(data["index"]), data.get("number"))
        elif kind == "step_end":
            self._step_end(event.t, int(data["index"]), str(data.get("outcome", "done")))
        elif kind == "check_in":
            number = data.get("number")
            exercise = str(data.get("exercise") or "")
            self._check_ins.append(CheckIn(number, exercise, data.get("answer"), event.t))
        elif kind == "pain" and data.get("moment") in ("before", "after"):
            self._pain.append((str(data["moment"]), data.get("value")))

    def _state(self, t: float, state: str) -> None:
        if state == "running":
            if not self._begun:
                self._begin(t)
            else:
                self._resume(t)
        elif state == "paused" and self._begun:
            self._paused_at = t
        elif state in ("finished", "stopped") and self._begun:
            self._finish(t, state)

    def _begin(self, t: float) -> None:
        self._begun = True
        self._t0 = t
        self._wall0 = self.wall()
        started = self._wall0

        def begin() -> None:
            start = SessionStart(
                routine=self.reference,
                routine_name=self.routine.name,
                started=started,
                utc_offset=utc_offset(started),
                simulated=self.simulated,
                owner=liveness.this_process(),
                exercises_total=len(self.routine.exercises),
                steps=planned_steps(self.steps),
                routine_sha256=file_sha256(self.routine.source),
                resumed_from=self.resumed_from,
            )
            self.session_id = self.store.begin(start)
            if self.pain_before is not None:
                # Carried over from the interrupted session, and kept even if this
                # one is cut off too: pain after is weighed against it.
                pain = Boundary(pain=(("before", self.pain_before),))
                self.store.record(self.session_id, pain)

        self._jobs.put(begin)

    def _resume(self, t: float) -> None:
        if self._paused_at is None:
            return
        seconds = max(0.0, t - self._paused_at)
        step = self._current.index if self._current is not None else None
        if self._current is not None:
            self._current.paused += seconds
        self._pauses.append(Pause(step, self._paused_at - self._t0, seconds))
        self._paused_at = None

    def _step(self, t: float, index: int, number: int | None) -> None:
        if self._current is not None:
            self._close_current(t, "done")
        if self._last_index is not None:
            # Steps passed over with no word of their own never started.
            for passed in range(self._last_index + 1, index):
                if passed not in self._ended_steps:
                    self._step_ends.append(StepEnd(passed, "missed", None))
                    self._ended_steps.add(passed)
        if number is None and 0 <= index < len(self.steps):
            number = self.steps[index].number
        self._current = _Current(index, number, t)
        self._last_index = index
        self._flush(Boundary(step_index=index, exercise_number=number), t)

    def _step_end(self, t: float, index: int, outcome: str) -> None:
        if self._current is not None and self._current.index == index:
            self._close_current(t, outcome)
        elif index not in self._ended_steps:
            self._step_ends.append(StepEnd(index, outcome, None))
            self._ended_steps.add(index)

    def _close_current(self, t: float, outcome: str) -> None:
        current = self._current
        assert current is not None
        paused = current.paused + (t - self._paused_at if self._paused_at is not None else 0.0)
        actual = max(0.0, t - current.started - paused)
        self._step_ends.append(StepEnd(current.index, outcome, round(actual, 3)))
        self._ended_steps.add(current.index)
        self._current = None

    def _finish(self, t: float, outcome: str) -> None:
        if self._paused_at is not None:
            self._resume(t)
        if self._current is not None:
            self._close_current(t, "done" if outcome == "finished" else "skipped")
        self._ended = True
        ended = self._wall0 + (t - self._t0)
        self._flush(Boundary(outcome=outcome, ended=ended), t)

    def _flush(self, boundary: Boundary, t: float) -> None:
        """Queue one boundary, at ``t`` on the run's clock, with everything gathered
        since the last one.
        """
        whole = Boundary(
            step_ends=tuple(self._step_ends),
            pauses=tuple(self._pauses),
            check_ins=tuple(self._check_ins),
            pain=tuple(self._pain),
            step_index=boundary.step_index,
            exercise_number=boundary.exercise_number,
            outcome=boundary.outcome,
            ended=boundary.ended,
            at=self._wall0 + (t - self._t0),
        )
        self._step_ends.clear()
        self._pauses.clear()
        self._check_ins.clear()
        self._pain.clear()
        if self._begun:
            self._jobs.put(lambda: self._commit(whole))

    def _commit(self, boundary: Boundary) -> None:
        if self.session_id is not None:
            self.store.record(self.session_id, boundary)

    # -- the writer ----------------------------------------------------------------------

    def _write_all(self) -> None:
        """The writer thread: every job in order until :meth:`close`."""
        while True:
            job = self._jobs.get()
            try:
                if job is None:
                    return
                if not self._write_failed:
                    job()
            except Exception as exc:  # a full disk, a lost file: never the session's end
                self._write_failed = self.failed = True
                self.warn(
                    f"warning: cannot write the history file {self.store.path} ({exc}); "
                    "the rest of this session is not recorded"
                )
            finally:
                self._jobs.task_done()

    def wait(self) -> None:
        """Wait until everything queued so far is written (or has failed)."""
        self._jobs.join()

    def close(self) -> None:
        """Wait until everything is written; a session that has not ended is ended ``stopped``.

        A session that ends without its final state (a quit) has ended on
        purpose: only one whose process died stays open, to be found
        interrupted. Call it once, after the runtime returns.
        """
        if self._begun and not self._ended and not self.failed:
            self._finish(self._last_t, "stopped")
        self._ended = True
        self._jobs.put(None)
        self._writer.join()
