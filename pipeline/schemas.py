"""The manifest and the annotation schemas, validated once at load.

Each YAML file has a pydantic model here and a loader that returns the model
or raises with every problem in the file, each as ``entry -> field: message``:

>>> load_themes("annotations/themes.yaml").themes[0].id
'energy'
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from pipeline.errors import InputError, PipelineError, SchemaError
from pipeline.paths import Paths

UPPER_ID, LOWER_ID, DOC_ID = r"^[A-Z][A-Z0-9_]*$", r"^[a-z][a-z0-9_]*$", r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
CLAIM_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]*:c[0-9]+$"
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
UpperId = Annotated[str, StringConstraints(pattern=UPPER_ID)]
LowerId = Annotated[str, StringConstraints(pattern=LOWER_ID)]
DocId = Annotated[str, StringConstraints(pattern=DOC_ID)]
ClaimId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=CLAIM_ID)]


@lru_cache(maxsize=1)
def _blank_vocab():
    from spacy.vocab import Vocab

    return Vocab()  # validating a pattern reads no language data: no need to build a tokenizer (0.15 s)


# Token-pattern keys whose values are words.
WORD_KEYS = frozenset({"ORTH", "TEXT", "LOWER", "LEMMA", "NORM"})


def _check_token_pattern(pattern: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validate one spaCy Matcher pattern, raising ValueError with a one-line message."""
    from spacy.matcher import Matcher

    if misread := _yaml_boolean(pattern):
        raise ValueError(misread)
    try:
        Matcher(_blank_vocab(), validate=True).add("pattern", [pattern])
    except Exception as err:  # spaCy raises MatchPatternError or ValueError
        raise ValueError(_one_line_spacy_error(err)) from None
    return pattern


def _yaml_boolean(pattern: list[dict[str, Any]]) -> str | None:
    """The problem of a word YAML read as true or false (an unquoted ``on``, ``off``, ``yes`` or ``no``), if any.

    >>> _yaml_boolean([{"LEMMA": "base"}, {"LOWER": True}])
    "token 1 -> LOWER: True is not a word: YAML reads an unquoted on, off, yes or no as true or false; quote it ('on')"
    """
    for number, token in enumerate(pattern):
        for key, value in token.items() if isinstance(token, dict) else ():
            words = [*value.get("IN", []), *value.get("NOT_IN", [])] if isinstance(value, dict) else [value]
            if str(key).upper() in WORD_KEYS and any(isinstance(word, bool) for word in words):
                return (f"token {number} -> {key}: {value!r} is not a word: YAML reads an unquoted on, off, yes or no "
                        "as true or false; quote it ('on')")
    return None


def _one_line_spacy_error(err: Exception) -> str:
    by_path: dict[str, list[str]] = {}
    for where, msg in re.findall(r"^- \[pattern -> (.*?)\] (.*)$", str(err), flags=re.M):
        # drop spaCy's internal type names ("LOWER -> TokenPatternString -> IN" is "LOWER -> IN")
        path = " -> ".join(p for p in where.split(" -> ") if not re.fullmatch(r"TokenPattern\w*|str|int|float|bool|.*[\[-].*", p))
        msg = re.sub(r" or instance of \w+", "", msg)
        by_path.setdefault(path, []).append(msg[0].lower() + msg[1:])
    # of the alternatives spaCy tried for one value, the deepest says what is wrong
    deepest = [path for path in by_path if not any(other.startswith(path + " ->") for other in by_path)]
    if deepest:
        return "; ".join(f"token {path}: {', or '.join(dict.fromkeys(by_path[path]))}" for path in deepest)
    first = str(err).strip().splitlines()[0]
    return "invalid spaCy token pattern: " + re.sub(r"^\[E\d+\]\s*", "", first)


TokenPattern = Annotated[list[dict[str, Any]], AfterValidator(_check_token_pattern)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- manifest


class ManifestDocument(_Frozen):
    """One source in ``corpus/manifest.yaml``; ``source`` is relative to the manifest's folder."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)

    id: DocId
    kind: Literal["report", "press_release"]
    format: Literal["pdf", "pdf_text", "web_text"]
    source: Text
    title: Text
    date: datetime.date
    publisher: Text
    language: Text
    number: Text | None = None
    series: Text | None = None
    about: DocId | None = None


class Manifest(_Frozen):
    """The corpus: its documents in order."""

    documents: tuple[ManifestDocument, ...] = Field(min_length=1)

    def document(self, doc_id: str) -> ManifestDocument:
        """The document with this id.

        >>> load_manifest("corpus/manifest.yaml").document("fiia-2018").kind
        'report'
        """
        return {doc.id: doc for doc in self.documents}[doc_id]


# ---------------------------------------------------------------- actors

SURFACE_FIELDS = ("names", "adjectives", "prefixes", "seats", "leaders", "bodies")


class Actor(_Frozen):
    """An actor id with its surface forms, matched case-sensitively token by token."""

    id: UpperId
    label: Text
    kind: Literal["state", "organisation", "bloc", "region", "other"]
    names: tuple[Text, ...] = ()
    adjectives: tuple[Text, ...] = ()
    prefixes: tuple[Text, ...] = ()
    seats: tuple[Text, ...] = ()
    leaders: tuple[Text, ...] = ()
    bodies: tuple[Text, ...] = ()
    patterns: tuple[TokenPattern, ...] = ()
    exclude: tuple[Text, ...] = ()

    def forms(self) -> list[tuple[str, str]]:
        """Every surface form with the field it comes from, in file order.

        >>> Actor(id="FIN", label="Finland", kind="state", names=["Finland"], seats=["Helsinki"]).forms()
        [('names', 'Finland'), ('seats', 'Helsinki')]
        """
        return [(field, form) for field in SURFACE_FIELDS for form in getattr(self, field)]


class ActorSchema(_Frozen):
    """``annotations/actors.yaml``."""

    actors: tuple[Actor, ...] = Field(min_length=1)

    @property
    def ids(self) -> list[str]:
        """The actor ids in file order.

        >>> load_actors("annotations/actors.yaml").ids[:3]
        ['CHN', 'RUS', 'USA']
        """
        return [actor.id for actor in self.actors]


# ---------------------------------------------------------------- themes


class ThemeGroup(_Frozen):
    """A group of themes, the upper level of the theme hierarchy."""

    id: LowerId
    label: Text
    description: Text | None = None


class Theme(_Frozen):
    """A theme: cues (matched on lemma or form, see ``pipeline.cues``) and optional token patterns."""

    id: LowerId
    label: Text
    group: LowerId
    definition: Text
    cues: tuple[Text, ...] = ()
    patterns: tuple[TokenPattern, ...] = ()


class ThemeSchema(_Frozen):
    """``annotations/themes.yaml``."""

    groups: tuple[ThemeGroup, ...] = Field(min_length=1)
    themes: tuple[Theme, ...] = Field(min_length=1)

    @property
    def ids(self) -> list[str]:
        """The theme ids in file order.

        >>> load_themes("annotations/themes.yaml").ids[:2]
        ['energy', 'trade_investment']
        """
        return [theme.id for theme in self.themes]

    def group_of(self, theme_id: str) -> str:
        """The group id of a theme.

        >>> load_themes("annotations/themes.yaml").group_of("sanctions")
        'economy'
        """
        return {theme.id: theme.group for theme in self.themes}[theme_id]


# ---------------------------------------------------------------- claim types


class ClaimType(_Frozen):
    """A claim type; when several types' cues fire (in the main clause, if any do), the lowest ``priority`` wins."""

    id: LowerId
    label: Text
    definition: Text
    priority: int
    default: bool = False
    main_clause: bool = False
    cues: tuple[Text, ...] = ()
    patterns: tuple[TokenPattern, ...] = ()


class ClaimTypeSchema(_Frozen):
    """``annotations/claim_types.yaml``: the claim types and the hedging cues."""

    claim_types: tuple[ClaimType, ...] = Field(min_length=1)
    hedges: tuple[Text, ...] = ()

    @property
    def ids(self) -> list[str]:
        """The claim-type ids in file order.

        >>> "assertion" in load_claim_types("annotations/claim_types.yaml").ids
        True
        """
        return [claim_type.id for claim_type in self.claim_types]

    @property
    def default(self) -> str:
        """The id given to a claim no cue fires on.

        >>> load_claim_types("annotations/claim_types.yaml").default
        'assertion'
        """
        return next(claim_type.id for claim_type in self.claim_types if claim_type.default)

    def by_priority(self) -> list[ClaimType]:
        """The claim types, the one that wins first.

        >>> [t.id for t in load_claim_types("annotations/claim_types.yaml").by_priority()][0]
        'question'
        """
        return sorted(self.claim_types, key=lambda claim_type: claim_type.priority)


# ---------------------------------------------------------------- overrides

ROLES = ("agent", "target", "mentioned")
OVERRIDE_ACTIONS = ("add_actors", "remove_actors", "add_themes", "remove_themes", "claim_type", "hedged")


class ActorChange(_Frozen):
    """An actor an override adds to a claim (or whose role it sets), with its role."""

    actor: UpperId
    role: Literal["agent", "target", "mentioned"] = "mentioned"


class Override(_Frozen):
    """One manual correction of one claim, applied after every annotation stage (``pipeline.overrides``).

    The claim is selected by ``claim_id``, or by ``text``: the claim's exact text, compared with runs of
    whitespace folded to one space, optionally only in document ``doc`` (a text survives re-segmentation
    and renumbering elsewhere in the document; an id does not).
    """

    claim_id: ClaimId | None = None
    text: Text | None = None
    doc: DocId | None = None
    add_actors: tuple[ActorChange, ...] = ()
    remove_actors: tuple[UpperId, ...] = ()
    add_themes: tuple[LowerId, ...] = ()
    remove_themes: tuple[LowerId, ...] = ()
    claim_type: LowerId | None = None
    hedged: bool | None = None
    note: Text | None = None

    @field_validator("add_actors", mode="before")
    @classmethod
    def _bare_ids(cls, value):
        """``add_actors: [CHN]`` is short for ``add_actors: [{actor: CHN, role: mentioned}]``."""
        return [{"actor": item} if isinstance(item, str) else item for item in value] \
            if isinstance(value, list) else value

    @property
    def selector(self) -> str:
        """How the entry picks its claim, as one line: ``claim_id=...`` or ``text="..."`` (and ``doc=...``).

        >>> Override(text="Russia  longs for recognition.", doc="fiia-2018", hedged=False).selector
        'text="Russia longs for recognition." doc=fiia-2018'
        """
        if self.claim_id:
            return f"claim_id={self.claim_id}"
        return f'text="{" ".join(self.text.split())}"' + (f" doc={self.doc}" if self.doc else "")


class OverrideSchema(_Frozen):
    """``annotations/overrides.yaml``: the manual corrections, applied in file order (a later entry wins)."""

    overrides: tuple[Override, ...] = ()

    @field_validator("overrides", mode="before")
    @classmethod
    def _none_is_empty(cls, value):
        return () if value is None else value


# ---------------------------------------------------------------- reading and reporting


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """A safe loader that refuses a key given twice in one mapping (PyYAML would keep the last).

    Built on libyaml when PyYAML has it (about ten times faster than the pure-Python parser: the
    schema files are read at the start of every run, so this is part of every schema-only rerun).
    """

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = repr(self.construct_object(key_node, deep=True))
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key} is given twice in one mapping", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _read_yaml(path: Path, top_keys: list[str]) -> tuple[dict | None, str | None]:
    """The file's top-level mapping, or None and the problem that stops reading it."""
    expected = f"expected a mapping with the key(s) {', '.join(top_keys)}"
    if not path.is_file():
        return None, f"file not found ({expected})"
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except UnicodeDecodeError:
        return None, "not UTF-8 text; save the file as UTF-8"
    except yaml.YAMLError as err:
        return None, _yaml_problem(err)
    if data is None:
        return None, f"file is empty ({expected})"
    if not isinstance(data, dict):
        return None, f"{expected}, got {_describe(data)}"
    return data, None


def _yaml_problem(err: yaml.YAMLError) -> str:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    what = getattr(err, "problem", None) or str(err).splitlines()[0]
    context = getattr(err, "context", None)
    return f"YAML does not parse: {where}{what}" + (f" ({context})" if context else "")


def _describe(value: object) -> str:
    kinds = {dict: "a mapping", list: "a list", str: "text", bool: "true/false", type(None): "nothing"}
    kind = kinds.get(type(value), type(value).__name__)
    shown = repr(value) if isinstance(value, (str, int, float, date)) else ""
    return f"{kind} {shown[:50]}".strip()


_ID_RULES = {
    UPPER_ID: "use upper-case letters, digits and _ (e.g. OTHER_STATE)",
    LOWER_ID: "use lower-case letters, digits and _ (e.g. trade_investment)",
    DOC_ID: "use letters, digits, '.', '_' and '-' (e.g. pr-596-2018)",
    CLAIM_ID: "write <doc_id>:c<number> as in claims.claim_id (e.g. fiia-2018:c00042)",
}
_WANTED = {"string": "text", "list": "a list", "tuple": "a list", "dict": "a mapping", "model": "a mapping",
           "int": "a whole number", "bool": "true or false"}


def _message(error: dict) -> str:
    """Pydantic's error as a short message in the user's terms."""
    kind, given, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == "missing":
        return "field required"
    if kind == "literal_error":
        allowed = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
        return f"{given!r} is not one of {allowed}"
    if kind in ("string_too_short", "too_short"):
        return "must not be empty"
    if kind == "string_pattern_mismatch":
        return f"{given!r} is not a valid id: {_ID_RULES.get(ctx.get('pattern'), ctx.get('pattern'))}"
    base = kind.split("_", 1)[0]
    if base in _WANTED and (kind.endswith("_type") or kind.endswith("_parsing") or kind.startswith("int_")):
        return f"expected {_WANTED[base]}, got {_describe(given)}"
    if kind.startswith("date"):
        return f"{given!r} is not a date (write YYYY-MM-DD)"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return error["msg"][0].lower() + error["msg"][1:]


def _entry_name(data: dict, key: str, index: int) -> str:
    """``themes[energy]`` when the entry has an id, else ``themes[3]``."""
    entries = data.get(key)
    entry = entries[index] if isinstance(entries, list) and index < len(entries) else None
    entry_id = entry.get("id") if isinstance(entry, dict) else None
    return f"{key}[{entry_id}]" if isinstance(entry_id, (str, int)) and entry_id != "" else f"{key}[{index}]"


def _field_path(parts: tuple) -> str:
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else ("." if path else "") + str(part)
    return path


def _pydantic_problems(err: ValidationError, data: dict, model: type[BaseModel]) -> list[str]:
    errors = err.errors()
    problems = []
    for error in errors:
        loc = error["loc"]
        if error["type"] == "too_short" and any(e["loc"][: len(loc)] == loc and len(e["loc"]) > len(loc) for e in errors):
            continue  # pydantic also calls a tuple too short when one of its entries fails
        message = _message(error)
        if error["type"] == "extra_forbidden":
            owner = model if len(loc) == 1 else _entry_model(model, loc[0]) if len(loc) == 3 else None
            message = "unknown key" + (f" (allowed: {', '.join(owner.model_fields)})" if owner else "")
        problems.append(f"{_locate(loc, data)}: {message}")
    return problems


def _locate(loc: tuple, data: dict) -> str:
    """``themes[energy] -> label`` for pydantic's ``('themes', 0, 'label')``."""
    if len(loc) >= 2 and isinstance(loc[1], int):
        field = _field_path(loc[2:])
        return _entry_name(data, loc[0], loc[1]) + (f" -> {field}" if field else "")
    return _field_path(loc)


def _entry_model(model: type[BaseModel], key: str) -> type[BaseModel] | None:
    """The model of the entries listed under ``key`` (``Theme`` for ``themes``)."""
    annotation = model.model_fields[key].annotation if key in model.model_fields else None
    args = getattr(annotation, "__args__", ())
    return args[0] if args and isinstance(args[0], type) and issubclass(args[0], BaseModel) else None


def _load(path: str | Path, model: type[BaseModel], check, error_class: type[PipelineError]):
    """Read, validate and cross-check one file; raise error_class with every problem found."""
    data, problem = _read_yaml(Path(path), list(model.model_fields))
    if problem:
        raise _error(error_class, path, [problem])
    validated, problems = None, []
    try:
        validated = model.model_validate(data)
    except ValidationError as err:
        problems += _pydantic_problems(err, data, model)
    problems += check(data)
    if problems:
        raise _error(error_class, path, problems)
    return validated


def _error(error_class: type[PipelineError], path: str | Path, problems: list[str]) -> PipelineError:
    if issubclass(error_class, SchemaError):
        return error_class(path, problems)
    err = error_class(path, "; ".join(problems))
    err.problems = problems  # validate_all reports one line per problem for every file
    return err


# ---------------------------------------------------------------- cross-entry checks


def _entries(data: dict, key: str) -> list[tuple[str, dict]]:
    """(name, entry) for every mapping listed under ``key``."""
    entries = data.get(key)
    if not isinstance(entries, list):
        return []
    return [(_entry_name(data, key, i), entry) for i, entry in enumerate(entries) if isinstance(entry, dict)]


def _strings(entry: dict, field: str) -> list[str]:
    values = entry.get(field)
    return [v.strip() for v in values if isinstance(v, str)] if isinstance(values, list) else []


def _duplicate_ids(data: dict, key: str) -> list[str]:
    counts = Counter(entry.get("id") for _, entry in _entries(data, key) if isinstance(entry.get("id"), str))
    return [f"{key}[{i}] -> id: given {n} times; ids must be unique" for i, n in counts.items() if n > 1]


def _duplicate_cues(data: dict, key: str) -> list[str]:
    problems = []
    for name, entry in _entries(data, key):
        counts = Counter(cue.lower() for cue in _strings(entry, "cues"))
        problems += [f"{name} -> cues: {cue!r} is listed {n} times" for cue, n in counts.items() if n > 1]
    return problems


def _manifest_checks(data: dict) -> list[str]:
    ids = [entry.get("id") for _, entry in _entries(data, "documents")]
    problems = _duplicate_ids(data, "documents")
    for name, entry in _entries(data, "documents"):
        about = entry.get("about")
        if about is not None and about not in ids:
            known = ", ".join(str(i) for i in ids if i is not None)
            problems.append(f"{name} -> about: {about!r} is not a document id of this manifest (known: {known})")
    return problems


def _actor_checks(data: dict) -> list[str]:
    """Duplicate ids, and surface forms listed twice, within one actor or across two."""
    problems, owners = _duplicate_ids(data, "actors"), {}
    for name, entry in _entries(data, "actors"):
        for field in SURFACE_FIELDS:
            for form in _strings(entry, field):
                owner = owners.setdefault(form, (name, field))
                if owner == (name, field) and _strings(entry, field).count(form) < 2:
                    continue
                where = f"also under {owner[1]}" if owner[0] == name else f"also a form of {owner[0]}"
                problem = f"{name} -> {field}: {form!r} is {where}; a form may be listed once, for one actor"
                problems += [problem] if problem not in problems else []
    return problems


def _theme_checks(data: dict) -> list[str]:
    groups = [entry.get("id") for _, entry in _entries(data, "groups")]
    problems = _duplicate_ids(data, "groups") + _duplicate_ids(data, "themes") + _duplicate_cues(data, "themes")
    for name, entry in _entries(data, "themes"):
        group = entry.get("group")
        if isinstance(group, str) and group not in groups:
            declared = ", ".join(str(g) for g in groups)
            problems.append(f"{name} -> group: {group!r} is not a declared group (declared: {declared}); add it under groups")
        if not entry.get("cues") and not entry.get("patterns"):
            problems.append(f"{name} -> cues: no cues and no patterns, so the theme can never be tagged")
    return problems


def _claim_type_checks(data: dict) -> list[str]:
    entries = _entries(data, "claim_types")
    problems = _duplicate_ids(data, "claim_types") + _duplicate_cues(data, "claim_types")
    first_with: dict[int, str] = {}
    for name, entry in entries:
        priority = entry.get("priority")
        if isinstance(priority, int) and first_with.setdefault(priority, name) != name:
            problems.append(f"{name} -> priority: {priority} is also the priority of {first_with[priority]}; each claim type needs its own")
    defaults = [name for name, entry in entries if entry.get("default") is True]
    if entries and len(defaults) != 1:
        found = f"found {len(defaults)}" + (f": {', '.join(defaults)}" if defaults else "")
        problems.append(f"claim_types -> default: exactly one claim type needs `default: true` ({found})")
    counts = Counter(hedge.lower() for hedge in _strings(data, "hedges"))
    return problems + [f"hedges: {hedge!r} is listed {n} times" for hedge, n in counts.items() if n > 1]


def _override_checks(known: dict[str, list[str]]):
    """Selector and action rules, and (for each kind in ``known``) ids the other files declare."""
    where = {"actors": "annotations/actors.yaml", "themes": "annotations/themes.yaml",
             "claim_types": "annotations/claim_types.yaml", "documents": "corpus/manifest.yaml"}

    def unknown(name: str, field: str, value, kind: str) -> list[str]:
        if kind not in known or not isinstance(value, str) or value in known[kind]:
            return []
        return [f"{name} -> {field}: {value!r} is not declared in {where[kind]} (known: {', '.join(known[kind])})"]

    def check(data: dict) -> list[str]:
        problems = []
        for name, entry in _entries(data, "overrides"):
            has_id, has_text = bool(entry.get("claim_id")), bool(entry.get("text"))
            if has_id == has_text:
                problems.append(f"{name}: give claim_id or text, not both" if has_id else
                                f"{name}: no claim selected; give claim_id (e.g. fiia-2018:c00042) or text "
                                "(the claim's exact sentence)")
            if has_id and entry.get("doc"):
                problems.append(f"{name} -> doc: only narrows a text selector; the claim_id already names the document")
            if not any(entry.get(action) not in (None, [], "") for action in OVERRIDE_ACTIONS):
                problems.append(f"{name}: no correction given; add one of {', '.join(OVERRIDE_ACTIONS)}")
            claim_id = entry.get("claim_id")
            if isinstance(claim_id, str) and re.match(CLAIM_ID, claim_id.strip()) and "documents" in known \
                    and claim_id.strip().split(":")[0] not in known["documents"]:
                problems.append(f"{name} -> claim_id: document {claim_id.strip().split(':')[0]!r} is not declared "
                                f"in corpus/manifest.yaml (known: {', '.join(known['documents'])})")
            problems += unknown(name, "doc", entry.get("doc"), "documents")
            problems += unknown(name, "claim_type", entry.get("claim_type"), "claim_types")
            added = [item.get("actor") if isinstance(item, dict) else item for item in _list(entry, "add_actors")]
            for i, actor in enumerate(added):
                problems += unknown(name, f"add_actors[{i}]", actor, "actors")
            for field, kind, added_ids in (("remove_actors", "actors", added),
                                           ("add_themes", "themes", []),
                                           ("remove_themes", "themes", _list(entry, "add_themes"))):
                for i, value in enumerate(_list(entry, field)):
                    problems += unknown(name, f"{field}[{i}]", value, kind)
                    if value in added_ids:
                        problems.append(f"{name} -> {field}[{i}]: {value!r} is both added and removed by this entry")
        return problems

    return check


def _list(entry: dict, field: str) -> list:
    value = entry.get(field)
    return value if isinstance(value, list) else []


# ---------------------------------------------------------------- public loaders


def load_manifest(path: str | Path) -> Manifest:
    """The validated corpus manifest; raises InputError naming every problem.

    >>> [doc.id for doc in load_manifest("corpus/manifest.yaml").documents]
    ['fiia-2018', 'pr-596-2018']
    """
    return _load(path, Manifest, _manifest_checks, InputError)


def load_actors(path: str | Path) -> ActorSchema:
    """The validated actor schema; raises SchemaError naming every problem.

    >>> load_actors("annotations/actors.yaml").actors[0].names[0]
    'China'
    """
    return _load(path, ActorSchema, _actor_checks, SchemaError)


def load_themes(path: str | Path) -> ThemeSchema:
    """The validated theme schema; raises SchemaError naming every problem.

    >>> schema = load_themes("annotations/themes.yaml")
    >>> [group.id for group in schema.groups]
    ['economy', 'security', 'regions', 'order', 'politics']
    """
    return _load(path, ThemeSchema, _theme_checks, SchemaError)


def load_claim_types(path: str | Path) -> ClaimTypeSchema:
    """The validated claim-type schema and hedging cues; raises SchemaError naming every problem.

    >>> [t.id for t in load_claim_types("annotations/claim_types.yaml").by_priority()][:2]
    ['question', 'meta']
    """
    return _load(path, ClaimTypeSchema, _claim_type_checks, SchemaError)


def load_overrides(path: str | Path, *, known: dict[str, list[str]] | None = None) -> OverrideSchema:
    """The validated manual corrections; no file means none. Raises SchemaError naming every problem.

    ``known`` maps ``actors``, ``themes``, ``claim_types`` and ``documents`` to the ids the other files
    declare, so an override naming an undeclared id is refused (``validate_all`` passes them).

    >>> load_overrides("annotations/overrides.yaml").overrides
    ()
    """
    if not Path(path).exists():
        return OverrideSchema()
    return _load(path, OverrideSchema, _override_checks(known or {}), SchemaError)


def validate_all(paths: Paths) -> list[str]:
    """Load the manifest, every schema file and the overrides; one line per problem, empty when all is well.

    >>> validate_all(Paths())
    []
    """
    loaders = [("documents", paths.manifest, load_manifest), ("actors", paths.actors, load_actors),
               ("themes", paths.themes, load_themes), ("claim_types", paths.claim_types, load_claim_types)]
    lines, known = [], {}
    for kind, path, loader in loaders:
        try:
            loaded = loader(path)
        except PipelineError as err:
            lines += [f"{err.where}: {problem}" for problem in getattr(err, "problems", [err.problem])]
        else:
            known[kind] = list(loaded.ids) if hasattr(loaded, "ids") else [doc.id for doc in loaded.documents]
    try:
        load_overrides(paths.overrides, known=known)
    except PipelineError as err:
        lines += [f"{err.where}: {problem}" for problem in err.problems]
    return lines
