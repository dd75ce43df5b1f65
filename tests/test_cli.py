"""The command line: exact output, exit codes and messages."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from coach import library
from coach.cli import cli
from coach.loader import load_routine
from coach.plan import compile_plan
from coach.voice import estimate_seconds


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


BAD = """name: Legs
exercises:
  - name: Lunge
    hold_seconds: twenty
"""


def test_list_shows_the_bundled_routines() -> None:
    code, out, _ = invoke("list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ROUTINE", "LENGTH", "EXERCISES", "TITLE"]
    names = [line.split()[0] for line in lines[1:] if line and not line.startswith("default")]
    assert names == ["hip-piriformis", "pinched-nerve-leg", "quick-demo"]
    assert lines[-1] == "default: pinched-nerve-leg"


@pytest.mark.parametrize("speech", ["text", "pyttsx3"])
def test_list_and_preview_give_the_same_length(speech: str, tmp_path: Path) -> None:
    env = {"COACH_CACHE_DIR": str(tmp_path), "COACH_CONFIG": os.devnull, "COACH_SPEECH": speech}
    code, out, err = invoke("preview", "quick-demo", env=env)  # renders into the cache
    assert code == 0, err
    total = out.splitlines()[-1].split()[1]
    code, out, err = invoke("list", env=env)
    assert code == 0, err
    row = next(line.split() for line in out.splitlines() if line.startswith("quick-demo"))
    assert row[1] == total


def test_validate_all_bundled_routines() -> None:
    code, out, err = invoke("validate")
    assert code == 0, err
    assert len([line for line in out.splitlines() if line.startswith("ok  ")]) == 3


def test_validate_warns_where_a_countdown_cannot_fit_and_exits_0(tmp_path: Path) -> None:
    short = tmp_path / "short.yaml"
    short.write_text(
        "name: Short\nexercises:\n  - name: Reach\n    hold_seconds: 5\n    reps: 2\n"
        "    rest_seconds: 4\n  - name: Sit\n    hold_seconds: 20\n"
    )
    code, out, err = invoke("validate", str(short))
    assert code == 0
    assert out.startswith("ok  ")
    assert err == (
        f"coach: {short}: exercise 1 (Reach): no room for a whole 3-2-1 countdown in some steps; "
        "it is left out there (see 'coach preview --cues')\n"
    )


def test_validate_reports_file_line_column_and_exits_3(tmp_path: Path) -> None:
    bad = tmp_path / "legs.yaml"
    bad.write_text(BAD)
    code, out, err = invoke("validate", str(bad))
    assert code == 3
    assert err == (
        f"coach: {bad}:4:19: exercise 1 (Lunge): hold_seconds: must be a number of seconds "
        "from 1 to 3600, got 'twenty'\n"
    )
    assert "Traceback" not in out + err


def test_validate_checks_every_file_and_fails_if_any_is_bad(tmp_path: Path) -> None:
    bad = tmp_path / "legs.yaml"
    bad.write_text(BAD)
    code, out, err = invoke("validate", "quick-demo", str(bad))
    assert code == 3
    assert out.startswith("ok  ") and "quick-demo.yaml" in out
    assert "hold_seconds" in err


def test_unknown_routine_name_lists_the_library() -> None:
    code, _, err = invoke("preview", "no-such-routine")
    assert code == 3
    assert err == (
        "coach: no routine named 'no-such-routine'; the library has: "
        "hip-piriformis, pinched-nerve-leg, quick-demo\n"
    )


def test_debug_shows_the_traceback() -> None:
    result = CliRunner().invoke(cli, ["--debug", "preview", "no-such-routine"])
    assert result.exit_code != 0
    assert result.exception is not None
    assert type(result.exception).__name__ == "RoutineNotFound"


def test_preview_table_has_start_times_and_total() -> None:
    code, out, _ = invoke("preview", "quick-demo", "--speech", "text")
    assert code == 0
    plan = compile_plan(load_routine(library.resolve("quick-demo")), estimate_seconds)
    lines = out.splitlines()
    assert lines[0] == "Quick demo"
    assert lines[2].split() == ["START", "STEP", "LENGTH", "WHAT"]
    assert lines[3].split()[:3] == ["0:00.0", "announce", f"{plan.steps[0].duration_seconds:.1f}"]
    assert (
        len([line for line in lines if line[:7].strip()]) == len(plan.steps) + 3
    )  # title, header, total
    assert lines[-1] == f"total 1:{round(plan.total_seconds) - 60:02d} ({plan.total_seconds:.1f} s)"


def test_preview_json_matches_the_plan() -> None:
    code, out, _ = invoke("preview", "quick-demo", "--json", "--speech", "text")
    assert code == 0
    data = json.loads(out)
    plan = compile_plan(load_routine(library.resolve("quick-demo")), estimate_seconds)
    assert data["total_seconds"] == round(plan.total_seconds, 3)
    assert [s["kind"] for s in data["steps"]] == [s.kind for s in plan.steps]


def test_quick_demo_is_under_two_minutes() -> None:
    plan = compile_plan(load_routine(library.resolve("quick-demo")), estimate_seconds)
    assert plan.total_seconds < 120


def test_instant_run_writes_a_transcript_to_stdout() -> None:
    code, out, err = invoke("run", "quick-demo", "--instant", "--transcript", "-")
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    assert events[0] == {"t": 0.0, "type": "state", "state": "running"}
    assert events[-1]["type"] == "state" and events[-1]["state"] == "finished"
    plan = compile_plan(load_routine(library.resolve("quick-demo")), estimate_seconds)
    assert events[-1]["t"] == round(plan.total_seconds, 3)
    assert {e["type"] for e in events} == {"state", "step", "say"}


def test_instant_run_with_presses_and_a_transcript_file(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    code, out, err = invoke(
        "run",
        "quick-demo",
        "--instant",
        "--press-at",
        "22:press",
        "--press-at",
        "30:press",
        "--press-at",
        "40:stop",
        "--transcript",
        str(path),
    )
    assert code == 0, err
    assert out.splitlines()[-1] == "session stopped"
    events = [json.loads(line) for line in path.read_text().splitlines()]
    gestures = [(e["t"], e["gesture"]) for e in events if e["type"] == "gesture"]
    assert gestures == [(22.1, "press"), (30.1, "press"), (43.2, "stop")]
    states = [(e["t"], e["state"]) for e in events if e["type"] == "state"]
    assert states == [(0.0, "running"), (22.1, "paused"), (30.1, "running"), (43.2, "stopped")]


def test_instant_run_prints_what_is_said_with_times() -> None:
    code, out, _ = invoke("run", "quick-demo", "--instant")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "[00:00.0] Quick demo."
    assert lines[-1] == "session finished"


def test_button_step_after_the_scripted_presses_is_a_clear_error() -> None:
    code, _, err = invoke("run", "hip-piriformis", "--instant", "--press-at", "1:press")
    assert code == 2
    assert "waits for the button, but no more presses are scripted" in err


def test_an_instant_run_with_no_script_presses_the_button_itself() -> None:
    code, out, err = invoke("run", "pinched-nerve-leg", "--instant")
    assert code == 0, err
    assert out.splitlines()[-1] == "session finished"
    assert err.count("no presses are scripted: the button is pressed 2 s into each wait") == 1


@pytest.mark.parametrize("value", ["12", "x:press", "5:tap", "-1:press", "9" * 400 + ":press"])
def test_bad_press_at_is_a_usage_error(value: str) -> None:
    code, _, err = invoke("run", "--instant", "--press-at", value)
    assert code == 2
    assert "expected SECONDS:GESTURE" in err


def test_press_at_needs_simulation() -> None:
    code, _, err = invoke("run", "--press-at", "1:press")
    assert code == 2
    assert "--press-at needs --simulate" in err


def test_thresholds_must_be_in_order() -> None:
    code, _, err = invoke("run", "--instant", "--long-seconds", "4", "--stop-seconds", "3")
    assert code == 2
    assert "bounce < long < stop" in err


def test_without_gpio_run_suggests_simulate() -> None:
    code, _, err = invoke("run", "quick-demo", env={"GPIOZERO_PIN_FACTORY": "no-such-factory"})
    assert code == 4
    assert err.startswith("coach: no GPIO found on this machine")
    assert err.rstrip().endswith("add --simulate")


def test_python_dash_m_coach_works() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "coach", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert done.stdout.strip().startswith("coach, version ")


def test_preview_cues_show_offsets_tones_and_what_was_dropped(tmp_path: Path) -> None:
    routine = tmp_path / "short.yaml"
    routine.write_text(
        "name: Short\nexercises:\n  - name: Reach\n    hold_seconds: 5\n    reps: 2\n"
        "    rest_seconds: 4\n    ready: 3\n"
    )
    code, out, _ = invoke("preview", str(routine), "--speech", "text", "--cues")
    assert code == 0
    lines = [line.strip() for line in out.splitlines()]
    assert "+  0.0  (start tone) Hold still." in lines
    assert "+  0.0  (end tone) Release. Rest." in lines
    assert "(dropped: no room) Get ready." in lines  # a 3 s lead-in is a whole 3-2-1
    assert [line.split()[-1] for line in lines if line[:2] == "+ "][2:5] == ["3", "2", "1"]
    lost = "(dropped: no room for a whole countdown)"
    assert [f"{lost} {digit}" for digit in ("3", "2", "1")] == [
        line for line in lines if line.startswith(lost)
    ]
    code, out, _ = invoke("preview", str(routine), "--speech", "text", "--cues", "--no-tones")
    assert "+  0.0  Hold still." in [line.strip() for line in out.splitlines()]


# -- every error, through the real entry point ------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["validate", "BAD"], 3, "exercise 1 (Lunge): hold_seconds: must be a number of seconds"),
        (["run", "no-such-routine", "--instant"], 3, "no routine named 'no-such-routine'"),
        (["run", "quick-demo", "--instant", "--stop-seconds", "0.5"], 2, "thresholds must"),
        (["run", "hip-piriformis", "--instant", "--press-at", "1:press"], 2, "no more presses"),
        (["run", "quick-demo"], 4, "no GPIO found on this machine"),
        (["run", "quick-demo", "--simulate", "--led-pin", "17"], 3, "GPIO17 is set for both"),
        (
            ["speech-cache", "prerender", "quick-demo", "--speech", "pyttsx3", "--voice", "zz"],
            1,
            "pyttsx3 has no voice 'zz'",
        ),
        (["service", "install", "--user", "root", "--dry-run"], 1, "refusing to install"),
    ],
)
def test_each_error_has_its_message_and_exit_status(
    args: list[str], code: int, message: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD, encoding="utf-8")
    env = {
        "COACH_CONFIG": os.devnull,  # no settings file
        "COACH_CACHE_DIR": str(tmp_path / "cache"),
        "GPIOZERO_PIN_FACTORY": "",
    }
    got, out, err = invoke(*[str(bad) if a == "BAD" else a for a in args], env=env)
    assert got == code, out + err
    # One message, with no traceback: ours start "coach: ", click's usage errors "Error: ".
    assert err.startswith(("coach: ", "Usage: "))
    assert message in err
    assert "Traceback" not in err


def test_a_broken_settings_file_stops_every_command_but_config_and_doctor(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("rate: fast\n", encoding="utf-8")
    env = {"COACH_CONFIG": str(config)}
    code, _, err = invoke("list", env=env)
    assert code == 3
    assert err == f"coach: {config}:1:7: rate: must be a whole number from 80 to 400, got 'fast'\n"
    code, out, _ = invoke("config", "show", env=env)
    assert code == 3 and "(broken)" in out


def test_an_interrupt_exits_130_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from coach.cli import routines

    def interrupted(_path: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(routines, "load_routine", interrupted)
    code, _, err = invoke("validate", "quick-demo")
    assert code == 130
    assert "Traceback" not in err


def test_a_session_closed_with_its_terminal_ends_cleanly(tmp_path: Path) -> None:
    """SIGHUP (the terminal or the ssh session went away) is a clean stop, like SIGTERM."""
    transcript = tmp_path / "t.jsonl"
    env = dict(os.environ, COACH_CONFIG=str(tmp_path / "none.yaml"), PYTHONUNBUFFERED="1")
    child = subprocess.Popen(
        [sys.executable, "-m", "coach", "run", "quick-demo", "--simulate", "--speech", "text",
         "--transcript", str(transcript)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert child.stdout is not None
    assert child.stdout.readline().endswith("Quick demo.\n")  # the session is under way
    child.send_signal(signal.SIGHUP)
    out, err = child.communicate(timeout=10)
    assert child.returncode == 0, err
    assert "Traceback" not in err
    assert out.splitlines()[-1] == "session stopped"
    last = json.loads(transcript.read_text(encoding="utf-8").splitlines()[-1])
    assert (last["type"], last["state"]) == ("state", "stopped")


def test_a_full_disk_under_the_transcript_does_not_end_the_session() -> None:
    code, out, err = invoke("run", "quick-demo", "--instant", "--transcript", "/dev/full")
    assert code == 0
    assert out.splitlines()[-1] == "session finished"
    assert err == (
        "coach: the transcript cannot be written (No space left on device); going on without it\n"
    )


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("\\ud800", "must be text that can be encoded as UTF-8 (no lone surrogates), "
         "got '\\ud800'"),
        ("\\e[2J\\e]0;owned\\a", "must not contain control characters (other than newline and "
         "tab), got '\\x1b[2J\\x1b]0;owned\\x07'"),
    ],
)  # fmt: skip
def test_unprintable_routine_text_is_refused_by_every_command(
    name: str, rule: str, tmp_path: Path
) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    bad = folder / "odd.yaml"
    bad.write_text(f'name: "{name}"\nexercises:\n  - {{name: E, hold_seconds: 5}}\n')
    env = {"COACH_CONFIG": os.devnull}
    message = f"coach: {bad}:1:7: name: {rule}\n"
    for command in (["validate"], ["preview", "--speech", "text"], ["run", "--instant"]):
        code, out, err = invoke(*command, str(bad), env=env)
        assert (code, err) == (3, message), command
    code, out, err = invoke("list", "--routines-dir", str(folder), env=env)
    assert code == 0, err
    assert ["odd", "-", "-", "invalid:", "run", "'coach", "validate'"] in [
        line.split() for line in out.splitlines()
    ]
    code, out, err = invoke("device", "--instant", "--routines-dir", str(folder), env=env)
    assert code == 0, err
    for text in (out, err):
        assert all(line.isprintable() for line in text.splitlines())


def test_validate_refuses_a_routine_too_long_to_run(tmp_path: Path) -> None:
    long = tmp_path / "long.yaml"
    long.write_text(
        "name: Long\nexercises:\n  - {name: E, hold_seconds: 3600, sets: 5, ready: 0}\n"
    )
    code, out, err = invoke("validate", str(long))
    assert (code, out) == (3, "")
    assert err == (
        f"coach: {long}:2:1: exercises: must plan at most 4:00:00 (h:mm:ss) and 5,000 steps, "
        "got 5:00:00 and 12 steps; the largest is exercise 1 (E), 5:00:00 and 10 steps\n"
    )


def test_validate_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    code, out, err = invoke("validate", str(fifo), str(tmp_path))
    assert (code, out) == (3, "")
    assert err == (
        f"coach: {fifo}: is a named pipe, not a routine file\n"
        f"coach: {tmp_path}: is a directory, not a routine file\n"
    )


def test_file_names_are_shown_escaped(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    good = "name: Fine\nexercises:\n  - {name: E, hold_seconds: 5}\n"
    (folder / "clear\x1b[2J.yaml").write_text(good)
    with open(os.fsencode(folder) + b"/latin\xe9.yaml", "w") as file:  # not UTF-8
        file.write("name: [\n")
    env = {"COACH_CONFIG": os.devnull}
    code, out, err = invoke("list", "--routines-dir", str(folder), env=env)
    assert code == 0, err
    rows = [line.split()[0] for line in out.splitlines()[1:] if line]
    assert "'clear\\x1b[2J'" in rows and "'latin\\udce9'" in rows
    code, out, err = invoke("validate", "--routines-dir", str(folder), env=env)
    assert code == 3
    assert f"ok  '{folder}/clear\\x1b[2J.yaml'  (1 exercise)" in out.splitlines()
    assert err.startswith(f"coach: '{folder}/latin\\udce9.yaml':2:1: YAML syntax error")
    assert "\x1b" not in out + err
