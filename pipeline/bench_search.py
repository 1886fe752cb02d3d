"""Speed of the exports and of search: dataset writing, database build, FTS query times, at 1x and 100x.

``search_figures(tables)`` builds the database from the run's tables in a
temporary folder, times ~20 typical searches (some with filters) and a few
keyword-in-context lookups, then does the same on a corpus made 100 times
larger by repeating the claims (and their annotations) under distinct ids.
``pipeline.bench`` calls it; ``python -m pipeline.bench_search`` prints it alone.

>>> # print(format_figures(search_figures(runner.compute().tables)))
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from pipeline import database, datasets, search

QUERIES = (
    "sanction", "energy", '"energy cooperation"', "pipeline* OR gas", "china NOT russia", '"arms control"',
    "NEAR(nuclear weapons, 5)", "trump", "arctic", "sanction*", "economic AND cooperation", "military exercise",
    '"belt and road"', "shanghai cooperation organisation", '"world order"', "liberal", '"great power"',
    "ukraine OR crimea", "syria", "nato",
)
KWIC_TERMS = ("sanction", '"energy cooperation"', "arctic")
CLAIM_TABLES = ("actor_mentions", "claim_actors", "claim_themes", "claim_citations", "alignments")


def scaled(tables: dict[str, pd.DataFrame], factor: int) -> dict[str, pd.DataFrame]:
    """The tables with every claim (and its annotation rows) repeated ``factor`` times under distinct ids.

    Copy ``k`` of claim ``r:c00001`` is ``r:c00001~k`` (copy 0 keeps the id); the other tables are unchanged.
    """
    out = dict(tables)

    def repeat(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
        copies = []
        for k in range(factor):
            copy = frame.copy()
            if k:
                for column in columns:
                    if column in copy:
                        copy[column] = copy[column].map(lambda value, k=k: value if pd.isna(value) else f"{value}~{k}")
            copies.append(copy)
        return pd.concat(copies, ignore_index=True)

    if "claims" in tables:
        out["claims"] = repeat(tables["claims"], ("claim_id",))
    for name in CLAIM_TABLES:
        if name in tables:
            out[name] = repeat(tables[name], ("claim_id", "press_claim_id", "report_claim_id"))
    return out


def _most_common(tables: dict[str, pd.DataFrame], table: str, column: str) -> str | None:
    frame = tables.get(table)
    if frame is None or column not in frame or frame.empty:
        return None
    return str(frame[column].value_counts().index[0])


def _searches(tables: dict[str, pd.DataFrame]) -> list[tuple[str, dict]]:
    """The queries, the first few also with a filter the corpus can answer (actor, theme, section, hedged)."""
    filters: list[dict] = [{}]
    if actor := _most_common(tables, "claim_actors", "actor_id"):
        filters.append({"actor": actor})
    if theme := _most_common(tables, "claim_themes", "theme_id"):
        filters.append({"theme": theme})
    numbers = tables["claims"]["section_number"] if "section_number" in tables.get("claims", {}) else []
    if any(str(n).startswith("2") for n in numbers):
        filters.append({"section": "2"})
    if "hedged" in tables.get("claims", {}):
        filters.append({"hedged": True})
    return [(query, filters[i % len(filters)]) for i, query in enumerate(QUERIES)]


def _timed(call, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _size_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return round(sum(p.stat().st_size for p in files) / 1e6, 2)


def measure(tables: dict[str, pd.DataFrame], folder: Path, *, repeats: int = 5, write_datasets: bool = True) -> dict:
    """Figures for one set of tables: datasets write time, database build time and size, query times."""
    figures: dict = {"claims": int(len(tables.get("claims", ())))}
    if write_datasets:
        started = time.perf_counter()
        datasets.write_tables(tables, folder / "datasets")
        datasets.write_dictionary(tables, folder / "datasets")
        figures["datasets_write_s"] = round(time.perf_counter() - started, 3)
        figures["datasets_mb"] = _size_mb(folder / "datasets")
    started = time.perf_counter()
    db = database.build(tables, folder / "corpus.sqlite")
    figures["database_build_s"] = round(time.perf_counter() - started, 3)
    figures["database_mb"] = _size_mb(db)
    runs = _searches(tables)
    times, hits = [], []
    for query, filters in runs:
        times.append(_timed(lambda: search.search(db, query, limit=20, **filters), repeats))
        hits.append(len(search.search(db, query, limit=0, **filters)))
    kwic_times = [_timed(lambda: search.kwic(db, term, limit=0), repeats) for term in KWIC_TERMS]
    figures.update({
        "queries": len(runs),
        "search_median_ms": round(statistics.median(times) * 1000, 2),
        "search_max_ms": round(max(times) * 1000, 2),
        "kwic_median_ms": round(statistics.median(kwic_times) * 1000, 2),
        "median_hits": statistics.median(hits),
    })
    return figures


def search_figures(tables: dict[str, pd.DataFrame], *, factor: int = 100, repeats: int = 5) -> dict:
    """Export and search speed on the corpus (``real``) and on the claims repeated ``factor`` times (``scaled``).

    Search times are medians over ~20 typical queries (each the median of
    ``repeats`` runs of ``search.search(..., limit=20)``, some with a
    filter), measured end to end as a user calls it.
    """
    with tempfile.TemporaryDirectory(prefix="gpc-bench-") as tmp:
        folder = Path(tmp)
        real = measure(tables, folder / "real", repeats=repeats)
        big = measure(scaled(tables, factor), folder / "scaled", repeats=repeats)
    return {"real": real, f"scaled_x{factor}": big}


LABELS = (
    ("claims", "claims", ""), ("datasets_write_s", "write datasets (Parquet+CSV+JSONL+README)", "s"),
    ("datasets_mb", "datasets size", "MB"), ("database_build_s", "build corpus.sqlite (FTS5)", "s"),
    ("database_mb", "database size", "MB"), ("queries", "queries timed", ""),
    ("search_median_ms", "search, median", "ms"), ("search_max_ms", "search, slowest query", "ms"),
    ("kwic_median_ms", "kwic (all hits), median", "ms"), ("median_hits", "median hits per query", ""),
)


def format_figures(figures: dict) -> str:
    """The figures as an aligned table, one column per corpus size."""
    columns = list(figures)
    width = max(len(label) + len(unit) + 3 for _, label, unit in LABELS)
    lines = [f"{'search and exports':<{width}}" + "".join(f"{column:>16}" for column in columns)]
    for key, label, unit in LABELS:
        cells = [figures[column].get(key, "") for column in columns]
        if all(cell == "" for cell in cells):
            continue
        name = f"{label} ({unit})" if unit else label
        lines.append(f"{name:<{width}}" + "".join(f"{cell!s:>16}" for cell in cells))
    return "\n".join(lines)


if __name__ == "__main__":
    from pipeline import runner

    print(format_figures(search_figures(runner.compute().tables)))
