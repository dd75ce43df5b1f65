"""Start the coach at boot: the systemd unit and ``coach service install|uninstall``.

The unit is a *system* service that runs ``coach device`` as the person's own
account (never root) with the ``audio`` and ``gpio`` groups. A system service
cannot reach a desktop's PipeWire or PulseAudio, so it plays to an ALSA device
directly (``COACH_AUDIO_DEVICE``). It does not wait for the sound card before
starting: the coach tolerates a missing sound device by itself (it warns once
and retries on every cue), so a card that appears late at boot is picked up
without a restart.

Everything the commands need from the machine (root or not, accounts, groups,
running ``systemctl``) goes through a :class:`Host`, which tests replace by
passing their own to the command line's context object. Failures raise
:class:`ServiceError`, exit status 1 ("other error" in the README's table):
none of them is about routines or GPIO hardware, which have codes of their own.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from coach.errors import ServiceError

UNIT_NAME = "voice-coach.service"
DEFAULT_UNIT_DIR = "/etc/systemd/system"
#: The groups that own the sound devices and the GPIO chips on Raspberry Pi OS.
DEVICE_GROUPS: tuple[str, ...] = ("audio", "gpio")
RESTART_SECONDS = 5
STOP_TIMEOUT_SECONDS = 10
NICE = -5
#: Every unit this module writes carries this line; uninstall removes no other file.
MARKER = "Written by 'coach service install'."

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NEEDS_QUOTES = re.compile(r"[\s\"'\\;]")


@dataclass(frozen=True)
class UnitSpec:
    """What the unit depends on; :func:`render_unit` turns it into text."""

    user: str
    group: str
    home: Path
    #: Absolute path of the ``coach`` script in the venv the coach is installed in.
    coach_executable: Path
    #: An ALSA device such as ``plughw:CARD=Headphones``; None plays to aplay's default.
    audio_device: str | None = None
    #: More arguments for ``coach device``, e.g. ``("--speech", "piper")``.
    extra_args: tuple[str, ...] = ()
    supplementary_groups: tuple[str, ...] = DEVICE_GROUPS


@dataclass(frozen=True)
class Account:
    """A user account, as :meth:`Host.account` finds it.

    :param name: the login name.
    :param uid: the user's number.
    :param gid: the primary group's number.
    :param group: the primary group's name.
    :param home: the home directory.
    """

    name: str
    uid: int
    gid: int
    #: The name of the primary group (its number when it has no name).
    group: str
    home: Path


class Host:
    """The machine as install and uninstall see it. Tests pass a fake one."""

    def is_root(self) -> bool:
        """True when this process runs as root."""
        return os.geteuid() == 0

    def current_user(self) -> str:
        """The login name of the user running this process (root under sudo)."""
        return pwd.getpwuid(os.getuid()).pw_name

    def account(self, name: str) -> Account:
        """The account called ``name``.

        :raises ServiceError: when there is no such user.
        """
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            raise ServiceError(f"there is no user '{name}' on this system") from None
        try:
            group = grp.getgrgid(entry.pw_gid).gr_name
        except KeyError:
            group = str(entry.pw_gid)
        return Account(name, entry.pw_uid, entry.pw_gid, group, Path(entry.pw_dir))

    def group(self, name: str) -> tuple[int, tuple[str, ...]] | None:
        """The group's number and listed members, or None when it does not exist."""
        try:
            entry = grp.getgrnam(name)
        except KeyError:
            return None
        return entry.gr_gid, tuple(entry.gr_mem)

    def run(self, argv: Sequence[str]) -> int:
        """Run a command without a shell; its output goes straight to the terminal."""
        try:
            return subprocess.run(list(argv), check=False).returncode
        except FileNotFoundError:
            raise ServiceError(
                f"'{argv[0]}' was not found: this system does not seem to run systemd"
            ) from None


def default_coach_executable() -> Path:
    """The ``coach`` script next to this Python, else the first one on ``PATH``.

    ``sys.executable`` is not resolved: in a venv it is a symlink to the system
    Python, and the script lives beside the link, not beside its target.
    """
    if sys.executable:
        beside = Path(os.path.abspath(sys.executable)).parent / "coach"
        if beside.is_file():
            return beside
    found = shutil.which("coach")
    if found:
        return Path(os.path.abspath(found))
    raise ServiceError(
        "cannot find the 'coach' script; run this command with the venv's coach "
        "(for example: sudo ~/voice-coach/.venv/bin/coach service install) or pass --executable"
    )


# -- the unit text -------------------------------------------------------------


def _check(what: str, value: str) -> str:
    if not value or _CONTROL.search(value):
        raise ServiceError(f"{what} must be non-empty text on one line, got {value!r}")
    return value


def _check_name(what: str, value: str) -> str:
    if not _NAME.match(value):
        raise ServiceError(f"{what} must be letters, digits, '_', '.' or '-', got {value!r}")
    return value


def _check_path(what: str, path: Path) -> str:
    text = _check(what, str(path))
    if not path.is_absolute() or re.search(r"\s", text):
        raise ServiceError(f"{what} must be an absolute path without spaces, got {text!r}")
    return text


def _specifiers(value: str) -> str:
    # systemd expands %x specifiers in almost every setting.
    return value.replace("%", "%%")


def _quoted(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _exec_arg(value: str) -> str:
    # ExecStart also expands $VARIABLES; "$$" is a literal dollar.
    text = _specifiers(_check("an argument of 'coach device'", value)).replace("$", "$$")
    return _quoted(text) if _NEEDS_QUOTES.search(text) else text


def _environment(name: str, value: str) -> str:
    assignment = f"{name}={_specifiers(_check(name, value))}"
    return _quoted(assignment) if _NEEDS_QUOTES.search(assignment) else assignment


def render_unit(spec: UnitSpec) -> str:
    """The unit file for ``spec``: the same text for the same spec, every time."""
    user = _check_name("the user name", spec.user)
    group = _check_name("the group name", spec.group)
    for extra in spec.supplementary_groups:
        _check_name("a supplementary group", extra)
    home = _specifiers(_check_path("the home directory", spec.home))
    coach = _specifiers(_check_path("the coach executable", spec.coach_executable))
    command = " ".join([coach, "device", *(_exec_arg(a) for a in spec.extra_args)])
    lines = [
        f"# voice-coach: runs 'coach device' as {user} from boot, so the box is ready",
        "# when the button is pressed.",
        f"# {MARKER} Remove it with:",
        f"#   sudo {spec.coach_executable} service uninstall",
        "",
        "[Unit]",
        "Description=voice-coach: a voice-guided stretching coach with one button",
        "# Only an ordering: nothing here waits for a sound card to exist. The coach",
        "# starts without one, warns once, and tries again on every cue, so a card",
        "# that appears late at boot is used as soon as it is there. No network.",
        "After=sound.target",
        "# Never give up restarting: a box without a screen has no other way back.",
        "StartLimitIntervalSec=0",
        "",
        "[Service]",
        "Type=exec",
        f"User={user}",
        f"Group={group}",
        "# Granted by systemd whether or not the user is a member: the sound",
        "# devices and /dev/gpiochip* belong to these groups.",
    ]
    if spec.supplementary_groups:
        lines.append(f"SupplementaryGroups={' '.join(spec.supplementary_groups)}")
    lines += [
        "# Writable on purpose: lgpio makes its notification pipes (.lgd-nfy*) in",
        "# the working directory.",
        f"WorkingDirectory={home}",
        f"ExecStart={command}",
        f"Environment={_environment('PYTHONUNBUFFERED', '1')}",
    ]
    if spec.audio_device is not None:
        lines += [
            "# A system service cannot reach the user's PipeWire or PulseAudio, so the",
            "# coach plays to this ALSA device directly (this wins over audio_device",
            "# in the settings file).",
            f"Environment={_environment('COACH_AUDIO_DEVICE', spec.audio_device)}",
        ]
    else:
        lines += [
            "# No COACH_AUDIO_DEVICE: audio_device in the settings file applies, else",
            "# ALSA's default device. Where that default leads to PipeWire (desktop",
            "# images) a system service has no sound: set audio_device, or install",
            "# again with --audio-device plughw:CARD=... ('aplay -l' lists the cards).",
        ]
    lines += [
        "SyslogIdentifier=voice-coach",
        "# 'coach device' exits 0 on SIGTERM, so a stop is never restarted; a crash is.",
        "Restart=on-failure",
        f"RestartSec={RESTART_SECONDS}",
        "KillSignal=SIGTERM",
        f"TimeoutStopSec={STOP_TIMEOUT_SECONDS}",
        "# Set before systemd drops root, so the user needs no privilege for it; aplay",
        "# inherits it, which keeps cues on time while something else is busy.",
        f"Nice={NICE}",
        "# Hardening that leaves sound and GPIO alone. ProtectHome stays off: the",
        "# speech cache (~/.cache/voice-coach) and lgpio's pipes are written in the",
        "# home directory. PrivateDevices would hide /dev/snd and /dev/gpiochip*.",
        "NoNewPrivileges=yes",
        "ProtectSystem=full",
        "PrivateTmp=yes",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
    ]
    return "\n".join(lines) + "\n"


#: The inputs hardware/coach.service is rendered from.
EXAMPLE_SPEC = UnitSpec(
    user="pi",
    group="pi",
    home=Path("/home/pi"),
    coach_executable=Path("/home/pi/voice-coach/.venv/bin/coach"),
    audio_device="plughw:CARD=Headphones",
)

_EXAMPLE_PREFACE = """\
# hardware/coach.service: an example, rendered for user pi with the coach in
# /home/pi/voice-coach/.venv and the 3.5 mm jack (plughw:CARD=Headphones).
# It is a complete unit rather than a template, so what it says can be read
# (and tried) as it stands. To install the unit for your own account, venv and
# sound card, run 'sudo .venv/bin/coach service install --audio-device DEV',
# which writes this same text with your values to
# /etc/systemd/system/voice-coach.service.

"""


def example_unit() -> str:
    """The text of ``hardware/coach.service`` (a test keeps the file equal to it)."""
    return _EXAMPLE_PREFACE + render_unit(EXAMPLE_SPEC)


# -- install and uninstall ------------------------------------------------------


class ServiceManager:
    """Installs and removes the boot service on ``host``, reporting each step.

    :param host: the machine: root or not, accounts, groups, ``systemctl``.
    :param say: gets one line for each step done (or that would be done).
    :param warn: gets a warning that does not stop the work.
    :param unit_dir: where the unit file goes; default ``/etc/systemd/system``.
    """

    def __init__(
        self,
        host: Host,
        say: Callable[[str], None],
        warn: Callable[[str], None],
        unit_dir: Path = Path(DEFAULT_UNIT_DIR),
    ) -> None:
        self.host = host
        self.say = say
        self.warn = warn
        self.unit_dir = unit_dir

    @property
    def unit_path(self) -> Path:
        """Where the unit file is (or would be)."""
        return self.unit_dir / UNIT_NAME

    def install(
        self,
        user_name: str | None = None,
        audio_device: str | None = None,
        executable: Path | None = None,
        device_args: Sequence[str] = (),
        dry_run: bool = False,
    ) -> None:
        """Write the unit, enable it and start it now; with ``dry_run``, only say so.

        :param user_name: the account the coach runs as; default whoever ran
            sudo, else whoever runs this; never root.
        :param audio_device: the ALSA device the service plays to.
        :param executable: the ``coach`` script to run; default the one in this venv.
        :param device_args: more arguments for ``coach device``.
        :raises ServiceError: when any step cannot be done.
        """
        if not dry_run:
            self._need_root("install")
        account = self._choose_user(user_name)
        coach = Path(os.path.abspath(executable)) if executable else default_coach_executable()
        groups = self._check_groups(account, DEVICE_GROUPS)
        spec = UnitSpec(
            user=account.name,
            group=account.group,
            home=account.home,
            coach_executable=coach,
            audio_device=audio_device or None,
            extra_args=tuple(device_args),
            supplementary_groups=groups,
        )
        text = render_unit(spec)
        path = self.unit_path
        replacing = path.exists()
        if replacing and not _is_ours(path):
            raise ServiceError(
                f"{path} exists and was not written by 'coach service install'; move it away first"
            )
        # A fresh unit only needs starting; a replaced one is restarted so that its
        # new settings apply now rather than at the next boot.
        steps = (
            [("enable", UNIT_NAME), ("restart", UNIT_NAME)]
            if replacing
            else [("enable", "--now", UNIT_NAME)]
        )
        compile_argv = _compile_command(account, coach)
        if dry_run:
            self.say(f"would write {path}:\n")
            self.say(text)
            self.say(f"would run {shlex.join(compile_argv)}")
            self.say("would run systemctl daemon-reload")
            for step in steps:
                self.say(f"would run systemctl {' '.join(step)}")
            return
        _write(path, text)
        self.say(f"wrote {path}" + (" (replacing the previous unit)" if replacing else ""))
        self._compile(compile_argv)
        self._systemctl("daemon-reload")
        for step in steps:
            self._systemctl(*step)
        self.say(
            f"voice-coach runs as {account.name} now and at every boot; listen for 'Ready'. "
            "Follow it with: journalctl -u voice-coach -f"
        )

    def uninstall(self, dry_run: bool = False) -> None:
        """Stop, disable and remove the unit; with ``dry_run``, only say so.

        :raises ServiceError: when the unit is not ours or cannot be removed.
        """
        if not dry_run:
            self._need_root("uninstall")
        path = self.unit_path
        if not path.exists():
            self.say(f"no unit at {path}: the boot service is not installed, nothing to do")
            return
        if not _is_ours(path):
            raise ServiceError(
                f"{path} was not written by 'coach service install'; remove it by hand"
            )
        if dry_run:
            self.say(f"would run systemctl disable --now {UNIT_NAME}")
            self.say(f"would remove {path}")
            self.say("would run systemctl daemon-reload")
            return
        argv = ["systemctl", "disable", "--now", UNIT_NAME]
        status = self.host.run(argv)
        if status == 0:
            self.say(f"ran {' '.join(argv)}")
        else:
            # The file goes regardless: a unit systemd cannot disable is still one to remove.
            self.warn(f"'{' '.join(argv)}' failed with status {status}; removing the unit anyway")
        try:
            path.unlink()
        except OSError as exc:
            raise ServiceError(f"cannot remove {path}: {exc.strerror or exc}") from None
        self.say(f"removed {path}")
        self._systemctl("daemon-reload")
        self.say("voice-coach will not start at boot any more")

    # -- steps ---------------------------------------------------------------------

    def _need_root(self, command: str) -> None:
        if not self.host.is_root():
            raise ServiceError(
                f"'coach service {command}' changes the system and needs root: run it with "
                "sudo (or add --dry-run to see what it would do)"
            )

    def _choose_user(self, given: str | None) -> Account:
        """``--user``, else whoever ran sudo, else whoever runs this; never root.

        As root the coach would own the speech cache and the settings it writes,
        and a routine or speech engine would run with every privilege.
        """
        name = given or os.environ.get("SUDO_USER") or self.host.current_user()
        if not name or name == "root":
            raise ServiceError(_NOT_ROOT)
        account = self.host.account(name)
        if account.uid == 0:
            raise ServiceError(_NOT_ROOT)
        return account

    def _compile(self, argv: list[str]) -> None:
        """Compile the coach's modules ahead, so no start of the service has to.

        Python writes no ``.pyc`` files where it may not (a service, or
        PYTHONDONTWRITEBYTECODE): on a Pi Zero every start would then compile
        the whole package again, about 0.7 s. Not being able to is no reason
        to stop the install.
        """
        try:
            status = self.host.run(argv)
        except ServiceError as exc:
            status, why = 1, str(exc)
        else:
            why = f"status {status}"
        if status == 0:
            self.say(f"ran {shlex.join(argv)}")
        else:
            self.warn(f"could not compile the coach's modules ahead ({why}); it starts slower")

    def _systemctl(self, *args: str) -> None:
        argv = ["systemctl", *args]
        status = self.host.run(argv)
        shown = " ".join(argv)
        if status != 0:
            raise ServiceError(
                f"'{shown}' failed with status {status}; see 'systemctl status {UNIT_NAME}' "
                "and 'journalctl -u voice-coach'"
            )
        self.say(f"ran {shown}")

    def _check_groups(self, account: Account, groups: Sequence[str]) -> tuple[str, ...]:
        """Warn about missing memberships; returns the groups that exist on this system."""
        existing: list[str] = []
        missing: list[str] = []
        for name in groups:
            found = self.host.group(name)
            if found is None:
                self.warn(
                    f"there is no '{name}' group on this system, so the unit does not ask "
                    "for it (systemd would refuse to start the service)"
                )
                continue
            existing.append(name)
            gid, members = found
            if account.name not in members and account.gid != gid:
                missing.append(name)
        if missing:
            noun, pronoun = ("groups", "them") if len(missing) > 1 else ("group", "it")
            self.warn(
                f"{account.name} is not in the {' and '.join(missing)} {noun}. The service "
                f"is given {pronoun} by its unit, but 'coach doctor' and 'coach say' run by "
                f"hand need {pronoun} too. Fix it with:\n"
                f"    sudo usermod -aG {','.join(missing)} {account.name}\n"
                "  then log out and in again."
            )
        return tuple(existing)


_NOT_ROOT = (
    "refusing to install the service for root: the coach runs as a normal account. "
    "Run 'sudo coach service install' from that account, or pass --user NAME"
)


#: Compiles the package of the venv's ``coach``, in that venv's own Python.
COMPILE = (
    "import compileall, os, sys, coach; "
    "sys.exit(not compileall.compile_dir(os.path.dirname(coach.__file__), quiet=1))"
)


def _compile_command(account: Account, coach: Path) -> list[str]:
    """Compile as the account the coach runs as, so the files are its own."""
    return ["runuser", "-u", account.name, "--", str(coach.parent / "python"), "-c", COMPILE]


def _is_ours(path: Path) -> bool:
    try:
        return MARKER in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _write(path: Path, text: str) -> None:
    staging = path.with_name(path.name + ".tmp")
    try:
        staging.write_text(text, encoding="utf-8")
        staging.chmod(0o644)
        os.replace(staging, path)
    except OSError as exc:
        staging.unlink(missing_ok=True)
        raise ServiceError(f"cannot write {path}: {exc.strerror or exc}") from None
