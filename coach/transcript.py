"""The session transcript: one JSON object a line, for tests and for people."""

from __future__ import annotations

import json
from typing import TextIO

from coach.events import TRANSCRIPT_TYPES, Event


class TranscriptWriter:
    """A listener that writes every ``say``, ``state``, ``step`` and ``gesture`` event as JSON.

    :param out: the stream to write to; flushed after every line, so a reader
        sees each event as it happens.

    ::

        runtime = Runtime(VirtualClock(), TextVoice(), listeners=[TranscriptWriter(sys.stdout)])
        runtime.run(SessionMode(plan))  # {"t": 0.0, "type": "state", "state": "running"} ...
    """

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def __call__(self, event: Event) -> None:
        if event.type not in TRANSCRIPT_TYPES:
            return
        self._out.write(json.dumps(event.to_json(), ensure_ascii=False) + "\n")
        self._out.flush()
