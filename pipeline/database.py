"""The SQLite database: the dataset tables with keys, indexes, a browsing view and full-text search.

``build(tables, path)`` writes ``outputs/corpus.sqlite`` (through a temporary
file, renamed into place when complete):

- every dataset table, with primary keys, foreign keys and indexes on the
  columns people facet and filter on; list-valued cells are JSON text, so
  SQLite's ``json_each`` and Datasette's array facets work on them;
- ``claims_fts`` and ``footnotes_fts``: FTS5 indexes over claim text and
  footnote text with the Porter stemmer (``sanction`` finds ``sanctions``),
  external-content tables whose rowid is the rowid of ``claims`` /
  ``footnotes``;
- ``claim_facets``: a view with one row per claim and its actors and themes
  as comma-joined strings (and as JSON arrays), for browsing.

The database is rebuilt from the tables on every run and never edited in
place; plain ``sqlite3`` and ``datasette`` open it as is.

    $ sqlite3 outputs/corpus.sqlite "select claim_id, snippet(claims_fts, 0, '[', ']', '…', 10)
      from claims_fts join claims on claims.rowid = claims_fts.rowid where claims_fts match 'sanction'"
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.datasets import DATASET_TABLES, DICTIONARY, column_type, column_values, describe, list_columns, plain
from pipeline.errors import PipelineError

TOKENIZE = "porter unicode61"
FACET_COLUMNS = ("doc_id", "actor_id", "theme_id", "group", "claim_type", "section_number", "hedged", "role",
                 "kind", "report_claim_id")
METADATA_NAME = "datasette.json"


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]


def _fk(columns: str, parent: str, parent_columns: str | None = None) -> ForeignKey:
    child = tuple(columns.split(","))
    return ForeignKey(child, parent, tuple((parent_columns or columns).split(",")))


# Primary keys come from the data dictionary; foreign keys are declared here.
FOREIGN_KEYS: dict[str, tuple[ForeignKey, ...]] = {
    "sections": (_fk("doc_id", "documents"), _fk("parent_id", "sections", "section_id")),
    "paragraphs": (_fk("doc_id", "documents"), _fk("section_id", "sections")),
    "footnotes": (_fk("doc_id", "documents"),),
    "markers": (_fk("doc_id", "documents"), _fk("paragraph_id", "paragraphs"), _fk("doc_id,note", "footnotes")),
    "claims": (_fk("doc_id", "documents"), _fk("paragraph_id", "paragraphs"), _fk("section_id", "sections")),
    "actor_mentions": (_fk("claim_id", "claims"),),
    "claim_actors": (_fk("claim_id", "claims"),),
    "claim_themes": (_fk("claim_id", "claims"),),
    "references": (_fk("doc_id", "documents"), _fk("paragraph_id", "paragraphs"), _fk("doc_id,note", "footnotes"),
                   _fk("points_to", "references", "ref_id")),
    "claim_citations": (_fk("claim_id", "claims"), _fk("ref_id", "references"), _fk("doc_id,note", "footnotes")),
    "alignments": (_fk("source_doc", "documents", "doc_id"), _fk("target_doc", "documents", "doc_id"),
                   _fk("press_claim_id", "claims", "claim_id"), _fk("report_claim_id", "claims", "claim_id"),
                   _fk("paragraph_id", "paragraphs")),
}
# Full-text indexes: name -> (content table, indexed column).
FTS_TABLES = {"claims_fts": ("claims", "text"), "footnotes_fts": ("footnotes", "text")}
FACET_VIEW = "claim_facets"
DICTIONARY_TABLE = "data_dictionary"


def quote(name: str) -> str:
    """An SQL identifier in double quotes (``references`` and ``group`` are keywords)."""
    return '"' + name.replace('"', '""') + '"'


def sql_type(series: pd.Series, *, is_list: bool) -> str:
    """The SQLite column type for a table column; lists are JSON text and booleans 0/1 integers."""
    if is_list:
        return "TEXT"
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
        return "INTEGER"
    if pd.api.types.is_float_dtype(dtype):
        return "REAL"
    if dtype == object:
        values = [value for value in series if plain(value) is not None]
        if values and all(isinstance(plain(v), (bool, int)) for v in values):
            return "INTEGER"
        if values and all(isinstance(plain(v), (int, float)) for v in values):
            return "REAL"
    return "TEXT"


def _primary_key(name: str, frame: pd.DataFrame) -> tuple[str, ...]:
    entry = DICTIONARY.get(name)
    key = entry.key if entry else ()
    return key if key and all(column in frame.columns for column in key) else ()


def _foreign_keys(name: str, frame: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> list[ForeignKey]:
    keys = []
    for fk in FOREIGN_KEYS.get(name, ()):
        parent = tables.get(fk.parent)
        if parent is None or not all(column in frame.columns for column in fk.columns):
            continue
        if _primary_key(fk.parent, parent) == fk.parent_columns:
            keys.append(fk)
    return keys


def create_table_sql(name: str, frame: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> str:
    """The ``CREATE TABLE`` statement of one dataset table, with its keys."""
    lists = set(list_columns(frame))
    key = _primary_key(name, frame)
    parts = [f"  {quote(column)} {sql_type(frame[column], is_list=column in lists)}"
             + (" NOT NULL" if column in key else "") for column in frame.columns]
    if key:
        parts.append(f"  PRIMARY KEY ({', '.join(map(quote, key))})")
    for fk in _foreign_keys(name, frame, tables):
        parts.append(f"  FOREIGN KEY ({', '.join(map(quote, fk.columns))}) "
                     f"REFERENCES {quote(fk.parent)} ({', '.join(map(quote, fk.parent_columns))})")
    return f"CREATE TABLE {quote(name)} (\n" + ",\n".join(parts) + "\n)"


def _indexes_sql(name: str, frame: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> list[str]:
    key = _primary_key(name, frame)
    wanted: list[tuple[str, ...]] = [fk.columns for fk in _foreign_keys(name, frame, tables)]
    wanted += [(column,) for column in FACET_COLUMNS if column in frame.columns]
    statements, seen = [], set()
    for columns in wanted:
        # A key's leading columns are already indexed by the key itself.
        if columns in seen or tuple(key[:len(columns)]) == columns:
            continue
        seen.add(columns)
        index = f"idx_{name}_{'_'.join(columns)}"
        statements.append(f"CREATE INDEX {quote(index)} ON {quote(name)} ({', '.join(map(quote, columns))})")
    return statements


def _rows(frame: pd.DataFrame) -> list[tuple]:
    return list(zip(*(column_values(frame[column], lists_as_json=True) for column in frame.columns)))


def _check_keys(name: str, frame: pd.DataFrame) -> None:
    key = _primary_key(name, frame)
    if not key or frame.empty:
        return
    missing = frame[list(key)].isna().any(axis=1)
    duplicated = frame.duplicated(list(key), keep=False)
    for problem, mask in (("empty", missing), ("duplicate", duplicated)):
        if mask.any():
            example = ", ".join(f"{column}={frame.loc[mask, column].iloc[0]!r}" for column in key)
            raise PipelineError(name, f"{int(mask.sum())} row(s) with {problem} key ({', '.join(key)}), "
                                      f"e.g. {example}; the stage that makes `{name}` must give unique ids")


def _facet_view_sql(tables: dict[str, pd.DataFrame]) -> str:
    claims = tables["claims"]
    wanted = ["doc_id", "section_number", "section_title", "page", "claim_type", "hedged"]
    columns = ["c.rowid AS claim_rowid", "c.claim_id"] + [f"c.{quote(col)}" for col in wanted if col in claims]

    def joined(table: str, column: str, *, where: str = "", as_json: bool = False) -> str:
        if table not in tables or column not in tables[table]:
            return "'[]'" if as_json else "''"
        aggregate = f"json_group_array({quote(column)})" if as_json else f"group_concat({quote(column)}, ', ')"
        empty = "'[]'" if as_json else "''"
        inner = (f"SELECT DISTINCT {quote(column)} FROM {quote(table)} x WHERE x.claim_id = c.claim_id{where} "
                 f"ORDER BY {quote(column)}")
        return f"COALESCE((SELECT {aggregate} FROM ({inner})), {empty})"

    has_role = "claim_actors" in tables and "role" in tables["claim_actors"]
    columns += [
        f"{joined('claim_actors', 'actor_id')} AS actors",
        (f"{joined('claim_actors', 'actor_id', where=' AND x.role = ' + repr('agent'))} AS agents"
         if has_role else "'' AS agents"),
        f"{joined('claim_themes', 'theme_id')} AS themes",
        f"{joined('claim_actors', 'actor_id', as_json=True)} AS actor_list",
        f"{joined('claim_themes', 'theme_id', as_json=True)} AS theme_list",
        "c.text",
    ]
    return f"CREATE VIEW {FACET_VIEW} AS SELECT\n  " + ",\n  ".join(columns) + "\nFROM claims c"


def _fts_sql(name: str, content: str, column: str) -> list[str]:
    # content="..." in double quotes is how Datasette recognises the FTS table of a content table.
    return [
        f"CREATE VIRTUAL TABLE {quote(name)} USING fts5({quote(column)}, content=\"{content}\", "
        f"content_rowid=\"rowid\", tokenize='{TOKENIZE}')",
        f"INSERT INTO {quote(name)} (rowid, {quote(column)}) SELECT rowid, {quote(column)} FROM {quote(content)} "
        f"ORDER BY rowid",
        f"INSERT INTO {quote(name)} ({quote(name)}) VALUES ('optimize')",
    ]


def build(tables: dict[str, pd.DataFrame], path: Path) -> Path:
    """Build the database at ``path`` from the dataset tables in ``tables``; missing optional tables are skipped.

    Raises ``PipelineError`` when a table breaks its primary key or a foreign
    key; the previous database stays in place.

    >>> # build(runner.compute().tables, Path("outputs/corpus.sqlite"))
    """
    present = {name: tables[name].reset_index(drop=True) for name in DATASET_TABLES if name in tables}
    for name, frame in present.items():
        _check_keys(name, frame)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        connection = sqlite3.connect(temporary, isolation_level=None)
        try:
            _fill(connection, present)
        finally:
            connection.close()
        os.chmod(temporary, 0o644)  # mkstemp makes it private; the database is a shared output like the rest
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _fill(connection: sqlite3.Connection, tables: dict[str, pd.DataFrame]) -> None:
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("BEGIN")
    for name, frame in tables.items():
        connection.execute(create_table_sql(name, frame, tables))
        if len(frame.columns):
            marks = ", ".join("?" * len(frame.columns))
            connection.executemany(f"INSERT INTO {quote(name)} VALUES ({marks})", _rows(frame))
        for statement in _indexes_sql(name, frame, tables):
            connection.execute(statement)
    for fts, (content, column) in FTS_TABLES.items():
        if content in tables and column in tables[content]:
            for statement in _fts_sql(fts, content, column):
                connection.execute(statement)
    if "claims" in tables:
        connection.execute(_facet_view_sql(tables))
    _fill_dictionary(connection, tables)
    connection.execute("COMMIT")
    _check_foreign_keys(connection)
    connection.execute("ANALYZE")
    connection.execute("PRAGMA journal_mode = DELETE")


def _fill_dictionary(connection: sqlite3.Connection, tables: dict[str, pd.DataFrame]) -> None:
    """The data dictionary as a table, so the database documents itself (and ``show`` knows the list columns)."""
    connection.execute(f"CREATE TABLE {DICTIONARY_TABLE} (table_name TEXT NOT NULL, column_name TEXT NOT NULL, "
                       "type TEXT, description TEXT, PRIMARY KEY (table_name, column_name))")
    rows = [(name, str(column), column_type(frame[column]), describe(name, column) or "")
            for name, frame in tables.items() for column in frame.columns]
    connection.executemany(f"INSERT INTO {DICTIONARY_TABLE} VALUES (?, ?, ?, ?)", rows)


def _check_foreign_keys(connection: sqlite3.Connection) -> None:
    problems = connection.execute("PRAGMA foreign_key_check").fetchall()
    if not problems:
        return
    table, rowid, parent, fk_index = problems[0]
    fk = [row for row in connection.execute(f"PRAGMA foreign_key_list({quote(table)})") if row[0] == fk_index]
    columns = ", ".join(row[3] for row in fk)
    values = connection.execute(f"SELECT {', '.join(quote(r[3]) for r in fk)} FROM {quote(table)} "
                                f"WHERE rowid = ?", (rowid,)).fetchone() if fk else ()
    raise PipelineError(table, f"{len(problems)} row(s) point to a missing {parent} row, e.g. ({columns}) = "
                               f"{tuple(values)!r}; the stages that make `{table}` and `{parent}` disagree")


def write_database(result, paths, config) -> Path:
    """Runner writer: ``outputs/corpus.sqlite`` and the Datasette metadata ``outputs/datasette.json``."""
    path = build(result.tables, paths.database)
    write_metadata(paths.outputs / METADATA_NAME)
    return path


# --------------------------------------------------------------------------- Datasette


def datasette_metadata(database: str = "corpus") -> dict:
    """Datasette metadata: title, table and column descriptions from the data dictionary, facets, search.

    >>> datasette_metadata()["databases"]["corpus"]["tables"]["claims"]["fts_table"]
    'claims_fts'
    """
    tables = {}
    for name, entry in DICTIONARY.items():
        tables[name] = {"description": entry.description, "columns": dict(entry.columns)}
    tables["documents"]["label_column"] = "title"
    tables["sections"]["label_column"] = "title"
    tables["claims"].update({
        "facets": ["claim_type", "section_number", "hedged", "doc_id"],
        "fts_table": "claims_fts", "fts_pk": "rowid", "searchmode": "raw", "sort": "claim_id", "size": 50,
    })
    tables["footnotes"].update({"fts_table": "footnotes_fts", "fts_pk": "rowid", "searchmode": "raw"})
    tables["claim_actors"]["facets"] = ["actor_id", "role"]
    tables["claim_themes"]["facets"] = ["theme_id", "group", "method"]
    tables["actor_mentions"]["facets"] = ["actor_id", "role", "method"]
    tables["references"]["facets"] = ["kind", "cue", "year"]
    tables["alignments"]["facets"] = ["weakly_supported", "section_number", "rank"]
    claims = DICTIONARY["claims"].columns
    tables[FACET_VIEW] = {
        "description": "One row per claim with its actors and themes, for browsing and faceting "
                       "(search it with the box above: FTS5 syntax, e.g. sanction* NOT oil).",
        "columns": {
            "claim_rowid": "Row number of the claim in `claims` (the key of the full-text index).",
            **{column: claims[column] for column in ("claim_id", "doc_id", "section_number", "section_title", "page",
                                                      "claim_type", "hedged", "text")},
            "actors": "Actors of the claim, comma-joined (from claim_actors).",
            "agents": "Actors in the `agent` role, comma-joined.",
            "themes": "Themes of the claim, comma-joined (from claim_themes).",
            "actor_list": "Actors of the claim as a JSON array (facet with `_facet_array=actor_list`).",
            "theme_list": "Themes of the claim as a JSON array (facet with `_facet_array=theme_list`).",
        },
        "facets": ["claim_type", "section_number", {"array": "actor_list"}, {"array": "theme_list"}],
        "fts_table": "claims_fts", "fts_pk": "claim_rowid", "searchmode": "raw", "size": 50,
    }
    tables[DICTIONARY_TABLE] = {
        "description": "The data dictionary: every column of every table, its type and what it means.",
        "columns": {"table_name": "Table.", "column_name": "Column.",
                    "type": "Type as a reader sees it (string, integer, float, boolean, list of ...); "
                            "lists are stored as JSON arrays.",
                    "description": "What the column holds."},
        "facets": ["table_name"],
    }
    tables["claims_fts"] = {"description": "Full-text index (FTS5, Porter stemmer) over claims.text.",
                            "hidden": True}
    tables["footnotes_fts"] = {"description": "Full-text index (FTS5, Porter stemmer) over footnotes.text.",
                               "hidden": True}
    return {
        "title": "Great-power relations corpus",
        "description": "Claims (sentences) of a policy report and its press release, annotated with actors, "
                       "themes, claim type, hedging and citations. Start with claim_facets.",
        "source": "corpus/manifest.yaml",
        "databases": {database: {"tables": tables}},
    }


def write_metadata(path: Path, *, database: str = "corpus") -> Path:
    """Write the Datasette metadata as JSON to ``path`` (atomically)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(datasette_metadata(database), indent=2, ensure_ascii=False) + "\n",
                         encoding="utf-8")
    os.replace(temporary, path)
    return path


def serve_command(db_path: Path, *, metadata: Path, port: int = 8001, host: str = "127.0.0.1") -> list[str]:
    """The command that serves the database with Datasette (the ``datasette`` of this Python).

    >>> serve_command(Path("outputs/corpus.sqlite"), metadata=Path("outputs/datasette.json"))[-4:]
    ['--port', '8001', '--metadata', 'outputs/datasette.json']
    """
    import sys

    return [sys.executable, "-m", "datasette", "serve", str(db_path), "--host", host,
            "--port", str(port), "--metadata", str(metadata)]
