"""``coach doctor``: is everything the box needs working here?"""

from __future__ import annotations

import shlex

import click

from coach import settings as settings_file
from coach.cli.common import App, pass_app
from coach.doctor import format_report, run_checks
from coach.settings import NumberRange, Settings, settings_options


@click.command()
@click.option("--simulate", is_flag=True, help="Check gpiozero's mock pins, not real ones.")
@click.option(
    "--press-test",
    "press_seconds",
    type=NumberRange(0, 120),
    default=0,
    help="Also wait up to SECONDS for a press of the button, to check its wiring.",
    metavar="SECONDS",
)
@click.option("--player-command", hidden=True, help="The player's command line, for tests.")
@settings_options()
@pass_app
@click.pass_context
def doctor(
    ctx: click.Context,
    app: App,
    simulate: bool,
    press_seconds: float,
    player_command: str | None,
    settings: Settings,
) -> None:
    """Check that 'coach device' can work here, piece by piece, with a fix for each failure.

    \b
    In order: Python and the packages, the settings file, the GPIO pin
    factory and the pins (button, LED, buzzer), the speech engine (renders a
    test phrase), the sound device (plays a short tone), the routine
    library and the history file. Takes the same settings as 'coach
    device'; --simulate checks the mock pins, but the sound is always real.
    Stop the boot service first (sudo systemctl stop voice-coach): only one
    program can hold a pin.

    Exits with status 0 when every check is ok, warn or skip, else 1.
    """
    if press_seconds and not simulate:
        click.echo(f"Press the button once, within {press_seconds:g} seconds ...")
    checks = run_checks(
        settings,
        settings_file.config_path(),
        simulate,
        debug=app.debug,
        press_seconds=press_seconds,
        player_command=shlex.split(player_command) if player_command else None,
    )
    click.echo(format_report(checks))
    if any(c.status == "FAIL" for c in checks):
        ctx.exit(1)
