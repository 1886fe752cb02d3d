"""Every path the project reads or writes, relative to one project root.

The default root is the checkout this package lives in; tests and users can
point a run at another copy (``Paths(tmp_path)``) without touching this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Paths:
    """The project's files and folders under ``root``.

    >>> Paths(Path("/p")).manifest
    PosixPath('/p/corpus/manifest.yaml')
    """

    root: Path = PROJECT_ROOT

    @property
    def corpus(self) -> Path:
        return self.root / "corpus"

    @property
    def manifest(self) -> Path:
        return self.corpus / "manifest.yaml"

    @property
    def annotations(self) -> Path:
        return self.root / "annotations"

    @property
    def actors(self) -> Path:
        return self.annotations / "actors.yaml"

    @property
    def themes(self) -> Path:
        return self.annotations / "themes.yaml"

    @property
    def claim_types(self) -> Path:
        return self.annotations / "claim_types.yaml"

    @property
    def overrides(self) -> Path:
        return self.annotations / "overrides.yaml"

    @property
    def gold(self) -> Path:
        return self.annotations / "gold"

    @property
    def gold_claims(self) -> Path:
        return self.gold / "claims.jsonl"

    @property
    def gold_alignment(self) -> Path:
        return self.gold / "alignment.yaml"

    @property
    def outputs(self) -> Path:
        return self.root / "outputs"

    @property
    def datasets(self) -> Path:
        return self.outputs / "datasets"

    @property
    def exchange(self) -> Path:
        return self.outputs / "exchange"

    @property
    def database(self) -> Path:
        return self.outputs / "corpus.sqlite"

    @property
    def summaries(self) -> Path:
        return self.outputs / "summaries"

    @property
    def figures(self) -> Path:
        return self.outputs / "figures"

    @property
    def report_html(self) -> Path:
        return self.outputs / "report.html"

    @property
    def quality(self) -> Path:
        return self.outputs / "quality.json"

    @property
    def evaluation(self) -> Path:
        return self.outputs / "evaluation.json"

    @property
    def effective_config(self) -> Path:
        return self.outputs / "config.json"

    @property
    def cache(self) -> Path:
        return self.root / ".cache"

    @property
    def parse_cache(self) -> Path:
        return self.cache / "parse"

    @property
    def stage_cache(self) -> Path:
        return self.cache / "stages"


DEFAULT = Paths()
