"""Datasets: the user-facing tables of the dataset contract, as Parquet, CSV and JSON Lines.

Parquet is canonical; CSV (list-valued cells as JSON arrays) and JSON Lines
are convenience copies of the same rows. ``outputs/datasets/README.md`` is the
data dictionary, generated from ``DICTIONARY`` (the one place where tables
and columns are described; the SQLite database and Datasette reuse it).
Every table keeps the row and column order the stages gave it, and nothing
run-dependent (timestamps, pandas index, library metadata) is written, so a
rerun over the same input produces identical bytes.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

DATASET_TABLES = (
    "documents", "sections", "paragraphs", "footnotes", "markers",
    "claims", "actor_mentions", "claim_actors", "claim_themes", "references", "claim_citations",
    "alignments", "override_log",
)
FORMATS = ("parquet", "csv", "jsonl")


@dataclass(frozen=True)
class TableDoc:
    """What a table holds: one line on its rows, its key, and a description of every column."""

    description: str
    key: tuple[str, ...]
    columns: Mapping[str, str] = field(default_factory=dict)


class _AlignmentColumns(Mapping):
    """The ``alignments`` columns, described where the table is made (``pipeline.align.COLUMNS``).

    Loaded on first use: importing the aligner (scikit-learn) costs seconds a search should not pay.
    """

    def _columns(self) -> dict[str, str]:
        from pipeline.align import COLUMNS

        return COLUMNS

    def __getitem__(self, column: str) -> str:
        return self._columns()[column]

    def __iter__(self):
        return iter(self._columns())

    def __len__(self) -> int:
        return len(self._columns())


_DOC_ID = "Document id from corpus/manifest.yaml (→ documents.doc_id)."
_CLAIM_ID = "Claim id, `<doc_id>:c<number>` (→ claims.claim_id)."
_START = "Character offset where it starts in the document's clean text (`documents.text`)."
_END = "Character offset just after its end in `documents.text` (Python slice end)."

DICTIONARY: dict[str, TableDoc] = {
    "documents": TableDoc(
        "One row per document of corpus/manifest.yaml, with its clean text.", ("doc_id",), {
            "doc_id": "Document id, as declared in corpus/manifest.yaml.",
            "kind": "`report` or `press_release`.",
            "format": "How the source was read: `pdf`, `pdf_text` (text extracted from a PDF) or `web_text`.",
            "title": "Title from the manifest (for web text, as found on the page when the manifest gives none).",
            "date": "Publication date, ISO `YYYY-MM-DD`.",
            "source": "Source file, relative to corpus/.",
            "publisher": "Publishing organisation.",
            "language": "ISO 639-1 language code.",
            "number": "Publisher's number of the document (press releases: `596/2018`), or empty.",
            "department": "Issuing department, when the source names one, or empty.",
            "about": "For a press release: the doc_id of the report it announces, or empty.",
            "sha256": "SHA-256 of the source file's bytes: the version of the source this row was made from.",
            "n_pages": "Number of pages (web text: 1).",
            "text": "The clean text: paragraphs and headings joined by blank lines, footnote markers removed, "
                    "hyphenated line breaks joined. Every `start`/`end` offset points into it.",
        }),
    "sections": TableDoc(
        "One row per section heading (numbered `2.4` or unnumbered sub-heading), in reading order.",
        ("section_id",), {
            "doc_id": _DOC_ID,
            "section_id": "Section id, `<doc_id>:s<number>`.",
            "number": "Section number as printed (`2`, `2.4`), empty for an unnumbered heading.",
            "title": "Heading text without its number (a document without headings: the document title).",
            "level": "Depth: 1 for `2`, 2 for `2.4`, one more than its parent for an unnumbered sub-heading.",
            "parent_id": "section_id of the enclosing section; empty at the top level.",
            "page": "Page where the heading stands.",
            "start": _START,
            "end": "Offset where the section (with its sub-sections) ends in `documents.text`.",
        }),
    "paragraphs": TableDoc(
        "One row per paragraph of running text (body, block quote or list item), in reading order.",
        ("paragraph_id",), {
            "doc_id": _DOC_ID,
            "paragraph_id": "Paragraph id, `<doc_id>:p<number>`.",
            "section_id": "Innermost section it belongs to (→ sections.section_id).",
            "kind": "`body`, `quote` (a block quotation) or `list_item`.",
            "page_start": "Page where it starts.",
            "page_end": "Page where it ends.",
            "start": _START,
            "end": _END,
            "text": "Paragraph text (equal to `documents.text[start:end]`).",
            "page_breaks": "Offsets (into `documents.text`) where a new page begins inside the paragraph (list).",
        }),
    "footnotes": TableDoc(
        "One row per footnote number of a document: its text, or an empty text when the note was not found.",
        ("doc_id", "note"), {
            "doc_id": _DOC_ID,
            "note": "Footnote number.",
            "page": "Page where the note (or, if unresolved, its marker) stands.",
            "text": "Footnote text, de-hyphenated; empty when unresolved.",
            "resolved": "True when the note's text was found.",
        }),
    "markers": TableDoc(
        "One row per footnote marker found in the running text.", (), {
            "doc_id": _DOC_ID,
            "note": "Footnote number the marker refers to (→ footnotes.note).",
            "start": "Offset in `documents.text` where the (removed) marker stood.",
            "page": "Page of the marker.",
            "paragraph_id": "Paragraph holding the marker (→ paragraphs.paragraph_id); empty in a heading.",
            "resolved": "True when the footnote's text was found.",
        }),
    "claims": TableDoc(
        "One row per claim: a sentence of running text (never a heading or a footnote).", ("claim_id",), {
            "claim_id": "Claim id, `<doc_id>:c<number>`, numbered in reading order per document.",
            "doc_id": _DOC_ID,
            "paragraph_id": "Paragraph it belongs to (→ paragraphs.paragraph_id).",
            "section_id": "Innermost section it belongs to (→ sections.section_id).",
            "section_number": "Number of the nearest numbered section (itself or an ancestor), e.g. `2.4`; "
                              "empty before the first numbered heading.",
            "section_title": "Title of its innermost section (numbered or not).",
            "paragraph_kind": "Kind of its paragraph: `body`, `quote` or `list_item`.",
            "page": "Page where the claim starts.",
            "start": _START,
            "end": _END,
            "text": "The sentence (equal to `documents.text[start:end]`).",
            "markers": "Footnote numbers whose markers stand in or right after the sentence (list of int).",
            "claim_type": "Claim type from annotations/claim_types.yaml (e.g. `assertion`, `prediction`, "
                          "`prescription`, `attribution`, `question`).",
            "hedged": "True when a hedging cue (annotations/claim_types.yaml `hedges`) occurs in the claim.",
            "type_cues": "The cues that decided `claim_type` (list; empty for the default type).",
            "hedge_cues": "The hedging cues found in the claim (list).",
            "type_method": "Who set `claim_type`: `rule` (the cues of annotations/claim_types.yaml) or `override` "
                           "(annotations/overrides.yaml; see override_log).",
            "hedged_method": "Who set `hedged`: `rule` (the hedging cues) or `override` (annotations/overrides.yaml).",
        }),
    "actor_mentions": TableDoc(
        "One row per mention of an actor in a claim.", (), {
            "claim_id": _CLAIM_ID,
            "actor_id": "Actor id from annotations/actors.yaml (`CHN`, `RUS`, `USA`, ...); "
                        "`OTHER_STATE` for a state the registry does not list.",
            "surface": "The mention as written in the text.",
            "start": _START,
            "end": _END,
            "role": "`agent` (acts), `target` (is acted upon) or `mentioned`, read from the dependency parse.",
            "method": "`rule` (a registry match) or `ner` (spaCy's named-entity recogniser).",
            "form": "Registry field that matched (`names`, `adjectives`, `prefixes`, `seats`, `leaders`, "
                    "`bodies`, `patterns`), or the entity label (`GPE`, `NORP`) for an NER mention.",
        }),
    "claim_actors": TableDoc(
        "One row per claim × actor, with the strongest role among the actor's mentions in the claim.",
        ("claim_id", "actor_id"), {
            "claim_id": _CLAIM_ID,
            "actor_id": "Actor id (→ actor_mentions.actor_id).",
            "role": "Strongest role of its mentions: `agent` > `target` > `mentioned` (or the role an override set).",
            "method": "`rule` (a registry match among its mentions), `ner` (only NER mentions) or `override` "
                      "(added, or its role set, by annotations/overrides.yaml; an added actor has no mention).",
        }),
    "claim_themes": TableDoc(
        "One row per claim × theme assigned to it (multi-label; a claim may have none).",
        ("claim_id", "theme_id"), {
            "claim_id": _CLAIM_ID,
            "theme_id": "Theme id from annotations/themes.yaml.",
            "group": "Theme group the theme belongs to (annotations/themes.yaml `groups`).",
            "score": "Confidence in [0, 1]: from the number of lexicon cues, or the classifier's probability.",
            "method": "`lexicon` (cue match), `model` (classifier above the threshold) or `override` "
                      "(annotations/overrides.yaml).",
            "evidence": "The cues that fired in the claim (list; empty for a model-only assignment).",
        }),
    "references": TableDoc(
        "One row per cited source: each reference in a footnote, and each author-year citation in the running "
        "text.", ("ref_id",), {
            "ref_id": "Reference id: `<doc_id>:n<note>.<k>` in footnote `note`, `<doc_id>:t<k>` in running text.",
            "doc_id": _DOC_ID,
            "note": "Footnote number (→ footnotes.note); empty for an in-text citation.",
            "paragraph_id": "Paragraph of an in-text citation (→ paragraphs.paragraph_id); empty in a footnote.",
            "start": "In-text citation: offset in `documents.text`; empty in a footnote.",
            "end": "In-text citation: end offset in `documents.text`; empty in a footnote.",
            "authors": "Author(s) as written, e.g. `Keohane & Nye`, `Chase et al.`; empty when none.",
            "author_list": "The authors split into names (list; `et al.` dropped).",
            "year": "Year of publication; empty when none.",
            "year_suffix": "Letter after the year (`2018a` → `a`), or empty.",
            "pages": "Pages cited, e.g. `95` or `7–19`, or empty.",
            "cue": "Citation cue before it: `See`, `See also`, `For instance`, `For exceptions, see`, `Cf.` or empty.",
            "kind": "`bibliographic`, `ibid`, `op_cit`, `interview`, `roundtable`, `cross_reference`, `other` "
                    "(no author and year) or `comment` (a note citing nothing).",
            "points_to": "For `ibid` / `op_cit`: the ref_id it refers back to; else empty.",
            "raw": "The citation as written (a comment: the whole note).",
        }),
    "claim_citations": TableDoc(
        "One row per claim × footnote × reference cited (an in-text citation has no note).", (), {
            "claim_id": _CLAIM_ID,
            "doc_id": _DOC_ID,
            "note": "Footnote number of the marker (→ footnotes.note); empty for an in-text citation.",
            "ref_id": "Reference cited (→ references.ref_id); empty when the note cites nothing parseable.",
            "resolved": "False when the marker's footnote text was not found.",
        }),
    "override_log": TableDoc(
        "One row per manual correction (annotations/overrides.yaml) × claim it matched: what it did, or that it "
        "matched no claim.", (), {
            "override": "Position of the entry in annotations/overrides.yaml (0-based, as `make validate` names it: "
                        "`overrides[3]`).",
            "selector": "How the entry picks its claim: `claim_id=...`, or `text=\"...\"` (whitespace-normalised) "
                        "with an optional `doc=...`.",
            "claim_id": "The claim it matched (→ claims.claim_id); empty when it matched none.",
            "action": "`add_actor`, `remove_actor`, `add_theme`, `remove_theme`, `claim_type` or `hedged`.",
            "value": "What the action sets: `CHN (agent)`, `energy`, `prediction`, `true`.",
            "previous": "The value before (role, claim type, hedged), when there was one; else empty.",
            "status": "`applied`, `no-op` (the claim already had it) or `unmatched` (no claim has that id or text: "
                      "re-segmented or renumbered; also reported in outputs/quality.json).",
            "note": "The entry's note: who made the correction and why.",
        }),
    "alignments": TableDoc(
        "One row per source claim (a press-release claim) × ranked target claim (the report passage that "
        "supports it); see pipeline/align.py.", ("press_claim_id", "target_doc", "rank"), _AlignmentColumns()),
}


def describe(table: str, column: str) -> str | None:
    """The data dictionary's description of ``table.column``, or None when it has none.

    >>> describe("claims", "hedged")[:9]
    'True when'
    """
    entry = DICTIONARY.get(table)
    return entry.columns.get(column) if entry else None


def undocumented(tables: dict[str, pd.DataFrame]) -> list[str]:
    """``table.column`` of every dataset column the data dictionary does not describe (should be empty).

    >>> undocumented({"claims": pd.DataFrame(columns=["claim_id", "mood"])})
    ['claims.mood']
    """
    return [f"{name}.{column}" for name in DATASET_TABLES if name in tables
            for column in tables[name].columns if describe(name, column) is None]


# --------------------------------------------------------------------------- values


def is_list_value(value) -> bool:
    return isinstance(value, (list, tuple, np.ndarray, dict))


def list_columns(frame: pd.DataFrame) -> list[str]:
    """Columns holding lists (or dicts) in any row, found by value so any stage's list column is handled."""
    return [column for column in frame.columns if frame[column].dtype == object
            and any(is_list_value(value) for value in frame[column])]


def plain(value):
    """A cell as a plain Python value for JSON: NA → None, numpy scalars and arrays → Python ones."""
    if isinstance(value, str):
        return value
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(item) for item in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def json_text(value) -> str:
    """A list or dict cell as compact, deterministic JSON text (``[1, 2]``, ``["Keohane", "Nye"]``)."""
    return json.dumps(plain(value), ensure_ascii=False, sort_keys=True)


def column_values(series: pd.Series, *, lists_as_json: bool = False) -> list:
    """A column as plain Python values (NA → None), fast for typed columns; list cells kept or as JSON text."""
    dtype = series.dtype
    if dtype == object:
        if lists_as_json:
            return [json_text(value) if is_list_value(value) else plain(value) for value in series]
        return [plain(value) for value in series]
    if pd.api.types.is_float_dtype(dtype):
        return [None if value is None or value != value else float(value)
                for value in series.to_numpy(dtype=object, na_value=None).tolist()]
    if isinstance(dtype, np.dtype) and dtype.kind in "biu":
        return series.tolist()
    if pd.api.types.is_string_dtype(dtype) or pd.api.types.is_integer_dtype(dtype) \
            or pd.api.types.is_bool_dtype(dtype):
        return [plain(value) for value in series.to_numpy(dtype=object, na_value=None).tolist()]
    return [plain(value) for value in series]


# --------------------------------------------------------------------------- formats


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """A table as Parquet bytes, without pandas index or timestamps, so identical tables give identical files."""
    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    table = table.replace_schema_metadata(None)
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as UTF-8 CSV: list cells as JSON arrays, missing values empty, booleans ``True``/``False``.

    >>> csv_bytes(pd.DataFrame({"claim_id": ["r:c1"], "markers": [[1, 2]]})).decode()
    'claim_id,markers\\nr:c1,"[1, 2]"\\n'
    """
    out = frame.reset_index(drop=True).copy()
    for column in list_columns(out):
        out[column] = column_values(out[column], lists_as_json=True)
    return out.to_csv(index=False, lineterminator="\n").encode("utf-8")


def jsonl_bytes(frame: pd.DataFrame) -> bytes:
    """A table as JSON Lines: one object per row, keys in column order, missing values ``null``.

    >>> jsonl_bytes(pd.DataFrame({"note": [3], "ref_id": [None]})).decode()
    '{"note": 3, "ref_id": null}\\n'
    """
    names = [str(column) for column in frame.columns]
    values = [column_values(frame[column]) for column in frame.columns]
    lines = [json.dumps(dict(zip(names, row)), ensure_ascii=False, allow_nan=False) for row in zip(*values)]
    return "".join(line + "\n" for line in lines).encode("utf-8")


WRITERS = {"parquet": parquet_bytes, "csv": csv_bytes, "jsonl": jsonl_bytes}


def write_tables(tables: dict[str, pd.DataFrame], folder: Path, *, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Write every dataset table present in ``tables`` as ``folder/<name>.<format>``; returns the files written.

    >>> # write_tables(runner.compute().tables, Path("outputs/datasets"))
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in DATASET_TABLES:
        if name not in tables:
            continue
        for fmt in formats:
            path = folder / f"{name}.{fmt}"
            path.write_bytes(WRITERS[fmt](tables[name]))
            written.append(path)
    return written


# --------------------------------------------------------------------------- data dictionary


def column_type(series: pd.Series) -> str:
    """A reader's name for a column's type: string, integer, float, boolean, list of <type>, or JSON object."""
    if series.dtype == object:
        values = series[series.notna()].tolist()
        lists = [value for value in values if is_list_value(value)]
        if lists:
            if any(isinstance(value, dict) for value in lists):
                return "JSON object"
            inner = {_scalar_type(item) for value in lists[:1000] for item in value}
            return f"list of {inner.pop()}" if len(inner) == 1 else "list"
        kinds = {_scalar_type(value) for value in values}
        return kinds.pop() if len(kinds) == 1 else "string"
    if pd.api.types.is_bool_dtype(series.dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(series.dtype):
        return "integer"
    if pd.api.types.is_float_dtype(series.dtype):
        return "float"
    return "string"


def _scalar_type(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "boolean"
    if isinstance(value, (int, np.integer)):
        return "integer"
    if isinstance(value, (float, np.floating)):
        return "float"
    if is_list_value(value):
        return "list"
    return "string"


def data_dictionary(tables: dict[str, pd.DataFrame]) -> str:
    """The data dictionary as Markdown: every dataset table in ``tables``, its rows and every column.

    >>> print(data_dictionary({"claim_actors": pd.DataFrame({"claim_id": ["r:c1"], "actor_id": ["CHN"],
    ...                                                      "role": ["agent"]})}).splitlines()[-5])
    | column | type | description |
    """
    lines = [
        "# Datasets: data dictionary",
        "",
        "Generated by `make all` from `pipeline/datasets.py` (`DICTIONARY`); do not edit by hand.",
        "",
        "Every table is written three times with the same rows: `<table>.parquet` (canonical, typed), "
        "`<table>.csv` (UTF-8; list-valued cells as JSON arrays such as `[12, 13]`; missing values empty) and "
        "`<table>.jsonl` (one JSON object per row; missing values `null`). The same tables, with full-text "
        "search over claims and footnotes, are in `outputs/corpus.sqlite`.",
        "",
        "Ids are stable across runs for unchanged input. `start` / `end` are character offsets into the "
        "document's clean text (`documents.text[start:end]`). Annotations are long tables: one row per "
        "claim × label.",
        "",
        "```python",
        "import pandas as pd",
        'claims = pd.read_parquet("outputs/datasets/claims.parquet")',
        'themes = pd.read_parquet("outputs/datasets/claim_themes.parquet")',
        'claims.merge(themes, on="claim_id").groupby("theme_id").size()  # claims per theme',
        "```",
        "",
        "`outputs/corpus.sqlite` holds the same tables with primary and foreign keys (list cells as JSON text, "
        "booleans as 0/1), this dictionary as the table `data_dictionary`, the view `claim_facets` (one row per "
        "claim with its actors and themes joined) and FTS5 indexes with the Porter stemmer over claim and footnote "
        "text: `select claim_id, text from claims where rowid in (select rowid from claims_fts where claims_fts "
        "match 'sanction')` finds *sanctions* too. `gpc search`, `gpc kwic`, `gpc show` and `gpc serve` "
        "(Datasette) read it.",
        "",
        "| table | rows | key | holds |",
        "|---|---|---|---|",
    ]
    present = [name for name in DATASET_TABLES if name in tables]
    for name in present:
        entry = DICTIONARY[name]
        key = ", ".join(entry.key) or "—"
        lines.append(f"| [{name}](#{name}) | {len(tables[name])} | {key} | {_cell(entry.description)} |")
    for name in present:
        frame, entry = tables[name], DICTIONARY[name]
        lines += ["", f"## {name}", "", entry.description, ""]
        if entry.key:
            lines += [f"Key: {', '.join(f'`{column}`' for column in entry.key)}. Rows: {len(frame)}.", ""]
        else:
            lines += [f"Rows: {len(frame)}.", ""]
        lines += ["| column | type | description |", "|---|---|---|"]
        for column in frame.columns:
            description = describe(name, column) or "**undocumented**"
            lines.append(f"| `{column}` | {column_type(frame[column])} | {_cell(description)} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_dictionary(tables: dict[str, pd.DataFrame], folder: Path) -> Path:
    """Write the data dictionary to ``folder/README.md``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "README.md"
    path.write_text(data_dictionary(tables), encoding="utf-8", newline="\n")
    return path


def write_datasets(result, paths, config) -> list[Path]:
    """Runner writer: every dataset table as Parquet, CSV and JSONL, plus the data dictionary, in ``paths.datasets``.

    >>> # runner.write_outputs(result, paths, config, [write_datasets])
    """
    written = write_tables(result.tables, paths.datasets)
    written.append(write_dictionary(result.tables, paths.datasets))
    return written
