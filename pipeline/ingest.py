"""Ingest: turn each source of the manifest into a `lines` table and a document row.

Three readers, one output shape (see docs/CONTRACTS.md):

- ``pdf``: a PDF with a text layer, layout-aware (``pipeline.ingest_pdf``);
- ``pdf_text``: text already extracted from a PDF, where a line that starts
  with a space opens a page and a line of spaces is the footnote rule;
- ``web_text``: the text of a web page, with its chrome dropped and its
  title, department, date and number kept as document metadata.

Readers take the source's bytes, never paths: the runner does the I/O.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import pandas as pd

from pipeline.errors import InputError

LINE_COLUMNS = ["doc_id", "page", "line_no", "zone", "text", "superscripts", "indent", "width", "ends_paragraph"]
DOCUMENT_COLUMNS = [
    "doc_id", "kind", "format", "title", "date", "source", "publisher", "language",
    "number", "department", "about", "sha256", "n_pages",
]

FOOTNOTE_RULE = re.compile(r"^ {10,}$")
PAGE_START = re.compile(r"^\s+\S|^ $")

WEB_CHROME = [
    re.compile(r"^Skip to (main )?content$", re.I),
    re.compile(r"^Link to the (report|publication)$", re.I),
    re.compile(r"^(Additional information|Inquiries|Contact)\b.*", re.I),
    re.compile(r"^(Share|Print|Back to top)$", re.I),
]
WEB_DATE = re.compile(r"^Publication date\s+(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+[\d.:]+)?$", re.I)
WEB_NUMBER = re.compile(r"^Press release\s+(\d+/\d{4})$", re.I)
WEB_DEPARTMENT = re.compile(r"^.*\b(Department|Ministry|Office|Unit)\b.*$")


@dataclass(frozen=True)
class WebMetadata:
    """What a web page says about itself, outside its body text."""

    title: str = ""
    department: str = ""
    date: str = ""
    number: str = ""
    category: str = ""
    chrome: list[str] = field(default_factory=list)


def decode(data: bytes, *, source: str) -> str:
    """Decode a text source as UTF-8, refusing empty files and other encodings.

    >>> decode("Russia".encode(), source="a.txt")
    'Russia'
    """
    if not data.strip():
        raise InputError(source, "the file is empty: put the document's text in it or remove it from the manifest")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            source,
            f"not UTF-8 text (byte {error.start}: {data[error.start:error.start + 1]!r}); "
            "convert it, e.g. iconv -f latin1 -t utf-8",
        ) from None
    if not text.strip():
        raise InputError(source, "the file has no text")
    return text


def _lines_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=LINE_COLUMNS)
    return frame.astype({"page": "int64", "line_no": "int64", "indent": "float64", "width": "float64"})


def _typical_line_length(texts: list[str]) -> float:
    lengths = sorted(len(text) for text in texts if text)
    if not lengths:
        return 1.0
    return float(lengths[int(0.9 * (len(lengths) - 1))])


def pdf_text_lines(text: str, *, doc_id: str) -> pd.DataFrame:
    """Lines of text extracted from a PDF: pages, footnote zones, relative widths.

    >>> lines = pdf_text_lines(" Heading\\n\\nBody text.\\n\\n" + " " * 40 + "\\n\\n1 Note.\\n", doc_id="d")
    >>> lines[["page", "zone", "text"]].values.tolist()
    [[1, 'body', 'Heading'], [1, 'body', 'Body text.'], [1, 'footnote', '1 Note.']]
    """
    rows, page, zone, line_no = [], 0, "body", 0
    for raw in text.splitlines():
        if FOOTNOTE_RULE.match(raw):
            zone = "footnote"
            continue
        if PAGE_START.match(raw) or page == 0:
            page, zone, line_no = page + 1, "body", 0
        line = raw.strip()
        if not line:
            continue
        rows.append({
            "doc_id": doc_id, "page": page, "line_no": line_no, "zone": zone, "text": line,
            "superscripts": [], "indent": 0.0, "width": 0.0, "ends_paragraph": None,
        })
        line_no += 1
    typical = _typical_line_length([row["text"] for row in rows if row["zone"] == "body"])
    for row in rows:
        row["width"] = round(len(row["text"]) / typical, 3)
    return _lines_frame(rows)


def _web_metadata(texts: list[str]) -> tuple[WebMetadata, int]:
    """Read the header of a web page up to its press-release number; return it and where the body starts."""
    chrome = [t for t in texts if any(p.match(t) for p in WEB_CHROME)]
    content = [t for t in texts if t not in chrome]
    date = number = department = ""
    body_start = 0
    for i, line in enumerate(content):
        if match := WEB_DATE.match(line):
            day, month, year = match.groups()
            date = f"{year}-{int(month):02d}-{int(day):02d}"
            body_start = i + 1
        elif match := WEB_NUMBER.match(line):
            number = match.group(1)
            body_start = i + 1
        elif not department and WEB_DEPARTMENT.match(line) and i + 1 < len(content) and WEB_DATE.match(content[i + 1]):
            department = line
    header = [line for line in content[:body_start] if line != department and not WEB_DATE.match(line)
              and not WEB_NUMBER.match(line)]
    title = header[-1] if header else ""
    category = header[0] if len(header) > 1 else ""
    return WebMetadata(title, department, date, number, category, chrome), body_start


def web_text_lines(text: str, *, doc_id: str) -> tuple[pd.DataFrame, WebMetadata]:
    """Lines of a web page's text: chrome and header become furniture, each body line a paragraph.

    >>> lines, meta = web_text_lines("Skip to Content\\nNews\\nA title\\nPress release 1/2018\\nBody.", doc_id="w")
    >>> meta.title, meta.number, lines[lines.zone == "body"].text.tolist()
    ('A title', '1/2018', ['Body.'])
    """
    texts = [line.strip() for line in text.splitlines() if line.strip()]
    metadata, body_start = _web_metadata(texts)
    content = [t for t in texts if t not in metadata.chrome]
    body = set(range(body_start, len(content))) if body_start else set(range(len(content)))
    rows, content_index = [], 0
    for line_no, line in enumerate(texts):
        is_chrome = line in metadata.chrome
        zone = "body" if not is_chrome and content_index in body else "furniture"
        content_index += 0 if is_chrome else 1
        rows.append({
            "doc_id": doc_id, "page": 1, "line_no": line_no, "zone": zone, "text": line,
            "superscripts": [], "indent": 0.0, "width": 1.0, "ends_paragraph": zone == "body",
        })
    return _lines_frame(rows), metadata


def _document_row(document, data: bytes, lines: pd.DataFrame, **found) -> dict:
    row = {column: "" for column in DOCUMENT_COLUMNS}
    row.update({key: ("" if value is None else str(value)) for key, value in document.model_dump().items()
                if key in DOCUMENT_COLUMNS and key != "id"})
    row.update({key: value for key, value in found.items() if value and not row.get(key)})
    row["doc_id"] = document.id
    row["sha256"] = hashlib.sha256(data).hexdigest()
    row["n_pages"] = int(lines["page"].max()) if len(lines) else 0
    return row


def read(document, data: bytes) -> tuple[pd.DataFrame, dict]:
    """Read one manifest document's bytes into its lines and its document row.

    ``document`` is a validated manifest entry (``pipeline.schemas.ManifestDocument``).
    """
    if document.format == "pdf":
        from pipeline.ingest_pdf import pdf_lines

        lines = pdf_lines(data, doc_id=document.id, source=document.source)
        return lines, _document_row(document, data, lines)
    text = decode(data, source=document.source)
    if document.format == "web_text":
        lines, metadata = web_text_lines(text, doc_id=document.id)
        found = {"title": metadata.title, "department": metadata.department,
                 "date": metadata.date, "number": metadata.number}
        return lines, _document_row(document, data, lines, **found)
    lines = pdf_text_lines(text, doc_id=document.id)
    return lines, _document_row(document, data, lines)


def run(documents: list, sources: dict[str, bytes]) -> dict[str, pd.DataFrame]:
    """Ingest every manifest document; ``sources`` maps doc_id to the source's bytes.

    Returns the tables ``documents`` (metadata, one row a document) and ``lines``.
    """
    line_frames, rows = [], []
    for document in documents:
        lines, row = read(document, sources[document.id])
        if not (lines["zone"] == "body").any():
            raise InputError(document.source, "no body text found: is this the right file and format?")
        line_frames.append(lines)
        rows.append(row)
    lines = pd.concat(line_frames, ignore_index=True) if line_frames else _lines_frame([])
    return {"documents": pd.DataFrame(rows, columns=DOCUMENT_COLUMNS), "lines": lines}
