"""voice-coach: a voice-guided exercise coach for a Raspberry Pi with one button."""

__version__ = "0.1.0"
