"""Cue phrases matched on lemmas, and token patterns: the shared matching rules of the schema files.

A cue is a word or phrase as it would be written (``is expected to``,
``great-power status``). It is tokenized and lemmatized by the same spaCy
pipeline as the corpus, and a token of the text matches a token of the cue
when its lower-cased lemma or lower-cased form equals the cue token's lemma
or form, so ``sanctions`` matches the cue ``sanction`` and ``was expected to``
matches ``is expected to``.

A pattern is a spaCy ``Matcher`` token pattern (``Patterns``).
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass

from spacy.attrs import IS_PUNCT, IS_QUOTE, IS_SPACE, LEMMA, LIKE_NUM, LOWER, NORM, ORTH, POS
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.strings import get_string_id
from spacy.symbols import ADV
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab


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
    it is an adverb (which a multi-word cue may skip); the ids of the words patterns require (``ids``,
    by attribute: ``ORTH``, ``LOWER``, ``LEMMA``, ``NORM``); and whether it is punctuation (or space or a
    quote mark) or reads as a number, which the theme classifier's features drop or fold.

    Read from the Doc's arrays once, then shared by every claim of the Doc and every index that scans it:
    building these per claim and per index cost more than the matching.

    >>> # forms = TokenForms(nlp("New sanctions were imposed."))
    >>> # forms.lower[1], forms.lemma[1], forms.adverb[1]  ->  ('sanctions', 'sanction', False)
    """

    def __init__(self, doc: Doc):
        orth, lower, lemma, norm, pos, punct, space, quote, number = doc.to_array(
            [ORTH, LOWER, LEMMA, NORM, POS, IS_PUNCT, IS_SPACE, IS_QUOTE, LIKE_NUM]).T.tolist()
        self.ids = {ORTH: orth, LOWER: lower, LEMMA: lemma, NORM: norm}
        strings = doc.vocab.strings
        # A paragraph repeats its words: look each one up once.
        lowers = {key: strings[key] for key in set(lower)}
        lemmas = {key: strings[key].lower() for key in set(lemma)}
        self.lower = [lowers[key] for key in lower]
        self.lemma = [lemmas[key] for key in lemma]
        self.adverb = [tag == ADV for tag in pos]
        self.punctuation = [bool(p or s or q) for p, s, q in zip(punct, space, quote)]
        self.number = [bool(flag) for flag in number]

    @classmethod
    def of(cls, doc: Doc) -> TokenForms:
        """The forms of ``doc``, read once in a process: the claims and themes stages scan the same Docs."""
        forms = _READ.get(doc)
        if forms is None:
            forms = _READ[doc] = cls(doc)
        return forms


_READ: weakref.WeakKeyDictionary[Doc, TokenForms] = weakref.WeakKeyDictionary()


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


class Patterns:
    """spaCy ``Matcher`` token patterns, each key's given only the spans where one of its patterns can match.

    A pattern cannot match a span that lacks the words its tokens require: ``[{LOWER: arms}, {LEMMA: {IN:
    [control, race]}}]`` needs "arms" and one of the two lemmas, ``{TEXT: {REGEX: "^Vostok"}}`` a word that
    starts so, while ``{LOWER: {NOT_IN: [at]}}``, ``{POS: NOUN}`` or a token with an ``OP`` that allows none
    require nothing. The Matcher reads every token of a span and calls the Python predicates (``IN``,
    ``NOT_IN``, ``REGEX``) of its patterns on each, so every key has its own Matcher, and a span that misses
    a required word of every pattern of a key is not given to that key's Matcher (the keys are indexed by the
    first word their patterns require, so a span looks up its candidate keys by its own words). A key's
    matches and their order are the Matcher's, and the keys come in the order they were first added; the
    offsets are token positions in ``span.doc``, as ``CueIndex.find`` gives them (the Matcher counts from the
    start of the span).

    >>> # patterns = Patterns(nlp.vocab)
    >>> # patterns.add("arms", [[{"LOWER": "arms"}, {"LEMMA": {"IN": ["control", "race"]}}]])
    >>> # patterns(doc[4:16], TokenForms(doc))  ->  [(match_id, 6, 8)]
    """

    def __init__(self, vocab: Vocab, *, validate: bool = False):
        self.vocab, self.validate = vocab, validate
        self.keys: dict[str, _KeyPatterns] = {}
        self.attrs: set[int] = set()  # the attributes required words are read from
        # (attribute, word id) -> the keys with a pattern whose first required word it is; the keys with a
        # pattern that requires no plain word are always candidates
        self.keys_by_word: dict[tuple[int, int], set[str]] = {}
        self.always: set[str] = set()

    def add(self, key: str, patterns: list[list[dict]]):
        if key not in self.keys:
            self.keys[key] = _KeyPatterns(Matcher(self.vocab, validate=self.validate), [])
        needs = [required_words(pattern) for pattern in patterns]
        self.keys[key].add(key, patterns, needs)
        for required in needs:
            self.attrs |= {word.attr for word in required}
            if not required or required[0].regex is not None:
                self.always.add(key)
            for word in required[0].ids if required else ():
                self.keys_by_word.setdefault((required[0].attr, word), set()).add(key)

    def __call__(self, span: Span, forms: TokenForms) -> list[tuple[int, int, int]]:
        """The Matchers' matches in ``span``, at their positions in ``span.doc`` (``forms`` is
        ``TokenForms(span.doc)``)."""
        words = {attr: set(forms.ids[attr][span.start:span.end]) for attr in self.attrs}
        return [(match_id, span.start + start, span.start + end)
                for patterns in self._may_match(words, span.vocab.strings)
                for match_id, start, end in patterns.matcher(span)]

    def in_doc(self, doc: Doc) -> list[tuple[int, int, int]]:
        """The Matchers' matches in the whole of ``doc``, for a caller with no ``TokenForms`` of it."""
        words = {attr: set(doc.to_array(attr).tolist()) for attr in self.attrs}
        return [match for patterns in self._may_match(words, doc.vocab.strings) for match in patterns.matcher(doc)]

    def _may_match(self, words: dict[int, set[int]], strings) -> list[_KeyPatterns]:
        """The keys, in order, with a pattern that finds every word it requires among ``words``."""
        candidates = self.always.union(*(self.keys_by_word.get((attr, word), ()) for attr, ids in words.items()
                                         for word in ids))
        return [patterns for key, patterns in self.keys.items()
                if key in candidates and patterns.may_match(words, strings)]


@dataclass
class _KeyPatterns:
    """The Matcher of one key's patterns and the words each of them requires."""

    matcher: Matcher
    required: list[tuple[Required, ...]]

    def add(self, key: str, patterns: list[list[dict]], required: list[tuple[Required, ...]]):
        self.matcher.add(key, patterns)
        self.required += required

    def may_match(self, words: dict[int, set[int]], strings) -> bool:
        """Whether some pattern finds every word it requires among ``words`` (string ids by attribute)."""
        return any(all(required.met(words[required.attr], strings) for required in pattern)
                   for pattern in self.required)


# Pattern keys whose value is a word (TEXT is ORTH to the Matcher).
WORD_ATTRS = {"ORTH": ORTH, "TEXT": ORTH, "LOWER": LOWER, "LEMMA": LEMMA, "NORM": NORM}
# A token with one of these OPs matches at least once: "+", "{2}", "{1,6}", "{1,}".
AT_LEAST_ONCE = re.compile(r"\+|\{[1-9][0-9]*(?:,[0-9]*)?\}")


class Required:
    """A word a pattern needs: a token whose ``attr`` has one of the string ids ``ids``, or matches ``regex``."""

    def __init__(self, attr: int, ids: frozenset[int] = frozenset(), regex: re.Pattern | None = None):
        self.attr, self.ids, self.regex = attr, ids, regex
        self._searched: dict[int, bool] = {}  # word id -> whether ``regex`` finds it: spans share their words

    def met(self, words: set[int], strings) -> bool:
        """Whether one of ``words`` (string ids of ``attr``) is the word required."""
        if self.regex is None:
            return not self.ids.isdisjoint(words)
        return any(self._search(word, strings) for word in words)

    def _search(self, word: int, strings) -> bool:
        if word not in self._searched:
            self._searched[word] = bool(self.regex.search(strings[word]))
        return self._searched[word]


def required_words(pattern: list[dict]) -> tuple[Required, ...]:
    """The words a Matcher pattern cannot match without, one per word constraint of a token it must match.

    >>> [sorted(r.ids) == sorted(get_string_id(w) for w in words) for r, words in zip(
    ...     required_words([{"LOWER": "arms"}, {"LEMMA": {"IN": ["race", "control"]}}, {"POS": "NOUN", "OP": "?"}]),
    ...     (["arms"], ["race", "control"]))]
    [True, True]
    >>> required_words([{"LOWER": {"NOT_IN": ["at"]}}, {"LEMMA": "stake", "OP": "*"}])
    ()
    """
    found = []
    for token in pattern:
        if "OP" in token and not AT_LEAST_ONCE.fullmatch(str(token["OP"])):
            continue
        for key, value in token.items():
            attr = WORD_ATTRS.get(key.upper())
            if attr is None:
                continue
            if isinstance(value, str):
                found.append(Required(attr, frozenset({get_string_id(value)})))
            elif isinstance(value, dict) and set(value) == {"IN"} and all(isinstance(v, str) for v in value["IN"]):
                found.append(Required(attr, frozenset(get_string_id(v) for v in value["IN"])))
            elif isinstance(value, dict) and set(value) == {"REGEX"} and isinstance(value["REGEX"], str):
                found.append(Required(attr, regex=re.compile(value["REGEX"])))
    return tuple(found)
