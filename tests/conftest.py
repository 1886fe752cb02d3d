"""Shared fixtures: a small project (one short report, the real annotations) built once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline import runner
from pipeline.config import Config
from pipeline.paths import DEFAULT, Paths

SMALL_TEXT = """ 1. INTRODUCTION

The great-power system has been in constant change since the end of the Cold War.1 The West

emerged strong from the bipolar system, and Russia longs for recognition from the US.

Russia sells oil and gas to China, and Washington has imposed new sanctions on Moscow. The sanctions may hurt

the Russian economy.

                                                      

1 Keohane & Nye 1977.
"""

SMALL_MANIFEST = """documents:
  - id: small
    kind: report
    format: pdf_text
    source: small.txt
    title: A small report
    date: 2018-12-12
    publisher: Test Institute
    language: en
"""

# The claims of SMALL_TEXT, as the pipeline segments them.
SMALL_CLAIMS = {
    "small:c00001": "The great-power system has been in constant change since the end of the Cold War.",
    "small:c00002": "The West emerged strong from the bipolar system, and Russia longs for recognition from the US.",
    "small:c00003": "Russia sells oil and gas to China, and Washington has imposed new sanctions on Moscow.",
    "small:c00004": "The sanctions may hurt the Russian economy.",
}


def make_small_project(root: Path) -> Paths:
    """A project under ``root``: the small report and a copy of this checkout's annotations."""
    shutil.copytree(DEFAULT.annotations, root / "annotations")
    (root / "corpus").mkdir(parents=True)
    (root / "corpus" / "small.txt").write_text(SMALL_TEXT, encoding="utf-8")
    (root / "corpus" / "manifest.yaml").write_text(SMALL_MANIFEST, encoding="utf-8")
    (root / "annotations" / "overrides.yaml").write_text("overrides: []\n", encoding="utf-8")
    return Paths(root)


@pytest.fixture(scope="session")
def nlp():
    """The real English model, loaded once for every test that parses text."""
    from pipeline.config import DEFAULT_MODEL
    from pipeline.parse import load_model

    return load_model(DEFAULT_MODEL)


@pytest.fixture(scope="session")
def small_built(tmp_path_factory) -> Path:
    """The small project after one full run (outputs and caches in place)."""
    root = tmp_path_factory.mktemp("small")
    runner.build(make_small_project(root), Config(quiet=True))
    return root


@pytest.fixture
def small_project(small_built, tmp_path) -> Paths:
    """A fresh copy of the built small project, free to edit."""
    root = tmp_path / "project"
    shutil.copytree(small_built, root)
    return Paths(root)
