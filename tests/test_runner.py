"""The runner's stage cache key (the package modules a stage's code depends on, table digests) and its
garbage collector setting."""

from __future__ import annotations

import ast
import gc

import pandas as pd
import pytest

from pipeline import runner


def parsed_imports(source: str) -> set[str]:
    """What the package imports of ``source`` are, read from its syntax tree."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "pipeline":
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pipeline."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[1] for alias in node.names if alias.name.startswith("pipeline."))
    return found


@pytest.mark.parametrize("module", sorted(path.stem for path in runner.PACKAGE.glob("*.py")))
def test_no_import_of_a_package_module_is_missed(module):
    source = (runner.PACKAGE / f"{module}.py").read_text(encoding="utf-8")
    read = runner.imported_names(source)
    assert parsed_imports(source) <= read
    assert read - parsed_imports(source) <= {"bench"}  # bench.py's script for a new process imports bench


def test_every_form_of_import_is_read():
    source = ("from pipeline import (\n    a,  # why\n    b as c,\n)\nimport pipeline.d as dd, os, pipeline.e\n"
              "def f():\n    from pipeline.g.h import i  # noqa\n    import json\n")
    assert runner.imported_names(source) == parsed_imports(source) == {"a", "b", "d", "e", "g"}


def test_a_stage_digest_reads_the_helpers_it_calls_and_the_modules_they_name():
    from pipeline import stages

    sources, modules = runner._stage_code(stages._parse)
    assert any("def _import_scikit_learn" in source for source in sources)  # passed on, not called, by _parse
    assert "parse" in modules
    sources, modules = runner._stage_code(stages._align)
    assert {"align"} <= modules  # imported inside the function


def test_a_table_digest_tells_types_and_values_apart():
    table = pd.DataFrame({"n": [1, 0], "notes": [[1, 2], []]})
    digest = runner.frame_digest(table)
    assert runner.frame_digest(table.copy()) == digest
    assert runner.frame_digest(table.astype({"n": bool})) != digest
    assert runner.frame_digest(table.assign(notes=[[1], [2]])) != digest


def test_fewer_collections_leaves_the_collector_as_it_found_it():
    before = gc.get_threshold()
    with runner.fewer_collections():
        assert gc.get_freeze_count() > 0 and gc.get_threshold()[0] == 100_000
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    gc.freeze()
    try:
        with runner.fewer_collections():
            pass
        assert gc.get_freeze_count() > 0  # frozen by the process, not by the run
    finally:
        gc.unfreeze()
