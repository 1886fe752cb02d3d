"""Claims: the sentences of body paragraphs and quotes, with claim type and hedging.

A claim is one sentence of running text (never a heading or footnote text).
Sentence boundaries come from spaCy's parser, mended where it splits after
an abbreviation (``e.g.``, ``U.S.``, ``et al.``) or before a lower-case
continuation. Claim type and hedging are read from cues declared in
``annotations/claim_types.yaml``.
"""

from __future__ import annotations

import re

import pandas as pd
from spacy.tokens import Doc, Span

from pipeline.cues import CueIndex, Patterns, TokenForms

ABBREVIATION_END = re.compile(
    r"(?:\b(?:e\.g|i\.e|cf|vs|etc|al|No|Nos|Mr|Mrs|Ms|Dr|Prof|St|Gen|Lt|Col|Sen|Rep|Jr|Sr|pp?|vol|ed|eds|"
    r"approx|Inc|Ltd|Co|Corp|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.|\b[A-Z]\.(?:[A-Z]\.)*)$"
)
CLAIM_COLUMNS = [
    "claim_id", "doc_id", "paragraph_id", "section_id", "section_number", "section_title", "paragraph_kind",
    "page", "start", "end", "text", "markers",
]


def _sentence_bounds(doc: Doc, whole: str) -> list[tuple[int, int]]:
    """Character bounds of the sentences of ``doc`` (whose text is ``whole``), with abbreviation splits mended."""
    bounds: list[tuple[int, int]] = []
    for sent in doc.sents:
        raw = whole[sent.start_char:sent.end_char]
        text = raw.strip()
        if not text:
            continue
        start = sent.start_char + (len(raw) - len(raw.lstrip()))
        end = start + len(text)
        if bounds and _continues_previous(whole[bounds[-1][0]:bounds[-1][1]], text):
            bounds[-1] = (bounds[-1][0], end)
        else:
            bounds.append((start, end))
    return bounds


def _continues_previous(previous: str, text: str) -> bool:
    first = text[0]
    if first.islower() or first in ",;:)]”’" or not re.search(r"[A-Za-z]", text):
        return True
    if ABBREVIATION_END.search(previous) and not previous.endswith(("etc.", "al.")):
        return True
    return not re.search(r"[.!?…:;”’\"')\]]$", previous)


def segment(paragraphs: pd.DataFrame, sections: pd.DataFrame, markers: pd.DataFrame,
            parsed: dict[str, Doc]) -> pd.DataFrame:
    """One row per claim: ids, section, page, offsets into the clean text, markers carried.

    ``parsed`` maps paragraph_id to its spaCy ``Doc`` (see ``pipeline.parse.docs``).
    """
    numbered = _numbered_ancestors(sections)
    notes_by_paragraph = {pid: list(zip(group["note"].tolist(), group["start"].tolist()))
                          for pid, group in markers.groupby("paragraph_id")} if len(markers) else {}
    rows, counters = [], {}
    for paragraph in paragraphs.itertuples():
        doc = parsed[paragraph.paragraph_id]
        # The paragraph's text is its Doc's (spaCy never alters text); Doc.text would join every token.
        whole = paragraph.text
        notes = notes_by_paragraph.get(paragraph.paragraph_id)
        for start, end in _sentence_bounds(doc, whole):
            counters[paragraph.doc_id] = counters.get(paragraph.doc_id, 0) + 1
            absolute_start, absolute_end = paragraph.start + start, paragraph.start + end
            section = numbered.get(paragraph.section_id, ("", ""))
            rows.append({
                "claim_id": f"{paragraph.doc_id}:c{counters[paragraph.doc_id]:05d}",
                "doc_id": paragraph.doc_id, "paragraph_id": paragraph.paragraph_id,
                "section_id": paragraph.section_id, "section_number": section[0], "section_title": section[1],
                "paragraph_kind": paragraph.kind,
                "page": paragraph.page_start + sum(1 for b in paragraph.page_breaks if b <= absolute_start),
                "start": absolute_start, "end": absolute_end, "text": whole[start:end],
                "markers": _carried(notes, absolute_start, absolute_end),
            })
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)


def _carried(notes: list[tuple[int, int]] | None, start: int, end: int) -> list[int]:
    """Notes (note, marker offset) whose marker stands inside the claim or right after its last character."""
    if notes is None:
        return []
    return [int(n) for n, s in notes if start < s <= end]


def _numbered_ancestors(sections: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """For each section, the number of its nearest numbered section (itself or an ancestor) and its own title."""
    by_id = sections.set_index("section_id")
    result = {}
    for section_id, row in by_id.iterrows():
        current = section_id
        while current is not None and not by_id.loc[current, "number"]:
            parent = by_id.loc[current, "parent_id"]
            current = parent if isinstance(parent, str) else None
        result[section_id] = (by_id.loc[current, "number"] if current else "", row["title"])
    return result


def claim_span(doc: Doc, paragraph_start: int, claim_start: int, claim_end: int) -> Span:
    """The tokens of a claim inside its paragraph's ``Doc``."""
    return doc.char_span(claim_start - paragraph_start, claim_end - paragraph_start, alignment_mode="expand")


def claim_spans(claims: pd.DataFrame, paragraphs: pd.DataFrame, parsed: dict[str, Doc]) -> list[Span]:
    """The tokens of every claim, in the order of ``claims``."""
    starts = dict(zip(paragraphs["paragraph_id"].tolist(), paragraphs["start"].tolist()))
    return [claim_span(parsed[paragraph_id], int(starts[paragraph_id]), int(start), int(end))
            for paragraph_id, start, end in zip(*(claims[c].tolist() for c in ("paragraph_id", "start", "end")))]


QUESTION_END = re.compile(r"\?[”’\"')\]]*$")


SUBORDINATE = frozenset({"relcl", "ccomp", "advcl", "acl", "csubj", "csubjpass", "pcomp"})


def in_main_clause(token) -> bool:
    """Whether ``token`` belongs to its sentence's main clause (no subordinate clause on its way to the root)."""
    while token.head.i != token.i:
        if token.dep_ in SUBORDINATE:
            return False
        token = token.head
    return True


class ClaimTyper:
    """Claim type and hedging cues of a claim-types schema, compiled once for a spaCy pipeline."""

    def __init__(self, schema, nlp):
        self.priority = {t.id: t.priority for t in schema.claim_types}
        self.default = next((t.id for t in schema.claim_types if t.default), "assertion")
        self.main_clause = {t.id for t in schema.claim_types if t.main_clause}
        self.cues = CueIndex(nlp, {t.id: list(t.cues) for t in schema.claim_types})
        self.hedges = CueIndex(nlp, {"hedged": list(schema.hedges)})
        # One key a pattern: a claim meets the Matcher only with the patterns whose words it has.
        self.patterns = Patterns(nlp.vocab)
        for claim_type in schema.claim_types:
            for number, pattern in enumerate(claim_type.patterns):
                self.patterns.add(f"{claim_type.id}\x00{number}", [list(pattern)])

    def type_of(self, span: Span, text: str, forms: TokenForms) -> tuple[str, list[str]]:
        """The claim's type and the cue that decided it (``forms`` is ``TokenForms(span.doc)``).

        A type with a cue in the main clause beats one whose cues are all in
        subordinate clauses: "The Economist has predicted that ... will be hit"
        reports a view (attribution) whose content is a prediction. Then the
        lowest priority wins. A cue opening with "be" does not fire on a
        past-tense form: "was expected to" reports an old expectation, not a
        prediction.
        """
        fired: dict[str, tuple[str, bool]] = {}  # label -> (its earliest cue, whether one is in the main clause)
        found = [(label, cue, start) for label, cue, start, _ in self.cues.find(span, forms)
                 if not (span.doc[start].lemma_ == "be" and "Past" in span.doc[start].morph.get("Tense"))]
        found += [(span.doc.vocab.strings[match_id].split("\x00")[0], span.doc[start:end].text, start)
                  for match_id, start, end in self.patterns(span, forms)]
        for label, cue, start in sorted(found, key=lambda match: match[2]):
            in_main = in_main_clause(span.doc[start])
            if in_main or label not in self.main_clause:
                earliest, seen_in_main = fired.get(label, (cue, False))
                fired[label] = (earliest, seen_in_main or in_main)
        if QUESTION_END.search(text) and "question" in self.priority:
            fired = {"question": ("?", True)}
        if not fired:
            return self.default, []
        chosen = min(fired, key=lambda label: (not fired[label][1], self.priority[label]))
        return chosen, [fired[chosen][0]]

    def hedges_of(self, span: Span, forms: TokenForms) -> list[str]:
        """The hedging cues in the claim; a proper noun is never one ("signed in May 2018")."""
        return sorted({cue for _, cue, start, _ in self.hedges.find(span, forms) if span.doc[start].pos_ != "PROPN"})


def classify(claims: pd.DataFrame, paragraphs: pd.DataFrame, parsed: dict[str, Doc], schema, nlp) -> pd.DataFrame:
    """Add ``claim_type``, ``hedged`` and the cues that decided them (``type_cues``, ``hedge_cues``).

    The type is the lowest-``priority`` type whose cues or patterns fire in the
    claim's main clause, else in any clause; a final ``?`` makes a question;
    otherwise the schema's default type.
    """
    typer = ClaimTyper(schema, nlp)
    forms = {paragraph_id: TokenForms.of(doc) for paragraph_id, doc in parsed.items()}
    types, type_cues, hedge_cues = [], [], []
    for span, paragraph_id, text in zip(claim_spans(claims, paragraphs, parsed), claims["paragraph_id"].tolist(),
                                        claims["text"].tolist()):
        claim_type, cues = typer.type_of(span, text, forms[paragraph_id])
        types.append(claim_type)
        type_cues.append(cues)
        hedge_cues.append(typer.hedges_of(span, forms[paragraph_id]))
    result = claims.copy()
    result["claim_type"] = types
    result["hedged"] = [bool(cues) for cues in hedge_cues]
    result["type_cues"] = type_cues
    result["hedge_cues"] = hedge_cues
    return result


def run(tables: dict[str, pd.DataFrame], *, parsed: dict[str, Doc], schema, nlp) -> dict[str, pd.DataFrame]:
    """Segment the paragraphs into claims and classify them; returns ``claims``."""
    claims = segment(tables["paragraphs"], tables["sections"], tables["markers"], parsed)
    return {"claims": classify(claims, tables["paragraphs"], parsed, schema, nlp)}
