"""The schema files load with exactly the codebook's ids; bad files give one line per problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from pipeline.errors import InputError, SchemaError
from pipeline.paths import Paths
from pipeline.schemas import (
    load_actors,
    load_claim_types,
    load_manifest,
    load_themes,
    validate_all,
)

CODEBOOK_ACTORS = {
    "CHN", "RUS", "USA", "EU", "WEST", "FIN", "NATO", "UN", "SCO", "EAEU", "BRICS",
    "CENTRAL_ASIA", "UKR", "SYR", "JPN", "IND", "KOR", "OTHER_STATE",
}
CODEBOOK_THEMES = {
    "economy": {"energy", "trade_investment", "sanctions"},
    "security": {"military", "nuclear_arms_control", "technology_cyber"},
    "regions": {"central_asia", "east_asia", "europe", "middle_east", "arctic"},
    "order": {"international_order", "great_power_status", "alignment"},
    "politics": {"domestic_politics", "values_rights", "interference_information", "leadership"},
}
CODEBOOK_CLAIM_TYPES = {"assertion", "prediction", "prescription", "attribution", "question", "meta"}


# ---------------------------------------------------------------- the real files


def test_actors_file_has_exactly_the_codebook_ids():
    schema = load_actors(Paths().actors)
    assert len(schema.actors) == 18 and set(schema.ids) == CODEBOOK_ACTORS
    actors = {actor.id: actor for actor in schema.actors}
    assert "Sino" in actors["CHN"].prefixes and "Kremlin" in actors["RUS"].seats
    assert "Washington, DC" in actors["USA"].exclude and "South China Sea" in actors["CHN"].exclude


def test_themes_file_has_exactly_the_codebook_themes_and_groups():
    schema = load_themes(Paths().themes)
    assert [group.id for group in schema.groups] == list(CODEBOOK_THEMES)
    found: dict[str, set[str]] = {}
    for theme in schema.themes:
        found.setdefault(theme.group, set()).add(theme.id)
        assert theme.label and theme.definition and (theme.cues or theme.patterns)
    assert found == CODEBOOK_THEMES and len(schema.themes) == 18
    assert schema.group_of("sanctions") == "economy"


def test_claim_types_file_has_the_codebook_types_in_priority_order():
    schema = load_claim_types(Paths().claim_types)
    assert set(schema.ids) == CODEBOOK_CLAIM_TYPES and len(schema.claim_types) == 6
    assert [t.id for t in schema.by_priority()] == ["question", "meta", "prescription", "prediction",
                                                    "attribution", "assertion"]
    assert schema.default == "assertion"
    assert {"may", "might", "could", "perhaps", "to some extent"} <= set(schema.hedges)


def test_manifest_and_every_schema_validate():
    manifest = load_manifest(Paths().manifest)
    assert [doc.id for doc in manifest.documents] == ["fiia-2018", "pr-596-2018"]
    assert manifest.document("pr-596-2018").about == "fiia-2018"
    assert validate_all(Paths()) == []


def test_loaded_schemas_are_frozen():
    theme = load_themes(Paths().themes).themes[0]
    with pytest.raises(ValidationError):
        theme.label = "changed"


# ---------------------------------------------------------------- bad input

THEMES = """\
groups:
  - {id: economy, label: Economy}
themes:
  - id: energy
    label: Energy
    group: economy
    definition: oil and gas
    cues: [oil, natural gas]
"""
ACTORS = """\
actors:
  - id: CHN
    label: China
    kind: state
    names: [China]
    seats: [Beijing]
"""
CLAIM_TYPES = """\
claim_types:
  - {id: prediction, label: Prediction, definition: what will happen, priority: 1, cues: [will]}
  - {id: assertion, label: Assertion, definition: how things are, priority: 2, default: true}
hedges: [may]
"""
MANIFEST = """\
documents:
  - id: report
    kind: report
    format: pdf_text
    source: report.txt
    title: A report
    date: 2018-12-12
    publisher: An institute
    language: en
"""

LOADERS = {"themes": (load_themes, THEMES), "actors": (load_actors, ACTORS),
           "claim_types": (load_claim_types, CLAIM_TYPES), "manifest": (load_manifest, MANIFEST)}

# case: (file, edit of the good text, what the one-line problem must say)
BAD = {
    "yaml does not parse": ("themes", lambda t: t.replace("label: Energy", "label: [Energy"),
                            ["YAML does not parse", "line 6, column"]),
    "empty file": ("themes", lambda t: "# only a comment\n", ["file is empty", "groups, themes"]),
    "not a mapping": ("themes", lambda t: "- energy\n- sanctions\n", ["expected a mapping", "got a list"]),
    "unknown key": ("themes", lambda t: t.replace("    cues:", "    colour: red\n    cues:"),
                    ["themes[energy] -> colour: unknown key", "allowed: id, label, group"]),
    "unknown top-level key": ("themes", lambda t: "version: 1\n" + t, ["version: unknown key", "allowed: groups, themes"]),
    "missing label": ("themes", lambda t: t.replace("    label: Energy\n", ""), ["themes[energy] -> label: field required"]),
    "duplicate id": ("themes", lambda t: t + t.split("themes:\n")[1], ["themes[energy] -> id: given 2 times"]),
    "undeclared group": ("themes", lambda t: t.replace("group: economy", "group: econ"),
                         ["themes[energy] -> group: 'econ' is not a declared group", "declared: economy"]),
    "invalid pattern": ("themes", lambda t: t + "    patterns:\n      - [{LOWR: oil}]\n",
                        ["themes[energy] -> patterns[0]: token 0 -> LOWR: extra inputs are not permitted"]),
    "pattern word read as a boolean": ("themes", lambda t: t + "    patterns:\n      - [{LEMMA: base}, {LOWER: on}]\n",
                                       ["themes[energy] -> patterns[0]: token 1 -> LOWER: True is not a word",
                                        "quote it"]),
    "empty cue": ("themes", lambda t: t.replace("[oil, natural gas]", "[oil, '  ']"),
                  ["themes[energy] -> cues[1]: must not be empty"]),
    "cue listed twice": ("themes", lambda t: t.replace("[oil, natural gas]", "[oil, Oil]"),
                         ["themes[energy] -> cues: 'oil' is listed 2 times"]),
    "cues not a list": ("themes", lambda t: t.replace("[oil, natural gas]", "oil"),
                        ["themes[energy] -> cues: expected a list, got text 'oil'"]),
    "key given twice": ("themes", lambda t: t.replace("    group: economy\n", "    group: economy\n    group: economy\n"),
                        ["YAML does not parse: line 7, column 5: key 'group' is given twice"]),
    "theme without cues": ("themes", lambda t: t.replace("    cues: [oil, natural gas]\n", ""),
                           ["themes[energy] -> cues: no cues and no patterns"]),
    "unknown actor kind": ("actors", lambda t: t.replace("kind: state", "kind: country"),
                           ["actors[CHN] -> kind: 'country' is not one of state, organisation, bloc, region, other"]),
    "lower-case actor id": ("actors", lambda t: t.replace("id: CHN", "id: chn"),
                            ["actors[chn] -> id: 'chn' is not a valid id", "upper-case"]),
    "form of two actors": ("actors", lambda t: t + "  - {id: RUS, label: Russia, kind: state, seats: [Beijing]}\n",
                           ["actors[RUS] -> seats: 'Beijing' is also a form of actors[CHN]"]),
    "form listed twice": ("actors", lambda t: t.replace("seats: [Beijing]", "seats: [Beijing, Beijing]"),
                          ["actors[CHN] -> seats: 'Beijing' is also under seats"]),
    "two defaults": ("claim_types", lambda t: t.replace("cues: [will]", "cues: [will], default: true"),
                     ["claim_types -> default: exactly one", "found 2"]),
    "shared priority": ("claim_types", lambda t: t.replace("priority: 2", "priority: 1"),
                        ["claim_types[assertion] -> priority: 1 is also the priority of claim_types[prediction]"]),
    "priority not a number": ("claim_types", lambda t: t.replace("priority: 2", "priority: first"),
                              ["claim_types[assertion] -> priority: expected a whole number, got text 'first'"]),
    "empty hedge": ("claim_types", lambda t: t.replace("[may]", "[may, '']"), ["hedges[1]: must not be empty"]),
    "unknown document kind": ("manifest", lambda t: t.replace("kind: report", "kind: memo"),
                              ["documents[report] -> kind: 'memo' is not one of report, press_release"]),
    "unknown format": ("manifest", lambda t: t.replace("format: pdf_text", "format: docx"),
                       ["documents[report] -> format: 'docx' is not one of pdf, pdf_text, web_text"]),
    "about an unknown document": ("manifest", lambda t: t + t.split("documents:\n")[1].replace("id: report", "id: pr")
                                  .replace("kind: report", "kind: press_release") + "    about: nope\n",
                                  ["documents[pr] -> about: 'nope' is not a document id", "known: report, pr"]),
    "duplicate document id": ("manifest", lambda t: t + t.split("documents:\n")[1], ["documents[report] -> id: given 2 times"]),
    "bad date": ("manifest", lambda t: t.replace("2018-12-12", "12.12.2018"),
                 ["documents[report] -> date: '12.12.2018' is not a date (write YYYY-MM-DD)"]),
}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_a_bad_file_gives_one_line_naming_file_entry_and_problem(tmp_path, case):
    name, edit, says = BAD[case]
    loader, good = LOADERS[name]
    path = _write(tmp_path, name, edit(good))
    error_class = InputError if name == "manifest" else SchemaError
    with pytest.raises(error_class) as caught:
        loader(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    assert caught.value.where == str(path)
    for part in says:
        assert part in message, message


@pytest.mark.parametrize("name", LOADERS)
def test_the_good_tiny_files_load(tmp_path, name):
    loader, good = LOADERS[name]
    assert loader(_write(tmp_path, name, good))


@pytest.mark.parametrize("name", LOADERS)
def test_a_missing_file_is_named(tmp_path, name):
    loader, _ = LOADERS[name]
    with pytest.raises((InputError, SchemaError), match="file not found"):
        loader(tmp_path / "nowhere.yaml")


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    text = THEMES.replace("    label: Energy\n", "").replace("[oil, natural gas]", "[oil, '']") + """\
  - id: energy
    label: Energy again
    group: econ
    definition: duplicate
    cues: [gas]
    patterns: [[{LOWER: {IN: gas}}]]
"""
    with pytest.raises(SchemaError) as caught:
        load_themes(_write(tmp_path, "themes", text))
    problems = caught.value.problems
    for expected in ("themes[energy] -> label: field required",
                     "themes[energy] -> cues[1]: must not be empty",
                     "themes[energy] -> patterns[0]: token 0 -> LOWER -> IN",
                     "themes[energy] -> id: given 2 times",
                     "themes[energy] -> group: 'econ' is not a declared group"):
        assert any(p.startswith(expected) for p in problems), (expected, problems)
    assert len(problems) == 5, problems


def test_validate_all_gives_one_line_per_problem_with_the_file(tmp_path):
    shutil.copytree(Paths().annotations, tmp_path / "annotations", ignore=shutil.ignore_patterns("gold"))
    (tmp_path / "corpus").mkdir()
    shutil.copy(Paths().manifest, tmp_path / "corpus" / "manifest.yaml")
    paths = Paths(tmp_path)
    assert validate_all(paths) == []
    _write(paths.annotations, "themes", THEMES.replace("group: economy", "group: econ").replace("    label: Energy\n", ""))
    paths.manifest.write_text(MANIFEST.replace("kind: report", "kind: memo"), encoding="utf-8")
    lines = validate_all(paths)
    assert lines == [
        f"{paths.manifest}: documents[report] -> kind: 'memo' is not one of report, press_release",
        f"{paths.themes}: themes[energy] -> label: field required",
        f"{paths.themes}: themes[energy] -> group: 'econ' is not a declared group (declared: economy); add it under groups",
    ]
