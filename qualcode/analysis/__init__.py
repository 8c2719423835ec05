"""Analysis of coded data: frequencies, matrices and crosstabs, co-occurrence, key terms, quotes.

Everything starts from a :class:`Corpus` (the project's data narrowed by :class:`Filters`);
:mod:`qualcode.analysis.corpus` defines the units (person, participant, passage, scope) that
every figure uses. Nothing here writes to the project.
"""

from qualcode.analysis.corpus import Corpus, Filters, Passage, parse_where

__all__ = ["Corpus", "Filters", "Passage", "parse_where", "load_corpus"]


def load_corpus(project, filters: Filters | None = None) -> Corpus:  # noqa: ANN001
    """Read a project once and narrow it to the filters."""
    from qualcode.store.analysis_data import load_analysis_data

    return Corpus(load_analysis_data(project), filters)
