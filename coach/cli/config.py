"""``coach config``: write a commented settings file, and show where each setting comes from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from coach import settings
from coach.cli.common import App, write_new_file
from coach.library import DEFAULT_ROUTINE


@click.group("config")
def config() -> None:
    """Write or show the settings file (config.yaml in the user's config folder)."""


@config.command("init")
@click.option("--force", is_flag=True, help="Replace an existing settings file.")
def init_cmd(force: bool) -> None:
    """Write a settings file with every setting, commented out, at its default."""
    path = settings.config_path()
    write_new_file(path, settings.write_default, force, f"the settings file {path}")
    click.echo(f"wrote {path}")


@config.command("show")
@settings.setting_options()
@click.pass_context
def show_cmd(ctx: click.Context, /, **values: Any) -> None:
    """Print the effective settings and where each came from.

    Flags given here count too, so 'coach config show --rate 140' shows what
    'coach run --rate 140' would use.
    """
    path = settings.config_path()
    broken = ctx.ensure_object(App).settings_error
    state = "broken" if broken else "found" if path.is_file() else "not found"
    click.echo(f"settings file: {path} ({state})")
    if broken is not None:
        for line in broken.problems:
            click.echo(f"  {line}")
    keys = [s.key for s in settings.SETTINGS]
    sources = settings.sources(ctx, keys)
    rows = [(key, _shown(key, values[key]), sources[key]) for key in keys]
    widths = [max(len(r[i]) for r in [("SETTING", "VALUE", ""), *rows]) for i in range(2)]
    click.echo("")
    click.echo(f"{'SETTING':<{widths[0]}}  {'VALUE':<{widths[1]}}  FROM")
    for key, value, source in rows:
        click.echo(f"{key:<{widths[0]}}  {value:<{widths[1]}}  {source}")
    if broken is not None:
        ctx.exit(broken.exit_code)


#: What ``None`` means, setting by setting.
UNSET = {"speech": "auto (pyttsx3; text for --instant)", "voice": "default",
         "audio_device": "default",
         "default_routine": f"the menu's first (else {DEFAULT_ROUTINE})"}  # fmt: skip


def _shown(key: str, value: Any) -> str:
    if value is None:
        return UNSET.get(key, "off")
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, Path):
        return str(value)
    return f"{value:g}" if isinstance(value, float) else str(value)
