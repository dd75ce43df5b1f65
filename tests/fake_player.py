"""A stand-in for aplay in tests and benchmarks: it "plays" a WAV by waiting its length.

python tests/fake_player.py FILE           # waits as long as FILE plays
python tests/fake_player.py --fail FILE    # fails like aplay with no sound card
"""

from __future__ import annotations

import sys
import time
import wave


def main(argv: list[str]) -> int:
    if argv[:1] == ["--fail"]:
        print("aplay: main:831: audio open error: No such file or directory", file=sys.stderr)
        return 1
    with wave.open(argv[-1], "rb") as w:
        seconds = w.getnframes() / w.getframerate()
    time.sleep(seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
