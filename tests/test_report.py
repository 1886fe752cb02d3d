"""The HTML report: one self-contained page, every section and figure, every corpus text escaped."""

import json
import re
import shutil
import struct
import zlib
from pathlib import Path

import pandas as pd
import pytest

from pipeline import report, summaries
from pipeline.paths import PROJECT_ROOT, Paths
from pipeline.runner import RunResult
from test_summaries import PRESS, REPORT, SCHEMA, corpus_tables

EVALUATION = {
    "unmatched_gold_claims": [],
    "train": {"claims": 3, "actors": {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 4},
              "themes_micro": {"precision": 0.75, "recall": 1.0, "f1": 0.8571, "support": 3},
              "themes_per_theme": {"energy": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2}},
              "claim_type_accuracy": 0.6667, "hedged_accuracy": 1.0, "citations_exact": True,
              "claim_types_per_type": {"prediction": {"precision": 0.5, "recall": 1.0, "f1": 0.6667, "support": 1}},
              "intervals": {"themes_micro_f1": [0.5, 1.0], "claim_type_accuracy": [0.3333, 1.0]}},
    "heldout": {},
}


def run_tables() -> dict[str, pd.DataFrame]:
    tables = corpus_tables()
    tables["quality"] = pd.DataFrame([
        {"doc_id": REPORT, "sections": 5, "sections_numbered": 4, "markers_found": 5, "markers_missing": [8],
         "sections_by_level": {"level_1": 3, "level_2": 1}},
        {"doc_id": PRESS, "sections": 1, "sections_numbered": 0, "markers_found": 0, "markers_missing": [],
         "sections_by_level": {"level_1": 1}},
    ])
    return tables


@pytest.fixture(scope="module")
def page() -> str:
    from pipeline.runner import quality_report

    result = RunResult(tables=run_tables())
    return report.render_report(result.tables, quality=quality_report(result), evaluation=EVALUATION, themes=SCHEMA)


def external_references(html: str) -> list[str]:
    """Every src/href/url() pointing off the page (http, https or protocol-relative)."""
    attributes = re.findall(r"""(?:src|href|xlink:href|action|poster)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]*)""",
                            html, flags=re.I)
    urls = re.findall(r"""url\(\s*["']?\s*((?:https?:)?//[^)"']*)""", html, flags=re.I)
    imports = re.findall(r"@import", html)
    return attributes + urls + imports


def test_the_page_is_self_contained(page):
    assert external_references(page) == []
    assert "<link" not in page.lower() and "<script" not in page.lower() and "<iframe" not in page.lower()
    sources = re.findall(r'<img[^>]*\ssrc="([^"]*)"', page)
    assert sources and all(src.startswith("data:image/svg+xml;base64,") for src in sources)
    assert "<style>" in page and page.startswith("<!DOCTYPE html>")


def test_the_check_finds_an_external_request():
    assert external_references('<img src="https://example.org/x.png"><a href="//cdn.example.org/a.css">') == [
        "https://example.org/x.png", "//cdn.example.org/a.css"]


@pytest.mark.parametrize("anchor, heading", [
    ("overview", "Corpus overview"), ("quality", "Quality counts"), ("evaluation", "Evaluation against the gold set"),
    ("figures", "Figures"), ("examples", "Example claims"), ("summaries", "Summary tables"),
])
def test_every_section_has_its_anchor_heading_and_nav_link(page, anchor, heading):
    assert f'<section id="{anchor}"><h2>{heading}</h2>' in page
    assert f'href="#{anchor}"' in page


def test_every_figure_is_embedded(page):
    for name in summaries.FIGURE_NAMES:
        assert re.search(rf'<figure id="figure-{name}"><img src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]{{200,}}"',
                         page), name


def test_every_summary_table_has_its_heading_rows_and_reproduce_line(page):
    for summary in summaries.summary_tables(run_tables(), themes=SCHEMA):
        assert f'<h3 id="table-{summary.name}">{summary.title} ' in page.replace("&amp;", "&"), summary.name
        assert f"summaries/{summary.name}.csv" in page
    assert page.count('<pre class="reproduce">') == len(summaries.summary_tables(run_tables(), themes=SCHEMA))
    assert "claim_themes.query(&quot;theme_id == &#x27;energy&#x27;&quot;)" in page


def test_corpus_text_is_escaped(page):
    tables = run_tables()
    tables["claims"].loc[0, "text"] = "<script>alert('x')</script> China & Russia trade oil and gas."
    html = report.render_report(tables, themes=SCHEMA)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; China &amp; Russia trade oil and gas." in html
    assert "<script" not in html.lower() and "<script" not in page.lower()


def test_escaping_reaches_titles_labels_and_section_names():
    tables = run_tables()
    tables["documents"].loc[0, "title"] = "Power <b>& Order</b>"
    tables["sections"].loc[1, "title"] = '<img src=x onerror="alert(1)">'
    schema = {"groups": SCHEMA["groups"],
              "themes": [{**SCHEMA["themes"][0], "label": "Energy <i>& oil</i>"}, *SCHEMA["themes"][1:]]}
    html = report.render_report(tables, themes=schema)
    for raw in ("Power <b>", "<img src=x", "Energy <i>"):
        assert raw not in html
    for escaped in ("Power &lt;b&gt;&amp; Order&lt;/b&gt;", "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;",
                    "Energy &lt;i&gt;&amp; oil&lt;/i&gt;"):
        assert escaped in html


def test_overview_and_quality_counts(page):
    overview = page[page.index('id="overview"'):page.index('id="quality"')]
    assert "<b>2</b><span>documents</span>" in overview and "<b>67</b><span>pages</span>" in overview
    assert "<b>9</b><span>claims</span>" in overview and "<b>6</b><span>sections</span>" in overview
    quality = page[page.index('id="quality"'):page.index('id="evaluation"')]
    assert "<td>markers missing</td>" in quality and "1 (8)" in quality and "level 1: 3, level 2: 1" in quality
    assert "<td>pages</td><td class=\"num\">66</td><td class=\"num\">1</td>" in quality


def test_evaluation_figures_are_shown(page):
    evaluation = page[page.index('id="evaluation"'):page.index('id="figures"')]
    assert "P 1.000 · R 0.500 · F1 0.667 (n=4)" in evaluation and "0.667" in evaluation
    assert "0.500 – 1.000" in evaluation and "0.333 – 1.000" in evaluation  # the 95% intervals
    assert "Energy and resources" in evaluation
    assert "<td>prediction</td><td>P 0.500 · R 1.000 (n=1)</td>" in evaluation  # per claim type


def test_without_evaluation_the_section_says_how_to_make_it():
    html = report.render_report(run_tables(), themes=SCHEMA)
    assert "No evaluation yet" in html and "make evaluate" in html


def test_no_alignment_section_without_an_alignments_table(page):
    assert 'id="alignment"' not in page and 'href="#alignment"' not in page


def test_alignment_section_appears_with_an_alignments_table():
    from pipeline import align

    tables = run_tables()
    tables["alignments"] = align.run(tables, top=2, weak_threshold=0.15)["alignments"]
    html = report.render_report(tables, themes=SCHEMA)
    assert align.alignment_section(tables) in html and 'href="#alignment"' in html


def test_an_empty_run_still_renders_every_section():
    html = report.render_report({name: frame.iloc[0:0] for name, frame in run_tables().items()}, themes=SCHEMA)
    for anchor in ("overview", "quality", "evaluation", "figures", "examples", "summaries"):
        assert f'<section id="{anchor}">' in html
    assert external_references(html) == []


def test_example_claims_pick_the_best_scoring_claim_per_theme():
    tables = run_tables()
    examples = report.example_claims(tables["claims"], tables["claim_themes"], themes=SCHEMA)
    assert examples.theme.tolist() == ["Energy and resources", "Sanctions", "Trade and investment",
                                       "Alignment and rivalry"]
    assert examples.claim_id.tolist()[0] == f"{REPORT}:c00001"


def project_copy(tmp_path: Path) -> Paths:
    (tmp_path / "annotations").mkdir()
    for name in ("themes.yaml", "claim_types.yaml"):
        shutil.copy(PROJECT_ROOT / "annotations" / name, tmp_path / "annotations" / name)
    return Paths(tmp_path)


def test_write_report_reads_the_evaluation_and_is_deterministic(tmp_path):
    paths = project_copy(tmp_path)
    paths.outputs.mkdir()
    paths.evaluation.write_text(json.dumps(EVALUATION))
    result = RunResult(tables=run_tables())
    summaries.write_summaries(result, paths, None)
    written = report.write_report(result, paths, None)
    assert written == paths.report_html
    first = written.read_bytes()
    html = first.decode("utf-8")
    assert "P 1.000 · R 0.500 · F1 0.667 (n=4)" in html and external_references(html) == []
    (paths.figures / "actor_theme.svg").unlink()  # the report draws what write_summaries did not save
    report.write_report(RunResult(tables=run_tables()), paths, None)
    assert written.read_bytes() == first


# --- headless Chromium ----------------------------------------------------------------------------

def png_pixels(path: Path) -> tuple[int, int, set]:
    """Width, height and the set of distinct byte values of the decoded image rows (PNG, no dependency)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    chunks, offset = [], 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if kind == b"IDAT":
            chunks.append(data[offset + 8:offset + 8 + length])
        offset += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    return width, height, set(raw[: 200_000])


@pytest.mark.skipif(not report.CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium")
def test_the_report_renders_in_headless_chromium(tmp_path, page):
    html = tmp_path / "report.html"
    html.write_text(page, encoding="utf-8")
    image = report.screenshot(html, tmp_path / "report.png", width=1280, height=2400)
    width, height, values = png_pixels(image)
    assert (width, height) == (1280, 2400)
    assert len(values) > 20, "the screenshot is blank"
    from PIL import Image

    pixels = Image.open(image).convert("L")
    header = pixels.crop((0, 0, 1280, 60))
    assert header.getextrema()[1] - header.getextrema()[0] > 100  # white title on the dark header band
    assert pixels.getextrema() == (pixels.getextrema()[0], 255) and pixels.getextrema()[0] < 60


def test_screenshot_without_chromium_says_how_to_install(tmp_path):
    from pipeline.errors import InputError

    with pytest.raises(InputError, match="apt-get install -y chromium"):
        report.screenshot(tmp_path / "r.html", tmp_path / "r.png", chromium=tmp_path / "no-chromium")
