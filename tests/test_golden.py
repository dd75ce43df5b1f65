"""Golden transcripts: whole scripted runs of the bundled routines and of the device.

Each scenario runs the real command line on the virtual clock and compares its
transcript, exit status and error output, byte for byte, with a file in
``tests/golden/``. They pin the behaviour a restructuring must keep. After a
change that is *meant* to alter what is said or when, regenerate them with
``COACH_UPDATE_GOLDEN=1 pytest tests/test_golden.py`` and read the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from coach.cli import cli

GOLDEN = Path(__file__).parent / "golden"

#: name: (command and routine, scripted presses as "T:GESTURE")
SCENARIOS: dict[str, tuple[list[str], list[str]]] = {
    "quick-demo-plain": (["run", "quick-demo"], []),
    # A pause mid-sentence in the opening, a resume, a pause inside the
    # resume lead-in, a long press in a hold and one while paused, a press
    # exactly on a step boundary, and a stop at the end.
    "quick-demo-pauses": (
        ["run", "quick-demo"],
        [
            "2:press",
            "5:press",
            "6.5:press",
            "9:press",
            "20.5:long",
            "30:press",
            "31:long",
            "40.1:press",
            "41:press",
            "47.5:press",
            "48:press",
            "70:stop",
        ],
    ),
    # Held across the long threshold at a step boundary; a stop held across
    # both thresholds during a countdown; waiting for the press to start.
    "quick-demo-held": (
        ["run", "quick-demo", "--wait"],
        ["1:long", "2:press", "17.1:long", "24:press", "26:press", "31:stop"],
    ),
    # Presses only to answer the steps that wait for one (getting up, and
    # down to the floor): the whole routine as planned, the pain questions
    # before and after it left unanswered.
    "pinched-nerve-leg-plain": (
        ["run", "pinched-nerve-leg"],
        ["166.325:press", "285.225:press", "422.225:press"],
    ),
    "pinched-nerve-leg-pauses": (
        ["run", "pinched-nerve-leg"],
        [
            "10:press",
            "12:press",
            "121.325:long",
            "161.325:press",
            "162.325:press",
            "221.325:long",
            "251.325:press",
            "257.325:press",
            "321.325:long",
            "322.325:long",
            "421.325:press",
            "422.325:long",
            "521.325:stop",
        ],
    ),
    # Check-ins turned on by settings: a press storm while the pain question
    # is said (ignored), pain four, "it hurt" after the first side, go on
    # gently, "fine" after the next exercise, pain six after: pain grew.
    "quick-demo-checkins": (
        ["run", "quick-demo", "--pain-check", "on", "--check-in", "on"],
        [
            "6:press",
            "6.5:press",
            "7:press",
            "8:long",
            "15:press",
            "15.5:press",
            "16:press",
            "16.5:press",
            "62:long",
            "80:press",
            "110:press",
            "121:press",
            "121.4:press",
            "121.8:press",
            "122.2:press",
            "122.6:press",
            "123:press",
        ],
    ),
    "hip-piriformis-buttons": (
        ["run", "hip-piriformis"],
        [
            "30:press",
            "33:press",
            "300:long",
            "390:press",
            "420:press",
            "440:press",
            "455:press",
            "470:long",
            "480:press",
            "500:press",
            "540:press",
            "700:long",
        ],
    ),
    # The script ends while a step waits for the button: a clear error.
    "hip-piriformis-unanswered": (["run", "hip-piriformis"], ["390:press"]),
    # The box: walk the menu, start, pause, stop back to the menu, start
    # another; a held button in the menu; the script ends in the menu.
    "device-day": (
        ["device"],
        [
            "3:long",
            "8:stop",
            "15:long",
            "20:press",
            "30:press",
            "33:press",
            "40:long",
            "50:stop",
            "60:long",
            "66:press",
            "70:long",
            "101.325:press",
            "141.325:long",
            "181.325:stop",
            "191.325:press",
        ],
    ),
    # The script ends while a session in the device waits for the button.
    "device-unanswered": (["device"], ["2:long", "4:long", "6:press", "395:press"]),
}


def transcript(args: list[str], presses: list[str], cache: Path) -> str:
    argv = [*args, "--instant", "--transcript", "-"]
    for press in presses:
        argv += ["--press-at", press]
    env = {
        "COACH_CONFIG": os.devnull,  # no settings file
        "COACH_CACHE_DIR": str(cache),
        "COACH_DEFAULT_ROUTINE": "pinched-nerve-leg",
    }
    result = CliRunner().invoke(cli, argv, env=env)
    return f"{result.stdout}--- exit {result.exit_code}\n{result.stderr}"


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_golden_transcript(name: str, tmp_path: Path) -> None:
    args, presses = SCENARIOS[name]
    got = transcript(args, presses, tmp_path)
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("COACH_UPDATE_GOLDEN"):
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8")
