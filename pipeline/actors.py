"""Actors: who each claim speaks about, and in what role.

``tag`` takes the ``claims`` and ``paragraphs`` tables, the parsed paragraphs
and the actor registry (``annotations/actors.yaml``) and returns two long
tables:

``actor_mentions``
    one row per mention: claim_id, actor_id, surface (as written), start and
    end (character offsets into the document's clean text), role, method
    (``rule`` for a registry match, ``ner`` for spaCy's named-entity
    recogniser) and form (the registry field that matched: ``names``,
    ``adjectives``, ``prefixes``, ``seats``, ``leaders``, ``bodies``,
    ``patterns``; ``GPE`` or ``NORP`` for an NER mention).
``claim_actors``
    one row per claim x actor, with the strongest role among its mentions
    (``agent`` > ``target`` > ``mentioned``).

How a mention is found
    Every surface list of the registry is matched case-sensitively, token by
    token (so ``US`` never matches ``us``), with the entries' ``patterns`` on
    top; a prefix (``Sino``) counts only before a hyphen. Where matches
    overlap the longest wins, and a match inside one of its actor's
    ``exclude`` strings (``South China Sea``, ``Washington, DC``) does not
    count. Dyads are tokenised ``X - Y``, so ``Sino-Russian``,
    ``US-Russian`` and ``Moscow-Washington`` give one mention per side.
    A seat (``Helsinki``, ``Beijing``, ``Tehran``) named only as the place
    of an event (``the summit in Helsinki``, ``a meeting at Beijing``, ``the
    Beijing Olympics``) is a location, not an actor; state names are never
    read as locations (``investment in Russia`` is about Russia).
    An entity spaCy tags GPE that the registry did not match (nor excluded)
    becomes ``OTHER_STATE`` if it names a sovereign state (``STATES``), and
    so does a NORP entity that is a state's demonym (``Nigerian``,
    ``Singaporeans``); cities, regions, firms and people the statistical
    model tags GPE or NORP are left out.

How the role is read (from the dependency parse of the claim)
    The claim's main verbs are its roots, the verbs conjoined to them and a
    clause after a colon or semicolon. ``agent``: the mention is the subject
    of a main verb or sits in it as a possessor, compound, adjective,
    apposition, conjunct or ``between``-phrase (``Russia's leadership``,
    ``Chinese officials``, ``Sino-Russian relations``, ``relations between
    the US and Russia``); or it is the ``by``-agent of a passive, the subject
    of a raising passive (``the Trump presidency was expected to respond``),
    or the viewer of a passive verb of viewing (``dismissed in Moscow``).
    ``target``: the mention is inside any other passive subject, the direct
    or dative object, or a prepositional object of a main verb (``pressure
    on Russia``, ``recognition from the US``), outside any clause below the
    main verb and behind only prepositions that address someone
    (``TARGET_PREPOSITIONS``: not ``between``, ``like``, ``of``, nor ``in``
    inside a noun phrase or fronted as in ``In Russia, ...``). Otherwise
    ``mentioned``; mentions in subordinate clauses always are.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Iterable

import numpy
import pandas as pd
from spacy.attrs import HEAD
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans
from spacy.vocab import Vocab

from pipeline.claims import claim_span
from pipeline.cues import Patterns
from pipeline.errors import PipelineError
from pipeline.parse import blank
from pipeline.schemas import ActorSchema

ROLES = ("agent", "target", "mentioned")  # strongest first
METHODS = ("rule", "ner")
# Registry fields matched as phrases; prefixes and patterns go to the token Matcher, which reads only the Docs
# that hold the words one of them requires (cues.Patterns): its REGEX predicate costs a Python call a token.
PHRASE_FIELDS = ("names", "adjectives", "seats", "leaders", "bodies")
MENTION_COLUMNS = {
    "claim_id": "str", "actor_id": "str", "surface": "str", "start": "int64", "end": "int64",
    "role": "str", "method": "str", "form": "str",
}
CLAIM_ACTOR_COLUMNS = {"claim_id": "str", "actor_id": "str", "role": "str"}
INPUT_COLUMNS = {
    "claims": ("claim_id", "paragraph_id", "start", "end"),
    "paragraphs": ("paragraph_id", "start"),
}
OTHER_STATE = "OTHER_STATE"
HYPHENS = ("-", "–", "—")

# The NER fallback keeps a GPE only if it names a sovereign state (UN members and observers, plus
# Taiwan and Kosovo): on the report a deny-list of cities let through more noise than states, as the
# small model tags towns, oil fields, firms, missiles and authors as GPE/NORP ("Altai", "Vankor",
# "Alibaba", "ICBMs", "Kupchan"). The entity label still earns its keep: it tells the state from the
# person or the word in "Jordan", "Chad", "Niger". States the registry lists are matched by rule first.
STATES = frozenset(name.replace("_", " ") for name in """
Afghanistan Albania Algeria Andorra Angola Antigua_and_Barbuda Argentina Armenia Australia Austria Azerbaijan
Bahamas Bahrain Bangladesh Barbados Belarus Belgium Belize Benin Bhutan Bolivia Bosnia_and_Herzegovina
Bosnia Botswana Brazil Brunei Bulgaria Burkina_Faso Burundi Cabo_Verde Cape_Verde Cambodia Cameroon Canada
Central_African_Republic Chad Chile Colombia Comoros Congo Democratic_Republic_of_the_Congo Costa_Rica
Côte_d'Ivoire Côte_d’Ivoire Ivory_Coast Croatia Cuba Cyprus Czechia Czech_Republic Denmark Djibouti Dominica
Dominican_Republic Ecuador Egypt El_Salvador Equatorial_Guinea Eritrea Estonia Eswatini Swaziland Ethiopia
Fiji France Gabon Gambia Georgia Germany Ghana Greece Grenada Guatemala Guinea Guinea-Bissau Guyana Haiti
Honduras Hungary Iceland Indonesia Iran Iraq Ireland Israel Italy Jamaica Jordan Kenya Kiribati Kuwait Laos
Latvia Lebanon Lesotho Liberia Libya Liechtenstein Lithuania Luxembourg Madagascar Malawi Malaysia Maldives
Mali Malta Marshall_Islands Mauritania Mauritius Mexico Micronesia Moldova Monaco Mongolia Montenegro
Morocco Mozambique Myanmar Burma Namibia Nauru Nepal Netherlands Holland New_Zealand Nicaragua Niger Nigeria
North_Macedonia Macedonia Norway Oman Pakistan Palau Panama Papua_New_Guinea Paraguay Peru Philippines Poland
Portugal Qatar Romania Rwanda Saint_Kitts_and_Nevis Saint_Lucia Saint_Vincent_and_the_Grenadines Samoa
San_Marino Sao_Tome_and_Principe Saudi_Arabia Senegal Serbia Seychelles Sierra_Leone Singapore Slovakia
Slovenia Solomon_Islands Somalia South_Africa South_Sudan Spain Sri_Lanka Sudan Suriname Sweden Switzerland
Tajikistan Tanzania Thailand Timor-Leste East_Timor Togo Tonga Trinidad_and_Tobago Tunisia Turkey Türkiye
Turkmenistan Tuvalu Uganda United_Arab_Emirates UAE United_Kingdom UK Britain Great_Britain Uruguay
Uzbekistan Vanuatu Venezuela Vietnam Viet_Nam Yemen Zambia Zimbabwe Vatican Holy_See Palestine Taiwan Kosovo
""".split())

# Heads that make a seat a mere location: "the summit in Helsinki", "met in Beijing".
EVENT_LEMMAS = frozenset({
    "summit", "meeting", "talk", "talks", "conference", "forum", "visit", "stay", "negotiation",
    "negotiations", "ceremony", "parade", "session", "seminar", "workshop", "roundtable", "exhibition",
    "olympics", "games", "embassy", "office", "headquarters", "residence", "study",
    "meet", "hold", "gather", "convene", "sign", "live", "host", "attend", "take",
})
LOCATIVE_PREPOSITIONS = frozenset({"in", "at"})

# Arcs inside a subject that keep its agency: "Russia's leadership", "Chinese officials", "Sino-Russian ties".
AGENT_LINKS = frozenset({"compound", "amod", "poss", "nmod", "npadvmod", "appos", "conj", "punct", "case"})
SUBJECTS = frozenset({"nsubj", "csubj"})
# Passive verbs of viewing whose "in X" names the viewer: "dismissed in Moscow", "seen in Beijing as".
VIEW_LEMMAS = frozenset({
    "see", "view", "regard", "perceive", "consider", "believe", "dismiss", "welcome", "criticise", "criticize",
    "interpret", "understand", "read", "treat", "reject", "receive", "greet", "think", "take",
})
OBJECTS = frozenset({"nsubjpass", "dobj", "dative", "oprd", "xcomp", "prep"})
CLAUSES = frozenset({"relcl", "acl", "advcl", "ccomp", "csubj", "nsubj", "nsubjpass", "parataxis", "mark", "pcomp"})
# Prepositions whose object is acted upon or addressed ("pressure on Russia", "recognition from the US");
# others ("like China", "between Russia and ...", "in 2014") name a reference point.
TARGET_PREPOSITIONS = frozenset({
    "to", "on", "upon", "against", "towards", "toward", "from", "with", "for", "into", "onto", "over",
    "at", "about", "vis-à-vis", "versus", "in",
})
DEMONYM_ENDINGS = ("ians", "ian", "ans", "an", "ns", "n", "ese", "is", "i")


@dataclass(frozen=True)
class _Rules:
    """The registry compiled into spaCy matchers for one vocabulary."""

    phrases: PhraseMatcher
    patterns: Patterns
    excludes: PhraseMatcher
    labels: dict[int, tuple[str, str]]  # match key -> (actor_id, form)


def tag(claims: pd.DataFrame, paragraphs: pd.DataFrame, parsed: dict[str, Doc],
        schema: ActorSchema, *, nlp: Language | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``actor_mentions`` and ``claim_actors`` for every claim.

    ``parsed`` maps paragraph_id to its ``Doc`` (``pipeline.parse.docs``);
    ``schema`` is the loaded actor registry (``pipeline.schemas.load_actors``);
    ``nlp`` tokenizes the registry's names (``pipeline.parse.tokenizer(model)``; by default a blank English
    pipeline).

    >>> # one claim: "Sino-Russian ties have deepened, and Washington has imposed new sanctions on Moscow."
    >>> # mentions, per_claim = tag(claims, paragraphs, parsed, load_actors(DEFAULT.actors))
    >>> # mentions[["actor_id", "surface", "start", "end", "role", "method"]]
    >>> #   actor_id     surface  start  end    role method
    >>> # 0      CHN        Sino      0    4   agent   rule
    >>> # 1      RUS     Russian      5   12   agent   rule
    >>> # 2      USA  Washington     37   47   agent   rule
    >>> # 3      RUS      Moscow     77   83  target   rule
    >>> # per_claim: CHN agent, RUS agent (its strongest role), USA agent
    """
    _check_columns({"claims": claims, "paragraphs": paragraphs})
    paragraph_start = dict(zip(paragraphs["paragraph_id"].tolist(), paragraphs["start"].tolist()))
    by_paragraph: dict[str, list[tuple[int, int, str]]] = {}
    for claim_id, paragraph_id, start, end in zip(*(claims[c].tolist() for c in INPUT_COLUMNS["claims"])):
        by_paragraph.setdefault(paragraph_id, []).append((int(start), int(end), claim_id))
    rows: list[dict] = []
    rules = None
    for paragraph_id, bounds in by_paragraph.items():
        doc = _paragraph_doc(parsed, paragraph_start, paragraph_id)
        rules = rules or _compile(schema, doc.vocab, nlp or blank("en"))
        ordered = sorted(bounds, key=lambda bound: bound[0])
        rows += _paragraph_rows(doc, int(paragraph_start[paragraph_id]), ordered, rules)
    mentions = _frame(rows, MENTION_COLUMNS)
    return mentions, claim_actors(mentions)


def run(tables: dict[str, pd.DataFrame], *, parsed: dict[str, Doc],
        schema: ActorSchema, nlp: Language | None = None) -> dict[str, pd.DataFrame]:
    """The actor stage: ``claims``, ``paragraphs`` -> ``actor_mentions``, ``claim_actors`` (``nlp``: see ``tag``).

    >>> from pipeline.paths import DEFAULT
    >>> from pipeline.schemas import load_actors
    >>> empty = {name: pd.DataFrame(columns=list(cols)) for name, cols in INPUT_COLUMNS.items()}
    >>> {name: len(table) for name, table in run(empty, parsed={}, schema=load_actors(DEFAULT.actors)).items()}
    {'actor_mentions': 0, 'claim_actors': 0}
    """
    missing = [name for name in INPUT_COLUMNS if name not in tables]
    if missing:
        raise PipelineError("actors", f"missing input table(s) {', '.join(missing)}; "
                            "run the structure and claims stages first")
    mentions, per_claim = tag(tables["claims"], tables["paragraphs"], parsed, schema, nlp=nlp)
    return {"actor_mentions": mentions, "claim_actors": per_claim}


def claim_actors(mentions: pd.DataFrame) -> pd.DataFrame:
    """One row per claim x actor with the strongest role among its mentions.

    >>> m = pd.DataFrame({"claim_id": ["c1", "c1", "c1"], "actor_id": ["RUS", "RUS", "CHN"],
    ...                   "role": ["mentioned", "agent", "target"]})
    >>> claim_actors(m).values.tolist()
    [['c1', 'RUS', 'agent'], ['c1', 'CHN', 'target']]
    """
    rank = mentions["role"].map(ROLES.index)
    best = rank.groupby([mentions["claim_id"], mentions["actor_id"]], sort=False).min()
    rows = [{"claim_id": claim_id, "actor_id": actor_id, "role": ROLES[r]} for (claim_id, actor_id), r in best.items()]
    return _frame(rows, CLAIM_ACTOR_COLUMNS)


# --- registry -----------------------------------------------------------------------------------

def _compile(schema: ActorSchema, vocab: Vocab, nlp: Language) -> _Rules:
    # A phrase pattern is the token hashes of its Doc, the same in every vocabulary, so ``nlp`` need not
    # share the corpus's.
    make_doc = nlp.make_doc
    rules = _Rules(PhraseMatcher(vocab, attr="ORTH"), Patterns(vocab), PhraseMatcher(vocab, attr="ORTH"), {})
    for actor in schema.actors:
        for form in PHRASE_FIELDS:
            rules.phrases.add(_key(rules, vocab, actor.id, form), [make_doc(text) for text in getattr(actor, form)])
        rules.excludes.add(actor.id, [make_doc(text) for text in actor.exclude])
        prefixes = [[{"ORTH": prefix}, {"ORTH": {"IN": list(HYPHENS)}}] for prefix in actor.prefixes]
        for form, patterns in (("prefixes", prefixes), ("patterns", [list(p) for p in actor.patterns])):
            if patterns:
                rules.patterns.add(_key(rules, vocab, actor.id, form), patterns)
    return rules


def _key(rules: _Rules, vocab: Vocab, actor_id: str, form: str) -> str:
    key = f"{actor_id}:{form}"
    rules.labels[vocab.strings.add(key)] = (actor_id, form)
    return key


# --- mentions -----------------------------------------------------------------------------------

def _paragraph_rows(doc: Doc, paragraph_start: int, claims: list[tuple[int, int, str]], rules: _Rules) -> list[dict]:
    """The mention rows of one paragraph, each assigned to the claim it starts in.

    ``claims`` are the paragraph's (start, end, claim_id), by start.
    """
    starts = [start - paragraph_start for start, _, _ in claims]
    mains: dict[int, set[int]] = {}  # the main verbs of the claims that have a mention
    heads: list[int] = []
    rows = []
    for mention, method, form in _mentions(doc, rules):
        i = bisect.bisect_right(starts, mention.start_char) - 1
        if i < 0 or paragraph_start + mention.start_char >= claims[i][1]:
            continue
        start, end, claim_id = claims[i]
        if i not in mains:
            heads = heads or _heads(doc)
            mains[i] = _main_verbs(claim_span(doc, paragraph_start, start, end), heads)
        rows.append({
            "claim_id": claim_id, "actor_id": mention.label_, "surface": mention.text,
            "start": paragraph_start + mention.start_char, "end": paragraph_start + mention.end_char,
            "role": _role(mention, mains[i]), "method": method, "form": form,
        })
    return rows


def _mentions(doc: Doc, rules: _Rules) -> list[tuple[Span, str, str]]:
    """(span labelled with its actor id, method, form) for every mention in ``doc``, in text order."""
    candidates = _candidates(doc, rules)
    blocked = {i for span, _ in candidates for i in range(span.start, span.end)}
    blocked |= {i for _, start, end in rules.excludes(doc) for i in range(start, end)}
    found = [(span, "rule", form) for span, form in candidates if not (form == "seats" and _is_location(span))]
    found += [(span, "ner", form) for span, form in _ner_states(doc, blocked)]
    return sorted(found, key=lambda item: item[0].start)


def _candidates(doc: Doc, rules: _Rules) -> list[tuple[Span, str]]:
    """Registry matches outside their actor's excluded strings, the longest where they overlap."""
    excluded = [(doc.vocab.strings[key], start, end) for key, start, end in rules.excludes(doc)]
    spans = []
    for key, start, end in sorted([*rules.phrases(doc), *rules.patterns.in_doc(doc)], key=lambda m: (m[1], m[2], m[0])):
        actor_id, form = rules.labels[key]
        end = start + 1 if form == "prefixes" else end
        if not any(a == actor_id and s <= start and end <= e for a, s, e in excluded):
            spans.append(Span(doc, start, end, label=key))
    return [(Span(doc, span.start, span.end, label=rules.labels[span.label][0]), rules.labels[span.label][1])
            for span in filter_spans(spans)]


def _is_location(span: Span) -> bool:
    """A seat named as the place of an event: "the summit in Helsinki", "the Beijing Olympics"."""
    root = span.root
    if root.dep_ == "pobj" and root.head.lower_ in LOCATIVE_PREPOSITIONS:
        return root.head.head.lemma_.lower() in EVENT_LEMMAS
    return root.dep_ in ("compound", "nmod") and root.head.lemma_.lower() in EVENT_LEMMAS


def _ner_states(doc: Doc, blocked: set[int]) -> list[tuple[Span, str]]:
    """(span labelled OTHER_STATE, entity label) for the GPE states and NORP demonyms nobody else claimed."""
    found = []
    for ent in doc.ents:
        tokens = [t for t in ent if t.lower_ != "the" and t.dep_ != "case"]
        if ent.label_ not in ("GPE", "NORP") or not tokens or blocked.intersection(range(ent.start, ent.end)):
            continue
        name = doc[tokens[0].i:tokens[-1].i + 1]
        if (name.text in STATES) if ent.label_ == "GPE" else _is_demonym(name.text):
            found.append((Span(doc, name.start, name.end, label=OTHER_STATE), ent.label_))
    return found


def _is_demonym(text: str) -> bool:
    """Whether ``text`` is the demonym of a state on ``STATES``: Nigerian, Chileans, Kuwaiti, Nepalese.

    >>> [_is_demonym(word) for word in ("Nigerian", "Argentinians", "Singaporean", "Kurdish", "Sunni")]
    [True, True, True, False, False]
    """
    stems = [text[:-len(ending)] for ending in DEMONYM_ENDINGS if text.endswith(ending) and len(text) > len(ending) + 2]
    return any(stem in STATES or any(state[:-1] == stem for state in STATES if state[-1] in "aeoy") for stem in stems)


# --- roles --------------------------------------------------------------------------------------

def _heads(doc: Doc) -> list[int]:
    """The index of every token's head: read from the Doc's array, not from a Token made for each."""
    return (numpy.arange(len(doc)) + doc.to_array(HEAD).astype(numpy.int64)).tolist()


def _main_verbs(span: Span, heads: list[int]) -> set[int]:
    """Token indices of the claim's roots, the verbs conjoined to them and the clauses after a colon
    (``heads`` is ``_heads(span.doc)``)."""
    stack = [span.doc[i] for i in range(span.start, span.end) if heads[i] == i or not span.start <= heads[i] < span.end]
    main: set[int] = set()
    while stack:
        token = stack.pop()
        if token.i not in main:
            main.add(token.i)
            stack += [c for c in token.children if _is_main_clause(c)]
    return main


def _is_main_clause(token: Token) -> bool:
    if token.dep_ == "conj":
        return token.pos_ in ("VERB", "AUX")
    # "Moscow sided with Beijing: the drills took place ..." parses the second clause as a ccomp
    before = token.left_edge.i - 1
    return token.dep_ in ("ccomp", "parataxis") and before >= 0 and token.doc[before].text in (":", ";")


def _role(mention: Span, main: set[int]) -> str:
    """``agent``, ``target`` or ``mentioned``, from the path of the mention's head up to a main verb.

    >>> # "Chinese officials met the Russian government." -> Chinese: agent, Russian: target
    """
    path = _path_to_main(mention.root, main)
    if not path:
        return "mentioned"
    top, below = path[-1], path[:-1]
    if all(_keeps_agency(t) or t.head.i == top.i and t.dep_ == "pobj" for t in below) and _is_agent(top):
        return "agent"
    if _is_object(top, below):
        return "target"
    return "mentioned"


def _is_agent(top: Token) -> bool:
    """Whether the phrase ``top`` under a main verb names who acts: subject, passive agent, or the
    subject of a raising passive ("the presidency was expected to respond")."""
    verb = top.head
    if top.dep_ in SUBJECTS or top.dep_ == "agent":
        return True
    if top.dep_ == "nsubjpass":
        return any(c.dep_ == "xcomp" for c in verb.children)
    # "American claims are dismissed in Moscow": the place of a passive view is the viewer
    passive = any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children)
    return passive and top.dep_ == "prep" and top.lower_ == "in" and verb.lemma_ in VIEW_LEMMAS


def _path_to_main(token: Token, main: set[int]) -> list[Token]:
    """The tokens from ``token`` up to (not including) the first main verb above it; [] if none."""
    path = [token]
    while path[-1].head.i not in main:
        if path[-1].head.i == path[-1].i:
            return []
        path.append(path[-1].head)
    return [] if token.i in main else path


def _keeps_agency(token: Token) -> bool:
    if token.dep_ in AGENT_LINKS:
        return True
    # "the relationship between the US and Russia" speaks of both as actors
    return (token.dep_ == "prep" and token.lower_ == "between") or (
        token.dep_ == "pobj" and token.head.lower_ == "between")


def _is_object(top: Token, below: list[Token]) -> bool:
    if top.dep_ not in OBJECTS or any(t.dep_ in CLAUSES for t in below):
        return False
    preps = [t for t in below if t.dep_ == "prep"] + ([top] if top.dep_ == "prep" else [])
    if any(t.lower_ not in TARGET_PREPOSITIONS for t in preps):
        return False
    # "in" names whom the verb acts on only right after it ("intervened in Syria"), never inside a
    # noun phrase ("the view in Washington") or fronted ("In Russia, ...")
    return not any(t.lower_ == "in" and (t.i != top.i or t.i < t.head.i) for t in preps)


# --- tables -------------------------------------------------------------------------------------

def _paragraph_doc(parsed: dict[str, Doc], starts: dict[str, int], paragraph_id: str) -> Doc:
    if paragraph_id not in starts:
        raise PipelineError("actors", f"claims point to paragraph {paragraph_id!r}, which the paragraphs table "
                            "lacks; pass the paragraphs the claims were segmented from")
    if paragraph_id not in parsed:
        raise PipelineError("actors", f"paragraph {paragraph_id!r} has no parsed Doc; "
                            "run the parse stage over the same paragraphs table")
    return parsed[paragraph_id]


def _check_columns(tables: dict[str, pd.DataFrame]) -> None:
    for name, frame in tables.items():
        missing = [c for c in INPUT_COLUMNS[name] if c not in frame.columns]
        if missing:
            raise PipelineError("actors", f"table {name} lacks column(s) {', '.join(missing)}; "
                                f"it needs {', '.join(INPUT_COLUMNS[name])}")


def _frame(rows: Iterable[dict], columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(columns)).astype(columns)
