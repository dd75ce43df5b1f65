"""A stand-in for aplay in tests and benchmarks: it "plays" a WAV by waiting its length.

python tests/fake_player.py FILE                  # waits as long as FILE plays
python tests/fake_player.py -                     # the same, reading the WAV from stdin
python tests/fake_player.py --fail -              # fails like aplay with no sound card
python tests/fake_player.py --exclusive LOCK -    # a device one player holds at a time
python tests/fake_player.py --keep DIR -          # also writes what it played to DIR/PID.wav

Like aplay it opens its "device" first and only then reads the WAV, so a
spare started ahead holds the device while it waits on stdin, and fails at
once when there is no device. From stdin it takes the audio at the pace it
plays (a tenth of a second at a time, as aplay's buffer drains), so a writer
more than a pipe's buffer ahead has to wait, as it would with aplay.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import sys
import time
import wave
from pathlib import Path
from typing import BinaryIO

#: How much audio it takes from stdin at a time.
PERIOD_SECONDS = 0.1


def open_device(lock: str | None) -> int | None:
    """Hold the "device": with ``lock``, one that only one player may hold at a time."""
    if lock is None:
        return None
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("aplay: main:831: audio open error: Device or resource busy", file=sys.stderr)
        raise SystemExit(1) from None
    return fd  # held until the process ends


def play_stream(stream: BinaryIO, keep: Path | None) -> int:
    try:
        play_wav(stream, keep)
    except (EOFError, wave.Error):
        print("aplay: read_header:2912: read error", file=sys.stderr)
        return 1
    return 0


def play_wav(stream: BinaryIO, keep: Path | None) -> None:
    with wave.open(stream, "rb") as w:
        rate, width = w.getframerate(), w.getsampwidth() * w.getnchannels()
        period = max(1, round(rate * PERIOD_SECONDS))
        played = bytearray()
        while len(played) < w.getnframes() * width:
            frames = w.readframes(period)
            if not frames:
                break  # the writer stopped early: play what came, as aplay does
            played += frames
            time.sleep(len(frames) / width / rate)
        if keep is not None:
            with wave.open(str(keep / f"{os.getpid()}.wav"), "wb") as out:
                out.setparams(w.getparams())
                out.writeframes(bytes(played))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fail", action="store_true")
    parser.add_argument("--exclusive", metavar="LOCK")
    parser.add_argument("--keep", metavar="DIR", type=Path)
    parser.add_argument("file")
    args = parser.parse_args(argv)
    if args.fail:
        print("aplay: main:831: audio open error: No such file or directory", file=sys.stderr)
        return 1
    open_device(args.exclusive)
    if args.file == "-":
        return play_stream(sys.stdin.buffer, args.keep)
    with wave.open(args.file, "rb") as w:
        seconds = w.getnframes() / w.getframerate()
    time.sleep(seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
