"""PDF ingest on real PDFs: the report's extracted text drawn back into PDF pages, then read.

``pdf_render`` draws each source page with its line breaks, superscript markers,
footnote rule, running head and page number; ``pdf_lines`` must give back, page
by page, the source's body lines and footnote lines with the markers as
superscript spans, and nothing else in the body.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pdf_render import (
    RUNNING_HEAD,
    RenderStyle,
    SourceLine,
    SourcePage,
    corrupt_pdf,
    parse_pdf_text,
    render_encrypted_pdf,
    render_pages,
    render_scanned_pdf,
    select_pages,
)
from pipeline.errors import InputError
from pipeline.ingest_pdf import LINE_COLUMNS, pdf_lines, pdf_page_count
from pipeline.paths import DEFAULT

SOURCE = DEFAULT.corpus / "report_fiia_2018.txt"
DOC_ID = "fiia-2018"

FIRST_PAGES = list(range(1, 13))
# Later pages with something to get right: bullets (16, 17), a marker after a closing bracket (29),
# short pages (36, 53), nine markers and one footnote (41), double spaces after markers (46),
# a marker glued to a year, '201496' (47), a page opened by a single-space line (54),
# a marker after a vote count, '97-2.129' (56), a marker before a colon (60), an empty last page (67).
LATER_PAGES = [16, 17, 29, 36, 41, 46, 47, 53, 54, 56, 60, 67]
PAGES = FIRST_PAGES + LATER_PAGES


@pytest.fixture(scope="session")
def source_pages() -> list[SourcePage]:
    return parse_pdf_text(SOURCE.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def rendered(source_pages, tmp_path_factory) -> dict:
    """The selected pages as a PDF file, read once: PDF page i shows source page PAGES[i - 1]."""
    path = tmp_path_factory.mktemp("pdf") / "report_fiia_2018.pdf"
    path.write_bytes(render_pages(select_pages(source_pages, PAGES)))
    data = path.read_bytes()
    return {"data": data, "lines": pdf_lines(data, doc_id=DOC_ID, source=str(path))}


def _page_lines(rendered: dict, source_number: int, zone: str) -> pd.DataFrame:
    lines = rendered["lines"]
    page = PAGES.index(source_number) + 1
    return lines[(lines["page"] == page) & (lines["zone"] == zone)].sort_values("line_no")


def _spans(lines: pd.DataFrame) -> list[list[tuple[int, int]]]:
    return [[tuple(span) for span in spans] for spans in lines["superscripts"]]


@pytest.mark.parametrize("number", PAGES)
def test_body_lines_are_the_source_lines(rendered, source_pages, number):
    expected = [line.text.rstrip() for line in source_pages[number - 1].body]
    assert _page_lines(rendered, number, "body")["text"].tolist() == expected


@pytest.mark.parametrize("number", PAGES)
def test_footnote_lines_are_the_source_footnotes(rendered, source_pages, number):
    expected = [line.text.rstrip() for line in source_pages[number - 1].footnotes]
    assert _page_lines(rendered, number, "footnote")["text"].tolist() == expected


@pytest.mark.parametrize("number", PAGES)
def test_markers_are_superscript_spans(rendered, source_pages, number):
    page = source_pages[number - 1]
    for zone, source_lines in (("body", page.body), ("footnote", page.footnotes)):
        lines = _page_lines(rendered, number, zone)
        assert _spans(lines) == [list(line.superscripts) for line in source_lines]
        for text, spans in zip(lines["text"], _spans(lines)):
            assert all(text[start:end].isdigit() for start, end in spans)


def test_the_markers_of_the_first_pages_count_up_from_one(rendered):
    lines = rendered["lines"]
    body = lines[(lines["zone"] == "body") & (lines["page"] <= len(FIRST_PAGES))]
    notes = [int(text[start:end]) for text, spans in zip(body["text"], body["superscripts"]) for start, end in spans]
    assert notes == list(range(1, 29))


@pytest.mark.parametrize("number", PAGES)
def test_running_head_and_page_number_are_furniture(rendered, number):
    assert _page_lines(rendered, number, "furniture")["text"].tolist() == [RUNNING_HEAD, str(number)]


def test_furniture_never_reaches_the_body(rendered):
    lines = rendered["lines"]
    content = lines[lines["zone"] != "furniture"]
    assert not content["text"].str.contains("FIIA Report 2018").any()
    assert not content["text"].str.fullmatch(r"\d+").any()


def test_lines_table_follows_the_contract(rendered):
    lines = rendered["lines"]
    assert lines.columns.tolist() == LINE_COLUMNS
    assert set(lines["zone"]) == {"body", "footnote", "furniture"}
    assert (lines["doc_id"] == DOC_ID).all()
    assert sorted(lines["page"].unique()) == list(range(1, len(PAGES) + 1))
    for _, page in lines.groupby("page"):
        assert page["line_no"].tolist() == list(range(len(page)))
    body = lines[lines["zone"] == "body"]
    # One left margin, ragged right: no indents, widths up to about the measure.
    assert body["indent"].abs().max() < 0.01
    assert body["width"].between(0.01, 1.1).all()
    # Even leading throughout: no paragraph gap to see.
    assert lines["ends_paragraph"].map(lambda value: value is None).all()


def test_page_count(rendered):
    assert pdf_page_count(rendered["data"]) == len(PAGES)


def test_a_paragraph_gap_ends_a_paragraph():
    pages = [SourcePage(page, tuple(SourceLine(f"Page {page}, line {i} of a paragraph that runs on and on.",
                                               gap_after=i in (2, 4)) for i in range(7)))
             for page in (1, 2)]
    data = render_pages(pages)
    found = pdf_lines(data, doc_id="d", source="gaps.pdf")
    body = found[(found["zone"] == "body") & (found["page"] == 1)]
    assert body["ends_paragraph"].tolist() == [None, None, True, None, True, None, None]


def test_footnotes_without_a_rule_are_found_by_their_type(source_pages):
    pages = select_pages(source_pages, [2, 3])
    found = pdf_lines(render_pages(pages, style=RenderStyle(footnote_rule=False)), doc_id="d", source="norule.pdf")
    notes = found[found["zone"] == "footnote"]
    assert notes["text"].tolist() == [line.text.rstrip() for page in pages for line in page.footnotes]


def test_a_single_page_still_has_its_furniture(source_pages):
    found = pdf_lines(render_pages(select_pages(source_pages, [3])), doc_id="d", source="one.pdf")
    assert found.loc[found["zone"] == "furniture", "text"].tolist() == [RUNNING_HEAD, "3"]
    assert len(found[found["zone"] == "body"]) == len(source_pages[2].body)


def test_reading_is_deterministic_and_leaves_the_bytes_alone(source_pages):
    data = render_pages(select_pages(source_pages, [4]))
    copy = bytes(data)
    first = pdf_lines(data, doc_id="d", source="x.pdf")
    pd.testing.assert_frame_equal(first, pdf_lines(data, doc_id="d", source="x.pdf"))
    assert data == copy


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda: render_scanned_pdf(2), "no text layer (a scanned PDF?): run OCR first"),
        (lambda: corrupt_pdf(), "not a readable PDF: the file is truncated"),
        (lambda: corrupt_pdf(keep=0.1), "not a readable PDF: the file is truncated"),
        (lambda: b"<html><body>Not found</body></html>", "not a readable PDF: no %PDF- header"),
        (lambda: b"", "not a readable PDF: the file is empty"),
        (lambda: b"%PDF-1.4\n" + b"\x00 junk " * 200 + b"\n%%EOF\n", "not a readable PDF: PDFSyntaxError"),
        (lambda: render_encrypted_pdf(), "encrypted PDF that needs a password"),
    ],
    ids=["scanned", "truncated", "truncated-early", "html", "empty", "garbage", "encrypted"],
)
def test_bad_pdfs_get_a_one_line_error_naming_the_file(make, problem):
    with pytest.raises(InputError) as caught:
        pdf_lines(make(), doc_id="d", source="corpus/report.pdf")
    message = str(caught.value)
    assert message.startswith("corpus/report.pdf: " + problem)
    assert "\n" not in message


def test_page_count_refuses_a_corrupt_pdf():
    with pytest.raises(InputError, match="^corpus/r.pdf: not a readable PDF"):
        pdf_page_count(corrupt_pdf(), source="corpus/r.pdf")


# --- end to end: the PDF path and the text path must structure alike -----------------------------

from pipeline import structure as _structure_module


def _structured(lines: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Adapter over ``pipeline.structure.run``: the one place to change if its signature does."""
    from pipeline.config import DEFAULT_MODEL

    documents = pd.DataFrame([{"doc_id": DOC_ID, "title": "The Sino-Russian and US-Russian Relationships"}])
    return _structure_module.run({"documents": documents, "lines": lines}, model=DEFAULT_MODEL)


@pytest.fixture(scope="session")
def both_paths(tmp_path_factory) -> dict[str, dict[str, pd.DataFrame]]:
    from pipeline.ingest import pdf_text_lines

    text = SOURCE.read_text(encoding="utf-8")
    path = tmp_path_factory.mktemp("pdf") / "report_fiia_2018_all.pdf"
    path.write_bytes(render_pages(parse_pdf_text(text)))
    from_pdf = pdf_lines(path.read_bytes(), doc_id=DOC_ID, source=str(path))
    from_text = pdf_text_lines(text, doc_id=DOC_ID)
    return {"pdf": _structured(from_pdf), "text": _structured(from_text)}


def _rows(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    return [tuple(row) for row in frame[columns].itertuples(index=False)]


def test_pdf_and_text_paths_find_the_same_sections(both_paths):
    columns = ["number", "title", "level"]
    pdf, text = _rows(both_paths["pdf"]["sections"], columns), _rows(both_paths["text"]["sections"], columns)
    assert pdf == text
    assert len(text) == 53


def test_pdf_and_text_paths_find_the_same_footnotes(both_paths):
    columns = ["note", "text"]
    pdf = _rows(both_paths["pdf"]["footnotes"], columns)
    assert pdf == _rows(both_paths["text"]["footnotes"], columns)
    assert len(pdf) > 100


def test_pdf_and_text_paths_find_the_same_markers(both_paths):
    columns = ["note", "page"]
    pdf = _rows(both_paths["pdf"]["markers"], columns)
    assert pdf == _rows(both_paths["text"]["markers"], columns)
    assert [note for note, _ in pdf] == list(range(1, 149))
