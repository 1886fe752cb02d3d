"""Cue and pattern matching (pipeline.cues): the same matches as the plain rule and as spaCy's Matcher."""

from __future__ import annotations

import pytest
from spacy.matcher import Matcher

from pipeline import cues
from pipeline.paths import DEFAULT
from pipeline.schemas import load_claim_types, load_themes

# Paragraphs of several sentences, so that most claims start inside their Doc.
PARAGRAPHS = [
    "Russia is big. According to Putin, China is a partner. Analysts argue that the arms trade will grow.",
    "The US may well impose sanctions. It is said to prepare them. Moscow, in turn, regards the EU as weak.",
    "The rise of China worries Washington. Beijing's rise is seen as a threat to the US and to human rights.",
    "Vostok-2018 was held, not at stake for Vostok Energy. We then turn to the START treaty and arms control.",
    "Domestic politics matter; popular opposition grows. Some fear that interference in elections is likely.",
]


def spans(nlp):
    return [(sentence, doc) for doc in nlp.pipe(PARAGRAPHS) for sentence in doc.sents]


def schema_patterns() -> dict[str, list[tuple[str, list]]]:
    claim_types, themes = load_claim_types(DEFAULT.claim_types), load_themes(DEFAULT.themes)
    return {"claim_types": [(t.id, [list(p) for p in t.patterns]) for t in claim_types.claim_types if t.patterns],
            "themes": [(f"{t.id}:{n}", [list(p)]) for t in themes.themes for n, p in enumerate(t.patterns)]}


def patterns_and_matcher(nlp, schema: str) -> tuple[cues.Patterns, Matcher]:
    """The patterns of one schema file, in a ``Patterns`` and in a plain spaCy ``Matcher``."""
    patterns, matcher = cues.Patterns(nlp.vocab), Matcher(nlp.vocab)
    for key, entries in schema_patterns()[schema]:
        patterns.add(key, entries)
        matcher.add(key, entries)
    return patterns, matcher


def by_key(matches: list[tuple[int, int, int]]) -> dict[int, list[tuple[int, int]]]:
    """Each key's matches in their order: a ``Patterns`` keeps the Matcher's order within a key."""
    grouped: dict[int, list[tuple[int, int]]] = {}
    for key, start, end in matches:
        grouped.setdefault(key, []).append((start, end))
    return grouped


@pytest.mark.parametrize("schema", ["claim_types", "themes"])
def test_patterns_match_exactly_as_the_matcher(nlp, schema):
    patterns, matcher = patterns_and_matcher(nlp, schema)
    found = [[(key, span.start + start, span.start + end) for key, start, end in matcher(span)]
             for span, _ in spans(nlp)]
    assert sum(len(matches) for matches in found) > 5 and any(span.start > 0 for span, _ in spans(nlp))
    assert [by_key(patterns(span, cues.TokenForms(doc))) for span, doc in spans(nlp)] == list(map(by_key, found))


def test_keys_come_in_the_order_they_were_first_added(nlp):
    doc = nlp("Arms control talks resumed while sanctions stayed.")
    patterns = cues.Patterns(nlp.vocab)
    patterns.add("late", [[{"LEMMA": "sanction"}]])
    patterns.add("early", [[{"LOWER": "arms"}, {"LEMMA": "control"}]])
    patterns.add("late", [[{"LOWER": "talks"}]])
    found = [(doc.vocab.strings[key], doc[start:end].text) for key, start, end in patterns(doc[:], cues.TokenForms(doc))]
    assert found == [("late", "talks"), ("late", "sanctions"), ("early", "Arms control")]


def test_pattern_matches_are_placed_in_the_doc_not_the_span(nlp):
    doc = nlp("Talks stalled. Then arms control came back.")
    patterns = cues.Patterns(nlp.vocab)
    patterns.add("arms", [[{"LOWER": "arms"}, {"LEMMA": "control"}]])
    second = list(doc.sents)[1]
    [(_, start, end)] = patterns(second, cues.TokenForms(doc))
    assert doc[start:end].text == "arms control"


@pytest.mark.parametrize("schema", ["claim_types", "themes"])
def test_patterns_over_a_whole_doc_match_exactly_as_the_matcher(nlp, schema):
    patterns, matcher = patterns_and_matcher(nlp, schema)
    docs = list(nlp.pipe(PARAGRAPHS + ["Nothing to see."]))
    found = [matcher(doc) for doc in docs]
    assert any(found) and not found[-1]
    assert [by_key(patterns.in_doc(doc)) for doc in docs] == list(map(by_key, found))


@pytest.mark.parametrize("pattern, required", [
    ([{"LOWER": "arms"}, {"LEMMA": {"IN": ["race", "control"]}}],
     [("LOWER", {"arms"}), ("LEMMA", {"race", "control"})]),
    ([{"lower": "according"}, {"TEXT": "to", "OP": "+"}], [("LOWER", {"according"}), ("ORTH", {"to"})]),
    ([{"ORTH": "START", "OP": "{1,3}"}, {"LOWER": "treaty", "OP": "{0,2}"}], [("ORTH", {"START"})]),
    ([{"LOWER": {"NOT_IN": ["at"]}}, {"LEMMA": "stake", "OP": "?"}, {"POS": "NOUN"}], []),
    ([{"LEMMA": "be", "OP": "*"}, {"LOWER": "x", "OP": "!"}, {"ENT_TYPE": {"IN": ["GPE"]}}], []),
])
def test_required_words_are_those_of_tokens_that_must_match(pattern, required):
    attrs = {"LOWER": cues.LOWER, "LEMMA": cues.LEMMA, "ORTH": cues.ORTH}
    expected = [(attrs[attr], frozenset(cues.get_string_id(w) for w in words)) for attr, words in required]
    assert [(r.attr, r.ids) for r in cues.required_words(pattern)] == expected


def test_a_regex_requires_a_word_it_finds(nlp):
    (required,) = cues.required_words([{"TEXT": {"REGEX": "^Vostok"}}, {"LOWER": {"NOT_IN": ["energy"]}}])
    doc = nlp("Vostok-2018 was large.")
    assert required.met(set(cues.TokenForms(doc).ids[cues.ORTH]), doc.vocab.strings)
    assert not required.met({doc.vocab.strings["large"]}, doc.vocab.strings)


def test_cues_match_on_forms_and_lemmas_inside_the_span_only(nlp):
    index = cues.CueIndex(nlp, {"prediction": ["be likely to", "expect"], "hedged": ["likely"]})
    doc = nlp("Russia expects growth. Sanctions are very likely to bite. It was likely")
    forms = cues.TokenForms(doc)
    first, second, third = doc.sents
    assert index.find(first, forms) == [("prediction", "expect", 1, 2)]
    assert index.find(second, forms) == [("prediction", "be likely to", 5, 9), ("hedged", "likely", 7, 8)]
    assert index.find(third, forms) == [("hedged", "likely", 13, 14)]  # "was likely" ends with the span
