"""Pure readers: files in, :class:`Transcript` out. No database, no spaCy."""

from qualcode.ingest.model import Transcript, TurnSpan
from qualcode.ingest.readers import READERS, read_transcript

__all__ = ["READERS", "Transcript", "TurnSpan", "read_transcript"]
