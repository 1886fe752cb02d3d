"""Align: for every claim of a source document, the target document's claims that support it.

The default pair is the press release (source) and the report it is ``about``
(target, a manifest field): each press-release claim gets the report passages
it summarises, ranked. Any two documents of the manifest can be aligned
(``source=``, ``target=``).

How a target claim is scored against a source claim::

    text     = (1 - PARAGRAPH_WEIGHT) * cos(claim) + PARAGRAPH_WEIGHT * cos(paragraph of the claim)
    score    = LEXICAL_WEIGHT * text + ACTOR_WEIGHT * J(actors) + THEME_WEIGHT * J(themes)

``cos`` is the cosine of TF-IDF vectors: lower-cased words (two letters or
more, English stop words dropped, a plural ``-s`` folded, "US" kept apart from
the stop word "us"), uni- and bigrams,
sublinear tf, fitted on the target's claims and paragraphs together, so a word
is rare when it is rare in the target. ``J`` is the Jaccard overlap of the two
claims' actor sets (``claim_actors``) and theme sets (``claim_themes``); two
empty sets share nothing (J = 0). Every part and the score lie in [0, 1].

The weights were chosen by a grid search on the ``train`` half of the hand-made
gold (``annotations/gold/alignment.yaml``: 8 press-release claims; the 8
``heldout`` ones played no part), run on the pipeline's own tables, maximising
top-1 section accuracy, then mean reciprocal rank (top-5 was 8/8 over most of
the grid, so it could not choose). The point taken lies inside the best
plateau, its neighbours scoring the same, not on a lucky spike:

- ``PARAGRAPH_WEIGHT = 0.6``: a press release condenses an argument that the
  report spreads over a paragraph, so the paragraph's words carry most of the
  evidence; the claim's own share picks the sentence within the paragraph and
  breaks the ties that paragraph-only scoring leaves. Train top-1 by paragraph
  weight: 0 -> 4/8, 0.25 -> 5/8, 0.5 to 0.8 -> 7/8, 0.9 and 1 -> 6/8.
- ``ACTOR_WEIGHT = 0.075``: 0 -> 6/8, 0.05 to 0.1 -> 7/8, 0.2 -> 5/8 (and a
  top-5 miss). Actor sets are small and alike (over a third of the tagged
  report claims name exactly CHN and RUS, or RUS and USA), so a large weight
  lets a claim that merely names the same pair outrank the passage that
  makes the point; a small one decides between lexically close candidates.
- ``THEME_WEIGHT = 0.1``: 0 -> 5/8, 0.05 -> 6/8, 0.1 to 0.25 -> 7/8,
  0.3 -> 6/8. The low end of its plateau, because heavier theme weights
  narrow the other two (at 0.15 only paragraph 0.6-0.7 and actors 0.05 keep
  7/8).
- ``LEXICAL_WEIGHT = 0.825``: the rest, so the score stays in [0, 1] and one
  ``weak_threshold`` means the same for every pair of documents.
- ``PER_PARAGRAPH = 1``: the same train accuracy as no cap, and a reader gets
  N different passages instead of one paragraph's sentences N times.

With 8 tuning claims one step is one claim: treat the weights as roughly
right, not optimal. Measured (``make evaluate``) when they were chosen: top-1
section accuracy 7/8 train, 6/8 heldout, top-5 8/8 both. The theme sets move
with the theme tagger's training data and features, and one claim with them:
with the 1081-claim gold train split it was 5/8 train, 7/8 heldout, and with
section titles among the theme features it is 6/8 and 7/8, top-5 still 8/8
both. TF-IDF on the claims alone gets 10/16 at
top-1, and a random report claim would hit a gold section 16% of the time
(top-5: 55%), as the gold sections are broad.

A source claim whose best score is below ``weak_threshold`` (the run option
``weak_support_threshold``) is flagged ``weakly_supported`` on all its rows: the
target does not clearly say it (or says it in other words).

Ranking keeps at most one claim per target paragraph (``per_paragraph``), so
the top N are N different passages, each pinpointed by its best sentence. Ties
are broken by the target's reading order; the result is deterministic.
"""

from __future__ import annotations

import html
import re
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.preprocessing import normalize

from pipeline.errors import InputError

LEXICAL_WEIGHT = 0.825
ACTOR_WEIGHT = 0.075
THEME_WEIGHT = 0.1
PARAGRAPH_WEIGHT = 0.6
TOP = 5
PER_PARAGRAPH = 1

# name -> description: the data dictionary of the ``alignments`` table.
COLUMNS: dict[str, str] = {
    "source_doc": "Document whose claims are aligned (the press release by default) (→ documents.doc_id).",
    "target_doc": "Document searched for support (the report the source is about) (→ documents.doc_id).",
    "press_claim_id": "Source claim (→ claims.claim_id).",
    "rank": "Rank of the target claim among the candidates for this source claim (1 = best).",
    "report_claim_id": "Target claim that supports it (→ claims.claim_id).",
    "paragraph_id": "Paragraph of the target claim (→ paragraphs.paragraph_id).",
    "section_number": "Nearest numbered section of the target claim ('' if none).",
    "page": "Page of the target claim.",
    "score": "LEXICAL_WEIGHT·lexical + ACTOR_WEIGHT·shared_actors + THEME_WEIGHT·shared_themes, in [0, 1].",
    "lexical": "Text similarity in [0, 1]: (1 - PARAGRAPH_WEIGHT)·TF-IDF cosine with the target claim "
                "+ PARAGRAPH_WEIGHT·cosine with its paragraph.",
    "shared_actors": "Jaccard overlap of the two claims' actor sets (claim_actors), in [0, 1].",
    "shared_themes": "Jaccard overlap of the two claims' theme sets (claim_themes), in [0, 1].",
    "weakly_supported": "True on every row of a source claim whose best score is below the weak-support threshold.",
}
_DTYPES = {**{name: "str" for name in COLUMNS}, "rank": "int64", "page": "int64", "score": "float64",
           "lexical": "float64", "shared_actors": "float64", "shared_themes": "float64", "weakly_supported": "bool"}
_WORD = re.compile(r"(?u)\b[^\W\d_]{2,}\b")


class Weights(NamedTuple):
    """The weights of the score (see the module docstring); the defaults are the module constants."""

    lexical: float = LEXICAL_WEIGHT
    actors: float = ACTOR_WEIGHT
    themes: float = THEME_WEIGHT
    paragraph: float = PARAGRAPH_WEIGHT


def align(tables: dict[str, pd.DataFrame], *, source: str | None = None, target: str | None = None,
          top: int = TOP, weak_threshold: float, per_paragraph: int | None = PER_PARAGRAPH,
          weights: Weights = Weights()) -> pd.DataFrame:
    """The ``alignments`` table: for every claim of ``source``, its ``top`` supporting claims of ``target``.

    Reads ``claims``, ``paragraphs``, ``claim_actors``, ``claim_themes`` and
    ``documents`` (the last only to check ids and find the default pair: the
    press release and the report it is ``about``). One row per source claim x
    ranked target claim; columns as in ``COLUMNS``. A source claim with no
    candidate (an empty target) has no rows. ``per_paragraph`` caps how many
    claims of one target paragraph are ranked (``None``: no cap).

    >>> # a = align(tables, source="pr-596-2018", target="fiia-2018", top=3, weak_threshold=0.15)
    >>> # a.query("press_claim_id == 'pr-596-2018:c00008'")[["rank", "section_number", "page", "score"]]
    >>> #     rank section_number  page   score
    >>> # 21     1            2.6    21  0.2744
    >>> # 22     2            2.6    25  0.2135
    >>> # 23     3              4    65  0.2002
    """
    if top < 1:
        raise InputError("top", f"{top} is not a positive whole number")
    if not 0.0 <= weak_threshold <= 1.0:
        raise InputError("weak_threshold", f"{weak_threshold} is not between 0 and 1")
    source, target = resolve_pair(tables, source=source, target=target)
    claims = tables["claims"]
    sources = claims[claims["doc_id"] == source].reset_index(drop=True)
    targets = claims[claims["doc_id"] == target].reset_index(drop=True)
    if sources.empty or targets.empty:
        return empty()
    parts = _parts(sources, targets, tables, weights)
    rows = []
    for i, claim_id in enumerate(sources["claim_id"]):
        chosen = _ranked(parts["score"][i], targets["paragraph_id"].to_numpy(), top, per_paragraph)
        weak = bool(parts["score"][i].max() < weak_threshold)
        for rank, j in enumerate(chosen, start=1):
            rows.append({
                "source_doc": source, "target_doc": target, "press_claim_id": claim_id, "rank": rank,
                "report_claim_id": targets.at[j, "claim_id"], "paragraph_id": targets.at[j, "paragraph_id"],
                "section_number": targets.at[j, "section_number"], "page": int(targets.at[j, "page"]),
                **{name: round(float(parts[name][i, j]), 4)
                   for name in ("score", "lexical", "shared_actors", "shared_themes")},
                "weakly_supported": weak,
            })
    return pd.DataFrame(rows, columns=list(COLUMNS)).astype(_DTYPES)


def run(tables: dict[str, pd.DataFrame], *, source: str | None = None, target: str | None = None, top: int = TOP,
        weak_threshold: float) -> dict[str, pd.DataFrame]:
    """The stage: ``claims``, ``paragraphs``, ``claim_actors``, ``claim_themes``, ``documents`` -> ``alignments``.

    Without ``source`` and ``target``, aligns the default pair; a corpus that has
    no press release with a report it is ``about`` gets an empty table.

    >>> # run(tables, weak_threshold=0.15)["alignments"]
    """
    if source is None and target is None and default_pair(tables.get("documents")) is None:
        return {"alignments": empty()}
    return {"alignments": align(tables, source=source, target=target, top=top, weak_threshold=weak_threshold)}


def empty() -> pd.DataFrame:
    """An ``alignments`` table with no rows and the right columns and types."""
    return pd.DataFrame({name: pd.Series(dtype=_DTYPES[name]) for name in COLUMNS})


# ------------------------------------------------------------------------------------------ the pair

def document_ids(tables: dict[str, pd.DataFrame]) -> list[str]:
    """The doc ids that can be aligned: those of ``documents``, else those found in ``claims``."""
    documents = tables.get("documents")
    frame = documents if documents is not None and "doc_id" in documents else tables["claims"]
    return list(dict.fromkeys(frame["doc_id"].astype(str)))


def default_pair(documents: pd.DataFrame | None) -> tuple[str, str] | None:
    """The first press release whose ``about`` names a document of the table, with that document.

    >>> default_pair(pd.DataFrame({"doc_id": ["r", "p"], "kind": ["report", "press_release"], "about": ["", "r"]}))
    ('p', 'r')
    """
    if documents is None or not {"doc_id", "kind"} <= set(documents.columns):
        return None
    ids = set(documents["doc_id"])
    about = documents["about"] if "about" in documents else pd.Series("", index=documents.index)
    for doc_id, kind, subject in zip(documents["doc_id"], documents["kind"], about):
        if kind == "press_release" and isinstance(subject, str) and subject in ids and subject != doc_id:
            return doc_id, subject
    return None


def resolve_pair(tables: dict[str, pd.DataFrame], *, source: str | None = None,
                 target: str | None = None) -> tuple[str, str]:
    """The (source, target) doc ids to align, defaults filled in, each checked against the corpus.

    A missing ``target`` is the document the source is ``about``, else a
    document that is ``about`` the source, else the default pair's target; a
    missing ``source`` is the default press release (or, when that is the
    target, the report it is about).
    """
    valid = document_ids(tables)
    for where, doc_id in (("source", source), ("target", target)):
        if doc_id is not None and doc_id not in valid:
            raise InputError(where, f"unknown document {doc_id!r}; valid ids: {', '.join(valid) or '(none)'}")
    documents = tables.get("documents")
    pair = default_pair(documents)
    if source is None:
        if pair is None:
            raise InputError("source", "no press release with an `about:` report in the manifest; "
                             f"name the documents to align, one of: {', '.join(valid)}")
        source = pair[0] if target is None or target != pair[0] else pair[1]
    if target is None:
        target = (_about(documents, source) or _about_it(documents, source)
                  or (pair[1] if pair and pair[1] != source else None))
        if target is None:
            raise InputError("target", f"{source!r} is not `about` another document; name the target, one of: "
                             f"{', '.join(d for d in valid if d != source)}")
    if source == target:
        raise InputError("target", f"source and target are the same document {source!r}; choose two documents")
    return source, target


def _about_it(documents: pd.DataFrame | None, doc_id: str) -> str | None:
    if documents is None or "about" not in documents:
        return None
    found = documents.loc[documents["about"] == doc_id, "doc_id"]
    return str(found.iloc[0]) if len(found) else None


def _about(documents: pd.DataFrame | None, doc_id: str) -> str | None:
    if documents is None or "about" not in documents:
        return None
    subject = documents.loc[documents["doc_id"] == doc_id, "about"]
    value = subject.iloc[0] if len(subject) else None
    return value if isinstance(value, str) and value and value in set(documents["doc_id"]) else None


# ------------------------------------------------------------------------------------------ scoring

def _analyzer():
    """Lower-cased words, stop words dropped, a plural -s folded, then uni- and bigrams.

    Each text is read once: the vectorizer reads the target's texts twice (to fit, then to transform).
    """
    read: dict[str, list[str]] = {}

    def words(text: str) -> list[str]:
        if text not in read:
            lowered = ("usa" if w == "US" else w.lower() for w in _WORD.findall(text))  # "US" is not the stop word "us"
            tokens = [_fold(w) for w in lowered if w not in ENGLISH_STOP_WORDS]
            read[text] = tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]
        return read[text]

    return words


def _fold(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _parts(sources: pd.DataFrame, targets: pd.DataFrame, tables: dict[str, pd.DataFrame],
           weights: Weights) -> dict[str, np.ndarray]:
    """The score and its parts as source x target matrices."""
    paragraphs = tables["paragraphs"]
    text_of = dict(zip(paragraphs["paragraph_id"], paragraphs["text"]))
    paragraph_ids = list(dict.fromkeys(targets["paragraph_id"]))
    paragraph_texts = [text_of.get(pid, "") for pid in paragraph_ids]
    vectorizer = TfidfVectorizer(analyzer=_analyzer(), sublinear_tf=True)
    vectorizer.fit(list(targets["text"]) + paragraph_texts)
    query = normalize(vectorizer.transform(sources["text"]))
    by_claim = (query @ normalize(vectorizer.transform(targets["text"])).T).toarray()
    by_paragraph = (query @ normalize(vectorizer.transform(paragraph_texts)).T).toarray()
    column = {pid: k for k, pid in enumerate(paragraph_ids)}
    by_paragraph = by_paragraph[:, [column[pid] for pid in targets["paragraph_id"]]]
    lexical = (1 - weights.paragraph) * by_claim + weights.paragraph * by_paragraph
    actors = _jaccard(tables.get("claim_actors"), "actor_id", sources["claim_id"], targets["claim_id"])
    themes = _jaccard(tables.get("claim_themes"), "theme_id", sources["claim_id"], targets["claim_id"])
    score = weights.lexical * lexical + weights.actors * actors + weights.themes * themes
    return {"score": np.clip(np.round(score, 9), 0.0, 1.0), "lexical": np.clip(lexical, 0.0, 1.0),
            "shared_actors": actors, "shared_themes": themes}


def _jaccard(labels: pd.DataFrame | None, column: str, left: pd.Series, right: pd.Series) -> np.ndarray:
    """Jaccard overlap of the label sets of every left x right claim pair (0 when both are empty)."""
    if labels is None or labels.empty:
        return np.zeros((len(left), len(right)))
    vocabulary = sorted(set(labels[column]))
    index = {label: k for k, label in enumerate(vocabulary)}
    # As lists: iterating the Arrow-backed columns item by item cost more than twice the rest of this.
    pairs = list(zip(labels["claim_id"].tolist(), labels[column].tolist()))

    def matrix(claim_ids: pd.Series) -> np.ndarray:
        row = {claim_id: k for k, claim_id in enumerate(claim_ids.tolist())}
        out = np.zeros((len(claim_ids), len(vocabulary)))
        for claim_id, label in pairs:
            if claim_id in row:
                out[row[claim_id], index[label]] = 1.0
        return out

    a, b = matrix(left), matrix(right)
    shared = a @ b.T
    union = a.sum(axis=1)[:, None] + b.sum(axis=1)[None, :] - shared
    return np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)


def _ranked(scores: np.ndarray, paragraph_ids: np.ndarray, top: int, per_paragraph: int | None) -> list[int]:
    """Target positions by falling score, ties in reading order, at most ``per_paragraph`` per paragraph."""
    order = np.lexsort((np.arange(len(scores)), -scores))
    chosen, used = [], {}
    for j in order:
        pid = paragraph_ids[j]
        if per_paragraph is not None and used.get(pid, 0) >= per_paragraph:
            continue
        used[pid] = used.get(pid, 0) + 1
        chosen.append(int(j))
        if len(chosen) == top:
            break
    return chosen


# ------------------------------------------------------------------------------------------ reading

def passages(alignments: pd.DataFrame, claims: pd.DataFrame) -> list[dict]:
    """The alignments nested per source claim, with texts: what ``gpc align --format json`` prints.

    One dict per source claim (source_doc, target_doc, press_claim_id, text,
    weakly_supported, passages), its passages in rank order with the target
    claim's text and every column of the table.
    """
    text = dict(zip(claims["claim_id"], claims["text"]))
    out = []
    for claim_id, group in alignments.groupby("press_claim_id", sort=False):
        first = group.iloc[0]
        out.append({
            "source_doc": first["source_doc"], "target_doc": first["target_doc"], "press_claim_id": claim_id,
            "text": text.get(claim_id, ""), "weakly_supported": bool(first["weakly_supported"]),
            "passages": [{**{k: _plain(row[k]) for k in COLUMNS if k not in _PER_SOURCE},
                          "text": text.get(row["report_claim_id"], "")}
                         for _, row in group.sort_values("rank").iterrows()],
        })
    return out


_PER_SOURCE = ("source_doc", "target_doc", "press_claim_id", "weakly_supported")


def _plain(value):
    return value.item() if hasattr(value, "item") else value


def format_alignments(alignments: pd.DataFrame, claims: pd.DataFrame, *, fmt: str = "table",
                      weak_threshold: float | None = None, width: int = 120) -> str:
    """The alignments for a reader: ``table`` (each source claim, then its ranked passages) or ``json``.

    >>> # print(format_alignments(align(tables, weak_threshold=0.15), tables["claims"]))
    >>> # pr-596-2018:c00008  Both great powers engage in their own regional projects in Central Asia, ...
    >>> #   rank  score  section  page  passage
    >>> #      1  0.274  2.6        21  fiia-2018:c00438  In the case of Russia this began with the idea of the…
    """
    if fmt == "json":
        import json

        return json.dumps(passages(alignments, claims), ensure_ascii=False, indent=2)
    if fmt != "table":
        raise InputError("format", f"{fmt!r} is not one of table, json")
    if alignments.empty:
        return "no claims to align"
    grouped = passages(alignments, claims)
    first = grouped[0]
    weak = sum(entry["weakly_supported"] for entry in grouped)
    below = f" (best score < {weak_threshold})" if weak_threshold is not None else ""
    lines = [f"{first['source_doc']} -> {first['target_doc']}: {len(grouped)} claims, "
             f"{weak} weakly supported{below}"]
    for entry in grouped:
        flag = "  [weakly supported]" if entry["weakly_supported"] else ""
        lines += ["", f"{entry['press_claim_id']}  {entry['text']}{flag}",
                  f"  {'rank':>4}  {'score':>5}  {'section':<7}  {'page':>4}  passage"]
        for passage in entry["passages"]:
            head = (f"  {passage['rank']:>4}  {passage['score']:>5.3f}  {passage['section_number'] or '-':<7}  "
                    f"{passage['page']:>4}  {passage['report_claim_id']}  ")
            lines.append(head + snippet(passage["text"], max(20, width - len(head))))
    return "\n".join(lines)


def snippet(text: str, length: int) -> str:
    """``text`` cut at a word boundary to at most ``length`` characters, with an ellipsis when cut.

    >>> snippet("The relationship is imbalanced and relies on Chinese self-restraint.", 31)
    'The relationship is imbalanced…'
    """
    text = " ".join(str(text).split())
    if len(text) <= length:
        return text
    cut = text[:max(length - 1, 1)]
    if text[len(cut)] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def alignment_section(tables: dict[str, pd.DataFrame], *, top: int = 3) -> str:
    """An HTML ``<section>`` for the report page: each source claim beside its best ``top`` target passages.

    Uses ``tables['alignments']`` when present (else aligns the default pair);
    weakly supported claims are flagged; every text is escaped.

    >>> # Path("outputs/report.html").write_text(head + alignment_section(tables) + tail)
    """
    alignments = tables.get("alignments")
    if alignments is None:
        from pipeline.config import Config

        alignments = run(tables, top=max(top, 1), weak_threshold=Config().weak_support_threshold)["alignments"]
    esc = html.escape
    if alignments.empty:
        return "\n".join(['<section class="alignment" id="alignment">', "<h2>Press release and report</h2>",
                          "<p>No claims were aligned (the corpus needs a press release `about` a report).</p>",
                          "</section>"])
    titles, kinds = _titles(tables.get("documents")), _kinds(tables.get("documents"))
    source, target = alignments["source_doc"].iloc[0], alignments["target_doc"].iloc[0]
    heading = ("Press release and report" if (kinds.get(source), kinds.get(target)) == ("press_release", "report")
               else f"{source} and {target}")
    parts = ['<section class="alignment" id="alignment">', f"<h2>{esc(heading)}</h2>"]
    parts += [
        "<style>.alignment table{border-collapse:collapse;width:100%}.alignment td,.alignment th{vertical-align:top;"
        "border-top:1px solid #ddd;padding:.4em;text-align:left}.alignment .weak td:first-child{background:#fff4e5}"
        ".alignment .flag{color:#a15c00;font-weight:bold}.alignment .where{color:#555;font-size:90%}</style>",
        f"<p>Each claim of <em>{esc(titles.get(source, source))}</em> beside the passages of "
        f"<em>{esc(titles.get(target, target))}</em> that support it best (score from 0 to 1: text similarity "
        "with the passage and its paragraph, plus shared actors and themes). "
        '<span class="flag">Weakly supported</span> claims have no passage scoring above the threshold.</p>',
        "<table>", f"<thead><tr><th>Claim ({esc(source)})</th><th>Best passages ({esc(target)})</th></tr></thead>",
        "<tbody>",
    ]
    for entry in passages(alignments[alignments["rank"] <= top], tables["claims"]):
        weak = entry["weakly_supported"]
        flag = '<p class="flag">weakly supported</p>' if weak else ""
        items = "".join(
            f'<li><span class="where">§ {esc(p["section_number"] or "–")}, p. {p["page"]}, score {p["score"]:.2f}'
            f"</span><br>{esc(p['text'])}</li>" for p in entry["passages"])
        row_class = ' class="weak"' if weak else ""
        parts.append(f'<tr{row_class} id="{esc(entry["press_claim_id"])}">'
                     f"<td><p>{esc(entry['text'])}</p>{flag}</td><td><ol>{items}</ol></td></tr>")
    parts += ["</tbody>", "</table>", "</section>"]
    return "\n".join(parts)


def _titles(documents: pd.DataFrame | None) -> dict[str, str]:
    if documents is None or "title" not in documents:
        return {}
    return {d: t for d, t in zip(documents["doc_id"], documents["title"]) if isinstance(t, str) and t}


def _kinds(documents: pd.DataFrame | None) -> dict[str, str]:
    if documents is None or "kind" not in documents:
        return {}
    return dict(zip(documents["doc_id"], documents["kind"]))
