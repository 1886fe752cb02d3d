import re

import pandas as pd
import pytest

from pipeline import citations
from pipeline.citations import claim_citations, references, run
from pipeline.errors import PipelineError
from pipeline.paths import Paths

REPORT = Paths().corpus / "report_fiia_2018.txt"
NO_PARAGRAPHS = pd.DataFrame(columns=["doc_id", "paragraph_id", "start", "end", "text"])
NO_NOTES = pd.DataFrame(columns=["doc_id", "note", "page", "text", "resolved"])


def notes(*texts: str, first: int = 1, doc_id: str = "r") -> pd.DataFrame:
    """Footnotes numbered from ``first``; an empty text is an unresolved note."""
    return pd.DataFrame({"doc_id": doc_id, "note": range(first, first + len(texts)), "page": 1,
                         "text": list(texts), "resolved": [bool(t) for t in texts]})


def paragraphs(*texts: str, doc_id: str = "r") -> pd.DataFrame:
    starts = [sum(len(t) + 2 for t in texts[:i]) for i in range(len(texts))]
    return pd.DataFrame({"doc_id": doc_id, "paragraph_id": [f"{doc_id}:p{i}" for i in range(1, len(texts) + 1)],
                         "start": starts, "end": [s + len(t) for s, t in zip(starts, texts)], "text": list(texts)})


def parsed(text: str) -> list[tuple]:
    refs = references(notes(text), NO_PARAGRAPHS)
    return [(r.kind, r.authors, None if pd.isna(r.year) else int(r.year), r.year_suffix, r.pages, r.cue)
            for r in refs.itertuples()]


# --- footnote shapes ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Keohane & Nye 1977.", [("bibliographic", "Keohane & Nye", 1977, "", "", "")]),
    ("Nye 2015, 95; Acharya 2018, 7–19.",
     [("bibliographic", "Nye", 2015, "", "95", ""), ("bibliographic", "Acharya", 2018, "", "7–19", "")]),
    ("Zaytsev & Knobel 2017, 14, 18.", [("bibliographic", "Zaytsev & Knobel", 2017, "", "14, 18", "")]),
    ("Nye 2015, pp. 95–97.", [("bibliographic", "Nye", 2015, "", "95–97", "")]),
    ("European Commission 2018a.", [("bibliographic", "European Commission", 2018, "a", "", "")]),
    ("United States Census Bureau 2018a.", [("bibliographic", "United States Census Bureau", 2018, "a", "", "")]),
    ("The Ministry of Foreign Affairs of the Russian Federation 2014.",
     [("bibliographic", "The Ministry of Foreign Affairs of the Russian Federation", 2014, "", "", "")]),
    ("Godement et al. 2018.", [("bibliographic", "Godement et al.", 2018, "", "", "")]),
    ("Weidacher Hsiung & Røseth 2018.", [("bibliographic", "Weidacher Hsiung & Røseth", 2018, "", "", "")]),
    ("Smith, Jones and Brown 2010, 3.", [("bibliographic", "Smith, Jones and Brown", 2010, "", "3", "")]),
    ("Garthoff 1994b, 1125–1146.", [("bibliographic", "Garthoff", 1994, "b", "1125–1146", "")]),
    ("See Mead 2009.", [("bibliographic", "Mead", 2009, "", "", "See")]),
    ("See also Allers 2018.", [("bibliographic", "Allers", 2018, "", "", "See also")]),
    ("Cf. Lo 2017.", [("bibliographic", "Lo", 2017, "", "", "Cf.")]),
    ("See also: Lo 2017.", [("bibliographic", "Lo", 2017, "", "", "See also")]),
    ("E.g. Lo 2017.", [("bibliographic", "Lo", 2017, "", "", "For instance")]),
    ("For instance, Bond 2016.", [("bibliographic", "Bond", 2016, "", "", "For instance")]),
    ("See, for instance, Chase et al. 2017; Bond 2016.",
     [("bibliographic", "Chase et al.", 2017, "", "", "For instance"),
      ("bibliographic", "Bond", 2016, "", "", "For instance")]),
    ("See, for example, Muraviev 2018.", [("bibliographic", "Muraviev", 2018, "", "", "For instance")]),
    ("For exceptions, see: Wilson 2018; Skalamera 2018.",
     [("bibliographic", "Wilson", 2018, "", "", "For exceptions, see"),
      ("bibliographic", "Skalamera", 2018, "", "", "For exceptions, see")]),
    ("For a full report, see Bluhm et al. 2018.", [("bibliographic", "Bluhm et al.", 2018, "", "", "See")]),
    ("Patterson & Parks 2018. For a full report, see Bluhm et al. 2018.",
     [("bibliographic", "Patterson & Parks", 2018, "", "", ""),
      ("bibliographic", "Bluhm et al.", 2018, "", "", "See")]),
    ("Ikenberry (2018, 18–19), however, rightly points out that change is not the only reason.",
     [("bibliographic", "Ikenberry", 2018, "", "18–19", "")]),
    ("On the debate, see Campbell & Ratner (2018) and ensuing responses Various authors (2018).",
     [("bibliographic", "Campbell & Ratner", 2018, "", "", "See"),
      ("bibliographic", "Various authors", 2018, "", "", "See")]),
    ("The best is Garthoff’s (1994a) work, and the ambassador (Dobrynin 1995) wrote too.",
     [("bibliographic", "Garthoff", 1994, "a", "", ""), ("bibliographic", "Dobrynin", 1995, "", "", "")]),
    ("More recent analyses include Tsygankov 2009; Stent 2014.",
     [("bibliographic", "Tsygankov", 2009, "", "", ""), ("bibliographic", "Stent", 2014, "", "", "")]),
    ("Dueck 2006 (see also Nye 2015, 4).",
     [("bibliographic", "Dueck", 2006, "", "", ""), ("bibliographic", "Nye", 2015, "", "4", "See also")]),
    ("The author’s interview during a research stay at the Kennan Institute, Washington, DC, summer 2018.",
     [("interview", "", 2018, "", "", "")]),
    ("Author’s interviews in Beijing.", [("interview", "", None, "", "", "")]),
    ("A Russian economist during the closed roundtable at FIIA, May 2018.", [("roundtable", "", 2018, "", "", "")]),
    ("The author’s participation in the closed roundtable on China, July 2018. See also Allers 2018.",
     [("roundtable", "", 2018, "", "", ""), ("bibliographic", "Allers", 2018, "", "", "See also")]),
    ("See section Moscow-Washington Arms Control Agreements in this report.",
     [("cross_reference", "", None, "", "", "See")]),
    ("Available at https://example.org/report.pdf", [("other", "", None, "", "", "")]),
    ("Russia and China jointly vetoed UNSC resolutions eight times (six on Syria) in July 2018.",
     [("comment", "", None, "", "", "")]),
    ("The Chinese fund CIC paid $2 billion in 2013. Uralkali redeemed the stake in 2015.",
     [("comment", "", None, "", "", "")]),
    ("Around 2014 the talks stalled. In 2018, Since 2012 and Until 2020 too.", [("comment", "", None, "", "", "")]),
])
def test_footnote_shapes(text, expected):
    assert parsed(text) == expected


def test_a_comment_keeps_the_whole_note_as_raw():
    text = "Even though experts disagree, there is limited dialogue. For many, ties are secondary."
    refs = references(notes(text), NO_PARAGRAPHS)
    assert refs[["ref_id", "kind", "raw"]].values.tolist() == [["r:n1.1", "comment", text]]


def test_whole_reference_table_for_one_note():
    refs = references(notes("Nye 2015, 95; Acharya 2018, 7–19."), NO_PARAGRAPHS)
    expected = pd.DataFrame({
        "ref_id": ["r:n1.1", "r:n1.2"], "doc_id": ["r", "r"], "note": [1, 1], "paragraph_id": [None, None],
        "start": [None, None], "end": [None, None], "authors": ["Nye", "Acharya"],
        "author_list": [["Nye"], ["Acharya"]], "year": [2015, 2018], "year_suffix": ["", ""],
        "pages": ["95", "7–19"], "cue": ["", ""], "kind": ["bibliographic", "bibliographic"],
        "points_to": [None, None], "raw": ["Nye 2015, 95", "Acharya 2018, 7–19"],
    }).astype(citations.REFERENCE_COLUMNS)
    pd.testing.assert_frame_equal(refs, expected)


@pytest.mark.parametrize("authors, expected", [
    ("Keohane & Nye 1977.", ["Keohane", "Nye"]),
    ("Chase et al. 2017.", ["Chase"]),
    ("European Commission 2018.", ["European Commission"]),
    ("Smith, Jones and Brown 2010.", ["Smith", "Jones", "Brown"]),
    ("Various authors (2018).", ["Various authors"]),
])
def test_author_list(authors, expected):
    assert references(notes(authors), NO_PARAGRAPHS)["author_list"].tolist() == [expected]


# --- Ibid. and op. cit. ------------------------------------------------------------------------

@pytest.mark.parametrize("texts, expected", [
    # Ibid. first in a note -> last reference of the previous note
    (["Suslov 2016.", "Ibid.; Mitchell 2012, 92–114."], {"r:n2.1": "r:n1.1"}),
    (["Nye 2015; Acharya 2018.", "Ibid., 45."], {"r:n2.1": "r:n1.2"}),
    # a pure comment in between is skipped
    (["Suslov 2016.", "A comment only.", "Ibid."], {"r:n3.1": "r:n1.1"}),
    # a missing note in between may hold the real antecedent
    (["Suslov 2016.", "", "Ibid."], {"r:n3.1": None}),
    (["Ibid."], {"r:n1.1": None}),
    # Ibid. after another reference in the same note
    (["Nye 2015; ibid., 97."], {"r:n1.2": "r:n1.1"}),
    # a chain of Ibid. points at the source itself
    (["Suslov 2016.", "Ibid.", "Ibid., 3."], {"r:n2.1": "r:n1.1", "r:n3.1": "r:n1.1"}),
    # op. cit. with an author -> last earlier reference by that author
    (["Røseth 2018.", "Nye 2015.", "Røseth, op. cit., 12."], {"r:n3.1": "r:n1.1"}),
    (["Bolt & Cross 2018.", "Nye 2015.", "Cross op. cit."], {"r:n3.1": "r:n1.1"}),
    (["Nye 2015.", "Lo op. cit."], {"r:n2.1": None}),
    # bare op. cit. -> the reference before it
    (["See e.g. Røseth 2018; op. cit."], {"r:n1.2": "r:n1.1"}),
])
def test_ibid_and_op_cit_point_back(texts, expected):
    refs = references(notes(*texts), NO_PARAGRAPHS).set_index("ref_id")
    assert {ref_id: None if pd.isna(refs.loc[ref_id, "points_to"]) else refs.loc[ref_id, "points_to"]
            for ref_id in expected} == expected
    assert set(refs.loc[list(expected), "kind"]) <= {"ibid", "op_cit"}


def test_ibid_and_op_cit_keep_pages_and_author():
    refs = references(notes("Røseth 2018.", "Ibid., 45.", "Røseth, op. cit., 12."), NO_PARAGRAPHS)
    assert refs[["kind", "authors", "pages"]].values.tolist()[1:] == [["ibid", "", "45"], ["op_cit", "Røseth", "12"]]


# --- in-text citations -------------------------------------------------------------------------

@pytest.mark.parametrize("text, raw, authors, year, pages, cue", [
    ("It was written by the ambassador (Dobrynin 1995) in exile.", "Dobrynin 1995", "Dobrynin", 1995, "", ""),
    ("As Roberts (2018) argues, it ended.", "Roberts (2018)", "Roberts", 2018, "", ""),
    ("Ikenberry (2018, 18–19) points out that change is not all.", "Ikenberry (2018, 18–19)", "Ikenberry", 2018,
     "18–19", ""),
    ("Empires decline (Kupchan 2014, 58–60).", "Kupchan 2014, 58–60", "Kupchan", 2014, "58–60", ""),
    ("Trade grew (see European Commission 2018a).", "European Commission 2018a", "European Commission", 2018, "",
     "See"),
    ("See Kennedy (1987) for a classic view.", "Kennedy (1987)", "Kennedy", 1987, "", "See"),
    ("This is contested (Chase et al. 2017).", "Chase et al. 2017", "Chase et al.", 2017, "", ""),
    ("Among the best is Garthoff’s (1994a) work.", "Garthoff’s (1994a)", "Garthoff", 1994, "", ""),
])
def test_in_text_citation(text, raw, authors, year, pages, cue):
    para = paragraphs("A first paragraph.", text)
    refs = references(NO_NOTES, para)
    assert refs[["ref_id", "raw", "authors", "year", "pages", "cue", "paragraph_id"]].values.tolist() == [
        ["r:t1", raw, authors, year, pages, cue, "r:p2"]]
    clean = "\n\n".join(para["text"])
    assert clean[refs["start"][0]:refs["end"][0]] == raw
    assert pd.isna(refs["note"][0])


def test_several_in_text_citations_in_one_parenthesis_are_numbered_in_order():
    refs = references(NO_NOTES, paragraphs("Order changes (Nye 2015, 95; Acharya 2018). Roberts (2018) agrees."))
    assert refs[["ref_id", "authors"]].values.tolist() == [["r:t1", "Nye"], ["r:t2", "Acharya"], ["r:t3", "Roberts"]]


@pytest.mark.parametrize("text", [
    "Putin’s third term (2018) was different.",
    "The treaty on Conventional Armed Forces in Europe (CFE) lapsed.",
    "Each deal was worth close to US$2 billion (US$2 billion) in all.",
    "Investment fell sharply (Q3 2017).",
    "It was signed (January 20, 2021) in Washington.",
    "Exercises were held (2005, 2009, 2013) in a bilateral format.",
    "Xi Jinping became the new leader (2012) of China.",
    "This began with the idea of the Eurasian Union (2011), which became the Eurasian Economic Union (2014).",
    "The EU’s Global Strategy on Foreign and Security Policy (2016) identifies relations.",
    "For China, it was the Silk Road Economic Belt (2013).",
    "Trade was large (US$84 billion in 2017) and grew (as early as 2008).",
    "Vostok 2018 was the largest exercise since 1981.",
])
def test_no_false_in_text_citation(text):
    assert references(NO_NOTES, paragraphs(text)).empty


# --- linking claims ----------------------------------------------------------------------------

def claims(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=["claim_id", "doc_id", "start", "end", "markers"])


def test_claim_citations_link_markers_references_and_in_text_citations():
    footnotes = notes("Nye 2015, 95; Acharya 2018.", "", "A comment only.")
    para = paragraphs("Power shifts (Kupchan 2014). It matters.")
    found = references(footnotes, para)
    links = claim_citations(claims(["r:c1", "r", 0, 29, [1, 2]], ["r:c2", "r", 30, 41, [3, 7]]), footnotes, found)
    expected = pd.DataFrame({
        "claim_id": ["r:c1", "r:c1", "r:c1", "r:c1", "r:c2", "r:c2"],
        "doc_id": ["r"] * 6,
        "note": [1, 1, 2, None, 3, 7],
        "ref_id": ["r:n1.1", "r:n1.2", None, "r:t1", "r:n3.1", None],
        "resolved": [True, True, False, True, True, False],
    }).astype(citations.CLAIM_CITATION_COLUMNS)
    pd.testing.assert_frame_equal(links, expected)


@pytest.mark.parametrize("markers", [[], None, float("nan")])
def test_claims_without_markers_have_no_rows(markers):
    links = claim_citations(claims(["r:c1", "r", 0, 5, markers]), notes("Nye 2015."), references(notes("Nye 2015."),
                                                                                                  NO_PARAGRAPHS))
    assert links.empty


def test_markers_are_matched_within_their_document():
    footnotes = pd.concat([notes("Nye 2015."), notes("Lo 2017.", doc_id="s")], ignore_index=True)
    links = claim_citations(claims(["s:c1", "s", 0, 5, [1]]), footnotes, references(footnotes, NO_PARAGRAPHS))
    assert links["ref_id"].tolist() == ["s:n1.1"]


# --- stage contract ----------------------------------------------------------------------------

def test_empty_inputs_give_empty_tables_with_the_right_columns():
    out = run({"footnotes": NO_NOTES, "paragraphs": NO_PARAGRAPHS, "claims": claims()})
    assert out["references"].empty and out["claim_citations"].empty
    assert out["references"].dtypes.astype(str).to_dict() == citations.REFERENCE_COLUMNS
    assert out["claim_citations"].dtypes.astype(str).to_dict() == citations.CLAIM_CITATION_COLUMNS


def test_run_neither_mutates_its_inputs_nor_depends_on_call_order():
    tables = {"footnotes": notes("Suslov 2016.", "", "Ibid.; See also Nye 2015, 4."),
              "paragraphs": paragraphs("Power shifts (Kupchan 2014).", "Roberts (2018) agrees."),
              "claims": claims(["r:c1", "r", 0, 28, [1, 2]], ["r:c2", "r", 30, 52, [3]])}
    before = {name: table.copy(deep=True) for name, table in tables.items()}
    first, second = run(tables), run(tables)
    for name, table in tables.items():
        pd.testing.assert_frame_equal(table, before[name])
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name])
    assert first["claim_citations"]["ref_id"].fillna("-").tolist() == [
        "r:n1.1", "-", "r:t1", "r:n3.1", "r:n3.2", "r:t2"]


def test_run_names_a_missing_table():
    with pytest.raises(PipelineError, match="claims"):
        run({"footnotes": NO_NOTES, "paragraphs": NO_PARAGRAPHS})


def test_a_missing_column_is_named():
    with pytest.raises(PipelineError, match="footnotes: missing column\\(s\\) resolved"):
        references(NO_NOTES.drop(columns="resolved"), NO_PARAGRAPHS)


# --- the real footnotes ------------------------------------------------------------------------

RULE = re.compile(r" {40,}")
NOTE_START = re.compile(r"(\d+) (.*)")


def report_footnotes(path=REPORT) -> pd.DataFrame:
    """Footnotes of the report's text extraction: the lines after a footnote rule, up to the next page."""
    found, page, below_rule = {}, 1, False
    for line in path.read_text(encoding="utf-8").split("\n"):
        if RULE.fullmatch(line):
            below_rule = True
        elif line.startswith(" "):
            page, below_rule = page + 1, False
        elif below_rule and line.strip():
            start = NOTE_START.match(line)
            if start and int(start[1]) > max(found, default=0):
                found[int(start[1])] = [page, start[2].strip()]
            else:
                found[max(found)][1] = _join(found[max(found)][1], line.strip())
    return pd.DataFrame([{"doc_id": "fiia-2018", "note": note, "page": page, "text": text, "resolved": True}
                         for note, (page, text) in found.items()])


def _join(text: str, line: str) -> str:
    if text.endswith("-"):
        return text[:-1] + line if line[:1].islower() else text + line
    return f"{text} {line}"


@pytest.fixture(scope="module")
def real():
    footnotes = report_footnotes()
    return footnotes, references(footnotes, NO_PARAGRAPHS)


def test_the_report_footnotes_are_the_ones_that_survive(real):
    footnotes, _ = real
    assert footnotes["note"].tolist() == [*range(1, 33), 34, 35, *range(40, 57), *range(61, 69)]


def test_every_real_note_yields_a_reference_and_every_bibliographic_one_has_author_and_year(real):
    footnotes, refs = real
    assert set(refs["note"]) == set(footnotes["note"])
    bibliographic = refs[refs["kind"] == "bibliographic"]
    assert bibliographic["year"].notna().all()
    assert (bibliographic["authors"] != "").all()
    assert set(refs["kind"]) <= set(citations.KINDS)
    assert set(refs["cue"]) <= set(citations.CUES)


@pytest.mark.parametrize("ref_id, kind, authors, year, suffix, pages, cue", [
    ("fiia-2018:n1.1", "bibliographic", "Keohane & Nye", 1977, "", "", ""),
    ("fiia-2018:n3.1", "bibliographic", "Nye", 2015, "", "95", ""),
    ("fiia-2018:n3.2", "bibliographic", "Acharya", 2018, "", "7–19", ""),
    ("fiia-2018:n10.1", "bibliographic", "Ikenberry", 2018, "", "18–19", ""),
    ("fiia-2018:n13.1", "bibliographic", "Chase et al.", 2017, "", "", "For instance"),
    ("fiia-2018:n13.4", "bibliographic", "Bekkevold & Lo", 2018, "", "", "For instance"),
    ("fiia-2018:n15.1", "interview", "", 2018, "", "", ""),
    ("fiia-2018:n21.1", "roundtable", "", 2018, "", "", ""),
    ("fiia-2018:n21.2", "bibliographic", "Allers", 2018, "", "", "See also"),
    ("fiia-2018:n23.2", "bibliographic", "Skalamera", 2018, "", "", "For exceptions, see"),
    ("fiia-2018:n26.1", "bibliographic", "European Commission", 2018, "a", "", ""),
    ("fiia-2018:n47.1", "bibliographic", "The Ministry of Foreign Affairs of the Russian Federation", 2014, "", "", ""),
    ("fiia-2018:n48.1", "bibliographic", "Zaytsev & Knobel", 2017, "", "14, 18", ""),
    ("fiia-2018:n51.2", "bibliographic", "Various authors", 2018, "", "", "See"),
    ("fiia-2018:n52.1", "bibliographic", "Garthoff", 1994, "a", "", ""),
    ("fiia-2018:n52.7", "bibliographic", "Roberts", 2018, "", "", "See"),
    ("fiia-2018:n63.1", "bibliographic", "Garthoff", 1994, "b", "1125–1146", ""),
])
def test_real_notes(real, ref_id, kind, authors, year, suffix, pages, cue):
    row = real[1].set_index("ref_id").loc[ref_id]
    assert (row["kind"], row["authors"], row["year"], row["year_suffix"], row["pages"], row["cue"]) == (
        kind, authors, year, suffix, pages, cue)


def test_real_note_counts(real):
    refs = real[1]
    per_note = refs.groupby("note").size()
    assert per_note[3] == 2 and per_note[5] == 3 and per_note[13] == 4 and per_note[52] == 7
    assert refs.set_index("ref_id").loc["fiia-2018:n54.1", "points_to"] == "fiia-2018:n53.1"
    assert refs.set_index("ref_id").loc["fiia-2018:n35.2", "points_to"] == "fiia-2018:n35.1"
    assert refs[refs["kind"] == "comment"]["note"].tolist() == [14, 30, 31, 43, 45]
    assert refs[refs["kind"] == "cross_reference"]["note"].tolist() == [50, 68]


def test_the_footnote_helper_joins_wrapped_and_hyphenated_lines(tmp_path):
    source = tmp_path / "report.txt"
    source.write_text(" 1 A PAGE\n\nbody text\n\n" + " " * 54 + "\n\n1 See Roberts (2018) for a discus-\n\nsion of "
                      "Russia-\n\nChina ties. \n\n2 Nye 2015. \n\n Next page\n\n3 body line\n", encoding="utf-8")
    assert report_footnotes(source)["text"].tolist() == [
        "See Roberts (2018) for a discussion of Russia-China ties.", "Nye 2015."]


def test_a_note_flagged_resolved_without_text_counts_as_unresolved():
    footnotes = notes("Nye 2015.", "   ")
    footnotes["resolved"] = True
    found = references(footnotes, NO_PARAGRAPHS)
    links = claim_citations(claims(["r:c1", "r", 0, 5, [2]]), footnotes, found)
    assert found["note"].tolist() == [1]
    assert links[["note", "ref_id", "resolved"]].astype(object).where(links.notna(), None).values.tolist() == [
        [2, None, False]]


@pytest.mark.parametrize("text, start, end", [
    ("a (b) c", 0, 7), ("(a (b) c) d", 0, 11), ("a) b (c", 0, 7), ("((x", 0, 3), ("))x", 0, 3), ("", 0, 0),
    ("x(a)y (z) w", 2, 11), ("Nye (2015) said so; see (Chase et al. 2017, 12).", 0, 48),
])
def test_top_level_positions_are_those_outside_parentheses(text, start, end):
    depth, expected = 0, []  # counted character by character; a stray ")" closes nothing
    for i in range(start, end):
        depth += (text[i] == "(") - (text[i] == ")" and depth > 0)
        if depth == 0 and text[i] != ")":
            expected.append(i)
    assert citations._top_level(text, start, end) == expected
