"""The SQLite database and the search library over it: keys, FTS5 with stemming, filters, kwic, show.

The tables are a tiny hand-made corpus with exactly the columns of the dataset
contract (``corpus_tables``), reused by test_datasets.py and test_serve.py.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess

import pandas as pd
import pytest

from pipeline import database, search
from pipeline.errors import PipelineError, QueryError

# (section_id, number, title, level, parent_id, page, paragraphs); a paragraph is a list of
# (claim text, markers, claim_type, hedged).
REPORT = [
    ("r:s001", "1", "INTRODUCTION", 1, None, 1, [[
        ("The great-power system has been in constant change.", [], "assertion", False),
        ("Concepts such as the multiplex world capture the logic of the current situation.", [1], "assertion", False),
    ]]),
    ("r:s002", "2", "THE SINO-RUSSIAN RELATIONSHIP", 1, None, 2, [[
        ("Russia and China may deepen their energy cooperation.", [2], "prediction", True),
    ]]),
    ("r:s003", "2.4", "Economic ties: the central role of energy cooperation", 2, "r:s002", 3, [[
        ("Western sanctions pushed Russia towards China.", [], "assertion", False),
        ("As Roberts (2018) shows, the pipeline to China will be built.", [], "prediction", False),
    ]]),
    ("r:s004", "", "Trade in goods", 3, "r:s003", 4, [[
        ("China sells machinery to Russia, and Russia sells oil and gas to China.", [3], "assertion", False),
    ], [
        ("A new sanction regime could hurt trade.", [], "prediction", True),
    ]]),
    ("r:s005", "2.10", "The effects of Sino-American rivalry", 2, "r:s002", 5, [[
        ("The United States imposed sanctions on Chinese firms.", [], "assertion", False),
    ]]),
    ("r:s006", "3", "THE US-RUSSIAN RELATIONSHIP", 1, None, 6, [[
        ("Washington should keep the dialogue on arms control open.", [4], "prescription", False),
    ]]),
]
PRESS = [
    ("pr:s001", "", "Study: great-power relations", 1, None, 1, [[
        ("Energy cooperation between Russia and China is growing, the study says.", [], "attribution", False),
    ]]),
]
FOOTNOTES = [  # (note, page, text, resolved)
    (1, 1, "Nye 2015, 95; Acharya 2018, 7–19.", True),
    (2, 2, "Ibid., 97.", True),
    (3, 4, "See also Keohane & Nye 1977.", True),
    (4, 6, "", False),
]
REFERENCES = [  # ref_id, note, paragraph_id, authors, author_list, year, pages, cue, kind, points_to, raw
    ("r:n1.1", 1, None, "Nye", ["Nye"], 2015, "95", "", "bibliographic", None, "Nye 2015, 95"),
    ("r:n1.2", 1, None, "Acharya", ["Acharya"], 2018, "7–19", "", "bibliographic", None, "Acharya 2018, 7–19"),
    ("r:n2.1", 2, None, "", [], None, "97", "", "ibid", "r:n1.1", "Ibid., 97."),
    ("r:n3.1", 3, None, "Keohane & Nye", ["Keohane", "Nye"], 1977, "", "See also", "bibliographic", None,
     "Keohane & Nye 1977"),
    ("r:t1", None, "r:p0003", "Roberts", ["Roberts"], 2018, "", "", "bibliographic", None, "Roberts (2018)"),
]
ACTORS = {"Russia": "RUS", "China": "CHN", "Chinese": "CHN", "United States": "USA", "Washington": "USA"}
THEMES = {"energy": ("energy", "economy"), "oil": ("energy", "economy"), "pipeline": ("energy", "economy"),
          "sanction": ("sanctions", "economy"), "arms control": ("arms_control", "security")}


def corpus_tables() -> dict[str, pd.DataFrame]:
    """A two-document corpus with every table of the dataset contract, offsets consistent with the text."""
    documents, sections, paragraphs, claims = [], [], [], []
    for doc_id, kind, title, layout in (("r", "report", "A report", REPORT), ("pr", "press_release", "A release",
                                                                             PRESS)):
        text, n_paragraph, n_claim = "", 0, 0
        for section_id, number, heading, level, parent, page, blocks in layout:
            start = len(text)
            text += f"{number} {heading}".strip() + "\n\n"
            sections.append({"doc_id": doc_id, "section_id": section_id, "number": number, "title": heading,
                             "level": level, "parent_id": parent, "page": page, "start": start, "end": None})
            for block in blocks:
                n_paragraph += 1
                paragraph_id = f"{doc_id}:p{n_paragraph:04d}"
                paragraph_start = len(text)
                for i, (sentence, markers, claim_type, hedged) in enumerate(block):
                    n_claim += 1
                    claim_start = len(text)
                    text += sentence + (" " if i < len(block) - 1 else "")
                    claims.append({
                        "claim_id": f"{doc_id}:c{n_claim:05d}", "doc_id": doc_id, "paragraph_id": paragraph_id,
                        "section_id": section_id, "section_number": number or _numbered(layout, section_id),
                        "section_title": heading, "page": page, "start": claim_start,
                        "end": claim_start + len(sentence), "text": sentence, "claim_type": claim_type,
                        "hedged": hedged, "markers": list(markers)})
                paragraphs.append({"doc_id": doc_id, "paragraph_id": paragraph_id, "section_id": section_id,
                                   "kind": "body", "page_start": page, "page_end": page, "start": paragraph_start,
                                   "end": len(text), "text": text[paragraph_start:], "page_breaks": []})
                text += "\n\n"
        for section in sections:
            if section["doc_id"] == doc_id:
                section["end"] = len(text)
        documents.append({"doc_id": doc_id, "kind": kind, "title": title, "date": "2018-12-12",
                          "source": f"{doc_id}.txt", "sha256": "0" * 64, "n_pages": 6, "text": text})
    claims_frame = pd.DataFrame(claims)
    mentions, claim_actors, claim_themes = [], [], []
    for claim in claims:
        seen = {}
        for surface, actor_id in ACTORS.items():
            at = claim["text"].find(surface)
            if at >= 0 and not (surface == "China" and claim["text"][at:at + 7] == "Chinese"):
                role = "agent" if at == 0 else "mentioned"
                mentions.append({"claim_id": claim["claim_id"], "actor_id": actor_id, "surface": surface,
                                 "start": claim["start"] + at, "end": claim["start"] + at + len(surface),
                                 "role": role, "method": "rule"})
                seen.setdefault(actor_id, role)
        claim_actors += [{"claim_id": claim["claim_id"], "actor_id": a, "role": r} for a, r in seen.items()]
        found: dict[str, tuple[str, list[str]]] = {}
        for cue, (theme_id, group) in THEMES.items():
            if cue in claim["text"].lower():
                found.setdefault(theme_id, (group, []))[1].append(cue)
        claim_themes += [{"claim_id": claim["claim_id"], "theme_id": t, "group": g, "score": 0.5 + 0.25 * len(e),
                          "method": "lexicon", "evidence": e} for t, (g, e) in found.items()]
    notes = {(c["doc_id"], n): c["claim_id"] for c in claims for n in c["markers"]}
    references = pd.DataFrame(
        [{"ref_id": r[0], "doc_id": "r", "note": r[1], "paragraph_id": r[2],
          "start": None if r[2] is None else 1, "end": None if r[2] is None else 2, "authors": r[3],
          "author_list": r[4], "year": r[5], "pages": r[6], "cue": r[7], "kind": r[8], "points_to": r[9],
          "raw": r[10]} for r in REFERENCES]).astype({"note": "Int64", "start": "Int64", "end": "Int64",
                                                      "year": "Int64"})
    citations = []
    for (doc_id, note), claim_id in notes.items():
        refs = [r[0] for r in REFERENCES if r[1] == note]
        resolved = any(f[0] == note and f[3] for f in FOOTNOTES)
        citations += [{"claim_id": claim_id, "doc_id": doc_id, "note": note, "ref_id": ref, "resolved": resolved}
                      for ref in (refs or [None])]
    roberts = next(c for c in claims if "Roberts" in c["text"])
    citations.append({"claim_id": roberts["claim_id"], "doc_id": "r", "note": None, "ref_id": "r:t1",
                      "resolved": True})
    marker_rows = [{"doc_id": c["doc_id"], "note": n, "start": c["end"], "page": c["page"],
                    "paragraph_id": c["paragraph_id"], "resolved": any(f[0] == n and f[3] for f in FOOTNOTES)}
                   for c in claims for n in c["markers"]]
    return {
        "documents": pd.DataFrame(documents),
        "sections": pd.DataFrame(sections),
        "paragraphs": pd.DataFrame(paragraphs),
        "footnotes": pd.DataFrame([{"doc_id": "r", "note": n, "page": p, "text": t, "resolved": ok}
                                   for n, p, t, ok in FOOTNOTES]),
        "markers": pd.DataFrame(marker_rows),
        "claims": claims_frame,
        "actor_mentions": pd.DataFrame(mentions),
        "claim_actors": pd.DataFrame(claim_actors),
        "claim_themes": pd.DataFrame(claim_themes),
        "references": references,
        "claim_citations": pd.DataFrame(citations).astype({"note": "Int64"}),
    }


def _numbered(layout, section_id: str) -> str:
    by_id = {s[0]: s for s in layout}
    current = by_id[section_id]
    while not current[1] and current[4]:
        current = by_id[current[4]]
    return current[1]


def claim_with(tables, fragment: str) -> str:
    claims = tables["claims"]
    return claims.loc[claims["text"].str.contains(fragment, regex=False), "claim_id"].iloc[0]


@pytest.fixture(scope="module")
def tables():
    return corpus_tables()


@pytest.fixture(scope="module")
def db(tables, tmp_path_factory):
    return database.build(tables, tmp_path_factory.mktemp("db") / "corpus.sqlite")


def ids(frame: pd.DataFrame) -> set[str]:
    return set(frame["claim_id"])


# --------------------------------------------------------------------------- the database


def test_every_table_is_stored_with_its_rows(db, tables):
    with sqlite3.connect(db) as connection:
        for name, frame in tables.items():
            assert connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] == len(frame), name
            columns = [row[1] for row in connection.execute(f'PRAGMA table_info("{name}")')]
            assert columns == list(frame.columns), name


@pytest.mark.parametrize("table, key", [
    ("documents", ["doc_id"]), ("sections", ["section_id"]), ("paragraphs", ["paragraph_id"]),
    ("footnotes", ["doc_id", "note"]), ("claims", ["claim_id"]), ("references", ["ref_id"]),
    ("claim_actors", ["claim_id", "actor_id"]), ("claim_themes", ["claim_id", "theme_id"]),
])
def test_primary_keys(db, table, key):
    with sqlite3.connect(db) as connection:
        info = connection.execute(f'PRAGMA table_info("{table}")').fetchall()
    assert [row[1] for row in sorted(info, key=lambda row: row[5]) if row[5]] == key


@pytest.mark.parametrize("table, columns, parent", [
    ("claims", ("paragraph_id",), "paragraphs"), ("claims", ("section_id",), "sections"),
    ("claims", ("doc_id",), "documents"), ("claim_actors", ("claim_id",), "claims"),
    ("claim_themes", ("claim_id",), "claims"), ("actor_mentions", ("claim_id",), "claims"),
    ("claim_citations", ("ref_id",), "references"), ("claim_citations", ("doc_id", "note"), "footnotes"),
    ("references", ("points_to",), "references"), ("sections", ("parent_id",), "sections"),
    ("markers", ("paragraph_id",), "paragraphs"),
])
def test_foreign_keys_are_declared_and_hold(db, table, columns, parent):
    with sqlite3.connect(db) as connection:
        keys: dict[int, list] = {}
        for row in connection.execute(f'PRAGMA foreign_key_list("{table}")'):
            keys.setdefault(row[0], []).append(row)
        declared = {(tuple(r[3] for r in rows), rows[0][2]) for rows in keys.values()}
        assert (columns, parent) in declared
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []


@pytest.mark.parametrize("table, column", [
    ("claim_actors", "actor_id"), ("claim_themes", "theme_id"), ("claims", "claim_type"),
    ("claims", "section_number"), ("claims", "doc_id"), ("claims", "hedged"), ("actor_mentions", "actor_id"),
    ("claim_actors", "claim_id"), ("actor_mentions", "claim_id"),
])
def test_facet_columns_are_indexed(db, table, column):
    with sqlite3.connect(db) as connection:
        first_columns = set()
        for index in connection.execute(f'PRAGMA index_list("{table}")'):
            info = connection.execute(f'PRAGMA index_info("{index[1]}")').fetchall()
            first_columns.add(min(info)[2])
    assert column in first_columns


def test_list_columns_are_json_text_and_booleans_integers(db, tables):
    with sqlite3.connect(db) as connection:
        markers = dict(connection.execute("SELECT claim_id, markers FROM claims"))
        evidence = connection.execute("SELECT evidence FROM claim_themes WHERE theme_id = 'energy'").fetchone()[0]
        hedged = {row[0] for row in connection.execute("SELECT DISTINCT hedged FROM claims")}
    assert {k: json.loads(v) for k, v in markers.items()} == dict(zip(tables["claims"].claim_id,
                                                                      tables["claims"].markers))
    assert isinstance(json.loads(evidence), list)
    assert hedged == {0, 1}


def test_claim_facets_view_has_one_row_per_claim_with_joined_labels(db, tables):
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        rows = {row["claim_id"]: dict(row) for row in connection.execute("SELECT * FROM claim_facets")}
    assert len(rows) == len(tables["claims"])
    trade = rows[claim_with(tables, "machinery")]
    assert trade["actors"] == "CHN, RUS" and json.loads(trade["actor_list"]) == ["CHN", "RUS"]
    assert trade["themes"] == "energy" and trade["agents"] == "CHN"
    assert rows[claim_with(tables, "great-power system")]["actors"] == ""


def test_data_dictionary_table_describes_every_column(db, tables):
    with sqlite3.connect(db) as connection:
        described = {(t, c): d for t, c, d in connection.execute(
            "SELECT table_name, column_name, description FROM data_dictionary")}
    expected = {(name, column) for name, frame in tables.items() for column in frame.columns}
    assert set(described) == expected and all(described.values())


def test_plain_sqlite3_opens_it(db):
    if not shutil.which("sqlite3"):
        pytest.skip("no sqlite3 command line tool")
    out = subprocess.run(["sqlite3", str(db), "SELECT count(*) FROM claims_fts WHERE claims_fts MATCH 'sanction'"],
                         capture_output=True, text=True, timeout=30, check=True)
    assert out.stdout.strip() == "3"


def test_fts_tables_use_the_porter_stemmer(db):
    with sqlite3.connect(db) as connection:
        sql = dict(connection.execute("SELECT name, sql FROM sqlite_master WHERE name LIKE '%_fts'"))
        notes = connection.execute("SELECT f.note FROM footnotes_fts JOIN footnotes f ON f.rowid = footnotes_fts.rowid "
                                   "WHERE footnotes_fts MATCH 'keohane'").fetchall()
    assert set(sql) == {"claims_fts", "footnotes_fts"}
    assert all("tokenize='porter unicode61'" in statement for statement in sql.values())
    assert notes == [(3,)]


def test_rebuild_is_idempotent_and_replaces_the_file(tables, db, tmp_path):
    again = database.build(tables, tmp_path / "corpus.sqlite")
    database.build(tables, again)
    for query in ("sanction", '"energy cooperation"', "china OR russia", "pipe*"):
        first, second = search.search(db, query, limit=0), search.search(again, query, limit=0)
        pd.testing.assert_frame_equal(first, second)
    assert [p.name for p in tmp_path.iterdir()] == ["corpus.sqlite"]


def test_a_broken_key_raises_and_keeps_the_previous_database(tables, tmp_path):
    path = database.build(tables, tmp_path / "corpus.sqlite")
    before = path.read_bytes()
    broken = dict(tables, claims=pd.concat([tables["claims"], tables["claims"].head(1)], ignore_index=True))
    with pytest.raises(PipelineError, match="duplicate key"):
        database.build(broken, path)
    dangling = dict(tables, claim_actors=pd.concat(
        [tables["claim_actors"], pd.DataFrame([{"claim_id": "r:c99999", "actor_id": "CHN", "role": "agent"}])],
        ignore_index=True))
    with pytest.raises(PipelineError, match="missing claims row"):
        database.build(dangling, path)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["corpus.sqlite"]


def test_optional_tables_may_be_missing(tables, tmp_path):
    core = {name: tables[name] for name in ("documents", "sections", "paragraphs", "claims")}
    core["claims"] = core["claims"].drop(columns=["claim_type", "hedged"])
    path = database.build(core, tmp_path / "corpus.sqlite")
    found = search.search(path, "sanction")
    assert len(found) == 3 and found["actors"].eq("").all()
    with pytest.raises(QueryError, match="actors stage"):
        search.search(path, "sanction", actor="CHN")
    with pytest.raises(QueryError, match="make all"):
        search.search(path, "sanction", hedged=True)
    assert search.show(path, found["claim_id"][0])["citations"] == []


# --------------------------------------------------------------------------- search


def test_stemming_finds_inflected_forms_with_a_highlighted_snippet(db, tables):
    found = search.search(db, "sanction")
    assert ids(found) == {claim_with(tables, t) for t in ("Western sanctions", "new sanction", "imposed sanctions")}
    assert list(found.columns) == search.SEARCH_COLUMNS
    assert found["rank"].tolist() == [1, 2, 3] and found["score"].is_monotonic_decreasing
    assert all("[sanction" in snippet for snippet in found["snippet"])
    western = found.set_index("claim_id").loc[claim_with(tables, "Western sanctions")]
    assert western["snippet"] == "Western [sanctions] pushed Russia towards China."
    assert western["actors"] == "CHN, RUS" and western["themes"] == "sanctions" and western["page"] == 3


@pytest.mark.parametrize("query, fragments", [
    ('"energy cooperation"', ["may deepen", "Energy cooperation between"]),
    ("pipeline OR oil", ["pipeline to China", "oil and gas"]),
    ("china NOT russia", ["pipeline to China"]),
    ("sanc*", ["Western sanctions", "new sanction", "imposed sanctions"]),
    ("russia china energy", ["may deepen", "Energy cooperation between"]),
    ("NEAR(russia sells, 2)", ["machinery"]),
])
def test_fts_syntax(db, tables, query, fragments):
    assert ids(search.search(db, query, limit=0)) == {claim_with(tables, f) for f in fragments}


def test_an_empty_query_lists_the_filtered_claims_in_reading_order(db, tables):
    found = search.search(db, "", doc="pr")
    assert found["claim_id"].tolist() == ["pr:c00001"] and found["score"].isna().all()


@pytest.mark.parametrize("filters, fragments", [
    ({"actor": "USA"}, ["imposed sanctions", "arms control"]),
    ({"actor": "usa", "theme": "sanctions"}, ["imposed sanctions"]),
    ({"theme": "sanctions"}, ["Western sanctions", "new sanction", "imposed sanctions"]),
    ({"theme": "economy", "claim_type": "prediction"}, ["may deepen", "pipeline to China", "new sanction"]),
    ({"hedged": True}, ["may deepen", "new sanction"]),
    ({"hedged": False, "section": "2.4"}, ["Western sanctions", "pipeline to China", "machinery"]),
    ({"section": "2"}, ["may deepen", "Western sanctions", "pipeline to China", "machinery", "new sanction",
                        "imposed sanctions"]),
    ({"section": "2.1"}, []),
    ({"section": "2.10"}, ["imposed sanctions"]),
    ({"doc": "pr"}, ["Energy cooperation between"]),
    ({"cites": "Nye"}, ["multiplex world", "may deepen", "machinery"]),
    ({"cites": "acharya"}, ["multiplex world"]),
    ({"cites": "Roberts"}, ["pipeline to China"]),
])
def test_filters(db, tables, filters, fragments):
    if filters.get("section") == "2.1":
        with pytest.raises(QueryError, match="not a section number"):
            search.search(db, "", **filters)
        return
    assert ids(search.search(db, "", limit=0, **filters)) == {claim_with(tables, f) for f in fragments}


def test_filters_combine_with_a_query(db, tables):
    found = search.search(db, "china", actor="RUS", section="2", hedged=False, limit=0)
    assert ids(found) == {claim_with(tables, f) for f in ("Western sanctions", "machinery")}
    assert len(search.search(db, "china", limit=2)) == 2


@pytest.mark.parametrize("filters, message", [
    ({"actor": "XYZ"}, "not an actor id in the database; known: CHN, RUS, USA"),
    ({"theme": "weather"}, "not a theme id or group"),
    ({"claim_type": "rumour"}, "not a claim type"),
    ({"doc": "nope"}, "not a document id"),
    ({"section": "9"}, "not a section number"),
    ({"cites": "Zzyzx"}, "no reference in the database has an author matching"),
    ({"limit": -1}, "not a positive whole number"),
])
def test_unknown_filter_values_are_one_line_errors(db, filters, message):
    with pytest.raises(QueryError, match=message) as error:
        search.search(db, "china", **filters)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("query", ['"unterminated', "AND", "sanction NOT", "(china OR", "foo:bar", "china AND OR x"])
def test_a_malformed_query_is_a_one_line_query_error(db, query):
    with pytest.raises(QueryError, match="cannot parse") as error:
        search.search(db, query)
    assert "\n" not in str(error.value) and error.value.exit_code == 4
    with pytest.raises(QueryError, match="cannot parse"):
        search.kwic(db, query)


def test_a_missing_database_says_to_run_make_all(tmp_path):
    for call in (lambda p: search.search(p, "china"), lambda p: search.kwic(p, "china"),
                 lambda p: search.show(p, "r:c00001")):
        with pytest.raises(QueryError, match="run `make all`"):
            call(tmp_path / "outputs" / "corpus.sqlite")
    assert not (tmp_path / "outputs").exists()


def test_an_outdated_database_says_to_rebuild(tmp_path):
    path = tmp_path / "corpus.sqlite"
    sqlite3.connect(path).execute("CREATE TABLE claims (claim_id TEXT)").connection.commit()
    with pytest.raises(QueryError, match="outdated"):
        search.search(path, "china")


# --------------------------------------------------------------------------- kwic


def test_kwic_rows_and_offsets(db, tables):
    rows = search.kwic(db, "sanction", window=3)
    assert list(rows.columns) == search.KWIC_COLUMNS
    assert rows["keyword"].tolist() == ["sanctions", "sanction", "sanctions"]
    first = rows.iloc[0]
    assert (first["left"], first["right"]) == ("Western", "pushed Russia towards")
    texts = tables["documents"].set_index("doc_id")["text"]
    for row in rows.itertuples():
        assert texts[row.doc_id][row.start:row.start + len(row.keyword)] == row.keyword
    assert all(len(right.split()) <= 3 and len(left.split()) <= 3 for left, right in zip(rows.left, rows.right))


def test_kwic_phrases_repeats_filters_and_limit(db):
    phrase = search.kwic(db, '"energy cooperation"', window=2)
    assert phrase["keyword"].tolist() == ["energy cooperation", "Energy cooperation"]
    assert search.kwic(db, "china", actor="USA").empty
    assert len(search.kwic(db, "russia")) == 5 and len(search.kwic(db, "russia", limit=2)) == 2
    assert search.kwic(db, "russia", window=0)["left"].eq("").all()


def test_kwic_is_printed_aligned_on_the_keyword(db):
    lines = search.format_kwic(search.kwic(db, "russia OR china", window=4)).splitlines()
    assert len(lines) > 5
    keyword_columns = {line.index(" | ") for line in lines}
    assert len(keyword_columns) == 1
    right_columns = {line.index(" | ", line.index(" | ") + 3) for line in lines}
    assert len(right_columns) == 1


# --------------------------------------------------------------------------- show


def test_show_gives_the_claim_in_context(db, tables):
    record = search.show(db, claim_with(tables, "machinery"))
    assert record["section_path"] == "2 THE SINO-RUSSIAN RELATIONSHIP > 2.4 Economic ties: the central role of " \
                                     "energy cooperation > Trade in goods"
    assert [s["section_id"] for s in record["sections"]] == ["r:s002", "r:s003", "r:s004"]
    assert record["page"] == 4 and record["document"]["title"] == "A report"
    assert record["claim"]["markers"] == [3] and record["claim"]["hedged"] is False
    assert record["claim"]["text"] in record["paragraph"]["text"]
    assert {(a["actor_id"], a["role"]) for a in record["actors"]} == {("CHN", "agent"), ("RUS", "mentioned")}
    assert record["themes"][0]["evidence"] == ["oil"]
    assert {m["surface"] for m in record["mentions"]} == {"China", "Russia"}
    [citation] = record["citations"]
    assert citation["note"] == 3 and citation["footnote"] == "See also Keohane & Nye 1977."
    assert citation["references"][0]["author_list"] == ["Keohane", "Nye"]


def test_show_follows_ibid_to_its_source_and_lists_in_text_citations(db, tables):
    [ibid] = search.show(db, claim_with(tables, "may deepen"))["citations"]
    assert ibid["references"][0]["kind"] == "ibid" and ibid["references"][0]["source"]["ref_id"] == "r:n1.1"
    [in_text] = search.show(db, claim_with(tables, "Roberts"))["citations"]
    assert in_text["note"] is None and in_text["references"][0]["raw"] == "Roberts (2018)"
    [unresolved] = search.show(db, claim_with(tables, "arms control"))["citations"]
    assert unresolved["resolved"] is False and unresolved["references"] == []
    text = search.format_show(search.show(db, claim_with(tables, "may deepen")))
    assert "note 2:" in text and "→ Nye 2015" in text and "2 THE SINO-RUSSIAN RELATIONSHIP" in text


def test_show_an_unknown_claim_is_a_query_error(db):
    with pytest.raises(QueryError, match="did you mean r:c00001"):
        search.show(db, "c00001")
    with pytest.raises(QueryError, match="no claim 'nothing'"):
        search.show(db, "nothing")


# --------------------------------------------------------------------------- the command line


@pytest.fixture(scope="module")
def project(db, tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    (root / "outputs").mkdir()
    shutil.copy(db, root / "outputs" / "corpus.sqlite")
    return root


def gpc(*args):
    from click.testing import CliRunner

    from pipeline.cli import cli

    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_cli_search_formats(project):
    table = gpc("search", "sanction", "--actor", "RUS", "--root", str(project))
    assert table.exit_code == 0 and "[sanctions]" in table.output and table.output.startswith("claim ")
    as_json = json.loads(gpc("search", "sanction", "--format", "json", "--root", str(project)).output)
    assert len(as_json) == 3 and as_json[0]["rank"] == 1
    as_csv = gpc("search", "sanction", "--format", "csv", "--limit", "1", "--root", str(project)).output
    assert as_csv.splitlines()[0].startswith("rank,claim_id") and len(as_csv.splitlines()) == 2
    hedged = gpc("search", "", "--hedged", "--format", "json", "--root", str(project)).output
    assert {row["hedged"] for row in json.loads(hedged)} == {True}


def test_cli_kwic_and_show(project):
    kwic = gpc("kwic", "sanction", "--window", "2", "--root", str(project))
    assert kwic.exit_code == 0 and len(kwic.output.splitlines()) == 3 and "| sanctions |" in kwic.output
    shown = gpc("show", "r:c00003", "--root", str(project))
    assert shown.exit_code == 0 and "2 THE SINO-RUSSIAN RELATIONSHIP" in shown.output
    assert json.loads(gpc("show", "r:c00003", "--format", "json", "--root", str(project)).output)["page"] == 2


@pytest.mark.parametrize("args, message", [
    (["search", "sanction NOT"], "error: query: cannot parse"),
    (["search", "china", "--actor", "XYZ"], "error: actor: 'XYZ' is not an actor id"),
    (["show", "r:c99999"], "error: claim: no claim"),
])
def test_cli_errors_are_one_line(project, args, message):
    result = gpc(*args, "--root", str(project))
    assert result.exit_code == 4 and result.output.startswith(message) and result.output.count("\n") == 1


def test_cli_missing_database(tmp_path):
    result = gpc("search", "china", "--root", str(tmp_path))
    assert result.exit_code == 4 and "run `make all`" in result.output


@pytest.mark.parametrize("command", ["search", "kwic", "show", "serve"])
def test_cli_help_ends_with_an_example(command):
    lines = gpc(command, "--help").output.rstrip().splitlines()
    assert lines[-2].strip() == "Example:" and lines[-1].strip().startswith(f"gpc {command}")
