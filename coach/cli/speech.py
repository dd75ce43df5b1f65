"""``coach voices``, ``coach say`` and ``coach speech-cache``: the commands about speech."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import click

from coach.cli.common import load_routine_from, warn
from coach.errors import CoachError
from coach.settings import Settings, keys, settings_options
from coach.speech.cache import PhraseCache, default_cache_dir
from coach.speech.cachefolder import CacheStats
from coach.speech.setup import (
    export_phrases,
    load_backend,
    prerender,
    say_once,
    speaking_voice,
)
from coach.yamltree import printable


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
@settings_options(*keys("speech", "routines", "check-ins"))
def prerender_cmd(routines: Sequence[str], settings: Settings) -> None:
    """Render every phrase of ROUTINEs ahead of time (every routine in the library when none).

    ROUTINE is a name from 'coach list' or a path. Useful on a slow Raspberry
    Pi before the first session. Then the least recently used phrases of other
    routines are evicted to keep the cache within --cache-limit-mb.
    """
    if settings.engine() == "text":
        raise click.UsageError(
            "the text voice has nothing to render; choose --speech pyttsx3 or piper"
        )
    library = settings.library
    names = list(routines) or [e.slug for e in library.entries()]
    loaded = [(name, settings.check_ins(load_routine_from(library, name))) for name in names]
    voice = speaking_voice(settings, warn, plays=False)
    renderer = voice.renderer
    failed = 0
    try:
        for name, routine in loaded:
            started = time.perf_counter()
            count = prerender([routine], voice, settings.tones, count=settings.count)
            took = time.perf_counter() - started
            more = f", {count.failed} failed" if count.failed else ""
            click.echo(
                f"{printable(name)}: {count.phrases} phrases, {count.rendered} rendered now, "
                f"{count.cached} already cached{more} ({took:.1f} s)"
            )
            error = renderer.write_error
            if error is not None:
                raise CoachError(f"cannot write the speech cache in {error.folder}: {error.reason}")
            failed += count.failed
    finally:
        voice.close()
    renderer.evict()  # the thread has ended: this runs after any eviction of its own
    cache = renderer.cache
    if renderer.evicted.files:
        click.echo(
            f"evicted {_files(renderer.evicted)}, least recently used, "
            f"to keep the cache within {settings.cache_limit_mb} MB"
        )
    held = cache.stats()
    if cache.limit_bytes is not None and held.bytes > cache.limit_bytes:
        click.echo(
            f"the cache holds {_megabytes(held.bytes)}, over its limit of "
            f"{settings.cache_limit_mb} MB: these routines need that much (--cache-limit-mb)"
        )
    click.echo(f"cache: {cache.home}")
    if failed:
        raise CoachError(f"{failed} phrase(s) could not be rendered")


@speech_cache.command("export")
@click.argument("routine")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Write into FOLDER even if it holds files already.")
@settings_options(*keys("speech", "routines", "check-ins"))
def export_cmd(routine: str, folder: Path, force: bool, settings: Settings) -> None:
    """Write every phrase ROUTINE may say as FOLDER/0001.wav, ... and FOLDER/index.json.

    The phrases are those a session would say with the same speech settings:
    the plan's cues, then what is said outside it (pauses, the held button),
    each once, in the order first said, as the player would get them (lead-in
    and tone included). index.json is a list of {"file", "text", "seconds"}.
    For listening tests, such as the speech judge in the README's Speech part.
    FOLDER is made if need be; one that holds files is refused without --force.
    """
    if settings.engine() == "text":
        raise click.UsageError(
            "the text voice has nothing to export; choose --speech pyttsx3 or piper"
        )
    if not settings.speak:
        raise click.UsageError("with --no-speak there are no words to export")
    if folder.exists() and any(folder.iterdir()) and not force:
        raise click.UsageError(
            f"{printable(str(folder))} is not empty; choose an empty folder, or --force"
        )
    loaded = settings.check_ins(load_routine_from(settings.library, routine))
    voice = speaking_voice(settings, warn, plays=False)
    try:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            where = printable(str(folder))
            raise CoachError(f"cannot make {where}: {exc.strerror or exc}") from exc
        written = export_phrases(loaded, voice, settings.tones, folder)
    finally:
        voice.close()
    seconds = sum(e.seconds for e in written)
    click.echo(
        f"{printable(routine)}: {len(written)} phrases ({seconds:.1f} s) "
        f"in {printable(str(folder))}, listed in index.json"
    )


@speech_cache.command("clear")
def clear_cmd() -> None:
    """Delete every rendered phrase (other files in the folder are left alone)."""
    cache = PhraseCache(default_cache_dir(), identity="")
    cleared = cache.clear()
    click.echo(f"removed {_files(cleared.removed)} from {cache.home}")
    if cleared.kept:
        click.echo(f"left {cleared.kept} other file(s) that are not the cache's")
    if cleared.failure is not None:
        reason = cleared.failure.strerror or str(cleared.failure)
        raise CoachError(f"cannot clear {cache.home}: {reason}")


def _files(stats: CacheStats) -> str:
    return f"{stats.files} files ({_megabytes(stats.bytes)})"


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"
