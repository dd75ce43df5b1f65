"""Settings: the file's rules, precedence (flag, environment, file, default), config commands."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from coach import settings
from coach.cli import cli
from coach.errors import SettingsError


def run(*args: str, config: Path, **env: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env={"COACH_CONFIG": str(config), **env})
    return result.exit_code, result.stdout, result.stderr


def shown(out: str) -> dict[str, tuple[str, str]]:
    """``config show`` rows as {setting: (value, source)}."""
    rows = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] in settings.BY_KEY:
            rows[parts[0]] = (" ".join(parts[1:-1]), parts[-1])
    return rows


def test_precedence_flag_then_environment_then_file_then_default(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("rate: 140\nvolume: 0.8\nvoice: gmw/en-us\nled_pin: 27\n")
    code, out, err = run("config", "show", "--voice", "gmw/en", config=config, COACH_VOLUME="0.5")
    assert code == 0, err
    rows = shown(out)
    assert rows["button_pin"] == ("17", "default")
    assert rows["rate"] == ("140", "file")
    assert rows["led_pin"] == ("27", "file")
    assert rows["volume"] == ("0.5", "environment")  # the environment beats the file
    assert rows["voice"] == ("gmw/en", "flag")  # a flag beats everything
    assert out.splitlines()[0] == f"settings file: {config} (found)"


def test_the_file_reaches_the_commands(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("long_seconds: 0.5\nstop_seconds: 2\ndefault_routine: quick-demo\n")
    code, out, err = run("run", "--instant", "--press-at", "30:long", "--transcript", "-",
                         config=config)  # fmt: skip
    assert code == 0, err
    assert '"gesture": "long"' in out
    assert '"t": 30.7, "type": "gesture"' in out  # long = 0.5 s threshold + 0.2
    assert '"text": "Quick demo."' in out  # the default routine came from the file


def test_extra_routine_folders(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "neck.yaml").write_text(
        "name: Neck\nexercises:\n  - name: Tilt\n    hold_seconds: 5\n"
    )
    config = tmp_path / "config.yaml"
    config.write_text(f"routines_dirs: [{folder}]\n")
    code, out, _ = run("list", config=config)
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()[1:5]] == [
        "hip-piriformis", "neck", "pinched-nerve-leg", "quick-demo"
    ]  # fmt: skip


PIN_RULE = "must be a GPIO number from 0 to 27 or off"
UTF8 = "must be text that can be encoded as UTF-8 (no lone surrogates)"
CONTROL = "must not contain control characters (other than newline and tab)"
HH_MM = "must be a time of day as HH:MM (24-hour clock), e.g. 08:00 or 18:30"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rat: 140", "1:1: rat: unknown setting; did you mean 'rate'?"),
        ("colour: blue", "1:1: colour: unknown setting; see 'coach config init'"),
        ("rate: fast", "1:7: rate: must be a whole number from 80 to 400, got 'fast'"),
        ("rate: 1000", "1:7: rate: must be a whole number from 80 to 400, got 1000"),
        ("volume: 2", "1:9: volume: must be a number from 0 to 1, got 2"),
        ("button_pin: 40", f"1:13: button_pin: {PIN_RULE}, got 40"),
        ("tones: maybe", "1:8: tones: must be true or false, got 'maybe'"),
        ("speech: espeak", "1:9: speech: must be one of pyttsx3, piper, text, got 'espeak'"),
        ("voice: 3", "1:8: voice: must be a string, got 3"),
        (
            "cache_limit_mb: 0",
            "1:17: cache_limit_mb: must be a whole number from 1 to 100000, got 0",
        ),
        ("routines_dirs: here", "1:16: routines_dirs: must be a list of folder paths, got 'here'"),
        ("- rate", "1:1: the settings file must be a mapping of 'setting: value' lines"),
        ("lead_in: .nan", "1:10: lead_in: must be a number from 0 to 2, got nan"),
        ("volume: .NaN", "1:9: volume: must be a number from 0 to 1, got nan"),
        ("long_seconds: -.inf", "1:15: long_seconds: must be a number from 0.1 to 10, got -inf"),
        ("stop_seconds: .inf", "1:15: stop_seconds: must be a number from 0.2 to 20, got inf"),
        ("rate: .inf", "1:7: rate: must be a whole number from 80 to 400, got inf"),
        ("rate: .nan", "1:7: rate: must be a whole number from 80 to 400, got nan"),
        ('voice: "\\ud800"', f"1:8: voice: {UTF8}, got '\\ud800'"),
        ('audio_device: "hw\\e]0;x\\a"', f"1:15: audio_device: {CONTROL}, got 'hw\\x1b]0;x\\x07'"),
        ('default_routine: "\\udcff"', f"1:18: default_routine: {UTF8}, got '\\udcff'"),
        ('routines_dirs: [a, "\\ud800"]', f"1:20: routines_dirs[1]: {UTF8}, got '\\ud800'"),
        (
            "reminders: 08:00",
            '1:12: reminders: must be a list of times of day, e.g. ["08:00", '
            "\"18:30\"], got '08:00'",
        ),
        (
            'reminders: ["08:00", "25:00"]',
            "1:22: reminders[1]: must be a time of day from 00:00 to 23:59, got '25:00'",
        ),
        ("reminders: [8am]", f"1:13: reminders[0]: {HH_MM}, got '8am'"),
        ("reminders: [18:30, 7]", f"1:20: reminders[1]: {HH_MM}, got 7"),
        ("reminders: [[1]]", "1:13: reminders[0]: must be a time of day HH:MM, got a list"),
        ('"\\e[2J": 1', f"1:1: a key {CONTROL}, got '\\x1b[2J'"),
        ('"ra\\tte": 1', "1:1: 'ra\\tte': unknown setting; did you mean 'rate'?"),
    ],
)
def test_bad_settings_get_file_line_column_and_the_rule(text: str, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        settings.parse(text + "\n", "c.yaml")
    assert caught.value.problems == [f"c.yaml:{message}"]


def test_yaml_syntax_errors_in_settings() -> None:
    with pytest.raises(SettingsError) as caught:
        settings.parse("rate: [\n", "c.yaml")
    assert caught.value.problems[0].startswith("c.yaml:2:1: YAML syntax error")


def test_reminders_are_a_list_of_times_of_day() -> None:
    # Unquoted, YAML reads 18:30 as a number in base 60: it is taken as written.
    assert settings.parse('reminders: [18:30, "7:05", 08:00]\n', "c.yaml") == {
        "reminders": ("18:30", "07:05", "08:00")
    }
    assert settings.parse("reminders: []\n", "c.yaml") == {"reminders": ()}


def test_off_turns_a_pin_off() -> None:
    assert settings.parse("led_pin: off\nbuzzer_pin: 22\n", "c.yaml") == {
        "led_pin": None,
        "buzzer_pin": 22,
    }


def test_a_broken_file_stops_commands_but_not_config(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("rat: 140\n")
    code, _, err = run("list", config=config)
    assert code == 3
    assert err == f"coach: {config}:1:1: rat: unknown setting; did you mean 'rate'?\n"
    code, out, _ = run("config", "show", config=config)
    assert code == 3
    assert out.splitlines()[:2] == [
        f"settings file: {config} (broken)",
        f"  {config}:1:1: rat: unknown setting; did you mean 'rate'?",
    ]
    code, out, _ = run("config", "init", "--force", config=config)
    assert code == 0
    assert run("list", config=config)[0] == 0


def test_config_init_writes_every_setting_commented_out(tmp_path: Path) -> None:
    config = tmp_path / "sub" / "config.yaml"
    code, out, _ = run("config", "init", config=config)
    assert code == 0 and out == f"wrote {config}\n"
    text = config.read_text()
    assert settings.parse(text, "c.yaml") == {}  # all commented out: the defaults
    for s in settings.SETTINGS:
        assert f"# {s.key}: " in text
    # Uncommented, every line is valid and gives back the defaults.
    uncommented = "\n".join(
        line[2:] for line in text.splitlines() if line.startswith("# ") and ": " in line
        and line[2:].split(":")[0] in settings.BY_KEY
    )  # fmt: skip
    values = settings.parse(uncommented, "c.yaml")
    assert values == {s.key: s.default for s in settings.SETTINGS}
    code, _, err = run("config", "init", config=config)
    assert code == 2 and "exists already; add --force" in err


def test_an_absent_file_is_no_settings(tmp_path: Path) -> None:
    assert settings.load_file(tmp_path / "nothing.yaml") == {}
    code, out, _ = run("config", "show", config=tmp_path / "nothing.yaml")
    assert code == 0
    assert out.splitlines()[0].endswith("(not found)")
    assert {source for _, source in shown(out).values()} == {"default"}


def test_config_path_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("COACH_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert settings.config_path() == tmp_path / "voice-coach" / "config.yaml"


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--voice", "\x1b[2J"], {}),
        ([], {"COACH_AUDIO_DEVICE": "\x1b[2J"}),
        (["--default-routine", "\udcff"], {}),  # what Python makes of the byte 0xff in argv
    ],
)
def test_text_settings_from_flags_and_the_environment_are_checked_too(
    args: list[str], env: dict[str, str], tmp_path: Path
) -> None:
    code, _, err = run("config", "show", *args, config=tmp_path / "none.yaml", **env)
    assert code == 2
    assert "must not contain control characters" in err or "encoded as UTF-8" in err
    assert all(line.isprintable() for line in err.splitlines())


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--lead-in", "nan"], {}, "'--lead-in': nan is not a number from 0 to 2"),
        (["--volume", "-inf"], {}, "'--volume': -inf is not a number from 0 to 1"),
        ([], {"COACH_VOLUME": "nan"}, "Invalid value for '--volume': nan is not a number"),
        ([], {"COACH_LONG_SECONDS": "NaN"}, "Invalid value for '--long-seconds': nan is not"),
        (["--stop-seconds", "inf"], {}, "Invalid value for '--stop-seconds': inf is not"),
    ],
)
def test_nan_and_infinity_from_flags_and_the_environment_are_usage_errors(
    args: list[str], env: dict[str, str], message: str, tmp_path: Path
) -> None:
    code, _, err = run("run", "--instant", *args, config=tmp_path / "none.yaml", **env)
    assert code == 2
    assert message in err


def test_a_settings_file_that_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "config.yaml"
    os.mkfifo(fifo)
    code, _, err = run("list", config=fifo)
    assert (code, err) == (3, f"coach: {fifo}: is a named pipe, not a settings file\n")
    code, _, err = run("list", config=tmp_path)
    assert (code, err) == (3, f"coach: {tmp_path}: is a directory, not a settings file\n")
    assert settings.load_file(Path(os.devnull)) == {}  # COACH_CONFIG=/dev/null: no file


def test_config_init_where_it_cannot_write_says_so_in_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "config.yaml"
    folder.mkdir()
    code, out, err = run("config", "init", "--force", config=folder)
    assert (code, out) == (1, "")
    assert err == f"coach: cannot write the settings file {folder}: Is a directory\n"
    blocked = tmp_path / "file"
    blocked.write_text("")
    config = blocked / "voice-coach" / "config.yaml"
    code, out, err = run("config", "init", config=config)
    assert (code, out) == (1, "")
    assert err == (
        f"coach: cannot write the settings file {config}: Not a directory: {config.parent}\n"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write read-only files and folders")
def test_config_init_leaves_read_only_files_and_folders_alone(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("rate: 140\n")
    config.chmod(0o444)
    code, _, err = run("config", "init", "--force", config=config)
    assert code == 1
    assert err == f"coach: cannot write the settings file {config}: Permission denied\n"
    assert config.read_text() == "rate: 140\n"
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        code, _, err = run("config", "init", config=folder / "config.yaml")
        assert code == 1
        assert err == (
            f"coach: cannot write the settings file {folder / 'config.yaml'}: "
            f"Permission denied: {folder}\n"
        )
    finally:
        folder.chmod(0o755)


def test_config_init_writes_nothing_partial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("rate: 140\n")

    def full_disk() -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(settings, "default_text", full_disk)
    code, _, err = run("config", "init", "--force", config=config)
    assert code == 1
    assert err == f"coach: cannot write the settings file {config}: No space left on device\n"
    assert config.read_text() == "rate: 140\n"
    assert [p.name for p in tmp_path.iterdir()] == ["config.yaml"]


def test_config_init_replaces_the_file_a_link_points_to(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "coach.yaml"
    real.parent.mkdir()
    real.write_text("rate: 140\n")
    link = tmp_path / "config.yaml"
    link.symlink_to(real)
    code, _, err = run("config", "init", "--force", config=link)
    assert code == 0, err
    assert link.is_symlink()
    assert real.read_text() == settings.default_text()


# -- rules between settings, blamed where the values came from ----------------------------

THRESHOLDS = "gesture thresholds must satisfy 0 <= bounce < long < stop"


def test_thresholds_out_of_order_in_the_file_are_a_settings_file_error(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("stop_seconds: 3\nlong_seconds: 4\n")
    code, _, err = run("run", "--instant", config=config)
    assert code == 3
    assert err == (
        f"coach: {config}:2:15: long_seconds: {THRESHOLDS}, got bounce=0.03, long=4.0, stop=3.0\n"
    )
    config.write_text("stop_seconds: 0.5\n")  # the default long press is 1 s
    code, _, err = run("device", "--instant", config=config)
    assert code == 3
    assert err.startswith(f"coach: {config}:1:15: stop_seconds: {THRESHOLDS}")


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--long-seconds", "4"], {}),  # a flag against the file
        ([], {"COACH_LONG_SECONDS": "4"}),  # the environment against the file
    ],
)
def test_thresholds_put_out_of_order_by_a_flag_stay_a_usage_error(
    args: list[str], env: dict[str, str], tmp_path: Path
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("stop_seconds: 3\n")
    code, _, err = run("run", "--instant", *args, config=config, **env)
    assert code == 2
    assert THRESHOLDS in err and str(config) not in err


@pytest.mark.parametrize(
    ("args", "env", "text", "clash"),
    [
        (["--led-pin", "17"], {}, "",
         "GPIO17 is set for both the button (default) and the status LED (--led-pin)"),
        ([], {"COACH_BUZZER_PIN": "27"}, "led_pin: 27\n",
         "GPIO27 is set for both the status LED (CONFIG:1:10) and the buzzer (COACH_BUZZER_PIN)"),
        (["--pin", "22"], {}, "buzzer_pin: 22\n",
         "GPIO22 is set for both the button (--button-pin) and the buzzer (CONFIG:1:13)"),
        ([], {}, "button_pin: 5\nled_pin: 5\n",
         "GPIO5 is set for both the button (CONFIG:1:13) and the status LED (CONFIG:2:10)"),
    ],
)  # fmt: skip
def test_two_parts_on_one_pin_are_a_settings_error_naming_where_each_pin_came_from(
    args: list[str], env: dict[str, str], text: str, clash: str, tmp_path: Path
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(text)
    code, _, err = run("run", "--instant", *args, config=config, **env)
    assert code == 3
    assert err == (
        f"coach: {clash.replace('CONFIG', str(config))}; "
        "give each its own pin (coach config show lists them)\n"
    )


# -- COACH_CONFIG ---------------------------------------------------------------------------


def test_a_missing_file_named_by_coach_config_is_a_warning(tmp_path: Path) -> None:
    config = tmp_path / "config.yml"  # a slip of the hand: the file is config.yaml
    code, out, err = run("list", config=config)
    assert code == 0
    assert err == (
        f"coach: warning: COACH_CONFIG names {config}, which does not exist; "
        "going on with the default settings\n"
    )
    assert "default: pinched-nerve-leg" in out
    # 'config' and 'doctor' show the settings file themselves.
    assert run("config", "show", config=config)[2] == ""


def test_a_missing_file_in_the_default_place_is_no_news(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COACH_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    result = CliRunner().invoke(cli, ["list"])
    assert (result.exit_code, result.stderr) == (0, "")
    code, _, err = run("list", config=Path(os.devnull))  # no settings file, on purpose
    assert (code, err) == (0, "")


def test_the_cache_limit_is_a_speech_setting_after_speak(tmp_path: Path) -> None:
    assert settings.keys("speech")[-2:] == ("speak", "cache_limit_mb")
    assert settings.Settings.from_values().cache_limit_mb == 200
    config = tmp_path / "config.yaml"
    code, out, err = run("config", "show", config=config, COACH_CACHE_LIMIT_MB="50")
    assert code == 0, err
    assert shown(out)["cache_limit_mb"] == ("50", "environment")
    code, _, err = run("speech-cache", "prerender", "--cache-limit-mb", "100001", config=config)
    assert code == 2 and "100001 is not in the range 1<=x<=100000" in err


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("COACH_MENU_ROUTINES", "[mckenzie-extension, knee-early-rehab]",
         "mckenzie-extension, knee-early-rehab"),
        ("COACH_MENU_ROUTINES", "mckenzie-extension knee-early-rehab",
         "mckenzie-extension, knee-early-rehab"),
        ("COACH_REMINDERS", '["08:00","18:30"]', "08:00, 18:30"),
        ("COACH_REMINDERS", "[8:00, 18:30]", "08:00, 18:30"),  # unquoted, as YAML reads it
        ("COACH_REMINDERS", "08:00 18:30", "08:00, 18:30"),
        ("COACH_ROUTINES_DIRS", "[/srv/a, /srv/b]", "/srv/a, /srv/b"),
        ("COACH_ROUTINES_DIRS", "/srv/a:/srv/b", "/srv/a, /srv/b"),
        ("COACH_STICK_MOUNTS", '[/mnt/*, "/media/my stick"]', "/mnt/*, /media/my stick"),
        ("COACH_STICK_MOUNTS", "[]", "none"),
    ],
)  # fmt: skip
def test_a_list_setting_in_a_variable_is_a_flow_list_or_items_one_after_another(
    variable: str, value: str, expected: str
) -> None:
    code, out, err = run("config", "show", config=Path(os.devnull), **{variable: value})
    assert code == 0, err
    key = variable.removeprefix("COACH_").lower()
    assert shown(out)[key] == (expected, "environment")


def test_a_broken_flow_list_in_a_variable_is_a_usage_error() -> None:
    code, _, err = run("config", "show", config=Path(os.devnull), COACH_MENU_ROUTINES="[a, [b]]")
    assert code == 2
    assert "Invalid value for '--menu-routine': not a list like [a, b]" in err
    code, _, err = run("config", "show", config=Path(os.devnull), COACH_REMINDERS="[08:00, 25:00]")
    assert code == 2
    assert "must be a time of day from 00:00 to 23:59, got '25:00'" in err
