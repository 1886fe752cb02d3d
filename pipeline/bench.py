"""The benchmark behind ``make bench``: speed figures, each against a baseline measured in the same run.

Figures printed:

- ingest + structure of the report text (median of several runs);
- the PDF path in pages per second, on pages rendered from the report text;
- a cold run of the whole pipeline against bare ``nlp.pipe`` over the same
  paragraphs, and the pipeline's overhead on top of the model;
- a schema-only rerun (one cue added to themes.yaml) against the cold run,
  and which stages it reused from the cache;
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


def pipeline_figures(paths: Paths, config: Config) -> dict:
    """A cold run against bare nlp.pipe over the same text, then a schema-only rerun against the cold run."""
    nlp = parse.load_model(config.model)
    with tempfile.TemporaryDirectory() as folder:
        project = _copy_project(paths, Path(folder))
        texts = runner.compute(project, config, until="structure").tables["paragraphs"]["text"].tolist()
        bare, _ = _timed(lambda: list(nlp.pipe(texts, batch_size=config.batch_size)))
        shutil.rmtree(project.cache, ignore_errors=True)
        parse._loaded.clear()
        cold, _ = _timed(runner.compute, project, config)
        themes = project.themes.read_text(encoding="utf-8")
        project.themes.write_text(themes.replace("cues:", "cues:\n      - benchmark cue", 1), encoding="utf-8")
        rerun, result = _timed(runner.compute, project, config)
    return {
        "bare_nlp_pipe_s": round(bare, 2), "pipeline_cold_s": round(cold, 2),
        "pipeline_overhead_pct": round(100 * (cold - bare) / bare, 1),
        "schema_rerun_s": round(rerun, 2), "schema_rerun_pct_of_cold": round(100 * rerun / cold, 1),
        "schema_rerun_reused": ", ".join(result.cached),
        "schema_rerun_reparsed": "parse" not in result.cached,
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
                          ("search", lambda: search_figures(DEFAULT, config))):
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        figures.update(measure())
    width = max(len(key) for key in figures)
    for key, value in figures.items():
        print(f"{key:{width}}  {value}")


if __name__ == "__main__":
    main()
