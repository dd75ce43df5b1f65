"""The cache folder: only the cache's own files are counted, cleared or evicted."""

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


def test_eviction_goes_least_recently_used_first_and_keeps_what_is_in_use(
    tmp_path: Path,
) -> None:
    names = [f"{digit * 32}.wav" for digit in "12345"]
    for age, name in enumerate(names):
        own(tmp_path, name, 1000, used=1_000_000.0 + age)  # names[0] is the oldest
    own(tmp_path, "song.wav", 5000, used=0.0)  # not the cache's: never counted, never removed
    evicted = cachefolder.evict(tmp_path, 2500, keep={names[0]})
    assert evicted == CacheStats(3, 3000)
    remaining = sorted(p.name for p in tmp_path.iterdir())
    assert remaining == sorted([names[0], names[4], "song.wav"])


def test_eviction_never_goes_below_the_files_in_use(tmp_path: Path) -> None:
    names = [f"{digit * 32}.wav" for digit in "123"]
    for name in names:
        own(tmp_path, name, 1000)
    assert cachefolder.evict(tmp_path, 1, keep=set(names)) == CacheStats(0, 0)
    assert cachefolder.stats(tmp_path) == CacheStats(3, 3000)


def test_eviction_removes_temporary_files_left_by_a_crash(tmp_path: Path) -> None:
    stale = own(tmp_path, TEMPORARY, used=1_000_000.0)
    fresh = own(tmp_path, f".{PLAYABLE}.77-00ff00ff.tmp")  # being written by another process now
    cachefolder.evict(tmp_path, 10**9, keep=())
    assert not stale.exists()
    assert fresh.exists()
