"""Plain dataclasses of a REFI-QDA project (``.qdpx``) and codebook (``.qdc``).

What the readers return and the writers take: no database, no XML. Positions on a
:class:`RefiSource` are code point offsets into :attr:`RefiSource.text`, the text exactly as
qualcode stores it (newlines normalised to ``\\n``); the reader does the conversions from
whatever the file used (see :mod:`qualcode.interop.positions`). GUIDs are as the file spelled
them on reading (the importer normalises them) and lower case, without braces, on writing.
Dates are ISO 8601 strings, or None where the file has none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"


@dataclass
class RefiUser:
    guid: str
    name: str


@dataclass
class RefiCode:
    guid: str
    name: str
    codable: bool = True
    color: str | None = None
    description: str = ""
    children: list[RefiCode] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)

    def walk(self, parent: RefiCode | None = None) -> list[tuple[RefiCode, RefiCode | None]]:
        """This code and every code below it, parents first, each with its parent."""
        out: list[tuple[RefiCode, RefiCode | None]] = []
        stack: list[tuple[RefiCode, RefiCode | None]] = [(self, parent)]
        while stack:
            code, above = stack.pop()
            out.append((code, above))
            stack.extend((child, code) for child in reversed(code.children))
        return out


def walk_codes(codes: list[RefiCode]) -> list[tuple[RefiCode, RefiCode | None]]:
    """Every code of a tree, in document order, parents before children."""
    return [pair for root in codes for pair in root.walk()]


@dataclass
class RefiCoding:
    """One code applied to a selection, by ``creating_user`` (a user GUID)."""

    guid: str
    code_guid: str
    creating_user: str | None = None
    created: str | None = None
    note_refs: list[str] = field(default_factory=list)


@dataclass
class RefiSelection:
    """A ``PlainTextSelection``: ``text[start:end]`` of its source, in code points."""

    guid: str
    start: int
    end: int
    name: str = ""
    creating_user: str | None = None
    created: str | None = None
    modified: str | None = None
    codings: list[RefiCoding] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)


@dataclass
class RefiVariable:
    guid: str
    name: str
    type: str = "Text"  # Text | Boolean | Integer | Float | Date | DateTime
    description: str = ""


@dataclass
class RefiValue:
    """A ``VariableValue``: the variable's GUID and the value as written."""

    variable_guid: str
    value: str
    type: str = "Text"


@dataclass
class RefiSource:
    """A text source with its plain text, selections and variable values."""

    guid: str
    name: str
    text: str
    selections: list[RefiSelection] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)
    values: list[RefiValue] = field(default_factory=list)
    description: str = ""
    creating_user: str | None = None
    created: str | None = None
    modified: str | None = None
    raw_sha256: str = ""  # of the source's bytes as stored in the archive (reading only)


@dataclass
class RefiCase:
    guid: str
    name: str
    values: list[RefiValue] = field(default_factory=list)
    source_refs: list[str] = field(default_factory=list)
    description: str = ""


@dataclass
class RefiNote:
    """A ``Note`` (a memo): its text and who wrote it; what it annotates is the set of
    objects whose ``NoteRef`` names it (a note nothing names is about the project)."""

    guid: str
    text: str
    name: str = ""
    creating_user: str | None = None
    created: str | None = None
    modified: str | None = None


@dataclass
class RefiProject:
    name: str
    origin: str = ""
    users: list[RefiUser] = field(default_factory=list)
    codes: list[RefiCode] = field(default_factory=list)
    variables: list[RefiVariable] = field(default_factory=list)
    cases: list[RefiCase] = field(default_factory=list)
    sources: list[RefiSource] = field(default_factory=list)
    notes: list[RefiNote] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)  # notes on the project as a whole
    description: str = ""
    creating_user: str | None = None
    created: str | None = None
    modified: str | None = None
    # Reading only: what was not imported, and what was read differently from the standard.
    skipped: list[str] = field(default_factory=list)
    adapted: list[str] = field(default_factory=list)
    sets: int = 0


@dataclass
class RefiCodebook:
    codes: list[RefiCode] = field(default_factory=list)
    origin: str = ""
    skipped: list[str] = field(default_factory=list)
    adapted: list[str] = field(default_factory=list)
    sets: int = 0
