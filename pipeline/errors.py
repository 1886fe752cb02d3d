"""The few exception classes a user can cause; the CLI turns each into one line."""

from __future__ import annotations


class PipelineError(Exception):
    """An error the user can fix: it names the file (or thing), what is wrong and the fix.

    >>> str(PipelineError("corpus/manifest.yaml", "documents[0] -> kind: 'memo' is not one of report, press_release"))
    "corpus/manifest.yaml: documents[0] -> kind: 'memo' is not one of report, press_release"
    """

    exit_code = 1

    def __init__(self, where: object, problem: str):
        self.where = str(where)
        self.problem = problem
        super().__init__(f"{self.where}: {problem}")


class InputError(PipelineError):
    """A corpus source or the manifest is missing, empty, unreadable or malformed."""

    exit_code = 2


class SchemaError(PipelineError):
    """An annotation schema file (actors, themes, claim types, overrides) is invalid.

    Carries every problem found in the file, so the user fixes them in one pass.
    """

    exit_code = 3

    def __init__(self, where: object, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(where, "; ".join(self.problems))


class QueryError(PipelineError):
    """A search query or filter the database cannot answer."""

    exit_code = 4
