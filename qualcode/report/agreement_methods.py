"""The agreement part of a theme summary: when several coders coded the material, a methods
sentence naming the coders, the unit and the statistics, and an agreement table per code.

The statistics come from the agreement engine (:func:`qualcode.analysis.agreement_data.agreement`,
unit ``sentence``); this module only chooses the coders and words them. A consensus coder (see
:mod:`qualcode.store.consensus`) is never compared with the coders it settles: a summary of the
consensus codings says whose codings it reconciles and how far they agreed.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from qualcode.analysis.corpus import Corpus
from qualcode.errors import QualcodeError
from qualcode.report.summary import AgreementLine, AgreementTable
from qualcode.store.consensus import Consensus, consensus_coders
from qualcode.store.project import Project

UNIT = "sentence"
NUMBERS = {2: "Two", 3: "Three", 4: "Four", 5: "Five", 6: "Six"}


@dataclass(frozen=True)
class AgreementPart:
    coders: tuple[str, ...]
    consensus: bool
    """The summary reports a consensus coder's codings (the coders' agreement is context)."""
    unit: str
    unit_definition: str
    scopes: tuple[tuple[str, str, int], ...]
    """Per coder: (name, rule ``done``/``coded``, documents counted)."""
    rows: tuple[AgreementLine, ...]
    consensus_name: str = ""
    settled: int = 0
    """For a consensus summary: the disagreements settled so far, and all of them."""
    disagreements: int = 0


def _number(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.2f}"


def agreement_part(corpus: Corpus, project_path: str | Path | None) -> AgreementPart | None:
    """Agreement between the coders of the summary's codings (or, for a consensus summary,
    the coders it settles); None with fewer than two coders or no project file to read."""
    if project_path is None or not Path(project_path).is_file():
        return None
    from qualcode.analysis.agreement_data import agreement, coders_with_codings

    in_scope = sorted({c.coder for c in corpus.codings})
    settled = disagreements = 0
    try:
        with Project.open(project_path, migrate=False) as project:
            marked = set(consensus_coders(project.session))
            consensus = len(in_scope) == 1 and in_scope[0] in marked
            if consensus:
                cons = Consensus(project.session, in_scope[0])
                coders = cons.settled_pair() or [
                    c for c in coders_with_codings(project) if c not in marked
                ]
                if len(coders) == 2:
                    found = cons.disagreements(coders[0], coders[1])
                    disagreements = len(found)
                    settled = sum(1 for d in found if d.decision is not None)
            else:
                coders = [c for c in in_scope if c not in marked]
            if len(coders) < 2:
                return None
            documents = [d.name for d in corpus.documents] if corpus.filters.documents else []
            report = agreement(project, coders=coders, unit=UNIT, documents=documents)
            used = _used_codes(project, coders)
    except (QualcodeError, OSError):
        return None
    rows = tuple(
        AgreementLine(r.code, r.n_units, r.percent_agreement, r.krippendorff_alpha, r.cohen_kappa)
        for r in report.rows
        if r.kind == "code" and r.code in used
    )
    return AgreementPart(
        coders=tuple(report.coders),
        consensus=consensus,
        consensus_name=in_scope[0] if consensus else "",
        settled=settled,
        disagreements=disagreements,
        unit=report.unit,
        unit_definition=report.unit_definition,
        scopes=tuple((s.coder, s.rule, len(s.documents)) for s in report.scopes),
        rows=rows,
    )


def _used_codes(project: Project, coders: list[str]) -> set[str]:
    """Names of the codes the coders applied, with the themes and codes above them (a code
    stands for its sub-codes): the table leaves out codes nobody used."""
    tree = project.codebook.tree()
    ids: set[int] = set()
    for code_id in project.codings.code_ids_used_by(coders):
        ids.add(code_id)
        ids.update(tree.ancestors(code_id))
    names = {c.id: c.name for c in project.codebook.codes()}
    return {names[i] for i in ids if i in names}


def agreement_table(part: AgreementPart | None) -> AgreementTable | None:
    """The summary's agreement table: every code the coders used, in codebook order."""
    if part is None:
        return None
    return AgreementTable(part.coders, part.unit, part.unit_definition, part.rows)


def agreement_paragraphs(part: AgreementPart | None) -> tuple[str, ...]:
    """The methods sentence(s) and the agreement table, worded for every output format."""
    if part is None:
        return ()
    coders = part.coders
    names = ", ".join(coders[:-1]) + f" and {coders[-1]}"
    stats = "percentage agreement, Krippendorff's alpha (nominal) and Cohen's kappa"
    if len(coders) > 2:
        stats = "percentage agreement and Krippendorff's alpha (nominal)"
    count = NUMBERS.get(len(coders), str(len(coders)))
    first = (
        f"{count} coders ({names}) coded the material independently; inter-coder "
        f"agreement was computed for each code on sentences as the unit ({part.unit_definition}) "
        f"with {stats}."
    )
    scope = "; ".join(
        f"{coder}: the {n} document(s) marked done"
        if rule == "done"
        else f"{coder}: the {n} document(s) coded (none marked done)"
        for coder, rule, n in part.scopes
    )
    first += f" Documents counted per coder: {scope}."
    alphas = [r.krippendorff_alpha for r in part.rows if r.krippendorff_alpha is not None]
    if alphas:
        first += (
            f" Across the {len(alphas)} code(s) with a defined alpha, the median was "
            f"{statistics.median(alphas):.2f} (range {min(alphas):.2f} to {max(alphas):.2f})."
        )
    else:
        first += " Alpha is undefined for every code (too few coded units to compare)."
    if part.consensus:
        first += f" The codings reported here are those of {part.consensus_name}, " + (
            f"the consensus of {names}: "
            + (
                f"all {part.disagreements} passage(s) where they differed were settled."
                if part.settled == part.disagreements
                else f"{part.settled} of the {part.disagreements} passage(s) where they "
                f"differed were settled; {part.disagreements - part.settled} "
                f"{'is' if part.disagreements - part.settled == 1 else 'are'} still open."
            )
        )
    heading = "% agreement / alpha" + (" / kappa" if len(coders) == 2 else "")
    cells = []
    for r in part.rows:
        if r.n_units == 0:
            continue
        values = [
            "undefined" if r.percent_agreement is None else f"{100 * r.percent_agreement:.1f}%",
            _number(r.krippendorff_alpha),
        ]
        if len(coders) == 2:
            values.append(_number(r.cohen_kappa))
        cells.append(f"{r.code} {' / '.join(values)}")
    table = f"Agreement per code ({heading}; sentences): " + "; ".join(cells) + "."
    return (first, table) if cells else (first,)
