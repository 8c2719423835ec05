"""The spaCy-free word tables give exactly what the spaCy pipeline gives."""

from __future__ import annotations

import subprocess
import sys

from qualcode.nlp.lexicon import is_number_word, lemma_lookup, stop_words
from qualcode.nlp.pipeline import get_pipeline


def test_tables_match_the_spacy_pipeline() -> None:
    nlp = get_pipeline(lemmas=True)
    table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    ours = lemma_lookup()
    assert len(ours) == len(table)
    for form in ("felt", "groups", "colleagues", "was", "better", "meetings", "Feeling"):
        assert ours.get(form) == table.get(form)
    assert stop_words() == {w.lower() for w in nlp.Defaults.stop_words}


def test_number_words_follow_spacy_like_num() -> None:
    from spacy.attrs import LIKE_NUM

    like_num = get_pipeline(lemmas=True).Defaults.lex_attr_getters[LIKE_NUM]
    from spacy.lang.en import lex_attrs

    words = [*lex_attrs._num_words, *lex_attrs._ordinal_words, "group", "alone", "once", "Third"]
    for word in words:
        assert is_number_word(word) == like_num(word.lower()), word


def test_key_terms_do_not_import_spacy() -> None:
    code = (
        "import sys; from qualcode.analysis.keyterms import Lemmatizer; "
        "lem = Lemmatizer(); print(lem.lemma('felt'), lem.lemma('groups'), 'spacy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["feel", "group", "False"]
