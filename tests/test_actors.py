"""The actor stage on tiny inline sentences parsed with the real model."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import actors, parse
from pipeline.config import DEFAULT_MODEL
from pipeline.errors import PipelineError
from pipeline.paths import DEFAULT
from pipeline.schemas import load_actors


@pytest.fixture(scope="module")
def schema():
    return load_actors(DEFAULT.actors)


def tables(nlp, *texts: str) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """One paragraph and one claim per text, joined as the clean text joins paragraphs ("\\n\\n")."""
    starts = [sum(len(t) + 2 for t in texts[:i]) for i in range(len(texts))]
    ids = [f"t:p{i}" for i in range(1, len(texts) + 1)]
    ends = [s + len(t) for s, t in zip(starts, texts)]
    paragraphs = pd.DataFrame({"doc_id": "t", "paragraph_id": ids, "start": starts, "end": ends, "text": list(texts)})
    claims = pd.DataFrame({"claim_id": [f"t:c{i:05d}" for i in range(1, len(texts) + 1)], "doc_id": "t",
                           "paragraph_id": ids, "start": starts, "end": ends, "text": list(texts)})
    return claims, paragraphs, {pid: nlp(text) for pid, text in zip(ids, texts)}


def found(nlp, schema, text: str) -> list[tuple[str, str, str]]:
    mentions, _ = actors.tag(*tables(nlp, text), schema)
    return [(m.actor_id, m.surface, m.role) for m in mentions.itertuples()]


def actor_ids(nlp, schema, text: str) -> list[tuple[str, str]]:
    mentions, _ = actors.tag(*tables(nlp, text), schema)
    return [(m.actor_id, m.surface) for m in mentions.itertuples()]


# --- surface forms -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Sino-Russian relations have improved.", [("CHN", "Sino"), ("RUS", "Russian")]),
    ("US-Russian relations are at a low point.", [("USA", "US"), ("RUS", "Russian")]),
    ("Russia-China trade grew.", [("RUS", "Russia"), ("CHN", "China")]),
    ("China-Russia ties deepen.", [("CHN", "China"), ("RUS", "Russia")]),
    ("The Moscow-Washington dialogue has stalled.", [("RUS", "Moscow"), ("USA", "Washington")]),
    ("The Russo-Japanese war ended in 1905.", [("RUS", "Russo"), ("JPN", "Japanese")]),
])
def test_dyads_give_one_mention_per_side(nlp, schema, text, expected):
    assert actor_ids(nlp, schema, text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Russia’s leadership distrusts the West.", [("RUS", "Russia"), ("WEST", "West")]),
    ("Russia's leadership distrusts the West.", [("RUS", "Russia"), ("WEST", "West")]),
    ("President Trump met Xi Jinping.", [("USA", "President Trump"), ("CHN", "Xi Jinping")]),
    ("Putin and Mattis spoke.", [("RUS", "Putin"), ("USA", "Mattis")]),
    ("Gazprom signed a deal with CNPC.", [("RUS", "Gazprom"), ("CHN", "CNPC")]),
    ("The Kremlin and the White House disagree.", [("RUS", "Kremlin"), ("USA", "White House")]),
    ("The Union must defend its common values.", [("EU", "The Union")]),
    ("The Soviet Union collapsed in 1991.", [("RUS", "Soviet Union")]),
    ("The Eurasian Economic Union is weak.", [("EAEU", "Eurasian Economic Union")]),
    ("Let us consider the US position.", [("USA", "US")]),
    ("The House and the White House disagree.", [("USA", "The House"), ("USA", "White House")]),
    ("Georgia and Turkey border the Black Sea.", [("OTHER_STATE", "Georgia"), ("OTHER_STATE", "Turkey")]),
])
def test_registry_forms(nlp, schema, text, expected):
    assert actor_ids(nlp, schema, text) == expected


@pytest.mark.parametrize("text, expected", [
    # an excluded string: the sea and the city are places, not actors
    ("China’s claims in the South China Sea worry Vietnam.", [("CHN", "China"), ("OTHER_STATE", "Vietnam")]),
    ("She spent a research stay in Washington, DC in 2017.", []),
    ("Washington did not take the notion seriously.", [("USA", "Washington")]),
    ("Trump met Putin at the Helsinki summit.", [("USA", "Trump"), ("RUS", "Putin")]),
    # the general rule: a seat that is only the place of an event
    ("The meeting in Beijing was held in July.", []),
    ("Beijing hosted a conference in Tehran.", [("CHN", "Beijing")]),
    ("There is a growing belief in Moscow that sanctions work.", [("RUS", "Moscow")]),
    # a state name is never a mere location
    ("Chinese investment in Russia has grown.", [("CHN", "Chinese"), ("RUS", "Russia")]),
    ("The post-Soviet space is contested.", []),
    ("A Sino phrase without a hyphen is no prefix.", []),
])
def test_places_and_exclusions(nlp, schema, text, expected):
    assert actor_ids(nlp, schema, text) == expected


def test_other_states_via_registry_and_ner(nlp, schema):
    mentions, _ = actors.tag(*tables(nlp, "Vietnam buys arms from Russia.", "Russia sells arms to Nigeria."), schema)
    rows = [(m.actor_id, m.surface, m.method, m.form) for m in mentions.itertuples()]
    assert rows == [("OTHER_STATE", "Vietnam", "rule", "names"), ("RUS", "Russia", "rule", "names"),
                    ("RUS", "Russia", "rule", "names"), ("OTHER_STATE", "Nigeria", "ner", "GPE")]


def test_ner_skips_places_that_are_not_states(nlp, schema):
    assert actor_ids(nlp, schema, "The pipeline runs from Vladivostok to Harbin.") == []


# --- roles -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Russia imposed sanctions on Ukraine.", [("RUS", "Russia", "agent"), ("UKR", "Ukraine", "target")]),
    ("Sanctions were imposed on Russia by the EU.", [("RUS", "Russia", "target"), ("EU", "EU", "agent")]),
    ("Chinese officials met the Russian government.", [("CHN", "Chinese", "agent"), ("RUS", "Russian", "target")]),
    ("Russia’s leadership distrusts the West.", [("RUS", "Russia", "agent"), ("WEST", "West", "target")]),
    ("Relations between Russia and China are close.", [("RUS", "Russia", "agent"), ("CHN", "China", "agent")]),
    ("Trade with Russia is limited.", [("RUS", "Russia", "mentioned")]),
    ("Although Russia objected, China built the pipeline.",
     [("RUS", "Russia", "mentioned"), ("CHN", "China", "agent")]),
    ("The US increased pressure on Russia.", [("USA", "US", "agent"), ("RUS", "Russia", "target")]),
    # a raising passive: the presidency is the one to respond
    ("The Trump presidency was expected to respond to Russian demands.",
     [("USA", "Trump", "agent"), ("RUS", "Russian", "target")]),
    ("American claims are dismissed in Moscow as hypocrisy.",
     [("USA", "American", "target"), ("RUS", "Moscow", "agent")]),
    ("Moscow sided with Beijing: the Sino-Russian drills took place in July.",
     [("RUS", "Moscow", "agent"), ("CHN", "Beijing", "target"), ("CHN", "Sino", "agent"), ("RUS", "Russian", "agent")]),
    ("Singapore and Chile signed a trade agreement.",
     [("OTHER_STATE", "Singapore", "agent"), ("OTHER_STATE", "Chile", "agent")]),
    ("In Russia, the elite distrusts the West.", [("RUS", "Russia", "mentioned"), ("WEST", "West", "target")]),
])
def test_roles(nlp, schema, text, expected):
    assert found(nlp, schema, text) == expected


def test_claim_actors_keep_the_strongest_role(nlp, schema):
    _, per_claim = actors.tag(*tables(nlp, "Russia imposed sanctions on Ukraine and on Russia’s own firms."), schema)
    assert per_claim.values.tolist() == [["t:c00001", "RUS", "agent"], ["t:c00001", "UKR", "target"]]


# --- table contract ----------------------------------------------------------------------------

def test_offsets_point_into_the_clean_text(nlp, schema):
    texts = ("Russia grew.", "Trade with China and the US-Russian dialogue matter.")
    mentions, _ = actors.tag(*tables(nlp, *texts), schema)
    clean = "\n\n".join(texts)
    assert [clean[m.start:m.end] for m in mentions.itertuples()] == list(mentions["surface"])
    assert list(mentions["claim_id"]) == ["t:c00001", "t:c00002", "t:c00002", "t:c00002"]


def test_empty_input_gives_empty_tables_with_columns(schema):
    claims = pd.DataFrame(columns=list(actors.INPUT_COLUMNS["claims"]))
    paragraphs = pd.DataFrame(columns=list(actors.INPUT_COLUMNS["paragraphs"]))
    out = actors.run({"claims": claims, "paragraphs": paragraphs}, parsed={}, schema=schema)
    assert list(out["actor_mentions"].columns) == list(actors.MENTION_COLUMNS)
    assert list(out["claim_actors"].columns) == list(actors.CLAIM_ACTOR_COLUMNS)
    assert len(out["actor_mentions"]) == len(out["claim_actors"]) == 0


def test_inputs_are_not_mutated_and_output_is_deterministic(nlp, schema):
    claims, paragraphs, parsed = tables(nlp, "Sino-Russian ties deepen.", "Washington sanctioned Moscow.")
    before = claims.copy(), paragraphs.copy()
    first = actors.run({"claims": claims, "paragraphs": paragraphs}, parsed=parsed, schema=schema)
    second = actors.run({"claims": claims, "paragraphs": paragraphs}, parsed=parsed, schema=schema)
    pd.testing.assert_frame_equal(claims, before[0])
    pd.testing.assert_frame_equal(paragraphs, before[1])
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name])


def test_missing_parse_or_table_is_named(nlp, schema):
    claims, paragraphs, _ = tables(nlp, "Russia grew.")
    with pytest.raises(PipelineError, match="t:p1"):
        actors.tag(claims, paragraphs, {}, schema)
    with pytest.raises(PipelineError, match="paragraphs"):
        actors.run({"claims": claims}, parsed={}, schema=schema)


def test_the_models_tokenizer_reads_the_registry_as_the_default_does(nlp, schema):
    inputs = tables(nlp, "Sino-Russian ties deepen.", "The U.S.-led coalition met in Washington, DC.",
                    "Chinese officials met the Russian government in Beijing.")
    default = actors.tag(*inputs, schema)
    for expected, got in zip(default, actors.tag(*inputs, schema, nlp=parse.tokenizer(DEFAULT_MODEL))):
        assert len(expected) > 0
        pd.testing.assert_frame_equal(got, expected)
