"""``coach service install|uninstall``: start the coach at boot."""

from __future__ import annotations

from pathlib import Path

import click

from coach.cli.common import App, pass_app
from coach.service import DEFAULT_UNIT_DIR, Host, ServiceManager


def _warn(message: str) -> None:
    click.echo(f"coach: warning: {message}", err=True)


def _manager(app: App, unit_dir: Path) -> ServiceManager:
    return ServiceManager(app.host or Host(), click.echo, _warn, unit_dir)


_unit_dir_option = click.option(
    "--unit-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_UNIT_DIR,
    envvar="COACH_SYSTEMD_DIR",
    hidden=True,
    help="Directory of the unit file (for tests and images).",
)


@click.group()
def service() -> None:
    """Start the coach at boot: install or remove its systemd service.

    The service runs 'coach device' as your own account, plays to an ALSA
    device directly and restarts after a crash. Logs: journalctl -u voice-coach
    """


@service.command()
@click.option(
    "--user",
    "user_name",
    metavar="NAME",
    help="The account the coach runs as. Default: the one that ran sudo (or yours).",
)
@click.option(
    "--audio-device",
    metavar="DEV",
    help="ALSA device to play to, e.g. plughw:CARD=Headphones ('aplay -l' lists the "
    "cards). Default: audio_device in the settings file, else ALSA's default.",
)
@click.option(
    "--executable",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The coach script the service runs. Default: the one in this venv.",
)
@click.option("--dry-run", is_flag=True, help="Print the unit and the steps; change nothing.")
@click.argument("device_args", nargs=-1, metavar="[-- DEVICE_ARGS...]")
@_unit_dir_option
@pass_app
def install(
    app: App,
    user_name: str | None,
    audio_device: str | None,
    executable: Path | None,
    dry_run: bool,
    device_args: tuple[str, ...],
    unit_dir: Path,
) -> None:
    """Write the boot service, enable it and start it now (needs sudo).

    Arguments after '--' are passed on to 'coach device', for example:

    \b
        sudo .venv/bin/coach service install \\
            --audio-device plughw:CARD=Headphones -- --speech piper
    """
    _manager(app, unit_dir).install(user_name, audio_device, executable, device_args, dry_run)


@service.command()
@click.option("--dry-run", is_flag=True, help="Print the steps; change nothing.")
@_unit_dir_option
@pass_app
def uninstall(app: App, dry_run: bool, unit_dir: Path) -> None:
    """Stop, disable and remove the boot service (needs sudo).

    The speech cache and the settings in the user's home are left alone.
    """
    _manager(app, unit_dir).uninstall(dry_run)
