"""English word lists for counting lemmas without loading spaCy.

Key terms only need spaCy's *data* — the English lemma lookup table (spacy-lookups-data) and
the English stop-word list — not a pipeline. Importing spaCy and building even a blank pipeline
costs 0.7–0.9 s, a third of the 3-second budget of ``qualcode summary``; reading the two tables
directly costs about 0.06 s and gives the same lemmas and stop words as
``get_pipeline(lemmas=True)``.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import runpy
from functools import lru_cache
from pathlib import Path

# Number words, as in spaCy's English ``like_num`` (spacy/lang/en/lex_attrs.py): a key term
# such as "twenty" or "third" says nothing about what distinguishes a code.
_NUMBER_WORDS = frozenset(
    """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty
    ninety hundred thousand million billion trillion quadrillion quintillion sextillion
    septillion octillion nonillion decillion gajillion bazillion first second third fourth
    fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth fifteenth
    sixteenth seventeenth eighteenth nineteenth twentieth thirtieth fortieth fiftieth sixtieth
    seventieth eightieth ninetieth hundredth thousandth millionth billionth trillionth
    quadrillionth quintillionth sextillionth septillionth octillionth nonillionth decillionth
    gajillionth bazillionth""".split()
)


@lru_cache(maxsize=1)
def lemma_lookup() -> dict[str, str]:
    """spaCy's English lookup lemma table (form -> lemma), from spacy-lookups-data."""
    import spacy_lookups_data

    path = spacy_lookups_data.get_file("en_lemma_lookup.json.gz")
    return json.loads(gzip.decompress(Path(str(path)).read_bytes()))


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """spaCy's English stop words, read from its data module without importing spaCy."""
    spec = importlib.util.find_spec("spacy")
    if spec is None or spec.origin is None:  # pragma: no cover - spaCy is a dependency
        raise ModuleNotFoundError("spacy")
    data = runpy.run_path(str(Path(spec.origin).parent / "lang" / "en" / "stop_words.py"))
    return frozenset(word.lower() for word in data["STOP_WORDS"])


def is_number_word(word: str) -> bool:
    """True for English number and ordinal words (letters only; digits are filtered earlier)."""
    return word.lower() in _NUMBER_WORDS
