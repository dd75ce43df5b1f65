"""Atomic writes: synced before the rename, a name of their own, never through a link."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest

from coach.errors import FolderNotWritable
from coach.speech import atomicfile


def test_the_file_is_synced_before_the_rename_and_the_folder_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[str] = []
    fsync, replace = os.fsync, os.replace

    def record_fsync(fd: int) -> None:
        steps.append("sync folder" if os.path.isdir(f"/proc/self/fd/{fd}") else "sync file")
        fsync(fd)

    def record_replace(source: Any, target: Any) -> None:
        steps.append("rename")
        replace(source, target)

    monkeypatch.setattr(os, "fsync", record_fsync)
    monkeypatch.setattr(os, "replace", record_replace)
    target = tmp_path / "a.wav"
    atomicfile.write_atomically(target, b"whole")
    assert steps == ["sync file", "rename", "sync folder"]
    assert target.read_bytes() == b"whole"
    assert [p.name for p in tmp_path.iterdir()] == ["a.wav"]


def test_a_full_disk_leaves_the_old_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "a.wav"
    target.write_bytes(b"old")

    def full(fd: int, data: Any) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(FolderNotWritable) as caught:
        atomicfile.write_atomically(target, b"new")
    assert str(caught.value) == f"cannot write in {tmp_path}: No space left on device"
    assert caught.value.folder == tmp_path
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.wav"]


def test_a_folder_that_cannot_be_made_names_the_folder_and_the_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    folder = tmp_path / "file" / "cache"
    with pytest.raises(FolderNotWritable, match=f"^cannot write in {folder}: Not a directory$"):
        atomicfile.write_atomically(folder / "a.wav", b"x")
    assert atomicfile.can_write(folder) is False
    assert atomicfile.can_write(tmp_path) is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]  # the probe is gone again


def test_temporary_names_are_hidden_and_differ_per_process_and_attempt(tmp_path: Path) -> None:
    target = tmp_path / "a.wav"
    names = {atomicfile.temporary_name(target) for _ in range(50)}
    assert len(names) == 50
    for name in names:
        assert name.startswith(f".a.wav.{os.getpid()}-")
        assert name.endswith(atomicfile.TEMPORARY_SUFFIX)


def test_a_link_planted_at_the_temporary_name_is_never_written_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    target = tmp_path / "a.wav"
    planted = ".a.wav.planted.tmp"
    (tmp_path / planted).symlink_to(victim)
    names = iter([planted, planted, ".a.wav.free.tmp"])
    monkeypatch.setattr(atomicfile, "temporary_name", lambda _target: next(names))
    atomicfile.write_atomically(target, b"new")
    assert victim.read_text() == "precious"
    assert (tmp_path / planted).is_symlink()
    assert target.read_bytes() == b"new"
    assert not (tmp_path / ".a.wav.free.tmp").exists()


def test_a_rename_onto_a_complete_file_is_harmless(tmp_path: Path) -> None:
    target = tmp_path / "a.wav"
    atomicfile.write_atomically(target, b"same")
    atomicfile.write_atomically(target, b"same")  # as a second process rendering it would
    assert target.read_bytes() == b"same"
    assert [p.name for p in tmp_path.iterdir()] == ["a.wav"]
