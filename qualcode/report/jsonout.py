"""The theme summary as JSON: every figure, for scripts (pandas, R, a notebook).

Keys keep a fixed order and floats are rounded to 6 decimals, so re-exporting the same project
gives byte-identical files that diff cleanly.
"""

from __future__ import annotations

import json
from typing import Any

from qualcode.analysis.cooccurrence import CooccurrenceTable
from qualcode.analysis.frequencies import Frequency
from qualcode.analysis.keyterms import KeyTerm
from qualcode.analysis.matrix import CodeDocumentMatrix, Crosstab
from qualcode.analysis.quotes import Quote
from qualcode.report.summary import AgreementTable, MemoNote, Summary, appendix_fields

FORMAT_VERSION = 2
"""2: methods, definitions, by-attribute counts, every memo with kind and date, the codebook
appendix and sources, quote attributions and exemplar marks; with several coders, an
``agreement_table`` (coders, unit, per-code statistics, null where undefined)."""


def _r(x: float) -> float:
    return round(x, 6)


def frequency_dict(f: Frequency) -> dict[str, Any]:
    return {
        "code": f.code,
        "depth": f.depth,
        "codings": f.codings,
        "passages": f.passages,
        "documents": f.documents,
        "speakers": f.speakers,
        "participants": f.participants,
        "words": f.words,
        "share": _r(f.share),
    }


def terms_list(terms: tuple[KeyTerm, ...]) -> list[dict[str, Any]]:
    return [{"lemma": t.lemma, "z": _r(t.z), "count": t.count, "rest": t.rest} for t in terms]


def quote_dict(q: Quote) -> dict[str, Any]:
    return {
        "text": q.text,
        "code": q.code,
        "document": q.document,
        "speaker": q.speaker,
        "participant_id": q.participant,
        "participant": q.is_participant,
        "attribution": q.attribution,
        "details": list(q.details),
        "exemplar": q.exemplar,
        "turn": q.turn,
        "timestamp": q.timestamp,
        "start": q.start,
        "end": q.end,
        "words": q.words,
        "complete_sentences": q.complete,
    }


def cooccurrence_dict(t: CooccurrenceTable) -> dict[str, Any]:
    return {
        "mode": t.mode,
        "window": t.window,
        "level": t.level,
        "passages": {name: t.passages[cid] for cid, name in t.codes},
        "pairs": [
            {
                "a": p.a,
                "b": p.b,
                "count": p.count,
                "units": p.units,
                "jaccard": _r(p.jaccard),
                "a_passages": p.a_passages,
                "b_passages": p.b_passages,
            }
            for p in t.pairs
        ],
    }


def matrix_dict(m: CodeDocumentMatrix) -> dict[str, Any]:
    return {
        "documents": list(m.documents),
        "rows": [{"code": r.code, "depth": r.depth, "cells": list(r.cells)} for r in m.rows],
    }


def crosstab_dict(c: Crosstab) -> dict[str, Any]:
    return {
        "attribute": c.attribute,
        "unit": c.unit,
        "values": list(c.values),
        "cases": list(c.cases),
        "rows": [
            {
                "code": r.code,
                "depth": r.depth,
                "cells": [
                    {
                        "passages": cell.passages,
                        "cases_with": cell.cases_with,
                        "percent": _r(cell.percent),
                    }
                    for cell in r.cells
                ],
            }
            for r in c.rows
        ],
    }


def memo_dict(m: MemoNote) -> dict[str, Any]:
    return {"kind": m.kind, "target": m.target, "coder": m.coder, "date": m.date, "text": m.text}


def _opt(x: float | None) -> float | None:
    return None if x is None else _r(x)


def agreement_table_dict(t: AgreementTable) -> dict[str, Any]:
    """The agreement table (only in summaries with several coders): null where undefined."""
    return {
        "coders": list(t.coders),
        "unit": t.unit,
        "unit_definition": t.unit_definition,
        "rows": [
            {
                "code": r.code,
                "n_units": r.n_units,
                "percent_agreement": _opt(r.percent_agreement),
                "cohen_kappa": _opt(r.cohen_kappa),
                "krippendorff_alpha": _opt(r.krippendorff_alpha),
            }
            for r in t.rows
        ],
    }


def summary_dict(s: Summary) -> dict[str, Any]:
    t = s.totals
    out: dict[str, Any] = {
        "format": "qualcode-summary",
        "version": FORMAT_VERSION,
        "title": s.title,
        "project": s.project,
        "codebook": s.codebook,
        "filters": list(s.filters),
        "coders": list(s.coders),
        "totals": {
            "documents": t.documents,
            "participants": t.participants,
            "words": t.words,
            "codings": t.codings,
            "coded_words": t.coded_words,
            "coverage": _r(t.coverage),
        },
        "pseudonymised": s.pseudonymised,
        "methods": list(s.methods),
        "agreement": list(s.agreement),
        **(
            {}
            if s.agreement_table is None
            else {"agreement_table": agreement_table_dict(s.agreement_table)}
        ),
        "definitions": [{"term": d.term, "text": d.text} for d in s.definitions],
        "participant_words": s.participant_words,
        "participant_coverage": _r(s.participant_coverage),
        "overview": list(s.intro),
        "by": None
        if s.by is None
        else {
            "attribute": s.by.key,
            "groups": [
                {"value": g.value, "label": g.label, "participants": g.participants}
                for g in s.by.groups
            ],
            "participants": {f.code: list(s.by.counts.get(f.code_id, ())) for f in s.frequencies},
        },
        "key_terms_note": s.key_terms_note,
        "frequencies": [frequency_dict(f) for f in s.frequencies],
        "theme_cooccurrence": cooccurrence_dict(s.cooccurrence),
        "themes": [
            {
                "number": th.number,
                "name": th.code.name,
                "brief": th.code.brief,
                "definition": th.code.definition,
                "lead": list(th.lead),
                "frequency": frequency_dict(th.frequency),
                "codes": [
                    {
                        **frequency_dict(e.frequency),
                        "brief": e.code.brief,
                        "key_terms": terms_list(e.key_terms),
                    }
                    for e in th.codes
                ],
                "key_terms": terms_list(th.key_terms),
                "quotes": [quote_dict(q) for q in th.quotes],
                "memos": [memo_dict(m) for m in th.memos],
            }
            for th in s.themes
        ],
        "project_memos": [{"coder": m.coder, "text": m.text} for m in s.project_memos],
        "memos": [memo_dict(m) for m in s.memos],
        "codebook_appendix": {
            "name": s.codebook_info.name if s.codebook_info else s.codebook,
            "version": s.codebook_info.version if s.codebook_info else "",
            "description": s.codebook_info.description if s.codebook_info else "",
            "sources": list(s.codebook_info.sources) if s.codebook_info else [],
            "codes": [
                {
                    "name": e.code.name,
                    "depth": e.depth,
                    **{k.lower().replace(" ", "_"): v for k, v in appendix_fields(e.code)},
                }
                for e in s.appendix
            ],
        },
    }
    if s.extended is not None:
        out["code_cooccurrence"] = cooccurrence_dict(s.extended.cooccurrence)
        out["code_document_matrix"] = matrix_dict(s.extended.matrix)
        out["crosstabs"] = [crosstab_dict(c) for c in s.extended.crosstabs]
    return out


def render_json(summary: Summary) -> str:
    return json.dumps(summary_dict(summary), indent=2, ensure_ascii=False) + "\n"
