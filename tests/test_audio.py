"""The audio player: a child process that stops at once and fails softly."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from coach.hardware.audio import AudioPlayer
from coach.speech import wavfile
from tests.speech_helpers import FAKE_PLAYER


def long_wav(tmp_path: Path, seconds: float = 10.0) -> Path:
    path = tmp_path / "long.wav"
    wavfile.write(path, wavfile.Pcm(16000, wavfile.silence(16000, seconds)))
    return path


def assert_gone(pid: int) -> None:
    """No process has ``pid`` any more: it has exited and been reaped (a zombie still has one)."""
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # signal 0 sends nothing; it only asks whether the pid exists


def test_stop_ends_the_player_process_at_once(tmp_path: Path) -> None:
    player = AudioPlayer(command=FAKE_PLAYER)
    assert player.play(long_wav(tmp_path))
    pid = player.pid
    assert pid is not None
    time.sleep(0.3)  # let it get into "playing"
    assert player.pid == pid  # still playing
    player.stop()
    assert_gone(pid)  # gone, and reaped
    assert not player.playing
    assert player.pid is None


def test_a_new_phrase_cuts_the_last_one(tmp_path: Path) -> None:
    player = AudioPlayer(command=FAKE_PLAYER)
    wav = long_wav(tmp_path)
    player.play(wav)
    first = player.pid
    player.play(wav)
    assert first is not None
    assert_gone(first)
    assert player.playing
    assert player.pid not in (None, first)
    player.stop()


def test_missing_sound_device_warns_once_and_keeps_trying(tmp_path: Path) -> None:
    warnings: list[str] = []
    player = AudioPlayer(command=[*FAKE_PLAYER, "--fail"], warn=warnings.append)
    wav = long_wav(tmp_path, 0.1)
    for _ in range(3):
        assert player.play(wav)  # it is tried on every cue
        player.wait()  # each attempt fails on its own, not cut by the next
        assert player.failing
    player.wait()
    assert len(warnings) == 1
    assert warnings[0].startswith("no audio device (")
    assert warnings[0].endswith(
        "audio open error: No such file or directory); "
        "carrying on in text, and trying again on every cue"
    )
    assert player.failing


def test_missing_player_program_names_the_fix(tmp_path: Path) -> None:
    warnings: list[str] = []
    player = AudioPlayer(command=["no-such-player-program"], warn=warnings.append)
    assert not player.play(long_wav(tmp_path, 0.1))
    assert not player.play(long_wav(tmp_path, 0.1))
    assert warnings == [
        "no audio player: 'no-such-player-program' was not found; install it with: "
        "sudo apt install alsa-utils; carrying on in text, and trying again on every cue"
    ]


def test_the_player_recovers_and_says_so(tmp_path: Path) -> None:
    warnings: list[str] = []
    player = AudioPlayer(command=[*FAKE_PLAYER, "--fail"], warn=warnings.append)
    wav = long_wav(tmp_path, 0.05)
    player.play(wav)
    player.wait()
    player.command = FAKE_PLAYER  # the sound card has come up
    player.play(wav)
    player.wait()
    assert len(warnings) == 2 and warnings[1] == "audio is playing again"


@pytest.mark.skipif(shutil.which("aplay") is None, reason="aplay (alsa-utils) is not installed")
def test_aplay_plays_to_the_null_device(tmp_path: Path) -> None:
    warnings: list[str] = []
    player = AudioPlayer(device="null", warn=warnings.append)
    assert player.command == ["aplay", "-q", "-D", "null"]
    assert player.play(long_wav(tmp_path, 0.2))
    player.wait(5)
    assert warnings == []


@pytest.mark.skipif(shutil.which("aplay") is None, reason="aplay (alsa-utils) is not installed")
def test_aplay_with_a_missing_device_degrades(tmp_path: Path) -> None:
    warnings: list[str] = []
    player = AudioPlayer(device="plughw:CARD=NoSuchCard", warn=warnings.append)
    player.play(long_wav(tmp_path, 0.2))
    player.wait(5)
    assert len(warnings) == 1 and warnings[0].startswith("no audio device (aplay: ")


def test_a_file_gone_before_it_played_is_no_fault_of_the_sound_device(tmp_path: Path) -> None:
    warnings: list[str] = []
    player = AudioPlayer(command=FAKE_PLAYER, warn=warnings.append)
    player.play(tmp_path / "cleared-meanwhile.wav")
    player.wait()
    assert warnings == []
    assert not player.failing
