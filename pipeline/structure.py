"""Structure: recover headings, paragraphs, quotes, footnotes and markers from lines.

Input is the ``lines`` table of ingest; output is the clean text of each
document (markers removed, hyphenated line breaks joined) and the tables
``sections``, ``paragraphs``, ``footnotes`` and ``markers``, every row with
character offsets into that clean text. The same function serves PDFs and
extracted text: it reads only the lines table.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from pipeline.words import english_words, is_word

NUMBERED_HEADING = re.compile(r"^(?P<number>[1-9]\d?(?:\.\d{1,2})*)\.?\s+(?P<title>[A-Z‘“'\"].*)$")
SENTENCE_END = re.compile(r"[.!?…:;,][”’\"')\]]*\d{0,3}$|[”’\"')\]]\d{1,3}$")
TERMINAL = re.compile(r"[.!?…][”’\"')\]]*\d{0,3}$|[”’\"')\]]\d{1,3}$")
LINE_END_HYPHEN = re.compile(r"(?P<left>[^\W\d_][\w’']*)-$")
LINE_START_WORD = re.compile(r"^(?P<right>[\w’']+)(?P<compound>-\w)?")
WORD = re.compile(r"[^\W\d_][\w’']*(?:-[\w’']+)*")
BULLET = re.compile(r"^[•▪●◦\-–]\s+")
FOOTNOTE_START = re.compile(r"^(?P<note>\d{1,3})\s?(?P<text>\D.*)$")
MARKER_CANDIDATE = re.compile(
    r"(?<=[^\W\d_]|[.,;:!?)\]”’\"…'])(?P<note>\d{1,3})(?![\d.,]\d)(?![\d%])"
    # a marker glued to a year: "zero in 201496"
    r"|(?<=(?<!\d)(?:19|20)\d\d)(?P<year_note>\d{1,3})(?![\d%])"
)
HEADING_RUNS_ON = re.compile(r"(-|:|\b(?:and|or|of|the|a|an|in|on|for|to|its|their|between|with|from|versus|vs\.?))$")

SHORT_LINE = 0.86
HEADING_MAX_WIDTH = 0.8
HEADING_MAX_WORDS = 14
QUOTE_MIN_LINES = 3
QUOTE_INDENT = 0.04
MARKER_MAX_GAP = 3


@dataclass
class Block:
    """A run of lines that is one heading or one paragraph, before offsets are assigned."""

    kind: str  # heading / body / quote / list_item
    lines: list[dict] = field(default_factory=list)
    number: str = ""

    @property
    def page_start(self) -> int:
        return self.lines[0]["page"]

    @property
    def page_end(self) -> int:
        return self.lines[-1]["page"]


@dataclass
class Hyphenation:
    """Evidence from the document itself on how words are written, for de-hyphenation."""

    words: frozenset[str]
    seen_joined: Counter
    seen_hyphenated: set[str]
    joined: int = 0
    kept: int = 0

    @classmethod
    def from_lines(cls, texts: list[str], words: frozenset[str]) -> "Hyphenation":
        joined, hyphenated = Counter(), set()
        for text in texts:
            inner = LINE_END_HYPHEN.sub("", text)
            for token in WORD.findall(inner):
                if "-" in token:
                    hyphenated.add(token.lower())
                    joined.update(part.lower() for part in token.split("-"))
                else:
                    joined[token.lower()] += 1
        return cls(words, joined, hyphenated)

    def join(self, left: str, right: str, *, compound: bool = False) -> str:
        """The word a line-break hyphen splits, as the document would write it.

        Keeps real compounds (``great-power``, ``US-Russian``, ``Siberia-2``,
        ``surface-to-air`` where the next line goes on with a hyphen) and
        joins syllable breaks (``trans-formation``).
        """
        joined, hyphenated = left + right, f"{left}-{right}"
        if self._keeps_hyphen(left, right, joined.lower(), hyphenated.lower(), compound):
            self.kept += 1
            return hyphenated
        self.joined += 1
        return joined

    def _keeps_hyphen(self, left: str, right: str, joined: str, hyphenated: str, compound: bool) -> bool:
        if right[:1].isupper() or right[:1].isdigit():
            return True
        if hyphenated in self.seen_hyphenated and not self.seen_joined[joined]:
            return True
        if self.seen_joined[joined]:
            return False
        if compound:
            return is_word(left, self.words)
        if is_word(joined, self.words):
            return False
        return is_word(left, self.words) and is_word(right, self.words) and len(left) > 2


def _body_lines(lines: pd.DataFrame) -> list[dict]:
    return lines[lines["zone"] == "body"].sort_values(["page", "line_no"], kind="stable").to_dict("records")


def _ends_paragraph(line: dict, following: dict | None) -> bool:
    if line["ends_paragraph"] is True:
        return True
    if line["ends_paragraph"] is False or following is None:
        return following is None
    if BULLET.match(following["text"]):
        return True
    return line["width"] < SHORT_LINE and bool(TERMINAL.search(line["text"].rstrip()))


def _numbered_heading(text: str, previous: str) -> re.Match | None:
    match = NUMBERED_HEADING.match(text)
    if not match or len(match["title"].split()) > HEADING_MAX_WORDS:
        return None
    return match if _follows(previous, match["number"]) else None


def _follows(previous: str, number: str) -> bool:
    """Whether section ``number`` can come right after section ``previous`` (1.2 -> 1.3, 2, 1.2.1)."""
    new = [int(part) for part in number.split(".")]
    old = [int(part) for part in previous.split(".")] if previous else []
    if len(new) == len(old) + 1:
        return new[:-1] == old and new[-1] == 1
    if len(new) > len(old) or not new:
        return len(new) == 1 and new[0] == 1 and not old
    return new[:-1] == old[: len(new) - 1] and new[-1] == old[len(new) - 1] + 1


def _heading_continues(heading: dict, following: dict | None, after: dict | None) -> bool:
    if following is None or NUMBERED_HEADING.match(following["text"]):
        return False
    short = following["width"] < 0.5 and not SENTENCE_END.search(following["text"])
    # A title wraps only when its line is full, or when it visibly runs on (a hyphen, "and", lower case).
    runs_on = (heading["width"] > 0.7 or bool(HEADING_RUNS_ON.search(heading["text"].rstrip()))
               or following["text"][:1].islower())
    return short and runs_on and (after is None or not after["text"][:1].islower())


def _is_subheading(line: dict, previous_ended: bool, following: dict | None, after: dict | None) -> bool:
    text = line["text"].rstrip()
    if not previous_ended or following is None or not text[:1].isupper():
        return False
    if SENTENCE_END.search(text) or text.endswith("-") or BULLET.match(text):
        return False
    # A title that wraps onto a short second line may fill its first line.
    too_wide = line["width"] > HEADING_MAX_WIDTH and not _heading_continues(line, following, after)
    if too_wide or len(text.split()) > HEADING_MAX_WORDS:
        return False
    return following["text"][:1].isupper() or following["text"][:1] in "‘“\"'"


def blocks(lines: list[dict]) -> list[Block]:
    """Group a document's body lines into headings, paragraphs, quotes and list items."""
    result: list[Block] = []
    current: Block | None = None
    last_number, previous_ended, i = "", True, 0
    while i < len(lines):
        line, following = lines[i], lines[i + 1] if i + 1 < len(lines) else None
        # Justified text hides some paragraph ends; a heading only needs the line before to end a sentence.
        may_head = previous_ended or bool(TERMINAL.search(lines[i - 1]["text"].rstrip()))
        match = _numbered_heading(line["text"], last_number) if may_head else None
        if match or _is_subheading(line, may_head, *_next_two(lines, i)):
            heading = Block("heading", [line], number=match["number"] if match else "")
            last_number = match["number"] if match else last_number
            while _heading_continues(heading.lines[-1], *_next_two(lines, i)):
                i += 1
                heading.lines.append(lines[i])
            result.append(heading)
            current, previous_ended, i = None, True, i + 1
            continue
        if current is None:
            current = Block("list_item" if BULLET.match(line["text"]) else "body")
            result.append(current)
        current.lines.append(line)
        previous_ended = _ends_paragraph(line, following)
        if previous_ended:
            current = None
        i += 1
    return _mark_quotes(result)


def _next_two(lines: list[dict], i: int) -> tuple[dict | None, dict | None]:
    return (lines[i + 1] if i + 1 < len(lines) else None, lines[i + 2] if i + 2 < len(lines) else None)


def _mark_quotes(found: list[Block]) -> list[Block]:
    """Split block quotes out of paragraphs: runs of indented or narrow lines."""
    result = []
    for block in found:
        result.extend(_split_quote(block) if block.kind == "body" else [block])
    return result


def _is_quote_line(line: dict) -> bool:
    return line["indent"] >= QUOTE_INDENT or line["width"] < SHORT_LINE


def _split_quote(block: Block) -> list[Block]:
    lines = block.lines
    start = 0
    while start < len(lines):
        end = start
        while end < len(lines) and _is_quote_line(lines[end]):
            end += 1
        if start < end and lines[start]["text"].rstrip().endswith(":"):
            start += 1  # the lead-in line ("... in Washington:") introduces the quote
        if end - start >= QUOTE_MIN_LINES:
            # The previous line of a quote ends the lead-in; a narrow last line belongs to the quote.
            parts = [Block("body", lines[:start]), Block("quote", lines[start:end]), Block("body", lines[end:])]
            return [part for part in parts if part.lines]
        start = end + 1
    return [block]


def _join_lines(texts: list[str], hyphenation: Hyphenation) -> tuple[str, list[int]]:
    """Join lines into running text, mending line-break hyphens; also where each line starts in it."""
    text, starts = "", []
    for line in texts:
        line = " ".join(line.split())
        # Only text ending in a hyphen can match: searching all of it for every line is quadratic.
        hyphen = LINE_END_HYPHEN.search(text) if text.endswith("-") else None
        start = LINE_START_WORD.match(line)
        if hyphen and start and start["right"][:1].isalnum():
            word = hyphenation.join(hyphen["left"], start["right"], compound=bool(start["compound"]))
            starts.append(hyphen.start())
            text = text[: hyphen.start()] + word + line[start.end("right"):]
        else:
            starts.append(len(text) + 1 if text else 0)
            text = f"{text} {line}" if text else line
    return text, starts


def _marker_candidates(texts: list[str]) -> list[tuple[int, int, re.Match]]:
    return [(b, int(m["note"] or m["year_note"]), m) for b, text in enumerate(texts)
            for m in MARKER_CANDIDATE.finditer(text)]


def select_markers(candidates: list[tuple[int, int, re.Match]]) -> list[tuple[int, int, re.Match]]:
    """Keep the candidates that count up by one through the document.

    A gap of up to ``MARKER_MAX_GAP`` numbers is bridged only when the next
    candidates go on counting from the new number, so a lost marker does not
    stop the count while years and quantities never start one.
    """
    chosen, expected = [], 1
    for i, (block, note, match) in enumerate(candidates):
        if note == expected or (expected < note <= expected + MARKER_MAX_GAP
                                and _continues(candidates[i + 1:], note)):
            chosen.append((block, note, match))
            expected = note + 1
    return chosen


def _continues(rest: list[tuple[int, int, re.Match]], note: int) -> bool:
    upcoming = [n for _, n, _ in rest[:12]]
    return note + 1 in upcoming


def _strip_markers(text: str, found: list[re.Match]) -> tuple[str, list[int]]:
    """Remove markers from ``text``; return the clean text and each marker's offset in it."""
    pieces, offsets, cursor, removed = [], [], 0, 0
    for match in sorted(found, key=lambda m: m.start()):
        pieces.append(text[cursor: match.start()])
        offsets.append(match.start() - removed)
        cursor, removed = match.end(), removed + len(match.group())
        if cursor < len(text) and text[cursor].isalpha():
            pieces.append(" ")
            removed -= 1
    pieces.append(text[cursor:])
    return "".join(pieces), offsets


def footnotes_from_lines(lines: pd.DataFrame, hyphenation: Hyphenation) -> list[dict]:
    """Footnote texts from the footnote zone: a line opening with the next note number starts a note."""
    notes: list[dict] = []
    for line in lines[lines["zone"] == "footnote"].sort_values(["page", "line_no"], kind="stable").to_dict("records"):
        match = FOOTNOTE_START.match(line["text"].strip())
        last = notes[-1]["note"] if notes else 0
        if match and last < int(match["note"]) <= last + 12:
            notes.append({"note": int(match["note"]), "page": line["page"], "texts": [match["text"]]})
        elif notes:
            notes[-1]["texts"].append(line["text"])
    return [{"note": n["note"], "page": n["page"], "text": _join_lines(n["texts"], hyphenation)[0]} for n in notes]


def _heading_title(block: Block, text: str) -> str:
    return NUMBERED_HEADING.match(text)["title"].strip() if block.number else text.strip()


def document(lines: pd.DataFrame, *, doc_id: str, title: str = "", model: str) -> dict:
    """Structure one document's lines; returns its clean text, tables and counts.

    The returned dict has ``text`` (str), ``sections``, ``paragraphs``,
    ``footnotes``, ``markers`` (DataFrames) and ``quality`` (a dict of counts).
    """
    body = _body_lines(lines)
    hyphenation = Hyphenation.from_lines(lines["text"].tolist(), english_words(model))
    found = blocks(body)
    joined = [_block_text(block, hyphenation) for block in found]
    texts = [text for text, _ in joined]
    markers = select_markers([c for c in _marker_candidates(texts) if found[c[0]].kind != "heading"])
    by_block: dict[int, list[re.Match]] = {}
    for block_index, _, match in markers:
        by_block.setdefault(block_index, []).append(match)
    builder = _TextBuilder(doc_id)
    for index, (block, (text, line_starts)) in enumerate(zip(found, joined)):
        matches = by_block.get(index, [])
        clean, offsets = _strip_markers(text, matches)
        pages = [(_clean_offset(start, matches, text), line["page"]) for start, line in zip(line_starts, block.lines)]
        notes = [(int(m.group()), offset, _page_at(pages, offset)) for m, offset in zip(matches, offsets)]
        builder.add(block, clean, notes, pages)
    notes = footnotes_from_lines(lines, hyphenation)
    return builder.finish(title=title, notes=notes, hyphenation=hyphenation)


def _block_text(block: Block, hyphenation: Hyphenation) -> tuple[str, list[int]]:
    texts = [line["text"] for line in block.lines]
    if block.kind == "list_item":
        texts[0] = BULLET.sub("", texts[0])
    return _join_lines(texts, hyphenation)


def _clean_offset(raw: int, markers: list[re.Match], text: str) -> int:
    """Where raw offset ``raw`` lands once ``markers`` are stripped (see ``_strip_markers``)."""
    shift = 0
    for match in markers:
        if match.end() <= raw:
            shift += len(match.group()) - (1 if match.end() < len(text) and text[match.end()].isalpha() else 0)
    return raw - shift


def _page_at(pages: list[tuple[int, int]], offset: int) -> int:
    """The page of the line that holds ``offset``; ``pages`` lists (line start, page) in order."""
    page = pages[0][1]
    for start, line_page in pages:
        if start > offset:
            break
        page = line_page
    return page


class _TextBuilder:
    """Accumulates clean text and the rows that point into it, in document order."""

    def __init__(self, doc_id: str):
        self.doc_id = doc_id
        self.parts: list[str] = []
        self.length = 0
        self.sections: list[dict] = []
        self.paragraphs: list[dict] = []
        self.markers: list[dict] = []
        self.open_sections: list[dict] = []

    def _append(self, text: str) -> int:
        if self.parts:
            self.parts.append("\n\n")
            self.length += 2
        start = self.length
        self.parts.append(text)
        self.length += len(text)
        return start

    def add(self, block: Block, text: str, markers: list[tuple[int, int, int]], pages: list[tuple[int, int]]):
        if block.kind == "heading":
            self._add_section(block, text)
            return
        if not self.open_sections:
            self._open_section(number="", title="", level=1, page=block.page_start, start=self.length)
        start = self._append(text)
        paragraph_id = f"{self.doc_id}:p{len(self.paragraphs) + 1:04d}"
        self.paragraphs.append({
            "doc_id": self.doc_id, "paragraph_id": paragraph_id,
            "section_id": self.open_sections[-1]["section_id"], "kind": block.kind,
            "page_start": block.page_start, "page_end": block.page_end,
            "start": start, "end": start + len(text), "text": text,
            "page_breaks": [start + offset for (offset, page), (_, before) in zip(pages[1:], pages) if page != before],
        })
        self.markers.extend({"doc_id": self.doc_id, "note": note, "start": start + offset, "page": page,
                             "paragraph_id": paragraph_id} for note, offset, page in markers)

    def _add_section(self, block: Block, text: str):
        number = block.number
        if number:
            level = number.count(".") + 1
        else:
            numbered = [s for s in self.open_sections if s["number"]]
            level = numbered[-1]["level"] + 1 if numbered else 1
        start = self._append(text)
        self._open_section(number=number, title=_heading_title(block, text), level=level,
                           page=block.page_start, start=start)

    def _open_section(self, *, number: str, title: str, level: int, page: int, start: int):
        while self.open_sections and self.open_sections[-1]["level"] >= level:
            self.open_sections.pop()["end"] = start
        section = {
            "doc_id": self.doc_id, "section_id": f"{self.doc_id}:s{len(self.sections) + 1:03d}",
            "number": number, "title": title, "level": level,
            "parent_id": self.open_sections[-1]["section_id"] if self.open_sections else None,
            "page": page, "start": start, "end": None,
        }
        self.sections.append(section)
        self.open_sections.append(section)

    def finish(self, *, title: str, notes: list[dict], hyphenation: Hyphenation) -> dict:
        text = "".join(self.parts)
        for section in self.sections:
            if section["end"] is None:
                section["end"] = len(text)
            if not section["title"] and not section["number"]:
                section["title"] = title
        footnotes, marker_rows = _link_footnotes(self.doc_id, notes, self.markers)
        return {
            "text": text,
            "sections": pd.DataFrame(self.sections, columns=SECTION_COLUMNS),
            "paragraphs": pd.DataFrame(self.paragraphs, columns=PARAGRAPH_COLUMNS),
            "footnotes": pd.DataFrame(footnotes, columns=FOOTNOTE_COLUMNS),
            "markers": pd.DataFrame(marker_rows, columns=MARKER_COLUMNS),
            "quality": _quality(self.sections, self.paragraphs, marker_rows, footnotes, hyphenation),
        }


SECTION_COLUMNS = ["doc_id", "section_id", "number", "title", "level", "parent_id", "page", "start", "end"]
PARAGRAPH_COLUMNS = ["doc_id", "paragraph_id", "section_id", "kind", "page_start", "page_end", "start", "end", "text",
                     "page_breaks"]
FOOTNOTE_COLUMNS = ["doc_id", "note", "page", "text", "resolved"]
MARKER_COLUMNS = ["doc_id", "note", "start", "page", "paragraph_id", "resolved"]


def _link_footnotes(doc_id: str, notes: list[dict], markers: list[dict]) -> tuple[list[dict], list[dict]]:
    """Footnote rows for every note that has text or a marker; markers flagged resolved or not."""
    with_text = {note["note"]: note for note in notes}
    rows = [{"doc_id": doc_id, "note": n["note"], "page": n["page"], "text": n["text"], "resolved": True}
            for n in notes]
    rows += [{"doc_id": doc_id, "note": m["note"], "page": m["page"], "text": "", "resolved": False}
             for m in markers if m["note"] not in with_text]
    rows.sort(key=lambda row: row["note"])
    marker_rows = [{**marker, "resolved": marker["note"] in with_text} for marker in markers]
    return rows, marker_rows


def _quality(sections, paragraphs, markers, footnotes, hyphenation: Hyphenation) -> dict:
    notes = [m["note"] for m in markers]
    expected = max(notes, default=0)
    levels = Counter(f"level_{s['level']}" for s in sections)
    return {
        "sections": len(sections),
        "sections_numbered": sum(1 for s in sections if s["number"]),
        "sections_by_level": dict(sorted(levels.items())),
        "paragraphs": len(paragraphs),
        "quotes": sum(1 for p in paragraphs if p["kind"] == "quote"),
        "list_items": sum(1 for p in paragraphs if p["kind"] == "list_item"),
        "markers_found": len(notes),
        "markers_expected": expected,
        "markers_missing": sorted(set(range(1, expected + 1)) - set(notes)),
        "markers_out_of_order": sum(1 for a, b in zip(notes, notes[1:]) if b != a + 1),
        "footnotes_resolved": sum(1 for f in footnotes if f["resolved"]),
        "footnotes_unresolved": sum(1 for f in footnotes if not f["resolved"]),
        "footnotes_without_marker": sorted({f["note"] for f in footnotes} - set(notes)),
        "hyphen_joined": hyphenation.joined,
        "hyphen_kept": hyphenation.kept,
    }


def run(tables: dict[str, pd.DataFrame], *, model: str) -> dict[str, pd.DataFrame]:
    """Structure every document of ``tables['lines']``.

    Returns ``documents`` (the input rows plus ``text``), ``sections``,
    ``paragraphs``, ``footnotes``, ``markers`` and ``quality`` (one row of
    counts per document).
    """
    documents = tables["documents"].copy()
    results = {}
    for row in documents.itertuples():
        lines = tables["lines"][tables["lines"]["doc_id"] == row.doc_id]
        results[row.doc_id] = document(lines, doc_id=row.doc_id, title=row.title, model=model)
    documents["text"] = [results[doc_id]["text"] for doc_id in documents["doc_id"]]
    out = {"documents": documents}
    for name, columns in (("sections", SECTION_COLUMNS), ("paragraphs", PARAGRAPH_COLUMNS),
                          ("footnotes", FOOTNOTE_COLUMNS), ("markers", MARKER_COLUMNS)):
        frames = [result[name] for result in results.values() if len(result[name])]
        out[name] = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    out["quality"] = pd.DataFrame([{"doc_id": doc_id, **result["quality"]} for doc_id, result in results.items()])
    return out
