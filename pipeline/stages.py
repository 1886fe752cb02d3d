"""The pipeline's stages in order, each with the tables, schema files and options it reads.

Adding a stage means adding one line here; the runner does the rest.
"""

from __future__ import annotations

import importlib

from pipeline import actors, citations, claims, evaluate, overrides, parse, schemas, structure, themes
from pipeline.runner import Stage


def _parsed(tables, paths, config):
    return parse.docs(tables["paragraphs"], model=config.model, cache_dir=paths.parse_cache,
                      batch_size=config.batch_size, progress=not config.quiet)


def _structure(tables, *, paths, config):
    return structure.run(tables, model=config.model)


def _parse(tables, *, paths, config):
    return parse.run(tables, model=config.model, cache_dir=paths.parse_cache, batch_size=config.batch_size,
                     progress=not config.quiet, meanwhile=_import_scikit_learn)


def _import_scikit_learn():
    """The themes and align stages' slowest import (1 s of a cold run), done while the model parses."""
    for module in ("sklearn.feature_extraction.text", "sklearn.linear_model", "sklearn.preprocessing"):
        importlib.import_module(module)


def _claims(tables, *, paths, config):
    return claims.run(tables, parsed=_parsed(tables, paths, config), schema=schemas.load_claim_types(paths.claim_types),
                      nlp=parse.load_model(config.model))


def _actors(tables, *, paths, config):
    return actors.run(tables, parsed=_parsed(tables, paths, config), schema=schemas.load_actors(paths.actors),
                      nlp=parse.tokenizer(config.model))


def _themes(tables, *, paths, config):
    # The gold claims are read here, not in the stage: without the file the themes are weakly supervised.
    gold = evaluate.load_gold(paths.gold_claims) if paths.gold_claims.exists() else None
    return themes.run(tables, parsed=_parsed(tables, paths, config), schema=schemas.load_themes(paths.themes),
                      gold=gold, threshold=config.theme_threshold, lexicon_threshold=config.lexicon_threshold,
                      nlp=parse.tokenizer(config.model))


def _overrides(tables, *, paths, config):
    theme_schema = schemas.load_themes(paths.themes)
    return overrides.run(tables, overrides=schemas.load_overrides(paths.overrides),
                         groups={theme.id: theme.group for theme in theme_schema.themes})


def _citations(tables, *, paths, config):
    return citations.run(tables)


def _align(tables, *, paths, config):
    from pipeline import align

    return align.run(tables, weak_threshold=config.weak_support_threshold)


STAGES: list[Stage] = [
    Stage("structure", _structure, reads=("documents", "lines"), options=("model",)),
    Stage("parse", _parse, reads=("paragraphs",), options=("model",)),
    Stage("claims", _claims, reads=("paragraphs", "sections", "markers"), schemas=("claim_types",),
          options=("model",)),
    Stage("actors", _actors, reads=("claims", "paragraphs"), schemas=("actors",), options=("model",)),
    Stage("themes", _themes, reads=("claims", "paragraphs", "claim_actors"), schemas=("themes", "gold_claims"),
          options=("model", "theme_threshold", "lexicon_threshold")),
    Stage("citations", _citations, reads=("footnotes", "paragraphs", "claims")),
    # Manual corrections come last, so every table below (and every output) carries them.
    Stage("overrides", _overrides, reads=("claims", "actor_mentions", "claim_actors", "claim_themes"),
          schemas=("overrides", "themes")),
    Stage("align", _align, reads=("claims", "paragraphs", "claim_actors", "claim_themes", "documents"),
          options=("weak_support_threshold",)),
]
