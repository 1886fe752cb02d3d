"""Overrides: the manual corrections of ``annotations/overrides.yaml``, applied after every annotation stage.

``apply`` takes the annotation tables and the validated overrides
(``pipeline.schemas.load_overrides``) and returns corrected copies plus
``override_log``, one row per entry x claim x correction:

``override``  the entry's position in the file (0-based, as ``make validate`` names it: ``overrides[3]``)
``selector``  how the entry picks its claim: ``claim_id=...`` or ``text="..."`` (and ``doc=...``)
``claim_id``  the claim it matched, or null when it matched none
``action``    ``add_actor``, ``remove_actor``, ``add_theme``, ``remove_theme``, ``claim_type`` or ``hedged``
``value``     what the action sets (``CHN (agent)``, ``energy``, ``prediction``, ``true``)
``previous``  the value before, for a role, a claim type or the hedged flag; else null
``status``    ``applied``, ``no-op`` (the claim already had it) or ``unmatched`` (no claim has that
              id or text: the claim was re-segmented or its document changed)
``note``      the entry's note

A row an override adds or changes is marked: ``claim_themes.method`` and
``claim_actors.method`` become ``override`` (``claim_actors`` gets a
``method`` column: ``rule`` or ``ner`` from its mentions, else ``override``),
``claims.type_method`` / ``claims.hedged_method`` say ``rule`` (from the cues
of claim_types.yaml) or ``override``. Removing an actor also removes its
mentions from ``actor_mentions``, so the two tables agree. Entries apply in
file order; a later one wins. Nothing is dropped silently: an unmatched
entry stays in the log (and in ``outputs/quality.json``).

>>> from pipeline.schemas import OverrideSchema
>>> claims = pd.DataFrame({"claim_id": ["d:c1"], "doc_id": ["d"], "text": ["Gas  flows east."],
...                        "claim_type": ["assertion"], "hedged": [False]})
>>> empty = {name: pd.DataFrame(columns=list(columns)) for name, columns in INPUT_COLUMNS.items() if name != "claims"}
>>> schema = OverrideSchema.model_validate({"overrides": [{"text": "Gas flows east.", "add_themes": ["energy"]},
...                                                       {"claim_id": "d:c9", "hedged": True}]})
>>> out = apply({"claims": claims, **empty}, schema, groups={"energy": "economy"})
>>> out["claim_themes"][["claim_id", "theme_id", "group", "method"]].values.tolist()
[['d:c1', 'energy', 'economy', 'override']]
>>> out["override_log"][["override", "claim_id", "action", "status"]].values.tolist()
[[0, 'd:c1', 'add_theme', 'applied'], [1, nan, 'hedged', 'unmatched']]
"""

from __future__ import annotations

import pandas as pd

from pipeline.errors import PipelineError
from pipeline.schemas import Override, OverrideSchema

STATUSES = ("applied", "no-op", "unmatched")
METHOD = "override"
RULE = "rule"
INPUT_COLUMNS = {
    "claims": ("claim_id", "doc_id", "text", "claim_type", "hedged"),
    "actor_mentions": ("claim_id", "actor_id", "method"),
    "claim_actors": ("claim_id", "actor_id", "role"),
    "claim_themes": ("claim_id", "theme_id", "group", "score", "method", "evidence"),
}
LOG_COLUMNS = {"override": "int64", "selector": "str", "claim_id": "str", "action": "str", "value": "str",
               "previous": "str", "status": "str", "note": "str"}  # claim_id, previous and note may be null


def normalise(text: str) -> str:
    """A claim text with every run of whitespace folded to one space, as a ``text`` selector compares it.

    >>> normalise("  Russia longs\\nfor  recognition. ")
    'Russia longs for recognition.'
    """
    return " ".join(str(text).split())


def empty_log() -> pd.DataFrame:
    """The ``override_log`` table with no rows."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in LOG_COLUMNS.items()})


class _Claims:
    """Finds the claims an override selects: by id, or by whitespace-normalised text within an optional doc."""

    def __init__(self, claims: pd.DataFrame):
        self.ids = set(claims["claim_id"].tolist())
        self.by_text: dict[str, list[tuple[str, str]]] = {}
        for claim_id, doc_id, text in zip(claims["claim_id"].tolist(), claims["doc_id"].tolist(),
                                          claims["text"].tolist()):
            self.by_text.setdefault(normalise(text), []).append((claim_id, doc_id))

    def select(self, override: Override) -> list[str]:
        if override.claim_id:
            return [override.claim_id] if override.claim_id in self.ids else []
        return [claim_id for claim_id, doc_id in self.by_text.get(normalise(override.text), [])
                if override.doc is None or doc_id == override.doc]


def apply(tables: dict[str, pd.DataFrame], schema: OverrideSchema, *, groups: dict[str, str]
          ) -> dict[str, pd.DataFrame]:
    """Corrected ``claims``, ``actor_mentions``, ``claim_actors``, ``claim_themes``, plus ``override_log``.

    ``groups`` maps a theme id to its group (from themes.yaml), for the rows an override adds.
    Input frames are never modified; only the rows of the claims an override matches are touched.
    """
    _check_columns(tables)
    claims = tables["claims"].copy()
    for column in ("type_method", "hedged_method"):
        if column not in claims:
            claims[column] = pd.Series(RULE, index=claims.index, dtype=claims["claim_type"].dtype)
    actors = _with_actor_method(tables["claim_actors"], tables["actor_mentions"])
    themes, mentions = tables["claim_themes"], tables["actor_mentions"]
    finder = _Claims(claims) if schema.overrides else None
    selected = [finder.select(override) for override in schema.overrides]
    touched = {claim_id for ids in selected for claim_id in ids}
    if not touched:
        return {"claims": claims, "actor_mentions": mentions.copy(), "claim_actors": actors.copy(),
                "claim_themes": themes.copy(), "override_log": _log_frame(_unmatched_rows(schema))}

    position = {claim_id: i for i, claim_id in enumerate(claims["claim_id"].tolist())}
    in_actors, in_themes = actors["claim_id"].isin(touched), themes["claim_id"].isin(touched)
    actor_rows = {(r["claim_id"], r["actor_id"]): r for r in actors[in_actors].to_dict("records")}
    theme_rows = {(r["claim_id"], r["theme_id"]): r for r in themes[in_themes].to_dict("records")}
    rows_of = claims[claims["claim_id"].isin(touched)]
    fields = {claim_id: {"claim_type": t, "hedged": bool(h), "type_method": tm, "hedged_method": hm}
              for claim_id, t, h, tm, hm in zip(rows_of["claim_id"], rows_of["claim_type"], rows_of["hedged"],
                                                 rows_of["type_method"], rows_of["hedged_method"])}
    log, removed = [], set()
    for number, (override, matched) in enumerate(zip(schema.overrides, selected)):
        for action, value in _actions(override):
            base = {"override": number, "selector": override.selector, "action": action,
                    "value": _shown(action, value), "note": override.note}
            if not matched:
                log.append(base | {"claim_id": None, "previous": None, "status": "unmatched"})
            for claim_id in matched:
                previous, status = _do(action, value, claim_id, actor_rows, theme_rows, fields[claim_id], groups,
                                       removed)
                log.append(base | {"claim_id": claim_id, "previous": previous, "status": status})

    for column in ("claim_type", "hedged", "type_method", "hedged_method"):
        claims.loc[rows_of.index, column] = [fields[claim_id][column] for claim_id in rows_of["claim_id"]]
    gone = pd.Series([(c, a) in removed and (c, a) not in actor_rows
                      for c, a in zip(mentions["claim_id"], mentions["actor_id"])], index=mentions.index, dtype=bool) \
        if removed else pd.Series(False, index=mentions.index)
    return {
        "claims": claims,
        "actor_mentions": mentions[~gone].reset_index(drop=True),
        "claim_actors": _rebuild(actors[~in_actors], actor_rows, position),
        "claim_themes": _rebuild(themes[~in_themes], theme_rows, position),
        "override_log": _log_frame(log),
    }


def _unmatched_rows(schema: OverrideSchema) -> list[dict]:
    return [{"override": number, "selector": override.selector, "claim_id": None, "action": action,
             "value": _shown(action, value), "previous": None, "status": "unmatched", "note": override.note}
            for number, override in enumerate(schema.overrides) for action, value in _actions(override)]


def _actions(override: Override) -> list[tuple[str, object]]:
    """The entry's corrections in a fixed order: actors, themes, claim type, hedged."""
    actions = [("remove_actor", actor) for actor in override.remove_actors]
    actions += [("add_actor", change) for change in override.add_actors]
    actions += [("remove_theme", theme) for theme in override.remove_themes]
    actions += [("add_theme", theme) for theme in override.add_themes]
    if override.claim_type is not None:
        actions.append(("claim_type", override.claim_type))
    if override.hedged is not None:
        actions.append(("hedged", override.hedged))
    return actions


def _shown(action: str, value) -> str:
    if action == "add_actor":
        return f"{value.actor} ({value.role})"
    if action == "hedged":
        return "true" if value else "false"
    return str(value)


def _do(action, value, claim_id, actor_rows, theme_rows, fields, groups, removed) -> tuple[str | None, str]:
    """Apply one correction to one claim; returns (previous value, status)."""
    if action == "add_actor":
        row = actor_rows.get((claim_id, value.actor))
        if row is None:
            actor_rows[(claim_id, value.actor)] = {"claim_id": claim_id, "actor_id": value.actor,
                                                    "role": value.role, "method": METHOD}
            return None, "applied"
        if row["role"] == value.role:
            return row["role"], "no-op"
        previous = row["role"]
        row.update(role=value.role, method=METHOD)
        return previous, "applied"
    if action == "remove_actor":
        if actor_rows.pop((claim_id, value), None) is None:
            return None, "no-op"
        removed.add((claim_id, value))
        return None, "applied"
    if action == "add_theme":
        if (claim_id, value) in theme_rows:
            return None, "no-op"
        theme_rows[(claim_id, value)] = {"claim_id": claim_id, "theme_id": value, "group": groups.get(value),
                                         "score": 1.0, "method": METHOD, "evidence": []}
        return None, "applied"
    if action == "remove_theme":
        return None, "applied" if theme_rows.pop((claim_id, value), None) is not None else "no-op"
    column = "claim_type" if action == "claim_type" else "hedged"
    previous = fields[column]
    if previous == value:
        return _shown(action, previous), "no-op"
    fields[column] = value
    fields["type_method" if action == "claim_type" else "hedged_method"] = METHOD
    return _shown(action, previous), "applied"


def _with_actor_method(claim_actors: pd.DataFrame, mentions: pd.DataFrame) -> pd.DataFrame:
    """``claim_actors`` with a ``method`` column: ``rule`` if any of its mentions is a rule match, else ``ner``."""
    if "method" in claim_actors:
        return claim_actors
    pair = claim_actors["claim_id"] + "\x00" + claim_actors["actor_id"]
    mentioned = mentions["claim_id"] + "\x00" + mentions["actor_id"]
    by_rule = pair.isin(mentioned[mentions["method"] == RULE])
    by_ner = pair.isin(mentioned[mentions["method"] != RULE])
    method = by_rule.map({True: RULE, False: "ner"}).where(by_rule | by_ner, METHOD)
    return claim_actors.assign(method=method.astype(claim_actors["role"].dtype))


def _rebuild(kept: pd.DataFrame, rows: dict[tuple[str, str], dict], position: dict[str, int]) -> pd.DataFrame:
    """The untouched rows ``kept`` and the corrected ``rows`` of the touched claims, in claim order (a claim's
    rows keep their order; rows an override added follow them)."""
    touched = pd.DataFrame(list(rows.values()), columns=list(kept.columns))
    if len(touched):
        touched = touched.astype(kept.dtypes.to_dict())
    frame = pd.concat([kept, touched], ignore_index=True) if len(touched) else kept.reset_index(drop=True)
    order = frame["claim_id"].map(position).fillna(len(position)).to_numpy()
    return frame.iloc[order.argsort(kind="stable")].reset_index(drop=True)


def _log_frame(rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return empty_log()
    return pd.DataFrame(rows, columns=list(LOG_COLUMNS)).astype(LOG_COLUMNS)


def _check_columns(tables: dict[str, pd.DataFrame]) -> None:
    for name, columns in INPUT_COLUMNS.items():
        if name not in tables:
            raise PipelineError("overrides", f"missing input table {name}; run the claims, actors and themes stages first")
        missing = [c for c in columns if c not in tables[name].columns]
        if missing:
            raise PipelineError("overrides", f"table {name} lacks column(s) {', '.join(missing)}")


def summary(log: pd.DataFrame) -> dict:
    """Counts per status and the unmatched entries, for ``outputs/quality.json`` and the run summary.

    >>> summary(empty_log())
    {'entries': 0, 'applied': 0, 'no-op': 0, 'unmatched': 0, 'unmatched_entries': []}
    """
    counts = {status: int((log["status"] == status).sum()) for status in STATUSES}
    unmatched = log[log["status"] == "unmatched"].drop_duplicates("override")
    return {"entries": int(log["override"].nunique()), **counts,
            "unmatched_entries": [{"override": int(row.override), "selector": row.selector,
                                   "note": row.note if isinstance(row.note, str) else None}
                                  for row in unmatched.itertuples()]}


def run(tables: dict[str, pd.DataFrame], *, overrides: OverrideSchema, groups: dict[str, str]
        ) -> dict[str, pd.DataFrame]:
    """The stage: ``claims``, ``actor_mentions``, ``claim_actors``, ``claim_themes`` in, corrected copies and
    ``override_log`` out (see ``apply``)."""
    return apply(tables, overrides, groups=groups)
