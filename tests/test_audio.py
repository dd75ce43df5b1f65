"""The audio player: a process started ahead, stopped at once, failing softly."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from coach.hardware.audio import AudioPlayer
from coach.speech import wavfile
from tests.speech_helpers import FAKE_PLAYER

MakePlayer = Callable[..., AudioPlayer]
needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


def wav(tmp_path: Path, seconds: float = 10.0, rate: int = 16000, name: str = "long") -> Path:
    path = tmp_path / f"{name}.wav"
    frames = bytes(i % 251 for i in range(2 * round(rate * seconds)))  # not all alike
    wavfile.write(path, wavfile.Pcm(rate, frames))
    return path


def assert_gone(pid: int) -> None:
    """No process has ``pid`` any more: it has exited and been reaped (a zombie still has one)."""
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # signal 0 sends nothing; it only asks whether the pid exists


def until(done: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Whether ``done()`` comes true within ``timeout`` (the reaping is on another thread)."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def held(device: Path) -> bool:
    """Whether a fake player holds ``device`` (see fake_player.py --exclusive)."""
    with device.open("a") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(file, fcntl.LOCK_UN)
        return False


def children() -> set[int]:
    """The pids of this process's children, zombies included (from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # it ended while we looked
        if int(fields[1]) == os.getpid():
            found.add(int(stat.parent.name))
    return found


@pytest.fixture
def player_for() -> Iterator[MakePlayer]:
    """Makes players (as AudioPlayer does), and closes them all after the test, passed or not."""
    made: list[AudioPlayer] = []

    def make(*args: Any, **kwargs: Any) -> AudioPlayer:
        made.append(AudioPlayer(*args, **kwargs))
        return made[-1]

    yield make
    for player in made:
        player.close()


@pytest.fixture
def starts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The thread idents that start a process, one per start (spied on subprocess.Popen)."""
    threads: list[int] = []
    real = subprocess.Popen

    def spy(*args: Any, **kwargs: Any) -> Any:
        try:
            return real(*args, **kwargs)
        finally:
            threads.append(threading.get_ident())  # once the child is there (or not found)

    monkeypatch.setattr(subprocess, "Popen", spy)
    yield threads


@needs_proc
def test_the_player_is_started_ahead_and_play_starts_no_process(
    tmp_path: Path, player_for: MakePlayer, starts: list[int]
) -> None:
    before = children()
    player = player_for(command=FAKE_PLAYER)
    assert player.ready(5)  # a spare waits before any file is played
    waiting = children() - before
    assert len(waiting) == 1
    assert player.play(wav(tmp_path))
    assert player.pid in waiting  # the file plays in the process started ahead
    assert threading.get_ident() not in starts  # nothing was started on this thread
    assert player.ready(5)  # the next spare, started by a helper thread
    assert len(children() - before) == 2
    assert threading.get_ident() not in starts
    player.close()


def test_a_phrase_longer_than_the_pipe_buffer_plays_whole(
    tmp_path: Path, player_for: MakePlayer
) -> None:
    kept = tmp_path / "kept"
    kept.mkdir()
    warnings: list[str] = []
    player = player_for(command=[*FAKE_PLAYER, "--keep", str(kept)], warn=warnings.append)
    path = wav(tmp_path, 1.0, rate=48000)
    assert path.stat().st_size > 65536  # more than a pipe holds
    assert player.ready(5)
    assert player.play(path)
    pid = player.pid
    player.wait(10)
    assert not player.playing
    assert warnings == []
    assert wavfile.read(kept / f"{pid}.wav") == wavfile.read(path)  # every frame arrived
    player.close()


@needs_proc
def test_stop_kills_the_playing_child_and_the_spare_stays(
    tmp_path: Path, player_for: MakePlayer
) -> None:
    before = children()
    player = player_for(command=FAKE_PLAYER)
    path = wav(tmp_path)
    assert player.ready(5)
    assert player.play(path)
    pid = player.pid
    assert pid is not None
    time.sleep(0.3)  # into the phrase: the writer waits on a full pipe
    player.stop()
    assert (player.playing, player.pid) == (False, None)
    player.wait(5)  # returns once the stopped process is gone
    assert_gone(pid)
    assert player.ready(5)
    waiting = children() - before
    assert len(waiting) == 1  # the spare, still waiting
    assert player.play(path)
    assert player.pid in waiting  # and it plays the next file
    player.close()


def test_a_new_phrase_cuts_the_last_one(tmp_path: Path, player_for: MakePlayer) -> None:
    player = player_for(command=FAKE_PLAYER)
    path = wav(tmp_path)
    assert player.ready(5)
    player.play(path)
    first = player.pid
    assert first is not None
    player.play(path)  # most likely before the next spare is up: it plays once that is
    assert player.playing
    assert until(lambda: gone(first))
    assert until(lambda: player.pid not in (None, first))
    assert player.ready(5)
    second = player.pid
    player.play(path)  # with a spare waiting
    assert player.pid not in (None, second)
    assert second is not None
    assert until(lambda: gone(second))
    player.close()


def test_wait_lets_the_phrase_finish(tmp_path: Path, player_for: MakePlayer) -> None:
    kept = tmp_path / "kept"
    kept.mkdir()
    warnings: list[str] = []
    player = player_for(command=[*FAKE_PLAYER, "--keep", str(kept)], warn=warnings.append)
    path = wav(tmp_path, 0.4)
    assert player.ready(5)
    assert player.play(path)
    pid = player.pid
    assert pid is not None
    player.wait(10)
    assert not player.playing
    assert_gone(pid)  # it ended and was reaped
    assert (kept / f"{pid}.wav").exists()  # having played the whole file
    assert warnings == []
    player.close()


@needs_proc
def test_close_leaves_no_child_alive(tmp_path: Path, player_for: MakePlayer) -> None:
    before = children()
    player = player_for(command=FAKE_PLAYER)
    assert player.ready(5)
    player.play(wav(tmp_path))
    assert player.ready(5)
    assert len(children() - before) == 2  # one playing, one waiting
    player.close()
    assert children() - before == set()  # none left, not even a zombie
    assert not player.play(wav(tmp_path))  # a closed player plays nothing
    assert children() - before == set()
    player_for(command=FAKE_PLAYER).close()  # while its first spare is still starting
    assert children() - before == set()


def test_missing_sound_device_warns_once_and_keeps_trying(
    tmp_path: Path, player_for: MakePlayer, starts: list[int]
) -> None:
    warnings: list[str] = []
    player = player_for(command=[*FAKE_PLAYER, "--fail"], warn=warnings.append)
    assert until(lambda: player.failing)  # the spare failed before anything was played
    assert warnings == []  # told when a cue cannot be heard, not before
    path = wav(tmp_path, 0.1)
    for _ in range(3):
        assert player.play(path)  # it is tried on every cue
        player.wait(5)  # each attempt fails on its own, not cut by the next
        assert player.failing
    assert len(starts) == 4  # the spare, then one try per cue: no loop of retries
    assert len(warnings) == 1
    assert warnings[0].startswith("no audio device (")
    assert warnings[0].endswith(
        "audio open error: No such file or directory); "
        "carrying on in text, and trying again on every cue"
    )
    player.close()


def test_missing_player_program_names_the_fix(
    tmp_path: Path, player_for: MakePlayer, starts: list[int]
) -> None:
    warnings: list[str] = []
    player = player_for(command=["no-such-player-program"], warn=warnings.append)
    assert not player.ready(5)
    assert warnings == []  # nothing to tell before a cue
    for _ in range(2):
        assert not player.play(wav(tmp_path, 0.1))
        assert not player.ready(5)  # looked for again, on a helper thread: still missing
    assert len(starts) == 3  # once at the start, then once on every cue
    assert warnings == [
        "no audio player: 'no-such-player-program' was not found; install it with: "
        "sudo apt install alsa-utils; carrying on in text, and trying again on every cue"
    ]
    player.close()


def test_the_player_recovers_and_says_so(tmp_path: Path, player_for: MakePlayer) -> None:
    warnings: list[str] = []
    player = player_for(command=[*FAKE_PLAYER, "--fail"], warn=warnings.append)
    path = wav(tmp_path, 0.05)
    player.play(path)
    player.wait(5)
    player.command = FAKE_PLAYER  # the sound card has come up
    player.play(path)
    player.wait(5)
    assert len(warnings) == 2 and warnings[1] == "audio is playing again"
    player.close()


def test_a_device_that_comes_up_before_the_first_cue_is_no_failure(
    tmp_path: Path, player_for: MakePlayer
) -> None:
    warnings: list[str] = []
    player = player_for(command=[*FAKE_PLAYER, "--fail"], warn=warnings.append)
    assert until(lambda: player.failing)  # no sound card yet, as at boot
    player.command = FAKE_PLAYER  # the sound card has come up
    assert player.play(wav(tmp_path, 0.05))  # the first cue tries again
    player.wait(5)
    assert not player.failing
    assert warnings == []
    assert player.ready(5)  # and the spares are started ahead again


@needs_proc
def test_a_device_for_one_player_at_a_time_plays_every_phrase(
    tmp_path: Path, player_for: MakePlayer, starts: list[int]
) -> None:
    # Like plughw: a spare started while a phrase plays finds the device busy.
    kept = tmp_path / "kept"
    kept.mkdir()
    command = [*FAKE_PLAYER, "--exclusive", str(tmp_path / "device"), "--keep", str(kept)]
    warnings: list[str] = []
    before = children()
    player = player_for(command=command, warn=warnings.append)
    long, short = wav(tmp_path), wav(tmp_path, 0.2, name="short")
    assert player.ready(5)
    assert until(lambda: held(tmp_path / "device"))  # by the spare, waiting
    assert player.play(long)
    first = player.pid
    # The next spare was started, found the device busy, and is gone.
    assert until(lambda: len(starts) == 2 and children() - before == {first})
    assert player.play(short)  # cuts the first, and plays once the device is free
    assert player.playing
    player.wait(10)
    assert first is not None
    assert_gone(first)
    assert len(list(kept.iterdir())) == 1  # the short phrase, played whole
    assert player.ready(5)  # a spare holds the device again
    assert player.play(short)
    player.wait(10)
    assert len(list(kept.iterdir())) == 2
    assert warnings == []  # a busy device is no failure
    assert not player.failing
    player.close()


@pytest.mark.skipif(shutil.which("aplay") is None, reason="aplay (alsa-utils) is not installed")
def test_aplay_plays_to_the_null_device(tmp_path: Path, player_for: MakePlayer) -> None:
    warnings: list[str] = []
    player = player_for(device="null", warn=warnings.append)
    assert player.command == ["aplay", "-q", "-D", "null"]
    assert player.ready(5)
    assert player.play(wav(tmp_path, 0.2))
    player.wait(5)
    assert not player.playing
    assert warnings == []
    player.close()


@pytest.mark.skipif(shutil.which("aplay") is None, reason="aplay (alsa-utils) is not installed")
def test_aplay_with_a_missing_device_degrades(tmp_path: Path, player_for: MakePlayer) -> None:
    warnings: list[str] = []
    player = player_for(device="plughw:CARD=NoSuchCard", warn=warnings.append)
    player.play(wav(tmp_path, 0.2))
    player.wait(5)
    assert until(lambda: player.failing)
    assert len(warnings) == 1 and warnings[0].startswith("no audio device (aplay: ")
    player.close()


def test_a_file_gone_before_it_played_is_no_fault_of_the_sound_device(tmp_path: Path) -> None:
    warnings: list[str] = []
    player = AudioPlayer(command=FAKE_PLAYER, warn=warnings.append)
    player.play(tmp_path / "cleared-meanwhile.wav")
    player.wait()
    assert warnings == []
    assert not player.failing
