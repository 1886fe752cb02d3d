"""Claims: sentence segmentation, markers carried, claim type and hedging."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import claims, structure
from pipeline.config import DEFAULT_MODEL
from pipeline.ingest import pdf_text_lines
from pipeline.paths import DEFAULT
from pipeline.schemas import load_claim_types


@pytest.fixture(scope="module")
def schema():
    return load_claim_types(DEFAULT.claim_types)


def claims_of(nlp, schema, *paragraphs: str) -> pd.DataFrame:
    """Claims of a one-page source whose body paragraphs are ``paragraphs`` (one line each)."""
    lines = pdf_text_lines(" 1. HEADING\n\n" + "\n\n".join(paragraphs), doc_id="d")
    result = structure.document(lines, doc_id="d", model=DEFAULT_MODEL)
    parsed = {row.paragraph_id: nlp(row.text) for row in result["paragraphs"].itertuples()}
    tables = {"paragraphs": result["paragraphs"], "sections": result["sections"], "markers": result["markers"]}
    return claims.run(tables, parsed=parsed, schema=schema, nlp=nlp)["claims"]


def test_abbreviations_do_not_split_sentences(nlp, schema):
    found = claims_of(nlp, schema, "Scholars, e.g. Nye and Chase et al. in their work, see the U.S. as a hegemon. "
                                   "Russia disagrees.")
    assert found.text.tolist() == ["Scholars, e.g. Nye and Chase et al. in their work, see the U.S. as a hegemon.",
                                   "Russia disagrees."]


def test_claims_carry_their_markers_and_offsets(nlp, schema):
    found = claims_of(nlp, schema, "Power matters.1 It shifts between states.2 Nothing else does.")
    assert found.markers.tolist() == [[1], [2], []]
    assert found.section_number.unique().tolist() == ["1"]
    text = structure.document(pdf_text_lines(" 1. HEADING\n\nPower matters.1 It shifts between states.2 Nothing "
                                             "else does.", doc_id="d"), doc_id="d", model=DEFAULT_MODEL)["text"]
    assert [text[s:e] for s, e in zip(found.start, found.end)] == found.text.tolist()


@pytest.mark.parametrize("sentence, claim_type, hedged", [
    ("Russia longs for recognition of its great-power status.", "assertion", False),
    ("China’s economy is predicted to surpass the US economy in size in 2030.", "prediction", False),
    ("The relationship will remain imbalanced in the coming decade.", "prediction", False),
    ("The relationship was expected to improve after 2016.", "assertion", False),
    ("The EU should actively look for a common agenda with China.", "prescription", False),
    ("Joseph Nye argues that state power is still dominant.", "attribution", False),
    ("According to critics, Beijing is becoming more active.", "attribution", False),
    ("Should the Western world accept this development?", "question", False),
    ("This report focuses on two great-power relationships.", "meta", False),
    ("Moscow may be ready to side more openly with Beijing.", "prediction", True),
    ("It seems to have the political will to use it.", "assertion", True),
    ("This would be very likely to increase Russian concerns.", "prediction", True),
    ("The norms that should serve as a basis for cooperation were never defined.", "assertion", False),
    ("China, in turn, regards the EU as a key economic partner.", "attribution", False),
    ("Moscow, on the other hand, does not see political change in the region as a gain.", "attribution", False),
    ("The West is regarded in both Russia and China as a potential threat.", "attribution", False),
    ("Both states emphasise their unique global roles.", "attribution", False),
    ("Polls show that support for cooperation is growing.", "attribution", False),
    ("The Russian expectation was that the partnership would deepen.", "attribution", False),
    ("China maintained a growth level of around seven per cent.", "assertion", False),
    ("Rosneft and CNPC concluded two long-term contracts.", "assertion", False),
    ("The fourth possibility is that no great power is able to impose order.", "prediction", False),
    ("The Altai pipeline remains a distant prospect.", "prediction", True),
    ("Putin is not likely to risk large-scale casualties.", "prediction", True),
    ("The report also points out how restraint serves a political purpose.", "meta", False),
    ("China and the EEU finally signed a free-trade agreement in May 2018.", "assertion", False),
    ("The use of other corridors cannot be ruled out.", "prediction", True),
    ("The Economist has predicted that oil exporters will be hit especially hard.", "attribution", False),
    ("Europeans worry that Trump and Putin will make a deal between themselves.", "attribution", False),
    ("Moscow defines its Arctic policy in terms of sovereignty and national security.", "attribution", False),
    ("The political dimension has not been well defined in terms of decision-making.", "assertion", False),
    ("Cooperation between Moscow and Beijing was interpreted as tactical.", "attribution", False),
    ("As we point out, the Chinese approach is still driven by economic gains.", "meta", False),
    ("Beijing disliked the idea of a referendum in Crimea.", "attribution", False),
    ("Others take the view that state power is exposed to many actors.", "attribution", False),
    ("Ideally (in Putin's view), the great powers would agree on spheres of influence.", "attribution", False),
    ("The US withdrawal from the treaty could lead to a new arms race.", "prediction", True),
    ("The Altai project could be considered a goodwill gesture.", "assertion", True),
    ("It should be mentioned that both states avoided competition.", "assertion", False),
    ("Both sides agreed on the construction of two reactors.", "assertion", False),
    ("These scenarios are analysed from the perspective of Finland.", "meta", False),
    ("It is necessary to analyse their roles within the broader system.", "meta", False),
    ("It is necessary to strengthen European defence.", "prescription", False),
    ("However, as Ikenberry states, international orders have a life of their own.", "attribution", False),
    ("The American view of these events was quite different.", "attribution", False),
    ("Russia announced in March 2015 that it was leaving the treaty.", "attribution", False),
    ("One should not expect any change in the coming decade.", "prediction", False),
    ("Moscow reiterated that the treaty had become obsolete.", "attribution", False),
    ("The shale revolution has meant that the US imports less oil.", "assertion", False),
])
def test_claim_type_and_hedging(nlp, schema, sentence, claim_type, hedged):
    found = claims_of(nlp, schema, sentence)
    assert (found.claim_type.iloc[0], found.hedged.iloc[0]) == (claim_type, hedged)


def test_the_cue_that_typed_a_claim_is_its_own_words_wherever_the_claim_stands(nlp, schema):
    found = claims_of(nlp, schema, "Relations were tense in the last decade. Moscow will side with Beijing. "
                                   "The talks resumed. We then turn to the Arctic.")
    assert found.claim_type.tolist() == ["assertion", "prediction", "assertion", "meta"]
    assert found.type_cues.tolist() == [[], ["will"], [], ["we then turn to"]]


def test_a_type_added_to_the_schema_is_used_with_no_code_change(nlp, schema):
    extended = schema.model_copy(update={"claim_types": (*schema.claim_types, schema.claim_types[0].model_copy(
        update={"id": "warning", "label": "Warning", "priority": 0, "cues": ("warn",)}))})
    found = claims_of(nlp, extended, "Analysts warn of a new arms race.")
    assert found.claim_type.tolist() == ["warning"]


def test_empty_input_gives_an_empty_claims_table(nlp, schema):
    empty = {"paragraphs": pd.DataFrame(columns=structure.PARAGRAPH_COLUMNS),
             "sections": pd.DataFrame(columns=structure.SECTION_COLUMNS),
             "markers": pd.DataFrame(columns=structure.MARKER_COLUMNS)}
    found = claims.run(empty, parsed={}, schema=schema, nlp=nlp)["claims"]
    assert found.empty and {"claim_id", "claim_type", "hedged", "markers"} <= set(found.columns)
