"""Playing WAV files through a player process started ahead, and stopped at once.

``aplay`` plays to an ALSA device directly (a boot service cannot reach a
desktop's PipeWire) and stops at once when killed. Starting it costs a fork
and an exec, which on a Raspberry Pi Zero takes longer than a cue can wait;
so the player keeps a *spare* started ahead: ``aplay -q [-D device] -``,
which opens the sound device and then waits, blocked, on its standard input.
When a cue falls due, :meth:`AudioPlayer.play` kills whatever plays (by its
own pid), writes the first part of the file into the spare's stdin (the
moment the sound starts) and returns; the writer thread hands over the rest
of a long phrase, and the starter thread starts the next spare. The thread
that calls play() never forks, execs or waits for a child; a cue that comes
before the next spare is up goes to it as soon as it is.

Nothing polls: a spare blocks reading its stdin, the starter waits on a
condition, the writer on its queue (or a full pipe), and each child's
watcher thread on its child, which it reaps. If the coach dies without
closing the player, the spare reads the end of its stdin and exits.

Some ALSA devices take one player at a time (``hw`` and ``plughw``: the
Raspberry Pi's headphone jack and HDMI); there a spare started while a
phrase plays finds the device busy and exits. The player takes that as the
device's nature, not a failure: from then on it starts each spare once the
phrase before has ended, and a cue that cuts a phrase is handed to the
spare started as soon as the cut one is gone.

A missing player or sound device is never fatal: the coach warns once (at
the first cue that cannot be heard), carries on in text, and tries again on
every cue, never in a loop: while playing fails nothing is started ahead.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO, NamedTuple

APLAY_HINT = "install it with: sudo apt install alsa-utils"
#: The most that play() writes itself: a pipe's whole buffer on Linux, taken
#: without waiting because the write end is non-blocking; a writer thread
#: hands over the rest.
FIRST_CHUNK_BYTES = 65536
#: How long close() waits for its children to be gone (they are killed, so
#: this is only a bound).
CLOSE_TIMEOUT_SECONDS = 5.0


def aplay_command(device: str | None) -> list[str]:
    """The quiet ``aplay`` command line, playing to ALSA ``device`` (else the default one)."""
    command = ["aplay", "-q"]
    if device:
        command += ["-D", device]
    return command


class _Child:
    """One player process: a spare until it is handed a file."""

    def __init__(self, proc: subprocess.Popen[bytes], stdin: int, beside: bool) -> None:
        self.proc = proc
        #: The write end of its stdin; the player's until the child is handed a
        #: file, then play()'s or its writer's, which close it.
        self.stdin = stdin
        #: Another of our players was alive when it started (a busy device's suspect).
        self.beside = beside
        self.used = False  # handed a file
        self.killed = False  # by us: its end is no failure
        self.gone = False  # exited and reaped


class AudioPlayer:
    """Plays one WAV file at a time in a player process started ahead; stops at once.

    The player process for the next file (the spare) is started before it is
    needed, so :meth:`play` only writes into a pipe. Failing to play (no
    player, no sound device) is never raised: it is told once through
    ``warn``, the session carries on in text, and every new file tries again.
    Call :meth:`close` when done: it ends the spare too.

    :param command: the player's command line before the file, which is
        ``-`` (read the WAV from stdin, header included); default ``aplay -q
        [-D device]``.
    :param device: the ALSA device of the default command; default the system's.
    :param warn: gets a line when playing starts to fail, and when it works
        again; default: nothing.
    :param on_started: called with ``time.monotonic()`` as the first bytes of
        each file are handed to the player process (to measure cue onset);
        default none.
    :param ahead: start the spare now (the default); False for a player that
        may never play (a preview only renders), which starts it at its first
        :meth:`play`.
    """

    def __init__(
        self,
        command: Sequence[str] | None = None,
        device: str | None = None,
        warn: Callable[[str], None] | None = None,
        on_started: Callable[[float], None] | None = None,
        *,
        ahead: bool = True,
    ) -> None:
        self.command = list(command) if command else aplay_command(device)
        self._warn = warn or (lambda _message: None)
        self._on_started = on_started
        self._cond = threading.Condition()
        self._children: set[_Child] = set()  # started and not reaped yet
        self._spare: _Child | None = None
        self._current: _Child | None = None
        self._pending: _File | None = None  # a file waiting for the next spare
        self._starting = False  # a spare is asked for, or being started
        self._starter: threading.Thread | None = None  # starts spares when asked
        self._writes: queue.SimpleQueue[_Write | None] = queue.SimpleQueue()
        self._one_at_a_time = False  # the device refuses a second player
        self._busy_suspect = False  # a spare ended beside a phrase: is the device busy?
        self._missing = ""  # why the last start failed, when the program was not found
        self._asked = False  # play() has been called: failures are told from then on
        self._closed = False
        self._warned = False
        self._failures = 0  # how many attempts to play failed, ever
        #: True while the last attempt to play failed; cleared by the next success.
        self.failing = False
        if ahead:
            with self._cond:
                self._start_spare()

    # -- what callers use -------------------------------------------------------------

    def play(self, path: Path) -> bool:
        """Stop whatever plays and start ``path``; False when it could not start.

        Returns at once: the file goes to the spare waiting ahead, or, when
        there is none yet, to the next one as soon as it is up.
        """
        try:
            file = _File.open(path)  # before the lock: reading may let other threads run
        except FileNotFoundError:
            # The file went (the cache was cleared): no fault of the sound device.
            with self._cond:
                self._stop_locked()
            return False
        except OSError as exc:
            with self._cond:
                self._asked = True
                self._stop_locked()
                self._failed(f"cannot read {path}: {exc.strerror}")
            return False
        with self._cond:
            if self._closed:
                file.source.close()
                return False
            self._asked = True
            self._drop_pending()
            last = self._current
            spare, self._spare = self._spare, None
            if spare is not None and not self._missing and self._hand(spare, file):
                # The new phrase has its first bytes; the last one is killed now,
                # long before the new one can sound (its player has yet to set
                # the device up). The other way round, the threads that the kill
                # wakes would hold up the first write.
                if last is not None:
                    self._kill(last)
                self._start_next()
                return True
            self._stop_locked()
            if self._missing:
                file.source.close()
                self._tell(self._missing)
                self._start_spare()  # look for it again, once per cue
                return False
            self._pending = file
            self._start_spare()
            return True

    def stop(self) -> None:
        """Stop the file playing now, if any: its player is killed; the spare stays ready."""
        with self._cond:
            self._stop_locked()

    def wait(self, timeout: float | None = None) -> None:
        """Let the current file play to its end (used by ``coach say``).

        Returns once no file plays and every player process that played one
        (or was stopped) is gone, or after ``timeout`` seconds.
        """
        with self._cond:
            self._cond.wait_for(self._quiet, timeout)

    def ready(self, timeout: float | None = None) -> bool:
        """Wait until a spare player is started; False when starting one failed, or timed out."""
        with self._cond:
            self._cond.wait_for(lambda: self._spare is not None or not self._starting, timeout)
            return self._spare is not None

    def close(self) -> None:
        """Stop playing and end the spare: no player process outlives this."""
        with self._cond:
            self._closed = True
            self._drop_pending()
            for child in self._children:
                self._kill(child)
            self._writes.put(None)  # the writer ends once it has nothing left to hand over
            self._cond.notify_all()
            self._cond.wait_for(
                lambda: not self._children and not self._starting, CLOSE_TIMEOUT_SECONDS
            )

    @property
    def playing(self) -> bool:
        """True while a file is still playing (or waiting for its player)."""
        with self._cond:
            return self._pending is not None or self._playing_child() is not None

    @property
    def pid(self) -> int | None:
        """The process id of the player child playing now; None when nothing plays.

        Read-only, for diagnostics and tests: the player starts and stops its
        children itself, so nothing else should signal this pid.
        """
        with self._cond:
            child = self._playing_child()
            return child.proc.pid if child is not None else None

    # -- under the lock ---------------------------------------------------------------

    def _playing_child(self) -> _Child | None:
        child = self._current
        return child if child is not None and not (child.gone or child.killed) else None

    def _quiet(self) -> bool:
        return self._pending is None and not any(c.used for c in self._children)

    def _stop_locked(self) -> None:
        self._drop_pending()
        if self._current is not None:
            self._kill(self._current)
        self._cond.notify_all()

    def _drop_pending(self) -> None:
        if self._pending is not None:
            self._pending.source.close()
            self._pending = None

    def _kill(self, child: _Child) -> None:
        """SIGKILL to our own child, by its pid; it is not reaped yet, so the pid is its own."""
        if not child.gone and not child.killed:
            child.killed = True
            with contextlib.suppress(ProcessLookupError):  # reaped elsewhere (no waitid)
                os.kill(child.proc.pid, signal.SIGKILL)

    def _hand(self, child: _Child, file: _File) -> bool:
        """Write the start of ``file`` to ``child``; False (and nothing used) if it has died."""
        try:
            written = os.write(child.stdin, file.head)  # non-blocking: never waits
        except BlockingIOError:
            written = 0
        except OSError:  # a broken pipe: it died, and its watcher will say how
            return False
        started = time.monotonic()
        child.used = True
        self._current = child
        stdin, child.stdin = child.stdin, -1
        rest = file.head[written:]
        if rest or len(file.head) == FIRST_CHUNK_BYTES:
            os.set_blocking(stdin, True)
            self._writes.put(_Write(stdin, rest, file.source))
        else:
            file.source.close()
            os.close(stdin)  # the whole file is in the pipe: the player reads to its end
        if self._on_started is not None:
            self._on_started(started)
        return True

    def _start_next(self) -> None:
        """After a file is handed over: the next spare, unless playing fails.

        While it fails (no sound device) nothing is started ahead: each cue
        starts its own player, and a phrase that plays starts the spares again.
        """
        if not self.failing:
            self._start_spare()

    def _start_spare(self) -> None:
        """Ask the starter thread for the next spare, unless one is there or on its way."""
        if self._closed or self._starting or self._spare is not None:
            return
        self._starting = True
        if self._starter is None:  # the first time: the helper threads, once for all
            self._starter = _daemon(self._start_spares, "coach-player-starter")
            _daemon(_write_files, "coach-player-writer", self._writes)
        self._cond.notify_all()

    # -- on helper threads ------------------------------------------------------------

    def _start_spares(self) -> None:
        """Start a spare whenever one is asked for, and give it the file waiting (if any)."""
        while True:
            with self._cond:
                self._cond.wait_for(self._may_start)
                if self._closed:
                    self._starting = False
                    self._cond.notify_all()
                    return
                command = [*self.command, "-"]
                beside = bool(self._children)
                failures = self._failures
            try:
                child = _start(command, beside)
            except OSError as exc:
                with self._cond:
                    self._starting = False
                    self._drop_pending()
                    if isinstance(exc, FileNotFoundError):
                        missing = f"no audio player: '{command[0]}' was not found; {APLAY_HINT}"
                        self._missing = missing
                        self._failed(missing)
                    else:
                        self._failed(f"cannot start the audio player: {exc}")
                    self._cond.notify_all()
                continue
            with self._cond:
                self._starting = False
                self._missing = ""
                self._children.add(child)
                pending, self._pending = self._pending, None
                if self._closed or (pending is None and self._failures != failures):
                    self._kill(child)  # started before playing failed: the next cue starts afresh
                elif pending is None:
                    self._spare = child
                elif self._hand(child, pending):
                    self._start_next()
                else:
                    pending.source.close()  # it died at once; its watcher tells how
                self._cond.notify_all()
            _daemon(self._watch, "coach-player-watcher", child)

    def _may_start(self) -> bool:
        if self._closed:
            return True
        # A device that takes one player at a time must be free first.
        one = self._one_at_a_time or self._busy_suspect
        return self._starting and not (one and self._children)

    def _watch(self, child: _Child) -> None:
        """Wait for ``child`` to end, reap it, and tell how it went."""
        proc = child.proc
        assert proc.stderr is not None
        with proc.stderr:
            error = proc.stderr.read().decode(errors="replace").strip()
        _wait_exited(proc)
        with self._cond:
            proc.wait()  # reaps it: it has exited, so this takes no time
            child.gone = True
            self._children.discard(child)
            if child.stdin >= 0:
                os.close(child.stdin)
                child.stdin = -1
            if self._spare is child:
                self._spare = None
            self._ended(child, error)
            self._cond.notify_all()

    def _ended(self, child: _Child, error: str) -> None:
        if child.killed or self._closed:
            if child.used:
                self._device_free()
            return
        if child.proc.returncode == 0:
            if child.used:
                self._recovered()
                self._device_free()
            return  # unused: a player that would not wait; the next cue starts one
        if child.beside and not self.failing:
            # Started while a phrase of ours played, and ended badly: most likely
            # the device takes one player at a time. Until that phrase ends (well:
            # it is so; badly: the device fails) the next spare waits for it.
            self._busy_suspect = True
            if not any(c.used for c in self._children):
                self._device_free()
            return
        self._busy_suspect = False  # the device fails: that is why the spare ended
        if self._spare is not None:  # started before this failed: the next cue starts afresh
            self._kill(self._spare)
            self._spare = None
        name = Path(self.command[0]).name
        detail = error.splitlines()[-1] if error else f"exit status {child.proc.returncode}"
        if not detail.startswith(f"{name}:"):
            detail = f"{name}: {detail}"
        self._failed(f"no audio device ({detail})")  # tried again on the next cue, not before

    def _device_free(self) -> None:
        """A phrase has ended well, or was cut: the device is free for the next spare."""
        if self._busy_suspect:
            self._busy_suspect = False
            self._one_at_a_time = True  # from now on each spare waits for the device
        self._start_next()

    def _failed(self, reason: str) -> None:
        self.failing = True
        self._failures += 1
        self._tell(reason)

    def _tell(self, reason: str) -> None:
        """Warn, once until it works again; not before a file was asked for.

        A spare that fails before any cue (no sound card yet at boot) is
        noticed, and the first cue tries again: only a cue that cannot be
        heard is worth a warning, as a preview or a failed start is not.
        """
        if self._asked and not self._warned:
            self._warned = True
            self._warn(f"{reason}; carrying on in text, and trying again on every cue")

    def _recovered(self) -> None:
        if self.failing:
            self.failing = False
            if self._warned:
                self._warned = False
                self._warn("audio is playing again")


def _start(command: list[str], beside: bool) -> _Child:
    """Start a player reading from a new pipe; it writes only to its stderr pipe."""
    read_end, write_end = os.pipe()
    try:
        proc = subprocess.Popen(
            command,
            stdin=read_end,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # a Ctrl-C at the terminal is the coach's to handle
        )
    except BaseException:
        os.close(write_end)
        raise
    finally:
        os.close(read_end)
    os.set_blocking(write_end, False)
    return _Child(proc, write_end, beside)


class _File(NamedTuple):
    """A file to play: its first bytes, read already, and the open file for the rest."""

    head: bytes
    source: BinaryIO

    @classmethod
    def open(cls, path: Path) -> _File:
        source = open(path, "rb")  # noqa: SIM115 - closed by whoever writes its end
        try:
            return cls(source.read(FIRST_CHUNK_BYTES), source)
        except BaseException:
            source.close()
            raise


class _Write(NamedTuple):
    """The rest of a file for a player: ``rest`` of what play() read, then ``source``."""

    stdin: int
    rest: bytes
    source: BinaryIO


def _write_files(writes: queue.SimpleQueue[_Write | None]) -> None:
    """The writer thread: hands the rest of each long file to its player, one after another.

    A write blocks while the pipe is full, as long as the player takes to
    play it; a player killed meanwhile breaks the pipe, which ends the write
    at once, so the next file never waits behind a stopped one.
    """
    while (write := writes.get()) is not None:
        try:
            with write.source:
                data = write.rest or write.source.read(FIRST_CHUNK_BYTES)
                while data:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(write.stdin, view) :]
                    data = write.source.read(FIRST_CHUNK_BYTES)
        except OSError:
            pass  # the player was stopped (a broken pipe) or died; its watcher tells
        finally:
            os.close(write.stdin)


def _daemon(target: Callable[..., None], name: str, *args: object) -> threading.Thread:
    thread = threading.Thread(target=target, name=name, args=args, daemon=True)
    thread.start()
    return thread


def _wait_exited(proc: subprocess.Popen[bytes]) -> None:
    """Block until ``proc`` has exited, leaving it to be reaped under the player's lock.

    Until it is reaped its pid stays its own, so a kill can never reach
    another process. Where ``waitid`` is missing, it is reaped here instead.
    """
    waitid = getattr(os, "waitid", None)
    if waitid is None:
        proc.wait()
        return
    with contextlib.suppress(ChildProcessError):  # reaped already
        waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
