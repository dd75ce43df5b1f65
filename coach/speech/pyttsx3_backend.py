"""Speech through pyttsx3 and eSpeak NG, rendered to WAV files.

pyttsx3's espeak driver can only speak through a blocking ``aplay`` that
cannot be interrupted, so it is used for rendering alone: ``save_to_file``
then one ``runAndWait`` per phrase, which is reliable. The eSpeak NG library
comes from the ``espeakng-loader`` wheel where it has one (x86_64 and aarch64
Linux), so nothing needs installing by hand; elsewhere the system's
``libespeak-ng`` is used.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
from pathlib import Path
from typing import Any

from coach.speech.backend import SpeechSettings, SpeechUnavailable, VoiceInfo

#: The voice used when none is named: plain English as eSpeak NG ships it.
DEFAULT_VOICE = "gmw/en"
INSTALL_HINT = (
    "on Raspberry Pi OS or Debian: sudo apt install espeak-ng "
    "(on x86_64 and aarch64, reinstalling voice-coach brings it with espeakng-loader)"
)

_library_loaded = False


def load_espeak_library() -> str:
    """Make libespeak-ng loadable by pyttsx3; returns where it came from."""
    global _library_loaded
    try:
        import espeakng_loader  # type: ignore[import-untyped]
    except ImportError:
        return "system"
    if not _library_loaded:
        try:
            # Once loaded, this copy answers pyttsx3's own dlopen("libespeak-ng.so.1")
            # by its soname. Loaded RTLD_LOCAL, its symbols stay out of the way
            # of Piper's bundled eSpeak, which crashes if they are made global.
            ctypes.CDLL(espeakng_loader.get_library_path())
        except OSError:
            return "system"
        os.environ.setdefault("ESPEAK_DATA_PATH", espeakng_loader.get_data_path())
        _library_loaded = True
    return "espeakng-loader"


class Pyttsx3Backend:
    name = "pyttsx3"

    def __init__(self, settings: SpeechSettings) -> None:
        self.settings = settings
        self.library = load_espeak_library()
        try:
            import pyttsx3  # type: ignore[import-untyped]

            with contextlib.redirect_stdout(io.StringIO()):
                self._engine: Any = pyttsx3.init("espeak")
        except ImportError as exc:
            raise SpeechUnavailable(
                "pyttsx3 is not installed; reinstall voice-coach: pip install voice-coach"
            ) from exc
        except (OSError, RuntimeError, AttributeError) as exc:
            raise SpeechUnavailable(
                f"the eSpeak NG library cannot be loaded; {INSTALL_HINT}"
            ) from exc
        self.voice = self._choose_voice(settings.voice)

    def _choose_voice(self, wanted: str | None) -> str:
        known = [v.id for v in self.voices()]
        if wanted is not None:
            if wanted not in known:
                raise SpeechUnavailable(
                    f"pyttsx3 has no voice '{wanted}'; 'coach voices' lists them"
                )
            return wanted
        # Voice ids differ between eSpeak NG releases ("gmw/en" against "en").
        for candidate in (DEFAULT_VOICE, "en", "english"):
            if candidate in known:
                return candidate
        english = [v for v in known if v.rsplit("/", 1)[-1].startswith("en")]
        return english[0] if english else str(self._engine.getProperty("voice"))

    def identity(self) -> str:
        s = self.settings
        return f"pyttsx3|{self.voice}|{s.rate_wpm}|{s.volume:g}"

    def render(self, text: str, path: Path) -> None:
        partial = path.with_name(path.name + ".part.wav")
        # pyttsx3 hands out one engine per driver and eSpeak keeps its voice and
        # rate in global state, so another backend may have changed them.
        self._engine.setProperty("voice", self.voice)
        self._engine.setProperty("rate", self.settings.rate_wpm)
        self._engine.setProperty("volume", self.settings.volume)
        # The driver prints "Audio saved to ..." for every file: not ours to show.
        with contextlib.redirect_stdout(io.StringIO()):
            self._engine.save_to_file(text, str(partial))
            self._engine.runAndWait()
        if not partial.is_file():
            raise SpeechUnavailable(f"pyttsx3 did not write a file for {text!r}")
        os.replace(partial, path)

    def voices(self) -> list[VoiceInfo]:
        found = []
        for v in self._engine.getProperty("voices"):
            languages = tuple(
                lang.decode(errors="replace").lstrip("\x05")
                if isinstance(lang, bytes)
                else str(lang)
                for lang in (v.languages or [])
            )
            found.append(VoiceInfo(str(v.id), str(v.name), languages))
        return found

    def close(self) -> None:
        # Not engine.stop(): pyttsx3 shares one engine per driver, and stop()
        # leaves it in a state where the next render silently keeps old settings.
        self._engine = None
