"""Session recording: asciicast v2 files written by the relay while a shell session runs (docs/recording.md)."""

from tether.recording.asciicast import CastEncoder, iter_events, output_bytes, read_header

__all__ = ["CastEncoder", "iter_events", "output_bytes", "read_header"]
