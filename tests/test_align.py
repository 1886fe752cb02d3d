import copy
import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline import align
from pipeline.errors import InputError
from pipeline.evaluate import alignment_scores, load_alignment_gold, section_hit

GOLD = Path(__file__).resolve().parent.parent / "annotations" / "gold" / "alignment.yaml"
TEXT_ONLY = align.Weights(lexical=1.0, actors=0.0, themes=0.0, paragraph=align.PARAGRAPH_WEIGHT)


def document(doc_id: str, paragraphs: list[list[str]], sections: list[str] | None = None) -> tuple:
    """Claims and paragraphs of one document: a list of paragraphs, each a list of claim texts."""
    claims, rows, n = [], [], 0
    for p, texts in enumerate(paragraphs, start=1):
        pid = f"{doc_id}:p{p:04d}"
        rows.append({"doc_id": doc_id, "paragraph_id": pid, "text": " ".join(texts)})
        for text in texts:
            n += 1
            claims.append({"claim_id": f"{doc_id}:c{n:05d}", "doc_id": doc_id, "paragraph_id": pid,
                           "section_number": (sections or [str(p)] * len(paragraphs))[p - 1], "page": p,
                           "text": text})
    return pd.DataFrame(claims), pd.DataFrame(rows)


def corpus(*docs, actors=(), themes=(), documents=None) -> dict[str, pd.DataFrame]:
    return {
        "claims": pd.concat([d[0] for d in docs], ignore_index=True),
        "paragraphs": pd.concat([d[1] for d in docs], ignore_index=True),
        "claim_actors": pd.DataFrame(list(actors), columns=["claim_id", "actor_id", "role"]),
        "claim_themes": pd.DataFrame(list(themes), columns=["claim_id", "theme_id", "score", "method"]),
        "documents": documents if documents is not None else pd.DataFrame(
            {"doc_id": ["r", "p", "q"], "kind": ["report", "press_release", "report"], "title": ["R", "P", "Q"],
             "about": ["", "r", ""]}),
    }


REPORT = document("r", [
    ["Energy cooperation between Russia and China rests on oil and gas pipelines.", "Gas exports to Asia grew."],
    ["Joint military exercises of Russia and China expanded to the sea."],
    ["The United States refuses to recognise Russia as a great power."],
    ["The weather in Helsinki was cold in December."],
], sections=["2.4", "2.5", "3.1", "4"])
PRESS = document("p", [
    ["Oil and gas pipelines are the core of their energy cooperation.", "Lorem ipsum dolor sit amet."],
    ["The US will not recognise the great power status Russia wants."],
])
OTHER = document("q", [["Pipelines carry gas to China.", "Sanctions hit the Russian economy."]])


@pytest.fixture
def tables():
    return corpus(REPORT, PRESS, OTHER)


def test_the_best_match_ranks_first(tables):
    result = align.align(tables, top=3, weak_threshold=0.1)
    best = result[result["rank"] == 1].set_index("press_claim_id")["report_claim_id"].to_dict()
    assert best["p:c00001"] == "r:c00001"
    assert best["p:c00003"] == "r:c00004"
    assert result.loc[result["report_claim_id"] == "r:c00004", "section_number"].iloc[0] == "3.1"


def test_shared_actors_and_themes_lift_a_lexically_weaker_candidate():
    source = document("p", [["Naval exercises signal closer ties between the two powers."]])
    target = document("r", [
        ["Naval exercises are costly for small navies and demand long planning by staff officers."],
        ["Their ties grew closer through joint drills at sea and shared weapons programmes."],
    ])
    tables = corpus(source, target,
                    actors=[("p:c00001", "RUS", "agent"), ("p:c00001", "CHN", "agent"),
                            ("r:c00002", "RUS", "agent"), ("r:c00002", "CHN", "agent")],
                    themes=[("p:c00001", "military", 1.0, "lexicon"), ("r:c00002", "military", 1.0, "lexicon")])
    result = align.align(tables, weak_threshold=0.1).set_index("report_claim_id")
    assert result.at["r:c00001", "lexical"] > result.at["r:c00002", "lexical"]
    assert (result.at["r:c00002", "shared_actors"], result.at["r:c00002", "shared_themes"]) == (1.0, 1.0)
    assert result.at["r:c00002", "rank"] == 1
    text_only = align.align(tables, weak_threshold=0.1, weights=TEXT_ONLY).set_index("report_claim_id")
    assert text_only.at["r:c00001", "rank"] == 1


def test_the_score_is_the_weighted_sum_of_its_parts(tables):
    result = align.align(tables, weak_threshold=0.1)
    expected = (align.LEXICAL_WEIGHT * result["lexical"] + align.ACTOR_WEIGHT * result["shared_actors"]
                + align.THEME_WEIGHT * result["shared_themes"])
    assert (result["score"] - expected).abs().max() < 1e-3
    assert result["score"].between(0, 1).all()
    assert align.LEXICAL_WEIGHT + align.ACTOR_WEIGHT + align.THEME_WEIGHT == pytest.approx(1.0)


@pytest.mark.parametrize("top", [1, 2, 3, 10])
def test_top_n_rows_ranked_from_one_by_falling_score(tables, top):
    result = align.align(tables, top=top, weak_threshold=0.1, per_paragraph=None)
    candidates = (tables["claims"]["doc_id"] == "r").sum()
    for _, group in result.groupby("press_claim_id"):
        assert group["rank"].tolist() == list(range(1, min(top, candidates) + 1))
        assert group["score"].is_monotonic_decreasing
    assert result["press_claim_id"].unique().tolist() == ["p:c00001", "p:c00002", "p:c00003"]


def test_one_passage_per_paragraph_by_default(tables):
    result = align.align(tables, top=10, weak_threshold=0.1)
    assert not result.duplicated(["press_claim_id", "paragraph_id"]).any()
    assert len(result[result["press_claim_id"] == "p:c00001"]) == 4  # four report paragraphs
    uncapped = align.align(tables, top=10, weak_threshold=0.1, per_paragraph=None)
    assert len(uncapped[uncapped["press_claim_id"] == "p:c00001"]) == 5


def test_top_must_be_positive(tables):
    with pytest.raises(InputError, match="top"):
        align.align(tables, top=0, weak_threshold=0.1)


def test_weakly_supported_flags_every_row_of_a_claim_whose_best_score_is_below_the_threshold(tables):
    result = align.align(tables, weak_threshold=0.1)
    best = result.groupby("press_claim_id")["score"].max()
    flags = result.groupby("press_claim_id")["weakly_supported"].agg(["min", "max"])
    assert (flags["min"] == flags["max"]).all()
    assert flags["max"].to_dict() == (best < 0.1).to_dict()
    assert flags.at["p:c00002", "max"] and not flags.at["p:c00001", "max"]
    assert not align.align(tables, weak_threshold=0.0)["weakly_supported"].any()
    assert align.align(tables, weak_threshold=1.0)["weakly_supported"].all()


def test_the_default_pair_is_the_press_release_and_the_report_it_is_about(tables):
    result = align.align(tables, weak_threshold=0.1)
    assert set(result["source_doc"]) == {"p"} and set(result["target_doc"]) == {"r"}
    assert align.resolve_pair(tables, source="p") == ("p", "r")
    assert align.resolve_pair(tables, target="q") == ("p", "q")
    assert align.resolve_pair(tables, source="r") == ("r", "p")  # the press release that is about it
    assert align.resolve_pair(tables, target="p") == ("r", "p")


@pytest.mark.parametrize("source,target", [("r", "p"), ("p", "q"), ("q", "r"), ("r", "q")])
def test_any_pair_can_be_aligned_either_way(tables, source, target):
    result = align.align(tables, source=source, target=target, top=2, weak_threshold=0.1)
    claims = tables["claims"].set_index("claim_id")["doc_id"]
    assert set(result["source_doc"]) == {source} and set(result["target_doc"]) == {target}
    assert set(claims[result["press_claim_id"]]) == {source}
    assert set(claims[result["report_claim_id"]]) == {target}
    assert result["press_claim_id"].nunique() == (tables["claims"]["doc_id"] == source).sum()


def test_swapping_finds_the_same_best_pair(tables):
    forward = align.align(tables, source="p", target="r", top=1, weak_threshold=0.1)
    backward = align.align(tables, source="r", target="p", top=1, weak_threshold=0.1)
    assert ("p:c00003", "r:c00004") in set(zip(forward.press_claim_id, forward.report_claim_id))
    assert ("r:c00004", "p:c00003") in set(zip(backward.press_claim_id, backward.report_claim_id))


@pytest.mark.parametrize("option", ["source", "target"])
def test_an_unknown_document_is_named_with_the_valid_ids(tables, option):
    with pytest.raises(InputError) as error:
        align.align(tables, weak_threshold=0.1, **{option: "nope-2019"})
    message = str(error.value)
    assert message.startswith(f"{option}: ") and "'nope-2019'" in message
    assert "valid ids: r, p, q" in message


def test_a_document_cannot_be_aligned_with_itself(tables):
    with pytest.raises(InputError, match="same document"):
        align.align(tables, source="r", target="r", weak_threshold=0.1)


def test_without_a_press_release_the_pair_must_be_named():
    documents = pd.DataFrame({"doc_id": ["r", "q"], "kind": ["report", "report"], "about": ["", ""]})
    tables = corpus(REPORT, OTHER, documents=documents)
    with pytest.raises(InputError, match="name the documents"):
        align.align(tables, weak_threshold=0.1)
    assert align.run(tables, weak_threshold=0.1)["alignments"].empty
    assert len(align.align(tables, source="q", target="r", weak_threshold=0.1)) > 0


def test_an_empty_source_gives_an_empty_table_with_the_columns(tables):
    tables["claims"] = tables["claims"][tables["claims"]["doc_id"] != "p"]
    result = align.align(tables, source="p", target="r", weak_threshold=0.1)
    assert result.empty and list(result.columns) == list(align.COLUMNS)
    assert result.dtypes.to_dict() == align.empty().dtypes.to_dict()
    assert align.align(tables, source="r", target="p", weak_threshold=0.1).empty


def test_columns_and_types(tables):
    result = align.align(tables, weak_threshold=0.1)
    assert list(result.columns) == list(align.COLUMNS)
    assert result.dtypes.to_dict() == align.empty().dtypes.to_dict()
    assert result["page"].tolist()[:2] == [1, 2]


def test_deterministic(tables):
    pd.testing.assert_frame_equal(align.align(tables, weak_threshold=0.1), align.align(tables, weak_threshold=0.1))


def test_ties_are_broken_in_reading_order():
    source = document("p", [["Nothing in common."]])
    target = document("r", [["Alpha beta."], ["Gamma delta."], ["Epsilon zeta."]])
    result = align.align(corpus(source, target), weak_threshold=0.1)
    assert result["report_claim_id"].tolist() == ["r:c00001", "r:c00002", "r:c00003"]


def test_inputs_are_not_mutated(tables):
    before = copy.deepcopy(tables)
    align.run(tables, weak_threshold=0.1)
    align.alignment_section(tables)
    for name, frame in before.items():
        pd.testing.assert_frame_equal(tables[name], frame)


def test_missing_annotation_tables_mean_nothing_shared(tables):
    del tables["claim_actors"], tables["claim_themes"]
    result = align.align(tables, weak_threshold=0.1)
    assert (result["shared_actors"] == 0).all() and (result["shared_themes"] == 0).all()


def test_the_stage_returns_alignments(tables):
    assert list(align.run(tables, weak_threshold=0.1)) == ["alignments"]


def test_format_table_marks_weak_claims(tables):
    result = align.align(tables, top=2, weak_threshold=0.1)
    text = align.format_alignments(result, tables["claims"], weak_threshold=0.1)
    assert text.splitlines()[0] == "p -> r: 3 claims, 1 weakly supported (best score < 0.1)"
    assert "p:c00002  Lorem ipsum dolor sit amet.  [weakly supported]" in text
    assert "r:c00001  Energy cooperation between Russia and China" in text


def test_format_json_nests_passages(tables):
    result = align.align(tables, top=2, weak_threshold=0.1)
    records = json.loads(align.format_alignments(result, tables["claims"], fmt="json"))
    assert [r["press_claim_id"] for r in records] == ["p:c00001", "p:c00002", "p:c00003"]
    assert [p["rank"] for p in records[0]["passages"]] == [1, 2]
    assert records[0]["passages"][0]["text"].startswith("Energy cooperation")
    assert records[1]["weakly_supported"] is True


def test_html_section_escapes_and_flags():
    source = document("p", [["Russia <script>alert(1)</script> & China."], ["Zzz qqq."]])
    target = document("r", [["Russia & China <b>agree</b>."]])
    tables = corpus(source, target)
    html = align.alignment_section(tables)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;agree&lt;/b&gt;" in html
    assert html.count('class="flag">weakly supported') == 1
    assert html.startswith('<section class="alignment"') and html.endswith("</section>")
    assert "<h2>Press release and report</h2>" in html


def test_html_section_uses_the_table_when_present(tables):
    tables["alignments"] = align.align(tables, weak_threshold=0.1).iloc[0:0]
    assert "No claims were aligned" in align.alignment_section(tables)


@pytest.mark.parametrize("number,gold,hit", [
    ("2.4", ["2.4"], True), ("2.4.1", ["2.4"], True), ("2.40", ["2.4"], False), ("2", ["2.4"], False),
    ("4.1", ["4"], True), ("4", ["4"], True), ("1.4", ["4"], False), ("", ["4"], False), ("2.1", ["2.10"], False),
])
def test_section_hit(number, gold, hit):
    assert section_hit(number, gold) is hit


def test_unquoted_section_numbers_are_refused(tmp_path):
    path = tmp_path / "alignment.yaml"
    path.write_text("source: p\ntarget: r\nclaims:\n  - {claim_id: p:c00001, split: train, text: x, sections: [2.10]}\n"
                    "  - {claim_id: p:c00002, split: dev, text: y, sections: ['1']}\n")
    with pytest.raises(InputError) as error:
        load_alignment_gold(path)
    assert "claims[0] -> sections: 2.1 is not a string" in str(error.value)
    assert "claims[1] -> split: 'dev'" in str(error.value)


def test_alignment_scores_on_fixture_gold(tables, tmp_path):
    path = tmp_path / "alignment.yaml"
    path.write_text(
        "source: p\ntarget: r\nclaims:\n"
        "  - {claim_id: 'p:c00001', split: train, text: 'Oil and gas pipelines are the core of their energy "
        "cooperation.', sections: ['2.5']}\n"
        "  - {claim_id: 'p:c00009', split: heldout, text: 'The US will not recognise the great power status "
        "Russia wants.', sections: ['3.1']}\n"
        "  - {claim_id: 'p:c00099', split: heldout, text: 'Not in this run.', sections: ['1']}\n")
    scores = alignment_scores(tables, path)
    assert scores["train"] == {"claims": 1, "top1": 0.0, "top5": 1.0, "mrr": 0.5}  # 2.4 first, 2.5 second
    assert scores["heldout"] == {"claims": 1, "top1": 1.0, "top5": 1.0, "mrr": 1.0}  # found by text
    assert scores["unmatched_gold_claims"] == ["p:c00099"]


# ------------------------------------------------------------------------------------ real corpus

@pytest.fixture(scope="module")
def real_tables():
    from pipeline import runner
    from pipeline.config import Config

    return runner.compute(config=Config(quiet=True)).tables


@pytest.mark.slow
def test_section_accuracy_on_the_gold_is_at_least_what_was_measured(real_tables):
    source, target, gold = load_alignment_gold(GOLD)
    assert (source, target) == align.resolve_pair(real_tables)
    scores = alignment_scores(real_tables, GOLD)
    assert scores["unmatched_gold_claims"] == []
    assert scores["all"]["claims"] == len(gold) == 16
    # measured when the weights were fixed: top-1 13/16 (train 7/8, heldout 6/8), top-5 16/16; the theme tags
    # trained on the 1081-claim gold train split cost one train claim its first rank (top-1 12/16), and with
    # section titles among their features one train claim regained it (13/16, train 6/8, heldout 7/8)
    assert scores["all"]["top5"] >= 1.0
    assert scores["heldout"]["top5"] >= 1.0
    assert scores["all"]["top1"] >= 0.75


@pytest.mark.slow
def test_the_stage_output_is_the_default_alignment(real_tables):
    alignments = real_tables["alignments"]
    assert set(alignments["source_doc"]) == {"pr-596-2018"} and set(alignments["target_doc"]) == {"fiia-2018"}
    assert alignments["press_claim_id"].nunique() == (real_tables["claims"]["doc_id"] == "pr-596-2018").sum()
    assert alignments.groupby("press_claim_id")["rank"].max().eq(align.TOP).all()
