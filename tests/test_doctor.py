"""``coach doctor``: one row per check, a fix under the table for each failure, exit 0 or 1."""

from __future__ import annotations

import fcntl
import os
import shlex
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from coach import doctor as doctor_module
from coach.cli import cli
from coach.cli.common import App
from coach.doctor import (
    FIX_DEVICE_BUSY,
    FIX_NO_DEVICE,
    FIX_NO_PIN_LIBRARY,
    FIX_NO_PLAYER,
    FIX_PIN_IN_USE,
    check_gpio,
    check_python,
    press_test,
)
from coach.hardware.button import ButtonSource
from coach.hardware.gpio import mock_factory
from coach.settings import Settings

FAKE_PLAYER = [sys.executable, str(Path(__file__).with_name("fake_player.py"))]
PLAYS = ["--player-command", shlex.join(FAKE_PLAYER)]
FAILS = ["--player-command", shlex.join([*FAKE_PLAYER, "--fail"])]
#: For tests about other rows: a player that succeeds at once, so they take no time to play.
QUIET = ["--player-command", "true"]
PINS = ["--simulate", "--led-pin", "27", "--buzzer-pin", "22"]
#: Every part fitted, on the pins of the wiring diagram.
PARTS = Settings.from_values(button_pin=17, led_pin=27, buzzer_pin=22)
NAMES = ["python", "settings", "GPIO", "LED", "buzzer", "speech", "audio", "routines", "history"]


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Nothing from the real environment or home folder: cache and settings in tmp_path."""
    for name in list(os.environ):
        if name.startswith("COACH_") or name == "GPIOZERO_PIN_FACTORY":
            monkeypatch.delenv(name)
    monkeypatch.setenv("COACH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("COACH_CONFIG", str(tmp_path / "config.yaml"))
    yield tmp_path


@dataclass
class Report:
    code: int
    output: str

    @property
    def rows(self) -> list[tuple[str, str]]:
        return [(name, status) for name, status, _ in self._table()]

    def status(self, name: str) -> str:
        return dict(self.rows)[name]

    def detail(self, name: str) -> str:
        """The row's detail as one line again (wrapping only ever breaks at a space)."""
        return next(detail for row, _, detail in self._table() if row == name)

    def fix(self, name: str) -> str:
        lines = self.output.splitlines()
        prefix = f"FIX {name}: "
        start = next(i for i, line in enumerate(lines) if line.startswith(prefix))
        parts = [lines[start].removeprefix(prefix)]
        parts += [line.strip() for line in lines[start + 1 :] if line.startswith("    ")]
        return " ".join(parts)

    def _table(self) -> list[tuple[str, str, str]]:
        lines = self.output.splitlines()
        assert lines[0].split() == ["CHECK", "RESULT", "DETAIL"]
        rows: list[tuple[str, str, list[str]]] = []
        for line in lines[1 : lines.index("")]:
            if line.startswith(" "):
                rows[-1][2].append(line.strip())
            else:
                name, status, *detail = line.split(maxsplit=2)
                rows.append((name, status, detail))
        return [(name, status, " ".join(detail)) for name, status, detail in rows]


def run_doctor(*args: str, debug: bool = False) -> Report:
    result = CliRunner().invoke(cli, ["doctor", *args], obj=App(debug=debug))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Report(result.exit_code, result.output)


# -- everything works ------------------------------------------------------------------


def test_every_check_passes_with_simulated_pins_speech_and_a_player(home: Path) -> None:
    report = run_doctor(*PINS, *PLAYS)
    assert report.rows == [(name, "ok") for name in NAMES], report.output
    assert report.code == 0
    assert report.output.splitlines()[-1] == "every check passed: 'coach device' should work"
    assert "FIX" not in report.output
    assert report.detail("GPIO") == "MockFactory (simulated pins); GPIO17 free"
    assert report.detail("LED") == "GPIO27 free"
    assert report.detail("buzzer") == "GPIO22 (active) free"
    assert report.detail("settings") == f"{home / 'config.yaml'}: not found (defaults)"
    assert report.detail("speech").startswith("pyttsx3|")
    program = Path(sys.executable).name
    assert report.detail("audio") == f"a 0.50 s tone played on the default sound device ({program})"
    assert report.detail("routines") == "3 routines load; default: pinched-nerve-leg"
    # The test phrase was rendered into the configured cache, not found there.
    assert len(list((home / "cache").glob("*.wav"))) == 1


def test_the_speech_row_reports_damaged_cache_files_and_removes_them(home: Path) -> None:
    cache = home / "cache"
    cache.mkdir()
    (cache / f"{'a' * 32}.wav").write_bytes(b"")  # what a power cut can leave
    (cache / f"{'b' * 32}-play.wav").write_bytes(b"garbage" * 20)
    (cache / "notes.txt").write_text("not the cache's")
    report = run_doctor(*PINS, *QUIET)
    assert report.status("speech") == "warn"
    assert report.detail("speech").endswith("removed 2 damaged file(s) from the speech cache")
    assert report.fix("speech") == (
        "render them again now: coach speech-cache prerender (same speech flags)"
    )
    assert report.code == 0  # repaired: the device will work
    names = sorted(p.name for p in cache.iterdir())
    assert len(names) == 2 and names[1] == "notes.txt"  # and the test phrase
    assert run_doctor(*PINS, *QUIET).status("speech") == "ok"


def test_parts_not_fitted_and_text_speech_are_skipped_and_still_pass() -> None:
    report = run_doctor("--simulate", "--speech", "text", *QUIET)
    assert report.rows == [
        ("python", "ok"),
        ("settings", "ok"),
        ("GPIO", "ok"),
        ("LED", "skip"),
        ("buzzer", "skip"),
        ("speech", "skip"),
        ("audio", "skip"),
        ("routines", "ok"),
        ("history", "ok"),
    ]
    assert report.detail("LED") == "none fitted (led_pin: off)"
    assert report.detail("audio") == "--speech text plays nothing"
    assert report.detail("speech") == "--speech text: the device will print, not speak"
    assert report.code == 0


def test_the_settings_file_reaches_the_doctor_through_the_coach_group(home: Path) -> None:
    (home / "config.yaml").write_text("led_pin: 27\nspeech: text\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["doctor", "--simulate", *QUIET])
    report = Report(result.exit_code, result.output)
    assert (report.status("LED"), report.detail("LED")) == ("ok", "GPIO27 free")
    assert report.status("speech") == "skip"
    assert report.detail("settings") == f"{home / 'config.yaml'}: 2 setting(s)"
    assert report.code == 0


# -- each failure, with its fix --------------------------------------------------------


def test_a_missing_package_fails_the_python_row(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import metadata

    real = metadata.version

    def version(name: str) -> str:
        if name == "pyttsx3":
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(metadata, "version", version)
    check = check_python()
    assert check.status == "FAIL"
    assert check.detail.endswith(", pyttsx3 MISSING")
    assert check.fix == "reinstall voice-coach: pip install voice-coach"


def test_without_a_speech_engine_the_speech_row_fails_with_the_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from coach.speech import pyttsx3_backend

    monkeypatch.setattr(pyttsx3_backend, "_state", {})  # as in a fresh process
    for name in ("pyttsx3", "pyttsx3.drivers", "pyttsx3.drivers._espeak"):
        monkeypatch.setitem(sys.modules, name, None)
    report = run_doctor(*PINS, *QUIET)
    assert report.rows == [(n, "FAIL" if n == "speech" else "ok") for n in NAMES]
    assert report.detail("speech") == (
        "pyttsx3 cannot be loaded; the device would print, not speak"
    )
    assert report.fix("speech") == (
        "pyttsx3 is not installed; reinstall voice-coach: pip install voice-coach"
    )
    assert report.output.splitlines()[-1] == (
        "1 check(s) failed: 'coach device' will not work until they pass"
    )
    assert report.code == 1


def test_without_a_sound_device_the_audio_row_fails_with_the_aplay_fix() -> None:
    report = run_doctor(*PINS, *FAILS)
    assert report.rows == [(n, "FAIL" if n == "audio" else "ok") for n in NAMES]
    assert report.detail("audio").startswith("the default sound device: no audio device (")
    assert report.detail("audio").endswith(
        "aplay: main:831: audio open error: No such file or directory)"
    )
    assert report.fix("audio") == FIX_NO_DEVICE
    assert "aplay -l" in FIX_NO_DEVICE and "--audio-device plughw:CARD=NAME" in FIX_NO_DEVICE
    assert report.code == 1


def test_a_sound_device_held_by_another_program_names_the_service(tmp_path: Path) -> None:
    # A device for one program at a time (plughw), held as a running coach holds it.
    device = tmp_path / "device"
    with device.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        exclusive = shlex.join([*FAKE_PLAYER, "--exclusive", str(device)])
        report = run_doctor(*PINS, "--player-command", exclusive)
    assert report.status("audio") == "FAIL"
    assert report.detail("audio").endswith("audio open error: Device or resource busy)")
    assert report.fix("audio") == FIX_DEVICE_BUSY
    assert "sudo systemctl stop voice-coach" in FIX_DEVICE_BUSY


def test_without_a_player_program_the_audio_row_names_alsa_utils(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-aplay"
    report = run_doctor(*PINS, "--player-command", str(missing))
    assert report.status("audio") == "FAIL"
    assert report.detail("audio").startswith(f"no audio player: '{missing}' was not found")
    assert report.fix("audio") == FIX_NO_PLAYER == "install aplay: sudo apt install alsa-utils"
    assert report.code == 1


def test_without_gpio_the_gpio_row_fails_with_the_pin_library_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gpiozero import Device

    # gpiozero keeps the factory it made first; start from none, as a fresh process does.
    monkeypatch.setattr(Device, "pin_factory", None)
    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", "no-such-factory")
    report = run_doctor("--led-pin", "27", *QUIET)
    assert report.rows[2:5] == [("GPIO", "FAIL"), ("LED", "skip"), ("buzzer", "skip")]
    assert report.detail("GPIO").startswith("no GPIO found on this machine")
    assert report.detail("LED") == "GPIO27: not checked"
    assert report.fix("GPIO") == FIX_NO_PIN_LIBRARY
    assert "sudo apt install python3-lgpio" in FIX_NO_PIN_LIBRARY
    assert "--system-site-packages" in FIX_NO_PIN_LIBRARY
    assert report.code == 1


def test_two_parts_on_one_pin_fail_the_gpio_row() -> None:
    report = run_doctor("--simulate", "--led-pin", "17", *QUIET)
    assert report.rows[2:5] == [("GPIO", "FAIL"), ("LED", "skip"), ("buzzer", "skip")]
    assert report.detail("GPIO").startswith("GPIO17 is set for both the button and the status LED")
    assert "button_pin, led_pin and buzzer_pin" in report.fix("GPIO")
    assert report.code == 1


def test_a_pin_held_by_another_program_says_how_to_free_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    factory = mock_factory()
    held = ButtonSource(22, lambda _edge: None, lambda: 0.0, factory)
    monkeypatch.setattr(doctor_module, "mock_factory", lambda: factory)
    rows = check_gpio(PARTS, simulate=True)
    held.close()
    assert [(r.name, r.status) for r in rows] == [("GPIO", "ok"), ("LED", "ok"), ("buzzer", "FAIL")]
    assert rows[2].detail.startswith("GPIO22 for the buzzer is already in use")
    assert rows[2].fix == FIX_PIN_IN_USE
    assert "sudo systemctl stop voice-coach" in FIX_PIN_IN_USE
    # Whatever the check claimed it let go: the same pins can be claimed again.
    again = check_gpio(PARTS, simulate=True)
    assert [r.status for r in again] == ["ok", "ok", "ok"]


def test_a_broken_settings_file_fails_the_settings_row(home: Path) -> None:
    path = home / "config.yaml"
    path.write_text("rat: 1\n", encoding="utf-8")
    report = run_doctor(*PINS, *QUIET)
    assert report.rows == [(n, "FAIL" if n == "settings" else "ok") for n in NAMES]
    assert report.detail("settings") == f"{path}:1:1: rat: unknown setting; did you mean 'rate'?"
    assert report.fix("settings") == f"edit {path}, or start afresh with: coach config init --force"
    assert report.code == 1


def test_a_bad_routine_in_an_extra_folder_fails_the_routines_row(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    bad = folder / "legs.yaml"
    bad.write_text("name: Legs\nexercises:\n  - name: Lunge\n    hold_seconds: twenty\n")
    report = run_doctor(*PINS, *QUIET, "--routines-dir", str(folder))
    assert report.rows == [(n, "FAIL" if n == "routines" else "ok") for n in NAMES]
    assert report.detail("routines") == (
        f"{bad}:4:19: exercise 1 (Lunge): hold_seconds: "
        "must be a number of seconds from 1 to 3600, got 'twenty'"
    )
    assert report.fix("routines").startswith("'coach validate' lists every problem")
    assert report.code == 1


def test_a_default_routine_not_in_the_library_fails_the_routines_row() -> None:
    report = run_doctor(*PINS, *QUIET, "--default-routine", "nope")
    assert report.status("routines") == "FAIL"
    assert report.detail("routines") == "the default routine 'nope' is not in the library"
    assert report.fix("routines") == (
        "set default_routine to one of: hip-piriformis, pinched-nerve-leg, quick-demo"
    )
    assert report.code == 1


def test_a_check_that_raises_becomes_a_fail_row_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_args: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(doctor_module, "check_library", broken)
    report = run_doctor("--simulate", "--speech", "text", *QUIET)
    assert (report.status("routines"), report.detail("routines")) == ("FAIL", "RuntimeError: boom")
    assert report.code == 1
    with pytest.raises(RuntimeError, match="boom"):
        run_doctor("--simulate", "--speech", "text", *QUIET, debug=True)


def test_press_test_sees_a_press_through_the_pin() -> None:
    report = run_doctor("--simulate", "--speech", "text", "--press-test", "5", *QUIET)
    assert report.status("button") == "ok"
    assert report.detail("button").startswith("pressed and let go (held ")
    assert report.code == 0


def test_press_test_without_a_press_names_the_wiring() -> None:
    import queue

    from coach.gestures import Edge

    edges: queue.Queue[Edge] = queue.Queue()
    nothing = press_test(edges, 17, 0.05)
    assert (nothing.status, nothing.detail) == ("FAIL", "no press within 0.05 s")
    assert nothing.fix is not None and "GPIO17" in nothing.fix
    edges.put(Edge(True, 1.0))
    stuck = press_test(edges, 17, 0.05)
    assert (stuck.status, stuck.detail) == ("FAIL", "pressed but not let go within 0.05 s")


@pytest.mark.parametrize("seconds", ["nan", "inf"])
def test_press_test_wants_a_number_of_seconds(seconds: str) -> None:
    result = CliRunner().invoke(cli, ["doctor", "--simulate", "--press-test", seconds])
    assert result.exit_code == 2
    assert f"Invalid value for '--press-test': {seconds} is not a number from 0 to 120" in (
        result.stderr
    )
