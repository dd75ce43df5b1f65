"""Playing WAV files through a child process that can be stopped at once.

``aplay`` plays to an ALSA device directly (a boot service cannot reach a
desktop's PipeWire), starts in a few milliseconds, and stops at once on
SIGTERM. It is started without a shell and stopped by its own pid only.
A missing player or sound device is never fatal: the coach warns once,
carries on in text, and tries again on the next cue.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

#: How long a stopped player gets to exit on SIGTERM before it is killed.
STOP_GRACE_SECONDS = 0.04
APLAY_HINT = "install it with: sudo apt install alsa-utils"


def aplay_command(device: str | None) -> list[str]:
    """The quiet ``aplay`` command line, playing to ALSA ``device`` (else the default one)."""
    command = ["aplay", "-q"]
    if device:
        command += ["-D", device]
    return command


class AudioPlayer:
    """Plays one WAV file at a time in a player child process that it can stop at once.

    Failing to play (no player, no sound device) is never raised: it is told
    once through ``warn``, the session carries on in text, and every new file
    tries again.

    :param command: the player's command line before the file name; default
        ``aplay -q [-D device]``.
    :param device: the ALSA device of the default command; default the system's.
    :param warn: gets a line when playing starts to fail, and when it works
        again; default: nothing.
    :param on_started: called with ``time.monotonic()`` as each file starts (to
        measure latency); default none.
    """

    def __init__(
        self,
        command: Sequence[str] | None = None,
        device: str | None = None,
        warn: Callable[[str], None] | None = None,
        on_started: Callable[[float], None] | None = None,
    ) -> None:
        self.command = list(command) if command else aplay_command(device)
        self._warn = warn or (lambda _message: None)
        self._on_started = on_started
        self._proc: subprocess.Popen[bytes] | None = None
        self._path: Path | None = None
        self._stopped_by_us = False
        self._lock = threading.Lock()
        self._warned = False
        #: True while the last attempt to play failed; cleared by the next success.
        self.failing = False

    def play(self, path: Path) -> bool:
        """Stop whatever plays and start ``path``; False when it could not start."""
        with self._lock:
            self._stop_locked()
            try:
                proc = subprocess.Popen(
                    [*self.command, str(path)],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
            except FileNotFoundError:
                self._failed(f"no audio player: '{self.command[0]}' was not found; {APLAY_HINT}")
                return False
            except OSError as exc:
                self._failed(f"cannot start the audio player: {exc}")
                return False
            if self._on_started is not None:
                self._on_started(time.monotonic())
            self._proc = proc
            self._path = path
            self._stopped_by_us = False
            return True

    def stop(self) -> None:
        """Stop the file playing now, if any: SIGTERM to the player, SIGKILL if it lingers."""
        with self._lock:
            self._stop_locked()

    def wait(self, timeout: float | None = None) -> None:
        """Let the current file play to its end (used by ``coach say``)."""
        proc = self._proc
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout)
        with self._lock:
            self._collect()

    def close(self) -> None:
        """Stop playing; the player holds nothing else."""
        self.stop()

    @property
    def playing(self) -> bool:
        """True while a file is still playing."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        """The process id of the player child playing now; None when nothing plays.

        Read-only, for diagnostics and tests: the player starts and stops its
        child itself, so nothing else should signal this pid.
        """
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def _stop_locked(self) -> None:
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            self._stopped_by_us = True
            proc.terminate()  # our own child, by its own pid
            try:
                proc.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._collect()

    def _collect(self) -> None:
        """Reap the last player and report how it went, once it has ended."""
        proc = self._proc
        if proc is None or proc.poll() is None:
            return
        self._proc = None
        error = proc.stderr.read().decode(errors="replace").strip() if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
        if proc.returncode != 0 and not self._stopped_by_us:
            if self._path is not None and not self._path.exists():
                return  # the file went (the cache was cleared): no fault of the sound device
            name = Path(self.command[0]).name
            detail = error.splitlines()[-1] if error else f"exit status {proc.returncode}"
            if not detail.startswith(f"{name}:"):
                detail = f"{name}: {detail}"
            self._failed(f"no audio device ({detail})")
        else:
            self._recovered()

    def _failed(self, reason: str) -> None:
        self.failing = True
        if not self._warned:
            self._warned = True
            self._warn(f"{reason}; carrying on in text, and trying again on every cue")

    def _recovered(self) -> None:
        if self.failing:
            self.failing = False
            self._warned = False
            self._warn("audio is playing again")
