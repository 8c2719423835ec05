"""Thematic saturation: new codes per transcript, the cumulative curve, and the assessment of
Guest, Namey & Chen (2020).

Interviews are taken in an order (import order, a date attribute, or any attribute). For each
interview the *codes* it holds are the codes applied anywhere in it; a code is *new* in the
first interview that holds it. The cumulative curve counts the distinct codes seen so far.

The assessment follows Guest G, Namey E, Chen M (2020), "A simple method to assess and report
thematic saturation in qualitative research", PLoS ONE 15(5): e0232076,
https://doi.org/10.1371/journal.pone.0232076:

- *base size* ``b``: the first ``b`` interviews; the number of distinct codes they hold is the
  denominator of every ratio below;
- *run length* ``r``: after ``k`` interviews (``k >= b``), the run is interviews ``k+1 … k+r``;
  its *new information* is the number of codes first seen in the run divided by the codes in
  the base;
- *new-information threshold* ``t``: saturation is reached at interview ``k``, the first ``k``
  whose following run adds at most ``t`` (e.g. 5 %) new information. Runs roll forward one
  interview at a time. With fewer than ``b + r`` interviews (or no code in the base) it cannot
  be assessed; if no run qualifies, it is not reached.

Report it with its parameters: "saturation (≤5% new information) was reached at interview k,
using a base size of 4 and a run length of 2", or in the method's shorthand ``k+r`` (e.g. "5+2":
reached at interview 5, confirmed by the run of interviews 6 and 7).

The paper's full text could not be consulted offline; the three rules above (a fixed
denominator, runs that roll forward one interview at a time, saturation reported at the last
interview before the first qualifying run) agree with an independent implementation of the
method (an R package built on the same paper) on the example in its documentation, which
``tests/test_saturation.py`` reproduces. Guest et al. examined bases of 4–6 interviews, runs of
2–3 and thresholds of 5 % and 0 %; :func:`sensitivity` reports all twelve so a reader can see
how much the conclusion rests on the choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qualcode.analysis.corpus import Corpus
    from qualcode.store.query_data import QueryData

CITATION = (
    "Guest G, Namey E, Chen M (2020). A simple method to assess and report thematic "
    "saturation in qualitative research. PLoS ONE 15(5): e0232076. "
    "https://doi.org/10.1371/journal.pone.0232076"
)


@dataclass(frozen=True)
class Interview:
    number: int  # 1-based position in the order
    document: str
    order_value: str
    codes: int
    new: tuple[str, ...]
    cumulative: int


@dataclass(frozen=True)
class Run:
    after: int  # k: interviews before the run
    first: int  # k + 1
    last: int  # k + r
    new: int
    ratio: float  # new / codes in the base

    @property
    def label(self) -> str:
        """ "interviews 5–6", or "interview 5" for a run of one."""
        if self.first == self.last:
            return f"interview {self.first}"
        return f"interviews {self.first}–{self.last}"

    def meets(self, threshold: float) -> bool:
        return self.ratio <= threshold + 1e-12


@dataclass(frozen=True)
class Saturation:
    interviews: tuple[Interview, ...]
    base: int
    run: int
    threshold: float
    order: str
    base_codes: int
    runs: tuple[Run, ...]
    reached_at: int | None
    """k: the interview at which saturation was reached, or None."""
    left_out: tuple[str, ...] = ()
    """Documents with no codings, not counted: an uncoded transcript would look like an
    interview that brought nothing new and fake saturation."""

    @property
    def notation(self) -> str | None:
        """Guest et al.'s shorthand ``k+r``, or None when saturation was not reached."""
        return None if self.reached_at is None else f"{self.reached_at}+{self.run}"

    def verdict(self) -> str:
        """One short cell for a table: the notation, "not reached" or "cannot be assessed"."""
        if not self.assessable:
            return "cannot be assessed"
        return self.notation or "not reached"

    @property
    def assessable(self) -> bool:
        return len(self.interviews) >= self.base + self.run and self.base_codes > 0

    def conclusion(self) -> str:
        return self._verdict() + self._left_out_note()

    def _left_out_note(self) -> str:
        if not self.left_out:
            return ""
        shown = ", ".join(self.left_out[:5]) + (" …" if len(self.left_out) > 5 else "")
        return (
            f" {len(self.left_out)} document(s) with no codings were left out (not coded "
            f"yet?): {shown}."
        )

    def _verdict(self) -> str:
        t = f"≤{self.threshold * 100:g}% new information"
        how = f"base size {self.base}, run length {self.run}"
        if not self.assessable:
            return (
                f"Saturation cannot be assessed ({how}): it needs at least "
                f"{self.base + self.run} coded interviews; there are {len(self.interviews)}."
            )
        if self.reached_at is None:
            last = self.runs[-1]
            return (
                f"Saturation ({t}) was not reached ({how}): the last run "
                f"({last.label}) added {last.new} new code(s), "
                f"{last.ratio * 100:.1f}% of the {self.base_codes} codes in the base."
            )
        run = next(r for r in self.runs if r.after == self.reached_at)
        return (
            f"Saturation ({t}) was reached at interview {self.reached_at}, "
            f"{self.notation} ({how}): "
            f"{run.label} added {run.new} new code(s), "
            f"{run.ratio * 100:.1f}% of the {self.base_codes} codes in the base "
            f"(interviews 1–{self.base})."
        )


def assess(
    interviews: Sequence[tuple[str, str, set[str]]],
    base: int = 4,
    run: int = 2,
    threshold: float = 0.05,
    order: str = "import",
) -> Saturation:
    """``interviews``: (document, order value, codes it holds), already in order. Those with
    no codes are left out of the sequence and named in :attr:`Saturation.left_out`."""
    left_out = tuple(doc for doc, _, codes in interviews if not codes)
    interviews = [i for i in interviews if i[2]]
    if base < 1 or run < 1:
        raise ValueError("base size and run length must be at least 1")
    if not 0 <= threshold < 1:
        raise ValueError("the threshold is a share between 0 and 1 (0.05 for 5%)")
    seen: set[str] = set()
    steps = []
    first_seen: dict[str, int] = {}
    for i, (doc, value, codes) in enumerate(interviews, start=1):
        new = sorted(codes - seen, key=str.casefold)
        for code in new:
            first_seen[code] = i
        seen |= codes
        steps.append(Interview(i, doc, value, len(codes), tuple(new), len(seen)))
    n = len(steps)
    base_codes = steps[base - 1].cumulative if n >= base else 0
    runs = []
    reached = None
    if n >= base + run and base_codes:
        for k in range(base, n - run + 1):
            added = sum(1 for at in first_seen.values() if k < at <= k + run)
            r = Run(k, k + 1, k + run, added, added / base_codes)
            runs.append(r)
            if reached is None and r.meets(threshold):
                reached = k
    return Saturation(
        tuple(steps), base, run, threshold, order, base_codes, tuple(runs), reached, left_out
    )


SENSITIVITY_BASES = (4, 5, 6)
SENSITIVITY_RUNS = (2, 3)
SENSITIVITY_THRESHOLDS = (0.05, 0.0)


def sensitivity(
    interviews: Sequence[tuple[str, str, set[str]]], order: str = "import"
) -> list[Saturation]:
    """The assessment under each of the twelve parameter sets Guest et al. (2020) examined:
    base 4, 5, 6 × run 2, 3 × threshold 5 %, 0 %."""
    return [
        assess(interviews, base, run, threshold, order)
        for threshold in SENSITIVITY_THRESHOLDS
        for base in SENSITIVITY_BASES
        for run in SENSITIVITY_RUNS
    ]


def project_interviews(data: QueryData, order: str = "import") -> list[tuple[str, str, set[str]]]:
    """Every document in the chosen order with the codes applied in it.

    ``import``: the order the documents were imported (their ids); ``date``: the attribute
    typed ``date`` (or named ``date``/``interview_date``); anything else: that attribute,
    numbers numerically, other values as text (ISO dates sort right). An attribute is the
    document's, else its participants' (a case attribute set with ``qualcode cases``) when they
    agree. Documents with no codings need no value: :func:`assess` leaves them out."""
    from qualcode.errors import QualcodeError

    codes_in: dict[int, set[str]] = {d: set() for d, _ in data.documents}
    names = {c.id: c.name for c in data.codes}
    for c in data.codings_of(names):
        codes_in[c.document_id].add(names[c.code_id])
    if order == "import":
        docs = sorted(data.documents)
        return [(name, str(i), codes_in[d]) for i, (d, name) in enumerate(docs, start=1)]
    key = order
    if order == "date":
        candidates = data.date_keys()
        if not candidates:
            raise QualcodeError(
                "no date attribute on the documents or cases (type one with `qualcode cases "
                "--type KEY date`, or name it: --order ATTR)"
            )
        key = candidates[0]
    values = order_values(data, key)
    missing = sorted(name for d, name in data.documents if values[d] is None and codes_in[d])
    if all(v is None for v in values.values()):
        known = ", ".join(data.attribute_keys()) or "none"
        raise QualcodeError(f"no document has an attribute '{key}' (known: {known})")
    if missing:
        raise QualcodeError(
            f"these documents have no '{key}' to order them by: {', '.join(missing)}"
        )

    def rank(item: tuple[int, str]) -> tuple[int, float, str, str]:
        value = values[item[0]]
        if value is None:  # uncoded and without a value: left out by assess() anyway
            return (2, 0.0, "", item[1])
        try:
            return (0, float(value), "", item[1])
        except ValueError:
            return (1, 0.0, value, item[1])

    return [(name, str(values[d]), codes_in[d]) for d, name in sorted(data.documents, key=rank)]


def order_values(data: QueryData, key: str) -> dict[int, str | None]:
    """Each document's value of ``key`` for ordering: its own attribute, else the value its
    participants share (a case attribute); None if there is none. Persons are read once."""
    from qualcode.errors import QualcodeError

    shared: dict[int, set[str]] = {}
    for p in data.persons.values():
        if p.is_participant and key in p.attributes:
            shared.setdefault(p.document_id, set()).add(p.attributes[key])
    out: dict[int, str | None] = {}
    for doc_id, _ in data.documents:
        own = data.doc_attributes[doc_id].get(key)
        theirs = shared.get(doc_id, set())
        if own is None and len(theirs) > 1:
            raise QualcodeError(
                f"{data.doc_name[doc_id]}: its participants differ in '{key}' "
                f"({', '.join(sorted(theirs))}); set it on the document to order by it"
            )
        out[doc_id] = own if own is not None else next(iter(theirs), None)
    return out


def corpus_interviews(corpus: Corpus) -> list[tuple[str, str, set[str]]]:
    """The documents in scope of an analysis corpus, in import order, with their codes in
    scope: what :func:`assess` takes for the summary's saturation curve."""
    names = {c.id: c.name for c in corpus.codes}
    codes_in: dict[int, set[str]] = {d.id: set() for d in corpus.documents}
    for c in corpus.codings:
        codes_in[c.document_id].add(names[c.code_id])
    docs = sorted(corpus.documents, key=lambda d: d.id)
    return [(d.name, str(i), codes_in[d.id]) for i, d in enumerate(docs, start=1)]
