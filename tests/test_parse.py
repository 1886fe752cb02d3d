"""The parse stage's cache, its forked parse with work done meanwhile, and the model's tokenizer alone."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from spacy.tokens import DocBin
from spacy.vocab import Vocab

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


forks = pytest.mark.skipif(not parse.FORKS, reason="the model parses in this process where the platform does not fork")
MORE = pd.DataFrame({"paragraph_id": ["d:p1", "d:p2", "d:p3"],
                     "text": TEXTS + ["Zyxwvutsqp flonked Qarzhistan, a word no model has seen."]})


def parsed_from(paragraphs, cache_dir, **options) -> dict:
    docs = parse.docs(paragraphs, model=DEFAULT_MODEL, cache_dir=cache_dir, **options)
    return {paragraph_id: doc.to_json() for paragraph_id, doc in docs.items()}


@forks
def test_batches_sent_by_the_forked_parse_make_the_docs_and_the_cache_of_a_plain_parse(tmp_path):
    plain = parsed_from(MORE, tmp_path / "plain")
    parse._loaded.clear()
    assert parsed_from(MORE, tmp_path / "forked", batch_size=1, meanwhile=lambda: None) == plain  # three batches
    parse._loaded.clear()
    assert parsed_from(MORE, tmp_path / "forked") == plain  # read back from the file the batches were written to
    [cache] = (tmp_path / "forked").glob("*.spacy")
    assert len(DocBin().from_disk(cache)) == 3


@forks
def test_a_forked_parse_adds_new_paragraphs_to_those_already_cached(tmp_path):
    parsed_from(MORE.iloc[:2], tmp_path, meanwhile=lambda: None)
    assert parsed_from(MORE, tmp_path, meanwhile=lambda: None) == parsed_from(MORE, tmp_path / "plain")
    parse._loaded.clear()
    assert parsed_from(MORE, tmp_path) == parsed_from(MORE, tmp_path / "plain")


def test_a_batch_carries_the_strings_a_vocabulary_lacks(nlp):
    docs = list(nlp.pipe(MORE["text"]))
    assert [doc.to_json() for doc in parse._decoded(parse._encoded(docs), Vocab())] == [d.to_json() for d in docs]


def test_a_cache_written_with_its_keys_as_user_data_still_serves(tmp_path):
    parsed(tmp_path)
    [cache] = tmp_path.glob("*.spacy")
    parse._loaded.clear()
    docs = parse.docs(PARAGRAPHS, model=DEFAULT_MODEL, cache_dir=tmp_path)
    DocBin(store_user_data=True, docs=docs.values()).to_disk(cache)  # as the cache was written before
    parse._loaded.clear()
    assert parsed(tmp_path) == parsed(tmp_path / "plain")


@forks
def test_a_forked_parse_that_fails_after_a_batch_is_an_error(tmp_path, monkeypatch):
    encoded = parse._encoded

    def second_fails(docs):
        if docs[0].text == TEXTS[1]:
            raise RuntimeError("the pipe broke")
        return encoded(docs)

    monkeypatch.setattr(parse, "_encoded", second_fails)
    with pytest.raises(PipelineError, match=r"parsing 2 paragraphs failed in the forked parse process"):
        parsed(tmp_path, batch_size=1, meanwhile=lambda: None)
    assert not list(tmp_path.glob("*.spacy"))


@forks
def test_work_that_fails_meanwhile_stops_the_forked_parse(tmp_path, monkeypatch):
    fork, children = os.fork, []

    def recorded_fork():
        children.append(fork())
        return children[-1]

    def failing():
        raise KeyError("meanwhile")

    monkeypatch.setattr(parse.os, "fork", recorded_fork)
    with pytest.raises(KeyError, match="meanwhile"):
        parsed(tmp_path, meanwhile=failing)
    with pytest.raises(ChildProcessError):
        os.waitpid(children[0], os.WNOHANG)  # reaped, not left parsing


def test_the_tokenizer_is_the_models_without_its_pipes(nlp):
    alone = parse.tokenizer(DEFAULT_MODEL)
    assert alone.pipe_names == [] and alone.tokenizer is nlp.tokenizer
    for text in TEXTS + ["U.S.-led Export-Import Bank", "Vostok-2018"]:
        assert [(t.text, t.lemma_) for t in alone(text)] == [(t.text, "") for t in nlp.make_doc(text)]
        assert [t.text for t in alone(text)] == [t.text for t in parse.blank("en")(text)]
