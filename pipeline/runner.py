"""The runner: validates, reads the corpus, runs the stages with caching, writes outputs.

Stages are plain functions over tables; only this module does I/O. Each
stage's output is cached under ``.cache/stages`` keyed by the hash of its
input tables, the schema files it reads, the options it uses, the package
version and the source of the modules it imports (``code_digest``), so a
schema edit re-runs only the stages that read that schema (and those whose
input tables it changed), and editing the summaries or the CLI re-runs none.
Outputs are written to a staging folder and moved into place at the end: a
failed run leaves the last good outputs intact. While it computes, Python's
garbage collector leaves alone what was there before the run and collects
less often (``fewer_collections``).
"""

from __future__ import annotations

import gc
import hashlib
import inspect
import json
import pickle
import re
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import CodeType
from typing import Callable, Iterator

import pandas as pd

from pipeline import __version__, ingest
from pipeline.config import Config
from pipeline.errors import InputError, SchemaError
from pipeline.paths import DEFAULT, Paths
from pipeline.schemas import load_manifest, validate_all

Tables = dict[str, pd.DataFrame]


@dataclass(frozen=True)
class Stage:
    """One step of the pipeline: which tables it reads, which schema files and options it depends on."""

    name: str
    function: Callable[..., Tables]
    reads: tuple[str, ...]
    schemas: tuple[str, ...] = ()
    options: tuple[str, ...] = ()


@dataclass
class RunResult:
    """What a run produced: every table, the per-stage timings and which stages came from cache."""

    tables: Tables
    timings: dict[str, float] = field(default_factory=dict)
    cached: list[str] = field(default_factory=list)
    quality: dict = field(default_factory=dict)


def _stages() -> list[Stage]:
    from pipeline import stages

    return stages.STAGES


def frame_digest(frame: pd.DataFrame) -> str:
    """A content hash of a table (columns, their types and values), stable across runs."""
    digest = hashlib.sha256(",".join(f"{name}:{dtype}" for name, dtype in frame.dtypes.items()).encode())
    # Typed columns are hashed as they are (as strings they cost twice as much); Python objects (lists, dicts,
    # None) as their strings.
    objects = {name: str for name in frame.columns[frame.dtypes == object]}
    digest.update(pd.util.hash_pandas_object(frame.astype(objects) if objects else frame, index=False).values.tobytes())
    return digest.hexdigest()


def _stage_key(stage: Stage, tables: Tables, paths: Paths, config: Config, digests: dict | None = None) -> str:
    """The cache key of a stage: its input tables, schema files, options and code.

    ``digests`` remembers table digests within one run (by table name and frame identity), so a table
    several stages read (claims, paragraphs) is hashed once.
    """
    digests = {} if digests is None else digests
    digest = hashlib.sha256(f"{stage.name}|{__version__}".encode())
    for name in stage.reads:
        known = digests.get(name)
        if known is None or known[0] is not tables[name]:
            known = digests[name] = (tables[name], frame_digest(tables[name]))
        digest.update(f"|{name}:{known[1]}".encode())
    for schema in stage.schemas:
        path = getattr(paths, schema)
        digest.update(f"|{schema}:".encode() + (path.read_bytes() if path.exists() else b""))
    for option in stage.options:
        digest.update(f"|{option}={getattr(config, option)}".encode())
    digest.update(code_digest(stage).encode())
    return digest.hexdigest()[:24]


PACKAGE = Path(__file__).parent
# The runner runs the stages and imports the output writers; its source never changes a stage's tables.
_NOT_STAGE_CODE = frozenset({"runner"})


# An import statement naming package modules, at any indentation: "from pipeline import a, b as c",
# "from pipeline.a import x", "import pipeline.a". A regular expression finds them thirty times faster than
# parsing the module (0.15 s of a cold run); a line of a string that reads like one only adds a module to a digest.
_PACKAGE_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+pipeline(?:\.(?P<module>\w+)[\w.]*)?[ \t]+import[ \t]+(?P<names>\([^)]*\)|[^\n#]*)"
    r"|import[ \t]+(?P<dotted>[^\n#]*))", re.M)


@lru_cache(maxsize=None)
def _imports(module: str) -> frozenset[str]:
    """The package modules ``pipeline/<module>.py`` imports, at module level or inside functions."""
    found = imported_names((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    return frozenset(name for name in found if (PACKAGE / f"{name}.py").is_file())


def imported_names(source: str) -> set[str]:
    """The names a module's source imports from the package (modules, or other names for a ``from`` import).

    >>> sorted(imported_names("from pipeline import a, b as c\\n    from pipeline.d import e\\nimport os, pipeline.f"))
    ['a', 'b', 'd', 'f']
    """
    found = set()
    for match in _PACKAGE_IMPORT.finditer(source):
        if match["module"]:
            found.add(match["module"])
        elif match["names"] is not None:
            found.update(_names(match["names"]))
        else:
            found.update(name.split(".")[1] for name in _names(match["dotted"]) if name.startswith("pipeline."))
    return found


def _names(imported: str) -> list[str]:
    """The names an import lists, without aliases, parentheses or comments: ``(a as b,  # why`` gives a."""
    imported = re.sub(r"#[^\n]*", "", imported).strip("()")
    return [name.split()[0] for name in imported.split(",") if name.strip()]


def _stage_code(function: Callable) -> tuple[list[str], set[str]]:
    """The source of a stage function and of the helpers of its module it calls, and the package modules
    they name (``claims.run`` names ``claims``; ``from pipeline import align`` inside it names ``align``)."""
    sources, modules, seen = [], set(), set()
    todo = [function]
    while todo:
        called = todo.pop()
        if called in seen:
            continue
        seen.add(called)
        sources.append(_source(called))
        for name in _names_used(called.__code__):
            if (PACKAGE / f"{name}.py").is_file():
                modules.add(name)
            helper = function.__globals__.get(name)
            if inspect.isfunction(helper) and helper.__module__ == function.__module__:
                todo.append(helper)
    return sources, modules


def _source(function: Callable) -> str:
    """The source of ``function``, which holds the source of the code nested in it.

    Asked for a function rather than a code object, ``inspect`` finds the file through the function's module
    instead of through every loaded module (0.1 s of a cold run, once spaCy and scikit-learn are imported).
    """
    try:
        return inspect.getsource(function)
    except (OSError, TypeError):
        return function.__code__.co_code.hex()


def _names_used(code: CodeType) -> Iterator[str]:
    """The global and attribute names ``code`` uses, and those of the lambdas, comprehensions and functions
    defined in it."""
    yield from code.co_names
    for const in code.co_consts:
        if inspect.iscode(const):
            yield from _names_used(const)


@lru_cache(maxsize=None)
def code_digest(stage: Stage) -> str:
    """The source a stage's output depends on: its function and every package module it reaches by imports.

    So a code change never serves a stale cached table, while editing a module no stage imports (the
    summaries, the report, the CLI, search) re-runs nothing.
    """
    sources, todo = _stage_code(stage.function)
    modules: set[str] = set()
    while todo:
        module = todo.pop()
        if module not in modules and module not in _NOT_STAGE_CODE:
            modules.add(module)
            todo |= _imports(module)
    digest = hashlib.sha256("\x00".join(sources).encode())
    for module in sorted(modules):
        digest.update(f"|{module}:".encode() + (PACKAGE / f"{module}.py").read_bytes())
    return digest.hexdigest()


def _run_stage(stage: Stage, tables: Tables, paths: Paths, config: Config, result: RunResult,
               digests: dict | None = None) -> Tables:
    key = _stage_key(stage, tables, paths, config, digests)
    cache_file = paths.stage_cache / f"{stage.name}-{key}.pkl"
    started = time.perf_counter()
    if cache_file.exists():
        produced = pickle.loads(cache_file.read_bytes())
        result.cached.append(stage.name)
    else:
        produced = stage.function({name: tables[name] for name in stage.reads}, paths=paths, config=config)
        write_atomic(cache_file, pickle.dumps(produced, protocol=pickle.HIGHEST_PROTOCOL))
        _prune(paths.stage_cache, stage.name, keep=cache_file)
    result.timings[stage.name] = round(time.perf_counter() - started, 4)
    return produced


def _prune(folder: Path, name: str, *, keep: Path, retain: int = 3):
    """Keep the newest few cache entries of a stage so schema experiments can switch back cheaply."""
    entries = sorted(folder.glob(f"{name}-*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [entry for entry in entries if entry != keep][retain:]:
        old.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes):
    """Write ``data`` to ``path`` through a temporary file, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, prefix=f".{path.name}.") as handle:
        handle.write(data)
    Path(handle.name).replace(path)


def read_sources(documents: list, paths: Paths) -> dict[str, bytes]:
    """The bytes of every manifest document's source, refusing missing files."""
    sources = {}
    for document in documents:
        source = paths.corpus / document.source
        if not source.is_file():
            raise InputError(source, "source file not found: check `source:` in corpus/manifest.yaml")
        sources[document.id] = source.read_bytes()
    return sources


def validate(paths: Paths = DEFAULT) -> None:
    """Raise one SchemaError listing every problem in the manifest, the schema files and the overrides.

    Its ``lines()`` are ``file: entry -> field: message``, one per problem, as ``gpc validate`` prints them;
    nothing has been computed or written yet, so the last good outputs stay as they were.
    """
    problems = validate_all(paths)
    if problems:
        where = problems[0].split(": ", 1)[0] if len({p.split(": ", 1)[0] for p in problems}) == 1 else paths.annotations
        raise SchemaError(where, [p.split(": ", 1)[-1] for p in problems], lines=problems)


@contextmanager
def fewer_collections(young: int = 100_000):
    """Within: Python's cyclic garbage collector leaves alone the objects that existed on entry, and collects
    its young generation every ``young`` new objects instead of every 700; then it is as it was.

    A run makes hundreds of thousands of objects that live to its end (rows, Docs, spans, features), and with
    the collector's defaults it walked them, the model and every module 400 times: 0.2 s of a cold run.
    Freezing what exists on entry keeps the collections off the model and the modules. A process that froze
    objects itself (to fork workers) keeps them frozen.
    """
    thresholds, frozen_before = gc.get_threshold(), gc.get_freeze_count() > 0
    if not frozen_before:
        gc.freeze()
    gc.set_threshold(young, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if not frozen_before:
            gc.unfreeze()


@fewer_collections()
def compute(paths: Paths = DEFAULT, config: Config = Config(), *, until: str | None = None) -> RunResult:
    """Run every stage (or those up to ``until``) on the corpus; write nothing but the cache."""
    validate(paths)
    manifest = load_manifest(paths.manifest)
    sources = read_sources(manifest.documents, paths)
    result = RunResult(tables={})
    started = time.perf_counter()
    result.tables.update(ingest.run(manifest.documents, sources))
    result.timings["ingest"] = round(time.perf_counter() - started, 4)
    digests: dict = {}
    for stage in _stages():
        result.tables.update(_run_stage(stage, result.tables, paths, config, result, digests))
        if stage.name == until:
            break
    return result


def write_outputs(result: RunResult, paths: Paths, config: Config, writers: list[Callable]) -> None:
    """Write every output into a staging folder, then move each file into ``outputs/``."""
    paths.outputs.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=paths.outputs))
    try:
        staged = _StagingPaths(paths.root, staging)
        for writer in writers:
            writer(result, staged, config)
        (staging / "config.json").write_text(json.dumps(config.as_dict(), indent=2, sort_keys=True) + "\n")
        _move_into_place(staging, paths.outputs)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class _StagingPaths(Paths):
    """Paths whose ``outputs`` folder is the staging folder of one run."""

    def __init__(self, root: Path, staging: Path):
        object.__setattr__(self, "root", root)
        object.__setattr__(self, "_staging", staging)

    @property
    def outputs(self) -> Path:
        return self._staging


def _move_into_place(staging: Path, outputs: Path):
    for source in sorted(staging.rglob("*")):
        if source.is_file():
            target = outputs / source.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            source.replace(target)


def quality_report(result: RunResult) -> dict:
    """The counts a user checks after a run, per document (see ``outputs/quality.json``)."""
    per_document = {row.pop("doc_id"): row for row in result.tables["quality"].to_dict("records")}
    documents = result.tables["documents"]
    for doc_id, counts in per_document.items():
        counts["pages"] = int(documents.loc[documents.doc_id == doc_id, "n_pages"].iloc[0])
        counts.update(_annotation_counts(result.tables, doc_id))
    report = {"documents": per_document}
    if "override_log" in result.tables:
        from pipeline.overrides import summary

        report["overrides"] = summary(result.tables["override_log"])
    return report


def _annotation_counts(tables: Tables, doc_id: str) -> dict:
    """How many of a document's claims carry each kind of annotation."""
    if "claims" not in tables:
        return {}
    claims = set(tables["claims"].loc[tables["claims"].doc_id == doc_id, "claim_id"])

    def claims_with(table: str) -> int:
        ids = tables[table]["claim_id"] if table in tables else pd.Series(dtype=str)
        return int(ids[ids.isin(claims)].nunique())

    return {"claims": len(claims), "claims_with_actor": claims_with("claim_actors"),
            "claims_with_theme": claims_with("claim_themes"), "claims_citing": claims_with("claim_citations")}


def _write_quality(result: RunResult, paths: Paths, config: Config):
    (paths.outputs / "quality.json").write_text(
        json.dumps(quality_report(result), indent=2, sort_keys=True, default=_json_default) + "\n")


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


from pipeline.database import write_database  # noqa: E402  (writers live in their own modules)
from pipeline.datasets import write_datasets  # noqa: E402

from pipeline.report import write_report  # noqa: E402
from pipeline.summaries import write_summaries  # noqa: E402

# write_summaries before write_report: the report embeds the figures it saved.
WRITERS: list[Callable] = [write_datasets, write_database, _write_quality, write_summaries, write_report]


def build(paths: Paths = DEFAULT, config: Config = Config()) -> RunResult:
    """Run the whole pipeline and write every output; the entry point of ``make all``."""
    result = compute(paths, config)
    started = time.perf_counter()
    write_outputs(result, paths, config, WRITERS)
    result.timings["write"] = round(time.perf_counter() - started, 4)
    result.quality = quality_report(result)
    return result
