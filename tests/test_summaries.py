"""Summaries: every number reproducible from the datasets, schema-driven, empty-safe, pure and deterministic."""

import copy
import re

import pandas as pd
import pytest

from pipeline import summaries
from pipeline.errors import InputError
from pipeline.paths import Paths
from pipeline.runner import RunResult

SCHEMA = {
    "groups": [{"id": "economy", "label": "Economy"}, {"id": "order", "label": "International order"}],
    "themes": [
        {"id": "energy", "label": "Energy and resources", "group": "economy"},
        {"id": "sanctions", "label": "Sanctions", "group": "economy"},
        {"id": "trade_investment", "label": "Trade and investment", "group": "economy"},
        {"id": "alignment", "label": "Alignment and rivalry", "group": "order"},
    ],
}
REPORT, PRESS = "fiia-2018", "pr-596-2018"
# claim id, doc, section_id, section_number, text, claim type, hedged, actors, themes
CLAIMS = [
    ("fiia-2018:c00001", REPORT, "s1", "1", "China and Russia trade oil and gas across the border.", "assertion", False,
     ["CHN", "RUS"], ["energy", "trade_investment"]),
    ("fiia-2018:c00002", REPORT, "s1", "1", "This report examines sanctions and their limits (Kupchan 2014).", "meta",
     False, [], ["sanctions"]),
    ("fiia-2018:c00003", REPORT, "s2", "2", "Russia will sell more gas to China through new pipelines.", "prediction",
     False, ["RUS", "CHN"], ["energy"]),
    ("fiia-2018:c00004", REPORT, "s3", "2.4", "Gas pipelines may bind Moscow and Beijing for decades.", "prediction",
     True, ["RUS", "CHN"], ["energy", "alignment"]),
    ("fiia-2018:c00005", REPORT, "s4", "2.4", "The US imposed sanctions on Russian oil and gas firms.", "assertion",
     False, ["USA", "RUS"], ["energy", "sanctions"]),
    ("fiia-2018:c00006", REPORT, "s4", "2.4", "Moscow should diversify its gas exports and its trade.", "prescription",
     False, ["RUS"], ["energy", "trade_investment"]),
    ("fiia-2018:c00007", REPORT, "s5", "3", "Washington and Moscow distrust each other deeply.", "assertion", True,
     ["USA", "RUS"], ["alignment"]),
    ("pr-596-2018:c00001", PRESS, "p1", "", "The Sino-Russian relationship is imbalanced.", "assertion", False,
     ["CHN", "RUS"], ["alignment"]),
    ("pr-596-2018:c00002", PRESS, "p1", "", "<script>alert('x')</script> Gas exports & pipelines matter.", "assertion",
     False, [], ["energy"]),
]


def corpus_tables() -> dict[str, pd.DataFrame]:
    """A tiny run: two documents, nine claims with actors, themes, claim types and citations."""
    claims = pd.DataFrame([{
        "claim_id": cid, "doc_id": doc, "paragraph_id": f"{doc}:p1", "section_id": f"{doc}:{sid}",
        "section_number": number, "section_title": "", "page": 1, "start": 0, "end": len(text), "text": text,
        "claim_type": kind, "hedged": hedged, "markers": []} for cid, doc, sid, number, text, kind, hedged, _, _ in CLAIMS])
    groups = {t["id"]: t["group"] for t in SCHEMA["themes"]}
    claim_themes = pd.DataFrame([{"claim_id": c[0], "theme_id": t, "group": groups[t], "score": 1.0 - 0.1 * k,
                                  "method": "lexicon"} for c in CLAIMS for k, t in enumerate(c[8])])
    claim_actors = pd.DataFrame([{"claim_id": c[0], "actor_id": a, "role": "agent" if k == 0 else "mentioned"}
                                 for c in CLAIMS for k, a in enumerate(c[7])])
    sections = pd.DataFrame([
        {"doc_id": REPORT, "section_id": f"{REPORT}:s1", "number": "1", "title": "Introduction", "level": 1,
         "parent_id": None, "page": 1},
        {"doc_id": REPORT, "section_id": f"{REPORT}:s2", "number": "2", "title": "The Sino-Russian relationship",
         "level": 1, "parent_id": None, "page": 2},
        {"doc_id": REPORT, "section_id": f"{REPORT}:s3", "number": "2.4", "title": "Economic ties", "level": 2,
         "parent_id": f"{REPORT}:s2", "page": 3},
        {"doc_id": REPORT, "section_id": f"{REPORT}:s4", "number": "", "title": "Energy", "level": 3,
         "parent_id": f"{REPORT}:s3", "page": 3},
        {"doc_id": REPORT, "section_id": f"{REPORT}:s5", "number": "3", "title": "The US-Russian relationship",
         "level": 1, "parent_id": None, "page": 5},
        {"doc_id": PRESS, "section_id": f"{PRESS}:p1", "number": "", "title": "", "level": 1, "parent_id": None,
         "page": 1},
    ])
    ref = {"doc_id": REPORT, "year_suffix": "", "pages": "", "cue": "", "points_to": None}
    references = pd.DataFrame([
        {**ref, "ref_id": f"{REPORT}:n3.1", "note": 3, "authors": "Nye", "author_list": ["Nye"], "year": 2015,
         "kind": "bibliographic", "raw": "Nye 2015"},
        {**ref, "ref_id": f"{REPORT}:n4.1", "note": 4, "authors": "", "author_list": [], "year": None,
         "kind": "ibid", "points_to": f"{REPORT}:n3.1", "raw": "Ibid."},
        {**ref, "ref_id": f"{REPORT}:n5.1", "note": 5, "authors": "Bolt & Cross", "author_list": ["Bolt", "Cross"],
         "year": 2018, "kind": "bibliographic", "raw": "Bolt & Cross 2018"},
        {**ref, "ref_id": f"{REPORT}:n6.1", "note": 6, "authors": "Bolt & Cross", "author_list": ["Bolt", "Cross"],
         "year": None, "kind": "op_cit", "points_to": f"{REPORT}:n5.1", "raw": "Bolt & Cross"},
        {**ref, "ref_id": f"{REPORT}:n7.1", "note": 7, "authors": "", "author_list": [], "year": None,
         "kind": "comment", "raw": "The authors thank the reviewers."},
        {**ref, "ref_id": f"{REPORT}:t1", "note": None, "authors": "Kupchan", "author_list": ["Kupchan"],
         "year": 2014, "kind": "bibliographic", "raw": "Kupchan 2014"},
    ]).astype({"note": "Int64", "year": "Int64"})
    claim_citations = pd.DataFrame([
        {"claim_id": "fiia-2018:c00001", "doc_id": REPORT, "note": 3, "ref_id": f"{REPORT}:n3.1", "resolved": True},
        {"claim_id": "fiia-2018:c00003", "doc_id": REPORT, "note": 4, "ref_id": f"{REPORT}:n4.1", "resolved": True},
        {"claim_id": "fiia-2018:c00004", "doc_id": REPORT, "note": 5, "ref_id": f"{REPORT}:n5.1", "resolved": True},
        {"claim_id": "fiia-2018:c00005", "doc_id": REPORT, "note": 6, "ref_id": f"{REPORT}:n6.1", "resolved": True},
        {"claim_id": "fiia-2018:c00006", "doc_id": REPORT, "note": 7, "ref_id": f"{REPORT}:n7.1", "resolved": True},
        {"claim_id": "fiia-2018:c00006", "doc_id": REPORT, "note": 8, "ref_id": None, "resolved": False},
        {"claim_id": "fiia-2018:c00002", "doc_id": REPORT, "note": None, "ref_id": f"{REPORT}:t1", "resolved": True},
    ]).astype({"note": "Int64"})
    documents = pd.DataFrame([
        {"doc_id": REPORT, "kind": "report", "title": "The Sino-Russian and US-Russian Relationships",
         "date": "2018-12-12", "n_pages": 66, "text": ""},
        {"doc_id": PRESS, "kind": "press_release", "title": "Study: The Sino-Russian and US-Russian Relationships",
         "date": "2018-12-12", "n_pages": 1, "text": ""},
    ])
    return {"documents": documents, "sections": sections, "claims": claims, "claim_themes": claim_themes,
            "claim_actors": claim_actors, "references": references, "claim_citations": claim_citations}


@pytest.fixture
def tables():
    return corpus_tables()


def datasets(tables) -> dict:
    """What a user has after reading the datasets: the names the reproduce lines use."""
    names = ("claims", "claim_themes", "claim_actors", "references", "claim_citations")
    return {"pd": pd, "summaries": summaries, **{name: tables[name] for name in names}}


def same(left, right) -> bool:
    return left == pytest.approx(right) if isinstance(right, float) else int(left) == int(right)


# --- every number is reproducible with one pandas line --------------------------------------------

def test_every_row_of_every_table_is_reproduced_by_its_pandas_line(tables):
    checked, tables_made = 0, summaries.summary_tables(tables, themes=SCHEMA)
    for summary in tables_made:
        for row in range(len(summary.frame)):
            reproduction = summary.reproduce(row)
            assert "\n" not in reproduction.code, summary.name
            assert same(eval(reproduction.code, datasets(tables)), reproduction.value), (summary.name, row,
                                                                                         reproduction.code)
            checked += 1
    assert checked == sum(len(s.frame) for s in tables_made) > 150


def _docstring_lines(function) -> list[str]:
    lines = (function.__doc__ or "").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("Reproduce") or "Reproduce " in line)
    start = next(i for i in range(start, len(lines)) if lines[i].rstrip().endswith("::")) + 1
    block = []
    for line in lines[start:]:
        if not line.strip():
            if block:
                break
            continue
        block.append(line.strip())
    return block


@pytest.mark.parametrize("function", list(summaries._REPRODUCERS), ids=lambda f: f.__name__)
def test_docstring_line_is_the_line_written_for_that_cell(tables, function):
    written = {summary.reproduce(row).code for summary in summaries.summary_tables(tables, themes=SCHEMA)
               if summary.function is function for row in range(len(summary.frame))}
    lines = _docstring_lines(function)
    assert lines
    for line in lines:
        assert line in written, line
        eval(line, datasets(tables))


def test_theme_frequencies_by_chapter_recomputed_with_plain_pandas(tables):
    frame = summaries.theme_frequencies(tables["claims"], tables["claim_themes"], by="chapter", themes=SCHEMA,
                                        sections=tables["sections"])
    claims = tables["claims"].assign(chapter=tables["claims"].section_number.str.split(".").str[0],
                                     words=tables["claims"].text.str.split().str.len())
    tagged = tables["claim_themes"].merge(claims, on="claim_id")
    for row in frame.sample(12, random_state=1).itertuples():
        unit = claims[(claims.doc_id == row.doc_id) & (claims.chapter == row.chapter)]
        expected = tagged[(tagged.doc_id == row.doc_id) & (tagged.chapter == row.chapter)
                          & (tagged.theme_id == row.theme_id)].claim_id.nunique()
        assert (row.claims, row.unit_claims, row.unit_words) == (expected, len(unit), unit.words.sum())
        assert row.share == pytest.approx(expected / len(unit))
        assert row.per_1000_words == pytest.approx(1000 * expected / unit.words.sum())
    titles = frame.drop_duplicates("chapter").set_index("chapter").chapter_title.to_dict()
    assert titles == {"1": "Introduction", "2": "The Sino-Russian relationship", "3": "The US-Russian relationship",
                      "": "(whole document)"}


def test_theme_frequencies_by_document_whole_table(tables):
    frame = summaries.theme_frequencies(tables["claims"], tables["claim_themes"], level="group", themes=SCHEMA)
    expected = pd.DataFrame({
        "doc_id": [REPORT, REPORT, PRESS, PRESS], "group": ["economy", "order"] * 2,
        "label": ["Economy", "International order"] * 2, "claims": [6, 2, 1, 1], "unit_claims": [7, 7, 2, 2],
        "share": [6 / 7, 2 / 7, 0.5, 0.5], "unit_words": [64, 64, 11, 11],
        "per_1000_words": [6000 / 64, 2000 / 64, 1000 / 11, 1000 / 11]})
    pd.testing.assert_frame_equal(frame, expected, check_dtype=False)


def test_section_frequencies_use_the_nearest_numbered_section(tables):
    frame = summaries.theme_frequencies(tables["claims"], tables["claim_themes"], by="section", themes=SCHEMA,
                                        sections=tables["sections"])
    energy = frame[(frame.section_number == "2.4") & (frame.theme_id == "energy")].iloc[0]
    assert (energy.section_title, energy.claims, energy.unit_claims) == ("Economic ties", 3, 3)


def test_actor_theme_counts_recomputed_with_plain_pandas(tables):
    frame = summaries.actor_theme_counts(tables["claims"], tables["claim_actors"], tables["claim_themes"],
                                         themes=SCHEMA)
    both = tables["claim_actors"].merge(tables["claim_themes"], on="claim_id")
    for row in frame.itertuples():
        assert row.claims == both[(both.actor_id == row.actor_id) & (both.theme_id == row.theme_id)].claim_id.nunique()
        assert row.actor_claims == tables["claim_actors"].query("actor_id == @row.actor_id").claim_id.nunique()
    assert list(dict.fromkeys(frame.actor_id)) == ["RUS", "CHN", "USA"]


def test_actor_theme_counts_for_one_role(tables):
    frame = summaries.actor_theme_counts(tables["claims"], tables["claim_actors"], tables["claim_themes"],
                                         themes=SCHEMA, role="agent")
    assert frame.query("actor_id == 'CHN' and theme_id == 'energy'").claims.item() == 1


def test_dyad_claims_carry_both_actors(tables):
    frame = summaries.dyad_theme_counts(tables["claims"], tables["claim_actors"], tables["claim_themes"],
                                        themes=SCHEMA).set_index(["dyad", "theme_id"])
    assert frame.loc[("CHN-RUS", "energy"), ["claims", "dyad_claims", "theme_claims"]].tolist() == [3, 4, 6]
    assert frame.loc[("CHN-RUS", "energy"), "share"] == pytest.approx(3 / 4)
    assert frame.loc[("USA-RUS", "alignment"), ["claims", "dyad_claims"]].tolist() == [1, 2]
    assert frame.loc[("USA-RUS", "alignment"), "share_of_theme"] == pytest.approx(1 / 3)


def test_claim_type_theme_counts_with_hedging(tables):
    frame = summaries.claim_type_theme_counts(tables["claims"], tables["claim_themes"], themes=SCHEMA)
    energy = frame[frame.theme_id == "energy"].set_index("claim_type")
    assert energy.loc["prediction", ["claims", "hedged", "theme_claims"]].tolist() == [2, 1, 6]
    assert energy["share"].sum() == pytest.approx(1.0)
    assert list(frame.claim_type.unique()) == list(summaries.CLAIM_TYPES)


def test_claim_type_frequencies_list_declared_then_observed_types(tables):
    frame = summaries.claim_type_frequencies(tables["claims"], by="document", claim_types=("assertion", "prediction"))
    counts = {(r.doc_id, r.claim_type): (r.claims, r.unit_claims) for r in frame.itertuples()}
    assert counts == {(REPORT, "assertion"): (3, 7), (REPORT, "prediction"): (2, 7), (REPORT, "meta"): (1, 7),
                      (REPORT, "prescription"): (1, 7), (PRESS, "assertion"): (2, 2), (PRESS, "prediction"): (0, 2),
                      (PRESS, "meta"): (0, 2), (PRESS, "prescription"): (0, 2)}
    assert list(frame.claim_type[:4]) == ["assertion", "prediction", "meta", "prescription"]


def test_cooccurrence_is_symmetric_with_theme_counts_on_the_diagonal(tables):
    frame = summaries.theme_cooccurrence(tables["claims"], tables["claim_themes"], themes=SCHEMA)
    matrix = frame.pivot(index="theme_a", columns="theme_b", values="claims")
    pd.testing.assert_frame_equal(matrix, matrix.T, check_names=False)
    per_theme = tables["claim_themes"].groupby("theme_id").claim_id.nunique()
    assert {t: matrix.at[t, t] for t in per_theme.index} == per_theme.to_dict()
    assert matrix.at["energy", "sanctions"] == 1


def test_a_claim_counts_once_per_cell_however_many_rows_it_has(tables):
    doubled = pd.concat([tables["claim_themes"], tables["claim_themes"].assign(method="model")], ignore_index=True)
    once = summaries.summary_tables(tables, themes=SCHEMA)
    twice = summaries.summary_tables({**tables, "claim_themes": doubled}, themes=SCHEMA)
    for left, right in zip(once, twice):
        pd.testing.assert_frame_equal(left.frame, right.frame, obj=left.name)


def test_distinctive_terms_counts_and_order(tables):
    frame = summaries.distinctive_terms(tables["claims"], tables["claim_themes"], themes=SCHEMA, min_count=1)
    energy = frame[frame.theme_id == "energy"]
    ids = set(tables["claim_themes"].query("theme_id == 'energy'").claim_id)
    words = tables["claims"].assign(words=tables["claims"].text.map(summaries.terms))
    inside = words[words.claim_id.isin(ids)].words.explode().value_counts()
    outside = words[~words.claim_id.isin(ids)].words.explode().value_counts()
    for row in energy.itertuples():
        assert (row.count, row.other_count) == (inside.get(row.term, 0), outside.get(row.term, 0))
    assert energy.term.iloc[0] == "gas"
    assert energy.z.is_monotonic_decreasing and (energy.z > 0).all()
    assert list(energy["rank"]) == list(range(1, len(energy) + 1)) and len(energy) <= 15


def test_distinctive_terms_drop_stop_words_and_keep_abbreviations():
    assert summaries.terms("The US and the EU will trade with China's firms in 2018.") == \
        ["US", "EU", "trade", "china", "firms"]


def test_most_cited_references_resolve_ibid_and_op_cit(tables):
    frame = summaries.most_cited_references(tables["claims"], tables["references"], tables["claim_citations"])
    expected = pd.DataFrame({
        "reference": ["Bolt & Cross 2018", "Nye 2015", "Kupchan 2014"],
        "authors": ["Bolt & Cross", "Nye", "Kupchan"], "year": [2018, 2015, 2014],
        "kind": ["bibliographic"] * 3, "claims": [2, 2, 1], "notes": [2, 2, 0],
        "ref_ids": ["fiia-2018:n5.1 fiia-2018:n6.1", "fiia-2018:n3.1 fiia-2018:n4.1", "fiia-2018:t1"]})
    pd.testing.assert_frame_equal(frame, expected.astype({"year": "Int64"}), check_dtype=False)


def test_most_cited_authors_split_author_lists(tables):
    frame = summaries.most_cited_authors(tables["claims"], tables["references"], tables["claim_citations"])
    assert frame[["author", "claims", "works"]].values.tolist() == [
        ["Bolt", 2, 1], ["Cross", 2, 1], ["Nye", 2, 1], ["Kupchan", 1, 1]]


def test_a_subset_of_claims_summarises_that_subset(tables):
    report_only = tables["claims"][tables["claims"].doc_id == REPORT]
    frame = summaries.theme_frequencies(report_only, tables["claim_themes"], themes=SCHEMA)
    assert set(frame.doc_id) == {REPORT}
    refs = summaries.most_cited_references(report_only.head(1), tables["references"], tables["claim_citations"])
    assert refs.reference.tolist() == ["Nye 2015"] and refs.claims.tolist() == [1]


# --- the schema drives the labels -----------------------------------------------------------------

THEME_TABLES = {
    "theme_frequencies": lambda t, s, level: summaries.theme_frequencies(t["claims"], t["claim_themes"], by="chapter",
                                                                         level=level, themes=s),
    "actor_theme_counts": lambda t, s, level: summaries.actor_theme_counts(t["claims"], t["claim_actors"],
                                                                           t["claim_themes"], level=level, themes=s),
    "dyad_theme_counts": lambda t, s, level: summaries.dyad_theme_counts(t["claims"], t["claim_actors"],
                                                                         t["claim_themes"], level=level, themes=s),
    "claim_type_theme_counts": lambda t, s, level: summaries.claim_type_theme_counts(t["claims"], t["claim_themes"],
                                                                                     level=level, themes=s),
    "theme_cooccurrence": lambda t, s, level: summaries.theme_cooccurrence(t["claims"], t["claim_themes"],
                                                                           level=level, themes=s),
}


@pytest.mark.parametrize("level", ["theme", "group"])
@pytest.mark.parametrize("name", list(THEME_TABLES))
def test_a_theme_and_group_added_to_the_schema_appear_with_zero_counts(tables, name, level):
    schema = copy.deepcopy(SCHEMA)
    schema["groups"].append({"id": "space", "label": "Outer space"})
    schema["themes"].append({"id": "space_race", "label": "The space race", "group": "space"})
    frame = THEME_TABLES[name](tables, schema, level)
    before = THEME_TABLES[name](tables, SCHEMA, level)
    new_id, new_label = ("space_race", "The space race") if level == "theme" else ("space", "Outer space")
    key = frame.columns[[c in ("theme_id", "group", "theme_a", "group_a") for c in frame.columns]][0]
    added = frame[frame[key] == new_id]
    assert len(added) and (added["claims"] == 0).all()
    assert new_label in set(frame["label"] if "label" in frame else frame["label_a"])
    kept = frame[frame[key] != new_id]
    if name == "theme_cooccurrence":
        kept = kept[kept[key.replace("_a", "_b")] != new_id]
    pd.testing.assert_frame_equal(kept.reset_index(drop=True), before.reset_index(drop=True), check_dtype=False)


def test_the_project_theme_schema_labels_every_theme(tables):
    schema = summaries.load_theme_schema(Paths().themes)
    labels = summaries.theme_table(schema)
    assert len(labels) == len(schema.themes) and labels.label.ne(labels.theme_id).all()
    frame = summaries.theme_frequencies(tables["claims"], tables["claim_themes"], themes=schema)
    assert set(labels.theme_id) <= set(frame.theme_id)


def test_a_theme_missing_from_the_schema_is_still_counted(tables):
    schema = {"groups": SCHEMA["groups"], "themes": SCHEMA["themes"][:1]}
    frame = summaries.theme_frequencies(tables["claims"], tables["claim_themes"], themes=schema)
    assert set(frame.theme_id) == {"energy", "sanctions", "trade_investment", "alignment"}
    assert frame.loc[frame.theme_id == "alignment", "label"].iloc[0] == "alignment"


@pytest.mark.parametrize("option", [{"level": "topic"}, {"by": "page"}])
def test_unknown_level_or_unit_names_the_allowed_values(tables, option):
    with pytest.raises(InputError, match="is not one of"):
        summaries.theme_frequencies(tables["claims"], tables["claim_themes"], **option)


# --- empty input, purity, determinism ---------------------------------------------------------------

def empty_tables() -> dict[str, pd.DataFrame]:
    return {name: frame.iloc[0:0] for name, frame in corpus_tables().items()}


def test_empty_tables_give_empty_summaries():
    for summary in summaries.summary_tables(empty_tables(), themes=SCHEMA):
        assert summary.frame.empty and len(summary.frame.columns), summary.name
        assert summary.reproduce(0) is None
    for summary in summaries.summary_tables({}, themes=None):
        assert summary.frame.empty, summary.name


def test_empty_tables_still_draw_every_figure():
    figures = summaries.figures(empty_tables(), themes=SCHEMA)
    assert set(figures) == set(summaries.FIGURE_NAMES)
    assert all(summaries.figure_bytes(f, "png").startswith(b"\x89PNG") for f in figures.values())


def test_inputs_are_not_mutated(tables):
    before = copy.deepcopy(tables)
    summaries.summary_tables(tables, themes=SCHEMA)
    summaries.figures(tables, themes=SCHEMA)
    for name, frame in tables.items():
        pd.testing.assert_frame_equal(frame, before[name], obj=name)


def test_tables_and_figures_are_deterministic(tables):
    first = [summaries.csv_bytes(s.frame) for s in summaries.summary_tables(tables, themes=SCHEMA)]
    second = [summaries.csv_bytes(s.frame) for s in summaries.summary_tables(corpus_tables(), themes=SCHEMA)]
    assert first == second
    one, two = summaries.figures(tables, themes=SCHEMA), summaries.figures(corpus_tables(), themes=SCHEMA)
    for name in one:
        for fmt in ("png", "svg"):
            assert summaries.figure_bytes(one[name], fmt) == summaries.figure_bytes(two[name], fmt), (name, fmt)


def test_svg_has_no_date_and_uses_theme_labels(tables):
    svg = summaries.figure_bytes(summaries.figures(tables, themes=SCHEMA)["theme_by_chapter"], "svg").decode()
    assert "<dc:date>" not in svg and not re.search(r"20\d\d-\d\d-\d\dT", svg)


def test_write_summaries_writes_every_table_and_figure_identically_twice(tmp_path, tables):
    paths = Paths(tmp_path)
    written = summaries.write_summaries(RunResult(tables=tables), paths, None)
    names = {p.relative_to(tmp_path / "outputs").as_posix() for p in written}
    assert {f"summaries/{s.name}.csv" for s in summaries.summary_tables(tables)} <= names
    assert {f"figures/{n}.{fmt}" for n in summaries.FIGURE_NAMES for fmt in ("png", "svg")} <= names
    first = {p: p.read_bytes() for p in written}
    summaries.write_summaries(RunResult(tables=corpus_tables()), paths, None)
    assert first == {p: p.read_bytes() for p in written}
    csv = pd.read_csv(tmp_path / "outputs/summaries/theme_frequencies_by_document.csv")
    assert csv.query("doc_id == @REPORT and theme_id == 'energy'").claims.item() == 5
