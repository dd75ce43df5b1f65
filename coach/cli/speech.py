"""``coach voices``, ``coach say`` and ``coach speech-cache``: the commands about speech."""

from __future__ import annotations

import time
from collections.abc import Sequence

import click

from coach.cli.common import load_routine_from, warn
from coach.settings import Settings, keys, settings_options
from coach.speech.cache import PhraseCache, default_cache_dir
from coach.speech.setup import load_backend, prerender, say_once, speaking_voice


@click.command()
@settings_options(*keys("speech"))
def voices(settings: Settings) -> None:
    """List the voices the chosen speech engine offers."""
    engine = settings.engine()
    if engine == "text":
        click.echo("the text voice prints what it would say; it has no voices to choose")
        return
    backend = load_backend(settings, engine)
    try:
        found = backend.voices()
    finally:
        backend.close()
    rows = [(v.id, v.name, ", ".join(v.languages)) for v in found]
    widths = [max(len(r[i]) for r in [("ID", "NAME", ""), *rows]) for i in range(2)]
    click.echo(f"{'ID':<{widths[0]}}  {'NAME':<{widths[1]}}  LANGUAGES")
    for ident, name, languages in rows:
        click.echo(f"{ident:<{widths[0]}}  {name:<{widths[1]}}  {languages}".rstrip())


@click.command()
@click.argument("text")
@settings_options(*keys("speech"))
def say(text: str, settings: Settings) -> None:
    """Say TEXT through the same path a session uses: render, cache, play."""
    say_once(settings, text, click.echo, warn)


@click.group("speech-cache")
def speech_cache() -> None:
    """Manage the cache of rendered phrases."""


@speech_cache.command("prerender")
@click.argument("routines", nargs=-1, metavar="[ROUTINE]...")
@settings_options(*keys("speech", "routines"))
def prerender_cmd(routines: Sequence[str], settings: Settings) -> None:
    """Render every phrase of ROUTINEs ahead of time (every routine in the library when none).

    ROUTINE is a name from 'coach list' or a path. Useful on a slow Raspberry
    Pi before the first session.
    """
    if settings.engine() == "text":
        raise click.UsageError(
            "the text voice has nothing to render; choose --speech pyttsx3 or piper"
        )
    library = settings.library
    names = list(routines) or [e.slug for e in library.entries()]
    loaded = [(name, load_routine_from(library, name)) for name in names]
    voice = speaking_voice(settings, warn, plays=False)
    try:
        for name, routine in loaded:
            started = time.perf_counter()
            count, rendered = prerender([routine], voice, settings.tones)
            took = time.perf_counter() - started
            click.echo(
                f"{name}: {count} phrases, {rendered} rendered now, "
                f"{count - rendered} already cached ({took:.1f} s)"
            )
    finally:
        voice.close()
    click.echo(f"cache: {voice.renderer.cache.root}")


@speech_cache.command("clear")
def clear_cmd() -> None:
    """Delete every rendered phrase."""
    cache = PhraseCache(default_cache_dir(), identity="")
    removed = cache.clear()
    click.echo(f"removed {removed.files} files ({removed.bytes / 1e6:.1f} MB) from {cache.root}")
