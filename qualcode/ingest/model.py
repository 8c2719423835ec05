"""What a reader returns: the document text and where each speaker turn lies in it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TurnSpan:
    """One speaker turn: ``text[start:end]`` is what was said (the speaker label excluded)."""

    start: int
    end: int
    speaker: str | None = None
    timestamp: str | None = None


@dataclass
class Transcript:
    """A decoded transcript, ready to be segmented and stored.

    ``text`` is the document as it will be stored (newlines normalised to ``\\n``, front matter
    removed); every offset points into it. ``warnings`` are one line each about what the reader
    changed on the way (control characters stripped), for the file's import report.
    """

    text: str
    turns: list[TurnSpan]
    attributes: dict[str, str] = field(default_factory=dict)
    source_format: str = "txt"
    warnings: list[str] = field(default_factory=list)
    layout: str = ""
    """How the speakers were written (``labels``, ``otter``, ``rev``, ``vtt voices``, ...;
    ``none`` when no speaker labels were found), for ``import --dry-run``."""

    @property
    def speakers(self) -> dict[str, int]:
        """Each speaker with its number of turns, in order of first appearance."""
        counts: dict[str, int] = {}
        for turn in self.turns:
            if turn.speaker:
                counts[turn.speaker] = counts.get(turn.speaker, 0) + 1
        return counts
