"""Analysis and report commands: ``summary``, ``stats``, ``export`` and ``cooccur``.

They only read the project. Files (``-o``) are written through :mod:`qualcode.outputs`: whole,
then renamed into place, never over a symlink, device, FIFO or the project itself.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from qualcode.commands import render
from qualcode.commands.common import format_option, open_project, output_option
from qualcode.errors import QualcodeError
from qualcode.outputs import is_stdout

F = TypeVar("F", bound=Callable[..., Any])


def filter_options(func: F) -> F:
    """--document, --speaker, --where, --coder: the same filters for every command."""
    options = [
        click.option(
            "--document",
            "documents",
            multiple=True,
            metavar="NAME",
            help="Only this document (repeatable).",
        ),
        click.option(
            "--speaker",
            "speakers",
            multiple=True,
            metavar="NAME",
            help="Only this speaker's turns, by name in any document (repeatable).",
        ),
        click.option(
            "--where",
            "where",
            multiple=True,
            metavar="KEY=VALUE",
            help="Only documents/speakers with this attribute value (repeatable: same key = "
            "or, different keys = and).",
        ),
        click.option(
            "--coder",
            "coders",
            multiple=True,
            metavar="NAME",
            help="Only codings by this coder (repeatable).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _corpus(project: Path, documents, speakers, where, coders, bins=(), no_interviewer=False):  # noqa: ANN001, ANN202
    from qualcode.analysis import Filters, load_corpus, parse_where

    filters = Filters(
        documents=tuple(documents),
        speakers=tuple(speakers),
        where=parse_where(where),
        coders=tuple(coders),
        bins=tuple(bins),
        no_interviewer=no_interviewer,
    )
    with open_project(project) as proj:
        return load_corpus(proj, filters)


def pseudonymise_option(func: F) -> F:
    from qualcode.report.cli import pseudonymise_option as option

    return option(func)


def report_options(func: F) -> F:
    """--by, --attribute, --pseudonymise: how a report counts, attributes and names people."""
    from qualcode.report.cli import report_options as options

    return options(func)


def _report_corpus(project: Path, documents, speakers, where, coders, pseudonymise):  # noqa: ANN001, ANN202
    """The corpus and the report context (memos, exemplars, codebook, pseudonyms)."""
    from qualcode.analysis import Filters, load_corpus, parse_where
    from qualcode.report.cli import report_context

    filters = Filters(
        documents=tuple(documents),
        speakers=tuple(speakers),
        where=parse_where(where),
        coders=tuple(coders),
    )
    with open_project(project) as proj:
        return load_corpus(proj, filters), report_context(proj, pseudonymise)


@click.command()
@click.argument("project", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "docx", "json"]),
    help="Output format (default: from the -o file name, else md).",
)
@output_option("File to write (md/html/json print to stdout without it; docx needs it).")
@click.option(
    "--theme", "themes", multiple=True, metavar="NAME", help="Only this theme (repeatable)."
)
@click.option("--quotes", default=3, show_default=True, metavar="N", help="Quotes per theme.")
@click.option("--title", metavar="TEXT", help="Title of the summary.")
@click.option(
    "--cooccur",
    "cooccur_mode",
    default="turn",
    show_default=True,
    metavar="turn|overlap|N",
    help="When two themes co-occur in the overview: in the same turn, where passages "
    "overlap, or within N sentences.",
)
@report_options
@filter_options
def summary(
    project: Path,
    fmt: str | None,
    output: Path | None,
    themes: tuple[str, ...],
    quotes: int,
    title: str | None,
    cooccur_mode: str,
    by: str | None,
    attributes: tuple[str, ...],
    pseudonymise: bool | None,
    documents: tuple[str, ...],
    speakers: tuple[str, ...],
    where: tuple[str, ...],
    coders: tuple[str, ...],
) -> None:
    """Write a theme summary: overview, then per theme its codes, counts, key terms,
    quotes and memos. Formats: Markdown, self-contained HTML (with charts), DOCX, JSON.

    Output is deterministic: the same project gives byte-identical files.

    \b
    Examples:
      qualcode summary study.qc -o findings.md
      qualcode summary study.qc --format html -o findings.html --where role=leader
      qualcode summary study.qc -o themes.docx --theme "Parallel process" --quotes 5
      qualcode summary study.qc -o shared.docx --by role --attribute gender --pseudonymise
    """
    from qualcode.outputs import check_target
    from qualcode.report import SUFFIXES, SummaryOptions, build_summary, summary_bytes
    from qualcode.report.summary import plural

    if fmt is None:
        by_suffix = {v: k for k, v in SUFFIXES.items()} | {".markdown": "md", ".htm": "html"}
        fmt = by_suffix.get(output.suffix.lower(), "md") if output else "md"
    if fmt == "docx" and is_stdout(output):
        raise QualcodeError("DOCX needs a file: add -o summary.docx")
    if output is not None and not is_stdout(output):
        check_target(output, protect=(project,))  # before the work, not after
    if quotes < 0:
        raise QualcodeError("--quotes must be 0 or more")
    corpus, context = _report_corpus(project, documents, speakers, where, coders, pseudonymise)
    if cooccur_mode in ("turn", "overlap"):
        mode, window = cooccur_mode, 0
    elif cooccur_mode.isdigit():
        mode, window = "sentences", int(cooccur_mode)
    else:
        raise QualcodeError("--cooccur must be turn, overlap or a number of sentences")
    options = SummaryOptions(
        themes=themes,
        quotes=quotes,
        title=title,
        cooccurrence=mode,
        window=window,
        by=by,
        attributes=attributes,
    )
    result = build_summary(
        corpus, options, project_path=project, extended=fmt == "json", context=context
    )
    render.emit(
        summary_bytes(result, fmt),
        output,
        protect=(project,),
        detail=f"{fmt}: {plural(len(result.themes), 'theme')}, "
        f"{plural(sum(len(t.quotes) for t in result.themes), 'quote')}",
    )


@click.command()
@click.argument("project", type=click.Path(dir_okay=False, path_type=Path))
@format_option
@filter_options
def stats(
    project: Path,
    fmt: str,
    documents: tuple[str, ...],
    speakers: tuple[str, ...],
    where: tuple[str, ...],
    coders: tuple[str, ...],
) -> None:
    """Frequencies per theme and code: passages (a theme counts overlapping passages of
    its codes once), codings, documents, speakers, participants, words coded, share of
    the corpus.

    \b
    Examples:
      qualcode stats study.qc
      qualcode stats study.qc --where role=leader --format csv > leaders.csv
    """
    from qualcode.analysis.frequencies import frequencies, totals
    from qualcode.report.summary import pct

    corpus = _corpus(project, documents, speakers, where, coders)
    rows = frequencies(corpus)
    tot = totals(corpus)
    header = [
        "code",
        "depth",
        "passages",
        "codings",
        "documents",
        "speakers",
        "participants",
        "words",
        "share",
    ]
    if fmt == "json":
        from qualcode.report.jsonout import frequency_dict

        data = {
            "totals": {
                "documents": tot.documents,
                "participants": tot.participants,
                "words": tot.words,
                "codings": tot.codings,
                "coded_words": tot.coded_words,
                "coverage": round(tot.coverage, 6),
            },
            "frequencies": [frequency_dict(f) for f in rows],
        }
        render.json(data)
        return
    if fmt == "csv":
        render.csv(
            header,
            [
                [
                    f.code,
                    f.depth,
                    f.passages,
                    f.codings,
                    f.documents,
                    f.speakers,
                    f.participants,
                    f.words,
                    f"{f.share:.6f}",
                ]
                for f in rows
            ],
        )
        return
    n = tot.participants
    table = [
        [
            "  " * f.depth + f.code,
            str(f.passages),
            str(f.codings),
            str(f.documents),
            f"{f.participants}/{n}",
            f"{f.words:,}",
            pct(f.share),
        ]
        for f in rows
    ]
    from qualcode.report.summary import participant_words, plural

    p_words, p_coded = participant_words(corpus)
    p_share = f", {pct(p_coded / p_words)} of participants' words" if p_words else ""
    render.line(
        f"{plural(tot.documents, 'document')}, {plural(n, 'participant')}, "
        f"{plural(tot.words, 'word')}; {plural(tot.codings, 'coding')} cover "
        f"{pct(tot.coverage)} of all words{p_share}"
    )
    if corpus.filters.active:
        render.line("Filters: " + "; ".join(corpus.filters.describe()))
    render.line()
    if not table:
        render.line("No codes yet: qualcode codebook load PROJECT FILE.yaml")
        return
    render.table(
        ["code", "passages", "codings", "docs", "participants", "words", "share"],
        table,
        right={1, 2, 3, 4, 5, 6},
    )
    render.line()
    render.line(
        "A theme's row counts the theme with its sub-codes (overlapping passages once); a "
        "code's row, the code with any codes below it."
    )


@click.command()
@click.argument("project", type=click.Path(dir_okay=False, path_type=Path))
@click.argument(
    "kind",
    type=click.Choice(["codings", "matrix", "crosstab", "qdpx", "qdc", "memos", "document"]),
)
@click.argument("target", required=False, metavar="[DOC]")
@output_option("File to write (default: stdout).")
@click.option("--by", "by", metavar="ATTR", help="Attribute for a crosstab, e.g. role.")
@click.option(
    "--unit",
    type=click.Choice(["document", "speaker"]),
    default="document",
    show_default=True,
    help="Crosstab cases: documents, or participants (speakers who are not interviewers).",
)
@click.option(
    "--bins",
    metavar="EDGES",
    help="With crosstab: group a number attribute into ranges, e.g. --bins 0,5,10,20.",
)
@click.option("--no-interviewer", is_flag=True, help="Leave interviewer talk out of the counts.")
@pseudonymise_option
@filter_options
def export(
    project: Path,
    kind: str,
    target: str | None,
    output: Path | None,
    by: str | None,
    unit: str,
    bins: str | None,
    no_interviewer: bool,
    pseudonymise: bool | None,
    documents: tuple[str, ...],
    speakers: tuple[str, ...],
    where: tuple[str, ...],
    coders: tuple[str, ...],
) -> None:
    """Export a CSV: every coding with its speaker and location, the code × document
    matrix of passages, or a code × attribute crosstab (passages and % of cases); or the
    project (qdpx) or codebook (qdc) in REFI-QDA for NVivo, ATLAS.ti, MAXQDA, QualCoder;
    every memo (memos -o memos.md|.docx|.csv); or one coded transcript (document DOC -o
    x.html|.docx|.md). --pseudonymise replaces the names in the pseudonym table.

    \b
    Examples:
      qualcode export study.qc codings -o codings.csv
      qualcode export study.qc matrix -o matrix.csv
      qualcode export study.qc crosstab --by role -o by_role.csv
      qualcode export study.qc crosstab --by gender --unit speaker -o by_gender.csv
      qualcode export study.qc crosstab --by years_in_group --bins 0,5,10,20 --unit speaker
      qualcode export study.qc qdpx -o study.qdpx
      qualcode export study.qc qdc -o codebook.qdc
      qualcode export study.qc memos -o memos.docx
      qualcode export study.qc document gp01_astrid -o gp01.html --pseudonymise
    """
    from qualcode.report import csvout

    if (kind == "document") != bool(target):
        raise QualcodeError(
            "name the document: export P document DOC"
            if kind == "document"
            else f"export {kind} takes no DOC argument"
        )
    if kind in ("memos", "document"):
        _export_report(
            project, kind, target, output, pseudonymise, documents, speakers, where, coders
        )
        return
    from qualcode.report.cli import wants_pseudonyms

    with open_project(project) as proj:
        replacer = None
        if wants_pseudonyms(proj, pseudonymise):
            from qualcode.report.pseudonymise import load_replacer

            replacer = load_replacer(proj)

    if kind in ("qdpx", "qdc"):
        if by or documents or speakers or where or coders or bins:
            raise QualcodeError("filters, --by and --bins do not apply to a REFI-QDA export")
        from qualcode.commands.refi import export_refi_command

        if replacer:
            from qualcode.report.exports import redacted_copy

            redacted_copy(project, lambda copy: export_refi_command(copy, kind, output))
            return
        export_refi_command(project, kind, output)
        return
    if kind == "crosstab" and not by:
        raise QualcodeError("a crosstab needs --by ATTR, e.g. --by role")
    if kind != "crosstab" and by:
        raise QualcodeError("--by only applies to crosstab")
    if bins and kind != "crosstab":
        raise QualcodeError("--bins only applies to crosstab")
    from qualcode.analysis.corpus import parse_bins

    binning = (parse_bins(by or "", bins),) if bins else ()
    if output is not None and not is_stdout(output):
        from qualcode.outputs import check_target

        check_target(output, protect=(project,))  # before the work, not after
    corpus = _corpus(project, documents, speakers, where, coders, binning, no_interviewer)
    if kind == "codings":
        text = csvout.codings_csv(corpus)
    elif kind == "matrix":
        from qualcode.analysis.matrix import code_document_matrix

        text = csvout.matrix_csv(code_document_matrix(corpus))
    else:
        from qualcode.analysis.matrix import crosstab

        text = csvout.crosstab_csv(crosstab(corpus, by or "", unit))
    if replacer:
        text = replacer.text(text)
    render.emit(text, output, protect=(project,))


def _export_report(
    project: Path, kind: str, target, output, pseudonymise, documents, speakers, where, coders
) -> None:  # noqa: ANN001, E501
    """``export P memos`` and ``export P document DOC`` (qualcode/report/exports.py)."""
    from qualcode.report.exports import document_bytes, memos_bytes

    if not is_stdout(output):
        from qualcode.outputs import check_target

        check_target(output, protect=(project,))
    corpus, context = _report_corpus(project, documents, speakers, where, coders, pseudonymise)
    if kind == "memos":
        data = memos_bytes(corpus, context, None if is_stdout(output) else output)
    else:
        data = document_bytes(corpus, context, target or "", None if is_stdout(output) else output)
    if is_stdout(output) and data[:2] == b"PK":
        raise QualcodeError("DOCX needs a file: add -o NAME.docx")
    render.emit(data, output, protect=(project,))


@click.command()
@click.argument("project", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--within-sentences",
    "window",
    type=int,
    metavar="N",
    help="Count codes at most N sentences apart (0 = sharing a sentence).",
)
@click.option("--same-turn", is_flag=True, help="Count codes in the same speaker turn.")
@click.option(
    "--themes", "by_theme", is_flag=True, help="Pair themes (with their codes) not codes."
)
@click.option("--min", "minimum", default=1, show_default=True, help="Smallest count shown.")
@format_option
@filter_options
def cooccur(
    project: Path,
    window: int | None,
    same_turn: bool,
    by_theme: bool,
    minimum: int,
    fmt: str,
    documents: tuple[str, ...],
    speakers: tuple[str, ...],
    where: tuple[str, ...],
    coders: tuple[str, ...],
) -> None:
    """Pairs of codes that occur together, with counts and the Jaccard index.

    By default two codes occur together where their passages overlap (share text;
    touching spans do not). A "count" is a stretch of text holding both codes; Jaccard =
    stretches with both / stretches with either.

    \b
    Examples:
      qualcode cooccur study.qc
      qualcode cooccur study.qc --same-turn --themes
      qualcode cooccur study.qc --within-sentences 2 --format csv > pairs.csv
    """
    from qualcode.analysis.cooccurrence import cooccurrence

    if window is not None and same_turn:
        raise QualcodeError("choose either --within-sentences N or --same-turn, not both")
    if window is not None and window < 0:
        raise QualcodeError("--within-sentences must be 0 or more")
    mode = "sentences" if window is not None else "turn" if same_turn else "overlap"
    corpus = _corpus(project, documents, speakers, where, coders)
    table = cooccurrence(
        corpus, mode=mode, window=window or 0, level="theme" if by_theme else "code"
    )
    pairs = sorted(
        (p for p in table.pairs if p.count >= minimum),
        key=lambda p: (-p.count, -p.jaccard, p.a, p.b),
    )
    unit = "theme" if by_theme else "code"
    header = [f"{unit}_a", f"{unit}_b", "count", "units", "jaccard", "a_passages", "b_passages"]
    rows = [
        [p.a, p.b, p.count, p.units, f"{p.jaccard:.4f}", p.a_passages, p.b_passages] for p in pairs
    ]
    if fmt == "csv":
        render.csv(header, rows)
        return
    if fmt == "json":
        from qualcode.report.jsonout import cooccurrence_dict

        data = cooccurrence_dict(table)
        data["pairs"] = [p for p in data["pairs"] if p["count"] >= minimum]
        render.json(data)
        return
    what = "themes (each with its sub-codes)" if by_theme else "codes (each on its own codings)"
    render.line(f"Co-occurrence of {what}: passages that {table.describe()}")
    if not rows:
        render.line(f"No pairs of {unit}s occur together.")
        return
    render.line(
        "together: units (stretches of talk) holding both; either: units holding at least "
        "one; jaccard = together / either"
    )
    render.table(
        [f"{unit} A", f"{unit} B", "together", "either", "jaccard", "A passages", "B passages"],
        [[str(v) for v in r] for r in rows],
        right={2, 3, 4, 5, 6},
    )


COMMANDS = [summary, stats, export, cooccur]
