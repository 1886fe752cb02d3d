"""Ingest a PDF with a text layer into the ``lines`` table, reading the page layout.

The reader works from pdfplumber's characters and vector lines, not from its
text: it finds the body type size (the most common size by character count),
groups characters into lines by baseline, folds raised small digits into the
line below them as footnote markers (``power1``, span recorded in
``superscripts``), puts what lies under a short rule near the page foot in the
``footnote`` zone, and marks running heads and page numbers as ``furniture``.
Word spaces come from the space glyphs and, where a PDF has none, from the
gaps between characters. Line-end hyphens are kept (the structure stage
decides which to join). See docs/CONTRACTS.md for the table.

Limits: one column of text per page (two columns side by side are read as one
line across both); horizontal text only; ordinal superscripts (1st, 2nd) are
left as separate lines.
"""

from __future__ import annotations

import io
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd
import pdfplumber
from pdfminer.layout import LTChar, LTContainer, LTLine, LTRect
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfminer.psexceptions import PSException
from pdfplumber.utils.exceptions import PdfminerException

from pipeline.errors import InputError

LINE_COLUMNS = ["doc_id", "page", "line_no", "zone", "text", "superscripts", "indent", "width", "ends_paragraph"]

# A char is drawn this far below its box bottom on average (descent / size); used to compare baselines.
DESCENT = 0.2
# Chars whose estimated baselines differ by less than this share of their size sit on one line.
BASELINE_TOLERANCE = 0.25
# A superscript is at most this share of its line's type size, raised by this range of shares of it.
SUPERSCRIPT_MAX_SIZE = 0.9
SUPERSCRIPT_RISE = (0.15, 0.8)
SUPERSCRIPT_CHARS = re.compile(r"^[0-9,\u2013*\u2020\u2021-]*[0-9][0-9,\u2013*\u2020\u2021-]*$")
# A gap between two glyphs wider than this share of the type size is a word space.
WORD_GAP = 0.17
# Running heads and page numbers live in these top and bottom shares of the page height.
MARGIN_BAND = 0.1
MARGIN_GAP = 0.5  # of the body size: white above the body text, more than normal leading leaves
PAGE_NUMBER = re.compile(r"^(?:page\s+)?(?:\d{1,4}|[ivxlcdm]{1,7})(?:\s*(?:/|of)\s*\d{1,4})?$", re.I)
# Footnote type is smaller than body type; a rule is thin and horizontal, in the lower part of the page.
FOOTNOTE_MAX_SIZE = 0.95
RULE_MAX_THICKNESS = 2.0
RULE_MIN_LENGTH = 0.05  # of the page width
RULE_HIGHEST = 0.4  # of the page height, from the top
# A vertical step this much (share of the body size) above the normal line pitch ends a paragraph.
PARAGRAPH_GAP = 0.35

LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                           "\ufb05": "st", "\ufb06": "st"})
UNMAPPED_GLYPH = re.compile(r"^\(cid:\d+\)$")


@dataclass
class _Char:
    text: str
    size: float
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def baseline(self) -> float:
        return self.bottom - DESCENT * self.size


@dataclass
class _Line:
    page: int
    chars: list[_Char]
    superscript: list[bool] = field(default_factory=list)
    text: str = ""
    spans: list[list[int]] = field(default_factory=list)
    zone: str = "body"
    ends_paragraph: bool | None = None

    @cached_property
    def baseline(self) -> float:
        return statistics.median(c.baseline for c, sup in zip(self.chars, self.superscript) if not sup)

    @cached_property
    def top(self) -> float:
        return min(c.top for c in self.chars)

    @cached_property
    def bottom(self) -> float:
        return max(c.bottom for c in self.chars)

    @cached_property
    def x0(self) -> float:
        return min(c.x0 for c in self.chars if c.text.strip())

    @cached_property
    def x1(self) -> float:
        return max(c.x1 for c in self.chars if c.text.strip())

    @cached_property
    def size(self) -> float:
        """The line's type size: the most common among its non-superscript glyphs."""
        sizes = Counter(round(c.size, 1) for c, sup in zip(self.chars, self.superscript)
                        if not sup and c.text.strip())
        return sizes.most_common(1)[0][0] if sizes else 0.0


@dataclass
class _Page:
    number: int
    width: float
    height: float
    lines: list[_Line]
    rules: list[float]  # the y (from the top) of each horizontal rule


def _one_line(message: object, limit: int = 160) -> str:
    text = " ".join(str(message).split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _unreadable(source: str, why: str) -> InputError:
    return InputError(source, f"not a readable PDF: {_one_line(why)}; export or download the PDF again")


def _check_bytes(data: bytes, source: str) -> None:
    if not data:
        raise _unreadable(source, "the file is empty")
    if b"%PDF-" not in data[:1024]:
        raise _unreadable(source, f"no %PDF- header (it starts with {bytes(data[:12])!r})")
    # Readers accept %%EOF within the last 1 KB; without it the file was cut short, and pdfminer
    # would silently read whatever pages survived.
    if b"%%EOF" not in data[-1024:]:
        raise _unreadable(source, "the file is truncated (no %%EOF at its end)")


def _open(data: bytes, source: str) -> pdfplumber.PDF:
    _check_bytes(data, source)
    try:
        return pdfplumber.open(io.BytesIO(data))
    except PdfminerException as error:
        cause = error.args[0] if error.args and isinstance(error.args[0], Exception) else error
        if isinstance(cause, PDFPasswordIncorrect):
            raise InputError(source, "encrypted PDF that needs a password: save a copy without it, "
                                     "e.g. qpdf --decrypt --password=PASSWORD in.pdf out.pdf") from None
        raise _unreadable(source, f"{type(cause).__name__}: {cause}") from None


def pdf_page_count(data: bytes, *, source: str = "PDF") -> int:
    """The number of pages of a PDF, checking that it opens.

    >>> pdf_page_count(open("report.pdf", "rb").read())  # doctest: +SKIP
    67
    """
    pdf = _open(data, source)
    try:
        return len(pdf.pages)
    except (PdfminerException, PSException) as error:
        raise _unreadable(source, f"{type(error).__name__}: {error}") from None
    finally:
        pdf.close()


def _page_objects(page) -> tuple[list[_Char], list[float]]:
    """The page's glyphs and the y of its horizontal rules, in pdfplumber's top-down coordinates.

    Walks ``page.layout`` (pdfminer's objects) instead of ``page.chars``: the same
    coordinates, at half the cost, because only the attributes used here are read.
    """
    height = float(page.height)
    x_shift, y_shift = float(page.mediabox[0]), float(page.mediabox[1])
    min_length = RULE_MIN_LENGTH * float(page.width)
    chars: list[_Char] = []
    rules: list[float] = []
    stack = list(page.layout)
    while stack:
        obj = stack.pop()
        if isinstance(obj, LTChar):
            text = obj.get_text()
            if not text or not obj.upright:
                continue
            if UNMAPPED_GLYPH.match(text):
                text = "\ufffd"
            elif text.isspace():
                text = " "
            chars.append(_Char(text, float(obj.size), obj.x0 + x_shift, obj.x1 + x_shift,
                               height - obj.y1 + y_shift, height - obj.y0 + y_shift))
        elif isinstance(obj, (LTLine, LTRect)):
            if obj.height <= RULE_MAX_THICKNESS and obj.width >= min_length:
                rules.append(height - (obj.y0 + obj.y1) / 2 + y_shift)
        elif isinstance(obj, LTContainer):
            stack.extend(obj)
    return chars, sorted(rules)


def _read_pages(data: bytes, source: str) -> list[_Page]:
    pdf = _open(data, source)
    pages = []
    try:
        for number, page in enumerate(pdf.pages, start=1):
            chars, rules = _page_objects(page)
            pages.append(_Page(number, float(page.width), float(page.height), _group_lines(number, chars), rules))
            page.close()
    except (PdfminerException, PSException) as error:
        cause = error.args[0] if isinstance(error, PdfminerException) and error.args else error
        raise _unreadable(source, f"{type(cause).__name__}: {cause}") from None
    finally:
        pdf.close()
    return pages


def _rows_by_baseline(chars: list[_Char]) -> list[list[_Char]]:
    rows: list[list[_Char]] = []
    reference = size = 0.0
    for char in sorted(chars, key=lambda c: (c.baseline, c.x0)):
        tolerance = max(0.8, BASELINE_TOLERANCE * min(size, char.size))
        if rows and abs(char.baseline - reference) <= tolerance:
            rows[-1].append(char)
        else:
            rows.append([char])
            reference, size = char.baseline, char.size
    return rows


def _row_size(row: list[_Char]) -> float:
    sizes = Counter(round(c.size, 1) for c in row if c.text.strip())
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _superscript_host(row: list[_Char], rows: list[list[_Char]], index: int) -> int | None:
    """The row a raised row of small digits belongs to: the nearest below it, in larger type."""
    text = "".join(c.text for c in row if c.text.strip())
    if not SUPERSCRIPT_CHARS.match(text):
        return None
    baseline = statistics.median(c.baseline for c in row)
    small = max(c.size for c in row)
    for j in range(index + 1, len(rows)):
        host = rows[j]
        host_size = _row_size(host)
        rise = statistics.median(c.baseline for c in host) - baseline
        if rise > SUPERSCRIPT_RISE[1] * max(host_size, small):
            return None
        if host_size <= 0 or small > SUPERSCRIPT_MAX_SIZE * host_size or rise < SUPERSCRIPT_RISE[0] * host_size:
            continue
        left = min(c.x0 for c in host) - 1.5 * host_size
        right = max(c.x1 for c in host) + 1.5 * host_size
        if all(left <= c.x0 and c.x1 <= right for c in row):
            return j
    return None


def _group_lines(page_number: int, chars: list[_Char]) -> list[_Line]:
    rows = [row for row in _rows_by_baseline(chars) if any(c.text.strip() for c in row)]
    superscripts: dict[int, list[_Char]] = defaultdict(list)
    merged = set()
    for i, row in enumerate(rows):
        host = _superscript_host(row, rows, i)
        if host is not None:
            superscripts[host].extend(row)
            merged.add(i)
    lines = []
    for i, row in enumerate(rows):
        if i in merged:
            continue
        marked = [(c, False) for c in row] + [(c, True) for c in superscripts.get(i, [])]
        marked.sort(key=lambda pair: (pair[0].x0, pair[0].x1))
        line = _Line(page_number, [c for c, _ in marked], [sup for _, sup in marked])
        _build_text(line)
        if line.text:
            lines.append(line)
    lines.sort(key=lambda line: (line.top, line.x0))
    return lines


def _build_text(line: _Line) -> None:
    """Spell the line from its glyphs: spaces from space glyphs and from gaps, superscript spans."""
    parts: list[str] = []
    spans: list[list[int]] = []
    length = 0
    previous: _Char | None = None
    for char, sup in zip(line.chars, line.superscript):
        if previous is not None and char.x0 < previous.x0 + 0.01 and char.text == previous.text:
            continue  # the same glyph drawn twice (fake bold, shadows)
        if char.text == " ":
            if length:  # every space glyph counts: a double space in the PDF stays double
                parts.append(" ")
                length += 1
            previous = char
            continue
        if previous is not None and length and parts[-1] != " ":
            if char.x0 - previous.x1 > WORD_GAP * max(char.size, previous.size):
                parts.append(" ")
                length += 1
        text = char.text.translate(LIGATURES)
        if sup:
            if spans and spans[-1][1] == length:
                spans[-1][1] += len(text)
            else:
                spans.append([length, length + len(text)])
        parts.append(text)
        length += len(text)
        previous = char
    text = "".join(parts)
    stripped = text.rstrip()
    line.text = stripped
    line.spans = [span for span in spans if span[1] <= len(stripped)]


def _body_size(pages: list[_Page]) -> float:
    sizes: Counter[float] = Counter()
    for page in pages:
        for line in page.lines:
            for char, sup in zip(line.chars, line.superscript):
                if not sup and char.text.strip():
                    sizes[round(char.size, 1)] += 1
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _margin_lines(page: _Page, body_size: float) -> tuple[list[_Line], list[_Line]]:
    """The lines a running head or page number could be.

    At most two lines at the top (bottom) of the page, inside the margin band and set
    apart from the text below (above) them by more than the white of normal leading.
    """
    lines, gap = page.lines, MARGIN_GAP * body_size
    top: list[_Line] = []
    for k in (1, 2):
        if k < len(lines) and lines[k].top - lines[k - 1].bottom > gap or k == len(lines):
            top = [line for line in lines[:k] if line.bottom < MARGIN_BAND * page.height]
            break
    bottom: list[_Line] = []
    for k in (1, 2):
        if k < len(lines) and lines[-k].top - lines[-k - 1].bottom > gap or k == len(lines):
            bottom = [line for line in lines[-k:] if line.top > (1 - MARGIN_BAND) * page.height]
            break
    return top, bottom


def _furniture_key(line: _Line) -> str:
    return " ".join(re.sub(r"\d+", "#", line.text.lower()).split())


def _mark_furniture(pages: list[_Page], body_size: float) -> None:
    seen: dict[tuple[str, str, int], set[int]] = defaultdict(set)
    for page in pages:
        for band, lines in zip(("top", "bottom"), _margin_lines(page, body_size)):
            for line in lines:
                seen[(band, _furniture_key(line), round(line.top / 4))].add(page.number)
    for page in pages:
        top, bottom = _margin_lines(page, body_size)
        for band, lines in (("top", top), ("bottom", bottom)):
            for line in lines:
                key, slot = _furniture_key(line), round(line.top / 4)
                on_pages = set().union(*(seen.get((band, key, slot + d), set()) for d in (-1, 0, 1)))
                repeated = len(on_pages) >= 2
                if PAGE_NUMBER.match(line.text) or repeated:
                    line.zone = "furniture"
        # One page alone cannot show a repeated head: take a small-type first line set well apart.
        if top and top[0].zone != "furniture" and len(page.lines) > 1:
            first, following = page.lines[0], page.lines[1]
            if first.size < 0.9 * body_size and following.top - first.bottom > 1.5 * body_size:
                first.zone = "furniture"


def _mark_footnotes(page: _Page, body_size: float, pitch: float) -> None:
    content = [line for line in page.lines if line.zone != "furniture"]
    for rule in page.rules:
        if rule < RULE_HIGHEST * page.height:
            continue
        below = [line for line in content if line.top >= rule - 0.5]
        above = [line for line in content if line.top < rule - 0.5]
        if below and above and all(line.size < FOOTNOTE_MAX_SIZE * body_size for line in below):
            for line in below:
                line.zone = "footnote"
            return
    # No rule: a block of small type at the foot, opening with a note number, set apart from the body.
    block: list[_Line] = []
    for line in reversed(content):
        if line.size >= 0.9 * body_size:
            break
        block.insert(0, line)
    if not block or len(block) == len(content):
        return
    first = block[0]
    opens_with_number = bool(first.spans and first.spans[0][0] == 0) or bool(re.match(r"^\d{1,3}\s", first.text))
    above = content[len(content) - len(block) - 1]
    if opens_with_number and first.top - above.bottom > pitch - body_size:
        for line in block:
            line.zone = "footnote"


def _line_pitch(pages: list[_Page], body_size: float) -> float:
    steps = []
    for page in pages:
        body = [line for line in page.lines if line.zone == "body" and abs(line.size - body_size) < 0.5]
        for a, b in zip(body, body[1:]):
            step = b.baseline - a.baseline
            if 0.8 * body_size < step < 2.5 * body_size:
                steps.append(step)
    return statistics.median(steps) if steps else 1.2 * body_size


def _body_block(pages: list[_Page], body_size: float) -> tuple[dict[int, float], float]:
    """Each page's body-text left edge and the document's body-text width."""
    lefts: dict[int, float] = {}
    all_lefts: Counter[int] = Counter()
    for page in pages:
        xs = Counter(round(line.x0) for line in page.lines
                     if line.zone == "body" and abs(line.size - body_size) < 0.5)
        if xs:
            lefts[page.number] = float(xs.most_common(1)[0][0])
            all_lefts.update(xs)
    default_left = float(all_lefts.most_common(1)[0][0]) if all_lefts else 0.0
    reaches = sorted(line.x1 - lefts.get(page.number, default_left) for page in pages for line in page.lines
                     if line.zone == "body" and abs(line.size - body_size) < 0.5)
    for page in pages:
        lefts.setdefault(page.number, default_left)
    if not reaches:
        return lefts, max(1.0, max((page.width for page in pages), default=1.0) - 2 * default_left)
    width = reaches[int(0.9 * (len(reaches) - 1))]
    return lefts, max(width, 1.0)


def _mark_paragraph_ends(page: _Page, body_size: float, pitch: float) -> None:
    body = [line for line in page.lines if line.zone == "body"]
    for line, following in zip(body, body[1:]):
        if following.baseline - line.baseline > pitch + PARAGRAPH_GAP * body_size:
            line.ends_paragraph = True


def _space_after_note_number(line: _Line) -> None:
    """'¹Keohane' -> '1 Keohane': a footnote opens with its number, then a space (as in extracted text)."""
    if line.spans and line.spans[0][0] == 0:
        end = line.spans[0][1]
        if end < len(line.text) and line.text[end] != " ":
            line.text = line.text[:end] + " " + line.text[end:]
            line.spans = [line.spans[0]] + [[a + 1, b + 1] for a, b in line.spans[1:]]


def pdf_lines(data: bytes, *, doc_id: str, source: str) -> pd.DataFrame:
    """The ``lines`` table of a PDF with a text layer (see docs/CONTRACTS.md).

    ``source`` names the file in errors. Raises ``InputError`` for a file that is
    not a readable PDF, needs a password or has no text layer.

    >>> lines = pdf_lines(open("corpus/report.pdf", "rb").read(), doc_id="r", source="report.pdf")  # doctest: +SKIP
    >>> lines.loc[lines.zone == "body", ["page", "text", "superscripts"]].head(1)  # doctest: +SKIP
       page                                          text superscripts
    0     1  turn against the geopolitical understanding of state power1.     [[61, 62]]
    """
    pages = _read_pages(data, source)
    if not pages:
        raise _unreadable(source, "it has no pages")
    if not any(page.lines for page in pages):
        raise InputError(source, "no text layer (a scanned PDF?): run OCR first, e.g. ocrmypdf in.pdf out.pdf")
    body_size = _body_size(pages)
    _mark_furniture(pages, body_size)
    pitch = _line_pitch(pages, body_size)
    for page in pages:
        _mark_footnotes(page, body_size, pitch)
    lefts, block_width = _body_block(pages, body_size)
    rows = []
    for page in pages:
        _mark_paragraph_ends(page, body_size, pitch)
        left = lefts[page.number]
        for line_no, line in enumerate(page.lines):
            if line.zone == "footnote":
                _space_after_note_number(line)
            rows.append({
                "doc_id": doc_id, "page": page.number, "line_no": line_no, "zone": line.zone,
                "text": line.text, "superscripts": [list(span) for span in line.spans],
                "indent": round((line.x0 - left) / block_width, 4),
                "width": round((line.x1 - line.x0) / block_width, 4),
                "ends_paragraph": line.ends_paragraph,
            })
    frame = pd.DataFrame(rows, columns=LINE_COLUMNS)
    # Plain True / None objects: a bool column would turn None into False, or True into numpy.bool_.
    frame["ends_paragraph"] = pd.Series([row["ends_paragraph"] for row in rows], dtype=object, index=frame.index)
    return frame.astype({"page": "int64", "line_no": "int64", "indent": "float64", "width": "float64"})
