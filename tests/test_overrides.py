"""Manual corrections: the overrides schema, the stage, and a run that applies them and reports the unmatched."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from conftest import SMALL_CLAIMS
from pipeline import overrides, runner, stages
from pipeline.config import Config
from pipeline.errors import SchemaError
from pipeline.paths import DEFAULT, Paths
from pipeline.schemas import OverrideSchema, load_overrides, validate_all

# --------------------------------------------------------------------------- inline tables

CLAIMS = pd.DataFrame({
    "claim_id": ["d:c1", "d:c2", "e:c1"], "doc_id": ["d", "d", "e"],
    "text": ["Russia sells gas.", "Moscow  and\nBeijing agree.", "Russia sells gas."],
    "claim_type": ["assertion", "assertion", "assertion"], "hedged": [False, False, False],
})
MENTIONS = pd.DataFrame({
    "claim_id": ["d:c1", "d:c2", "d:c2", "e:c1"], "actor_id": ["RUS", "RUS", "CHN", "RUS"],
    "surface": ["Russia", "Moscow", "Beijing", "Russia"], "start": [0, 20, 31, 50], "end": [6, 26, 38, 56],
    "role": ["agent", "agent", "mentioned", "agent"], "method": ["rule", "rule", "ner", "rule"],
    "form": ["names", "seats", "GPE", "names"],
})
ACTORS = pd.DataFrame({"claim_id": ["d:c1", "d:c2", "d:c2", "e:c1"], "actor_id": ["RUS", "RUS", "CHN", "RUS"],
                       "role": ["agent", "agent", "mentioned", "agent"]})
THEMES = pd.DataFrame({"claim_id": ["d:c1", "d:c2"], "theme_id": ["energy", "alignment"],
                       "group": ["economy", "order"], "score": [0.75, 0.5], "method": ["lexicon", "model"],
                       "evidence": [["gas"], []]})
GROUPS = {"energy": "economy", "alignment": "order", "sanctions": "economy"}


def tables() -> dict[str, pd.DataFrame]:
    return {"claims": CLAIMS.copy(), "actor_mentions": MENTIONS.copy(), "claim_actors": ACTORS.copy(),
            "claim_themes": THEMES.copy()}


def apply(*entries: dict) -> dict[str, pd.DataFrame]:
    return overrides.apply(tables(), OverrideSchema.model_validate({"overrides": list(entries)}), groups=GROUPS)


def test_no_overrides_changes_nothing_but_adds_the_method_columns():
    out = apply()
    pd.testing.assert_frame_equal(out["claim_themes"], THEMES)
    pd.testing.assert_frame_equal(out["actor_mentions"], MENTIONS)
    assert out["claim_actors"]["method"].tolist() == ["rule", "rule", "ner", "rule"]
    assert set(out["claims"]["type_method"]) == set(out["claims"]["hedged_method"]) == {"rule"}
    assert out["override_log"].empty and list(out["override_log"].columns) == list(overrides.LOG_COLUMNS)


def test_every_kind_of_correction_by_claim_id():
    out = apply({"claim_id": "d:c2", "add_actors": [{"actor": "USA", "role": "target"}, {"actor": "CHN", "role": "agent"}],
                 "remove_actors": ["RUS"], "add_themes": ["sanctions"], "remove_themes": ["alignment"],
                 "claim_type": "prediction", "hedged": True, "note": "AK: test"})
    actors = out["claim_actors"]
    assert actors[actors.claim_id == "d:c2"][["actor_id", "role", "method"]].values.tolist() == [
        ["CHN", "agent", "override"], ["USA", "target", "override"]]
    themes = out["claim_themes"]
    assert themes[themes.claim_id == "d:c2"][["theme_id", "group", "score", "method"]].values.tolist() == [
        ["sanctions", "economy", 1.0, "override"]]
    claim = out["claims"].set_index("claim_id").loc["d:c2"]
    assert (claim.claim_type, claim.hedged, claim.type_method, claim.hedged_method) == (
        "prediction", True, "override", "override")
    # the removed actor's mentions go with it; the other claims are untouched
    assert ("d:c2", "RUS") not in set(zip(out["actor_mentions"].claim_id, out["actor_mentions"].actor_id))
    assert len(out["actor_mentions"]) == 3
    assert out["claims"].set_index("claim_id").loc["d:c1", "type_method"] == "rule"
    log = out["override_log"]
    assert log[["action", "value", "previous", "status"]].fillna("-").values.tolist() == [
        ["remove_actor", "RUS", "-", "applied"], ["add_actor", "USA (target)", "-", "applied"],
        ["add_actor", "CHN (agent)", "mentioned", "applied"], ["remove_theme", "alignment", "-", "applied"],
        ["add_theme", "sanctions", "-", "applied"], ["claim_type", "prediction", "assertion", "applied"],
        ["hedged", "true", "false", "applied"]]
    assert set(log.note) == {"AK: test"} and set(log.claim_id) == {"d:c2"}


def test_text_selects_on_normalised_whitespace_and_doc_narrows_it():
    out = apply({"text": "Moscow and Beijing  agree.", "hedged": True},
                {"text": "Russia sells gas.", "add_themes": ["sanctions"]},
                {"text": "Russia sells gas.", "doc": "e", "claim_type": "prediction"})
    log = out["override_log"]
    assert log[["override", "claim_id", "status"]].values.tolist() == [
        [0, "d:c2", "applied"], [1, "d:c1", "applied"], [1, "e:c1", "applied"], [2, "e:c1", "applied"]]
    assert log.selector.tolist()[0] == 'text="Moscow and Beijing agree."'
    assert out["claims"].claim_type.tolist() == ["assertion", "assertion", "prediction"]


def test_unmatched_and_no_op_are_logged_never_dropped():
    out = apply({"claim_id": "d:c9", "add_themes": ["energy"], "note": "stale"},
                {"text": "A sentence that is gone.", "hedged": True},
                {"claim_id": "d:c1", "add_themes": ["energy"], "remove_actors": ["USA"], "hedged": False})
    log = out["override_log"]
    assert log[["override", "status"]].values.tolist() == [
        [0, "unmatched"], [1, "unmatched"], [2, "no-op"], [2, "no-op"], [2, "no-op"]]
    assert log.claim_id.isna().tolist()[:2] == [True, True]
    pd.testing.assert_frame_equal(out["claim_themes"], THEMES)
    counts = overrides.summary(log)
    assert (counts["entries"], counts["applied"], counts["no-op"], counts["unmatched"]) == (3, 0, 3, 2)
    assert counts["unmatched_entries"] == [{"override": 0, "selector": "claim_id=d:c9", "note": "stale"},
                                           {"override": 1, "selector": 'text="A sentence that is gone."', "note": None}]


def test_a_later_entry_wins_and_an_actor_added_back_keeps_no_stale_mention():
    out = apply({"claim_id": "d:c1", "remove_actors": ["RUS"], "add_themes": ["sanctions"]},
                {"claim_id": "d:c1", "add_actors": ["RUS"], "remove_themes": ["sanctions"]})
    actors = out["claim_actors"]
    assert actors[actors.claim_id == "d:c1"][["actor_id", "role", "method"]].values.tolist() == [
        ["RUS", "mentioned", "override"]]
    assert "sanctions" not in set(out["claim_themes"].theme_id)
    assert out["override_log"].status.tolist() == ["applied"] * 4


def test_inputs_are_not_mutated_and_output_is_deterministic():
    given = tables()
    before = {name: frame.copy(deep=True) for name, frame in given.items()}
    schema = OverrideSchema.model_validate({"overrides": [{"claim_id": "d:c1", "remove_actors": ["RUS"],
                                                           "add_themes": ["sanctions"], "claim_type": "meta"}]})
    first = overrides.apply(given, schema, groups=GROUPS)
    second = overrides.apply(given, schema, groups=GROUPS)
    for name, frame in given.items():
        pd.testing.assert_frame_equal(frame, before[name])
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name])


def test_empty_claims_give_empty_tables_and_unmatched_entries():
    empty = {name: frame.iloc[0:0] for name, frame in tables().items()}
    out = overrides.apply(empty, OverrideSchema.model_validate({"overrides": [{"claim_id": "d:c1", "hedged": True}]}),
                          groups=GROUPS)
    assert all(out[name].empty for name in empty)
    assert out["override_log"].status.tolist() == ["unmatched"]


def test_the_stage_comes_after_themes_and_before_the_alignment():
    names = [stage.name for stage in stages.STAGES]
    assert names.index("themes") < names.index("overrides") < names.index("align")
    stage = stages.STAGES[names.index("overrides")]
    assert "overrides" in stage.schemas and set(stage.reads) >= {"claims", "claim_actors", "claim_themes"}


# --------------------------------------------------------------------------- the schema file


def write(tmp_path, text: str):
    path = tmp_path / "overrides.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_the_shipped_file_is_valid_empty_and_documented():
    assert load_overrides(DEFAULT.overrides).overrides == ()
    text = DEFAULT.overrides.read_text(encoding="utf-8")
    assert "# overrides:" in text and "add_actors" in text and "note" in text


def test_a_missing_file_means_no_overrides(tmp_path):
    assert load_overrides(tmp_path / "nowhere.yaml").overrides == ()


def test_every_problem_of_the_file_is_reported_at_once(tmp_path):
    path = write(tmp_path, """\
        overrides:
          - claim_id: fiia-2018:c00042
            text: Both selectors.
          - text: No correction at all.
          - claim_id: c42
            hedged: maybe
          - claim_id: fiia-2018:c00042
            add_actors: [{actor: CHN, role: boss}, XYZ]
            remove_actors: [XYZ]
            add_themes: [climate]
            claim_type: forecast
            colour: red
          - text: Anything.
            doc: no-such-doc
            hedged: true
        """)
    known = {"actors": ["CHN", "RUS"], "themes": ["energy"], "claim_types": ["assertion"],
             "documents": ["fiia-2018"]}
    with pytest.raises(SchemaError) as caught:
        load_overrides(path, known=known)
    problems = caught.value.problems
    for expected in ("overrides[0]: give claim_id or text, not both",
                     "overrides[1]: no correction given",
                     "overrides[2] -> claim_id: 'c42' is not a valid id: write <doc_id>:c<number>",
                     "overrides[2] -> hedged: expected true or false",
                     "overrides[3] -> add_actors[0].role: 'boss' is not one of agent, target, mentioned",
                     "overrides[3] -> colour: unknown key (allowed: claim_id, text, doc, add_actors",
                     "overrides[3] -> add_actors[1]: 'XYZ' is not declared in annotations/actors.yaml",
                     "overrides[3] -> remove_actors[0]: 'XYZ' is both added and removed",
                     "overrides[3] -> add_themes[0]: 'climate' is not declared in annotations/themes.yaml",
                     "overrides[3] -> claim_type: 'forecast' is not declared in annotations/claim_types.yaml",
                     "overrides[4] -> doc: 'no-such-doc' is not declared in corpus/manifest.yaml"):
        assert any(p.startswith(expected) for p in problems), (expected, problems)
    assert all(line.startswith(f"{path}: overrides[") for line in caught.value.lines())


def test_bare_actor_ids_and_an_empty_key_are_accepted(tmp_path):
    schema = load_overrides(write(tmp_path, "overrides:\n  - claim_id: d:c1\n    add_actors: [CHN]\n"))
    assert schema.overrides[0].add_actors[0].model_dump() == {"actor": "CHN", "role": "mentioned"}
    assert load_overrides(write(tmp_path, "overrides:\n")).overrides == ()


# --------------------------------------------------------------------------- runs


def set_overrides(paths: Paths, text: str):
    paths.overrides.write_text(textwrap.dedent(text), encoding="utf-8")


def test_a_run_applies_the_overrides_and_reports_the_unmatched(small_project):
    set_overrides(small_project, """\
        overrides:
          - claim_id: small:c00001
            add_actors: [{actor: CHN, role: agent}]
            add_themes: [energy]
            claim_type: prediction
            note: "test: by id"
          - text: "Russia sells oil and gas to China,   and Washington has imposed new sanctions on Moscow."
            doc: small
            remove_actors: [USA]
            remove_themes: [sanctions]
            hedged: true
          - claim_id: small:c00099
            hedged: true
            note: "test: stale"
        """)
    result = runner.build(small_project, Config(quiet=True))
    datasets = small_project.datasets
    actors = pd.read_parquet(datasets / "claim_actors.parquet")
    assert ["small:c00001", "CHN", "agent", "override"] in actors.values.tolist()
    assert ("small:c00003", "USA") not in set(zip(actors.claim_id, actors.actor_id))
    mentions = pd.read_parquet(datasets / "actor_mentions.parquet")
    assert ("small:c00003", "USA") not in set(zip(mentions.claim_id, mentions.actor_id))
    themes = pd.read_parquet(datasets / "claim_themes.parquet")
    assert ["small:c00001", "energy", "override"] in themes[["claim_id", "theme_id", "method"]].values.tolist()
    assert ("small:c00003", "sanctions") not in set(zip(themes.claim_id, themes.theme_id))
    claims = pd.read_parquet(datasets / "claims.parquet").set_index("claim_id")
    assert claims.loc["small:c00001", ["claim_type", "type_method"]].tolist() == ["prediction", "override"]
    assert claims.loc["small:c00003", ["hedged", "hedged_method"]].tolist() == [True, "override"]
    log = pd.read_parquet(datasets / "override_log.parquet")
    assert log.status.tolist() == ["applied"] * 6 + ["unmatched"]
    quality = json.loads(small_project.quality.read_text())["overrides"]
    assert (quality["entries"], quality["applied"], quality["unmatched"]) == (3, 6, 1)
    assert quality["unmatched_entries"] == [{"override": 2, "selector": "claim_id=small:c00099", "note": "test: stale"}]
    from pipeline.cli import summary

    printed = summary(result)
    assert "overrides: 3 entries; 6 corrections applied" in printed
    assert "unmatched overrides[2] claim_id=small:c00099" in printed
    # in the database and its search filters too
    from pipeline.search import search

    found = search(small_project.database, "", theme="energy", limit=0)
    assert "small:c00001" in set(found.claim_id)


def test_overrides_survive_a_rerun_and_an_edit_reruns_only_what_depends_on_them(small_project):
    set_overrides(small_project, "overrides:\n  - claim_id: small:c00002\n    add_themes: [energy]\n")
    runner.compute(small_project, Config(quiet=True))
    again = runner.compute(small_project, Config(quiet=True))
    themes = again.tables["claim_themes"]
    assert ("small:c00002", "energy", "override") in set(zip(themes.claim_id, themes.theme_id, themes.method))
    assert "overrides" in again.cached
    set_overrides(small_project, "overrides:\n  - claim_id: small:c00002\n    add_themes: [sanctions]\n")
    edited = runner.compute(small_project, Config(quiet=True))
    assert {"structure", "parse", "claims", "actors", "themes", "citations"} <= set(edited.cached)
    assert "overrides" not in edited.cached
    themes = edited.tables["claim_themes"]
    assert ("small:c00002", "sanctions") in set(zip(themes.claim_id, themes.theme_id))
    assert ("small:c00002", "energy") not in set(zip(themes.claim_id, themes.theme_id))


def gpc(paths: Paths, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args, "--root", str(paths.root)],
                          capture_output=True, text=True, timeout=300)


def test_a_run_with_bad_schemas_reports_every_error_one_per_line_and_keeps_the_outputs(small_project):
    before = {p: p.read_bytes() for p in sorted(small_project.outputs.rglob("*")) if p.is_file()}
    set_overrides(small_project, """\
        overrides:
          - claim_id: small:c00001
            add_actors: [NO_SUCH_ACTOR]
          - text: Both.
            claim_id: small:c00002
            hedged: maybe
        """)
    themes = small_project.themes.read_text(encoding="utf-8")
    small_project.themes.write_text(themes.replace("group: economy", "group: econ", 1), encoding="utf-8")
    expected = validate_all(small_project)
    assert len(expected) == 4
    for command in (("run", "--quiet"), ("validate",)):
        done = gpc(small_project, *command)
        assert done.returncode == 3, done.stderr
        lines = done.stderr.strip().splitlines()
        assert lines == [f"error: {line}" for line in expected], lines
        assert "Traceback" not in done.stderr
    assert any("themes.yaml: themes[energy] -> group: 'econ'" in line for line in expected)
    assert any("overrides.yaml: overrides[0] -> add_actors[0]: 'NO_SUCH_ACTOR'" in line for line in expected)
    after = {p: p.read_bytes() for p in sorted(small_project.outputs.rglob("*")) if p.is_file()}
    assert after == before


def test_runner_validate_raises_one_error_carrying_every_line(small_project):
    set_overrides(small_project, "overrides:\n  - claim_id: small:c00001\n")
    with pytest.raises(SchemaError) as caught:
        runner.validate(small_project)
    assert caught.value.lines() == validate_all(small_project)
    assert caught.value.lines()[0].startswith(f"{small_project.overrides}: overrides[0]: no correction given")


def test_the_small_claims_are_as_the_fixtures_say(small_built):
    claims = pd.read_parquet(Paths(small_built).datasets / "claims.parquet")
    assert dict(zip(claims.claim_id, claims.text)) == SMALL_CLAIMS
