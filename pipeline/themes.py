"""Themes: tag every claim with the themes of ``annotations/themes.yaml``.

``tag`` returns the long table ``claim_themes`` (one row per claim x theme:
claim_id, theme_id, group, score, method, evidence) from two methods:

``lexicon``
    a theme's ``cues`` fire inside the claim, matched token by token on the
    lower-cased lemma or form (the rule of ``pipeline.cues``; cues are written
    in lemma form, so ``sanction`` finds ``sanctions`` and ``joint exercise``
    finds ``joint exercises``), or one of its ``patterns`` (spaCy Matcher
    token patterns) does. ``evidence`` lists the distinct cues that fired, as
    written in the schema (for a pattern, the words it matched); a cue inside
    a longer cue of the same theme (``gas`` in ``natural gas``) does not
    count twice. ``score`` is the noisy-OR of the cues' precisions measured on
    the gold ``train`` claims (see ``Calibration``); with no gold every cue
    counts 0.5 and the score is ``1 - 0.5 ** n`` for ``n`` cues.
``model``
    one TF-IDF (lemma 1-2-grams, plus a token per actor of the claim and
    one for how many there are, from ``claim_actors``; beside them, at
    ``CONTEXT_WEIGHT``, the lemmas of the other sentences of the claim's
    paragraph, and at ``HEADING_WEIGHT`` the words of its section's title)
    + logistic-regression classifier per theme, trained on the
    gold ``train`` claims (hand labels) plus every other claim
    labelled by the lexicon (silver labels). Gold ``heldout`` claims are never
    trained or calibrated on. The probability is the ``score``; ``evidence``
    is empty. A theme with fewer than ``MIN_POSITIVES`` positive (or
    negative) training claims gets no classifier, hence no model rows.

A model row is kept when its probability reaches ``threshold`` and the lexicon
did not keep that theme on that claim. A lexicon row is kept when its score
reaches ``lexicon_threshold``, or ``threshold`` for a theme whose cues were
never measured (no gold train claim, or a theme the gold was not labelled for:
``gold_theme_ids``). A measured cue needs the higher score because its
precision was measured on the gold claims that made it look good: on claims it
was not measured on, in 5-fold cross-validation on the train split, lexicon
rows scored 0.6-0.7 were right 52% of the time and rows scored 0.7-0.8 69%,
while model rows scored 0.6-0.7 were right 71% of the time. Lexicon rows from
``threshold`` up still label the model's training claims (silver labels), so
below ``lexicon_threshold`` the model decides. The themes come from the schema
alone, so a theme added to the YAML is tagged with no code change.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.claims import claim_spans
from pipeline.cues import CueIndex, Patterns, TokenForms
from pipeline.evaluate import align_gold, per_label, prf
from pipeline.parse import blank

COLUMNS = {"claim_id": "str", "theme_id": "str", "group": "str", "score": "float64", "method": "str",
           "evidence": "object"}
SCORE_COLUMNS = {"claim_id": "str", "theme_id": "str", "score": "float64"}
METHODS = ("lexicon", "model")
# With fewer labelled claims on either side a classifier only memorises them.
MIN_POSITIVES = 5
RANDOM_STATE = 0
# Model settings chosen by 5-fold cross-validation on the gold train split.
MODEL_C = 4.0
CLASS_WEIGHT = "balanced"
# The paragraph's other sentences weigh half as much as the claim's own words: "This trend seems to be
# continuing." takes its theme from them, but a sentence must not take every theme its paragraph touches.
CONTEXT_WEIGHT = 0.5
# A section title ("Trade in goods", "The Arctic") names the topic its claims share. Chosen by 5-fold
# cross-validation on the 1081 train claims (0.8131 without the title, 0.8191-0.8209 from 0.25 to 0.5, 0.8095
# at 1.0); with whole chapters left out, as a new report's would be, it still gains (0.7246 -> 0.7281).
HEADING_WEIGHT = 0.35
# A hand label is worth more than a lexicon (silver) label in training.
GOLD_WEIGHT = 3.0
# How many gold claims' worth of belief the pooled precision carries against a cue's own record.
PRIOR_STRENGTH = 2.0
UNCALIBRATED = 0.5
# A word of a section title; a hyphenated compound ("Sino-Russian", "US-Russia") stays one word.
WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def empty(columns: dict[str, str] = COLUMNS) -> pd.DataFrame:
    """A table with no rows and the right columns and dtypes.

    >>> list(empty().columns)
    ['claim_id', 'theme_id', 'group', 'score', 'method', 'evidence']
    """
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


def _frame(rows: list[dict], columns: dict[str, str] = COLUMNS) -> pd.DataFrame:
    if not rows:
        return empty(columns)
    return pd.DataFrame(rows, columns=list(columns)).astype({k: v for k, v in columns.items() if v != "object"})


# --------------------------------------------------------------------------------------- lexicon

class Lexicon:
    """The compiled cues and patterns of a theme schema; ``hits(span, forms)`` says which fire.

    >>> # doc = nlp("New sanctions bite.")
    >>> # Lexicon(load_themes(paths.themes), nlp.vocab).hits(doc[:], TokenForms(doc))
    >>> # {'sanctions': ['sanction']}
    """

    def __init__(self, schema, vocab, nlp: Language | None = None):
        # Cues are written in lemma form (themes.yaml), so a tokenizer suffices (the stage passes the
        # model's, pipeline.parse.tokenizer); it also keeps a context-free lemmatizer from widening them.
        nlp = nlp or blank(vocab.lang or "en")
        self.cues = CueIndex(nlp, {t.id: list(t.cues) for t in schema.themes})
        self.matcher = Patterns(vocab, validate=True)
        self.patterns: dict[str, list[dict]] = {}
        for theme in schema.themes:
            for number, pattern in enumerate(theme.patterns):
                key = f"{theme.id}\x00{number}"
                self.matcher.add(key, [list(pattern)])
                self.patterns[key] = list(pattern)

    def hits(self, span: Span, forms: TokenForms) -> dict[str, list[str]]:
        """Theme id -> distinct cues that fired in ``span``, in text order; only maximal matches count.

        ``forms`` is ``TokenForms(span.doc)``, shared by the claims of one Doc.
        """
        found = self.cues.find(span, forms)
        for match_id, start, end in (self.matcher(span, forms) if self.patterns else ()):
            key = span.vocab.strings[match_id]
            start, end = _core(self.patterns[key], start, end)
            found.append((key.split("\x00")[0], span.doc[start:end].text, start, end))
        by_theme: dict[str, list[tuple[str, int, int]]] = {}
        for label, cue, start, end in found:
            by_theme.setdefault(label, []).append((cue, start, end))
        return {label: _maximal(matches) for label, matches in by_theme.items()}


def _core(pattern: list[dict], start: int, end: int) -> tuple[int, int]:
    """The match without its leading/trailing guard tokens (``{LOWER: {NOT_IN: [at]}}``)."""
    if any("OP" in token for token in pattern) or len(pattern) != end - start:
        return start, end
    guards = [all(isinstance(v, dict) and set(v) == {"NOT_IN"} for v in token.values()) for token in pattern]
    while guards and guards[0] and end - start > 1:
        guards, start = guards[1:], start + 1
    while guards and guards[-1] and end - start > 1:
        guards, end = guards[:-1], end - 1
    return start, end


def _maximal(matches: list[tuple[str, int, int]]) -> list[str]:
    """Distinct cues (case-insensitively) of the matches not strictly inside another match."""
    kept = [(cue, s, e) for cue, s, e in matches
            if not any(s2 <= s and e <= e2 and (s2, e2) != (s, e) for _, s2, e2 in matches)]
    distinct: dict[str, str] = {}
    for cue, _, _ in sorted(kept, key=lambda m: (m[1], m[2], m[0])):
        distinct.setdefault(cue.lower(), cue)
    return list(distinct.values())


def lexicon(claims: pd.DataFrame, paragraphs: pd.DataFrame, parsed: dict[str, Doc], schema, *,
            nlp: Language | None = None) -> pd.DataFrame:
    """Every claim x theme whose cues fire, uncalibrated: score ``1 - 0.5 ** n``, method ``lexicon``.

    ``schema`` is ``pipeline.schemas.load_themes(path)``; ``parsed`` maps
    paragraph_id to its spaCy ``Doc``.

    >>> # lexicon(tables["claims"], tables["paragraphs"], parsed, load_themes(paths.themes)).iloc[1:3]
    >>> #            claim_id          theme_id     group  score   method          evidence
    >>> # 1  fiia-2018:c00003  trade_investment   economy    0.5  lexicon        [economic]
    >>> # 2  fiia-2018:c00003          military  security    0.5  lexicon  [military power]
    """
    if claims.empty or not schema.themes:
        return empty()
    return _lexicon(claims, ClaimTokens.of(claims, paragraphs, parsed), schema, nlp)


@dataclass(frozen=True)
class ClaimTokens:
    """The tokens of every claim (in the order of ``claims``) and the forms of each paragraph's tokens, read
    once for the lexicon and the classifier."""

    spans: list[Span]
    forms: dict[str, TokenForms]  # by paragraph_id

    @classmethod
    def of(cls, claims: pd.DataFrame, paragraphs: pd.DataFrame, parsed: dict[str, Doc]) -> "ClaimTokens":
        return cls(claim_spans(claims, paragraphs, parsed),
                   {paragraph_id: TokenForms.of(doc) for paragraph_id, doc in parsed.items()})


def _lexicon(claims: pd.DataFrame, tokens: ClaimTokens, schema, nlp: Language | None) -> pd.DataFrame:
    index = Lexicon(schema, tokens.spans[0].vocab, nlp)
    uncalibrated = Calibration()
    rows = []
    for claim_id, paragraph_id, span in zip(claims["claim_id"].tolist(), claims["paragraph_id"].tolist(),
                                            tokens.spans):
        hits = index.hits(span, tokens.forms[paragraph_id])
        rows += [{"claim_id": claim_id, "theme_id": t.id, "group": t.group, "method": "lexicon",
                  "score": uncalibrated.score(t.id, hits[t.id]), "evidence": hits[t.id]}
                 for t in schema.themes if t.id in hits]
    return _frame(rows)


@dataclass(frozen=True)
class Calibration:
    """How often each cue was right on the gold ``train`` claims; turns a row's cues into its score.

    A cue's precision is its record ``(fired, correct)`` smoothed towards the
    pooled precision of all cues (``PRIOR_STRENGTH`` pseudo-claims); a row's
    score is the noisy-OR of its cues' precisions, so each added cue raises
    it. With no record every cue counts 0.5: the score is ``1 - 0.5 ** n``.

    >>> Calibration().score("energy", ["oil", "gas"])
    0.75
    >>> Calibration(pooled=0.8, record={("leadership", "putin"): (10, 2)}).score("leadership", ["Putin"])
    0.3
    """

    pooled: float = UNCALIBRATED
    record: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)

    def precision(self, theme_id: str, cue: str) -> float:
        fired, correct = self.record.get((theme_id, cue.lower()), (0, 0))
        return (correct + PRIOR_STRENGTH * self.pooled) / (fired + PRIOR_STRENGTH)

    def score(self, theme_id: str, evidence: list[str]) -> float:
        return round(1.0 - math.prod(1.0 - self.precision(theme_id, cue) for cue in evidence), 6)


def calibrate(lexicon_rows: pd.DataFrame, claims: pd.DataFrame, gold: pd.DataFrame | None) -> Calibration:
    """The cues' record on the gold ``train`` claims (never ``heldout``), for the themes the gold was labelled
    for (``gold_theme_ids``); without gold, none.

    >>> claims = pd.DataFrame({"claim_id": ["d:c1", "d:c2"], "doc_id": "d", "text": ["A.", "B."]})
    >>> gold = pd.DataFrame({"claim_id": ["d:c1", "d:c2"], "doc_id": "d", "text": ["A.", "B."],
    ...                      "themes": [["energy"], []], "split": "train"})
    >>> rows = pd.DataFrame({"claim_id": ["d:c1", "d:c2"], "theme_id": "energy", "evidence": [["oil"], ["Oil"]]})
    >>> calibrate(rows, claims, gold)
    Calibration(pooled=0.5, record={('energy', 'oil'): (2, 1)})
    """
    truth, labelled = _gold_themes(gold, claims, "train"), gold_theme_ids(gold)
    record: dict[tuple[str, str], tuple[int, int]] = {}
    for claim_id, theme_id, evidence in zip(lexicon_rows["claim_id"].tolist(), lexicon_rows["theme_id"].tolist(),
                                            lexicon_rows["evidence"]):
        if claim_id in truth and theme_id in labelled:
            for cue in {c.lower() for c in evidence}:
                fired, correct = record.get((theme_id, cue), (0, 0))
                record[(theme_id, cue)] = (fired + 1, correct + (theme_id in truth[claim_id]))
    fired = sum(f for f, _ in record.values())
    pooled = sum(c for _, c in record.values()) / fired if fired else UNCALIBRATED
    return Calibration(round(pooled, 6), dict(sorted(record.items())))


# ------------------------------------------------------------------------------------------ gold

def gold_theme_ids(gold: pd.DataFrame | None) -> set[str]:
    """The themes the gold set was labelled for: those it gives at least one claim.

    A theme added to themes.yaml after the gold was labelled is absent from every gold claim, which says
    nothing about it: its cues are not calibrated on the gold and the gold claims keep its lexicon labels in
    training (``training_labels``), so a new theme is tagged with no change to the gold file.

    >>> sorted(gold_theme_ids(pd.DataFrame({"themes": [["energy"], [], ["arctic", "energy"]]})))
    ['arctic', 'energy']
    """
    if gold is None or gold.empty or "themes" not in gold:
        return set()
    return {theme for themes in gold["themes"] if isinstance(themes, (list, tuple)) for theme in themes}


def _gold_themes(gold: pd.DataFrame | None, claims: pd.DataFrame, split: str) -> dict[str, set[str]]:
    """Claim id of this run -> gold themes, for the gold claims of one split found in ``claims``."""
    aligned = align_gold(gold, claims)
    return {run_id: set(themes) for run_id, s, themes in zip(aligned["run_id"], aligned["split"], aligned["themes"])
            if run_id is not None and s == split}


# ----------------------------------------------------------------------------------------- model

def features(span: Span, forms: TokenForms | None = None) -> str:
    """The text the classifier reads: lower-cased lemmas, numbers folded, punctuation dropped (``forms``, if
    given, is ``TokenForms(span.doc)``, whose lemmas it reads).

    >>> # features(nlp("Russia's exports rose by 12%.")[:])  ->  "russia 's export rise by <num>"
    """
    forms = forms or TokenForms.of(span.doc)
    return " ".join("<num>" if forms.number[i] else forms.lemma[i] for i in range(span.start, span.end)
                    if not forms.punctuation[i])


def actor_features(claim_actors: pd.DataFrame | None) -> dict[str, str]:
    """Claim id -> the tokens the classifier reads for the claim's actors: each actor, and how many there are.

    A theme such as alignment is about a relationship between powers, so how many actors a sentence names
    tells as much as its words; sorted actor tokens also form pairs in the 1-2-grams (``<actor:chn>
    <actor:rus>``). Counts above 3 read as 3.

    >>> actor_features(pd.DataFrame({"claim_id": ["a", "a", "b"], "actor_id": ["RUS", "CHN", "USA"]}))
    {'a': '<actor:chn> <actor:rus> <actors:2>', 'b': '<actor:usa> <actors:1>'}
    """
    if claim_actors is None or claim_actors.empty:
        return {}
    by_claim = _grouped(claim_actors, "actor_id")
    return {claim_id: " ".join([f"<actor:{a.lower()}>" for a in sorted(ids)] + [f"<actors:{min(len(ids), 3)}>"])
            for claim_id, ids in sorted(by_claim.items())}


def _grouped(table: pd.DataFrame, column: str) -> dict[str, set[str]]:
    """Claim id -> the set of ``column`` values of its rows."""
    grouped: dict[str, set[str]] = {}
    for claim_id, value in zip(table["claim_id"].tolist(), table[column].tolist()):
        grouped.setdefault(claim_id, set()).add(value)
    return grouped


def training_labels(claims: pd.DataFrame, lexicon_rows: pd.DataFrame, gold: pd.DataFrame | None
                    ) -> tuple[pd.Series, pd.Series]:
    """Theme-id set and sample weight per training claim (indexed by claim_id).

    Gold ``train`` claims carry their hand labels (weight ``GOLD_WEIGHT``),
    plus the lexicon's labels of themes the gold was not labelled for
    (``gold_theme_ids``); gold ``heldout`` claims are left out; every other
    claim carries the lexicon's labels (weight 1).

    >>> claims = pd.DataFrame({"claim_id": ["a", "b", "c"], "doc_id": "d", "text": ["x", "y", "z"]})
    >>> lex = pd.DataFrame({"claim_id": ["a", "c"], "theme_id": ["energy", "arctic"]})
    >>> gold = pd.DataFrame({"claim_id": ["a", "b"], "doc_id": "d", "text": ["x", "y"],
    ...                      "themes": [["military"], []], "split": ["train", "heldout"]})
    >>> labels, weights = training_labels(claims, lex, gold)
    >>> {c: sorted(t) for c, t in labels.items()}, weights.to_dict()  # no gold label is energy: a keeps it
    ({'a': ['energy', 'military'], 'c': ['arctic']}, {'a': 3.0, 'c': 1.0})
    """
    silver = _grouped(lexicon_rows, "theme_id")
    labels = {claim_id: set(silver.get(claim_id, ())) for claim_id in claims["claim_id"]}
    weights = dict.fromkeys(labels, 1.0)
    for claim_id in _gold_themes(gold, claims, "heldout"):
        labels.pop(claim_id, None), weights.pop(claim_id, None)
    labelled = gold_theme_ids(gold)
    for claim_id, themes in _gold_themes(gold, claims, "train").items():
        unlabelled = {theme for theme in silver.get(claim_id, ()) if theme not in labelled}
        labels[claim_id], weights[claim_id] = themes | unlabelled, GOLD_WEIGHT
    return pd.Series(labels, dtype=object), pd.Series(weights, dtype="float64")


def model_scores(claims: pd.DataFrame, paragraphs: pd.DataFrame, parsed: dict[str, Doc], schema, *,
                 gold: pd.DataFrame | None = None, lexicon_rows: pd.DataFrame | None = None,
                 claim_actors: pd.DataFrame | None = None, nlp: Language | None = None) -> pd.DataFrame:
    """The classifiers' probability for every claim x trainable theme (claim_id, theme_id, score).

    Silver labels come from ``lexicon_rows`` (by default ``lexicon(...)``);
    see ``training_labels``. The classifier reads the claim's lemmas (``features``) and, given
    ``claim_actors``, its actors (``actor_features``). Deterministic for the same input.

    >>> # model_scores(claims, paragraphs, parsed, load_themes(paths.themes), gold=gold).query("score >= 0.5")
    """
    if claims.empty or not schema.themes:
        return empty(SCORE_COLUMNS)
    tokens = ClaimTokens.of(claims, paragraphs, parsed)
    if lexicon_rows is None:
        lexicon_rows = _lexicon(claims, tokens, schema, nlp)
    return _model_scores(claims, tokens, schema, gold, lexicon_rows, claim_actors)


def _model_scores(claims: pd.DataFrame, tokens: ClaimTokens, schema, gold: pd.DataFrame | None,
                  lexicon_rows: pd.DataFrame, claim_actors: pd.DataFrame | None) -> pd.DataFrame:
    actors = actor_features(claim_actors)
    no_actor = "" if claim_actors is None else " <actors:0>"
    claim_ids, paragraph_ids = claims["claim_id"].tolist(), claims["paragraph_id"].tolist()
    lemmas = [features(span, tokens.forms[paragraph_id]) for paragraph_id, span in zip(paragraph_ids, tokens.spans)]
    texts = [text + (f" {actors[claim_id]}" if claim_id in actors else no_actor)
             for claim_id, text in zip(claim_ids, lemmas)]
    labels, weights = training_labels(claims, lexicon_rows, gold)
    rows = pd.Index(claim_ids).get_indexer(labels.index)
    headings = [heading_words(title) for title in claims["section_title"].fillna("").tolist()]
    probabilities = _fit_predict(_design(texts, lemmas, paragraph_ids, headings, rows), labels, weights,
                                 [t.id for t in schema.themes])
    if not probabilities:
        return empty(SCORE_COLUMNS)
    return pd.DataFrame({"claim_id": claim_ids * len(probabilities),
                         "theme_id": [theme_id for theme_id in probabilities for _ in claim_ids],
                         "score": np.concatenate([np.asarray(column, dtype="float64")
                                                  for column in probabilities.values()])}
                        ).astype({k: v for k, v in SCORE_COLUMNS.items() if v != "object"})


def _fit_predict(design, labels: pd.Series, weights: pd.Series, theme_ids: list[str]) -> dict[str, np.ndarray]:
    """Theme id -> probability per claim, for the themes with enough positive and negative examples;
    ``design`` is the feature rows of the training claims (in the order of ``labels``) and of every claim.

    The classifiers are independent and liblinear fits without holding the interpreter, so they fit on two
    threads.
    """
    from concurrent.futures import ThreadPoolExecutor

    from sklearn.linear_model import LogisticRegression

    counts = {t: sum(t in s for s in labels) for t in theme_ids}
    trainable = [t for t in theme_ids if MIN_POSITIVES <= counts[t] <= len(labels) - MIN_POSITIVES]
    if not trainable:
        return {}
    train, every = design
    sample_weight = weights.to_numpy()

    # The primal solver: liblinear's dual one is faster here but draws from the C library's one random state,
    # which the two threads share, so its scores would vary from run to run.
    def probability(theme_id: str) -> np.ndarray:
        classifier = LogisticRegression(class_weight=CLASS_WEIGHT, C=MODEL_C, solver="liblinear",
                                        random_state=RANDOM_STATE)
        classifier.fit(train, np.array([theme_id in s for s in labels], dtype=int), sample_weight=sample_weight)
        return classifier.predict_proba(every)[:, 1]

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(trainable, pool.map(probability, trainable)))


def _design(texts: list[str], lemmas: list[str], paragraph_ids: list[str], headings: list[str], rows: np.ndarray):
    """Feature rows of the training claims (positions ``rows``) and of every claim: the TF-IDF 1-2-grams of
    the claim's ``texts``, then at ``CONTEXT_WEIGHT`` the TF-IDF words of the other claims of its paragraph
    (their ``lemmas``), then at ``HEADING_WEIGHT`` the TF-IDF words of its section title (``headings``)."""
    from scipy.sparse import hstack

    claim_train, claim_every = _tfidf(_counts(texts, (1, 2)), rows)
    context_train, context_every = _tfidf(paragraph_context(_counts(lemmas, (1, 1)), paragraph_ids), rows)
    heading_train, heading_every = _tfidf(_counts(headings, (1, 1)), rows)
    return (hstack([claim_train, CONTEXT_WEIGHT * context_train, HEADING_WEIGHT * heading_train]).tocsr(),
            hstack([claim_every, CONTEXT_WEIGHT * context_every, HEADING_WEIGHT * heading_every]).tocsr())


def heading_words(title: str) -> str:
    """The lower-cased words of a section title that are not English stop words, space-separated.

    >>> heading_words("Economic ties: the central role of energy cooperation")
    'economic ties central role energy cooperation'
    """
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return " ".join(word for word in WORD.findall(title.lower()) if word not in ENGLISH_STOP_WORDS)


def _counts(texts: list[str], ngram_range: tuple[int, int]):
    """Texts x n-grams (space-separated tokens): how often each occurs."""
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import CountVectorizer

    if not any(texts):
        return csr_matrix((len(texts), 0), dtype=np.int64)
    return CountVectorizer(ngram_range=ngram_range, token_pattern=r"\S+").fit_transform(texts)


def paragraph_context(counts, paragraph_ids: list[str]):
    """Each row's counts summed over the other rows of the same paragraph (the words around a claim).

    >>> from scipy.sparse import csr_matrix
    >>> paragraph_context(csr_matrix([[1, 0], [0, 2], [3, 0]]), ["p1", "p1", "p2"]).toarray().tolist()
    [[0, 2], [1, 0], [0, 0]]
    """
    from scipy.sparse import csr_matrix

    codes, uniques = pd.factorize(pd.Series(paragraph_ids, dtype="object"))
    membership = csr_matrix((np.ones(len(codes), dtype=counts.dtype), (np.arange(len(codes)), codes)),
                            shape=(len(codes), len(uniques)))
    context = (membership @ (membership.T @ counts) - counts).tocsr()
    context.eliminate_zeros()  # a word of the claim alone leaves a stored zero, which would count as present
    return context


def _tfidf(counted, rows: np.ndarray):
    """TF-IDF rows of the training texts (positions ``rows``) and of every text, from their n-gram
    ``counted``: the n-grams seen in at least two training texts, weighted by the training texts (no columns
    when there are none).

    The n-grams of every text are counted once, then the columns too rare in training are dropped: the same
    matrices as a ``TfidfVectorizer(min_df=2)`` fitted on the training texts, without counting them twice.
    """
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import TfidfTransformer

    in_training = counted[rows]
    frequent = np.flatnonzero(np.bincount(in_training.indices, minlength=counted.shape[1]) >= 2)
    if not frequent.size:
        return csr_matrix((len(rows), 0)), csr_matrix((counted.shape[0], 0))
    weighting = TfidfTransformer(sublinear_tf=True).fit(in_training[:, frequent])
    every = weighting.transform(counted[:, frequent])
    return every[rows], every


# ------------------------------------------------------------------------------------------- tag

def tag(claims: pd.DataFrame, paragraphs: pd.DataFrame, parsed: dict[str, Doc], schema, *,
        gold: pd.DataFrame | None = None, threshold: float = 0.5, lexicon_threshold: float = 0.7,
        claim_actors: pd.DataFrame | None = None, nlp: Language | None = None) -> pd.DataFrame:
    """The ``claim_themes`` table: calibrated lexicon rows with score >= ``lexicon_threshold`` (``threshold``
    for a theme whose cues the gold never measured) and model rows with score >= ``threshold``.

    Columns: claim_id, theme_id, group, score, method (``lexicon`` /
    ``model``), evidence (the cues; empty for the model). Rows follow the
    order of ``claims``, then the schema's theme order. ``gold`` is the gold
    claims table (``pipeline.evaluate.load_gold``); only its ``train`` split
    is learnt from.

    >>> # tag(claims, paragraphs, parsed, load_themes(paths.themes), gold=gold, threshold=0.5).head(3)
    >>> #            claim_id            theme_id     group     score   method          evidence
    >>> # 0  fiia-2018:c00001  great_power_status     order  0.554735    model                []
    >>> # 1  fiia-2018:c00002  great_power_status     order  0.839721  lexicon         [bipolar]
    >>> # 2  fiia-2018:c00003    trade_investment   economy  0.954206  lexicon        [economic]
    """
    if claims.empty or not schema.themes:
        return empty()
    tokens = ClaimTokens.of(claims, paragraphs, parsed)
    return _tagged(claims, tokens, _lexicon(claims, tokens, schema, nlp), schema, gold, threshold, lexicon_threshold,
                   claim_actors)


def _tagged(claims: pd.DataFrame, tokens: ClaimTokens, raw: pd.DataFrame, schema, gold: pd.DataFrame | None,
            threshold: float, lexicon_threshold: float, claim_actors: pd.DataFrame | None) -> pd.DataFrame:
    """``tag`` from the claims' tokens and uncalibrated lexicon rows ``raw``, which do not depend on ``gold``."""
    calibration = calibrate(raw, claims, gold)
    scored = raw.assign(score=[calibration.score(t, e) for t, e in zip(raw["theme_id"].tolist(), raw["evidence"])])
    probabilities = _model_scores(claims, tokens, schema, gold, scored[scored["score"] >= threshold], claim_actors)
    measured = scored["theme_id"].isin({theme_id for theme_id, _ in calibration.record}).to_numpy()
    lexical = scored[scored["score"].to_numpy() >= np.where(measured, lexicon_threshold, threshold)]
    modelled = _model_rows(probabilities, lexical, schema, threshold)
    parts = [frame for frame in (lexical, modelled) if len(frame)]
    return _ordered(pd.concat(parts) if parts else empty(), claims, schema)


def _model_rows(probabilities: pd.DataFrame, lexical: pd.DataFrame, schema, threshold: float) -> pd.DataFrame:
    """Model rows at or above ``threshold`` for themes the lexicon did not keep on that claim."""
    tagged = set(zip(lexical["claim_id"].tolist(), lexical["theme_id"].tolist()))
    new = np.array([pair not in tagged for pair in zip(probabilities["claim_id"].tolist(),
                                                        probabilities["theme_id"].tolist())],
                   dtype=bool)
    kept = probabilities[(probabilities["score"].to_numpy() >= threshold) & new]
    group = {t.id: t.group for t in schema.themes}
    return kept.assign(group=kept["theme_id"].map(group), method="model",
                       evidence=[[] for _ in range(len(kept))])[list(COLUMNS)]


def _ordered(frame: pd.DataFrame, claims: pd.DataFrame, schema) -> pd.DataFrame:
    if frame.empty:
        return empty()
    claim_rank = {claim_id: i for i, claim_id in enumerate(claims["claim_id"].tolist())}
    theme_rank = {t.id: i for i, t in enumerate(schema.themes)}
    keys = [(claim_rank[c], theme_rank[t]) for c, t in zip(frame["claim_id"].tolist(), frame["theme_id"].tolist())]
    order = sorted(range(len(frame)), key=keys.__getitem__)
    return frame.iloc[order].reset_index(drop=True).astype({k: v for k, v in COLUMNS.items() if v != "object"})


def run(tables: dict[str, pd.DataFrame], *, parsed: dict[str, Doc], schema,
        gold: pd.DataFrame | None = None, threshold: float = 0.5, lexicon_threshold: float = 0.7,
        nlp: Language | None = None) -> dict[str, pd.DataFrame]:
    """The stage: ``claims``, ``paragraphs`` and (when present) ``claim_actors`` in, ``claim_themes`` out
    (see ``tag``).

    ``gold`` is the loaded gold table (``pipeline.evaluate.load_gold``; the runner reads the file), or
    None for weak supervision only.

    >>> # run(tables, parsed=parsed, schema=load_themes(paths.themes), gold=gold, threshold=0.5)["claim_themes"]
    """
    if gold is not None and not isinstance(gold, pd.DataFrame):
        raise TypeError(f"gold must be a DataFrame (pipeline.evaluate.load_gold) or None, not {type(gold).__name__}")
    return {"claim_themes": tag(tables["claims"], tables["paragraphs"], parsed, schema, gold=gold,
                                threshold=threshold, lexicon_threshold=lexicon_threshold,
                                claim_actors=tables.get("claim_actors"), nlp=nlp)}


# -------------------------------------------------------------------------------------- measure

def cross_validate(claims: pd.DataFrame, paragraphs: pd.DataFrame, parsed: dict[str, Doc], schema,
                   gold: pd.DataFrame, *, folds: int = 5, seeds: tuple[int, ...] = (0, 1, 2),
                   threshold: float = 0.5, lexicon_threshold: float = 0.7, claim_actors: pd.DataFrame | None = None,
                   nlp: Language | None = None) -> pd.DataFrame:
    """Micro precision, recall and F1 of ``tag`` by ``folds``-fold cross-validation on the gold ``train``
    claims: one row per seed (the order the claims are dealt into folds), then their ``mean``; ``claims`` is
    how many gold train claims were found in ``claims`` and scored.

    Each fold is tagged by a lexicon calibrated and a model trained without it (its claims marked
    ``heldout``); the folds' tags are pooled and scored together. The gold ``heldout`` claims stay out of
    training, as in a run, and are not scored: settings can be compared without looking at them.

    >>> # cross_validate(claims, paragraphs, parsed, load_themes(paths.themes), gold, seeds=(0,)).loc["mean", "f1"]
    """
    folding = _Folding(claims, paragraphs, parsed, schema, gold, threshold, lexicon_threshold, claim_actors, nlp)
    rows = {}
    for seed in seeds:
        dealt = np.array_split(np.random.RandomState(seed).permutation(len(folding.train)), folds)
        tagged = [folding.tag_out_of_fold(np.isin(np.arange(len(folding.train)), fold)) for fold in dealt]
        rows[f"seed {seed}"] = folding.micro(pd.concat(tagged), folding.train)
    table = pd.DataFrame(rows).T.astype("float64")
    table.loc["mean"] = table.mean().round(4)
    return table.assign(claims=len(_gold_themes(folding.train, claims, "train")))


def cross_validate_by_chapter(claims: pd.DataFrame, paragraphs: pd.DataFrame, parsed: dict[str, Doc], schema,
                              gold: pd.DataFrame, *, threshold: float = 0.5, lexicon_threshold: float = 0.7,
                              claim_actors: pd.DataFrame | None = None, nlp: Language | None = None) -> pd.DataFrame:
    """Micro precision, recall and F1 of ``tag`` on each chapter's gold ``train`` claims, tagged with that
    whole chapter left out of calibration and training (``chapter_of``), then ``pooled`` over the chapters.

    Random folds leave every section's other claims in training; here the section titles, the paragraphs
    and the topics of a chapter are all unseen, as in a new report. The gold ``heldout`` claims are neither
    trained on nor scored.

    >>> # cross_validate_by_chapter(claims, paragraphs, parsed, load_themes(paths.themes), gold).loc["pooled"]
    """
    folding = _Folding(claims, paragraphs, parsed, schema, gold, threshold, lexicon_threshold, claim_actors, nlp)
    chapter_by_id = dict(zip(claims["claim_id"], chapter_of(claims)))
    chapters = np.array([chapter_by_id.get(run_id) for run_id in align_gold(folding.train, claims)["run_id"]],
                        dtype=object)
    rows, tagged, scored = {}, [], {}
    for chapter in sorted(set(chapters) - {None}, key=_chapter_order):
        in_chapter = chapters == chapter
        tagged.append(folding.tag_out_of_fold(in_chapter))
        rows[chapter] = folding.micro(tagged[-1], folding.train[in_chapter])
        scored[chapter] = int(in_chapter.sum())
    rows["pooled"] = folding.micro(pd.concat(tagged), folding.train)
    scored["pooled"] = sum(scored.values())
    return pd.DataFrame(rows).T.astype("float64").assign(claims=[scored[chapter] for chapter in rows])


def chapter_of(claims: pd.DataFrame) -> list[str]:
    """Each claim's chapter: its document and the first part of its section number (``fiia-2018 2`` for
    section 2.4); a claim outside any numbered section belongs to its document alone.

    >>> chapter_of(pd.DataFrame({"doc_id": ["r", "r", "p"], "section_number": ["2.4", "3", None]}))
    ['r 2', 'r 3', 'p']
    """
    numbers = claims["section_number"].fillna("").astype(str).str.split(".").str[0]
    return [f"{doc} {number}" if number else doc for doc, number in zip(claims["doc_id"], numbers)]


def _chapter_order(chapter: str) -> tuple:
    doc, _, number = chapter.partition(" ")
    return doc, int(number) if number.isdigit() else -1, number


class _Folding:
    """The gold train claims and what every fold shares (the claims' tokens and lexicon hits), for tagging
    one fold at a time with its claims left out of calibration and training."""

    def __init__(self, claims, paragraphs, parsed, schema, gold, threshold, lexicon_threshold, claim_actors, nlp):
        self.claims, self.schema, self.claim_actors = claims, schema, claim_actors
        self.thresholds = threshold, lexicon_threshold
        self.taggable = not claims.empty and bool(schema.themes)
        self.tokens = ClaimTokens.of(claims, paragraphs, parsed) if self.taggable else None
        self.raw = _lexicon(claims, self.tokens, schema, nlp) if self.taggable else None
        self.train = gold[gold["split"] == "train"].reset_index(drop=True)
        rest = gold[gold["split"] != "train"]
        self.unseen = rest.assign(split="heldout", themes=[[] for _ in range(len(rest))])

    def tag_out_of_fold(self, in_fold: np.ndarray) -> pd.DataFrame:
        """The tags of the train claims where ``in_fold`` is true, calibrated and trained on the others."""
        dealt = pd.concat([self.train.assign(split=np.where(in_fold, "heldout", "train")), self.unseen],
                          ignore_index=True)
        found = (_tagged(self.claims, self.tokens, self.raw, self.schema, dealt, *self.thresholds, self.claim_actors)
                 if self.taggable else empty())
        return found[found["claim_id"].isin(set(_gold_themes(self.train[in_fold], self.claims, "train")))]

    def micro(self, tagged: pd.DataFrame, gold: pd.DataFrame) -> pd.Series:
        return measure(tagged, self.claims, gold).loc["micro", ["precision", "recall", "f1"]]


def measure(claim_themes: pd.DataFrame, claims: pd.DataFrame, gold: pd.DataFrame, *, split: str = "train"
            ) -> pd.DataFrame:
    """Precision, recall, F1 and support per theme, then ``micro`` and ``macro`` rows, on one gold split.

    Only gold claims found in ``claims`` (same id and text, else same text) count.

    >>> claims = pd.DataFrame({"claim_id": ["d:c1", "d:c2"], "doc_id": "d", "text": ["A.", "B."]})
    >>> gold = pd.DataFrame({"claim_id": ["d:c1", "d:c2"], "doc_id": "d", "text": ["A.", "B."],
    ...                      "themes": [["energy"], []], "split": "train"})
    >>> tagged = pd.DataFrame({"claim_id": ["d:c1", "d:c2"], "theme_id": ["energy", "energy"]})
    >>> measure(tagged, claims, gold).loc["micro", ["precision", "recall", "f1"]].tolist()
    [0.5, 1.0, 0.6667]
    """
    truth = {(c, t) for c, themes in _gold_themes(gold, claims, split).items() for t in themes}
    wanted = set(_gold_themes(gold, claims, split))
    predicted = {(c, t) for c, t in zip(claim_themes["claim_id"], claim_themes["theme_id"]) if c in wanted}
    rows = per_label(truth, predicted)
    labels = list(rows)
    macro = {name: round(float(np.mean([rows[label][name] for label in labels])), 4) if labels else 0.0
             for name in ("precision", "recall", "f1")}
    rows["micro"] = prf(truth, predicted)
    rows["macro"] = macro | {"support": len(truth)}
    return pd.DataFrame.from_dict(rows, orient="index")[["precision", "recall", "f1", "support"]]

