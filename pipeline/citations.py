"""Citations: parse footnotes and in-text citations into references, link them to claims.

``run`` takes the ``footnotes``, ``paragraphs`` and ``claims`` tables and returns
``references`` (one row per reference) and ``claim_citations`` (one row per
claim x note x reference).

A footnote is cut into sentences and each sentence into ``;``-separated pieces
(never inside parentheses). Each piece yields rows of one ``kind``, a closed
vocabulary (``KINDS``):

``bibliographic``
    an author-year reference: ``Nye 2015, 95``, ``Chase et al. 2017``,
    ``European Commission 2018a``, ``Roberts (2018)``, ``(Dobrynin 1995)``;
    a sentence of commentary may hold several.
``ibid``
    ``Ibid.``; ``points_to`` the reference before it: in the same note, else
    the last one of the closest earlier note that has one.
``op_cit``
    ``op. cit.`` or ``Røseth, op. cit.``; ``points_to`` the last earlier
    reference by that author (bare: the reference before it, as for ``ibid``).
``interview`` / ``roundtable``
    an interview or a roundtable, seminar or workshop as the source.
``cross_reference``
    a pointer to another part of the report (``See section ... in this report``).
``other``
    a source without author and year (a bare URL).
``comment``
    commentary citing nothing. Only a note with no other row gets one, with
    the whole note as ``raw``, so that no note is dropped. Commentary
    sentences in a note that also cites something stay in ``footnotes.text``.

``cue`` is one of ``CUES``: the last cue before the reference in its sentence
(for a parenthetical citation, inside its parentheses). ``See, for example``,
``e.g.`` and ``See, for instance`` all count as ``For instance``, and a lead-in
such as ``For a full report, see`` counts as ``See``.

``raw`` is the citation as written (``Nye 2015, 95``, ``Roberts (2018)``,
``Ibid.``). For a source without author and year it is the piece, and for a
comment the whole note. ``ibid`` and ``op_cit`` rows keep what the note says
(for ``op_cit``, only the author). Follow ``points_to`` to get the year and
the full author.

In running text only parenthetical (``(Kupchan 2014, 58–60)``) and narrative
(``Roberts (2018)``) citations count. A narrative one needs a plain surname
(``Roberts``, ``Bolt & Cross``, ``Chase et al.``). It must not follow a
capitalised word or an article, so ``the Eurasian Economic Union (2014)`` is
not read as a citation.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

import pandas as pd

from pipeline.errors import PipelineError

KINDS = ("bibliographic", "ibid", "op_cit", "interview", "roundtable", "cross_reference", "other", "comment")
CUES = ("See", "See also", "For instance", "For exceptions, see", "Cf.", "")
# Kinds a later Ibid. / op. cit. can point back to.
SOURCE_KINDS = frozenset({"bibliographic", "ibid", "op_cit", "interview", "roundtable", "other"})

REFERENCE_COLUMNS = {
    "ref_id": "str", "doc_id": "str", "note": "Int64", "paragraph_id": "str",
    "start": "Int64", "end": "Int64", "authors": "str", "author_list": "object",
    "year": "Int64", "year_suffix": "str", "pages": "str", "cue": "str",
    "kind": "str", "points_to": "str", "raw": "str",
}
CLAIM_CITATION_COLUMNS = {"claim_id": "str", "doc_id": "str", "note": "Int64", "ref_id": "str", "resolved": "bool"}
INPUT_COLUMNS = {
    "footnotes": ("doc_id", "note", "text", "resolved"),
    "paragraphs": ("doc_id", "paragraph_id", "start", "text"),
    "claims": ("claim_id", "doc_id", "start", "end", "markers"),
}

_UPPER = "A-ZÀ-ÖØ-ÞŁŚŠŹŽČĆĐ"
_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
          r"|Spring|Summer|Autumn|Fall|Winter)\b")
# Capitalised words that open a sentence or a phrase but never a name.
NOT_NAMES = frozenset({
    "See", "Cf", "For", "Also", "Ibid", "Op", "And", "But", "While", "When", "Like", "Only", "Even", "Then", "Now",
    "In", "On", "At", "By", "As", "Of", "To", "With", "Within", "Since", "Until", "Till", "From", "Between", "After",
    "Before", "During", "Among", "Around", "Circa", "Through", "Throughout", "Under", "Over", "Towards", "Toward",
    "Against", "Despite", "Unlike", "Into", "Early", "Late", "Mid", "Already", "Fiscal",
})
_NOT_A_NAME = rf"(?:{'|'.join(sorted(NOT_NAMES))})\b"
_NAME_WORD = (rf"(?<![\w’'\-])(?!{_MONTH})[{_UPPER}]"
              r"(?:[^\W\d_]|-(?=[^\W\d_])|[’'](?!s\b)(?=[^\W\d_]))*")
_PARTICLE = r"(?:of|the|for|de|der|den|van|von|du|da|di|la|le)"
_AUTHOR = rf"{_NAME_WORD}(?:\s+(?:{_PARTICLE}\s+)*{_NAME_WORD})*"
_VARIOUS = r"Various\s+authors"
_AUTHORS = (rf"(?:{_VARIOUS}|(?:The\s+)?(?!{_NOT_A_NAME}){_AUTHOR}"
            rf"(?:(?:,\s+{_AUTHOR})*,?\s+(?:&|and)\s+{_AUTHOR})?(?:\s+et\s+al\.)?)")
_SURNAME = rf"(?!{_NOT_A_NAME}){_NAME_WORD}"
_SURNAMES = rf"(?:{_VARIOUS}|{_SURNAME}(?:(?:,\s+{_SURNAME})*,?\s+(?:&|and)\s+{_SURNAME}|\s+et\s+al\.)?)"
_YEAR = r"(?P<year>(?:1[6-9]|20)\d\d)(?P<suffix>[a-z]?)(?!\w)"
_PAGE_RANGE = r"\d+(?:\s*[–-]\s*\d+)?"
_PAGES = rf"(?:,\s*(?:pp?\.\s*)?(?P<pages>{_PAGE_RANGE}(?:,\s*{_PAGE_RANGE})*)(?![\d–-]))?"
_CUE = (r"\bfor\s+exceptions,?\s+see\b|\bsee,?\s+(?:for\s+instance|for\s+example|e\.g\.)"
        r"|\bfor\s+(?:instance|example)\b|\be\.g\.|\bsee\s+also\b|\bcf\.|\bsee\b")

BARE_REFERENCE = re.compile(rf"(?P<authors>{_AUTHORS})\s+{_YEAR}{_PAGES}")
NARRATIVE_REFERENCE = re.compile(rf"(?P<authors>{_SURNAMES})(?:[’']s)?\s*\({_YEAR}{_PAGES}\)")
# What every narrative reference holds: a text without it is not searched for one (7 of the report's 1,334
# sentences hold it; searching them all cost 40 ms).
NARRATIVE_YEAR = re.compile(rf"\({_YEAR}")
PARENTHESES = re.compile(r"\((?P<body>[^()]*)\)")
PARENTHESIS = re.compile(r"[()]")
CUE = re.compile(_CUE, re.IGNORECASE)
LEADING_CUE = re.compile(rf"(?:{_CUE})[\s,:]*", re.IGNORECASE)
CUE_SEPARATOR = re.compile(r"[\s,:]+")
# Every other cue ('see, for example', 'e.g.', 'for instance') is an example cue.
CUE_LABELS = {"see": "See", "see also": "See also", "cf.": "Cf."}
IBID = re.compile(rf"ibid\.?(?:,\s*(?:pp?\.\s*)?(?P<pages>{_PAGE_RANGE}))?\.?", re.IGNORECASE)
OP_CIT = re.compile(rf"(?:(?P<authors>{_AUTHORS}),?\s+)?[Oo]p\.\s*cit\.?"
                    rf"(?:,\s*(?:pp?\.\s*)?(?P<pages>{_PAGE_RANGE}))?\.?")
INTERVIEW = re.compile(r"\binterview", re.IGNORECASE)
ROUNDTABLE = re.compile(r"\bround[- ]?table|\bseminar\b|\bworkshop\b", re.IGNORECASE)
CROSS_REFERENCE = re.compile(r"\bsee\s+(?:the\s+)?(?:section|chapter)\b|\bin\s+this\s+report\b", re.IGNORECASE)
URL = re.compile(r"https?://\S+|\bwww\.\S+")
YEAR = re.compile(_YEAR)
SENTENCE_END = re.compile(r"[.!?](?=\s+[\"“‘(]?[" + _UPPER + r"])")
# A full stop after these ends an abbreviation, not a sentence.
ABBREVIATION = re.compile(r"(?:\bet al|\b[Ee]\.g|\b[Ii]\.e|\b[Cc]f|\bop|\bpp?|\bvol|\bNo|\bM[rs]|\bDr|\bSt"
                          r"|(?<![\w])[A-Z](?:\.[A-Z])*)$")
VARIOUS_AUTHORS = re.compile(_VARIOUS)
AUTHOR_SEPARATOR = re.compile(r",\s+|\s+(?:&|and)\s+")
ET_AL = re.compile(r"\s+et\s+al\.$")
PRECEDING_WORD = re.compile(r"([^\s(]+)\s*$")
ARTICLES = frozenset({"the", "a", "an", "this", "that", "its", "their", "his", "her", "our"})


@dataclass(frozen=True)
class Citation:
    """An author-year citation found in a piece of text; offsets are into that text."""

    start: int
    end: int
    authors: str
    year: int
    suffix: str
    pages: str
    cue_from: int | None = None  # where to look for its cue, when not the sentence start


def references(footnotes: pd.DataFrame, paragraphs: pd.DataFrame) -> pd.DataFrame:
    """One row per reference, from footnote texts and from citations in the running text.

    >>> notes = pd.DataFrame({"doc_id": ["r"], "note": [3], "page": [1],
    ...                       "text": ["Nye 2015, 95; Acharya 2018, 7–19."], "resolved": [True]})
    >>> paras = pd.DataFrame({"doc_id": ["r"], "paragraph_id": ["r:p1"], "start": [10], "end": [50],
    ...                       "text": ["As Roberts (2018) shows, it did."]})
    >>> for row in references(notes, paras)[["ref_id", "authors", "year", "pages", "start"]].values.tolist():
    ...     print(row)
    ['r:n3.1', 'Nye', 2015, '95', <NA>]
    ['r:n3.2', 'Acharya', 2018, '7–19', <NA>]
    ['r:t1', 'Roberts', 2018, '', 13]
    """
    _require(footnotes, "footnotes")
    _require(paragraphs, "paragraphs")
    rows = []
    for doc_id in _doc_ids(footnotes, paragraphs):
        rows += _footnote_references(doc_id, footnotes[footnotes["doc_id"] == doc_id])
        rows += _in_text_references(doc_id, paragraphs[paragraphs["doc_id"] == doc_id])
    return _frame(rows, REFERENCE_COLUMNS)


def claim_citations(claims: pd.DataFrame, footnotes: pd.DataFrame, references: pd.DataFrame) -> pd.DataFrame:
    """One row per claim x note x reference; a marker whose note is missing keeps a row with ``resolved`` False.

    >>> claims = pd.DataFrame({"claim_id": ["r:c1"], "doc_id": ["r"], "start": [0], "end": [40], "markers": [[1, 2]]})
    >>> notes = pd.DataFrame({"doc_id": ["r", "r"], "note": [1, 2], "page": [1, 1],
    ...                       "text": ["Pabst 2017.", ""], "resolved": [True, False]})
    >>> refs = references(notes, pd.DataFrame(columns=["doc_id", "paragraph_id", "start", "end", "text"]))
    >>> claim_citations(claims, notes, refs).values.tolist()
    [['r:c1', 'r', 1, 'r:n1.1', True], ['r:c1', 'r', 2, nan, False]]
    """
    _require(claims, "claims")
    _require(footnotes, "footnotes")
    resolved = {(doc, int(note)) for doc, note, text, ok in
                footnotes[["doc_id", "note", "text", "resolved"]].itertuples(index=False) if _has_text(ok, text)}
    by_note, in_text = defaultdict(list), defaultdict(list)
    for ref in references.itertuples(index=False):
        if pd.isna(ref.note):
            in_text[ref.doc_id].append((ref.start, ref.ref_id))
        else:
            by_note[(ref.doc_id, int(ref.note))].append(ref.ref_id)
    rows = []
    # Only the columns read: tuples of all the claims' columns cost as much as the rest of the loop.
    for claim in claims[list(INPUT_COLUMNS["claims"])].itertuples(index=False):
        for note in _markers(claim.markers):
            rows += _marker_rows(claim, note, by_note.get((claim.doc_id, note), []), (claim.doc_id, note) in resolved)
        rows += [{"claim_id": claim.claim_id, "doc_id": claim.doc_id, "note": None, "ref_id": ref_id,
                  "resolved": True} for start, ref_id in in_text[claim.doc_id] if claim.start <= start < claim.end]
    return _frame(rows, CLAIM_CITATION_COLUMNS)


def run(tables: dict[str, pd.DataFrame], config=None) -> dict[str, pd.DataFrame]:
    """The citation stage: ``footnotes``, ``paragraphs``, ``claims`` -> ``references``, ``claim_citations``.

    ``config`` is accepted for a uniform stage signature; nothing in it applies here.

    >>> empty = {name: pd.DataFrame(columns=list(cols) + ["end"] * (name == "paragraphs"))
    ...          for name, cols in INPUT_COLUMNS.items()}
    >>> {name: len(table) for name, table in run(empty).items()}
    {'references': 0, 'claim_citations': 0}
    """
    missing = [name for name in INPUT_COLUMNS if name not in tables]
    if missing:
        raise PipelineError("citations", f"missing input table(s) {', '.join(missing)}; "
                            "run the structure and claims stages first")
    found = references(tables["footnotes"], tables["paragraphs"])
    return {"references": found, "claim_citations": claim_citations(tables["claims"], tables["footnotes"], found)}


def parse_note(text: str) -> list[dict]:
    """The references in one footnote text, in order, without ids or pointers.

    >>> [(r["kind"], r["authors"], r["year"], r["cue"]) for r in parse_note("See also Allers 2018a.")]
    [('bibliographic', 'Allers', 2018, 'See also')]
    """
    text = " ".join(text.split())
    if not text:
        return []
    rows = [row for s_start, s_end in _sentences(text) for row in _sentence_rows(text[s_start:s_end])]
    return rows or [_row("comment", raw=text)]


# --- footnotes ---------------------------------------------------------------------------------

def _footnote_references(doc_id: str, notes: pd.DataFrame) -> list[dict]:
    notes = notes.sort_values("note", kind="stable")
    resolved = {int(n) for n, text, ok in notes[["note", "text", "resolved"]].itertuples(index=False)
                if _has_text(ok, text)}
    rows = []
    for note, text in notes[["note", "text"]].itertuples(index=False):
        if int(note) in resolved:
            rows += [dict(row, ref_id=f"{doc_id}:n{int(note)}.{i}", doc_id=doc_id, note=int(note))
                     for i, row in enumerate(parse_note(text), start=1)]
    return _link_back(rows, resolved)


def _sentences(text: str) -> list[tuple[int, int]]:
    top = set(_top_level(text, 0, len(text)))
    # An abbreviation is a few characters long: look only at the end of the text before the full stop.
    cuts = [m.end() for m in SENTENCE_END.finditer(text)
            if m.start() in top and not ABBREVIATION.search(text[max(0, m.start() - 20):m.start()])]
    return _spans(text, cuts, 0, len(text))


def _spans(text: str, cuts: list[int], start: int, end: int) -> list[tuple[int, int]]:
    """The non-empty, trimmed spans of text[start:end] between the one-character separators at ``cuts``."""
    spans = [_trim(text, left + 1, right) for left, right in zip([start - 1] + cuts, cuts + [end])]
    return [(left, right) for left, right in spans if left < right]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """The span text[start:end] without surrounding whitespace."""
    piece = text[start:end]
    return start + len(piece) - len(piece.lstrip()), end - len(piece) + len(piece.rstrip())


def _top_level(text: str, start: int, end: int) -> list[int]:
    """Positions in text[start:end] that are outside any parentheses (a stray ``)`` closes nothing)."""
    depth, positions, cursor = 0, [], start
    # The depth changes only at a parenthesis: take the runs between them whole.
    for parenthesis in PARENTHESIS.finditer(text, start, end):
        if depth == 0:
            positions.extend(range(cursor, parenthesis.start()))
        depth += 1 if parenthesis.group() == "(" else -(depth > 0)
        cursor = parenthesis.end()
    if depth == 0:
        positions.extend(range(cursor, end))
    return positions


def _sentence_rows(sentence: str) -> list[dict]:
    cuts = [i for i in _top_level(sentence, 0, len(sentence)) if sentence[i] == ";"]
    return [row for start, end in _spans(sentence, cuts, 0, len(sentence))
            for row in _piece_rows(sentence, start, end)]


def _piece_rows(sentence: str, start: int, end: int) -> list[dict]:
    """Rows for the ';'-piece sentence[start:end]; the sentence before it may hold its cue."""
    piece = sentence[start:end]
    cue = LEADING_CUE.match(piece)
    body, lead = (piece[cue.end():], _cue_label(cue[0])) if cue else (piece, "")
    if m := IBID.fullmatch(body):
        return [_row("ibid", raw=body, pages=m["pages"] or "", cue=lead)]
    if m := OP_CIT.fullmatch(body):
        return [_row("op_cit", raw=body, pages=m["pages"] or "", cue=lead, **_author_fields(m["authors"] or ""))]
    for kind, pattern in (("interview", INTERVIEW), ("roundtable", ROUNDTABLE)):
        if pattern.search(piece):
            return [_row(kind, raw=piece, year=_first_year(piece))]
    if found := _citations(piece, bare=True):
        cue_from = [0 if c.cue_from is None else start + c.cue_from for c in found]
        return [_citation_row(c, piece, _cue(sentence, at, start + c.start)) for c, at in zip(found, cue_from)]
    for kind, pattern in (("cross_reference", CROSS_REFERENCE), ("other", URL)):
        if pattern.search(piece):
            return [_row(kind, raw=piece, cue=lead, year=_first_year(piece))]
    return []


def _link_back(rows: list[dict], resolved: set[int]) -> list[dict]:
    """Fill ``points_to`` of Ibid. and op. cit. rows (rows of one document, in note order)."""
    earlier = defaultdict(list)
    for row in rows:
        if row["kind"] == "op_cit" and row["authors"]:
            row["points_to"] = _last_by_author(row["authors"], earlier)
        elif row["kind"] in ("ibid", "op_cit"):
            row["points_to"] = _previous_source(row["note"], earlier, resolved)
        if row["kind"] in SOURCE_KINDS:
            earlier[row["note"]].append(row)
    return rows


def _previous_source(note: int, earlier: dict[int, list[dict]], resolved: set[int]) -> str | None:
    # An unknown note in between may hold the real antecedent, so the walk stops there.
    for n in range(note, 0, -1):
        if n != note and n not in resolved:
            return None
        if earlier.get(n):
            return _target(earlier[n][-1])
    return None


def _last_by_author(author: str, earlier: dict[int, list[dict]]) -> str | None:
    for note in sorted(earlier, reverse=True):
        for row in reversed(earlier[note]):
            if row["kind"] == "bibliographic" and author in (row["authors"], *row["author_list"]):
                return row["ref_id"]
    return None


def _target(row: dict) -> str | None:
    return row["points_to"] if row["kind"] in ("ibid", "op_cit") else row["ref_id"]


# --- in-text citations -------------------------------------------------------------------------

def _in_text_references(doc_id: str, paragraphs: pd.DataFrame) -> list[dict]:
    rows = []
    for paragraph_id, offset, text in paragraphs[["paragraph_id", "start", "text"]].itertuples(index=False):
        if not isinstance(text, str):
            continue
        for s_start, s_end in _sentences(text):
            sentence = text[s_start:s_end]
            for c in _citations(sentence, bare=False):
                row = _citation_row(c, sentence, _cue(sentence, c.cue_from or 0, c.start))
                rows.append(dict(row, doc_id=doc_id, paragraph_id=paragraph_id,
                                 start=int(offset) + s_start + c.start, end=int(offset) + s_start + c.end))
    rows.sort(key=lambda row: row["start"])
    return [dict(row, ref_id=f"{doc_id}:t{k}") for k, row in enumerate(rows, start=1)]


# --- citations in a piece of text --------------------------------------------------------------

def _citations(text: str, *, bare: bool) -> list[Citation]:
    """Parenthetical and narrative citations in text, and with ``bare`` also 'Nye 2015, 95' forms."""
    found = [c for group in PARENTHESES.finditer(text) for c in _parenthetical(text, group)]
    if NARRATIVE_YEAR.search(text):
        found += [_citation(m) for m in NARRATIVE_REFERENCE.finditer(text) if _is_narrative(text, m)]
    if bare:
        taken = [(c.start, c.end) for c in found]
        found += [_citation(m) for m in BARE_REFERENCE.finditer(text)
                  if not any(s < m.end() and m.start() < e for s, e in taken)]
    return sorted(found, key=lambda c: c.start)


def _parenthetical(text: str, group: re.Match) -> list[Citation]:
    """The citations of '(see Nye 2015; Acharya 2018)', or none unless every part is one."""
    start, end = group.span("body")
    cue = LEADING_CUE.match(text, start, end)
    parts = _spans(text, [i for i in range(start, end) if text[i] == ";"], cue.end() if cue else start, end)
    found = [BARE_REFERENCE.fullmatch(text, left, right - text.endswith(".", left, right)) for left, right in parts]
    return [_citation(m, cue_from=group.start()) for m in found] if found and all(found) else []


def _citation(m: re.Match, *, cue_from: int | None = None) -> Citation:
    return Citation(start=m.start(), end=m.end(), authors=m["authors"], year=int(m["year"]),
                    suffix=m["suffix"], pages=m["pages"] or "", cue_from=cue_from)


def _is_narrative(text: str, m: re.Match) -> bool:
    """'Roberts (2018)' is a citation; 'Eurasian Union (2011)' and 'the Union (2011)' are not."""
    before = PRECEDING_WORD.search(text[:m.start()])
    if not before:
        return True
    word = before[1].rstrip(",:;")
    if word.lower() in ARTICLES:
        return False
    return not word[0].isupper() or word.rstrip(".") in NOT_NAMES or word.endswith(".")


def _cue(sentence: str, start: int, end: int) -> str:
    """The last cue in sentence[start:end], as one of ``CUES``."""
    found = list(CUE.finditer(sentence, max(start, 0), end))
    return _cue_label(found[-1][0]) if found else ""


def _cue_label(cue: str) -> str:
    phrase = CUE_SEPARATOR.sub(" ", cue.lower()).strip()
    if phrase.startswith("for exceptions"):
        return "For exceptions, see"
    return CUE_LABELS.get(phrase, "For instance")


# --- rows and frames ---------------------------------------------------------------------------

def _row(kind: str, *, raw: str, **fields) -> dict:
    return {"ref_id": None, "doc_id": None, "note": None, "paragraph_id": None, "start": None, "end": None,
            "authors": "", "author_list": [], "year": None, "year_suffix": "", "pages": "", "cue": "",
            "kind": kind, "points_to": None, "raw": raw} | fields


def _citation_row(c: Citation, text: str, cue: str) -> dict:
    return _row("bibliographic", raw=text[c.start:c.end], year=c.year, year_suffix=c.suffix, pages=c.pages,
                cue=cue, **_author_fields(c.authors))


def _author_fields(authors: str) -> dict:
    """``authors`` as written and ``author_list``, the surnames or institutions in it."""
    authors = " ".join(authors.split())
    if not authors or VARIOUS_AUTHORS.fullmatch(authors):
        return {"authors": authors, "author_list": [authors] if authors else []}
    return {"authors": authors, "author_list": AUTHOR_SEPARATOR.split(ET_AL.sub("", authors))}


def _first_year(text: str) -> int | None:
    m = YEAR.search(text)
    return int(m["year"]) if m else None


def _marker_rows(claim, note: int, ref_ids: list[str], resolved: bool) -> list[dict]:
    base = {"claim_id": claim.claim_id, "doc_id": claim.doc_id, "note": note}
    if resolved and ref_ids:
        return [dict(base, ref_id=ref_id, resolved=True) for ref_id in ref_ids]
    return [dict(base, ref_id=None, resolved=resolved)]


def _markers(value) -> list[int]:
    if value is None or isinstance(value, float) and pd.isna(value):
        return []
    return [int(note) for note in value]


def _has_text(resolved, text) -> bool:
    return not pd.isna(resolved) and bool(resolved) and isinstance(text, str) and bool(text.strip())


def _doc_ids(*frames: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(doc for frame in frames for doc in frame["doc_id"]))


def _require(frame: pd.DataFrame, name: str) -> None:
    missing = [c for c in INPUT_COLUMNS[name] if c not in frame.columns]
    if missing:
        raise PipelineError(name, f"missing column(s) {', '.join(missing)}; the citations stage needs "
                            f"{', '.join(INPUT_COLUMNS[name])}")


def _frame(rows: Iterable[dict], columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(columns)).astype(columns)
