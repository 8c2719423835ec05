"""The one place that builds spaCy pipelines.

The default is ``spacy.blank("en")`` with a rule-based sentencizer, plus spaCy's lookup
lemmatizer (tables from spacy-lookups-data) when lemmas are wanted: no download, no network,
same result on every machine. A trained pipeline such as ``en_core_web_sm`` is used only when it
is installed and asked for.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from spacy.language import Language

MAX_LENGTH = 20_000_000


@lru_cache(maxsize=8)
def get_pipeline(model: str | None = None, lemmas: bool = False) -> Language:
    """A cached pipeline. ``model`` names an installed trained pipeline; None is the blank one."""
    import spacy

    if model:
        try:
            nlp = spacy.load(model, exclude=["ner"])
        except OSError as exc:
            raise QualcodeError(
                f"spaCy pipeline '{model}' is not installed; install it or leave --model out "
                "to use the built-in blank English pipeline"
            ) from exc
        if (
            not nlp.has_pipe("parser")
            and not nlp.has_pipe("senter")
            and not nlp.has_pipe("sentencizer")
        ):
            nlp.add_pipe("sentencizer")
    else:
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        if lemmas:
            nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
            try:
                nlp.initialize()
            except (OSError, ValueError) as exc:
                raise QualcodeError(
                    "lemma tables are missing: install spacy-lookups-data "
                    "(it ships with qualcode's dependencies)"
                ) from exc
    nlp.max_length = MAX_LENGTH
    return nlp
