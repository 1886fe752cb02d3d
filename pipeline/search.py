"""Search the corpus database: ranked full-text search, keyword in context, and one claim in full.

Every function reads ``outputs/corpus.sqlite`` (built by ``make all``) and
takes the same filters, all keyword-only:

``actor``      an actor id (``CHN``), matched case-insensitively
``theme``      a theme id (``energy``) or a theme group (``economy``)
``claim_type`` a claim type (``prediction``)
``hedged``     True / False: only hedged / only unhedged claims
``doc``        a document id (``fiia-2018``)
``section``    a section number; ``"2"`` also matches ``2.1``, ``2.4`` ...
``cites``      an author cited by the claim (footnotes and in-text citations,
               ``ibid.`` and ``op. cit.`` followed back to their source)

A query uses SQLite FTS5 syntax over the Porter-stemmed claim text: words
(``sanction`` also finds ``sanctions``), ``"exact phrases"``, ``OR``,
``NOT``, ``NEAR(a b, 5)``, ``prefix*``; words side by side must all occur.

>>> # search(paths.database, "sanction* NOT oil", actor="RUS", section="3")
"""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd

from pipeline.errors import QueryError

OPEN, CLOSE = "\x02", "\x03"
SEARCH_COLUMNS = ["rank", "claim_id", "doc_id", "section_number", "section_title", "page", "claim_type", "hedged",
                  "actors", "themes", "snippet", "score"]
KWIC_COLUMNS = ["claim_id", "doc_id", "section_number", "page", "start", "left", "keyword", "right"]
QUERY_HELP = 'use words, "exact phrases", OR, NOT, NEAR(a b), prefix*'


@dataclass(frozen=True)
class Filters:
    """The filters every search function takes (see the module docstring)."""

    actor: str | None = None
    theme: str | None = None
    claim_type: str | None = None
    hedged: bool | None = None
    doc: str | None = None
    section: str | None = None
    cites: str | None = None


# --------------------------------------------------------------------------- connection


def connect(db_path: Path | str) -> sqlite3.Connection:
    """A read-only connection to the corpus database, or a QueryError saying how to build it."""
    path = Path(db_path)
    if not path.is_file():
        raise QueryError(path, "database not found: run `make all` to build it")
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    missing = [name for name in ("claims", "claims_fts", "claim_facets") if name not in names]
    if missing:
        connection.close()
        raise QueryError(path, f"not a corpus database or an outdated one (no {', '.join(missing)}): "
                               "run `make all` to rebuild it")
    return connection


def _names(connection: sqlite3.Connection) -> set[str]:
    return {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}


def _columns(connection: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')]


def _distinct(connection: sqlite3.Connection, table: str, column: str) -> list[str]:
    rows = connection.execute(f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL '
                              f'AND "{column}" != \'\' ORDER BY 1')
    return [str(row[0]) for row in rows]


def _known(value: str, allowed: list[str], what: str, option: str) -> str:
    """``value`` as spelled in the database (case-insensitive), or a QueryError listing what is allowed."""
    by_lower = {item.lower(): item for item in allowed}
    if str(value).lower() in by_lower:
        return by_lower[str(value).lower()]
    shown = ", ".join(allowed[:25]) + (", ..." if len(allowed) > 25 else "")
    raise QueryError(option, f"{value!r} is not {what} in the database; known: {shown or 'none'}")


def _require(connection: sqlite3.Connection, table: str, column: str, option: str, stage: str) -> None:
    if table not in _names(connection) or column not in _columns(connection, table):
        raise QueryError(option, f"the database has no {table}.{column} (the {stage} stage did not run): "
                                 "run `make all` to rebuild it")


# --------------------------------------------------------------------------- filters


def _where(connection: sqlite3.Connection, filters: Filters) -> tuple[list[str], list]:
    """SQL conditions on the claim ``f`` (a ``claims`` or ``claim_facets`` row) for the filters, values checked."""
    clauses, params = [], []
    if filters.doc is not None:
        clauses.append("f.doc_id = ?")
        params.append(_known(filters.doc, _distinct(connection, "claims", "doc_id"), "a document id", "doc"))
    if filters.actor is not None:
        _require(connection, "claim_actors", "actor_id", "actor", "actors")
        actor = _known(filters.actor, _distinct(connection, "claim_actors", "actor_id"), "an actor id", "actor")
        # EXISTS probes the (claim_id, actor_id) key per candidate; IN would materialise every claim of the actor.
        clauses.append("EXISTS (SELECT 1 FROM claim_actors a WHERE a.claim_id = f.claim_id AND a.actor_id = ?)")
        params.append(actor)
    if filters.theme is not None:
        _require(connection, "claim_themes", "theme_id", "theme", "themes")
        has_group = "group" in _columns(connection, "claim_themes")
        allowed = _distinct(connection, "claim_themes", "theme_id")
        allowed += _distinct(connection, "claim_themes", "group") if has_group else []
        theme = _known(filters.theme, allowed, "a theme id or group", "theme")
        clauses.append("EXISTS (SELECT 1 FROM claim_themes t WHERE t.claim_id = f.claim_id AND (t.theme_id = ?"
                       + (' OR t."group" = ?))' if has_group else "))"))
        params += [theme, theme] if has_group else [theme]
    if filters.claim_type is not None:
        _require(connection, "claims", "claim_type", "type", "claims")
        clauses.append("f.claim_type = ?")
        params.append(_known(filters.claim_type, _distinct(connection, "claims", "claim_type"), "a claim type",
                             "type"))
    if filters.hedged is not None:
        _require(connection, "claims", "hedged", "hedged", "claims")
        clauses.append("f.hedged = ?")
        params.append(int(bool(filters.hedged)))
    if filters.section is not None:
        section = str(filters.section).strip().rstrip(".")
        numbers = _distinct(connection, "claims", "section_number")
        if not any(n == section or n.startswith(section + ".") for n in numbers):
            tops = sorted({n.split(".")[0] for n in numbers}, key=_number_key)
            raise QueryError("section", f"{filters.section!r} is not a section number in the database; "
                                        f"numbered sections: {', '.join(tops) or 'none'} (and their 2.1, 2.2 ...)")
        clauses.append("(f.section_number = ? OR substr(f.section_number, 1, ?) = ?)")
        params += [section, len(section) + 1, section + "."]
    if filters.cites is not None:
        clauses.append(f"f.claim_id IN ({_cites_sql(connection)})")
        params.append(_like(filters.cites))
        if not connection.execute(f"SELECT 1 FROM \"references\" WHERE authors LIKE ? ESCAPE '\\' LIMIT 1",
                                  (_like(filters.cites),)).fetchone():
            raise QueryError("cites", f"no reference in the database has an author matching {filters.cites!r}")
    return clauses, params


def _number_key(number: str) -> tuple:
    return tuple(int(part) if part.isdigit() else 0 for part in number.split("."))


def _like(text: str) -> str:
    escaped = str(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _cites_sql(connection: sqlite3.Connection) -> str:
    """Claims citing a reference whose authors match; ``ibid.``/``op. cit.`` are followed to their source."""
    _require(connection, "claim_citations", "ref_id", "cites", "citations")
    _require(connection, "references", "authors", "cites", "citations")
    if "points_to" not in _columns(connection, "references"):
        return ("SELECT cc.claim_id FROM claim_citations cc JOIN \"references\" r ON r.ref_id = cc.ref_id "
                "WHERE r.authors LIKE ? ESCAPE '\\'")
    return (
        "WITH RECURSIVE chain(ref_id, target) AS ("
        " SELECT ref_id, ref_id FROM \"references\""
        " UNION SELECT chain.ref_id, r.points_to FROM chain JOIN \"references\" r ON r.ref_id = chain.target"
        " WHERE r.points_to IS NOT NULL)"
        " SELECT cc.claim_id FROM claim_citations cc JOIN chain ON chain.ref_id = cc.ref_id"
        " JOIN \"references\" source ON source.ref_id = chain.target WHERE source.authors LIKE ? ESCAPE '\\'"
    )


def _filters(**given) -> Filters:
    return Filters(**{f.name: given.get(f.name) for f in fields(Filters)})


def _check_limit(limit: int | None) -> int:
    if limit is None or limit == 0:
        return -1
    if not isinstance(limit, int) or limit < 0:
        raise QueryError("limit", f"{limit!r} is not a positive whole number (0 for no limit)")
    return limit


def _run(connection: sqlite3.Connection, sql: str, params: list, query: str | None) -> list[sqlite3.Row]:
    """Execute a search, turning an FTS syntax error into a one-line QueryError."""
    try:
        return connection.execute(sql, params).fetchall()
    except sqlite3.OperationalError as error:
        message = " ".join(str(error).split())
        if query is not None and ("fts5" in message or "no such column" in message
                                  or "unknown special query" in message or "unterminated" in message):
            raise QueryError("query", f"cannot parse {query!r} ({message}); {QUERY_HELP}") from None
        raise QueryError("database", f"{message}: the database may be outdated; run `make all` to rebuild it") \
            from None


def _query(query: str | None) -> str | None:
    return None if query is None or not str(query).strip() else str(query)


# --------------------------------------------------------------------------- search


def search(db_path: Path | str, query: str | None, *, actor: str | None = None, theme: str | None = None,
           claim_type: str | None = None, hedged: bool | None = None, doc: str | None = None,
           section: str | None = None, cites: str | None = None, limit: int | None = 20,
           mark: tuple[str, str] = ("[", "]"), snippet_words: int = 24) -> pd.DataFrame:
    """Claims matching ``query`` and the filters, best first (BM25), with a highlighted snippet.

    One row per claim: rank, claim_id, doc_id, section_number, section_title,
    page, claim_type, hedged, actors and themes (comma-joined), snippet (the
    matched words between ``mark``) and score (higher is better). An empty
    query lists the claims that pass the filters, in reading order.
    ``limit`` 0 or None returns every match.

    >>> # search("outputs/corpus.sqlite", '"energy cooperation" OR pipeline*', actor="CHN", limit=5)
    """
    query, limit = _query(query), _check_limit(limit)
    filters = _filters(actor=actor, theme=theme, claim_type=claim_type, hedged=hedged, doc=doc, section=section,
                       cites=cites)
    with closing(connect(db_path)) as connection:
        clauses, params = _where(connection, filters)
        view = set(_columns(connection, "claim_facets"))
        optional = [f"f.{c}" if c in view else f"NULL AS {c}" for c in ("claim_type", "hedged")]
        select = ("f.claim_id, f.doc_id, f.section_number, f.section_title, f.page, "
                  f"{', '.join(optional)}, f.actors, f.themes")
        if query is None:
            sql = (f"SELECT {select}, f.text AS snippet, NULL AS score FROM claim_facets f "
                   f"{'WHERE ' + ' AND '.join(clauses) if clauses else ''} ORDER BY f.claim_rowid LIMIT ?")
            rows = _run(connection, sql, params + [limit], None)
        else:
            # Rank first, then build snippets and joined labels for the rows kept only: both cost per row.
            # The filters name claims columns only, so the ranking joins the table, not the view.
            ranking = (f"SELECT claims_fts.rowid AS id, -bm25(claims_fts) AS score FROM claims_fts "
                       f"JOIN claims f ON f.rowid = claims_fts.rowid WHERE claims_fts MATCH ? "
                       f"{''.join(' AND ' + clause for clause in clauses)} "
                       f"ORDER BY bm25(claims_fts), claims_fts.rowid LIMIT ?")
            ranked = _run(connection, ranking, [query] + params + [limit], query)
            details = (f"SELECT claims_fts.rowid AS id, {select}, snippet(claims_fts, 0, ?, ?, '…', ?) AS snippet "
                       f"FROM claims_fts JOIN claim_facets f ON f.claim_rowid = claims_fts.rowid "
                       f"WHERE claims_fts MATCH ? AND claims_fts.rowid IN (SELECT value FROM json_each(?))")
            ids = json.dumps([row["id"] for row in ranked])
            found = {row["id"]: dict(row) for row in
                     _run(connection, details, [mark[0], mark[1], snippet_words, query, ids], query)}
            rows = [found[row["id"]] | {"score": row["score"]} for row in ranked]
    frame = pd.DataFrame([dict(row) for row in rows], columns=SEARCH_COLUMNS[1:])
    frame.insert(0, "rank", range(1, len(frame) + 1))
    frame["score"] = [None if score is None else round(float(score), 4) for score in frame["score"]]
    if frame["hedged"].notna().any():
        frame["hedged"] = [None if value is None or pd.isna(value) else bool(value) for value in frame["hedged"]]
    return frame[SEARCH_COLUMNS]


# --------------------------------------------------------------------------- kwic


def kwic(db_path: Path | str, term: str, *, window: int = 5, actor: str | None = None, theme: str | None = None,
         claim_type: str | None = None, hedged: bool | None = None, doc: str | None = None,
         section: str | None = None, cites: str | None = None, limit: int | None = None) -> pd.DataFrame:
    """Keyword in context: one row per occurrence of ``term`` in the claims, in reading order.

    ``term`` is a query (a word is stemmed, so ``sanction`` also finds
    ``sanctions``; a phrase is one keyword). Columns: claim_id, doc_id,
    section_number, page, start (offset of the keyword in the document's
    clean text), left and right (``window`` words each side) and keyword.
    Print it aligned with ``format_kwic``.

    >>> # print(format_kwic(kwic("outputs/corpus.sqlite", "sanction", window=4, actor="USA")))
    """
    query, limit = _query(term), _check_limit(limit)
    if query is None:
        raise QueryError("term", "no term given; e.g. gpc kwic sanction")
    if not isinstance(window, int) or window < 0:
        raise QueryError("window", f"{window!r} is not a whole number of words (0 or more)")
    filters = _filters(actor=actor, theme=theme, claim_type=claim_type, hedged=hedged, doc=doc, section=section,
                       cites=cites)
    with closing(connect(db_path)) as connection:
        clauses, params = _where(connection, filters)
        sql = ("SELECT f.claim_id, f.doc_id, f.section_number, f.page, c.start AS claim_start, "
               "highlight(claims_fts, 0, ?, ?) AS marked FROM claims_fts "
               "JOIN claim_facets f ON f.claim_rowid = claims_fts.rowid JOIN claims c ON c.rowid = claims_fts.rowid "
               f"WHERE claims_fts MATCH ? {''.join(' AND ' + clause for clause in clauses)} ORDER BY f.claim_rowid")
        rows = _run(connection, sql, [OPEN, CLOSE, query] + params, query)
    hits = []
    for row in rows:
        for left, keyword, right, offset in _hits(row["marked"], window):
            hits.append({"claim_id": row["claim_id"], "doc_id": row["doc_id"],
                         "section_number": row["section_number"], "page": row["page"],
                         "start": row["claim_start"] + offset, "left": left, "keyword": keyword, "right": right})
            if limit != -1 and len(hits) >= limit:
                return pd.DataFrame(hits, columns=KWIC_COLUMNS)
    return pd.DataFrame(hits, columns=KWIC_COLUMNS)


def _hits(marked: str, window: int) -> list[tuple[str, str, str, int]]:
    """(left, keyword, right, offset in the clean text) for every highlighted span of ``marked``."""
    text = marked.replace(OPEN, "").replace(CLOSE, "")
    spans, removed = [], 0
    for match in re.finditer(f"{OPEN}(.*?){CLOSE}", marked, flags=re.S):
        start = match.start() - removed
        spans.append((start, start + len(match.group(1))))
        removed += 2
    found = []
    for start, end in spans:
        left = text[:start].split()
        right = text[end:].split()
        found.append((" ".join(left[-window:] if window else []), " ".join(text[start:end].split()),
                      " ".join(right[:window]), start))
    return found


def format_kwic(frame: pd.DataFrame, *, width: int = 60) -> str:
    """KWIC rows as aligned lines: ``claim_id  page | left context | keyword | right context``.

    Contexts longer than ``width`` characters are cut at the far end with ``…``.
    """
    if frame.empty:
        return ""
    lefts = [_cut(left, width, from_left=True) for left in frame["left"]]
    rights = [_cut(right, width, from_left=False) for right in frame["right"]]
    ids = [f"{claim_id}  p.{page}" for claim_id, page in zip(frame["claim_id"], frame["page"])]
    id_width = max(map(len, ids))
    left_width = max(map(len, lefts))
    keyword_width = max(len(keyword) for keyword in frame["keyword"])
    return "\n".join(f"{id_:<{id_width}}  {left:>{left_width}} | {keyword:<{keyword_width}} | {right}".rstrip()
                     for id_, left, keyword, right in zip(ids, lefts, frame["keyword"], rights))


def _cut(text: str, width: int, *, from_left: bool) -> str:
    if len(text) <= width:
        return text
    return "…" + text[-(width - 1):] if from_left else text[:width - 1] + "…"


# --------------------------------------------------------------------------- show


def show(db_path: Path | str, claim_id: str) -> dict:
    """Everything about one claim: text, paragraph, section path, page, annotations, footnotes and references.

    Keys: claim (the claims row), document (doc_id, title, kind), page,
    section_path (``2 THE SINO-RUSSIAN RELATIONSHIP > 2.4 Economic ties ... >
    Trade in goods``), sections (the path as rows), paragraph, actors
    (claim_actors rows), mentions (actor_mentions rows), themes
    (claim_themes rows) and citations (one entry per footnote marker or
    in-text citation: note, footnote text, and the parsed references with,
    for ``ibid.``/``op. cit.``, the ``source`` they point back to).

    >>> # show("outputs/corpus.sqlite", "fiia-2018:c00033")["section_path"]
    """
    with closing(connect(db_path)) as connection:
        names = _names(connection)
        typed = _typed_columns(connection)
        claim = _one(connection, "SELECT * FROM claims WHERE claim_id = ?", (claim_id,), typed.get("claims", {}))
        if claim is None:
            raise QueryError("claim", _unknown_claim(connection, claim_id))
        result = {"claim": claim, "document": None, "page": claim.get("page"), "section_path": "", "sections": [],
                  "paragraph": None, "actors": [], "mentions": [], "themes": [], "citations": []}
        if "documents" in names:
            result["document"] = _one(connection, "SELECT doc_id, title, kind FROM documents WHERE doc_id = ?",
                                      (claim["doc_id"],), {})
        if "sections" in names and claim.get("section_id"):
            result["sections"] = _section_path(connection, claim["section_id"])
            result["section_path"] = " > ".join(
                " ".join(part for part in (s["number"], s["title"]) if part) for s in result["sections"])
        if "paragraphs" in names:
            result["paragraph"] = _one(connection, "SELECT * FROM paragraphs WHERE paragraph_id = ?",
                                       (claim["paragraph_id"],), typed.get("paragraphs", {}))
        for key, table in (("actors", "claim_actors"), ("mentions", "actor_mentions"), ("themes", "claim_themes")):
            if table in names:
                result[key] = _all(connection, f'SELECT * FROM "{table}" WHERE claim_id = ? ORDER BY rowid',
                                   (claim_id,), typed.get(table, {}))
        if "claim_citations" in names:
            result["citations"] = _citations(connection, claim_id, names, typed)
    return result


def _typed_columns(connection: sqlite3.Connection) -> dict[str, dict[str, str]]:
    """Columns stored as JSON text or 0/1 per table (column -> 'json' / 'bool'), from the database's dictionary."""
    if "data_dictionary" not in _names(connection):
        return {}
    found: dict[str, dict[str, str]] = {}
    for table, column, kind in connection.execute("SELECT table_name, column_name, type FROM data_dictionary"):
        if kind.startswith(("list", "JSON")):
            found.setdefault(table, {})[column] = "json"
        elif kind == "boolean":
            found.setdefault(table, {})[column] = "bool"
    return found


def _decode(row: sqlite3.Row, typed: dict[str, str]) -> dict:
    record = dict(row)
    for column, kind in typed.items():
        value = record.get(column)
        if kind == "bool" and value in (0, 1):
            record[column] = bool(value)
        elif kind == "json" and isinstance(value, str):
            try:
                record[column] = json.loads(value)
            except ValueError:
                pass
    return record


def _one(connection, sql: str, params: tuple, typed: dict[str, str]) -> dict | None:
    row = connection.execute(sql, params).fetchone()
    return None if row is None else _decode(row, typed)


def _all(connection, sql: str, params: tuple, typed: dict[str, str]) -> list[dict]:
    return [_decode(row, typed) for row in connection.execute(sql, params)]


def _unknown_claim(connection: sqlite3.Connection, claim_id: str) -> str:
    tail = str(claim_id).split(":")[-1]
    similar = [row[0] for row in connection.execute(
        "SELECT claim_id FROM claims WHERE claim_id LIKE ? ORDER BY rowid LIMIT 3", (f"%{tail}",))] if tail else []
    example = connection.execute("SELECT claim_id FROM claims ORDER BY rowid LIMIT 1").fetchone()
    hint = f"did you mean {', '.join(similar)}?" if similar else \
        f"ids look like {example[0]!r}" if example else "the database has no claims"
    return f"no claim {claim_id!r} in the database; {hint} (find ids with `gpc search`)"


def _section_path(connection: sqlite3.Connection, section_id: str) -> list[dict]:
    path, current, seen = [], section_id, set()
    while current and current not in seen:
        seen.add(current)
        row = connection.execute("SELECT section_id, number, title, level, parent_id FROM sections "
                                 "WHERE section_id = ?", (current,)).fetchone()
        if row is None:
            break
        path.append(dict(row))
        current = row["parent_id"]
    return [{key: section[key] for key in ("section_id", "number", "title", "level")} for section in reversed(path)]


def _citations(connection, claim_id: str, names: set[str], typed: dict) -> list[dict]:
    rows = _all(connection, "SELECT * FROM claim_citations WHERE claim_id = ? ORDER BY rowid", (claim_id,),
                typed.get("claim_citations", {}))
    entries: dict[object, dict] = {}
    for row in rows:
        note = row.get("note")
        entry = entries.setdefault(note, {"note": note, "resolved": bool(row.get("resolved", True)),
                                          "footnote": None, "references": []})
        if note is not None and entry["footnote"] is None and "footnotes" in names:
            found = connection.execute("SELECT text FROM footnotes WHERE doc_id = ? AND note = ?",
                                       (row["doc_id"], note)).fetchone()
            entry["footnote"] = found[0] if found else None
        if row.get("ref_id") and "references" in names:
            reference = _one(connection, 'SELECT * FROM "references" WHERE ref_id = ?', (row["ref_id"],),
                             typed.get("references", {}))
            if reference is not None:
                reference["source"] = _source(connection, reference, typed)
                entry["references"].append(reference)
    return list(entries.values())


def _source(connection, reference: dict, typed: dict) -> dict | None:
    """For ``ibid.`` / ``op. cit.``: the reference it points back to (followed to the end), else None."""
    seen, current = {reference["ref_id"]}, reference.get("points_to")
    found = None
    while current and current not in seen:
        seen.add(current)
        found = _one(connection, 'SELECT * FROM "references" WHERE ref_id = ?', (current,),
                     typed.get("references", {}))
        current = found.get("points_to") if found else None
    return found


def format_show(record: dict) -> str:
    """A claim from ``show`` as readable text for the terminal."""
    claim = record["claim"]
    document = record["document"] or {}
    lines = [f"{claim['claim_id']}  ({document.get('title') or claim.get('doc_id')}, p. {record['page']})"]
    if record["section_path"]:
        lines.append(f"section:   {record['section_path']}")
    lines += ["", _wrap(claim.get("text", "")), ""]
    facts = [("type", claim.get("claim_type")), ("hedged", _yes_no(claim.get("hedged"))),
             ("actors", ", ".join(f"{a['actor_id']} ({a.get('role', '')})" for a in record["actors"])),
             ("themes", ", ".join(f"{t['theme_id']} ({_score(t.get('score'))})" for t in record["themes"])),
             ("mentions", ", ".join(f"{m.get('surface', '')}→{m['actor_id']}" for m in record["mentions"]))]
    if "hedge_cues" in claim and claim["hedge_cues"]:
        facts.insert(2, ("hedges", ", ".join(map(str, claim["hedge_cues"]))))
    lines += [f"{label + ':':<10} {value}" for label, value in facts if value not in (None, "")]
    for citation in record["citations"]:
        label = f"note {citation['note']}" if citation["note"] is not None else "in text"
        lines += ["", f"{label}:" + ("" if citation["resolved"] else " (footnote text not found)")]
        if citation["footnote"]:
            lines.append(_wrap(citation["footnote"], indent="  "))
        for reference in citation["references"]:
            source = reference.get("source")
            pointer = f" → {source.get('authors')} {source.get('year') or ''}".rstrip() if source else ""
            lines.append(f"  - [{reference.get('kind')}] {reference.get('raw')}{pointer}")
    paragraph = record["paragraph"]
    if paragraph:
        lines += ["", f"paragraph {paragraph['paragraph_id']} ({paragraph.get('kind')}):",
                  _wrap(paragraph.get("text", ""), indent="  ")]
    return "\n".join(lines)


def _score(value) -> str:
    return f"{value:.2f}" if isinstance(value, (int, float)) else ""


def _yes_no(value) -> str | None:
    return None if value is None else "yes" if value else "no"


def _wrap(text: str, *, indent: str = "", width: int = 100) -> str:
    import textwrap

    return textwrap.fill(str(text), width=width, initial_indent=indent, subsequent_indent=indent)


# --------------------------------------------------------------------------- output

FORMATS = ("table", "csv", "json")


def format_results(frame: pd.DataFrame, fmt: str = "table") -> str:
    """Search results as ``table`` (aligned, snippet last), ``csv`` or ``json`` (a list of objects)."""
    if fmt != "table":
        return format_frame(frame, fmt)
    if frame.empty:
        return "no matching claims"
    table = pd.DataFrame({
        "claim": frame["claim_id"], "page": frame["page"].astype(str),
        "section": frame["section_number"].fillna("").astype(str),
        "type": frame["claim_type"].fillna("").astype(str),
        "hedged": [("yes" if value else "no") if value is not None and not pd.isna(value) else ""
                   for value in frame["hedged"]],
        "actors": frame["actors"].fillna("").astype(str), "themes": frame["themes"].fillna("").astype(str),
        "snippet": frame["snippet"].fillna("").astype(str),
    })
    table = table[[column for column in table.columns if column == "claim" or table[column].astype(bool).any()]]
    widths = {column: max(len(column), *(len(value) for value in table[column])) for column in table.columns}
    last = table.columns[-1]
    lines = ["  ".join(column if column == last else f"{column:<{widths[column]}}" for column in table.columns)]
    for row in table.itertuples(index=False):
        lines.append("  ".join(value if column == last else f"{value:<{widths[column]}}"
                               for column, value in zip(table.columns, row)))
    return "\n".join(lines)


def format_frame(frame: pd.DataFrame, fmt: str) -> str:
    """Any result table as ``csv`` or ``json`` text (``table`` is per command: see format_results, format_kwic)."""
    if fmt == "csv":
        return frame.to_csv(index=False, lineterminator="\n").rstrip("\n")
    if fmt == "json":
        from pipeline.datasets import plain

        records = [{str(k): plain(v) for k, v in zip(frame.columns, row)} for row in frame.itertuples(index=False)]
        return json.dumps(records, ensure_ascii=False, indent=2)
    raise QueryError("format", f"{fmt!r} is not an output format; choose one of {', '.join(FORMATS)}")
