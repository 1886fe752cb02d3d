"""Cue phrases matched on lemmas: the shared matching rule of the schema files.

A cue is a word or phrase as it would be written (``is expected to``,
``great-power status``). It is tokenized and lemmatized by the same spaCy
pipeline as the corpus, and a token of the text matches a token of the cue
when its lower-cased lemma or lower-cased form equals the cue token's lemma
or form, so ``sanctions`` matches the cue ``sanction`` and ``was expected to``
matches ``is expected to``.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Span


@dataclass(frozen=True)
class Cue:
    label: str
    text: str
    tokens: tuple[frozenset[str], ...]


def _forms(token) -> frozenset[str]:
    return frozenset({token.lower_, token.lemma_.lower()})


class CueIndex:
    """Cues of many labels, indexed by their first token for a fast scan.

    >>> # index = CueIndex(nlp, {"sanctions": ["sanction", "export control"]})
    >>> # index.find(span) -> [("sanctions", "sanction", 3, 4)]
    """

    def __init__(self, nlp: Language, cues: dict[str, list[str]]):
        texts = [(label, cue) for label, items in cues.items() for cue in items]
        docs = nlp.pipe([cue for _, cue in texts], disable=["parser", "ner"])
        self.by_first: dict[str, list[Cue]] = {}
        for (label, text), doc in zip(texts, docs):
            cue = Cue(label, text, tuple(_forms(token) for token in doc))
            for form in cue.tokens[0]:
                self.by_first.setdefault(form, []).append(cue)

    def find(self, span: Span) -> list[tuple[str, str, int, int]]:
        """Every (label, cue, start token, end token) match inside ``span``, in order.

        Inside a multi-word cue, up to ``MAX_SKIPPED`` adverbs of the text may
        stand between the cue's words ("is very likely to" matches "be likely to").
        """
        tokens = [_forms(token) for token in span]
        adverbs = [token.pos_ == "ADV" for token in span]
        found = []
        for i, forms in enumerate(tokens):
            candidates = {id(c): c for form in forms for c in self.by_first.get(form, [])}.values()
            for cue in candidates:
                end = _match_end(cue.tokens, tokens, adverbs, i)
                if end is not None:
                    found.append((cue.label, cue.text, span.start + i, span.start + end))
        return found


MAX_SKIPPED = 2


def _match_end(cue: tuple[frozenset[str], ...], tokens: list[frozenset[str]], adverbs: list[bool],
               start: int) -> int | None:
    """Where a cue matched from ``start`` ends, or None; the cue's first token is already known to match."""
    position, skipped = start + 1, 0
    for wanted in cue[1:]:
        while position < len(tokens) and not (tokens[position] & wanted) and adverbs[position] \
                and skipped < MAX_SKIPPED:
            position, skipped = position + 1, skipped + 1
        if position >= len(tokens) or not (tokens[position] & wanted):
            return None
        position += 1
    return position
