"""Render a ``pdf_text`` source back into a real PDF, page for page, for the PDF-ingest tests.

The ``pdf_text`` format (``corpus/report_fiia_2018.txt``) is text extracted from
a PDF: lines separated by blank lines, a line starting with whitespace opens a
page (a line of a single space opens one too), a line of ~54 spaces is the
footnote rule and the page's footnotes follow it until the next page opens.
Footnote markers are digits glued to the word or punctuation they follow.

This module reads that format into :class:`SourcePage` records that say, line by
line, what a faithful PDF ingest must recover (the text, and the character spans
typeset as superscript), and draws them with reportlab: one output line per
source line, no re-wrapping, markers as raised small digits, a thin rule above
the footnotes, a running head and a page number.

>>> pages = parse_pdf_text(" Power1 of the weak.\\n\\n" + " " * 54 + "\\n1 Keohane 1977.\\n")
>>> pages[0].body[0]
SourceLine(text='Power1 of the weak.', superscripts=((5, 6),), gap_after=False)
>>> pages[0].footnotes[0].superscripts
((0, 1),)
>>> render_pages(pages)[:5]
b'%PDF-'
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

RUNNING_HEAD = "FIIA Report 2018 \u2014 The Sino-Russian and US-Russian Relationships"

# A whitespace-only line at least this long is the footnote rule (the corpus uses 54 spaces).
_RULE_MIN_SPACES = 20

_DIGITS = re.compile(r"\d+")
_SECTION_NUMBER = re.compile(r"^\d+(?:\.\d+)+\.?(?=\s|$)")
_YEAR_THEN_MARKER = re.compile(r"(?:1[89]|20)\d\d\d{1,3}")
_FOOTNOTE_START = re.compile(r"^(\d+) \S")
# A marker never follows these: they make the digits part of a number or a name
# (Su-35, Vostok-2018, 1904-1905, 9/11, US$2, +3, 40%).
_NOT_BEFORE_MARKER = set("-\u2013\u2014/$\u00a3\u20ac+#%&@_")


@dataclass(frozen=True)
class SourceLine:
    """One line to draw: its text and the ``[start, end)`` spans drawn as superscript."""

    text: str
    superscripts: tuple[tuple[int, int], ...] = ()
    gap_after: bool = False  # draw a paragraph gap (extra space) below this line


@dataclass(frozen=True)
class SourcePage:
    """One page of the source: ``number`` is 1-based in the source document."""

    number: int
    body: tuple[SourceLine, ...] = ()
    footnotes: tuple[SourceLine, ...] = ()


@dataclass(frozen=True)
class RenderStyle:
    """Page geometry and type. Sizes in points; y positions measured from the page foot.

    >>> RenderStyle(body_size=11).body_size
    11
    """

    page_size: tuple[float, float] = A4
    left: float = 42.0
    body_font: str = "Helvetica"
    body_size: float = 10.5
    body_leading: float = 12.6
    first_baseline: float = 784.0
    paragraph_gap: float = 6.0
    marker_size: float = 6.5
    marker_rise: float = 4.0
    note_size: float = 8.0
    note_leading: float = 9.6
    note_marker_size: float = 5.5
    note_marker_rise: float = 3.0
    last_note_baseline: float = 58.0
    footnote_rule: bool = True
    rule_width: float = 141.7  # 5 cm
    rule_thickness: float = 0.5
    rule_gap: float = 10.0  # from the rule down to the first footnote's baseline
    head_text: str | None = RUNNING_HEAD
    head_size: float = 8.0
    head_baseline: float = 812.0
    folio_size: float = 9.0
    folio_baseline: float = 30.0
    folio_offset: int = 0  # printed page number = source page number + folio_offset
    # A TrueType font for the characters the standard fonts cannot encode (e.g. 'ń', '•');
    # None: DejaVu Sans from matplotlib or the system, if found.
    fallback_font: str | None = None


@dataclass
class _Counters:
    next_marker: int = 1
    last_note: int = 0
    markers_seen: set[int] = field(default_factory=set)


def parse_pdf_text(text: str) -> list[SourcePage]:
    """Read a ``pdf_text`` source into pages, marking footnote markers and note numbers.

    Markers are taken as the glued digit runs whose value is the next expected
    marker number, counting up from 1 through the document; a footnote starts
    with a number already used as a marker and above the previous note's.

    >>> [p.number for p in parse_pdf_text(" A\\n\\nB\\n C\\n")]
    [1, 2]
    """
    counters = _Counters()
    pages: list[SourcePage] = []
    body: list[SourceLine] = []
    notes: list[SourceLine] = []
    in_notes = False
    started = False

    def close() -> None:
        if started:
            pages.append(SourcePage(len(pages) + 1, tuple(body), tuple(notes)))

    for raw in text.split("\n"):
        if raw == "":
            continue
        if not raw.strip() and len(raw) >= _RULE_MIN_SPACES:
            in_notes = True
            continue
        if raw[:1].isspace() or not started:
            close()
            started, in_notes = True, False
            body, notes = [], []
        line = raw.strip()
        if not line:
            continue
        if in_notes:
            notes.append(_note_line(line, counters))
        else:
            body.append(_body_line(line, counters))
    close()
    return pages


def _body_line(text: str, counters: _Counters) -> SourceLine:
    spans = []
    heading = _SECTION_NUMBER.match(text)
    for m in _DIGITS.finditer(text):
        digits, expected = m.group(), str(counters.next_marker)
        if digits == expected and _glued(text, m.start(), heading):
            start = m.start()
        elif _YEAR_THEN_MARKER.fullmatch(digits) and digits.endswith(expected):
            start = m.end() - len(expected)  # 'zero in 201496.': the year 2014, then marker 96
        else:
            continue
        spans.append((start, m.end()))
        counters.markers_seen.add(counters.next_marker)
        counters.next_marker += 1
    return SourceLine(text, tuple(spans))


def _glued(text: str, start: int, heading: re.Match | None) -> bool:
    """Whether the digits at ``start`` are glued to a word or punctuation, as a marker is."""
    if start == 0 or (heading and start < heading.end()):
        return False
    before = text[start - 1]
    if before.isspace() or before in _NOT_BEFORE_MARKER:
        return False
    if before == "." and start >= 2 and text[start - 2].isdigit():
        # '3.5' is a decimal; '2013.25' (a year) and '97-2.129' (a vote) end with a marker.
        number_before = re.search(r"\d+$", text[: start - 1]).group()
        run = re.match(r"\d+", text[start:]).group()
        return len(number_before) == 4 or len(run) >= 3
    return True


def _note_line(text: str, counters: _Counters) -> SourceLine:
    m = _FOOTNOTE_START.match(text)
    if m:
        number = int(m.group(1))
        if number > counters.last_note and number in counters.markers_seen:
            counters.last_note = number
            return SourceLine(text, ((0, len(m.group(1))),))
    return SourceLine(text)


@cache
def _fallback_font(path: str | None) -> str | None:
    """Register the fallback TrueType font once; return its reportlab name (None if absent)."""
    candidates = [path] if path else _fallback_candidates()
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            name = "RenderFallback-" + Path(candidate).stem
            pdfmetrics.registerFont(TTFont(name, candidate))
            return name
    return None


def _fallback_candidates() -> list[str]:
    found = []
    try:
        import matplotlib

        found.append(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"))
    except ImportError:
        pass
    found.append("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    return found


def _standard_encodable(ch: str) -> bool:
    # reportlab writes U+2022 as code 127, which pdfminer's WinAnsi table leaves unmapped.
    if ch == "\u2022":
        return False
    try:
        ch.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _font_runs(text: str, font: str, fallback: str | None) -> Iterable[tuple[str, str]]:
    """Split ``text`` into (run, font) so the standard font only gets characters it can encode."""
    run, run_font = "", font
    for ch in text:
        ch_font = font
        if fallback and font in pdfmetrics.standardFonts and not _standard_encodable(ch):
            ch_font = fallback
        if ch_font != run_font and run:
            yield run, run_font
            run = ""
        run, run_font = run + ch, ch_font
    if run:
        yield run, run_font


def _draw_line(
    c: canvas.Canvas, line: SourceLine, *, x: float, y: float, size: float,
    sup_size: float, rise: float, style: RenderStyle, fallback: str | None,
) -> None:
    text_obj = c.beginText(x, y)
    pos = 0
    pieces: list[tuple[str, bool]] = []
    for start, end in line.superscripts:
        pieces += [(line.text[pos:start], False), (line.text[start:end], True)]
        pos = end
    pieces.append((line.text[pos:], False))
    for piece, is_sup in pieces:
        if not piece:
            continue
        text_obj.setRise(rise if is_sup else 0)
        for run, font in _font_runs(piece, style.body_font, fallback):
            text_obj.setFont(font, sup_size if is_sup else size)
            text_obj.textOut(run)
    c.drawText(text_obj)


def render_pages(pages: Sequence[SourcePage], *, style: RenderStyle = RenderStyle()) -> bytes:
    """Draw ``pages`` into a PDF (one PDF page per source page) and return its bytes.

    >>> render_pages([SourcePage(1, (SourceLine("Hello"),))]).endswith(b"%%EOF\\n")
    True
    """
    fallback = _fallback_font(style.fallback_font)
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=style.page_size, invariant=1)
    page_width = style.page_size[0]
    for page in pages:
        if style.head_text:
            c.setFont(style.body_font, style.head_size)
            c.drawString(style.left, style.head_baseline, style.head_text)
        y = style.first_baseline
        for line in page.body:
            _draw_line(c, line, x=style.left, y=y, size=style.body_size, sup_size=style.marker_size,
                       rise=style.marker_rise, style=style, fallback=fallback)
            y -= style.body_leading + (style.paragraph_gap if line.gap_after else 0.0)
        lowest_body = y + style.body_leading - style.body_size * 0.3
        if page.footnotes:
            first_note = style.last_note_baseline + style.note_leading * (len(page.footnotes) - 1)
            rule_y = first_note + style.rule_gap
            if rule_y + style.rule_thickness >= lowest_body:
                raise ValueError(f"page {page.number}: the body and the footnotes overlap; "
                                 "use a smaller leading or fewer lines")
            if style.footnote_rule:
                c.setLineWidth(style.rule_thickness)
                c.line(style.left, rule_y, style.left + style.rule_width, rule_y)
            y = first_note
            for line in page.footnotes:
                _draw_line(c, line, x=style.left, y=y, size=style.note_size, sup_size=style.note_marker_size,
                           rise=style.note_marker_rise, style=style, fallback=fallback)
                y -= style.note_leading
        c.setFont(style.body_font, style.folio_size)
        c.drawCentredString(page_width / 2, style.folio_baseline, str(page.number + style.folio_offset))
        c.showPage()
    c.save()
    return buffer.getvalue()


def select_pages(pages: Sequence[SourcePage], numbers: Iterable[int] | None) -> list[SourcePage]:
    """The pages with the given 1-based source numbers, in the order given (all if None)."""
    if numbers is None:
        return list(pages)
    by_number = {p.number: p for p in pages}
    return [by_number[n] for n in numbers]


def render_pdf_text_source(
    text: str, *, pages: Iterable[int] | None = None, style: RenderStyle = RenderStyle()
) -> bytes:
    """Render a ``pdf_text`` source (or only its ``pages``, 1-based) into a PDF.

    PDF page i shows the i-th selected source page; its printed page number is the
    source page number (plus ``style.folio_offset``).
    """
    return render_pages(select_pages(parse_pdf_text(text), pages), style=style)


def render_scanned_pdf(n_pages: int = 1) -> bytes:
    """A PDF whose pages carry only a drawn bitmap: no text layer, as a scan without OCR."""
    from reportlab.lib.utils import ImageReader

    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    width, height = A4
    image = _grey_bitmap(64, 90)
    for _ in range(n_pages):
        c.drawImage(ImageReader(image), 40, 40, width - 80, height - 80)
        c.rect(60, 700, 300, 12, stroke=0, fill=1)  # a filled block where a line of text would be
        c.showPage()
    c.save()
    return buffer.getvalue()


def _grey_bitmap(width: int, height: int) -> io.BytesIO:
    """A tiny greyscale PNG of horizontal 'text line' stripes, built without PIL."""
    import struct
    import zlib

    rows = b"".join(
        b"\x00" + bytes((40 if (y % 6 < 2 and 5 < x < width - 5) else 250) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n"
           + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(rows))
           + chunk(b"IEND", b""))
    return io.BytesIO(png)


def render_encrypted_pdf(*, user_password: str = "secret") -> bytes:
    """A one-line PDF that cannot be opened without ``user_password``."""
    from reportlab.lib import pdfencrypt

    buffer = io.BytesIO()
    encrypt = pdfencrypt.StandardEncryption(user_password, ownerPassword="owner", strength=128)
    c = canvas.Canvas(buffer, pagesize=A4, invariant=1, encrypt=encrypt)
    c.setFont("Helvetica", 10.5)
    c.drawString(42, 784, "Confidential.")
    c.showPage()
    c.save()
    return buffer.getvalue()


def corrupt_pdf(data: bytes | None = None, *, keep: float = 0.6) -> bytes:
    """``data`` (default: a small rendered page) cut after ``keep`` of its bytes, as a broken download."""
    if data is None:
        data = render_pages([SourcePage(1, (SourceLine("A page that was cut short."),))])
    return data[: int(len(data) * keep)]
