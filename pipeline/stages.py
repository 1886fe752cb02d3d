"""The pipeline's stages in order, each with the tables, schema files and options it reads.

Adding a stage means adding one line here; the runner does the rest.
"""

from __future__ import annotations

from pipeline import structure
from pipeline.runner import Stage


def _structure(tables, *, paths, config):
    return structure.run(tables, model=config.model)


STAGES: list[Stage] = [
    Stage("structure", _structure, reads=("documents", "lines"), options=("model",)),
]
