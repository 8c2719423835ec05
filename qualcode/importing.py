"""Import files into a project: read (ingest), segment (nlp), store (store).

One transaction per file, so one bad file never stops the others and never leaves half a
document behind; the result list says what happened to each file and why.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.errors import QualcodeError
from qualcode.ingest import READERS, Transcript, read_transcript
from qualcode.store import DocumentInput, Project, TurnInput
from qualcode.text import count_words

BATCH_FILES = 16
NO_SPEAKERS = "no speaker labels found: one turn"

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class ImportResult:
    path: str
    name: str
    status: str  # imported | replaced | unchanged | duplicate | failed
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status != "failed"


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, and the supported files inside any folder, in name order."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(
                sorted(
                    p
                    for p in path.iterdir()
                    if p.is_file() and p.suffix.lower() in READERS and not _is_readme(p)
                )
            )
        else:
            out.append(path)
    return out


def _is_readme(path: Path) -> bool:
    """A folder's README describes the transcripts; it is not one of them."""
    return path.stem.lower() in ("readme", "license", "changelog")


def spoken_words(transcript: Transcript) -> int:
    """Words inside turns: speaker labels and timestamps are not what anyone said."""
    return sum(count_words(transcript.text, t.start, t.end) for t in transcript.turns)


@dataclass(frozen=True)
class Preview:
    """What importing one file would find (``import --dry-run``); nothing is written."""

    path: str
    name: str
    transcript: Transcript | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.transcript is not None

    def lines(self, first_turns: int = 3, width: int = 70) -> list[str]:
        """The report for this file: layout, speakers with turn counts, the first turns."""
        from qualcode.text import clip

        if self.transcript is None:
            return [self.error]
        t = self.transcript
        speakers = t.speakers
        out = [
            f"{self.name}: layout {t.layout or 'none'}, {len(t.turns)} turns, "
            f"{spoken_words(t)} words" + ("" if speakers else f"; {NO_SPEAKERS}")
        ]
        if speakers:
            out.append("  speakers: " + ", ".join(f"{name} ({n})" for name, n in speakers.items()))
        for turn in t.turns[:first_turns]:
            stamp = f"[{turn.timestamp}] " if turn.timestamp else ""
            who = turn.speaker or "(no speaker)"
            out.append(f"  {stamp}{who}: {clip(t.text[turn.start : turn.end], width)}")
        for warning in t.warnings:
            out.append(f"  note: {warning}")
        return out


def preview_files(
    paths: Iterable[str | Path], *, encoding: str | None = None, name: str | None = None
) -> list[Preview]:
    """Read each file as import would, without a project: for ``import --dry-run``."""
    out = []
    for path in expand_paths(paths):
        label = name or path.stem
        try:
            out.append(Preview(str(path), label, read_transcript(path, encoding)))
        except QualcodeError as exc:
            out.append(Preview(str(path), label, error=str(exc)))
        except Exception as exc:  # a reader's bug must not stop the other files
            out.append(Preview(str(path), label, error=f"{path}: cannot read ({_brief(exc)})"))
    return out


def import_files(
    project: Project,
    paths: Iterable[str | Path],
    *,
    encoding: str | None = None,
    model: str | None = None,
    replace: bool = False,
    drop_unplaced: bool = False,
    name: str | None = None,
    progress: Progress | None = None,
) -> list[ImportResult]:
    """Import files in order; each file is its own transaction.

    Files are read and segmented in small batches (``nlp.pipe`` over several documents at once)
    and then stored one by one.
    """
    files = expand_paths(paths)
    if name is not None and len(files) != 1:
        raise QualcodeError("--as NAME needs exactly one file")
    results: list[ImportResult] = []
    for first in range(0, len(files), BATCH_FILES):
        batch = files[first : first + BATCH_FILES]
        prepared = [_prepare(project, path, name or path.stem, encoding, replace) for path in batch]
        todo = [p for p in prepared if isinstance(p, _Prepared)]
        if todo:
            _segment(todo, model)
        for i, item in enumerate(prepared, start=first):
            if progress:
                progress(i, len(files), batch[i - first].name)
            if isinstance(item, _Prepared):
                item = item.failure or _with_warnings(_store(project, item, drop_unplaced), item)
            results.append(item)
    if progress:
        progress(len(files), len(files), "")
    return results


@dataclass
class _Prepared:
    """A file read and checked, waiting for its sentences and its transaction."""

    path: Path
    name: str
    sha: str
    transcript: Transcript
    replacing: bool
    sentences: list[tuple[int, int]] = field(default_factory=list)
    failure: ImportResult | None = None  # set when segmenting this file failed

    @property
    def turn_spans(self) -> list[tuple[int, int]]:
        return [(t.start, t.end) for t in self.transcript.turns if t.end > t.start]


def _prepare(
    project: Project, path: Path, name: str, encoding: str | None, replace: bool
) -> _Prepared | ImportResult:
    try:
        transcript = read_transcript(path, encoding)
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
    except QualcodeError as exc:
        return ImportResult(str(path), name, "failed", str(exc))
    except OSError as exc:
        return ImportResult(str(path), name, "failed", f"{path}: cannot read ({exc.strerror})")
    except Exception as exc:  # a reader's bug must not stop the other files
        return ImportResult(str(path), name, "failed", f"{path}: cannot read ({_brief(exc)})")
    existing = project.documents.find(name)
    if existing is not None and existing.sha256 == sha:
        return ImportResult(str(path), name, "unchanged", "already imported")
    if existing is None:
        twin = project.documents.by_hash(sha)
        if twin is not None:
            return ImportResult(
                str(path), name, "duplicate", f"same file already imported as '{twin.name}'"
            )
    elif not replace:
        return ImportResult(
            str(path),
            name,
            "failed",
            f"a different '{name}' is already imported; use --replace to update it "
            "(its codings are carried over) or --as NEWNAME",
        )
    return _Prepared(path, name, sha, transcript, replacing=existing is not None)


def _segment(todo: list[_Prepared], model: str | None) -> None:
    """Sentences for each prepared file, all in one ``nlp.pipe`` run when that works.

    If the batch fails, the files are segmented one by one, and a file that fails alone gets
    its own ``failure`` while the others go on. A missing pipeline (``--model``) is everyone's
    problem and is raised before anything is tried."""
    from qualcode.nlp.pipeline import get_pipeline
    from qualcode.nlp.segment import segment_documents

    if model is not None:  # a named pipeline must exist; the default one needs no spaCy
        get_pipeline(model)
    try:
        spans = segment_documents(((p.transcript.text, p.turn_spans) for p in todo), model=model)
    except Exception as exc:
        if len(todo) > 1:
            for item in todo:
                _segment([item], model)
            return
        (item,) = todo
        message = f"{item.path}: cannot split into sentences ({_brief(exc)})"
        item.failure = ImportResult(str(item.path), item.name, "failed", message)
        return
    for item, sentences in zip(todo, spans, strict=True):
        item.sentences = sentences


def _brief(exc: BaseException) -> str:
    """An exception as one short line: its type and the first 200 characters of its text."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def _with_warnings(result: ImportResult, item: _Prepared) -> ImportResult:
    """The reader's warnings (control characters stripped...) added to a success line."""
    if not result.ok or not item.transcript.warnings:
        return result
    note = "; ".join(item.transcript.warnings)
    message = f"{result.message}; {note}" if result.message else note
    return ImportResult(result.path, result.name, result.status, message)


def _store(project: Project, item: _Prepared, drop_unplaced: bool) -> ImportResult:
    transcript = item.transcript
    doc = DocumentInput(
        name=item.name,
        text=transcript.text,
        sha256=item.sha,
        source_format=transcript.source_format,
        turns=[TurnInput(t.start, t.end, t.speaker, t.timestamp) for t in transcript.turns],
        sentences=item.sentences,
        attributes=transcript.attributes,
        source_path=str(item.path),
    )
    try:
        if not item.replacing:
            doc_id = project.documents.add(doc)
            found = "" if transcript.speakers else f"; {NO_SPEAKERS}"
            words = project.documents.word_count(doc_id)
            return ImportResult(
                str(item.path),
                item.name,
                "imported",
                f"{words} words, {len(doc.turns)} turns{found}",
            )
        dropped = project.documents.replace(doc, drop_unplaced=drop_unplaced)
    except QualcodeError as exc:
        return ImportResult(str(item.path), item.name, "failed", str(exc))
    note = f"; dropped {len(dropped)} coding(s) no longer in the text" if dropped else ""
    return ImportResult(str(item.path), item.name, "replaced", f"codings carried over{note}")
