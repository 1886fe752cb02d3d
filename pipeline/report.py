"""The HTML report: one self-contained page (``outputs/report.html``) to read a run offline.

It holds the corpus overview, the quality counts, the evaluation figures (when
``outputs/evaluation.json`` exists), the figures (embedded as SVG data, no
external request), an example claim per theme, the top rows of every summary
table with the pandas line that reproduces it, and an ``#alignment`` section
when the run has an ``alignments`` table. Every text from the corpus is
HTML-escaped. ``screenshot`` renders the page in headless Chromium
(``make check-report``).

>>> html = render_report({})
>>> html.startswith("<!DOCTYPE html>") and 'id="overview"' in html
True
"""

from __future__ import annotations

import base64
import html as _html
import json
import math
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd

from pipeline import summaries as summarising
from pipeline.errors import InputError
from pipeline.paths import Paths

TITLE = "Great-power relations corpus: summary report"
TOP_ROWS = 8
PLAIN_NUMBERS = ("year", "note", "page", "rank", "chapter")
# Columns of free text, which wrap; every other cell stays on one line.
WIDE_COLUMNS = ("title", "text", "label", "label_a", "label_b", "chapter_title", "section_title", "reference",
                "top terms (count in the claims)", "theme")
CHROMIUM = Path("/usr/bin/chromium")
INSTALL_CHROMIUM = "install it with `sudo apt-get update && sudo apt-get install -y chromium`"
# Offline and reproducible: no network, no first-run work, a fresh profile per run.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars")
FIGURE_CAPTIONS = {
    "theme_by_chapter": "Share of each chapter's claims that carry each theme (%).",
    "theme_by_document": "Share of each document's claims that carry each theme (%).",
    "actor_theme": "Claims that name the actor and carry the theme (the most frequent actors).",
    "claim_type_by_chapter": "Claim-type mix of each chapter (% of its claims).",
}
QUALITY_ROWS = (
    ("pages", "pages"), ("sections (all)", "sections"), ("sections (numbered)", "sections_numbered"),
    ("sections by level", "sections_by_level"), ("paragraphs", "paragraphs"), ("block quotes", "quotes"),
    ("list items", "list_items"), ("markers found", "markers_found"), ("markers expected", "markers_expected"),
    ("markers missing", "markers_missing"), ("markers out of order", "markers_out_of_order"),
    ("footnotes resolved", "footnotes_resolved"), ("footnotes unresolved", "footnotes_unresolved"),
    ("footnotes without marker", "footnotes_without_marker"), ("hyphen breaks joined", "hyphen_joined"),
    ("compounds kept", "hyphen_kept"),
)
EVALUATION_ROWS = (
    ("gold claims matched", "claims", None), ("actors", "actors", "prf"), ("agents", "agents", "prf"),
    ("themes (micro)", "themes_micro", "prf"), ("themes micro-F1, 95% interval", "themes_micro_f1", "interval"),
    ("themes macro-F1", "themes_macro_f1", None),
    ("claim type accuracy", "claim_type_accuracy", None),
    ("claim type accuracy, 95% interval", "claim_type_accuracy", "interval"), ("hedged accuracy", "hedged_accuracy", None),
    ("citations (markers)", "citations", "prf"), ("citations exact", "citations_exact", None),
)
CSS = """
:root { --ink: #1f2328; --muted: #59636e; --line: #d8dee4; --band: #f6f8fa; --accent: #0b5cad; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--ink);
       background: #fff; }
header { background: #16324f; color: #fff; padding: 22px 32px 14px; }
header h1 { margin: 0 0 4px; font-size: 26px; }
header p { margin: 0 0 10px; color: #d5e3f0; }
nav a { color: #fff; margin-right: 16px; font-size: 14px; text-decoration: none; border-bottom: 1px dotted #9fbad3; }
main { max-width: 1200px; margin: 0 auto; padding: 8px 32px 48px; }
section { margin-top: 30px; }
h2 { font-size: 21px; border-bottom: 2px solid var(--line); padding-bottom: 4px; margin: 0 0 12px; }
h3 { font-size: 16px; margin: 22px 0 4px; }
p.note, .note { color: var(--muted); font-size: 13px; margin: 2px 0 8px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0 16px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 18px; min-width: 130px; background: var(--band); }
.card b { display: block; font-size: 24px; }
.card span { color: var(--muted); font-size: 13px; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0 4px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
td { white-space: nowrap; }
td.wrap { white-space: normal; min-width: 12em; }
th { background: var(--band); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr:nth-child(even) td { background: #fbfcfd; }
code, pre { font: 12px/1.45 ui-monospace, "DejaVu Sans Mono", monospace; }
pre.reproduce { background: var(--band); border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px;
                white-space: pre-wrap; word-break: break-all; margin: 4px 0; }
figure { margin: 18px 0 26px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
.empty { color: var(--muted); font-style: italic; }
"""


# --------------------------------------------------------------------------- small HTML helpers

def escape(value: Any) -> str:
    """Text made safe for HTML (``<``, ``>``, ``&`` and both quotes escaped).

    >>> escape('<script>alert("x")</script>')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
    """
    return _html.escape("" if value is None else str(value), quote=True)


def _cell(value: Any, column: str = "") -> tuple[str, bool]:
    """A value as table-cell text, and whether it is a number (right-aligned); years and note numbers
    get no thousands separator."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA:
        return "", False
    if isinstance(value, bool):
        return ("yes" if value else "no"), False
    if isinstance(value, int):
        return (f"{value}" if column in PLAIN_NUMBERS else f"{value:,}"), True
    if isinstance(value, float):
        return ("" if math.isnan(value) else f"{value:.3f}"), True
    if isinstance(value, dict):
        return ", ".join(f"{str(k).replace('_', ' ')}: {v}" for k, v in value.items()), False
    if isinstance(value, (list, tuple, np.ndarray)):
        items = list(value)
        shown = ", ".join(map(str, items[:10])) + (", …" if len(items) > 10 else "")
        return f"{len(items)}" + (f" ({shown})" if items else ""), not items
    return str(value), False


def table_html(frame: pd.DataFrame, *, max_rows: int | None = None, wide: Iterable[str] = ()) -> str:
    """A DataFrame as an escaped HTML table (the first ``max_rows`` rows)."""
    if frame is None or not len(frame.columns):
        return '<p class="empty">no rows</p>'
    shown = frame.head(max_rows) if max_rows else frame
    head = "".join(f"<th>{escape(c)}</th>" for c in shown.columns)
    rows = []
    for values in shown.itertuples(index=False):
        cells = []
        for column, value in zip(shown.columns, values):
            text, numeric = _cell(value, column)
            css = ' class="num"' if numeric else (' class="wrap"' if column in wide else "")
            cells.append(f"<td{css}>{escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    if not rows:
        rows.append(f'<tr><td class="empty" colspan="{len(shown.columns)}">no rows</td></tr>')
    more = (f'<p class="note">{len(shown):,} of {len(frame):,} rows shown.</p>'
            if max_rows and len(frame) > max_rows else "")
    return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
            f"{more}")


def _section(anchor: str, heading: str, body: str) -> str:
    return f'<section id="{escape(anchor)}"><h2>{escape(heading)}</h2>\n{body}\n</section>'


# --------------------------------------------------------------------------- the sections

def overview_section(tables: dict[str, pd.DataFrame]) -> str:
    """Corpus overview: counts for the whole corpus and one row per document."""
    documents = tables.get("documents", pd.DataFrame(columns=["doc_id"]))
    claims = tables.get("claims", pd.DataFrame(columns=["claim_id", "doc_id", "text"]))
    sections = tables.get("sections", pd.DataFrame(columns=["doc_id"]))
    paragraphs = tables.get("paragraphs", pd.DataFrame(columns=["doc_id"]))
    themed = set(tables.get("claim_themes", pd.DataFrame(columns=["claim_id"]))["claim_id"])
    with_actor = set(tables.get("claim_actors", pd.DataFrame(columns=["claim_id"]))["claim_id"])
    cited = tables.get("claim_citations", pd.DataFrame(columns=["claim_id", "ref_id"]))
    cited = set(cited.loc[cited["ref_id"].notna(), "claim_id"]) if "ref_id" in cited else set()
    pages = int(pd.to_numeric(documents.get("n_pages", pd.Series(dtype=float)), errors="coerce").fillna(0).sum())
    words = int(summarising.word_count(claims["text"]).sum()) if len(claims) else 0
    cards = [("documents", len(documents)), ("pages", pages), ("sections", len(sections)),
             ("paragraphs", len(paragraphs)), ("claims", len(claims)), ("words in claims", words)]
    rows = []
    doc_ids = list(dict.fromkeys([*documents.get("doc_id", []), *claims.get("doc_id", [])]))
    for doc_id in doc_ids:
        meta = documents[documents["doc_id"] == doc_id]
        ids = set(claims.loc[claims["doc_id"] == doc_id, "claim_id"])
        row = meta.iloc[0] if len(meta) else pd.Series(dtype=object)
        rows.append({"doc_id": doc_id, "kind": row.get("kind", ""), "title": row.get("title", ""),
                     "date": row.get("date", ""), "pages": _int(row.get("n_pages")),
                     "sections": int((sections.get("doc_id", pd.Series(dtype=str)) == doc_id).sum()),
                     "paragraphs": int((paragraphs.get("doc_id", pd.Series(dtype=str)) == doc_id).sum()),
                     "claims": len(ids), "with a theme": len(ids & themed), "with an actor": len(ids & with_actor),
                     "citing a source": len(ids & cited)})
    cards_html = "".join(f'<div class="card"><b>{value:,}</b><span>{escape(label)}</span></div>'
                         for label, value in cards)
    return _section("overview", "Corpus overview", f'<div class="cards">{cards_html}</div>'
                    + table_html(pd.DataFrame(rows), wide=WIDE_COLUMNS))


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def quality_section(quality: dict | None) -> str:
    """The quality counts of ``runner.quality_report``, one column per document."""
    documents = (quality or {}).get("documents") or {}
    if not documents:
        return _section("quality", "Quality counts", '<p class="empty">No quality counts in this run.</p>')
    keys = [key for _, key in QUALITY_ROWS]
    labels = dict((key, label) for label, key in QUALITY_ROWS)
    extra = sorted({key for counts in documents.values() for key in counts} - set(keys))
    rows = []
    for key in [*keys, *extra]:
        if any(key in counts for counts in documents.values()):
            rows.append({"count": labels.get(key, key.replace("_", " ")),
                         **{doc_id: counts.get(key, "") for doc_id, counts in documents.items()}})
    note = ('<p class="note">Lists (missing markers, footnotes without a marker) show how many, then the notes. '
            'The same counts are in <code>outputs/quality.json</code>.</p>')
    return _section("quality", "Quality counts", note + table_html(pd.DataFrame(rows)))


def evaluation_section(evaluation: dict | None, *, themes: Any = None) -> str:
    """Precision, recall and F1 per annotation layer on the train and held-out gold splits."""
    if not evaluation:
        return _section("evaluation", "Evaluation against the gold set",
                        '<p class="empty">No evaluation yet: run <code>make evaluate</code> '
                        '(writes <code>outputs/evaluation.json</code>), then rebuild the report.</p>')
    splits = [s for s in ("train", "heldout") if isinstance(evaluation.get(s), dict)]
    rows = []
    for label, key, kind in EVALUATION_ROWS:
        row = {"layer": label}
        for split in splits:
            if kind == "interval":
                interval = (evaluation[split].get("intervals") or {}).get(key)
                row[split] = f"{interval[0]:.3f} – {interval[1]:.3f}" if interval else ""
                continue
            value = evaluation[split].get(key)
            if kind == "prf" and isinstance(value, dict):
                row[split] = (f"P {value.get('precision', 0):.3f} · R {value.get('recall', 0):.3f} · "
                              f"F1 {value.get('f1', 0):.3f} (n={value.get('support', 0)})")
            else:
                row[split] = _cell(value)[0]
        rows.append(row)
    body = table_html(pd.DataFrame(rows))
    per_theme = _per_theme(evaluation, splits, themes)
    if len(per_theme):
        body += "<h3>Themes, per theme (F1, gold support)</h3>" + table_html(per_theme)
    per_type = _per_claim_type(evaluation, splits)
    if len(per_type):
        body += "<h3>Claim types, per type (precision, recall, gold support)</h3>" + table_html(per_type)
    unmatched = evaluation.get("unmatched_gold_claims") or []
    body += (f'<p class="note">Gold claims not found in this run: {len(unmatched)}. '
             'From <code>outputs/evaluation.json</code> (<code>make evaluate</code>).</p>')
    return _section("evaluation", "Evaluation against the gold set", body)


def _per_theme(evaluation: dict, splits: list[str], themes: Any) -> pd.DataFrame:
    labels = dict(zip(*summarising.theme_table(themes)[["theme_id", "label"]].T.values)) if themes else {}
    order = {theme_id: k for k, theme_id in enumerate(labels)}
    return _per_label(evaluation, splits, "themes_per_theme", "theme",
                      lambda score: f"{score['f1']:.3f} (n={score['support']})",
                      names=labels, order=lambda t: (order.get(t, len(order)), t))


def _per_claim_type(evaluation: dict, splits: list[str]) -> pd.DataFrame:
    return _per_label(evaluation, splits, "claim_types_per_type", "claim type",
                      lambda score: f"P {score['precision']:.3f} · R {score['recall']:.3f} (n={score['support']})")


def _per_label(evaluation: dict, splits: list[str], key: str, heading: str, cell, *, names: dict | None = None,
               order=None) -> pd.DataFrame:
    """A row per label of the splits' ``key`` scores (in first-seen order, or sorted by ``order``): its name,
    then each split's ``cell`` of its score (empty where the split has none)."""
    ids = list(dict.fromkeys(label for split in splits for label in (evaluation[split].get(key) or {})))
    if order is not None:
        ids.sort(key=order)
    names = names or {}

    def row(label: str) -> dict:
        scores = {split: (evaluation[split].get(key) or {}).get(label) for split in splits}
        cells = {split: cell(score) if score else "" for split, score in scores.items()}
        return {heading: names.get(label, label), **cells}

    return pd.DataFrame([row(label) for label in ids])


def svg_data_uri(svg: bytes) -> str:
    """An SVG as a ``data:`` URI, so the page needs no other file."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def figures_section(figures: dict[str, bytes]) -> str:
    """Every figure (name -> SVG bytes), embedded as SVG data, with a caption and the files it is saved as."""
    parts = []
    for name, svg in figures.items():
        caption = FIGURE_CAPTIONS.get(name, "")
        parts.append(f'<figure id="figure-{escape(name)}"><img src="{svg_data_uri(svg)}" '
                     f'alt="{escape(caption or name)}"><figcaption>{escape(caption)} Also saved as '
                     f'<code>figures/{escape(name)}.png</code> and <code>.svg</code>.</figcaption></figure>')
    return _section("figures", "Figures", "\n".join(parts) or '<p class="empty">no figures</p>')


def example_claims(claims: pd.DataFrame, claim_themes: pd.DataFrame, *, themes: Any = None) -> pd.DataFrame:
    """One claim per theme: the highest-scoring (earliest on ties), with its id and text.

    >>> claims = pd.DataFrame({"claim_id": ["c1", "c2"], "text": ["Oil.", "Gas and oil."]})
    >>> ct = pd.DataFrame({"claim_id": ["c1", "c2"], "theme_id": "energy", "group": "economy", "score": [0.5, 0.9]})
    >>> example_claims(claims, ct)[["theme", "claim_id"]].values.tolist()
    [['energy', 'c2']]
    """
    labels = summarising.theme_table(themes, claim_themes)
    order = {claim_id: k for k, claim_id in enumerate(claims["claim_id"])}
    frame = claim_themes[claim_themes["claim_id"].isin(order)].assign(
        position=lambda f: f["claim_id"].map(order),
        score=lambda f: pd.to_numeric(f["score"], errors="coerce").fillna(0) if "score" in f else 0.0)
    frame = frame.sort_values(["score", "position"], ascending=[False, True], kind="stable")
    best = frame.drop_duplicates("theme_id").set_index("theme_id")
    texts = claims.drop_duplicates("claim_id").set_index("claim_id")["text"]
    rows = [{"theme": label, "claim_id": best.at[theme_id, "claim_id"],
             "text": summarising._short(texts.get(best.at[theme_id, "claim_id"], ""), 320)}
            for theme_id, label in zip(labels["theme_id"], labels["label"]) if theme_id in best.index]
    return pd.DataFrame(rows, columns=["theme", "claim_id", "text"])


def examples_section(tables: dict[str, pd.DataFrame], *, themes: Any = None) -> str:
    claims = tables.get("claims")
    claim_themes = tables.get("claim_themes")
    if claims is None or claim_themes is None or not len(claims):
        body = '<p class="empty">no claims</p>'
    else:
        body = ('<p class="note">For each theme, the claim it scores highest on. Look one up with '
                '<code>gpc show CLAIM_ID</code>.</p>'
                + table_html(example_claims(claims, claim_themes, themes=themes), wide=WIDE_COLUMNS))
    return _section("examples", "Example claims", body)


def summary_view(summary: summarising.Summary) -> pd.DataFrame:
    """The rows of a summary table worth showing first (the largest counts, the best terms per theme),
    keeping the table's row index so each shown row can be reproduced."""
    frame = summary.frame
    if not len(frame):
        return frame
    if summary.function is summarising.distinctive_terms:
        key = frame.columns[0]
        first = frame.drop_duplicates(key)
        terms = frame.groupby(key, sort=False).apply(
            lambda g: ", ".join(f"{t} ({c})" for t, c in zip(g["term"].head(10), g["count"].head(10))),
            include_groups=False)
        return pd.DataFrame({key: first[key], "label": first["label"],
                             "top terms (count in the claims)": first[key].map(terms)}, index=first.index)
    if summary.function is summarising.theme_cooccurrence:
        a, b = frame.columns[0], frame.columns[2]
        rank = {value: k for k, value in enumerate(dict.fromkeys(frame[a]))}
        frame = frame[frame[a].map(rank) < frame[b].map(rank)]
    if summary.function in (summarising.most_cited_references, summarising.most_cited_authors):
        return frame.assign(ref_ids=frame["ref_ids"].map(lambda s: summarising._short(s, 48)))
    if summary.level == "theme" and "group" in frame.columns:
        frame = frame.drop(columns="group")
    if "claims" in frame.columns:
        return frame.sort_values("claims", ascending=False, kind="stable")
    return frame


def summaries_section(summaries: list[summarising.Summary]) -> str:
    """Each summary table: what it holds, its top rows, the pandas line reproducing a shown number, its CSV file."""
    parts = ['<p class="note">Each table is saved in full as <code>outputs/summaries/NAME.csv</code>. '
             'Every number can be recomputed from the datasets with one pandas line, shown under each table '
             'for its first row, after reading each dataset as '
             '<code>claims = pd.read_parquet("outputs/datasets/claims.parquet")</code> (likewise '
             '<code>claim_themes</code>, <code>claim_actors</code>, <code>references</code>, '
             '<code>claim_citations</code>) and <code>from pipeline import summaries</code>.</p>']
    for summary in summaries:
        view = summary_view(summary)
        reproduction = summary.reproduce(summary.frame.index.get_loc(view.index[0])) if len(view) else None
        parts.append(
            f'<h3 id="table-{escape(summary.name)}">{escape(summary.title)} '
            f'<span class="note">({len(summary.frame):,} rows, <code>summaries/{escape(summary.name)}.csv</code>)'
            f'</span></h3><p class="note">{escape(summary.description)}</p>'
            + table_html(view, max_rows=None if summary.function is summarising.distinctive_terms else TOP_ROWS,
                         wide=WIDE_COLUMNS)
            + (f'<p class="note">Reproduce the {escape(reproduction.what)} '
               f'(<b>{escape(_cell(reproduction.value)[0])}</b>):</p>'
               f'<pre class="reproduce">{escape(reproduction.code)}</pre>' if reproduction else ""))
    return _section("summaries", "Summary tables", "\n".join(parts))


def _alignment_section(tables: dict[str, pd.DataFrame]) -> str:
    """The aligner's ``#alignment`` section, or '' when the run has no ``alignments`` table."""
    if "alignments" not in tables:
        return ""
    from pipeline.align import alignment_section  # scikit-learn loads only when there is something to show

    return alignment_section(tables)


# --------------------------------------------------------------------------- the page

def render_report(tables: dict[str, pd.DataFrame], *, quality: dict | None = None, evaluation: dict | None = None,
                  themes: Any = None, claim_types: tuple[str, ...] | None = None,
                  figures: dict[str, bytes] | None = None) -> str:
    """The report page as one HTML string: no external requests, every corpus text escaped.

    ``quality`` is ``runner.quality_report(result)``, ``evaluation`` the
    content of ``outputs/evaluation.json``, ``themes`` the theme schema,
    ``figures`` the SVG bytes of each figure when already drawn (else they are drawn here).
    """
    summaries = summarising.summary_tables(tables, themes=themes, claim_types=claim_types)
    if figures is None:
        figures = {name: summarising.figure_bytes(figure, "svg")
                   for name, figure in summarising.figures(tables, themes=themes, summaries=summaries).items()}
    alignment = _alignment_section(tables)
    sections = [overview_section(tables), quality_section(quality), evaluation_section(evaluation, themes=themes),
                figures_section(figures), examples_section(tables, themes=themes), summaries_section(summaries)]
    if alignment:
        sections.append(alignment)
    anchors = [("overview", "Overview"), ("quality", "Quality"), ("evaluation", "Evaluation"),
               ("figures", "Figures"), ("examples", "Example claims"), ("summaries", "Summary tables")]
    anchors += [("alignment", "Alignment")] if alignment else []
    nav = "".join(f'<a href="#{anchor}">{escape(label)}</a>' for anchor, label in anchors)
    documents = tables.get("documents")
    subtitle = "; ".join(f"{d.get('title', '')} ({d.get('doc_id', '')})"
                         for d in documents.to_dict("records")) if documents is not None else ""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{escape(TITLE)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            f"<header><h1>{escape(TITLE)}</h1><p>{escape(subtitle)}</p><nav>{nav}</nav></header>\n"
            "<main>\n" + "\n".join(sections) + "\n</main>\n</body>\n</html>\n")


def load_evaluation(paths: Paths) -> dict | None:
    """``evaluation.json`` of this run's outputs, else of the project's ``outputs/``; None if neither exists."""
    for candidate in (paths.evaluation, Paths(paths.root).evaluation):
        if candidate.is_file():
            try:
                return json.loads(candidate.read_text(encoding="utf-8"))
            except json.JSONDecodeError as error:
                raise InputError(candidate, f"not valid JSON ({error.msg}); rerun `make evaluate`") from None
    return None


def write_report(result, paths: Paths, config=None) -> Path:
    """The runner's writer: ``outputs/report.html`` from a run's tables, quality counts and evaluation."""
    from pipeline.runner import quality_report, write_atomic

    quality = quality_report(result) if "quality" in result.tables else None
    # The figures write_summaries saved in this run, when it ran first: same bytes, drawn once.
    drawn = {name: paths.figures / f"{name}.svg" for name in summarising.FIGURE_NAMES}
    figures = {name: path.read_bytes() for name, path in drawn.items()} \
        if all(path.is_file() for path in drawn.values()) else None
    page = render_report(result.tables, quality=quality, evaluation=load_evaluation(paths),
                         themes=summarising.load_theme_schema(paths.themes),
                         claim_types=summarising.load_claim_type_ids(paths.claim_types), figures=figures)
    write_atomic(paths.report_html, page.encode("utf-8"))
    return paths.report_html


# --------------------------------------------------------------------------- the screenshot

def screenshot(page: Path, image: Path, *, chromium: Path = CHROMIUM, width: int = 1280, height: int = 4000,
               timeout: float = 120) -> Path:
    """Render ``page`` in headless Chromium to the PNG ``image`` (a fresh, throw-away browser profile).

    >>> screenshot(Path("outputs/report.html"), Path("outputs/report.png"))  # doctest: +SKIP
    PosixPath('outputs/report.png')
    """
    if not Path(chromium).is_file():
        raise InputError(chromium, f"Chromium not found; {INSTALL_CHROMIUM}")
    page, image = Path(page).resolve(), Path(image).resolve()
    if not page.is_file():
        raise InputError(page, "report not found; build it with `make all`")
    image.parent.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="gpc-chromium-"))
    try:
        command = [str(chromium), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={image}",
                   f"--window-size={width},{height}", page.as_uri()]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise InputError(chromium, f"no screenshot after {timeout:.0f} s") from None
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if done.returncode != 0 or not image.is_file():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise InputError(chromium, f"screenshot failed (exit {done.returncode}): {last}")
    return image


def main(argv: list[str] | None = None) -> int:
    """``python -m pipeline.report REPORT.html IMAGE.png [CHROMIUM]``: the screenshot of ``make check-report``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (2, 3):
        print("usage: python -m pipeline.report REPORT.html IMAGE.png [CHROMIUM]", file=sys.stderr)
        return 2
    try:
        image = screenshot(Path(args[0]), Path(args[1]), chromium=Path(args[2]) if len(args) == 3 else CHROMIUM)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    print(f"wrote {image}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
