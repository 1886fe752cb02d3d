"""The parse stage's cache, its forked parse with work done meanwhile, and the model's tokenizer alone."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import parse
from pipeline.config import DEFAULT_MODEL
from pipeline.errors import PipelineError

TEXTS = ["Sino-Russian ties have deepened, e.g. in energy.", "Washington imposed new sanctions on Moscow."]
PARAGRAPHS = pd.DataFrame({"paragraph_id": ["d:p1", "d:p2"], "text": TEXTS})


def parsed(cache_dir, **options) -> dict:
    docs = parse.docs(PARAGRAPHS, model=DEFAULT_MODEL, cache_dir=cache_dir, **options)
    return {paragraph_id: doc.to_json() for paragraph_id, doc in docs.items()}


def test_work_done_meanwhile_leaves_the_parse_as_it_was(tmp_path):
    done = []
    plain = parsed(tmp_path / "plain")
    assert parsed(tmp_path / "meanwhile", meanwhile=lambda: done.append(True)) == plain
    assert done == [True]
    assert list((tmp_path / "meanwhile").glob("*.spacy"))
    parse._loaded.clear()
    assert parsed(tmp_path / "meanwhile", meanwhile=lambda: done.append(True)) == plain  # from the cache
    assert done == [True]  # nothing to parse, nothing to overlap


@pytest.mark.skipif(not parse.FORKS, reason="the model parses in this process where the platform does not fork")
def test_a_failed_forked_parse_is_an_error_naming_the_cache(tmp_path, monkeypatch):
    def failing(*args):
        raise RuntimeError("the model broke")

    monkeypatch.setattr(parse, "_parse", failing)
    with pytest.raises(PipelineError, match=r"\.spacy: parsing 2 paragraphs failed"):
        parsed(tmp_path, meanwhile=lambda: None)


def test_the_tokenizer_is_the_models_without_its_pipes(nlp):
    alone = parse.tokenizer(DEFAULT_MODEL)
    assert alone.pipe_names == [] and alone.tokenizer is nlp.tokenizer
    for text in TEXTS + ["U.S.-led Export-Import Bank", "Vostok-2018"]:
        assert [(t.text, t.lemma_) for t in alone(text)] == [(t.text, "") for t in nlp.make_doc(text)]
        assert [t.text for t in alone(text)] == [t.text for t in parse.blank("en")(text)]
