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
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span

ABBREVIATION_END = re.compile(
    r"(?:\b(?:e\.g|i\.e|cf|vs|etc|al|No|Nos|Mr|Mrs|Ms|Dr|Prof|St|Gen|Lt|Col|Sen|Rep|Jr|Sr|pp?|vol|ed|eds|"
    r"approx|Inc|Ltd|Co|Corp|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.|\b[A-Z]\.(?:[A-Z]\.)*)$"
)
CLAIM_COLUMNS = [
    "claim_id", "doc_id", "paragraph_id", "section_id", "section_number", "section_title", "paragraph_kind",
    "page", "start", "end", "text", "markers",
]


def _sentence_bounds(doc: Doc) -> list[tuple[int, int]]:
    """Character bounds of the sentences of ``doc``, with abbreviation splits mended."""
    bounds: list[tuple[int, int]] = []
    for sent in doc.sents:
        text = sent.text.strip()
        if not text:
            continue
        start = sent.start_char + (len(sent.text) - len(sent.text.lstrip()))
        end = start + len(text)
        if bounds and _continues_previous(doc.text[bounds[-1][0]:bounds[-1][1]], text):
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
    notes_by_paragraph = {pid: group for pid, group in markers.groupby("paragraph_id")} if len(markers) else {}
    rows, counters = [], {}
    for paragraph in paragraphs.itertuples():
        doc = parsed[paragraph.paragraph_id]
        notes = notes_by_paragraph.get(paragraph.paragraph_id)
        for start, end in _sentence_bounds(doc):
            counters[paragraph.doc_id] = counters.get(paragraph.doc_id, 0) + 1
            absolute_start, absolute_end = paragraph.start + start, paragraph.start + end
            section = numbered.get(paragraph.section_id, ("", ""))
            rows.append({
                "claim_id": f"{paragraph.doc_id}:c{counters[paragraph.doc_id]:05d}",
                "doc_id": paragraph.doc_id, "paragraph_id": paragraph.paragraph_id,
                "section_id": paragraph.section_id, "section_number": section[0], "section_title": section[1],
                "paragraph_kind": paragraph.kind,
                "page": paragraph.page_start + sum(1 for b in paragraph.page_breaks if b <= absolute_start),
                "start": absolute_start, "end": absolute_end, "text": doc.text[start:end],
                "markers": _carried(notes, absolute_start, absolute_end),
            })
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)


def _carried(notes: pd.DataFrame | None, start: int, end: int) -> list[int]:
    """Notes whose marker stands inside the claim or right after its last character."""
    if notes is None:
        return []
    return [int(n) for n, s in zip(notes["note"], notes["start"]) if start < s <= end]


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
