"""The runner's reading of which package modules a stage's code depends on (its cache key)."""

from __future__ import annotations

import ast

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
