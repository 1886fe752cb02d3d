"""Agreement: Cohen's kappa between two sets of labels for the same claims, layer by layer.

Each side is a label file in the gold format (JSON Lines like
``annotations/gold/claims.jsonl``: ``claim_id``, ``doc_id``, ``text``,
``actors``, ``themes``, ``claim_type``, ``hedged``) or the word ``pipeline``:
the labels of the last run (``outputs/datasets``) for the other side's
claims, found by id with the same text, else by text in the same document.

Layers:

``actors``, ``themes``
    multi-label: one binary decision per claim x label (does the claim carry
    it?), for every label either side uses on the shared claims; kappa per
    label, and pooled over all the decisions of the layer.
``claim_type``
    one categorical decision per claim.
``hedged``
    one binary decision per claim.

A row reports the decisions compared (``n``), the observed agreement, and
kappa (``sklearn.metrics.cohen_kappa_score``); kappa is undefined (``None``)
when neither side ever varies, e.g. a label neither uses. Claims found on
one side only are counted, never compared.

>>> a = pd.DataFrame({"claim_id": ["c1", "c2"], "actors": [["RUS"], ["CHN"]], "themes": [["energy"], []],
...                   "claim_type": ["assertion", "prediction"], "hedged": [False, True]})
>>> agreement(a, a)["layers"]["claim_type"]["all"]
{'n': 2, 'agreement': 1.0, 'kappa': 1.0, 'a_positive': None, 'b_positive': None}
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd

from pipeline.errors import InputError
from pipeline.overrides import normalise

PIPELINE = "pipeline"
MULTI_LABEL = ("actors", "themes")
LAYERS = ("actors", "themes", "claim_type", "hedged")
COLUMNS = ["claim_id", "doc_id", "text", "actors", "themes", "claim_type", "hedged"]


def load_label_file(path: Path) -> pd.DataFrame:
    """A gold-format JSON Lines file as a table (claim_id, doc_id, text, actors, themes, claim_type, hedged)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "label file not found: give a JSON Lines file in the gold format "
                               "(like annotations/gold/claims.jsonl) or the word `pipeline`")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputError(path, f"line {number}: not valid JSON ({error.msg})") from None
        if not isinstance(row, dict) or not row.get("claim_id"):
            raise InputError(path, f"line {number}: expected an object with a claim_id")
        rows.append(row)
    frame = pd.DataFrame(rows)
    for column in COLUMNS:
        if column not in frame:
            frame[column] = None
    if not frame["doc_id"].notna().all():
        frame["doc_id"] = frame["doc_id"].fillna(frame["claim_id"].str.split(":").str[0])
    return frame[COLUMNS]


def pipeline_labels(datasets: Path, wanted: pd.DataFrame | None = None) -> pd.DataFrame:
    """The last run's labels (from ``outputs/datasets``), for the claims of ``wanted`` when given.

    A wanted claim is found by id when the text matches, else by its text in its document; its ``claim_id``
    stays the wanted one, so the two sides line up.
    """
    files = {name: Path(datasets) / f"{name}.parquet" for name in ("claims", "claim_actors", "claim_themes")}
    missing = [str(path) for path in files.values() if not path.exists()]
    if missing:
        raise InputError(missing[0], "no pipeline labels yet: run `make all` first")
    claims = pd.read_parquet(files["claims"])
    actors = pd.read_parquet(files["claim_actors"]).groupby("claim_id")["actor_id"].agg(sorted).to_dict()
    themes = pd.read_parquet(files["claim_themes"]).groupby("claim_id")["theme_id"].agg(sorted).to_dict()
    rows = {c.claim_id: {"claim_id": c.claim_id, "doc_id": c.doc_id, "text": c.text,
                         "actors": actors.get(c.claim_id, []), "themes": themes.get(c.claim_id, []),
                         "claim_type": c.claim_type, "hedged": bool(c.hedged)} for c in claims.itertuples()}
    if wanted is None:
        return pd.DataFrame(list(rows.values()), columns=COLUMNS)
    by_text = {(row["doc_id"], normalise(row["text"])): row for row in rows.values()}
    found = []
    for claim_id, doc_id, text in zip(wanted["claim_id"], wanted["doc_id"], wanted["text"]):
        row = rows.get(claim_id)
        if isinstance(text, str) and (row is None or normalise(row["text"]) != normalise(text)):
            row = by_text.get((doc_id, normalise(text)))
        if row is not None:
            found.append(row | {"claim_id": claim_id})
    return pd.DataFrame(found, columns=COLUMNS)


def load_side(source: str, *, datasets: Path, other: pd.DataFrame | None = None) -> pd.DataFrame:
    """One side of the comparison: a label file, or ``pipeline`` (for the claims of ``other``)."""
    return pipeline_labels(datasets, other) if source == PIPELINE else load_label_file(Path(source))


def _kappa(a: list, b: list) -> float | None:
    from sklearn.metrics import cohen_kappa_score

    if len(set(a) | set(b)) < 2:
        return None  # neither side varies: chance agreement is 1 and kappa is 0/0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kappa = cohen_kappa_score(a, b)
    return None if kappa != kappa else round(float(kappa), 4)


def _row(a: list, b: list, positive=None) -> dict:
    agreed = sum(x == y for x, y in zip(a, b))
    return {"n": len(a), "agreement": round(agreed / len(a), 4) if a else None, "kappa": _kappa(a, b) if a else None,
            "a_positive": sum(a) if positive else None, "b_positive": sum(b) if positive else None}


def _labels(value) -> set:
    if value is None or (isinstance(value, float) and value != value):
        return set()
    return set(value)


def agreement(a: pd.DataFrame, b: pd.DataFrame) -> dict:
    """Kappa per layer between two label tables on the claims they share (joined on ``claim_id``).

    Returns ``{"claims": n, "only_in_a": n, "only_in_b": n, "layers": {layer: {"all": row, "per_label": {label:
    row}}}}``; a row is ``n``, ``agreement``, ``kappa`` (and for a label, how many claims each side gives it).
    """
    shared = a.merge(b, on="claim_id", suffixes=("_a", "_b"))
    result = {"claims": len(shared), "only_in_a": int((~a["claim_id"].isin(b["claim_id"])).sum()),
              "only_in_b": int((~b["claim_id"].isin(a["claim_id"])).sum()), "layers": {}}
    for layer in MULTI_LABEL:
        left = [_labels(v) for v in shared[f"{layer}_a"]]
        right = [_labels(v) for v in shared[f"{layer}_b"]]
        labels = sorted(set().union(*left, *right))
        per_label, pooled_a, pooled_b = {}, [], []
        for label in labels:
            x, y = [int(label in s) for s in left], [int(label in s) for s in right]
            per_label[label] = _row(x, y, positive=True)
            pooled_a += x
            pooled_b += y
        result["layers"][layer] = {"all": _row(pooled_a, pooled_b, positive=True), "per_label": per_label}
    for layer in ("claim_type", "hedged"):
        pairs = [(x, y) for x, y in zip(shared[f"{layer}_a"], shared[f"{layer}_b"])
                 if x is not None and y is not None and x == x and y == y]
        x = [str(p[0]) if layer == "claim_type" else int(bool(p[0])) for p in pairs]
        y = [str(p[1]) if layer == "claim_type" else int(bool(p[1])) for p in pairs]
        result["layers"][layer] = {"all": _row(x, y, positive=layer == "hedged"), "per_label": {}}
    return result


def compare(a: str, b: str, *, datasets: Path) -> dict:
    """Agreement between sources ``a`` and ``b`` (a gold-format file or ``pipeline``); see ``agreement``.

    >>> # compare("annotations/gold/claims.jsonl", "pipeline", datasets=Path("outputs/datasets"))["layers"]["hedged"]
    """
    if a == PIPELINE and b == PIPELINE:
        raise InputError("agreement", "both sides are `pipeline`; give at least one label file "
                                      "(e.g. annotations/gold/claims.jsonl)")
    left = load_side(a, datasets=datasets) if a != PIPELINE else None
    right = load_side(b, datasets=datasets, other=left)
    left = left if left is not None else load_side(a, datasets=datasets, other=right)
    result = agreement(left, right)
    result["a"], result["b"] = str(a), str(b)
    return result


def format_table(result: dict) -> str:
    """The figures as a table: one row per layer (pooled), then one per label of the multi-label layers."""
    def cell(value, width):
        return f"{'-' if value is None else value!s:>{width}}"

    lines = [f"A = {result.get('a', 'A')}", f"B = {result.get('b', 'B')}",
             f"claims compared: {result['claims']} (only in A: {result['only_in_a']}, only in B: {result['only_in_b']})",
             "", f"{'layer':12}{'label':26}{'n':>7}{'agree':>8}{'kappa':>8}{'A+':>6}{'B+':>6}"]
    for layer in LAYERS:
        entry = result["layers"][layer]
        rows = [("(pooled)" if layer in MULTI_LABEL else "", entry["all"])] + list(entry["per_label"].items())
        for label, row in rows:
            lines.append(f"{layer:12}{label:26}{cell(row['n'], 7)}{cell(row['agreement'], 8)}{cell(row['kappa'], 8)}"
                         f"{cell(row['a_positive'], 6)}{cell(row['b_positive'], 6)}")
    lines += ["", "kappa '-': undefined (neither side varies on those decisions)"]
    return "\n".join(lines)
