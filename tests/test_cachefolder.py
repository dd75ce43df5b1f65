"""The cache folder: only the cache's own files are counted or cleared."""

from __future__ import annotations

import os
from pathlib import Path

from coach.speech import cachefolder
from coach.speech.cachefolder import CacheStats

SPEECH = "0123456789abcdef0123456789abcdef.wav"
PLAYABLE = "fedcba9876543210fedcba9876543210-play.wav"
TEMPORARY = f".{SPEECH}.4242-1a2b3c4d.tmp"
OLD_PART = f"{SPEECH}.part.wav"


def own(folder: Path, name: str, size: int = 1000, used: float | None = None) -> Path:
    path = folder / name
    path.write_bytes(b"\x00" * size)
    if used is not None:
        os.utime(path, (used, used))
    return path


def test_names_of_the_cache(tmp_path: Path) -> None:
    assert cachefolder.is_finished(SPEECH) and cachefolder.is_finished(PLAYABLE)
    assert cachefolder.is_temporary(TEMPORARY) and cachefolder.is_temporary(OLD_PART)
    for other in ("notes.txt", "a.wav", "0123456789ABCDEF0123456789ABCDEF.wav", f"{SPEECH}.bak"):
        assert not cachefolder.is_finished(other) and not cachefolder.is_temporary(other)


def test_statistics_count_only_finished_files(tmp_path: Path) -> None:
    own(tmp_path, SPEECH, 100)
    own(tmp_path, PLAYABLE, 200)
    own(tmp_path, TEMPORARY, 400)
    own(tmp_path, OLD_PART, 800)
    own(tmp_path, "song.wav", 1600)
    assert cachefolder.stats(tmp_path) == CacheStats(2, 300)
    assert cachefolder.stats(tmp_path / "missing") == CacheStats(0, 0)


def test_clear_removes_only_the_caches_files_and_never_follows_a_link(tmp_path: Path) -> None:
    folder = tmp_path / "x"
    folder.mkdir()
    own(folder, SPEECH, 100)
    own(folder, PLAYABLE, 200)
    own(folder, TEMPORARY, 400)
    (folder / "notes.txt").write_text("mine")
    (folder / "photos").mkdir()
    outside = tmp_path / "outside.wav"
    outside.write_bytes(b"keep")
    (folder / "abcdefabcdefabcdefabcdefabcdefab.wav").symlink_to(outside)
    cleared = cachefolder.clear(folder)
    assert cleared.removed == CacheStats(3, 700)
    assert cleared.kept == 3
    assert cleared.failure is None
    assert sorted(p.name for p in folder.iterdir()) == [
        "abcdefabcdefabcdefabcdefabcdefab.wav", "notes.txt", "photos"
    ]  # fmt: skip
    assert outside.read_bytes() == b"keep"


def test_clear_removes_an_emptied_folder_but_never_a_linked_one(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    own(plain, SPEECH)
    assert cachefolder.clear(plain).removed.files == 1
    assert not plain.exists()
    real = tmp_path / "real"
    real.mkdir()
    own(real, SPEECH)
    link = tmp_path / "link"
    link.symlink_to(real)
    assert cachefolder.clear(link).removed.files == 1
    assert link.is_symlink() and real.is_dir() and list(real.iterdir()) == []


def test_clear_of_a_missing_folder_removes_nothing(tmp_path: Path) -> None:
    cleared = cachefolder.clear(tmp_path / "missing")
    assert cleared == cachefolder.Cleared(CacheStats(0, 0), 0)
