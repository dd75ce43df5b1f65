"""The cache folder: which names are the cache's own."""

from __future__ import annotations

from pathlib import Path

from coach.speech import cachefolder

SPEECH = "0123456789abcdef0123456789abcdef.wav"
PLAYABLE = "fedcba9876543210fedcba9876543210-play.wav"
TEMPORARY = f".{SPEECH}.4242-1a2b3c4d.tmp"
OLD_PART = f"{SPEECH}.part.wav"


def test_names_of_the_cache(tmp_path: Path) -> None:
    assert cachefolder.is_finished(SPEECH) and cachefolder.is_finished(PLAYABLE)
    assert cachefolder.is_temporary(TEMPORARY) and cachefolder.is_temporary(OLD_PART)
    for other in ("notes.txt", "a.wav", "0123456789ABCDEF0123456789ABCDEF.wav", f"{SPEECH}.bak"):
        assert not cachefolder.is_finished(other) and not cachefolder.is_temporary(other)
