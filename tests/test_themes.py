import shutil
import subprocess
import sys

import pandas as pd
import pytest

from pipeline import themes
from pipeline.paths import Paths
from pipeline.schemas import ThemeSchema, load_themes

GROUPS = [{"id": "economy", "label": "Economy"}, {"id": "order", "label": "Order"},
          {"id": "security", "label": "Security"}]
THEMES = [
    {"id": "energy", "group": "economy", "cues": ["oil", "gas", "natural gas", "pipeline"]},
    {"id": "sanctions", "group": "economy", "cues": ["sanction", "export control"]},
    {"id": "trade_investment", "group": "economy", "cues": ["invest", "investment"]},
    {"id": "great_power_status", "group": "order", "cues": ["great-power status", "prestige"]},
    {"id": "military", "group": "security", "cues": ["joint exercise"]},
    {"id": "nuclear_arms_control", "group": "security", "cues": ["warhead"],
     "patterns": [[{"ORTH": "START"}], [{"LOWER": "arms"}, {"LEMMA": "control"}]]},
]


def schema_of(entries: list[dict]) -> ThemeSchema:
    """A validated schema from short entries (label and definition filled in)."""
    return ThemeSchema.model_validate({"groups": GROUPS, "themes": [
        {"label": e["id"], "definition": e["id"], **e} for e in entries]})


SCHEMA = schema_of(THEMES)


def tables(nlp, *texts: str, doc_id: str = "t") -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """One paragraph per text, one claim per paragraph, parsed with the real model."""
    starts = [sum(len(t) + 2 for t in texts[:i]) for i in range(len(texts))]
    ids = [f"{doc_id}:p{i}" for i in range(1, len(texts) + 1)]
    paragraphs = pd.DataFrame({"doc_id": doc_id, "paragraph_id": ids, "start": starts,
                               "end": [s + len(t) for s, t in zip(starts, texts)], "text": list(texts)})
    claims = pd.DataFrame({"claim_id": [f"{doc_id}:c{i:05d}" for i in range(1, len(texts) + 1)], "doc_id": doc_id,
                           "paragraph_id": ids, "section_title": "", "start": paragraphs["start"],
                           "end": paragraphs["end"], "text": list(texts)})
    return claims, paragraphs, dict(zip(ids, nlp.pipe(texts)))


def tagged(nlp, text: str, schema=SCHEMA) -> dict[str, list[str]]:
    claims, paragraphs, parsed = tables(nlp, text)
    rows = themes.lexicon(claims, paragraphs, parsed, schema)
    return dict(zip(rows["theme_id"], rows["evidence"]))


# --- lexicon ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("New sanctions were imposed on the bank.", {"sanctions": ["sanction"]}),
    ("Beijing has invested heavily in ports.", {"trade_investment": ["invest"]}),
    ("China invests in Russia.", {"trade_investment": ["invest"]}),
    ("The navies held joint exercises in the Baltic.", {"military": ["joint exercise"]}),
    ("Russia longs for great-power status.", {"great_power_status": ["great-power status"]}),
    ("Export controls bite.", {"sanctions": ["export control"]}),
    ("Oil flows east while sanctions bite.", {"energy": ["oil"], "sanctions": ["sanction"]}),
    ("The weather in Helsinki was pleasant.", {}),
], ids=["plural", "verb-past", "verb-3sg", "multiword-plural", "hyphen", "multiword-first-plural", "two-themes",
        "none"])
def test_lexicon_matches_lemmas_phrases_and_hyphens(nlp, text, expected):
    assert tagged(nlp, text) == expected


@pytest.mark.parametrize("text, expected", [
    ("The START treaty expired.", {"nuclear_arms_control": ["START"]}),
    ("A start was made.", {}),
    ("Arms control talks resumed.", {"nuclear_arms_control": ["Arms control"]}),
])
def test_patterns_are_matcher_token_patterns(nlp, text, expected):
    assert tagged(nlp, text) == expected


def test_a_cue_inside_a_longer_cue_counts_once(nlp):
    claims, paragraphs, parsed = tables(nlp, "Natural gas and oil flow through a pipeline.")
    row = themes.lexicon(claims, paragraphs, parsed, SCHEMA).iloc[0]
    assert (row.theme_id, row.evidence, row.score) == ("energy", ["natural gas", "oil", "pipeline"], 0.875)


def test_lexicon_table_is_long_with_group_score_method(nlp):
    claims, paragraphs, parsed = tables(nlp, "Oil and gas.", "Nothing here.", "Sanctions hit oil exports.")
    expected = pd.DataFrame({
        "claim_id": ["t:c00001", "t:c00003", "t:c00003"], "theme_id": ["energy", "energy", "sanctions"],
        "group": ["economy", "economy", "economy"], "score": [0.75, 0.5, 0.5], "method": "lexicon",
        "evidence": [["oil", "gas"], ["oil"], ["sanction"]]})
    pd.testing.assert_frame_equal(themes.lexicon(claims, paragraphs, parsed, SCHEMA), expected, check_dtype=False)


def test_a_theme_added_to_the_yaml_is_tagged_without_code_change(nlp, tmp_path):
    text = "Russia launched a satellite to the space station."
    claims, paragraphs, parsed = tables(nlp, text)
    real = Paths().themes.read_text(encoding="utf-8")
    (tmp_path / "themes.yaml").write_text(real + (
        "\n  - id: space\n    label: Outer space\n    group: security\n"
        "    definition: space programmes, satellites, launches\n    cues: [satellite, space station]\n"),
        encoding="utf-8")
    before = themes.tag(claims, paragraphs, parsed, load_themes(Paths().themes))
    after = themes.tag(claims, paragraphs, parsed, load_themes(tmp_path / "themes.yaml"))
    assert "space" not in set(before.theme_id)
    added = after[after.theme_id == "space"]
    assert added[["group", "method"]].values.tolist() == [["security", "lexicon"]]
    assert added.evidence.iloc[0] == ["satellite", "space station"]


def test_the_real_schema_tags_a_corpus_like_sentence(nlp):
    found = tagged(nlp, "Gazprom signed a gas deal as the sanctions regime tightened.", load_themes(Paths().themes))
    assert {"energy", "sanctions"} <= set(found)
    assert found["sanctions"] == ["sanctions regime"]


# --- model and combination -----------------------------------------------------------------------

ICE = ["Icebreakers cleared the channel.", "New icebreakers were ordered.", "The icebreaker fleet grew.",
       "An icebreaker escorted the convoy.", "Icebreakers are costly to build.", "Two icebreakers broke down.",
       "The icebreaker docked in port."]
OTHER = ["Oil prices fell.", "Gas exports rose.", "The pipeline opened.", "Oil output grew.", "Gas demand fell.",
         "The pipeline leaked.", "Sanctions were lifted.", "Sanctions were extended.", "Sanctions hurt trade.",
         "The weather was cold.", "People met in the city.", "The talks ended early."]


def icy(nlp):
    """A corpus where only the gold train labels teach ``arctic`` (no cue fires on icebreakers)."""
    schema = schema_of(THEMES + [{"id": "arctic", "group": "order", "cues": ["Arctic"]}])
    texts = ICE + OTHER + ["The icebreakers sailed at dawn."]
    claims, paragraphs, parsed = tables(nlp, *texts)
    gold = pd.DataFrame({"claim_id": claims["claim_id"][:len(ICE) + 3], "doc_id": "t",
                         "text": claims["text"][:len(ICE) + 3],
                         "themes": [["arctic"]] * len(ICE) + [["energy"]] * 3, "split": "train"})
    return claims, paragraphs, parsed, schema, gold


def test_model_learns_from_gold_and_scores_unseen_claims(nlp):
    claims, paragraphs, parsed, schema, gold = icy(nlp)
    scores = themes.model_scores(claims, paragraphs, parsed, schema, gold=gold)
    arctic = scores[scores.theme_id == "arctic"].set_index("claim_id")["score"]
    assert arctic[claims.claim_id.iloc[-1]] > 0.5 > arctic[claims.claim_id.iloc[len(ICE) + 4]]
    # too few examples: no model for themes below MIN_POSITIVES (here the pattern-only arms control theme)
    assert "nuclear_arms_control" not in set(scores.theme_id)



def test_actor_tokens_name_each_actor_once_and_count_them():
    claim_actors = pd.DataFrame({"claim_id": ["a", "a", "a", "b", "c", "c", "c", "c"],
                                 "actor_id": ["RUS", "CHN", "RUS", "USA", "CHN", "RUS", "USA", "EU"]})
    assert themes.actor_features(claim_actors) == {
        "a": "<actor:chn> <actor:rus> <actors:2>", "b": "<actor:usa> <actors:1>",
        "c": "<actor:chn> <actor:eu> <actor:rus> <actor:usa> <actors:3>"}
    assert themes.actor_features(None) == {} == themes.actor_features(claim_actors.iloc[:0])


def test_the_classifier_reads_the_claims_actors(nlp):
    """Claims alike in words differ only in their actors: only with the actors can the model tell them apart."""
    schema = schema_of(THEMES + [{"id": "alignment", "group": "order", "cues": ["entente"]}])
    texts = [f"Both capitals discussed the matter {n}." for n in range(12)]
    claims, paragraphs, parsed = tables(nlp, *texts)
    pair = claims.claim_id[::2].tolist()
    claim_actors = pd.DataFrame({"claim_id": pair * 2 + claims.claim_id[1::2].tolist(),
                                 "actor_id": ["RUS"] * len(pair) + ["CHN"] * len(pair) + ["FIN"] * len(pair)})
    gold = pd.DataFrame({"claim_id": claims.claim_id[:10], "doc_id": "t", "text": texts[:10],
                         "themes": [["alignment"], []] * 5, "split": "train"})
    scores = themes.model_scores(claims, paragraphs, parsed, schema, gold=gold, claim_actors=claim_actors)
    alignment = scores[scores.theme_id == "alignment"].set_index("claim_id")["score"]
    assert alignment["t:c00011"] > 0.5 > alignment["t:c00012"]  # unseen: a pair of powers, one other state
    blind = themes.model_scores(claims, paragraphs, parsed, schema, gold=gold)
    assert blind[blind.theme_id == "alignment"]["score"].round(9).nunique() == 1  # without them, all alike

def sentence_tables(nlp, *paragraph_texts: str, doc_id: str = "t") -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """One paragraph per text, one claim per sentence, parsed with the real model."""
    claims, paragraphs, parsed = tables(nlp, *paragraph_texts, doc_id=doc_id)
    rows = [{"doc_id": doc_id, "paragraph_id": paragraph_id, "section_title": "",
             "start": start + sentence.start_char, "end": start + sentence.end_char, "text": sentence.text}
            for paragraph_id, start in zip(paragraphs["paragraph_id"], paragraphs["start"])
            for sentence in parsed[paragraph_id].sents]
    claims = pd.DataFrame(rows)
    return claims.assign(claim_id=[f"{doc_id}:c{i:05d}" for i in range(1, len(rows) + 1)]), paragraphs, parsed


def test_the_classifier_reads_the_claims_paragraph(nlp):
    """The same words take their theme from the sentences around them: "The trend held." after oil is energy."""
    oil = [f"Oil exports rose in year {n}. The trend held." for n in range(6)]
    curbs = [f"Sanctions were tightened in year {n}. The trend held." for n in range(6)]
    claims, paragraphs, parsed = sentence_tables(nlp, *oil, *curbs, "Oil exports rose again. The trend held.",
                                                 "Sanctions were tightened again. The trend held.")
    trained = claims.iloc[:24]
    assert trained.text.tolist()[:2] == ["Oil exports rose in year 0.", "The trend held."]
    gold = pd.DataFrame({"claim_id": trained.claim_id, "doc_id": "t", "text": trained.text,
                         "themes": [["energy"]] * 12 + [["sanctions"]] * 12, "split": "train"})
    scores = themes.model_scores(claims, paragraphs, parsed, schema_of(THEMES[:2]), gold=gold)
    energy = scores[scores.theme_id == "energy"].set_index("claim_id")["score"]
    after_oil, after_sanctions = claims.claim_id.iloc[25], claims.claim_id.iloc[27]
    assert claims.text[25] == claims.text[27] == "The trend held."
    assert energy[after_oil] > 0.5 > energy[after_sanctions]


def test_the_classifier_reads_the_claims_section_title(nlp):
    """Claims alike in words take their theme from the title of the section they stand in."""
    texts = [f"The talks went on in round {n}." for n in range(14)]
    claims, paragraphs, parsed = tables(nlp, *texts)
    claims["section_title"] = ["Natural gas and oil", "Export controls and sanctions"] * 7
    gold = pd.DataFrame({"claim_id": claims.claim_id[:12], "doc_id": "t", "text": texts[:12],
                         "themes": [["energy"], ["sanctions"]] * 6, "split": "train"})
    scores = themes.model_scores(claims, paragraphs, parsed, schema_of(THEMES[:2]), gold=gold)
    energy = scores[scores.theme_id == "energy"].set_index("claim_id")["score"]
    assert energy["t:c00013"] > 0.5 > energy["t:c00014"]  # unseen: in the gas section, in the sanctions section


def test_paragraph_context_counts_the_words_of_the_other_sentences_of_the_same_paragraph():
    from sklearn.feature_extraction.text import CountVectorizer

    lemmas, paragraph_ids = ["a b", "c a", "d", "e", "b"], ["p1", "p1", "p2", "p1", "p3"]
    joined = ["c a e", "a b e", "", "a b c a", ""]  # the other sentences of each paragraph, as one text
    vectorizer = CountVectorizer(token_pattern=r"\S+").fit(lemmas)
    context = themes.paragraph_context(vectorizer.transform(lemmas), paragraph_ids)
    assert (context != vectorizer.transform(joined)).nnz == 0
    assert (context.data > 0).all()  # a word only the claim itself has is absent, not a stored zero


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.8, 0.99])
def test_threshold_keeps_rows_scoring_at_least_it_and_model_never_duplicates_lexicon(nlp, threshold):
    claims, paragraphs, parsed, schema, gold = icy(nlp)
    out = themes.tag(claims, paragraphs, parsed, schema, gold=gold, threshold=threshold, lexicon_threshold=threshold)
    assert (out.score >= threshold).all() and not out.duplicated(["claim_id", "theme_id"]).any()
    lexical = out[out.method == "lexicon"]
    raw = themes.lexicon(claims, paragraphs, parsed, schema)
    assert set(zip(lexical.claim_id, lexical.theme_id)) <= set(zip(raw.claim_id, raw.theme_id))
    scores = themes.model_scores(claims, paragraphs, parsed, schema, gold=gold, lexicon_rows=lexical)
    expected = {(c, t) for c, t, p in scores.values if p >= threshold} - set(zip(lexical.claim_id, lexical.theme_id))
    model = out[out.method == "model"]
    assert set(zip(model.claim_id, model.theme_id)) == expected
    assert model.evidence.map(len).eq(0).all()


def oil_and_gas(nlp):
    """Six claims whose first four are gold train claims: 'oil' is wrong in all three it fires in, 'gas' right
    in the one it fires in."""
    texts = ["Oil was mentioned in passing.", "Oil came up again.", "Oil, once more.", "Gas pipelines.",
             "Gas and oil flow.", "Oil is back."]
    claims, paragraphs, parsed = tables(nlp, *texts)
    gold = pd.DataFrame({"claim_id": claims.claim_id[:4], "doc_id": "t", "text": texts[:4],
                         "themes": [[], [], [], ["energy"]], "split": "train"})
    return claims, paragraphs, parsed, gold


def test_a_cue_the_gold_train_split_keeps_refuting_is_dropped(nlp):
    claims, paragraphs, parsed, gold = oil_and_gas(nlp)
    out = themes.tag(claims, paragraphs, parsed, SCHEMA, gold=gold, lexicon_threshold=0.5)
    # 'oil' was right 0 times in 3 -> alone it is dropped; 'gas' (right once) carries the fifth claim
    assert out[["claim_id", "theme_id"]].values.tolist() == [["t:c00004", "energy"], ["t:c00005", "energy"]]
    assert out.evidence.tolist() == [["gas", "pipeline"], ["gas", "oil"]]
    as_heldout = themes.tag(claims, paragraphs, parsed, SCHEMA, gold=gold.assign(split="heldout"))
    assert as_heldout.score.tolist() == [0.5, 0.5, 0.5, 0.75, 0.75, 0.5]


@pytest.mark.parametrize("value", [0.0, 1.0, 1.5])
def test_a_lexicon_threshold_outside_zero_to_one_is_one_clear_error(value):
    from pipeline.config import Config
    from pipeline.errors import InputError

    with pytest.raises(InputError, match="lexicon_threshold"):
        Config(lexicon_threshold=value)


def test_a_measured_cue_needs_the_lexicon_threshold_and_an_unmeasured_one_the_threshold(nlp):
    claims, paragraphs, parsed, gold = oil_and_gas(nlp)
    measured = themes.tag(claims, paragraphs, parsed, SCHEMA, gold=gold)
    # 'gas' and 'oil' together score 0.55 on the fifth claim: enough for the threshold, not for the lexicon's
    assert measured[measured.method == "lexicon"].claim_id.tolist() == ["t:c00004"]
    assert (measured[measured.method == "lexicon"].score >= 0.7).all()
    unmeasured = themes.tag(claims, paragraphs, parsed, SCHEMA, gold=None)
    # no gold: a single cue counts 0.5, which the threshold (0.5) keeps
    assert unmeasured[unmeasured.method == "lexicon"].score.tolist() == [0.5, 0.5, 0.5, 0.75, 0.75, 0.5]


def test_heldout_labels_are_never_trained_on(nlp):
    claims, paragraphs, parsed, schema, gold = icy(nlp)
    heldout = gold.assign(split="heldout")
    relabelled = heldout.assign(themes=[["sanctions"]] * len(heldout))
    a = themes.model_scores(claims, paragraphs, parsed, schema, gold=heldout)
    b = themes.model_scores(claims, paragraphs, parsed, schema, gold=relabelled)
    pd.testing.assert_frame_equal(a, b)


def test_cross_validation_scores_each_seed_and_never_reads_the_heldout_labels(nlp):
    schema = schema_of(THEMES + [{"id": "arctic", "group": "order", "cues": ["Arctic"]}])
    more_ice = ["Icebreakers led the way.", "The icebreaker crew rested.", "A new icebreaker was launched.",
                "Icebreakers need deep water.", "The icebreaker returned home."]
    claims, paragraphs, parsed = tables(nlp, *ICE, *more_ice, *OTHER)
    labelled = len(ICE) + len(more_ice) + 3
    gold = pd.DataFrame({"claim_id": claims["claim_id"][:labelled], "doc_id": "t", "text": claims["text"][:labelled],
                         "themes": [["arctic"]] * (labelled - 3) + [["energy"]] * 3,
                         "split": ["train"] * (labelled - 2) + ["heldout"] * 2})
    table = themes.cross_validate(claims, paragraphs, parsed, schema, gold, folds=2, seeds=(0, 1))
    assert table.index.tolist() == ["seed 0", "seed 1", "mean"]
    assert table.columns.tolist() == ["precision", "recall", "f1", "claims"]
    assert table["claims"].tolist() == [labelled - 2] * 3
    assert table.loc["mean", "f1"] == round(table["f1"].iloc[:2].mean(), 4)
    assert table.loc["mean", "f1"] > 0.5  # icebreaker claims learnt from the other fold's icebreakers
    relabelled = gold.assign(themes=[t if s == "train" else ["sanctions"] for t, s in zip(gold.themes, gold.split)])
    pd.testing.assert_frame_equal(table, themes.cross_validate(claims, paragraphs, parsed, schema, relabelled,
                                                               folds=2, seeds=(0, 1)))


def test_leaving_a_chapter_out_scores_it_with_none_of_its_claims_learnt(nlp):
    """The icebreaker claims all stand in chapter 1: with it left out nothing teaches arctic, while random folds
    learn it from the chapter's other claims."""
    schema = schema_of(THEMES + [{"id": "arctic", "group": "order", "cues": ["Arctic"]}])
    more_ice = ["Icebreakers led the way.", "The icebreaker crew rested.", "A new icebreaker was launched.",
                "Icebreakers need deep water.", "The icebreaker returned home."]
    claims, paragraphs, parsed = tables(nlp, *ICE, *more_ice, *OTHER)
    claims["section_number"] = ["1.2"] * (len(ICE) + len(more_ice)) + ["2"] * len(OTHER)
    labelled = len(ICE) + len(more_ice) + 3
    gold = pd.DataFrame({"claim_id": claims["claim_id"][:labelled], "doc_id": "t", "text": claims["text"][:labelled],
                         "themes": [["arctic"]] * (labelled - 3) + [["energy"]] * 3,
                         "split": ["train"] * (labelled - 2) + ["heldout"] * 2})
    table = themes.cross_validate_by_chapter(claims, paragraphs, parsed, schema, gold)
    assert table.index.tolist() == ["t 1", "t 2", "pooled"]
    assert table["claims"].tolist() == [len(ICE) + len(more_ice), 1, labelled - 2]
    assert table.loc["t 1", "f1"] == 0.0 and table.loc["t 2", "f1"] == 1.0  # "Oil prices fell." by its cue
    assert themes.cross_validate(claims, paragraphs, parsed, schema, gold, folds=2, seeds=(0,)).loc["mean", "f1"] > 0.5
    relabelled = gold.assign(themes=[t if s == "train" else ["sanctions"] for t, s in zip(gold.themes, gold.split)])
    pd.testing.assert_frame_equal(table, themes.cross_validate_by_chapter(claims, paragraphs, parsed, schema,
                                                                          relabelled))


def gpc(root, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args, "--root", str(root)],
                          capture_output=True, text=True, timeout=300)


def test_crossval_on_the_corpus_scores_every_gold_train_claim():
    done = gpc(Paths().root, "crossval", "--folds", "2", "--seeds", "0")
    assert done.returncode == 0, done.stderr
    gold = pd.read_json(Paths().gold_claims, lines=True)
    header, seed, mean = done.stdout.strip().splitlines()[-3:]
    assert header.split() == ["precision", "recall", "f1", "claims"]
    assert seed.split()[:2] == ["seed", "0"] and mean.split()[1:] == seed.split()[2:]
    assert int(mean.split()[-1]) == (gold.split == "train").sum() and 0.5 < float(mean.split()[3]) < 1


def test_crossval_by_chapter_on_the_corpus_scores_every_chapter_and_pools_them():
    done = gpc(Paths().root, "crossval", "--by-chapter")
    assert done.returncode == 0, done.stderr
    gold = pd.read_json(Paths().gold_claims, lines=True)
    rows = [line.split() for line in done.stdout.strip().splitlines()[2:]]
    assert [row[0] for row in rows] == ["fiia-2018"] * 4 + ["pr-596-2018", "pooled"]
    assert [row[1] for row in rows[:4]] == ["1", "2", "3", "4"]
    assert int(rows[-1][-1]) == sum(int(row[-1]) for row in rows[:-1]) == (gold.split == "train").sum()


def test_crossval_with_no_gold_claim_of_the_run_says_so_in_one_line(small_project):
    done = gpc(small_project.root, "crossval")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [f"error: {small_project.gold_claims}: no train claim matches a claim of "
                                                "this run (by id and text, or by text): nothing to cross-validate"]


# --- stage contract ----------------------------------------------------------------------------

def test_empty_input_gives_empty_table_with_the_columns(nlp):
    claims, paragraphs, parsed = tables(nlp)
    for frame in (themes.tag(claims, paragraphs, parsed, SCHEMA), themes.lexicon(claims, paragraphs, parsed, SCHEMA),
                  themes.run({"claims": claims, "paragraphs": paragraphs}, parsed=parsed, schema=SCHEMA)["claim_themes"]):
        assert frame.empty and list(frame.columns) == list(themes.COLUMNS)
    assert list(themes.model_scores(claims, paragraphs, parsed, SCHEMA).columns) == ["claim_id", "theme_id", "score"]


def test_inputs_are_not_mutated_and_output_is_deterministic(nlp):
    claims, paragraphs, parsed, schema, gold = icy(nlp)
    before = [frame.copy(deep=True) for frame in (claims, paragraphs, gold)]
    schema_before = schema.model_dump()
    first = themes.run({"claims": claims, "paragraphs": paragraphs}, parsed=parsed, schema=schema, gold=gold,
                       threshold=0.5)["claim_themes"]
    second = themes.run({"claims": claims, "paragraphs": paragraphs}, parsed=parsed, schema=schema, gold=gold,
                        threshold=0.5)["claim_themes"]
    pd.testing.assert_frame_equal(first, second)
    for frame, copy_ in zip((claims, paragraphs, gold), before):
        pd.testing.assert_frame_equal(frame, copy_)
    assert schema.model_dump() == schema_before
    assert set(first.method) <= set(themes.METHODS)


def test_no_gold_means_weak_supervision_only(nlp):
    claims, paragraphs, parsed = tables(nlp, "Oil and gas.", "Sanctions bite.")
    out = themes.run({"claims": claims, "paragraphs": paragraphs}, parsed=parsed, schema=SCHEMA,
                     gold=None)["claim_themes"]
    assert out[["theme_id", "method"]].values.tolist() == [["energy", "lexicon"], ["sanctions", "lexicon"]]


def test_the_stage_reads_no_files(nlp, tmp_path):
    claims, paragraphs, parsed = tables(nlp, "Oil and gas.")
    with pytest.raises(TypeError, match="DataFrame"):
        themes.run({"claims": claims, "paragraphs": paragraphs}, parsed=parsed, schema=SCHEMA,
                   gold=tmp_path / "claims.jsonl")


def test_the_stage_wrapper_loads_the_gold_file_when_there_is_one(monkeypatch, tmp_path):
    from pipeline import stages
    from pipeline.config import Config
    from pipeline.paths import Paths

    seen = []
    monkeypatch.setattr(stages.themes, "run", lambda tables, **kwargs: seen.append(kwargs["gold"]) or {})
    monkeypatch.setattr(stages, "_parsed", lambda *args: {})
    paths = Paths(tmp_path)
    shutil.copytree(Paths().annotations, paths.annotations)
    stages._themes({}, paths=paths, config=Config())
    paths.gold_claims.unlink()
    stages._themes({}, paths=paths, config=Config())
    assert isinstance(seen[0], pd.DataFrame) and len(seen[0]) > 0 and seen[1] is None


def test_scores_micro_and_macro_against_a_split():
    claims = pd.DataFrame({"claim_id": ["d:c1", "d:c2", "d:c3"], "doc_id": "d", "text": ["A.", "B.", "C."]})
    gold = pd.DataFrame({"claim_id": ["d:c1", "d:c2", "d:c3"], "doc_id": "d", "text": ["A.", "B.", "C."],
                         "themes": [["energy", "sanctions"], ["energy"], ["energy"]],
                         "split": ["train", "train", "heldout"]})
    tagged_ = pd.DataFrame({"claim_id": ["d:c1", "d:c2", "d:c3"], "theme_id": ["energy", "sanctions", "energy"]})
    table = themes.measure(tagged_, claims, gold, split="train")
    assert table.loc["micro"].tolist() == [0.5, 0.3333, 0.4, 3]
    assert table.loc["energy"].tolist() == [1.0, 0.5, 0.6667, 2]
    assert table.loc["macro", "f1"] == round((0.6667 + 0.0) / 2, 4)


def test_the_classifier_features_weigh_by_training_texts_as_a_fitted_vectorizer_does():
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = pd.Series(["oil gas", "gas pipeline <actor:rus>", "oil oil price", "arms control treaty",
                       "treaty arms <actor:usa>", "unseen words only"], index=list("abcdef"))
    training = pd.Index(list("ecab"))  # not in the texts' order; d and f are not trained on
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=r"\S+")
    expected_train = vectorizer.fit_transform(texts[training])
    train, every = themes._tfidf(themes._counts(texts.tolist(), (1, 2)), texts.index.get_indexer(training))
    assert train.shape == expected_train.shape and abs(train - expected_train).max() < 1e-12
    assert abs(every - vectorizer.transform(texts)).max() < 1e-12


def test_texts_with_no_shared_words_give_no_columns():
    train, every = themes._tfidf(themes._counts(["", "", "one", ""], (1, 2)), [0, 1, 2])
    assert train.shape == (3, 0) and every.shape == (4, 0)
    train, every = themes._tfidf(themes._counts(["", "", "", ""], (1, 1)), [0, 1])
    assert train.shape == (2, 0) and every.shape == (4, 0)
