"""``qualcode search``: full-text search, one keyword-in-context line per match.

Everything the search means is :mod:`qualcode.store.search` (the parser shared with the
workbench and ``TEXT "..."`` in coding queries); this module only prints. Nothing is left out
silently: every match of a listed turn gets its line, and when ``-n`` cuts the listing a last
line on stderr says how many turns were not shown.
"""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.commands import render
from qualcode.commands.common import open_project, project_argument
from qualcode.store.search import TextHit, search_counted


def search_lines(hits: list[TextHit], words: int = 6) -> list[str]:
    """Keyword-in-context lines for full-text search hits: one line per match (every match,
    however many a turn holds), ``document [start:end] speaker: … left [hit] right …``."""
    return [
        f"{hit.document} [{s}:{e}] {hit.speaker or '-'}: {left}[{middle}]{right}"
        for hit in hits
        for (s, e), (left, middle, right) in zip(hit.matches, hit.kwic(words), strict=True)
    ]


def more_line(shown: int, total: int) -> str | None:
    """The note for a listing cut at ``-n`` (None when nothing was left out)."""
    if total <= shown:
        return None
    return f"… {total - shown} more turn(s) match; use -n to see more"


@click.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@project_argument
@click.argument("query", nargs=-1, required=True, type=click.UNPROCESSED)
@click.option(
    "-n",
    "limit",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="Most turns to list (a last line on stderr says how many more match).",
)
def search(project: Path, query: tuple[str, ...], limit: int) -> None:
    """Full-text search across transcripts: one keyword-in-context line per match.

    Words must all occur in a turn; OR between words, -word or NOT word to leave out,
    "a phrase", prefix*, word~ for every form of a word, a NEAR/3 b (see README, Querying).
    Everything after the project is the search, so it may start with a minus
    (qualcode search P -alone group); options go before the project (qualcode search -n 5 P x).

    \b
    Examples:
      qualcode search study.qc "alone"
      qualcode search study.qc burnout OR exhausted
      qualcode search study.qc '"sick note"' -leave
    """
    text = " ".join(query)
    with open_project(project) as proj:
        hits, total = search_counted(proj.session, text, limit)
    for line in search_lines(hits):
        render.line(line)
    if not hits:
        render.line("No matches.")
    note = more_line(len(hits), total)
    if note:
        render.line(note, err=True)


COMMANDS = [search]
