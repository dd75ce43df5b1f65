"""The session transcript: one JSON object a line, for tests and for people."""

from __future__ import annotations

import json
from typing import TextIO

from coach.events import TRANSCRIPT_TYPES, Event


class TranscriptWriter:
    def __init__(self, out: TextIO) -> None:
        self._out = out

    def __call__(self, event: Event) -> None:
        if event.type not in TRANSCRIPT_TYPES:
            return
        self._out.write(json.dumps(event.to_json(), ensure_ascii=False) + "\n")
        self._out.flush()
