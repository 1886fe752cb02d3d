"""The benchmark behind ``make bench``: speed figures, each against a baseline measured in the same run.

Figures printed:

- ingest + structure of the report text (median of several runs);
- the PDF path in pages per second, on pages rendered from the report text;
- a cold run of the whole pipeline against bare ``nlp.pipe`` over the same
  paragraphs on a warmed model, and the pipeline's overhead on top of the model
  (the medians of five samples, each in a new process), with the cold run's
  seconds per stage;
- a schema-only rerun (one cue added to themes.yaml) against a cold run,
  which stages it reused from the cache, whether any text was re-parsed and
  the slowest stages; then a cue that tags new claims (so the overrides and
  alignment stages re-run too);
- the same as ``make all`` runs it, a new process each time (cold against a
  schema edit), with the time spent importing, in the stages and writing
  each output;
- search and dataset-writing figures where that module is present.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pipeline import ingest, parse, runner, structure
from pipeline.config import Config, from_environment
from pipeline.paths import DEFAULT, Paths
from pipeline.schemas import load_manifest


def _timed(function, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return time.perf_counter() - started, value


def _report_document(paths: Paths):
    return next(d for d in load_manifest(paths.manifest).documents if d.kind == "report")


def structure_figures(paths: Paths, config: Config, repeats: int = 5) -> dict:
    """Median seconds of ingest + structure over the report's source."""
    document = _report_document(paths)
    data = (paths.corpus / document.source).read_bytes()

    def once():
        lines, row = ingest.read(document, data)
        return structure.run({"documents": __import__("pandas").DataFrame([row]), "lines": lines}, model=config.model)

    once()  # the word list is loaded once per process, like in a real run
    times = [_timed(once)[0] for _ in range(repeats)]
    return {"ingest_structure_s": round(statistics.median(times), 3)}


def pdf_figures(paths: Paths, pages: int = 20) -> dict:
    """Pages per second of the PDF path, on pages rendered from the report's extracted text."""
    sys.path.insert(0, str(paths.root / "tests"))
    try:
        from pdf_render import parse_pdf_text, render_pages, select_pages
    except ImportError:
        return {"pdf_pages_per_s": "n/a (install the dev extras: reportlab)"}
    from pipeline.ingest_pdf import pdf_lines

    text = (paths.corpus / _report_document(paths).source).read_text(encoding="utf-8")
    data = render_pages(select_pages(parse_pdf_text(text), range(1, pages + 1)))
    seconds, _ = _timed(pdf_lines, data, doc_id="bench", source="bench.pdf")
    return {"pdf_pages": pages, "pdf_pages_per_s": round(pages / seconds, 1)}


def _copy_project(paths: Paths, into: Path) -> Paths:
    shutil.copytree(paths.corpus, into / "corpus")
    shutil.copytree(paths.annotations, into / "annotations")
    return Paths(into)


def _add_cue(paths: Paths, cue: str, *, theme: str | None = None):
    """Add ``cue`` to the first theme (or to ``theme``) of the project's themes.yaml, as a user would."""
    text = paths.themes.read_text(encoding="utf-8")
    at = text.index(f"id: {theme}") if theme else 0
    at = text.index("cues:", at)
    paths.themes.write_text(text[:at] + f"cues:\n      - {cue}" + text[at + len("cues:"):], encoding="utf-8")


class _ParseCounter:
    """Counts the texts spaCy parses while installed (a schema-only rerun must parse none)."""

    def __init__(self):
        self.texts = 0
        self._parse = parse._parse_into_cache  # runs in this process, wherever the model parses

    def __enter__(self):
        def counted(nlp, texts, *args, **kwargs):
            self.texts += len(texts)
            return self._parse(nlp, texts, *args, **kwargs)

        parse._parse_into_cache = counted
        return self

    def __exit__(self, *exc):
        parse._parse_into_cache = self._parse


def _bare_and_cold(paths: Paths, config: Config, texts: list[str]) -> dict:
    """One sample: bare ``nlp.pipe`` over ``texts`` (the corpus's paragraphs), a cold run of the whole
    pipeline on the corpus, and bare again.

    The model is loaded and warmed first by an untimed pass over the texts: spaCy's first pass over new
    text is about 1 s slower than later ones, and neither side should carry it. The sample's bare time is
    the mean of the runs either side of the cold one, so a machine that slows down or speeds up weighs on
    both sides alike, and the bare runs have the garbage collector set as ``runner.compute`` sets it
    (``runner.fewer_collections``; bare ``nlp.pipe`` runs as fast either way). Meant for a new process
    (``_sample_in_new_process``), so the cold run, which starts with no parse or stage cache, pays every
    import and one-time set-up a ``make all`` pays.
    """
    nlp = parse.load_model(config.model)

    def bare() -> float:
        with runner.fewer_collections():
            return _timed(lambda: list(nlp.pipe(texts, batch_size=config.batch_size)))[0]

    with tempfile.TemporaryDirectory() as folder:
        project = _copy_project(paths, Path(folder))
        bare()
        before = bare()
        cold, result = _timed(runner.compute, project, config)
        after = bare()
    return {"bare": (before + after) / 2, "cold": cold, "timings": result.timings}


_SAMPLE_SCRIPT = """
import json, sys
from pathlib import Path
from pipeline.bench import _bare_and_cold
from pipeline.config import Config
from pipeline.paths import Paths
given = json.load(sys.stdin)
print(json.dumps(_bare_and_cold(Paths(Path(given["root"])), Config(model=given["model"], quiet=True), given["texts"])))
"""


def _sample_in_new_process(paths: Paths, config: Config, texts: list[str]) -> dict:
    import json
    import subprocess

    given = json.dumps({"root": str(paths.root), "model": config.model, "texts": texts})
    done = subprocess.run([sys.executable, "-c", _SAMPLE_SCRIPT], input=given, capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def pipeline_figures(paths: Paths, config: Config, samples: int = 5) -> dict:
    """Bare ``nlp.pipe`` against a cold run of the whole pipeline, and the pipeline's overhead on the model.

    ``samples`` samples, each in a new process (``_bare_and_cold``: bare, cold, bare, on a warmed model);
    the figures are the medians over the samples (the overhead is the median of the samples' overheads),
    and the per-stage seconds are those of the median cold run, so a reader sees where the overhead goes.
    A shared two-core machine's speed drifts by 10-20% within seconds, which moved one sample's overhead by
    up to 25 points and a median of three by 10: five samples, and every sample printed.
    """
    with tempfile.TemporaryDirectory() as folder:
        structured = runner.compute(_copy_project(paths, Path(folder)), config, until="structure")
    texts = structured.tables["paragraphs"]["text"].tolist()
    runs = sorted((_sample_in_new_process(paths, config, texts) for _ in range(samples)), key=lambda r: r["cold"])
    overheads = [100 * (run["cold"] - run["bare"]) / run["bare"] for run in runs]
    median = runs[len(runs) // 2]
    return {
        "bare_nlp_pipe_s": round(statistics.median(run["bare"] for run in runs), 2),
        "pipeline_cold_s": round(median["cold"], 2),
        "pipeline_overhead_pct": round(statistics.median(overheads), 1),
        "pipeline_samples": "; ".join(f"bare {run['bare']:.2f} s, cold {run['cold']:.2f} s ({pct:.1f}%)"
                                      for run, pct in zip(runs, overheads)),
        "pipeline_cold_stages_s": ", ".join(f"{name} {seconds:.2f}" for name, seconds in median["timings"].items()),
    }


def rerun_figures(paths: Paths, config: Config) -> dict:
    """Schema-only reruns against the cold run that filled the caches.

    All in one process, as a notebook or the test suite runs the pipeline: the model and the parses stay in
    memory. Two edits: a cue that fires nowhere (only the themes stage re-runs) and one that tags new claims
    (the themes, overrides and alignment stages re-run, as their input changed).
    """
    parse.load_model(config.model)
    with tempfile.TemporaryDirectory() as folder:
        project = _copy_project(paths, Path(folder))
        cold, _ = _timed(runner.compute, project, config)
        _add_cue(project, "benchmark cue")
        with _ParseCounter() as parsed:
            rerun, result = _timed(runner.compute, project, config)
        _add_cue(project, "climate", theme="international_order")
        with _ParseCounter() as parsed_again:
            retag, retagged = _timed(runner.compute, project, config)
    return {
        "schema_rerun_s": round(rerun, 2), "schema_rerun_pct_of_cold": round(100 * rerun / cold, 1),
        "schema_rerun_reused": ", ".join(result.cached),
        "schema_rerun_reparsed": parsed.texts > 0,
        "schema_rerun_slowest": _slowest(result.timings),
        "retag_rerun_s": round(retag, 2), "retag_rerun_pct_of_cold": round(100 * retag / cold, 1),
        "retag_rerun_reused": ", ".join(retagged.cached),
        "retag_rerun_reparsed": parsed_again.texts > 0,
    }


def _slowest(timings: dict[str, float], n: int = 3) -> str:
    return ", ".join(f"{name} {seconds:.2f} s" for name, seconds in sorted(timings.items(), key=lambda kv: -kv[1])[:n])


_BUILD_SCRIPT = """
import json, sys, time
started = time.perf_counter()
from pathlib import Path
from pipeline import runner
from pipeline.config import Config
from pipeline.paths import Paths
imported = time.perf_counter() - started
writers = {}
def timed(writer):
    def run(*args):
        began = time.perf_counter()
        writer(*args)
        writers[writer.__name__] = round(time.perf_counter() - began, 2)
    return run
runner.WRITERS[:] = [timed(writer) for writer in runner.WRITERS]
result = runner.build(Paths(Path(sys.argv[1])), Config(model=sys.argv[2], quiet=True))
print(json.dumps({"import_s": round(imported, 2), "timings": result.timings, "writers": writers,
                  "cached": result.cached}))
"""


def _build_in_new_process(project: Paths, config: Config) -> tuple[float, dict]:
    import json
    import subprocess

    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _BUILD_SCRIPT, str(project.root), config.model],
                          capture_output=True, text=True, check=True)
    return time.perf_counter() - started, json.loads(done.stdout.strip().splitlines()[-1])


def end_to_end_figures(paths: Paths, config: Config) -> dict:
    """``make all`` as a user runs it, a new process each time: cold (no cache, no outputs) against the rerun
    after a schema edit (a cue that tags new claims), with where the rerun's time goes."""
    with tempfile.TemporaryDirectory() as folder:
        project = _copy_project(paths, Path(folder))
        cold, _ = _build_in_new_process(project, config)
        _add_cue(project, "climate", theme="international_order")
        rerun, figures = _build_in_new_process(project, config)
    timings = figures["timings"]
    stages = {name: seconds for name, seconds in timings.items() if name != "write"}
    return {
        "make_all_cold_s": round(cold, 2), "make_all_schema_rerun_s": round(rerun, 2),
        "make_all_schema_rerun_pct_of_cold": round(100 * rerun / cold, 1),
        "make_all_rerun_imports_s": figures["import_s"],
        "make_all_rerun_stages_s": f"{sum(stages.values()):.2f} ({_slowest(stages)})",
        "make_all_rerun_writing_s": f"{timings.get('write', 0):.2f} ({_slowest(figures['writers'], 5)})",
    }


def search_figures(paths: Paths, config: Config) -> dict:
    try:
        from pipeline.bench_search import search_figures as measure
    except ImportError:
        return {}
    return measure(runner.compute(paths, config).tables)


def main():
    config = from_environment().with_options(quiet=True)
    figures = {}
    for name, measure in (("structure", lambda: structure_figures(DEFAULT, config)),
                          ("pdf", lambda: pdf_figures(DEFAULT)),
                          ("pipeline", lambda: pipeline_figures(DEFAULT, config)),
                          ("reruns", lambda: rerun_figures(DEFAULT, config)),
                          ("make all", lambda: end_to_end_figures(DEFAULT, config)),
                          ("search", lambda: search_figures(DEFAULT, config))):
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        figures.update(measure())
    width = max(len(key) for key in figures)
    for key, value in figures.items():
        print(f"{key:{width}}  {value}")


if __name__ == "__main__":
    main()
