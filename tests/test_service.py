"""The boot service: the unit text, and install/uninstall on a fake host.

No test runs the real systemctl or needs root: a :class:`FakeHost` is passed
as the click context object and records every command.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from coach.cli import cli
from coach.cli.common import App
from coach.errors import CoachError, ServiceError
from coach.service import (
    COMPILE,
    EXAMPLE_SPEC,
    MARKER,
    UNIT_NAME,
    Account,
    Host,
    UnitSpec,
    example_unit,
    render_unit,
)

ROOT = Path(__file__).resolve().parent.parent
COACH = Path("/home/ana/voice-coach/.venv/bin/coach")


class FakeHost(Host):
    """A machine with users ana (uid 1000) and root, and configurable groups."""

    def __init__(
        self,
        root: bool = True,
        groups: dict[str, tuple[int, tuple[str, ...]]] | None = None,
        statuses: dict[str, int] | None = None,
        me: str = "ana",
    ) -> None:
        self.root = root
        self.groups = (
            {"audio": (29, ("ana",)), "gpio": (997, ("ana",))} if groups is None else groups
        )
        self.statuses = statuses or {}
        self.me = me
        self.commands: list[list[str]] = []

    def is_root(self) -> bool:
        return self.root

    def current_user(self) -> str:
        return self.me

    def account(self, name: str) -> Account:
        if name == "ana":
            return Account("ana", 1000, 1000, "ana", Path("/home/ana"))
        if name in ("root", "toor"):
            return Account(name, 0, 0, "root", Path("/root"))
        raise ServiceError(f"there is no user '{name}' on this system")

    def group(self, name: str) -> tuple[int, tuple[str, ...]] | None:
        return self.groups.get(name)

    def run(self, argv: Sequence[str]) -> int:
        self.commands.append(list(argv))
        return self.statuses.get(" ".join(argv[1:]), 0)


def compiling(coach_script: Path, user: str = "ana") -> list[str]:
    """The command that compiles the coach's modules in the venv of ``coach_script``."""
    python = str(coach_script.parent / "python")
    return ["runuser", "-u", user, "--", python, "-c", COMPILE]


def invoke(host: FakeHost, unit_dir: Path, *args: str, sudo_user: str | None = "ana") -> Result:
    return CliRunner().invoke(
        cli,
        ["service", *args],
        obj=App(host=host),
        env={
            "COACH_SYSTEMD_DIR": str(unit_dir),
            "SUDO_USER": sudo_user,
            "COACH_CONFIG": os.devnull,  # no settings file
        },
    )


def spec(**changes: object) -> UnitSpec:
    fields: dict[str, object] = {
        "user": "ana",
        "group": "ana",
        "home": Path("/home/ana"),
        "coach_executable": COACH,
    }
    fields.update(changes)
    return UnitSpec(**fields)  # type: ignore[arg-type]


def settings(text: str) -> list[str]:
    """The unit's key=value lines, without comments and section headers."""
    return [line for line in text.splitlines() if line and not line.startswith(("#", "["))]


@pytest.fixture
def coach_script(tmp_path: Path) -> Path:
    script = tmp_path / "venv" / "bin" / "coach"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    return script


# -- the unit text ---------------------------------------------------------------


def test_unit_runs_coach_device_as_the_user_with_audio_and_gpio() -> None:
    text = render_unit(spec(audio_device="plughw:CARD=Headphones"))
    assert settings(text) == [
        "Description=voice-coach: a voice-guided stretching coach with one button",
        "After=sound.target",
        "StartLimitIntervalSec=0",
        "Type=exec",
        "User=ana",
        "Group=ana",
        "SupplementaryGroups=audio gpio",
        "WorkingDirectory=/home/ana",
        f"ExecStart={COACH} device",
        "Environment=PYTHONUNBUFFERED=1",
        "Environment=COACH_AUDIO_DEVICE=plughw:CARD=Headphones",
        "SyslogIdentifier=voice-coach",
        "Restart=on-failure",
        "RestartSec=5",
        "KillSignal=SIGTERM",
        "TimeoutStopSec=10",
        "Nice=-5",
        "NoNewPrivileges=yes",
        "ProtectSystem=full",
        "PrivateTmp=yes",
        "WantedBy=multi-user.target",
    ]
    sections = [line for line in text.splitlines() if line.startswith("[")]
    assert sections == ["[Unit]", "[Service]", "[Install]"]
    assert text.index("WantedBy=") > text.index("[Install]") > text.index("PrivateTmp=")


def test_unit_header_says_who_wrote_it_and_how_to_remove_it() -> None:
    lines = render_unit(spec()).splitlines()
    assert f"# {MARKER} Remove it with:" in lines
    assert f"#   sudo {COACH} service uninstall" in lines


def test_unit_sets_the_audio_device_only_when_given() -> None:
    text = render_unit(spec())
    assert [line for line in settings(text) if "COACH_AUDIO_DEVICE" in line] == []
    assert "--audio-device plughw:CARD=" in text  # the comment says how to add one


def test_unit_never_waits_for_a_card_or_the_network() -> None:
    text = render_unit(spec(audio_device="plughw:CARD=Headphones"))
    for setting in ("ExecStartPre", "network", "ProtectHome", "PrivateDevices", "DeviceAllow"):
        assert not [line for line in settings(text) if setting in line], setting


def test_unit_is_the_same_text_every_time() -> None:
    assert render_unit(spec(audio_device="hw:1")) == render_unit(spec(audio_device="hw:1"))


def test_extra_arguments_are_quoted_for_systemd() -> None:
    text = render_unit(spec(extra_args=("--speech", "piper", "--voice", "my voice.onnx", "50%")))
    assert f'ExecStart={COACH} device --speech piper --voice "my voice.onnx" 50%%' in text


def test_dollars_and_percents_are_literal() -> None:
    text = render_unit(spec(audio_device="a b%c", extra_args=("$HOME",)))
    assert f"ExecStart={COACH} device $$HOME" in text
    assert 'Environment="COACH_AUDIO_DEVICE=a b%%c"' in text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"user": "ana\nExecStartPre=/bin/false"}, "the user name"),
        ({"group": ""}, "the group name"),
        ({"home": Path("relative")}, "the home directory"),
        ({"coach_executable": Path("/opt/my venv/coach")}, "the coach executable"),
        ({"audio_device": "hw:0\n[Service]"}, "COACH_AUDIO_DEVICE"),
    ],
)
def test_unit_refuses_values_that_would_break_the_file(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ServiceError, match=message):
        render_unit(spec(**changes))


def test_shipped_unit_is_the_rendering_for_pi() -> None:
    shipped = (ROOT / "hardware" / "coach.service").read_text(encoding="utf-8")
    assert shipped == example_unit(), (
        "hardware/coach.service is out of date; write it again with: python -c "
        "\"from coach.service import example_unit; print(example_unit(), end='')\" "
        "> hardware/coach.service"
    )
    # The inputs its preface documents, spelled out here rather than read back.
    documented = UnitSpec(
        user="pi",
        group="pi",
        home=Path("/home/pi"),
        coach_executable=Path("/home/pi/voice-coach/.venv/bin/coach"),
        audio_device="plughw:CARD=Headphones",
    )
    assert documented == EXAMPLE_SPEC
    assert shipped.endswith("\n\n" + render_unit(documented))
    preface = shipped[: -len(render_unit(documented))]
    assert all(line.startswith("# ") for line in preface.splitlines() if line)
    assert "ExecStart=/home/pi/voice-coach/.venv/bin/coach device\n" in shipped


def test_service_error_is_a_coach_error_with_status_1() -> None:
    assert issubclass(ServiceError, CoachError)
    assert issubclass(ServiceError, RuntimeError)
    assert ServiceError.exit_code == 1


# -- install ------------------------------------------------------------------------


def test_install_writes_the_unit_and_enables_it(tmp_path: Path, coach_script: Path) -> None:
    host = FakeHost()
    result = invoke(
        host,
        tmp_path,
        "install",
        "--audio-device",
        "plughw:CARD=Headphones",
        "--executable",
        str(coach_script),
    )
    assert result.exit_code == 0, result.output
    unit = tmp_path / UNIT_NAME
    expected = render_unit(
        spec(coach_executable=coach_script, audio_device="plughw:CARD=Headphones")
    )
    assert unit.read_text(encoding="utf-8") == expected
    assert unit.stat().st_mode & 0o777 == 0o644
    assert host.commands == [
        compiling(coach_script),
        ["systemctl", "daemon-reload"],
        ["systemctl", "enable", "--now", UNIT_NAME],
    ]
    assert result.stdout.splitlines() == [
        f"wrote {unit}",
        f"ran {shlex.join(compiling(coach_script))}",
        "ran systemctl daemon-reload",
        f"ran systemctl enable --now {UNIT_NAME}",
        "voice-coach runs as ana now and at every boot; listen for 'Ready'. "
        "Follow it with: journalctl -u voice-coach -f",
    ]
    assert result.stderr == ""
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == [UNIT_NAME]


def test_install_passes_arguments_after_dashes_to_coach_device(
    tmp_path: Path, coach_script: Path
) -> None:
    result = invoke(
        FakeHost(),
        tmp_path,
        "install",
        "--executable",
        str(coach_script),
        "--",
        "--speech",
        "piper",
    )
    assert result.exit_code == 0, result.output
    text = (tmp_path / UNIT_NAME).read_text(encoding="utf-8")
    assert f"ExecStart={coach_script} device --speech piper\n" in text


def test_install_uses_the_venv_coach_by_default(tmp_path: Path) -> None:
    beside = Path(sys.executable).parent / "coach"
    if not beside.is_file():
        pytest.skip("this Python has no coach script beside it")
    result = invoke(FakeHost(), tmp_path, "install", "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"ExecStart={beside} device\n" in result.stdout


def test_install_for_a_named_user(tmp_path: Path, coach_script: Path) -> None:
    result = invoke(
        FakeHost(),
        tmp_path,
        "install",
        "--user",
        "ana",
        "--executable",
        str(coach_script),
        sudo_user=None,
    )
    assert result.exit_code == 0, result.output
    assert "User=ana\n" in (tmp_path / UNIT_NAME).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "sudo_user"),
    [((), None), ((), "root"), (("--user", "root"), "ana"), (("--user", "toor"), "ana")],
)
def test_install_refuses_to_run_the_coach_as_root(
    tmp_path: Path, coach_script: Path, args: tuple[str, ...], sudo_user: str | None
) -> None:
    host = FakeHost(me="root")
    result = invoke(
        host, tmp_path, "install", "--executable", str(coach_script), *args, sudo_user=sudo_user
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("coach: refusing to install the service for root")
    assert "--user NAME" in result.stderr
    assert host.commands == []
    assert list(tmp_path.glob("*.service")) == []


def test_install_needs_root(tmp_path: Path, coach_script: Path) -> None:
    host = FakeHost(root=False)
    result = invoke(host, tmp_path, "install", "--executable", str(coach_script))
    assert result.exit_code == 1
    assert "needs root" in result.stderr
    assert "--dry-run" in result.stderr
    assert host.commands == []
    assert not (tmp_path / UNIT_NAME).exists()


def test_install_dry_run_prints_the_unit_and_writes_nothing(
    tmp_path: Path, coach_script: Path
) -> None:
    host = FakeHost(root=False)
    result = invoke(
        host,
        tmp_path,
        "install",
        "--dry-run",
        "--executable",
        str(coach_script),
        sudo_user=None,
    )
    assert result.exit_code == 0, result.output
    unit = tmp_path / UNIT_NAME
    assert result.stdout == (
        f"would write {unit}:\n\n"
        + render_unit(spec(coach_executable=coach_script))
        + f"\nwould run {shlex.join(compiling(coach_script))}\n"
        + "would run systemctl daemon-reload\n"
        + f"would run systemctl enable --now {UNIT_NAME}\n"
    )
    assert not unit.exists()
    assert host.commands == []


def test_install_again_replaces_the_unit_and_restarts(tmp_path: Path, coach_script: Path) -> None:
    host = FakeHost()
    invoke(host, tmp_path, "install", "--executable", str(coach_script))
    host.commands.clear()
    result = invoke(
        host, tmp_path, "install", "--executable", str(coach_script), "--audio-device", "hw:2"
    )
    assert result.exit_code == 0, result.output
    assert "Environment=COACH_AUDIO_DEVICE=hw:2\n" in (tmp_path / UNIT_NAME).read_text()
    assert f"wrote {tmp_path / UNIT_NAME} (replacing the previous unit)" in result.stdout
    assert host.commands == [
        compiling(coach_script),
        ["systemctl", "daemon-reload"],
        ["systemctl", "enable", UNIT_NAME],
        ["systemctl", "restart", UNIT_NAME],
    ]


def test_install_leaves_a_unit_it_did_not_write_alone(tmp_path: Path, coach_script: Path) -> None:
    unit = tmp_path / UNIT_NAME
    unit.write_text("[Service]\nExecStart=/usr/bin/something-else\n")
    host = FakeHost()
    result = invoke(host, tmp_path, "install", "--executable", str(coach_script))
    assert result.exit_code == 1
    assert "was not written by 'coach service install'" in result.stderr
    assert unit.read_text() == "[Service]\nExecStart=/usr/bin/something-else\n"
    assert host.commands == []


def test_install_reports_a_failing_systemctl(tmp_path: Path, coach_script: Path) -> None:
    host = FakeHost(statuses={f"enable --now {UNIT_NAME}": 1})
    result = invoke(host, tmp_path, "install", "--executable", str(coach_script))
    assert result.exit_code == 1
    assert result.stderr == (
        f"coach: 'systemctl enable --now {UNIT_NAME}' failed with status 1; see "
        f"'systemctl status {UNIT_NAME}' and 'journalctl -u voice-coach'\n"
    )
    assert "ran systemctl daemon-reload" in result.stdout
    assert "ran systemctl enable" not in result.stdout


def test_install_stops_when_daemon_reload_fails(tmp_path: Path, coach_script: Path) -> None:
    host = FakeHost(statuses={"daemon-reload": 1})
    result = invoke(host, tmp_path, "install", "--executable", str(coach_script))
    assert result.exit_code == 1
    assert host.commands == [compiling(coach_script), ["systemctl", "daemon-reload"]]


def test_install_goes_on_when_the_modules_cannot_be_compiled(
    tmp_path: Path, coach_script: Path
) -> None:
    host = FakeHost(statuses={" ".join(compiling(coach_script)[1:]): 1})
    result = invoke(host, tmp_path, "install", "--executable", str(coach_script))
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "coach: warning: could not compile the coach's modules ahead (status 1); it starts slower\n"
    )
    assert host.commands[-1] == ["systemctl", "enable", "--now", UNIT_NAME]


def test_the_compile_command_compiles_the_package_of_that_python() -> None:
    done = subprocess.run(
        # The real command, with compileall's compile_dir reporting its folder instead.
        [sys.executable, "-c", COMPILE.replace(
            "compileall.compile_dir(", "(lambda folder, quiet: print(folder) or True)("
        )],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.split()[0]) == ROOT / "coach"


def test_install_prints_the_usermod_fix_for_missing_groups(
    tmp_path: Path, coach_script: Path
) -> None:
    host = FakeHost(groups={"audio": (29, ()), "gpio": (997, ())})
    result = invoke(host, tmp_path, "install", "--executable", str(coach_script))
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "coach: warning: ana is not in the audio and gpio groups. The service is given "
        "them by its unit, but 'coach doctor' and 'coach say' run by hand need them too. "
        "Fix it with:\n"
        "    sudo usermod -aG audio,gpio ana\n"
        "  then log out and in again.\n"
    )
    assert "SupplementaryGroups=audio gpio\n" in (tmp_path / UNIT_NAME).read_text()


def test_group_check_names_only_the_missing_group(tmp_path: Path, coach_script: Path) -> None:
    # ana's primary group (gid 1000) counts as membership, as it does for the kernel.
    host = FakeHost(groups={"audio": (1000, ()), "gpio": (997, ())})
    result = invoke(host, tmp_path, "install", "--dry-run", "--executable", str(coach_script))
    assert "sudo usermod -aG gpio ana\n" in result.stderr
    assert "ana is not in the gpio group." in result.stderr


def test_a_group_the_system_lacks_is_left_out_of_the_unit(
    tmp_path: Path, coach_script: Path
) -> None:
    host = FakeHost(groups={"audio": (29, ("ana",))})
    result = invoke(host, tmp_path, "install", "--executable", str(coach_script))
    assert result.exit_code == 0, result.output
    assert "there is no 'gpio' group on this system" in result.stderr
    assert "SupplementaryGroups=audio\n" in (tmp_path / UNIT_NAME).read_text()


def test_members_in_both_groups_get_no_warning(tmp_path: Path, coach_script: Path) -> None:
    result = invoke(FakeHost(), tmp_path, "install", "--executable", str(coach_script))
    assert result.stderr == ""


# -- uninstall -----------------------------------------------------------------------


def installed(unit_dir: Path) -> Path:
    unit = unit_dir / UNIT_NAME
    unit.write_text(render_unit(spec()), encoding="utf-8")
    return unit


def test_uninstall_disables_removes_and_reloads(tmp_path: Path) -> None:
    unit = installed(tmp_path)
    host = FakeHost()
    result = invoke(host, tmp_path, "uninstall")
    assert result.exit_code == 0, result.output
    assert not unit.exists()
    assert host.commands == [
        ["systemctl", "disable", "--now", UNIT_NAME],
        ["systemctl", "daemon-reload"],
    ]
    assert result.stdout.splitlines() == [
        f"ran systemctl disable --now {UNIT_NAME}",
        f"removed {unit}",
        "ran systemctl daemon-reload",
        "voice-coach will not start at boot any more",
    ]


def test_uninstall_removes_the_unit_even_if_disable_fails(tmp_path: Path) -> None:
    unit = installed(tmp_path)
    host = FakeHost(statuses={f"disable --now {UNIT_NAME}": 5})
    result = invoke(host, tmp_path, "uninstall")
    assert result.exit_code == 0, result.output
    assert not unit.exists()
    assert "failed with status 5; removing the unit anyway" in result.stderr
    assert host.commands[-1] == ["systemctl", "daemon-reload"]


def test_uninstall_reports_a_missing_unit(tmp_path: Path) -> None:
    host = FakeHost()
    result = invoke(host, tmp_path, "uninstall")
    assert result.exit_code == 0
    assert result.stdout == (
        f"no unit at {tmp_path / UNIT_NAME}: the boot service is not installed, nothing to do\n"
    )
    assert host.commands == []


def test_uninstall_dry_run_changes_nothing(tmp_path: Path) -> None:
    unit = installed(tmp_path)
    host = FakeHost(root=False)
    result = invoke(host, tmp_path, "uninstall", "--dry-run")
    assert result.exit_code == 0, result.output
    assert unit.exists()
    assert host.commands == []
    assert result.stdout.splitlines() == [
        f"would run systemctl disable --now {UNIT_NAME}",
        f"would remove {unit}",
        "would run systemctl daemon-reload",
    ]


def test_uninstall_needs_root(tmp_path: Path) -> None:
    unit = installed(tmp_path)
    result = invoke(FakeHost(root=False), tmp_path, "uninstall")
    assert result.exit_code == 1
    assert "needs root" in result.stderr
    assert unit.exists()


def test_uninstall_removes_only_its_own_unit(tmp_path: Path) -> None:
    unit = tmp_path / UNIT_NAME
    unit.write_text("[Service]\nExecStart=/usr/bin/something-else\n")
    host = FakeHost()
    result = invoke(host, tmp_path, "uninstall")
    assert result.exit_code == 1
    assert unit.exists()
    assert host.commands == []


def test_every_command_has_help() -> None:
    for args in ([], ["install"], ["uninstall"]):
        result = CliRunner().invoke(cli, ["service", *args, "--help"])
        assert result.exit_code == 0
        assert "--unit-dir" not in result.output
    install_help = CliRunner().invoke(cli, ["service", "install", "--help"]).output
    for option in ("--user", "--audio-device", "--executable", "--dry-run"):
        assert option in install_help


def test_the_real_host_reads_accounts_and_groups() -> None:
    host = Host()
    root = host.account("root")
    assert (root.uid, root.gid, root.home) == (0, 0, Path("/root"))
    assert host.group("no-such-group-for-voice-coach") is None
    with pytest.raises(ServiceError, match="there is no user 'no-such-user-for-voice-coach'"):
        host.account("no-such-user-for-voice-coach")
