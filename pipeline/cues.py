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

from spacy.attrs import LEMMA, LOWER, POS
from spacy.language import Language
from spacy.symbols import ADV
from spacy.tokens import Doc, Span


@dataclass(frozen=True)
class Cue:
    label: str
    text: str
    tokens: tuple[frozenset[str], ...]
    rank: int  # position among the index's cues: the order cues starting on one token are tried in


def _forms(token) -> frozenset[str]:
    return frozenset({token.lower_, token.lemma_.lower()})


class TokenForms:
    """What cues are compared with, for every token of a ``Doc``: its lower-cased form and lemma, and whether
    it is an adverb (which a multi-word cue may skip).

    Read from the Doc's arrays once, then shared by every claim of the Doc and every index that scans it:
    building these per claim and per index cost more than the matching.

    >>> # forms = TokenForms(nlp("New sanctions were imposed."))
    >>> # forms.lower[1], forms.lemma[1], forms.adverb[1]  ->  ('sanctions', 'sanction', False)
    """

    def __init__(self, doc: Doc):
        lower, lemma, pos = doc.to_array([LOWER, LEMMA, POS]).T.tolist()
        strings = doc.vocab.strings
        # A paragraph repeats its words: look each one up once.
        lowers = {key: strings[key] for key in set(lower)}
        lemmas = {key: strings[key].lower() for key in set(lemma)}
        self.lower = [lowers[key] for key in lower]
        self.lemma = [lemmas[key] for key in lemma]
        self.adverb = [tag == ADV for tag in pos]


class CueIndex:
    """Cues of many labels, indexed by their first token for a fast scan.

    >>> # index = CueIndex(nlp, {"sanctions": ["sanction", "export control"]})
    >>> # index.find(doc[0:5], TokenForms(doc)) -> [("sanctions", "sanction", 3, 4)]
    """

    def __init__(self, nlp: Language, cues: dict[str, list[str]]):
        texts = [(label, cue) for label, items in cues.items() for cue in items]
        docs = nlp.pipe([cue for _, cue in texts], disable=["parser", "ner"])
        self.by_first: dict[str, list[Cue]] = {}
        for rank, ((label, text), doc) in enumerate(zip(texts, docs)):
            cue = Cue(label, text, tuple(_forms(token) for token in doc), rank)
            for form in cue.tokens[0]:
                self.by_first.setdefault(form, []).append(cue)

    def find(self, span: Span, forms: TokenForms) -> list[tuple[str, str, int, int]]:
        """Every (label, cue, start token, end token) match inside ``span``, in order.

        ``forms`` is ``TokenForms(span.doc)``. Inside a multi-word cue, up to
        ``MAX_SKIPPED`` adverbs of the text may stand between the cue's words
        ("is very likely to" matches "be likely to").
        """
        found = []
        for i in range(span.start, span.end):
            for cue in self._starting_with(forms.lower[i], forms.lemma[i]):
                end = _match_end(cue.tokens, forms, i, span.end)
                if end is not None:
                    found.append((cue.label, cue.text, i, end))
        return found

    def _starting_with(self, lower: str, lemma: str) -> list[Cue]:
        """The cues whose first token a text token with these forms matches, in the index's order."""
        by_form, by_lemma = self.by_first.get(lower, []), self.by_first.get(lemma, []) if lemma != lower else []
        if not by_lemma or not by_form:
            return by_form or by_lemma
        return sorted({*by_form, *by_lemma}, key=lambda cue: cue.rank)


MAX_SKIPPED = 2


def _match_end(cue: tuple[frozenset[str], ...], forms: TokenForms, start: int, stop: int) -> int | None:
    """Where a cue matched from token ``start`` ends (before token ``stop``), or None; the cue's first token
    is already known to match."""
    lower, lemma, adverb = forms.lower, forms.lemma, forms.adverb
    position, skipped = start + 1, 0
    for wanted in cue[1:]:
        while position < stop and lower[position] not in wanted and lemma[position] not in wanted \
                and adverb[position] and skipped < MAX_SKIPPED:
            position, skipped = position + 1, skipped + 1
        if position >= stop or (lower[position] not in wanted and lemma[position] not in wanted):
            return None
        position += 1
    return position
