"""Evaluate: precision, recall and F1 of every annotation layer against the hand-labelled gold set.

The gold set (``annotations/gold/claims.jsonl``) has a ``train`` split, which
rules and models may be tuned on, and a ``heldout`` split, which they never
are; figures are reported for both.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.errors import InputError

LAYERS = ("actors", "agents", "themes", "claim_type", "hedged", "citations")
# Enough resamples for the interval ends to be stable to about 0.005.
INTERVAL_DRAWS = 2000


def load_gold(path: Path) -> pd.DataFrame:
    """The gold claims, one row each (claim_id, split, text, actors, agents, themes, claim_type, hedged, markers)."""
    if not path.exists():
        raise InputError(path, "gold file not found: see annotations/gold/README.md")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise InputError(path, f"line {number}: not valid JSON ({error.msg})") from None
    return pd.DataFrame(rows)


def prf(gold: set, predicted: set) -> dict:
    """Precision, recall and F1 of a predicted set of (item, label) pairs.

    >>> prf({(1, "a"), (2, "b")}, {(1, "a"), (3, "c")})
    {'precision': 0.5, 'recall': 0.5, 'f1': 0.5, 'support': 2}
    """
    hits = len(gold & predicted)
    precision = hits / len(predicted) if predicted else (1.0 if not gold else 0.0)
    recall = hits / len(gold) if gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "support": len(gold)}


def _pairs(frame: pd.DataFrame, column: str) -> set:
    return {(row.claim_id, label) for row in frame.itertuples() for label in getattr(row, column)}


def _predicted(tables: dict[str, pd.DataFrame], claim_ids: list[str]) -> pd.DataFrame:
    claims = tables["claims"].set_index("claim_id").reindex(claim_ids)
    wanted = set(claim_ids)

    def grouped(frame, column, where=None):
        frame = frame[frame.claim_id.isin(wanted)]
        if where is not None:
            frame = frame[where(frame)]
        groups = frame.groupby("claim_id")[column].apply(lambda values: sorted(set(values)))
        return [groups.get(claim_id, []) for claim_id in claim_ids]

    actors = tables["claim_actors"]
    return pd.DataFrame({
        "claim_id": claim_ids,
        "actors": grouped(actors, "actor_id"),
        "agents": grouped(actors, "actor_id", lambda f: f.role == "agent"),
        "themes": grouped(tables["claim_themes"], "theme_id"),
        "claim_type": claims["claim_type"].tolist(),
        "hedged": claims["hedged"].tolist(),
        "markers": [list(m) if isinstance(m, (list, tuple)) or hasattr(m, "tolist") else [] for m in claims["markers"]],
    })


def align_gold(gold: pd.DataFrame | None, claims: pd.DataFrame) -> pd.DataFrame:
    """Gold rows plus ``run_id``: this run's claim with the same id and text, else the same text, else None.

    >>> claims = pd.DataFrame({"claim_id": ["d:c1", "d:c2"], "doc_id": "d", "text": ["A.", "B."]})
    >>> gold = pd.DataFrame({"claim_id": ["d:c1", "d:c1"], "doc_id": "d", "text": ["A.", "B."]})
    >>> align_gold(gold, claims)["run_id"].tolist()
    ['d:c1', 'd:c2']
    """
    if gold is None or gold.empty:
        return pd.DataFrame({"claim_id": [], "split": [], "themes": [], "run_id": []})
    ids, texts = claims["claim_id"].tolist(), claims["text"].tolist()
    text_of = dict(zip(ids, texts))
    by_text = dict(zip(zip(claims["doc_id"].tolist(), texts), ids))
    doc_ids = gold["doc_id"] if "doc_id" in gold else gold["claim_id"].str.split(":").str[0]
    run_ids = [cid if text_of.get(cid) == text else by_text.get((doc, text))
               for cid, doc, text in zip(gold["claim_id"].tolist(), list(doc_ids), gold["text"].tolist())]
    return gold.assign(run_id=run_ids)


def layer_scores(gold: pd.DataFrame, predicted: pd.DataFrame) -> dict:
    """Scores of every layer for one split (gold and predicted rows in the same order)."""
    gold = gold.assign(claim_id=predicted.claim_id.values)
    scores = {"claims": len(gold)}
    for layer in ("actors", "agents"):
        scores[layer] = prf(_pairs(gold, layer), _pairs(predicted, layer))
    scores["themes_micro"] = prf(_pairs(gold, "themes"), _pairs(predicted, "themes"))
    per_theme = per_label(_pairs(gold, "themes"), _pairs(predicted, "themes"))
    scores["themes_macro_f1"] = round(sum(s["f1"] for s in per_theme.values()) / len(per_theme), 4) if per_theme else 0.0
    scores["themes_per_theme"] = per_theme
    scores["claim_type_accuracy"] = round(float((gold.claim_type.values == predicted.claim_type.values).mean()), 4)
    scores["claim_types_per_type"] = per_type(gold, predicted)
    scores["hedged_accuracy"] = round(float((gold.hedged.values == predicted.hedged.values).mean()), 4)
    scores["citations"] = prf(_pairs(gold, "markers"), _pairs(predicted, "markers"))
    scores["citations_exact"] = all(sorted(g) == sorted(p) for g, p in zip(gold.markers, predicted.markers))
    scores["intervals"] = intervals(gold, predicted)
    return scores


def per_type(gold: pd.DataFrame, predicted: pd.DataFrame) -> dict:
    """Precision, recall and F1 of every claim type (gold and predicted rows in the same order): how far a
    reader can trust the claims tagged ``prediction``, and how many predictions they miss.

    >>> gold = pd.DataFrame({"claim_id": ["a", "b", "c"], "claim_type": ["assertion", "prediction", "prediction"]})
    >>> per_type(gold, gold.assign(claim_type=["prediction", "prediction", "assertion"]))["prediction"]
    {'precision': 0.5, 'recall': 0.5, 'f1': 0.5, 'support': 2}
    """
    return per_label(set(zip(gold.claim_id, gold.claim_type)), set(zip(gold.claim_id, predicted.claim_type)))


def per_label(gold: set, predicted: set) -> dict:
    """``prf`` of each label of (item, label) pairs, over the pairs with that label, labels in sorted order.

    >>> per_label({(1, "a"), (2, "b")}, {(1, "a"), (2, "a")})["a"]
    {'precision': 0.5, 'recall': 1.0, 'f1': 0.6667, 'support': 1}
    """
    by_label: dict = {}
    for side, pairs in enumerate((gold, predicted)):
        for pair in pairs:
            by_label.setdefault(pair[1], (set(), set()))[side].add(pair)
    return {label: prf(*by_label[label]) for label in sorted(by_label)}


def intervals(gold: pd.DataFrame, predicted: pd.DataFrame, *, draws: int = INTERVAL_DRAWS, seed: int = 0) -> dict:
    """95% intervals of actors F1, themes micro-F1, claim-type and hedged accuracy: the 2.5th and 97.5th
    percentiles over ``draws`` resamples of the claims with replacement (gold and predicted rows in the same
    order). The claim is the unit because its labels are decided together.

    >>> gold = pd.DataFrame({"themes": [["a"], ["b"]], "actors": [[], []], "claim_type": ["x", "y"],
    ...                      "hedged": [True, False]})
    >>> intervals(gold, gold.assign(claim_type=["x", "x"]))["claim_type_accuracy"]
    [0.0, 1.0]
    """
    picks = np.random.default_rng(seed).integers(0, len(gold), size=(draws, len(gold)))

    def micro_f1(layer: str) -> np.ndarray:
        counts = np.array([(len(set(g) & set(p)), len(set(p) - set(g)), len(set(g) - set(p)))
                           for g, p in zip(gold[layer], predicted[layer])]).reshape(-1, 3)
        hits, extra, missed = (counts[:, i][picks].sum(axis=1) for i in range(3))
        labelled = 2 * hits + extra + missed
        return np.divide(2 * hits, labelled, out=np.ones(draws), where=labelled > 0)

    def accuracy(column: str) -> np.ndarray:
        return (gold[column].to_numpy() == predicted[column].to_numpy())[picks].mean(axis=1)

    figures = {"actors_f1": micro_f1("actors"), "themes_micro_f1": micro_f1("themes"),
               "claim_type_accuracy": accuracy("claim_type"), "hedged_accuracy": accuracy("hedged")}
    return {name: [round(float(v), 4) for v in np.percentile(values, [2.5, 97.5])] for name, values in figures.items()}


def evaluate(tables: dict[str, pd.DataFrame], gold: pd.DataFrame, *, alignment_gold: Path | None = None) -> dict:
    """Scores per split (``train``, ``heldout``) plus how many gold claims the run could not find.

    Also ``alignment``: the aligner's section accuracy (``alignment_scores``)
    against ``alignment_gold`` (``Paths.gold_alignment``),
    when that file exists.
    """
    aligned = align_gold(gold, tables["claims"])
    found = aligned[aligned.run_id.notna()]
    result = {"unmatched_gold_claims": aligned.loc[aligned.run_id.isna(), "claim_id"].tolist()}
    for split in ("train", "heldout"):
        part = found[found.split == split]
        result[split] = layer_scores(part, _predicted(tables, part.run_id.tolist())) if len(part) else {}
    if alignment_gold is not None and Path(alignment_gold).exists():
        result["alignment"] = alignment_scores(tables, alignment_gold)
    return result


def format_table(result: dict) -> str:
    """The figures as a short table for the terminal."""
    rows = [("actors F1", lambda s: s["actors"]["f1"]), ("agents F1", lambda s: s["agents"]["f1"]),
            ("themes micro-F1", lambda s: s["themes_micro"]["f1"]), ("themes macro-F1", lambda s: s["themes_macro_f1"]),
            ("claim type accuracy", lambda s: s["claim_type_accuracy"]), ("hedged accuracy", lambda s: s["hedged_accuracy"]),
            ("citations F1", lambda s: s["citations"]["f1"]), ("citations exact", lambda s: s["citations_exact"])]
    lines = [f"{'layer':22}{'train':>10}{'heldout':>10}", f"{'claims':22}{result['train'].get('claims', 0):>10}"
             f"{result['heldout'].get('claims', 0):>10}"]
    for label, get in rows:
        cells = [f"{get(result[split])!s:>10}" if result[split] else f"{'-':>10}" for split in ("train", "heldout")]
        lines.append(f"{label:22}{''.join(cells)}")
        if label == "claim type accuracy":
            lines += _per_type_rows(result)
    if result["heldout"].get("intervals"):
        labels = {"actors_f1": "actors F1", "themes_micro_f1": "themes micro-F1",
                  "claim_type_accuracy": "claim type", "hedged_accuracy": "hedged"}
        ranges = ", ".join(f"{labels[name]} {low:.3f}-{high:.3f}"
                           for name, (low, high) in result["heldout"]["intervals"].items())
        lines.append(f"heldout 95% intervals (claims resampled): {ranges}")
    if result["unmatched_gold_claims"]:
        lines.append(f"gold claims not found in this run: {len(result['unmatched_gold_claims'])}")
    lines += format_alignment_rows(result.get("alignment"))
    return "\n".join(lines)


def _per_type_rows(result: dict) -> list[str]:
    """A row per claim type under the accuracy: precision / recall on each split, to two places."""
    splits = ("train", "heldout")
    labels = dict.fromkeys(label for split in splits for label in result[split].get("claim_types_per_type", {}))
    lines = []
    for label in labels:
        cells = []
        for split in splits:
            score = result[split].get("claim_types_per_type", {}).get(label)
            cells.append(f"{score['precision']:.2f}/{score['recall']:.2f}" if score else "-")
        lines.append(f"{'  ' + label + ' P/R':22}" + "".join(f"{cell:>10}" for cell in cells))
    return lines


# --------------------------------------------------------------------------------------- alignment

def load_alignment_gold(path: Path) -> tuple[str, str, pd.DataFrame]:
    """The hand-made alignment gold: (source doc, target doc, one row per source claim).

    Rows: claim_id, split (train / heldout), text, sections (list of section
    numbers as strings). Every problem in the file is reported at once.
    """
    import yaml

    path = Path(path)
    if not path.exists():
        raise InputError(path, "alignment gold not found: see the header of annotations/gold/alignment.yaml")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise InputError(path, f"not valid YAML ({str(error).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise InputError(path, "expected a mapping with source, target and claims")
    problems = [f"{key}: missing" for key in ("source", "target", "claims") if not data.get(key)]
    rows = []
    for i, entry in enumerate(data.get("claims") or []):
        where = f"claims[{i}]"
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected a mapping")
            continue
        for key in ("claim_id", "text"):
            if not isinstance(entry.get(key), str) or not entry.get(key):
                problems.append(f"{where} -> {key}: missing")
        if entry.get("split") not in ("train", "heldout"):
            problems.append(f"{where} -> split: {entry.get('split')!r} is not one of train, heldout")
        sections = entry.get("sections")
        if not isinstance(sections, list) or not sections:
            problems.append(f"{where} -> sections: give a list of section numbers")
            sections = []
        for number in sections:
            if not isinstance(number, str):
                problems.append(f"{where} -> sections: {number!r} is not a string; quote section numbers "
                                "('2.10' unquoted reads as 2.1)")
        rows.append({"claim_id": entry.get("claim_id"), "split": entry.get("split"), "text": entry.get("text"),
                     "sections": [str(n) for n in sections]})
    if problems:
        raise InputError(path, "; ".join(problems))
    return str(data["source"]), str(data["target"]), pd.DataFrame(rows, columns=["claim_id", "split", "text",
                                                                                  "sections"])


def section_hit(section_number: str, gold_sections: list[str]) -> bool:
    """True when ``section_number`` is one of ``gold_sections`` or lies below one of them.

    >>> [section_hit(s, ["2.4", "4"]) for s in ("2.4", "2.4.1", "2.40", "2", "4", "4.1", "")]
    [True, True, False, False, True, True, False]
    """
    number = str(section_number or "")
    return any(number == gold or number.startswith(f"{gold}.") for gold in gold_sections if gold)


def alignment_scores(tables: dict[str, pd.DataFrame], gold_path: Path, *, top: int = 5) -> dict:
    """Section accuracy of ``pipeline.align`` against the hand-made gold, per split and over all.

    The gold (``annotations/gold/alignment.yaml``) lists, for each source claim
    (the press release's), the target (report) sections that support it. The
    aligner ranks target claims for every source claim (default weights, one
    claim per paragraph). A ranked claim is a *hit* when its ``section_number``
    equals a gold number or lies below it (``section_hit``): gold '2.4'
    matches 2.4 and 2.4.x but never 2.40; chapter-level gold '4' matches 4
    and 4.1; a claim outside any numbered section never hits.

    - ``top1``: share of gold claims whose rank-1 passage is a hit;
    - ``top5`` (``top<N>``): share with a hit among ranks 1..N;
    - ``mrr``: mean of 1 / rank of the first hit (0 when none in the top N).

    Gold claims are found by id with the same text, else by text in the
    source document; the others are listed in ``unmatched_gold_claims``.

    >>> # alignment_scores(tables, Path("annotations/gold/alignment.yaml"))["heldout"]
    >>> # {'claims': 8, 'top1': 0.75, 'top5': 1.0, 'mrr': 0.875}
    """
    from pipeline import align

    source, target, gold = load_alignment_gold(gold_path)
    result = {"source": source, "target": target, "unmatched_gold_claims": gold["claim_id"].tolist(),
              "train": {}, "heldout": {}, "all": {}}
    valid = align.document_ids(tables)
    if source not in valid or target not in valid:
        return result
    claims = tables["claims"][tables["claims"]["doc_id"] == source]
    text_of = dict(zip(claims["claim_id"], claims["text"]))
    by_text = dict(zip(claims["text"], claims["claim_id"]))
    run_ids = [cid if text_of.get(cid) == text else by_text.get(text) for cid, text in zip(gold.claim_id, gold.text)]
    gold = gold.assign(run_id=run_ids)
    result["unmatched_gold_claims"] = gold.loc[gold.run_id.isna(), "claim_id"].tolist()
    ranked = align.align(tables, source=source, target=target, top=top, weak_threshold=0.0)
    sections = {cid: group.sort_values("rank")["section_number"].tolist()
                for cid, group in ranked.groupby("press_claim_id")}
    first_hit = {}
    for row in gold[gold.run_id.notna()].itertuples():
        hits = [rank for rank, number in enumerate(sections.get(row.run_id, []), start=1)
                if section_hit(number, row.sections)]
        first_hit[row.claim_id] = hits[0] if hits else None
    for split in ("train", "heldout", "all"):
        ids = [cid for cid, s in zip(gold.claim_id, gold.split) if cid in first_hit and split in (s, "all")]
        if not ids:
            continue
        ranks = [first_hit[cid] for cid in ids]
        result[split] = {
            "claims": len(ids),
            "top1": round(sum(r == 1 for r in ranks) / len(ids), 4),
            f"top{top}": round(sum(r is not None for r in ranks) / len(ids), 4),
            "mrr": round(sum(1 / r for r in ranks if r) / len(ids), 4),
        }
    return result


def format_alignment_rows(scores: dict | None) -> list[str]:
    """The alignment figures as rows of ``format_table`` (nothing when there are none)."""
    if not scores or not scores.get("all"):
        return []
    every = scores["all"]
    keys = [key for key in every if key != "claims"]
    lines = [f"alignment {scores['source']} -> {scores['target']} (all {every['claims']} claims: "
             + ", ".join(f"{key} {every[key]}" for key in keys) + ")"]
    for key in keys:
        label = "  section MRR" if key == "mrr" else f"  section {key[:3]}-{key[3:]} acc."
        cells = [f"{scores[split][key]!s:>10}" if scores[split] else f"{'-':>10}" for split in ("train", "heldout")]
        lines.append(f"{label:22}{''.join(cells)}")
    if scores.get("unmatched_gold_claims"):
        lines.append(f"  alignment gold claims not found in this run: {len(scores['unmatched_gold_claims'])}")
    return lines
