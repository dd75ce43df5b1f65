"""The Piper worker: a child process that loads a voice model and renders phrase after phrase.

The coach itself never imports Piper: a loaded model with onnxruntime takes
some 140 MB, and 250 MB or more while rendering, which a Raspberry Pi Zero
2 W (512 MB) cannot spare for a box that sits in its menu with every phrase
cached.
:class:`~coach.speech.piper_backend.PiperBackend` starts this module as
``python -m coach.speech.piper_worker`` when a phrase must be rendered; the
worker lowers its own priority, loads the model with few threads, renders
what it is asked, and exits once nobody has asked for a while, so its memory
goes back to the system.

The exchange, over the worker's standard input and output, one at a time:

- The worker loads the model and writes one line of JSON:
  ``{"ready": true, "sample_rate": 22050}``, or, when it cannot,
  ``{"error": "...", "kind": "missing"|"import"|"old"|"model", "name": ...}``
  and exits with status 1 (``name`` is the module that is missing).
- The coach writes one line: ``{"text": "...", "length_scale": 1.0, "volume": 1.0}``.
  The worker answers with a line ``{"bytes": N}`` followed by N bytes of mono
  16-bit PCM at the sample rate (in the machine's byte order, as Piper gives
  it), or with ``{"error": "..."}`` when that phrase could not be rendered.
- The end of its input, or ``--idle-seconds`` without a request, ends the
  worker with status 0.

Only the standard library is imported at module level: Piper and
onnxruntime are imported by :func:`main`, in the worker alone.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import select
import signal
import sys
from collections.abc import Sequence
from typing import Any, BinaryIO

#: Status of a worker that could not load Piper or its model (after saying why).
EXIT_CANNOT_LOAD = 1


class _CannotLoad(Exception):
    def __init__(self, kind: str, detail: str, name: str | None = None) -> None:
        super().__init__(detail)
        self.kind = kind
        self.name = name


def main(argv: Sequence[str] | None = None) -> int:
    """Load the model, say so, and render requests until the input ends or stays quiet."""
    args = _parser().parse_args(argv)
    # The answers go to the coach through file descriptor 1; anything else
    # printed there (by Python or by native code) would break them, so from
    # now on descriptor 1 is standard error.
    answers = os.fdopen(os.dup(1), "wb")
    try:
        os.dup2(2, 1)
    except OSError:  # no standard error (closed by whoever started the coach)
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    # Ctrl-C reaches the whole process group; ending the worker is the coach's
    # job (it closes the worker's input).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.nice(args.nice)
    try:
        try:
            piper = _import_piper()
            voice = _load(piper, args.model, args.config, args.threads)
        except _CannotLoad as exc:
            _answer(answers, {"error": str(exc), "kind": exc.kind, "name": exc.name})
            return EXIT_CANNOT_LOAD
        _answer(answers, {"ready": True, "sample_rate": int(voice.config.sample_rate)})
        _serve(piper, voice, answers, args.idle_seconds)
    except BrokenPipeError:  # the coach has gone: nobody to answer
        pass
    return 0


def _serve(piper: Any, voice: Any, answers: BinaryIO, idle_seconds: float) -> None:
    requests = _Lines(sys.stdin.fileno())
    while True:
        line = requests.next(idle_seconds)
        if line is None:
            return
        try:
            request = json.loads(line)
            syn_config = piper.SynthesisConfig(
                length_scale=float(request["length_scale"]), volume=float(request["volume"])
            )
            pcm = b"".join(
                chunk.audio_int16_bytes
                for chunk in voice.synthesize(str(request["text"]), syn_config=syn_config)
            )
        except Exception as exc:  # one phrase failed; the next may not
            _answer(answers, {"error": _one_line(exc)})
            continue
        _answer(answers, {"bytes": len(pcm)}, pcm)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m coach.speech.piper_worker",
        description="Render phrases with a Piper voice for the coach (see the module's doc).",
    )
    parser.add_argument("--model", required=True, help="the voice model (.onnx)")
    parser.add_argument("--config", required=True, help="its config (.onnx.json)")
    parser.add_argument("--threads", type=int, default=2, help="onnxruntime's threads")
    parser.add_argument("--nice", type=int, default=10, help="niceness added to this process")
    parser.add_argument(
        "--idle-seconds", type=float, default=30.0, help="exit after this long without a request"
    )
    return parser


def _import_piper() -> Any:
    """Piper (which imports onnxruntime and numpy), checked for what the worker calls."""
    try:
        piper = importlib.import_module("piper")
    except ModuleNotFoundError as exc:
        raise _CannotLoad("missing", _one_line(exc), exc.name) from exc
    except Exception as exc:
        # Typically a native library (the espeak-ng bridge, onnxruntime) that
        # does not load on this platform.
        raise _CannotLoad("import", _one_line(exc)) from exc
    # Before 1.3 Piper had another API (and an unrelated package is also called
    # "piper"), so check for what the worker calls.
    if not all(hasattr(piper, attr) for attr in ("PiperVoice", "SynthesisConfig")):
        raise _CannotLoad("old", "no PiperVoice and SynthesisConfig")
    return piper


def _load(piper: Any, model: str, config: str, threads: int) -> Any:
    """The voice, on an onnxruntime session with ``threads`` threads that sleep when idle."""
    # Anything can come out of Piper, onnxruntime or espeak-ng here (a truncated
    # model, a config from another Piper, missing espeak data): the coach only
    # needs to know that the model cannot be loaded, and why, in one line.
    try:
        with open(config, encoding="utf-8") as file:
            config_dict = json.load(file)
        if hasattr(piper, "PiperConfig"):
            onnxruntime: Any = importlib.import_module("onnxruntime")
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            # Waiting threads sleep rather than spin, so the session's own
            # threads get the cores between the model's operations.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            # Every phrase has another length, so memory patterns are never
            # reused; without them a render peaks about 20 MB lower.
            options.enable_mem_pattern = False
            session = onnxruntime.InferenceSession(
                model, sess_options=options, providers=["CPUExecutionProvider"]
            )
            voice = piper.PiperVoice(
                session=session, config=piper.PiperConfig.from_dict(config_dict)
            )
        else:  # a Piper that builds its session only itself
            voice = piper.PiperVoice.load(model, config_path=config)
        # espeak-ng starts on the first phrase; start it now, so a broken
        # install is told apart from a phrase that cannot be said.
        voice.phonemize("Ready.")
    except Exception as exc:
        raise _CannotLoad("model", _one_line(exc)) from exc
    return voice


class _Lines:
    """Lines from a file descriptor, waiting at most so long for each."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._buffer = b""

    def next(self, timeout: float) -> bytes | None:
        """The next line; ``None`` at the end of the input or after ``timeout`` seconds of quiet."""
        while b"\n" not in self._buffer:
            ready, _, _ = select.select([self._fd], [], [], timeout)
            if not ready:
                return None
            chunk = os.read(self._fd, 65536)
            if not chunk:
                return None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line


def _answer(out: BinaryIO, header: dict[str, Any], payload: bytes = b"") -> None:
    out.write(json.dumps(header).encode() + b"\n" + payload)
    out.flush()


def _one_line(exc: BaseException, limit: int = 200) -> str:
    # onnxruntime's messages run to several lines of graph detail.
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


if __name__ == "__main__":
    sys.exit(main())
