"""The few exception classes a user can cause; the CLI turns each into one line per problem."""

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

    def lines(self) -> list[str]:
        """The message as the lines the CLI prints, one per problem.

        >>> PipelineError("corpus/manifest.yaml", "file not found").lines()
        ['corpus/manifest.yaml: file not found']
        """
        problems = getattr(self, "problems", None)  # set by the schema loaders on any error class
        return [f"{self.where}: {problem}" for problem in problems] if problems else [str(self)]


class InputError(PipelineError):
    """A corpus source or the manifest is missing, empty, unreadable or malformed."""

    exit_code = 2


class SchemaError(PipelineError):
    """An annotation schema file (actors, themes, claim types, overrides) is invalid.

    Carries every problem found in the file, so the user fixes them in one pass.
    """

    exit_code = 3

    def __init__(self, where: object, problems: list[str] | str, *, lines: list[str] | None = None):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self._lines = lines
        super().__init__(where, "; ".join(self.problems))

    def lines(self) -> list[str]:
        """One ``file: entry -> field: message`` line per problem (several files when ``lines`` was given).

        >>> SchemaError("annotations/themes.yaml", ["themes[x] -> label: field required", "groups: must not be empty"]).lines()
        ['annotations/themes.yaml: themes[x] -> label: field required', 'annotations/themes.yaml: groups: must not be empty']
        """
        return list(self._lines) if self._lines else super().lines()


class QueryError(PipelineError):
    """A search query or filter the database cannot answer."""

    exit_code = 4
