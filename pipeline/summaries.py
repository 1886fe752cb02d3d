"""Summaries: theme frequencies, matrices, distinctive terms and most-cited sources, as tables and figures.

Every function takes the dataset tables (``claims`` first, so passing a subset
of claims summarises that subset), returns a new long table (one row per unit x
label, zero counts included) and never mutates its inputs. ``level`` is
``"theme"`` (one row per theme of ``annotations/themes.yaml``) or ``"group"``
(one row per theme group); a theme or group added to the schema appears in
every table, with zero counts until some claim carries it. A claim counts once
per cell however many of its rows fall there.

Every number is reproducible from the datasets with one pandas line; each
function's docstring shows the line after ``Reproduce``, with each dataset read
as ``claims = pd.read_parquet("outputs/datasets/claims.parquet")`` (likewise
``claim_themes``, ``claim_actors``, ``references``, ``claim_citations``), and
``Summary.reproduce(row)`` writes it for any row of a table.

``write_summaries`` (the runner's writer) saves every table as CSV under
``outputs/summaries/`` and the figures as PNG and SVG under ``outputs/figures/``.

>>> claims = pd.DataFrame({"claim_id": ["d:c1", "d:c2"], "doc_id": "d", "section_number": ["1", "2.1"],
...                        "text": ["Gas flows east.", "Sanctions bite hard."], "claim_type": "assertion"})
>>> claim_themes = pd.DataFrame({"claim_id": ["d:c1"], "theme_id": ["energy"], "group": ["economy"]})
>>> theme_frequencies(claims, claim_themes, by="chapter")[["chapter", "theme_id", "claims", "share"]]
  chapter theme_id  claims  share
0       1   energy       1    1.0
1       2   energy       0    0.0
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from pipeline.errors import InputError

LEVELS = ("theme", "group")
UNITS = ("document", "chapter", "section")
DYADS = (("CHN", "RUS"), ("USA", "RUS"))
CLAIM_TYPES = ("assertion", "prediction", "prescription", "attribution", "question", "meta")
# Kinds of reference that name a source; cross-references and bare comments cite nothing.
SOURCE_KINDS = ("bibliographic", "interview", "roundtable", "other")
WORD = re.compile(r"[^\W\d_]{2,}")
UNIT_COLUMNS = {"document": ["doc_id"], "chapter": ["doc_id", "chapter", "chapter_title"],
                "section": ["doc_id", "section_number", "section_title"]}


# --------------------------------------------------------------------------- the theme schema as a table

def theme_table(schema: Any = None, claim_themes: pd.DataFrame | None = None) -> pd.DataFrame:
    """The themes in schema order: theme_id, label, group, group_label.

    ``schema`` is the loaded ``annotations/themes.yaml`` (``pipeline.schemas.load_themes``
    or the plain YAML mapping). Themes found in ``claim_themes`` but not in the
    schema follow, labelled by their id, so no count is ever dropped.

    >>> theme_table({"groups": [{"id": "economy", "label": "Economy"}],
    ...              "themes": [{"id": "energy", "label": "Energy", "group": "economy"}]}).values.tolist()
    [['energy', 'Energy', 'economy', 'Economy']]
    """
    groups = {str(_field(g, "id")): str(_field(g, "label") or _field(g, "id")) for g in _field(schema, "groups") or []}
    rows = [{"theme_id": str(_field(t, "id")), "label": str(_field(t, "label") or _field(t, "id")),
             "group": str(_field(t, "group") or "")} for t in _field(schema, "themes") or []]
    known = {row["theme_id"] for row in rows}
    if claim_themes is not None and len(claim_themes):
        groups_of = _theme_groups(claim_themes)
        for theme_id in sorted(set(claim_themes["theme_id"].astype(str)) - known):
            rows.append({"theme_id": theme_id, "label": theme_id, "group": groups_of.get(theme_id, "")})
    frame = pd.DataFrame(rows, columns=["theme_id", "label", "group"])
    frame["group_label"] = [groups.get(g, g) for g in frame["group"]]
    return frame


def group_table(themes: pd.DataFrame) -> pd.DataFrame:
    """The groups in schema order (first theme of each group): group, label."""
    groups = themes.drop_duplicates("group")
    return pd.DataFrame({"group": groups["group"].tolist(), "label": groups["group_label"].tolist()})


def _field(entry: Any, name: str):
    if entry is None:
        return None
    return entry.get(name) if isinstance(entry, dict) else getattr(entry, name, None)


def _theme_groups(claim_themes: pd.DataFrame) -> dict[str, str]:
    if "group" not in claim_themes.columns:
        return {}
    pairs = claim_themes[["theme_id", "group"]].dropna().astype(str).drop_duplicates("theme_id")
    return dict(zip(pairs["theme_id"], pairs["group"]))


def _check(name: str, value: str, allowed: tuple[str, ...]):
    if value not in allowed:
        raise InputError(name, f"{value!r} is not one of {', '.join(allowed)}")


def _labels(claim_themes: pd.DataFrame, themes: Any, level: str) -> pd.DataFrame:
    """The labels of one level, in schema order: key column (theme_id or group), label[, group]."""
    _check("level", level, LEVELS)
    table = themes if isinstance(themes, pd.DataFrame) else theme_table(themes, claim_themes)
    if isinstance(themes, pd.DataFrame):
        extra = theme_table(None, claim_themes)
        table = pd.concat([table, extra[~extra.theme_id.isin(table.theme_id)]], ignore_index=True)
    if level == "theme":
        return table[["theme_id", "label", "group"]].reset_index(drop=True)
    groups = group_table(table)
    observed = claim_themes["group"].dropna().astype(str).unique() if "group" in claim_themes.columns else []
    extra = sorted(set(observed) - set(groups["group"]))
    return pd.concat([groups, pd.DataFrame({"group": extra, "label": extra})], ignore_index=True)


def _key(level: str) -> str:
    return "theme_id" if level == "theme" else "group"


def _theme_rows(claims: pd.DataFrame, claim_themes: pd.DataFrame, themes: Any, level: str) -> pd.DataFrame:
    """Distinct (claim_id, key) pairs of the claims given, the key being the theme or its group."""
    key = _key(level)
    frame = claim_themes[claim_themes["claim_id"].isin(claims["claim_id"])]
    if level == "group":
        table = themes if isinstance(themes, pd.DataFrame) else theme_table(themes, claim_themes)
        mapped = frame["theme_id"].map(dict(zip(table.theme_id, table.group)))
        # The dataset's own group column wins, so every count matches claim_themes.group.
        group = frame["group"] if "group" in frame.columns else pd.Series(np.nan, index=frame.index)
        frame = frame.assign(group=group.where(group.notna() & (group.astype(str) != ""), mapped))
    return frame[["claim_id", key]].dropna().astype(str).drop_duplicates()


def _crossed(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """Claims having both a column of ``left`` and a column of ``right`` (two 0/1 matrices over the same claims)."""
    return pd.DataFrame(left.to_numpy(dtype="int64").T @ right.to_numpy(dtype="int64"), index=left.columns,
                        columns=right.columns)


def _indicator(claims: pd.DataFrame, rows: pd.DataFrame, column: str, keys: list[str]) -> pd.DataFrame:
    """A 0/1 matrix: one row per claim (in claims order), one column per key."""
    ids = pd.Index(claims["claim_id"].astype(str).drop_duplicates(), name="claim_id")
    columns = pd.Index(keys, dtype=object, name=column)
    values = np.zeros((len(ids), len(columns)), dtype="int64")
    if len(rows) and len(ids) and len(columns):
        at_row = ids.get_indexer(rows["claim_id"].astype(str))
        at_column = columns.get_indexer(rows[column].astype(str))
        found = (at_row >= 0) & (at_column >= 0)
        values[at_row[found], at_column[found]] = 1
    return pd.DataFrame(values, index=ids, columns=columns)


# --------------------------------------------------------------------------- units: document, chapter, section

def chapter_of(section_number: str) -> str:
    """The top-level number of a section number ('' stays '').

    >>> chapter_of("2.4.1"), chapter_of("")
    ('2', '')
    """
    return str(section_number or "").split(".")[0]


def word_count(text: pd.Series) -> pd.Series:
    """Words of each text: whitespace-separated tokens, as ``text.str.split().str.len()``."""
    return text.fillna("").astype(str).str.split().str.len().astype("int64")


def _units(claims: pd.DataFrame, by: str, sections: pd.DataFrame | None) -> pd.DataFrame:
    """Each claim's unit columns (claim_id first), units titled from ``sections`` when given."""
    _check("by", by, UNITS)
    frame = pd.DataFrame({"claim_id": claims["claim_id"].astype(str), "doc_id": claims["doc_id"].astype(str)})
    if by == "document":
        return frame
    number = (claims["section_number"].fillna("").astype(str) if "section_number" in claims.columns
              else pd.Series("", index=claims.index))
    column, title = ("chapter", "chapter_title") if by == "chapter" else ("section_number", "section_title")
    frame[column] = number.map(chapter_of) if by == "chapter" else number
    titles = _section_titles(sections)
    numbered = set(frame.loc[frame[column] != "", "doc_id"])
    frame[title] = [titles.get((doc, n), "") if n else "(unnumbered)" if doc in numbered else "(whole document)"
                    for doc, n in zip(frame.doc_id, frame[column])]
    return frame


def _section_titles(sections: pd.DataFrame | None) -> dict[tuple[str, str], str]:
    if sections is None or not len(sections):
        return {}
    numbered = sections[sections["number"].fillna("").astype(str) != ""]
    return {(str(d), str(n)): str(t) for d, n, t in zip(numbered.doc_id, numbered.number, numbered.title)}


def _ordered_units(units: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return units[columns].drop_duplicates().reset_index(drop=True)


# --------------------------------------------------------------------------- the summary tables

def theme_frequencies(claims: pd.DataFrame, claim_themes: pd.DataFrame, *, by: str = "document",
                      level: str = "theme", themes: Any = None, sections: pd.DataFrame | None = None) -> pd.DataFrame:
    """Claims per theme (or group) in each document, chapter or numbered section.

    One row per unit x theme, units in reading order, themes in schema order.
    ``by``: ``document`` (doc_id), ``chapter`` (doc_id, chapter = top-level
    number of ``section_number``, chapter_title) or ``section`` (doc_id,
    section_number, section_title); titles come from ``sections``. Columns:
    ``claims`` (claims with the theme), ``unit_claims``, ``share`` =
    claims / unit_claims, ``unit_words`` (words of the unit's claim text,
    whitespace-separated) and ``per_1000_words`` = 1000 * claims / unit_words.

    Reproduce ``claims`` of theme energy (at group level ``group == 'economy'``) in
    document fiia-2018, in its chapter 2 and in its section 2.4::

        claim_themes.query("theme_id == 'energy'").merge(claims, on="claim_id").query("doc_id == 'fiia-2018'").claim_id.nunique()
        claim_themes.query("theme_id == 'energy'").merge(claims, on="claim_id").query("doc_id == 'fiia-2018' and section_number.str.split('.').str[0] == '2'").claim_id.nunique()
        claim_themes.query("theme_id == 'energy'").merge(claims, on="claim_id").query("doc_id == 'fiia-2018' and section_number == '2.4'").claim_id.nunique()

    >>> claims = pd.DataFrame({"claim_id": ["d:c1", "d:c2"], "doc_id": "d", "text": ["Gas flows.", "Trade grew fast."]})
    >>> ct = pd.DataFrame({"claim_id": ["d:c1"], "theme_id": ["energy"], "group": ["economy"]})
    >>> theme_frequencies(claims, ct)[["doc_id", "theme_id", "claims", "unit_claims", "per_1000_words"]]
      doc_id theme_id  claims  unit_claims  per_1000_words
    0      d   energy       1            2           200.0
    """
    _check("by", by, UNITS)
    labels = _labels(claim_themes, themes, level)
    key = _key(level)
    unit_columns = UNIT_COLUMNS[by]
    units = _units(claims, by, sections)
    units["words"] = word_count(claims["text"]).to_numpy() if len(claims) else pd.Series(dtype="int64")
    totals = units.groupby(unit_columns, sort=False).agg(unit_claims=("claim_id", "nunique"),
                                                         unit_words=("words", "sum")).reset_index()
    hits = _theme_rows(claims, claim_themes, themes, level).merge(units[["claim_id", *unit_columns]], on="claim_id")
    counts = _strings(hits.groupby([*unit_columns, key]).claim_id.nunique().rename("claims").reset_index(),
                      [*unit_columns, key])
    grid = _ordered_units(units, unit_columns).merge(labels, how="cross")
    if not len(grid):
        return _empty([*unit_columns, *labels.columns, "claims", "unit_claims", "share", "unit_words",
                       "per_1000_words"], ints=("claims", "unit_claims", "unit_words"),
                      floats=("share", "per_1000_words"))
    frame = grid.merge(counts, on=[*unit_columns, key], how="left").merge(totals, on=unit_columns, how="left")
    frame["claims"] = frame["claims"].fillna(0).astype("int64")
    frame["unit_claims"] = frame["unit_claims"].astype("int64")
    frame["unit_words"] = frame["unit_words"].astype("int64")
    frame["share"] = _ratio(frame["claims"], frame["unit_claims"])
    frame["per_1000_words"] = 1000 * _ratio(frame["claims"], frame["unit_words"])
    return frame[[*unit_columns, *labels.columns, "claims", "unit_claims", "share", "unit_words", "per_1000_words"]]


def claim_type_frequencies(claims: pd.DataFrame, *, by: str = "chapter", sections: pd.DataFrame | None = None,
                           claim_types: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The claim-type mix of each document, chapter or numbered section.

    One row per unit x claim type (codebook order, then any other type found):
    ``claims`` of that type, ``unit_claims`` and ``share`` = claims / unit_claims.

    Reproduce ``claims`` of type prediction in chapter 2 of fiia-2018::

        claims.query("doc_id == 'fiia-2018' and section_number.str.split('.').str[0] == '2' and claim_type == 'prediction'").claim_id.nunique()

    >>> claims = pd.DataFrame({"claim_id": ["d:c1", "d:c2"], "doc_id": "d", "section_number": "1",
    ...                        "text": "x", "claim_type": ["assertion", "prediction"]})
    >>> claim_type_frequencies(claims, claim_types=("assertion", "prediction"))[["claim_type", "claims", "share"]]
       claim_type  claims  share
    0   assertion       1    0.5
    1  prediction       1    0.5
    """
    _check("by", by, UNITS)
    unit_columns = UNIT_COLUMNS[by]
    types = _claim_types(claims, claim_types)
    units = _units(claims, by, sections)
    units["claim_type"] = claims["claim_type"].fillna("").astype(str).to_numpy() if len(claims) else []
    counts = _strings(units.groupby([*unit_columns, "claim_type"]).claim_id.nunique().rename("claims").reset_index(),
                      [*unit_columns, "claim_type"])
    totals = units.groupby(unit_columns, sort=False).claim_id.nunique().rename("unit_claims").reset_index()
    grid = _ordered_units(units, unit_columns).merge(pd.DataFrame({"claim_type": types}), how="cross")
    if not len(grid):
        return _empty([*unit_columns, "claim_type", "claims", "unit_claims", "share"], ints=("claims", "unit_claims"),
                      floats=("share",))
    frame = grid.merge(counts, on=[*unit_columns, "claim_type"], how="left").merge(totals, on=unit_columns)
    frame["claims"] = frame["claims"].fillna(0).astype("int64")
    frame["unit_claims"] = frame["unit_claims"].astype("int64")
    frame["share"] = _ratio(frame["claims"], frame["unit_claims"])
    return frame[[*unit_columns, "claim_type", "claims", "unit_claims", "share"]]


def actor_theme_counts(claims: pd.DataFrame, claim_actors: pd.DataFrame, claim_themes: pd.DataFrame, *,
                       level: str = "theme", themes: Any = None, role: str | None = None) -> pd.DataFrame:
    """Claims about each actor with each theme (or group): the actor x theme matrix, long.

    Actors ordered by their number of claims (most first), themes in schema
    order. ``role`` (agent / target / mentioned) counts only that role.
    Columns: ``claims`` (claims with both the actor and the theme),
    ``actor_claims`` (claims with the actor) and ``share`` = claims / actor_claims.

    Reproduce ``claims`` of actor CHN with theme energy::

        claim_actors.query("actor_id == 'CHN'").merge(claim_themes.query("theme_id == 'energy'"), on="claim_id").claim_id.nunique()

    >>> claims = pd.DataFrame({"claim_id": ["c1", "c2"]})
    >>> ca = pd.DataFrame({"claim_id": ["c1", "c2"], "actor_id": ["CHN", "CHN"], "role": "agent"})
    >>> ct = pd.DataFrame({"claim_id": ["c1"], "theme_id": ["energy"], "group": ["economy"]})
    >>> actor_theme_counts(claims, ca, ct)[["actor_id", "theme_id", "claims", "actor_claims", "share"]]
      actor_id theme_id  claims  actor_claims  share
    0      CHN   energy       1             2    0.5
    """
    labels = _labels(claim_themes, themes, level)
    key = _key(level)
    actors = _actor_rows(claims, claim_actors, role)
    order = actors.groupby("actor_id").claim_id.nunique().rename("actor_claims").reset_index()
    order = order.sort_values(["actor_claims", "actor_id"], ascending=[False, True], kind="stable")
    matrix = _indicator(claims, _theme_rows(claims, claim_themes, themes, level), key, labels[key].tolist())
    present = _indicator(claims, actors, "actor_id", order["actor_id"].tolist())
    cells = _crossed(present, matrix)
    frame = order.merge(labels, how="cross")
    frame["claims"] = [int(cells.at[a, k]) for a, k in zip(frame["actor_id"], frame[key])]
    frame["share"] = _ratio(frame["claims"], frame["actor_claims"])
    return frame[["actor_id", *labels.columns, "claims", "actor_claims", "share"]].reset_index(drop=True)


def dyad_theme_counts(claims: pd.DataFrame, claim_actors: pd.DataFrame, claim_themes: pd.DataFrame, *,
                      dyads: tuple[tuple[str, str], ...] = DYADS, level: str = "theme",
                      themes: Any = None) -> pd.DataFrame:
    """Claims about each dyad with each theme (or group); a dyad's claims carry both of its actors.

    ``dyad`` is written ``CHN-RUS``. Columns: ``claims`` (dyad claims with the
    theme), ``dyad_claims``, ``share`` = claims / dyad_claims, ``theme_claims``
    (all claims with the theme) and ``share_of_theme`` = claims / theme_claims.

    Reproduce ``claims`` of dyad CHN-RUS with theme energy::

        claim_actors.query("actor_id == 'CHN'").merge(claim_actors.query("actor_id == 'RUS'"), on="claim_id").merge(claim_themes.query("theme_id == 'energy'"), on="claim_id").claim_id.nunique()

    >>> claims = pd.DataFrame({"claim_id": ["c1", "c2"]})
    >>> ca = pd.DataFrame({"claim_id": ["c1", "c1", "c2"], "actor_id": ["CHN", "RUS", "RUS"], "role": "agent"})
    >>> ct = pd.DataFrame({"claim_id": ["c1", "c2"], "theme_id": ["energy", "energy"], "group": "economy"})
    >>> dyad_theme_counts(claims, ca, ct, dyads=(("CHN", "RUS"),))[["dyad", "claims", "share", "share_of_theme"]]
          dyad  claims  share  share_of_theme
    0  CHN-RUS       1    1.0             0.5
    """
    labels = _labels(claim_themes, themes, level)
    key = _key(level)
    matrix = _indicator(claims, _theme_rows(claims, claim_themes, themes, level), key, labels[key].tolist())
    actors = _indicator(claims, _actor_rows(claims, claim_actors, None), "actor_id",
                        sorted({actor for dyad in dyads for actor in dyad}))
    frames = []
    for dyad in dyads:
        both = actors[list(dyad)].min(axis=1) if len(dyad) else pd.Series(0, index=actors.index)
        frame = labels.copy()
        frame.insert(0, "dyad", "-".join(dyad))
        frame["claims"] = matrix.to_numpy().T @ both.to_numpy().astype("int64")
        frame["dyad_claims"] = int(both.sum())
        frame["theme_claims"] = matrix.sum(axis=0).reindex(labels[key]).fillna(0).astype("int64").to_numpy()
        frames.append(frame)
    columns = ["dyad", *labels.columns, "claims", "dyad_claims", "share", "theme_claims", "share_of_theme"]
    if not frames:
        return pd.DataFrame(columns=columns)
    frame = pd.concat(frames, ignore_index=True)
    frame["share"] = _ratio(frame["claims"], frame["dyad_claims"])
    frame["share_of_theme"] = _ratio(frame["claims"], frame["theme_claims"])
    return _rows_if_claims(frame[columns], claims)


def claim_type_theme_counts(claims: pd.DataFrame, claim_themes: pd.DataFrame, *, level: str = "theme",
                            themes: Any = None, claim_types: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Claims of each claim type with each theme (or group), with how many are hedged.

    One row per claim type x theme. Columns: ``claims``, ``hedged`` (of those,
    claims with ``hedged`` true), ``theme_claims`` and ``share`` =
    claims / theme_claims (the type mix of each theme sums to 1).

    Reproduce ``claims`` of type prediction with theme energy::

        claims.query("claim_type == 'prediction'").merge(claim_themes.query("theme_id == 'energy'"), on="claim_id").claim_id.nunique()

    >>> claims = pd.DataFrame({"claim_id": ["c1", "c2"], "claim_type": ["prediction", "assertion"],
    ...                        "hedged": [True, False]})
    >>> ct = pd.DataFrame({"claim_id": ["c1", "c2"], "theme_id": "energy", "group": "economy"})
    >>> claim_type_theme_counts(claims, ct, claim_types=("assertion", "prediction"))[
    ...     ["claim_type", "claims", "hedged", "share"]]
       claim_type  claims  hedged  share
    0   assertion       1       0    0.5
    1  prediction       1       1    0.5
    """
    labels = _labels(claim_themes, themes, level)
    key = _key(level)
    types = _claim_types(claims, claim_types)
    matrix = _indicator(claims, _theme_rows(claims, claim_themes, themes, level), key, labels[key].tolist())
    info = claims.drop_duplicates("claim_id").set_index("claim_id").reindex(matrix.index)
    claim_type = info["claim_type"].fillna("").astype(str) if len(info) else pd.Series(dtype=str)
    hedged = (info["hedged"].eq(True) if "hedged" in info.columns else pd.Series(False, index=info.index))
    kinds = pd.DataFrame({t: (claim_type == t).astype("int64") for t in types}, index=matrix.index)
    cells = _crossed(kinds, matrix)
    hedged_cells = _crossed(kinds.mul(hedged.astype("int64"), axis=0), matrix)
    frame = pd.DataFrame({"claim_type": types}).merge(labels, how="cross")
    frame["claims"] = [int(cells.at[t, k]) for t, k in zip(frame["claim_type"], frame[key])]
    frame["hedged"] = [int(hedged_cells.at[t, k]) for t, k in zip(frame["claim_type"], frame[key])]
    frame["theme_claims"] = frame[key].map(matrix.sum(axis=0)).fillna(0).astype("int64")
    frame["share"] = _ratio(frame["claims"], frame["theme_claims"])
    return _rows_if_claims(frame[["claim_type", *labels.columns, "claims", "hedged", "theme_claims", "share"]], claims)


def theme_cooccurrence(claims: pd.DataFrame, claim_themes: pd.DataFrame, *, level: str = "theme",
                       themes: Any = None) -> pd.DataFrame:
    """Claims carrying both of two themes (or groups), for every ordered pair; the diagonal is each theme's claims.

    Columns (theme level): theme_a, label_a, theme_b, label_b, ``claims``
    (claims with both), ``claims_a`` (claims with theme_a) and ``share_of_a`` =
    claims / claims_a. At group level: group_a, label_a, group_b, label_b, ...

    Reproduce ``claims`` with both energy and sanctions::

        claim_themes.query("theme_id == 'energy'").merge(claim_themes.query("theme_id == 'sanctions'"), on="claim_id").claim_id.nunique()

    >>> claims = pd.DataFrame({"claim_id": ["c1", "c2"]})
    >>> ct = pd.DataFrame({"claim_id": ["c1", "c1", "c2"], "theme_id": ["energy", "sanctions", "energy"],
    ...                    "group": "economy"})
    >>> schema = {"themes": [{"id": "energy", "group": "economy"}, {"id": "sanctions", "group": "economy"}]}
    >>> theme_cooccurrence(claims, ct, themes=schema)[["theme_a", "theme_b", "claims", "share_of_a"]]
         theme_a    theme_b  claims  share_of_a
    0     energy     energy       2         1.0
    1     energy  sanctions       1         0.5
    2  sanctions     energy       1         1.0
    3  sanctions  sanctions       1         1.0
    """
    labels = _labels(claim_themes, themes, level)
    key = _key(level)
    matrix = _indicator(claims, _theme_rows(claims, claim_themes, themes, level), key, labels[key].tolist())
    cells = _crossed(matrix, matrix)
    a, b = (f"{key.removesuffix('_id')}_a", f"{key.removesuffix('_id')}_b")
    left = labels[[key, "label"]].rename(columns={key: a, "label": "label_a"})
    right = labels[[key, "label"]].rename(columns={key: b, "label": "label_b"})
    frame = left.merge(right, how="cross")
    frame["claims"] = pd.Series([int(cells.at[x, y]) for x, y in zip(frame[a], frame[b])], dtype="int64")
    frame["claims_a"] = frame[a].map(matrix.sum(axis=0)).fillna(0).astype("int64")
    frame["share_of_a"] = _ratio(frame["claims"], frame["claims_a"])
    return _rows_if_claims(frame, claims)


def terms(text: str) -> list[str]:
    """The words of a text for distinctive terms: letter runs of two or more, lower-cased except
    abbreviations written in capitals (US, EU, LNG), English stop words removed.

    >>> terms("The US and China's trade in 2018 grew.")
    ['US', 'china', 'trade', 'grew']
    """
    words = []
    for word in WORD.findall(text or ""):
        if word.isupper():
            words.append(word)
        elif word.lower() not in _stop_words():
            words.append(word.lower())
    return words


def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return ENGLISH_STOP_WORDS


def distinctive_terms(claims: pd.DataFrame, claim_themes: pd.DataFrame, *, level: str = "theme", themes: Any = None,
                      top: int = 15, min_count: int = 2, prior: float = 1000.0) -> pd.DataFrame:
    """The words most distinctive of each theme's claims against all other claims.

    Weighted log-odds ratio with an informative Dirichlet prior (Monroe,
    Colaresi & Quinn 2008): the prior is the whole corpus's word
    frequencies scaled to ``prior`` pseudo-counts; ``z`` is the log-odds
    divided by its standard error. Words come from ``terms`` (stop words
    removed). The ``top`` words with ``z`` > 0 and at least ``min_count``
    occurrences in the theme's claims are kept, best first; a theme with no
    claims has no rows. Columns: theme_id, label, group, rank, term,
    ``count`` (occurrences in the theme's claims), ``other_count``
    (occurrences in the other claims), log_odds, z.

    Reproduce ``count`` of the term gas in energy claims::

        claims[claims.claim_id.isin(claim_themes.query("theme_id == 'energy'").claim_id)].text.map(summaries.terms).explode().eq('gas').sum()
    """
    from sklearn.feature_extraction.text import CountVectorizer

    labels = _labels(claim_themes, themes, level)
    key = _key(level)
    columns = [*labels.columns, "rank", "term", "count", "other_count", "log_odds", "z"]
    claims = claims.drop_duplicates("claim_id")
    texts = claims["text"].fillna("").astype(str).tolist()
    frames = []
    if any(terms(text) for text in texts):
        vectorizer = CountVectorizer(analyzer=terms)
        counts = vectorizer.fit_transform(texts)
        words = vectorizer.get_feature_names_out()
        matrix = _indicator(claims, _theme_rows(claims, claim_themes, themes, level), key, labels[key].tolist())
        inside_all = (counts.T @ matrix.to_numpy()).T.astype(float)  # one row per theme
        total = np.asarray(counts.sum(axis=0)).ravel().astype(float)
        n_total = total.sum()
        alpha = prior * total / n_total
        for row, label in enumerate(labels.itertuples(index=False)):
            if not matrix.iloc[:, row].any():
                continue
            y_i = np.asarray(inside_all[row]).ravel()
            y_j = total - y_i
            n_i, n_j = y_i.sum(), n_total - y_i.sum()
            log_odds = (np.log((y_i + alpha) / (n_i + prior - y_i - alpha))
                        - np.log((y_j + alpha) / (n_j + prior - y_j - alpha)))
            z = log_odds / np.sqrt(1 / (y_i + alpha) + 1 / (y_j + alpha))
            frame = pd.DataFrame({"term": words, "count": y_i.astype("int64"), "other_count": y_j.astype("int64"),
                                  "log_odds": log_odds, "z": z})
            frame = frame[(frame["z"] > 0) & (frame["count"] >= min_count)]
            frame = frame.sort_values(["z", "term"], ascending=[False, True], kind="stable").head(top)
            for column, value in reversed(list(label._asdict().items())):
                frame.insert(0, column, value)
            frame.insert(len(labels.columns), "rank", range(1, len(frame) + 1))
            frames.append(frame)
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("rank", "count", "other_count") else object)
                             for c in columns})
    return pd.concat(frames, ignore_index=True)[columns]


def most_cited_references(claims: pd.DataFrame, references: pd.DataFrame, claim_citations: pd.DataFrame, *,
                          top: int | None = None) -> pd.DataFrame:
    """The works cited by the most claims, Ibid. and op. cit. counted for the work they point to.

    A work is a source reference (kinds bibliographic, interview, roundtable,
    other) named by authors and year (``Nye 2015``), or by what the note says
    for a source without them; the same work cited in several notes counts
    once per claim. Columns: reference, authors, year, kind, ``claims``
    (citing claims), ``notes`` (distinct notes citing it), ``ref_ids``
    (the references.ref_id values counted, Ibid. and op. cit. included,
    space-separated). Most cited first.

    Reproduce ``claims`` of a row from its ``ref_ids`` (Ibid. and op. cit. already resolved there)::

        claim_citations[claim_citations.ref_id.isin(['fiia-2018:n3.1', 'fiia-2018:n4.1'])].claim_id.nunique()

    >>> refs = pd.DataFrame({"ref_id": ["r:n1.1", "r:n2.1"], "doc_id": "r", "note": [1, 2], "authors": ["Nye", ""],
    ...                      "author_list": [["Nye"], []], "year": [2015, None], "year_suffix": "",
    ...                      "kind": ["bibliographic", "ibid"], "points_to": [None, "r:n1.1"], "raw": ["Nye 2015", "Ibid."]})
    >>> cc = pd.DataFrame({"claim_id": ["r:c1", "r:c2"], "doc_id": "r", "note": [1, 2], "ref_id": ["r:n1.1", "r:n2.1"]})
    >>> most_cited_references(pd.DataFrame({"claim_id": ["r:c1", "r:c2"]}), refs, cc)[["reference", "claims", "ref_ids"]]
      reference  claims        ref_ids
    0  Nye 2015       2  r:n1.1 r:n2.1
    """
    columns = ["reference", "authors", "year", "kind", "claims", "notes", "ref_ids"]
    cited = _resolved_citations(claims, references, claim_citations)
    if not len(cited):
        return _empty(columns, ints=("claims", "notes"))
    cited["note_key"] = cited["doc_id"].astype(str) + ":" + cited["note"].astype(str)
    grouped = cited.groupby("reference", sort=False)
    frame = grouped.agg(authors=("authors", "first"), year=("year", "first"), kind=("kind", "first"),
                        claims=("claim_id", "nunique"),
                        notes=("note_key", lambda s: s[cited.loc[s.index, "note"].notna()].nunique()),
                        ref_ids=("ref_id", lambda s: " ".join(sorted(set(s))))).reset_index()
    frame = frame.sort_values(["claims", "notes", "reference"], ascending=[False, False, True], kind="stable")
    frame = frame.head(top) if top else frame
    frame["year"] = frame["year"].astype("Int64")
    return frame[columns].reset_index(drop=True)


def most_cited_authors(claims: pd.DataFrame, references: pd.DataFrame, claim_citations: pd.DataFrame, *,
                       top: int | None = None) -> pd.DataFrame:
    """The authors (surnames or institutions, from ``author_list``) cited by the most claims.

    Ibid. and op. cit. count for the work they point to. Columns: author,
    ``claims`` (citing claims), ``works`` (distinct works of the author cited)
    and ``ref_ids`` (the references.ref_id values counted, space-separated).

    Reproduce ``claims`` of a row from its ``ref_ids`` (Ibid. and op. cit. already resolved there)::

        claim_citations[claim_citations.ref_id.isin(['fiia-2018:n3.1', 'fiia-2018:n4.1'])].claim_id.nunique()

    >>> refs = pd.DataFrame({"ref_id": ["r:n1.1"], "doc_id": "r", "note": [1], "authors": ["Keohane & Nye"],
    ...                      "author_list": [["Keohane", "Nye"]], "year": [1977], "year_suffix": "",
    ...                      "kind": ["bibliographic"], "points_to": [None], "raw": ["Keohane & Nye 1977"]})
    >>> cc = pd.DataFrame({"claim_id": ["r:c1"], "doc_id": "r", "note": [1], "ref_id": ["r:n1.1"]})
    >>> most_cited_authors(pd.DataFrame({"claim_id": ["r:c1"]}), refs, cc)[["author", "claims", "works"]]
        author  claims  works
    0  Keohane       1      1
    1      Nye       1      1
    """
    columns = ["author", "claims", "works", "ref_ids"]
    cited = _resolved_citations(claims, references, claim_citations)
    if not len(cited):
        return _empty(columns, ints=("claims", "works"))
    cited = cited.assign(author=cited["author_list"].map(_as_list)).explode("author")
    cited = cited[cited["author"].notna() & (cited["author"].astype(str).str.strip() != "")]
    if not len(cited):
        return _empty(columns, ints=("claims", "works"))
    frame = cited.groupby("author", sort=False).agg(
        claims=("claim_id", "nunique"), works=("reference", "nunique"),
        ref_ids=("ref_id", lambda s: " ".join(sorted(set(s))))).reset_index()
    frame = frame.sort_values(["claims", "works", "author"], ascending=[False, False, True], kind="stable")
    frame = frame.head(top) if top else frame
    return frame[columns].reset_index(drop=True)


def _resolved_citations(claims: pd.DataFrame, references: pd.DataFrame, claim_citations: pd.DataFrame) -> pd.DataFrame:
    """claim_citations rows of the given claims, each with the work its reference resolves to."""
    cited = claim_citations[claim_citations["claim_id"].isin(claims["claim_id"]) & claim_citations["ref_id"].notna()]
    if not len(cited) or not len(references):
        return pd.DataFrame()
    refs = references.drop_duplicates("ref_id").set_index("ref_id")
    target = {ref_id: _follow(ref_id, refs) for ref_id in cited["ref_id"].unique()}
    cited = cited[["claim_id", "doc_id", "note", "ref_id"]].assign(target=cited["ref_id"].map(target))
    cited = cited[cited["target"].notna()]
    work = refs.loc[cited["target"]]
    cited = cited.assign(reference=[_work(row) for row in work.itertuples()], authors=work["authors"].to_numpy(),
                         year=work["year"].to_numpy(), kind=work["kind"].to_numpy(),
                         author_list=work["author_list"].to_numpy() if "author_list" in work else None)
    return cited.reset_index(drop=True)


def _follow(ref_id: str, refs: pd.DataFrame) -> str | None:
    """The source reference an Ibid. / op. cit. chain ends at (None if it ends nowhere or at a non-source)."""
    seen = set()
    while ref_id in refs.index and ref_id not in seen:
        seen.add(ref_id)
        kind = refs.at[ref_id, "kind"]
        if kind in SOURCE_KINDS:
            return ref_id
        if kind not in ("ibid", "op_cit"):
            return None
        target = refs.at[ref_id, "points_to"] if "points_to" in refs.columns else None
        if not isinstance(target, str) or not target:
            return None
        ref_id = target
    return None


def _work(row) -> str:
    """How a work is named: 'Nye 2015', 'Chase et al. 2017', or the note's words for a source without author/year."""
    authors = str(row.authors) if isinstance(row.authors, str) else ""
    year = "" if pd.isna(row.year) else str(int(row.year))
    suffix = getattr(row, "year_suffix", "")
    suffix = suffix if isinstance(suffix, str) else ""
    if authors and year:
        return f"{authors} {year}{suffix}"
    return " ".join(str(row.raw).split()) or authors or row.Index


def _as_list(value) -> list:
    if value is None or isinstance(value, float) and math.isnan(value):
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def _claim_types(claims: pd.DataFrame, claim_types: tuple[str, ...] | None) -> list[str]:
    declared = list(claim_types) if claim_types is not None else list(CLAIM_TYPES)
    observed = claims["claim_type"].dropna().astype(str).unique() if "claim_type" in claims.columns else []
    return declared + sorted(set(observed) - set(declared) - {""})


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    numerator, denominator = numerator.astype("float64"), denominator.astype("float64")
    return (numerator / denominator.where(denominator > 0)).fillna(0.0)


def _empty(columns: list[str], *, ints: tuple[str, ...] = (), floats: tuple[str, ...] = ()) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64" if c in ints else "float64" if c in floats else object)
                         for c in columns})


def _rows_if_claims(frame: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """No claims, no rows: a summary of nothing is empty, not a grid of zeros."""
    return frame.reset_index(drop=True) if len(claims) else frame.iloc[0:0].reset_index(drop=True)


def _strings(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame.astype({c: str for c in columns}) if len(frame) else frame.astype({c: object for c in columns})


def _actor_rows(claims: pd.DataFrame, claim_actors: pd.DataFrame, role: str | None) -> pd.DataFrame:
    frame = claim_actors[claim_actors["claim_id"].isin(claims["claim_id"])]
    if role is not None:
        frame = frame[frame["role"] == role]
    return frame[["claim_id", "actor_id"]].dropna().astype(str).drop_duplicates()


# --------------------------------------------------------------------------- every table at once

@dataclass(frozen=True)
class Reproduction:
    """How to recompute one number of a summary table: what it is, the pandas line, and its value."""

    what: str
    code: str
    value: Any


@dataclass(frozen=True, eq=False)
class Summary:
    """One summary table as written: file name (without .csv), title, the function that made it, the table,
    and the ``level`` and ``by`` it was asked for."""

    name: str
    title: str
    function: Callable
    frame: pd.DataFrame
    level: str = "theme"
    by: str = ""

    @property
    def description(self) -> str:
        """The first paragraph of the function's docstring."""
        return " ".join((self.function.__doc__ or "").strip().split("\n\n")[0].replace("``", "").split())

    def reproduce(self, row: int = 0) -> Reproduction | None:
        """The one pandas line that recomputes the main number of row ``row`` from the datasets (None if no rows).

        >>> claims = pd.DataFrame({"claim_id": ["d:c1"], "doc_id": "d", "text": "Gas.", "claim_type": "assertion"})
        >>> ct = pd.DataFrame({"claim_id": ["d:c1"], "theme_id": "energy", "group": "economy"})
        >>> summary = Summary("t", "T", theme_frequencies, theme_frequencies(claims, ct), by="document")
        >>> print(summary.reproduce(0).code)
        claim_themes.query("theme_id == 'energy'").merge(claims, on="claim_id").query("doc_id == 'd'").claim_id.nunique()
        """
        if row >= len(self.frame):
            return None
        return _REPRODUCERS[self.function](self, self.frame.iloc[row])


def _q(expression: str) -> str:
    """A query string literal, double-quoted when the expression holds single quotes."""
    return repr(expression) if '"' in expression else f'"{expression}"'


def _is(column: str, value) -> str:
    return f"{column} == {str(value)!r}"


def _unit(summary: Summary, row) -> tuple[str, str]:
    """The query selecting a row's unit, and its words."""
    if summary.by == "chapter":
        return (f"{_is('doc_id', row.doc_id)} and section_number.str.split('.').str[0] == {str(row.chapter)!r}",
                f"chapter {row.chapter or '(unnumbered)'} of {row.doc_id}")
    if summary.by == "section":
        return (f"{_is('doc_id', row.doc_id)} and {_is('section_number', row.section_number)}",
                f"section {row.section_number or '(unnumbered)'} of {row.doc_id}")
    return _is("doc_id", row.doc_id), f"document {row.doc_id}"


def _label_filter(summary: Summary, row, suffix: str = "") -> tuple[str, str]:
    key = _key(summary.level)
    value = row[f"{key.removesuffix('_id')}{suffix}" if suffix else key]
    return f"claim_themes.query({_q(_is(key, value))})", f"{summary.level} {value}"


def _reproduce_frequencies(summary: Summary, row) -> Reproduction:
    themes, label = _label_filter(summary, row)
    unit, unit_words = _unit(summary, row)
    return Reproduction(f"claims of {label} in {unit_words}",
                        f'{themes}.merge(claims, on="claim_id").query({_q(unit)}).claim_id.nunique()', row.claims)


def _reproduce_claim_types(summary: Summary, row) -> Reproduction:
    unit, unit_words = _unit(summary, row)
    return Reproduction(f"claims of type {row.claim_type} in {unit_words}",
                        f"claims.query({_q(unit + ' and ' + _is('claim_type', row.claim_type))}).claim_id.nunique()",
                        row.claims)


def _reproduce_actors(summary: Summary, row) -> Reproduction:
    return _with_label(summary, row, f"actor {row.actor_id}",
                       f"claim_actors.query({_q(_is('actor_id', row.actor_id))})")


def _reproduce_dyads(summary: Summary, row) -> Reproduction:
    actors = "".join(f'.merge(claim_actors.query({_q(_is("actor_id", actor))}), on="claim_id")'
                     for actor in row.dyad.split("-")[1:])
    first = row.dyad.split("-")[0]
    return _with_label(summary, row, f"dyad {row.dyad}", f"claim_actors.query({_q(_is('actor_id', first))}){actors}")


def _reproduce_type_themes(summary: Summary, row) -> Reproduction:
    return _with_label(summary, row, f"type {row.claim_type}", f"claims.query({_q(_is('claim_type', row.claim_type))})")


def _with_label(summary: Summary, row, subject: str, claims_of_subject: str) -> Reproduction:
    """The claims of ``subject`` (a pandas expression over the datasets) that also carry the row's label."""
    themes, label = _label_filter(summary, row)
    return Reproduction(f"claims of {subject} with {label}",
                        f'{claims_of_subject}.merge({themes}, on="claim_id").claim_id.nunique()', row.claims)


def _reproduce_cooccurrence(summary: Summary, row) -> Reproduction:
    a, label_a = _label_filter(summary, row, "_a")
    b, label_b = _label_filter(summary, row, "_b")
    return Reproduction(f"claims with both {label_a} and {label_b}",
                        f'{a}.merge({b}, on="claim_id").claim_id.nunique()', row.claims)


def _reproduce_terms(summary: Summary, row) -> Reproduction:
    themes, label = _label_filter(summary, row)
    return Reproduction(f"count of the term {row.term} in the claims of {label}",
                        f"claims[claims.claim_id.isin({themes}.claim_id)].text.map(summaries.terms)"
                        f".explode().eq({row.term!r}).sum()", row["count"])


def _reproduce_citations(summary: Summary, row) -> Reproduction:
    name = row.reference if "reference" in row.index else row.author
    return Reproduction(f"claims citing {name}",
                        f"claim_citations[claim_citations.ref_id.isin({row.ref_ids.split()!r})].claim_id.nunique()",
                        row.claims)


_REPRODUCERS: dict[Callable, Callable[[Summary, pd.Series], Reproduction]] = {
    theme_frequencies: _reproduce_frequencies, claim_type_frequencies: _reproduce_claim_types,
    actor_theme_counts: _reproduce_actors, dyad_theme_counts: _reproduce_dyads,
    claim_type_theme_counts: _reproduce_type_themes, theme_cooccurrence: _reproduce_cooccurrence,
    distinctive_terms: _reproduce_terms, most_cited_references: _reproduce_citations,
    most_cited_authors: _reproduce_citations,
}


def summary_tables(tables: dict[str, pd.DataFrame], *, themes: Any = None,
                   claim_types: tuple[str, ...] | None = None) -> list[Summary]:
    """Every summary table of a run, at theme and at group level, in the order they are written.

    ``tables`` holds the run's tables (claims, claim_themes, claim_actors,
    sections, references, claim_citations); missing ones count as empty.
    ``themes`` is the theme schema, ``claim_types`` the claim type ids to list
    even when no claim has them.
    """
    claims = _table(tables, "claims", ["claim_id", "doc_id", "section_number", "text", "claim_type", "hedged"])
    ct = _table(tables, "claim_themes", ["claim_id", "theme_id", "group"])
    ca = _table(tables, "claim_actors", ["claim_id", "actor_id", "role"])
    refs = _table(tables, "references", ["ref_id", "doc_id", "note", "authors", "author_list", "year", "kind",
                                         "points_to", "raw"])
    cc = _table(tables, "claim_citations", ["claim_id", "doc_id", "note", "ref_id"])
    sections = tables.get("sections")
    table = theme_table(themes, ct)
    out = []
    for level in LEVELS:
        for by in UNITS:
            out.append(Summary(f"{level}_frequencies_by_{by}", f"{level.title()} frequencies by {by}",
                               theme_frequencies,
                               theme_frequencies(claims, ct, by=by, level=level, themes=table, sections=sections),
                               level=level, by=by))
    out.append(Summary("claim_type_by_chapter", "Claim-type mix by chapter", claim_type_frequencies,
                       claim_type_frequencies(claims, by="chapter", sections=sections, claim_types=claim_types),
                       by="chapter"))
    for level in LEVELS:
        out += [
            Summary(f"actor_{level}", f"Actor × {level}", actor_theme_counts,
                    actor_theme_counts(claims, ca, ct, level=level, themes=table), level=level),
            Summary(f"dyad_{level}", f"Dyad × {level}", dyad_theme_counts,
                    dyad_theme_counts(claims, ca, ct, level=level, themes=table), level=level),
            Summary(f"claim_type_{level}", f"Claim type × {level}", claim_type_theme_counts,
                    claim_type_theme_counts(claims, ct, level=level, themes=table, claim_types=claim_types),
                    level=level),
            Summary(f"{level}_cooccurrence", f"{level.title()} co-occurrence", theme_cooccurrence,
                    theme_cooccurrence(claims, ct, level=level, themes=table), level=level),
            Summary(f"distinctive_terms_by_{level}", f"Distinctive terms by {level}", distinctive_terms,
                    distinctive_terms(claims, ct, level=level, themes=table), level=level),
        ]
    out += [Summary("most_cited_references", "Most-cited references", most_cited_references,
                    most_cited_references(claims, refs, cc)),
            Summary("most_cited_authors", "Most-cited authors", most_cited_authors,
                    most_cited_authors(claims, refs, cc))]
    return out


def _table(tables: dict[str, pd.DataFrame], name: str, columns: list[str]) -> pd.DataFrame:
    frame = tables.get(name)
    if frame is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    missing = [c for c in columns if c not in frame.columns]
    return frame.assign(**{c: pd.Series(dtype=object, index=frame.index) for c in missing}) if missing else frame


# --------------------------------------------------------------------------- figures (no I/O: Figure objects)

FIGURE_RC = {"svg.hashsalt": "great-power-corpus", "svg.fonttype": "path", "font.family": "DejaVu Sans",
             "font.size": 9, "axes.titlesize": 11, "axes.titleweight": "bold", "figure.dpi": 100}
FIGURE_METADATA = {"svg": {"Date": None, "Creator": "great-power-corpus"}, "png": {"Software": None}}
FIGURE_NAMES = ("theme_by_chapter", "theme_by_document", "actor_theme", "claim_type_by_chapter")
PALETTE = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c", "#ccb974",
           "#64b5cd")


def figures(tables: dict[str, pd.DataFrame], *, themes: Any = None, claim_types: tuple[str, ...] | None = None,
            summaries: list[Summary] | None = None) -> dict[str, "Figure"]:
    """The report's figures by file name: theme x chapter heatmap, theme frequencies per document,
    actor x theme heatmap, claim-type mix by chapter.

    Drawn with matplotlib's object API on the Agg canvas (no pyplot state);
    ``figure_bytes`` renders one deterministically.
    """
    import matplotlib

    summaries = summaries if summaries is not None else summary_tables(tables, themes=themes,
                                                                       claim_types=claim_types)
    by_name = {s.name: s.frame for s in summaries}
    documents = tables.get("documents")
    titles = dict(zip(documents["doc_id"].astype(str), documents["title"].astype(str))) \
        if documents is not None and "title" in documents.columns else {}
    with matplotlib.rc_context(FIGURE_RC):
        return {
            "theme_by_chapter": theme_chapter_heatmap(by_name["theme_frequencies_by_chapter"]),
            "theme_by_document": theme_document_bars(by_name["theme_frequencies_by_document"], titles=titles),
            "actor_theme": actor_theme_heatmap(by_name["actor_theme"]),
            "claim_type_by_chapter": claim_type_chapter_bars(by_name["claim_type_by_chapter"]),
        }


def figure_bytes(figure, fmt: str) -> bytes:
    """A figure as PNG or SVG bytes, identical on every run (fixed SVG hash salt, no dates in metadata)."""
    import io

    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    _check("format", fmt, ("png", "svg"))
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    with matplotlib.rc_context(FIGURE_RC):
        figure.savefig(buffer, format=fmt, dpi=150 if fmt == "png" else 100, metadata=FIGURE_METADATA[fmt],
                       bbox_inches="tight", pad_inches=0.15)
    return buffer.getvalue()


def _new_figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _unit_label(frame: pd.DataFrame, column: str, title: str) -> pd.Series:
    multi = frame["doc_id"].nunique() > 1
    labels = []
    for doc, number, name in zip(frame["doc_id"], frame[column], frame[title]):
        text = f"{number} {_short(name, 34)}" if number else name
        labels.append(f"{doc} · {text}" if multi else text)
    return pd.Series(labels, index=frame.index)


def _short(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _no_data(figure, axes, title: str):
    axes.set_axis_off()
    axes.set_title(title)
    axes.text(0.5, 0.5, "no claims to summarise", ha="center", va="center", color="#666666",
              transform=axes.transAxes)
    return figure


def _heatmap(axes, values: pd.DataFrame, *, fmt: Callable[[float], str], cmap: str, colorbar_label: str, figure):
    image = axes.imshow(values.to_numpy(dtype=float), aspect="auto", cmap=cmap, vmin=0,
                        vmax=max(float(values.to_numpy().max()), 1e-9) if values.size else 1)
    axes.set_xticks(range(values.shape[1]), values.columns, rotation=40, ha="right", rotation_mode="anchor")
    axes.set_yticks(range(values.shape[0]), values.index)
    axes.tick_params(length=0)
    for spine in axes.spines.values():
        spine.set_visible(False)
    top = float(values.to_numpy().max()) if values.size else 0
    for (i, j), value in np.ndenumerate(values.to_numpy(dtype=float)):
        if value:
            axes.text(j, i, fmt(value), ha="center", va="center", fontsize=7,
                      color="white" if value > 0.55 * top else "#222222")
    bar = figure.colorbar(image, ax=axes, shrink=0.6, pad=0.02)
    bar.set_label(colorbar_label)
    return image


def theme_chapter_heatmap(frequencies: pd.DataFrame):
    """Heatmap of the share of each chapter's claims carrying each theme (rows: theme labels)."""
    title = "Themes by chapter: share of the chapter's claims"
    figure = _new_figure(11, 7.5)
    axes = figure.add_subplot()
    if not len(frequencies):
        return _no_data(figure, axes, title)
    frame = frequencies.assign(unit=_unit_label(frequencies, "chapter", "chapter_title"))
    values = frame.pivot_table(index="label", columns="unit", values="share", sort=False) * 100
    _heatmap(axes, values, fmt=lambda v: f"{v:.0f}" if v >= 0.5 else "<1", cmap="Blues",
             colorbar_label="% of the chapter's claims",
             figure=figure)
    axes.set_title(title)
    return figure


def theme_document_bars(frequencies: pd.DataFrame, *, titles: dict[str, str] | None = None):
    """Horizontal bars: share of each document's claims carrying each theme, one bar per document."""
    title = "Theme frequencies per document: share of the document's claims"
    labels = list(dict.fromkeys(frequencies["label"])) if len(frequencies) else []
    figure = _new_figure(10, max(4.0, 0.42 * len(labels) + 1.8))
    axes = figure.add_subplot()
    if not len(frequencies):
        return _no_data(figure, axes, title)
    documents = list(dict.fromkeys(frequencies["doc_id"]))
    height = 0.8 / len(documents)
    for k, doc in enumerate(documents):
        rows = frequencies[frequencies["doc_id"] == doc].set_index("label").reindex(labels)
        positions = np.arange(len(labels)) - 0.4 + height * (k + 0.5)
        name = _short((titles or {}).get(doc, doc), 60)
        axes.barh(positions, rows["share"] * 100, height=height * 0.95, color=PALETTE[k % len(PALETTE)],
                  label=f"{doc}: {name} ({int(rows['unit_claims'].iloc[0])} claims)")
    axes.set_yticks(range(len(labels)), labels)
    axes.invert_yaxis()
    axes.set_xlabel("% of the document's claims")
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), fontsize=8, frameon=False)
    axes.set_title(title)
    return figure


def actor_theme_heatmap(counts: pd.DataFrame, *, top: int = 14):
    """Heatmap of the number of claims with each actor (columns, the ``top`` most frequent) and theme (rows)."""
    title = "Actors × themes: claims with both"
    figure = _new_figure(10, 7.5)
    axes = figure.add_subplot()
    if not len(counts) or not counts["actor_claims"].sum():
        return _no_data(figure, axes, title)
    actors = list(dict.fromkeys(counts["actor_id"]))[:top]
    frame = counts[counts["actor_id"].isin(actors)]
    values = frame.pivot_table(index="label", columns="actor_id", values="claims", sort=False)[actors]
    _heatmap(axes, values, fmt=lambda v: f"{v:.0f}", cmap="Purples", colorbar_label="claims", figure=figure)
    axes.set_title(title)
    return figure


def claim_type_chapter_bars(mix: pd.DataFrame):
    """Stacked horizontal bars: the claim-type mix of each chapter (share of its claims)."""
    title = "Claim-type mix by chapter"
    units = mix[["doc_id", "chapter", "chapter_title"]].drop_duplicates() if len(mix) else mix
    figure = _new_figure(11, max(3.5, 0.42 * len(units) + 1.8))
    axes = figure.add_subplot()
    if not len(mix):
        return _no_data(figure, axes, title)
    frame = mix.assign(unit=_unit_label(mix, "chapter", "chapter_title"))
    values = frame.pivot_table(index="unit", columns="claim_type", values="share", sort=False) * 100
    counts = frame.drop_duplicates("unit").set_index("unit")["unit_claims"]
    left = np.zeros(len(values))
    for k, claim_type in enumerate(values.columns):
        widths = values[claim_type].to_numpy()
        axes.barh(range(len(values)), widths, left=left, color=PALETTE[k % len(PALETTE)], label=claim_type,
                  height=0.7)
        left += widths
    axes.set_yticks(range(len(values)), [f"{unit}  (n={counts[unit]})" for unit in values.index])
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("% of the chapter's claims")
    axes.legend(ncols=len(values.columns), loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False)
    axes.set_title(title)
    return figure


# --------------------------------------------------------------------------- the writer

def load_theme_schema(path: Path) -> Any:
    """The theme schema at ``path`` (``pipeline.schemas.load_themes``), None if the file is absent."""
    from pipeline.schemas import load_themes

    return load_themes(path) if path.exists() else None


def load_claim_type_ids(path: Path) -> tuple[str, ...] | None:
    """The claim type ids of ``annotations/claim_types.yaml`` in codebook order, None if the file is absent."""
    from pipeline.schemas import load_claim_types

    if not path.exists():
        return None
    ids = load_claim_types(path).ids
    return tuple([t for t in CLAIM_TYPES if t in ids] + [t for t in ids if t not in CLAIM_TYPES])


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A summary table as CSV: UTF-8, LF line ends, floats to 6 significant digits, identical on every run."""
    return frame.to_csv(index=False, lineterminator="\n", float_format="%.6g").encode("utf-8")


def write_summaries(result, paths, config) -> list[Path]:
    """The runner's writer: every summary table as ``outputs/summaries/<name>.csv`` and every figure as
    ``outputs/figures/<name>.png`` and ``.svg``. Returns the files written.
    """
    from pipeline.runner import write_atomic

    themes = load_theme_schema(paths.themes)
    summaries = summary_tables(result.tables, themes=themes, claim_types=load_claim_type_ids(paths.claim_types))
    written = []
    for summary in summaries:
        target = paths.summaries / f"{summary.name}.csv"
        write_atomic(target, csv_bytes(summary.frame))
        written.append(target)
    for name, figure in figures(result.tables, themes=themes, summaries=summaries).items():
        for fmt in ("svg", "png"):  # SVG first, from the fresh figure, as the report draws it
            target = paths.figures / f"{name}.{fmt}"
            write_atomic(target, figure_bytes(figure, fmt))
            written.append(target)
    return written
