"""The structure stage on the real report and on small edge cases."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from pipeline import structure
from pipeline.config import DEFAULT_MODEL
from pipeline.ingest import pdf_text_lines, web_text_lines
from pipeline.paths import DEFAULT

NUMBERED_SECTIONS = [
    ("1", "INTRODUCTION", 1),
    ("1.1", "The scholarly approach and the research questions", 2),
    ("1.2", "State power in a multiplex world", 2),
    ("1.3", "The role of international orders", 2),
    ("1.4", "The research questions", 2),
    ("2", "THE SINO-RUSSIAN RELATIONSHIP", 1),
    ("2.1", "Introduction: the contemporary debate on Russia-China relations", 2),
    ("2.2", "The backdrop: a rising power gap between Russia and China", 2),
    ("2.3", "Domestic politics: paving the way for cooperation", 2),
    ("2.4", "Economic ties: the central role of energy cooperation", 2),
    ("2.5", "Military and security cooperation", 2),
    ("2.6", "The regional focus: Central Asia", 2),
    ("2.7", "East Asia: China keeping the upper hand", 2),
    ("2.8", "The Arctic", 2),
    ("2.9", "Views on the Current International Order and its Institutions", 2),
    ("2.10", "The effects of Sino-American rivalry", 2),
    ("2.11", "Future directions of the relationship", 2),
    ("2.12", "Russia-China relations – implications for Europe", 2),
    ("3", "THE US-RUSSIAN RELATIONSHIP", 1),
    ("3.1", "Introduction", 2),
    ("3.2", "Factors affecting US-Russian relations", 2),
    ("3.3", "Regional emphases in the relationship: Europe", 2),
    ("3.4", "Regional emphases in the relationship: the Middle East", 2),
    ("3.5", "Interacting great power relations: China-Russia and Russia-US", 2),
    ("3.6", "Conditions for cooperation", 2),
    ("3.7", "US-Russia relations: implications for Europe", 2),
    ("4", "CONCLUSIONS", 1),
    ("4.1", "The liberal world order", 2),
]

SUBHEADINGS = [
    ("2.3", "Regime security"), ("2.3", "Powerful domestic actors"),
    ("2.3", "Potential obstacles on the domestic level"), ("2.4", "Trade in goods"), ("2.4", "Investment"),
    ("2.4", "The energy trade as a pillar of cooperation"), ("2.4", "Possible shifts in cooperation patterns"),
    ("2.5", "The arms trade: reaching its peak"), ("2.5", "Joint exercises: from land to sea"),
    ("2.5", "Changing threat assessment"), ("2.5", "Possible shifts in cooperation"),
    ("2.6", "Different visions of arranging the neighbourhoods"), ("2.6", "Rocky roads to implementation"),
    ("2.6", "The SCO: deadlocked but still useful"), ("2.9", "Differing visions and narratives"),
    ("2.9", "Diverging practices"), ("2.9", "Benign neutrality in territorial disputes"),
    ("2.9", "Long-term trends"),
    ("3.1", "Differing Russian and American approaches and expectations after the Cold War"),
    ("3.1", "The Trump factor"), ("3.2", "American domestic politics"), ("3.2", "Russian domestic politics"),
    ("3.2", "Economic sanctions in the US-Russia relationship"), ("3.2", "International trends"),
    ("3.2", "Moscow-Washington arms control agreements: progress and regress"),
]

RESOLVED_NOTES = [*range(1, 33), 34, 35, *range(40, 57), *range(61, 69)]


@pytest.fixture(scope="module")
def report():
    text = (DEFAULT.corpus / "report_fiia_2018.txt").read_text(encoding="utf-8")
    lines = pdf_text_lines(text, doc_id="r")
    return structure.document(lines, doc_id="r", title="Report", model=DEFAULT_MODEL)


def lines_of(*texts: str, doc_id: str = "d") -> pd.DataFrame:
    """A one-page pdf_text source from body lines, for edge cases."""
    return pdf_text_lines(" " + "\n\n".join(texts), doc_id=doc_id)


def test_numbered_sections_titles_and_levels(report):
    sections = report["sections"]
    numbered = sections[sections.number != ""]
    assert list(numbered[["number", "title", "level"]].itertuples(index=False, name=None)) == NUMBERED_SECTIONS


def test_subheadings_nest_under_their_numbered_section(report):
    sections = report["sections"].set_index("section_id")
    subheadings = sections[sections.number == ""]
    found = [(sections.loc[row.parent_id, "number"], row.title) for row in subheadings.itertuples()]
    assert found == SUBHEADINGS
    assert (subheadings.level == 3).all()


def test_markers_count_up_with_none_missing_or_spurious(report):
    markers = report["markers"]
    assert markers.note.tolist() == list(range(1, 149))
    assert markers.start.is_monotonic_increasing
    assert report["quality"]["markers_missing"] == []


def test_markers_are_removed_and_sit_after_their_word(report):
    text, markers = report["text"], report["markers"].set_index("note")
    assert text[: markers.loc[1, "start"]].endswith("geopolitical understanding of state power")
    assert text[: markers.loc[2, "start"]].endswith("various power structures.")
    assert text[: markers.loc[96, "start"]].endswith("zero in 2014")
    assert not re.search(r"201496|power1\b|structures\.2\b", text)


def test_notes_with_text_resolve_and_the_rest_stay_visible(report):
    footnotes = report["footnotes"]
    assert footnotes[footnotes.resolved].note.tolist() == RESOLVED_NOTES
    assert footnotes.note.tolist() == list(range(1, 149))
    assert footnotes.set_index("note").loc[3, "text"] == "Nye 2015, 95; Acharya 2018, 7–19."
    assert report["markers"].resolved.sum() == len(RESOLVED_NOTES)
    assert report["quality"]["footnotes_unresolved"] == 148 - len(RESOLVED_NOTES)


def test_no_split_word_left_in_clean_text(report):
    text = report["text"]
    for split in ("trans- formation", "trans-formation", "mean-ing", "com-mon", "Rus-sia", "regionali-sation"):
        assert split not in text
    for word in ("transformation", "meaning", "regionalisation", "tendencies"):
        assert word in text
    for compound in ("great-power", "US-Russian", "Sino-Russian", "military-industrial", "post-Soviet"):
        assert compound in text


def test_paragraph_continues_over_a_page_break(report):
    paragraphs = report["paragraphs"]
    spanning = paragraphs[paragraphs.page_end > paragraphs.page_start]
    assert len(spanning) > 20
    first = spanning.iloc[0]
    assert "mutual gain and protection within a loosely rules-based global space." in first.text


def test_block_quote_is_its_own_paragraph_without_its_lead_in(report):
    quotes = report["paragraphs"][report["paragraphs"].kind == "quote"]
    assert quotes.iloc[0].text.startswith("In terms of their relationship […] objective fact")
    assert quotes.iloc[-1].text.endswith("into certain circumstances…")
    lead_in = report["paragraphs"].set_index("paragraph_id").loc[_previous_id(quotes.iloc[0].paragraph_id)]
    assert lead_in.text.endswith("the prevailing view in Washington:")


def _previous_id(paragraph_id: str) -> str:
    doc, number = paragraph_id.rsplit(":p", 1)
    return f"{doc}:p{int(number) - 1:04d}"


def test_offsets_point_into_the_clean_text(report):
    text = report["text"]
    for row in report["paragraphs"].itertuples():
        assert text[row.start:row.end] == row.text
    for row in report["sections"].itertuples():
        assert text[row.start:].startswith(row.number or row.title)


@pytest.mark.parametrize("left, right, expected", [
    ("trans", "formation", "transformation"),
    ("com", "mon", "common"),
    ("great", "power", "great-power"),
    ("US", "Russian", "US-Russian"),
    ("post", "Soviet", "post-Soviet"),
    ("military", "industrial", "military-industrial"),
    ("Siberia", "2", "Siberia-2"),
    ("Su", "35", "Su-35"),
    ("regionali", "sation", "regionalisation"),
])
def test_hyphenated_line_breaks(left, right, expected):
    lines = lines_of(f"The text has a word broken here: {left}-", f"{right} and it goes on to the end.")
    result = structure.document(lines, doc_id="d", model=DEFAULT_MODEL)
    assert expected in result["text"]


def test_document_evidence_decides_a_hyphen():
    lines = lines_of("The co-operation was long and the word co-", "operation is written with a hyphen here.")
    assert "co-operation is written" in structure.document(lines, doc_id="d", model=DEFAULT_MODEL)["text"]


@pytest.mark.parametrize("text", [
    "In 2018 the Su-35 and the Vostok-2018 exercise involved 80 new ICBMs in Siberia-2.",
    "Trade was worth US$2 billion in 2016, up 3.5 per cent on Q3 2017.",
])
def test_years_quantities_and_names_are_not_markers(text):
    result = structure.document(lines_of(text), doc_id="d", model=DEFAULT_MODEL)
    assert result["markers"].empty
    assert result["text"] == text


def test_glued_markers_after_words_punctuation_and_quotes():
    lines = lines_of("The power1 of structures.2 and a billion26 dollars,3 and “quoted”4 words.5")
    result = structure.document(lines, doc_id="d", model=DEFAULT_MODEL)
    assert result["markers"].note.tolist() == [1, 2, 3, 4, 5]
    assert result["text"] == "The power of structures. and a billion26 dollars, and “quoted” words."


def test_web_text_paragraphs_are_lines(tmp_path):
    lines, metadata = web_text_lines("Skip to Content\nTitle here\nPress release 1/2018\nFirst.\n\nSecond.", doc_id="w")
    result = structure.document(lines, doc_id="w", title=metadata.title, model=DEFAULT_MODEL)
    assert result["paragraphs"].text.tolist() == ["First.", "Second."]
    assert result["sections"].title.tolist() == ["Title here"]


def test_empty_document_gives_empty_tables():
    lines = pdf_text_lines(" ", doc_id="e")
    result = structure.document(lines, doc_id="e", model=DEFAULT_MODEL)
    assert result["text"] == ""
    assert result["paragraphs"].empty and result["markers"].empty and result["footnotes"].empty
