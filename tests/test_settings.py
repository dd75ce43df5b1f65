"""Settings: the file's rules, precedence (flag, environment, file, default), config commands."""

from __future__ import annotations

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


def test_the_cache_limit_is_a_speech_setting_after_speak(tmp_path: Path) -> None:
    assert settings.keys("speech")[-2:] == ("speak", "cache_limit_mb")
    assert settings.Settings.from_values().cache_limit_mb == 200
    config = tmp_path / "config.yaml"
    code, out, err = run("config", "show", config=config, COACH_CACHE_LIMIT_MB="50")
    assert code == 0, err
    assert shown(out)["cache_limit_mb"] == ("50", "environment")
    code, _, err = run("speech-cache", "prerender", "--cache-limit-mb", "100001", config=config)
    assert code == 2 and "100001 is not in the range 1<=x<=100000" in err
