"""The session transcript: one JSON object a line, for tests and for people."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from contextlib import suppress
from typing import BinaryIO, TextIO, cast

from coach.events import TRANSCRIPT_TYPES, Event


class TranscriptWriter:
    """A listener that writes every event of :data:`~coach.events.TRANSCRIPT_TYPES` as JSON.

    :param out: where to write: a text stream (flushed after every line, so a
        reader sees each event as it happens), or a file opened unbuffered in
        binary mode, which gets each line in whole writes.
    :param warn: told once if the transcript cannot be written (a full disk):
        the session goes on without it, and a file keeps only whole lines.

    ::

        runtime = Runtime(VirtualClock(), TextVoice(), listeners=[TranscriptWriter(sys.stdout)])
        runtime.run(SessionMode(plan))  # {"t": 0.0, "type": "state", "state": "running"} ...
    """

    def __init__(
        self, out: TextIO | BinaryIO, warn: Callable[[str], None] = lambda _message: None
    ) -> None:
        self._text: TextIO | None = cast(TextIO, out) if isinstance(out, io.TextIOBase) else None
        self._file: BinaryIO | None = None if self._text is not None else cast(BinaryIO, out)
        self._warn = warn
        #: True once a write failed; nothing more is written.
        self.failed = False
        #: Bytes of whole lines in a binary file: where a cut line is cut back to.
        self._size = 0
        if self._file is not None:
            with suppress(OSError, ValueError):
                self._size = self._file.tell()

    def __call__(self, event: Event) -> None:
        if self.failed or event.type not in TRANSCRIPT_TYPES:
            return
        line = json.dumps(event.to_json(), ensure_ascii=False) + "\n"
        try:
            if self._text is not None:
                self._text.write(line)
                self._text.flush()
            else:
                self._write_whole(line.encode("utf-8"))
        except OSError as exc:
            self.failed = True
            reason = exc.strerror or str(exc)
            self._warn(f"the transcript cannot be written ({reason}); going on without it")

    def _write_whole(self, data: bytes) -> None:
        out = self._file
        assert out is not None
        view = memoryview(data)
        try:
            while view:
                written = out.write(view)
                view = view[written or 0 :]
        except OSError:
            with suppress(OSError, ValueError):
                out.truncate(self._size)  # no half line for a reader to choke on
            raise
        self._size += len(data)

    def close(self) -> None:
        """Close a file the writer was given; a standard stream stays open."""
        if self._file is not None:
            with suppress(OSError):
                self._file.close()
