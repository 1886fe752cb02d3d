"""Datasets: the user-facing tables of the dataset contract, written as Parquet.

Parquet is canonical; every table is written with a stable row order and
column order so a rerun over the same input produces identical files.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

DATASET_TABLES = (
    "documents", "sections", "paragraphs", "footnotes", "markers",
    "claims", "actor_mentions", "claim_actors", "claim_themes", "references", "claim_citations",
    "alignments",
)


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """A table as Parquet bytes, without pandas index or timestamps, so identical tables give identical files."""
    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    table = table.replace_schema_metadata(None)
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def write_parquet(tables: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Write every dataset table present in ``tables`` to ``folder/<name>.parquet``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in DATASET_TABLES:
        if name in tables:
            path = folder / f"{name}.parquet"
            path.write_bytes(parquet_bytes(tables[name]))
            written.append(path)
    return written
