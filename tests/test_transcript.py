"""The transcript writer: whole JSON lines, and a full disk that does not end the session."""

from __future__ import annotations

import errno
import io
import json
from pathlib import Path

from coach.events import Event
from coach.transcript import TranscriptWriter


class FillingFile(io.BytesIO):
    """A file on a disk with ``room`` bytes left: a write past it is cut short, then fails."""

    def __init__(self, room: int) -> None:
        super().__init__()
        self.room = room

    def write(self, data: object) -> int:
        chunk = bytes(data)  # type: ignore[call-overload]
        if self.room <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        part = chunk[: self.room]
        self.room -= len(part)
        return super().write(part)


def said(t: float, text: str) -> Event:
    return Event(t, "say", {"text": text})


def test_lines_are_written_whole_and_only_transcript_types() -> None:
    out = io.StringIO()
    writer = TranscriptWriter(out)
    writer(said(0.0, "Hold."))
    writer(Event(0.5, "threshold", {"threshold": "long"}))  # drives the LED, not the transcript
    writer(Event(1.0, "state", {"state": "paused"}))
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines == [
        {"t": 0.0, "type": "say", "text": "Hold."},
        {"t": 1.0, "type": "state", "state": "paused"},
    ]


def test_a_full_disk_leaves_only_whole_lines_and_warns_once() -> None:
    first = json.dumps(said(0.0, "Hold.").to_json()) + "\n"
    out = FillingFile(room=len(first) + 10)  # the second line fits only in part
    warnings: list[str] = []
    writer = TranscriptWriter(out, warnings.append)
    writer(said(0.0, "Hold."))
    writer(said(1.0, "Release. Rest."))
    writer(said(2.0, "Next: rep 2 of 2."))
    assert out.getvalue().decode() == first
    assert warnings == [
        "the transcript cannot be written (No space left on device); going on without it"
    ]
    assert writer.failed


def test_a_file_is_written_unbuffered_and_closed(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    writer = TranscriptWriter(open(path, "wb", buffering=0))  # noqa: SIM115
    writer(said(0.0, "Hold."))
    assert path.read_text(encoding="utf-8") == '{"t": 0.0, "type": "say", "text": "Hold."}\n'
    writer.close()
    writer.close()  # twice is harmless
