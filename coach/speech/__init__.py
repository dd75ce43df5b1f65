"""Real speech: phrases rendered ahead to WAV files, cached on disk, played on cue."""
