"""Exchange with annotation tools: Label Studio, doccano and spaCy DocBin exports; imports become overrides."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import SMALL_CLAIMS
from pipeline import exchange, runner
from pipeline.cli import cli
from pipeline.config import Config
from pipeline.errors import SchemaError
from pipeline.schemas import load_overrides


def gpc(*args: str):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result


@pytest.fixture
def tasks(small_project):
    done = gpc("export", "--to", "label-studio", "--root", str(small_project.root))
    assert done.exit_code == 0, done.output
    return json.loads((small_project.exchange / "label-studio.json").read_text(encoding="utf-8"))


def results_of(task, key="predictions"):
    return task[key][0]["result"]


# --------------------------------------------------------------------------- export


def test_label_studio_tasks_carry_the_claims_and_their_labels(tasks):
    assert [task["data"]["claim_id"] for task in tasks] == list(SMALL_CLAIMS)
    assert all(task["data"]["text"] == SMALL_CLAIMS[task["data"]["claim_id"]] for task in tasks)
    third = {task["data"]["claim_id"]: task for task in tasks}["small:c00003"]
    assert third["predictions"][0]["model_version"].startswith("gpc ")
    spans = [item for item in results_of(third) if item["type"] == "labels"]
    assert [(item["value"]["text"], item["value"]["labels"]) for item in spans] == [
        ("Russia", ["RUS"]), ("China", ["CHN"]), ("Washington", ["USA"]), ("Moscow", ["RUS"])]
    for item in spans:  # offsets are into the claim's text
        assert third["data"]["text"][item["value"]["start"]:item["value"]["end"]] == item["value"]["text"]
        assert (item["from_name"], item["to_name"]) == ("actor", "text")
    choices = {item["from_name"]: item["value"]["choices"] for item in results_of(third) if item["type"] == "choices"}
    assert choices == {"themes": ["energy", "sanctions"], "claim_type": ["assertion"], "hedged": ["not_hedged"]}


def test_the_label_studio_configuration_matches_the_tasks(small_project, tasks):
    view = ET.fromstring((small_project.exchange / "label-studio.xml").read_text(encoding="utf-8"))
    controls = {element.get("name"): element for element in view if element.get("name")}
    assert set(controls) == {"actor", "text", "themes", "claim_type", "hedged"}
    assert controls["text"].get("value") == "$text"
    assert {"CHN", "RUS", "USA", "OTHER_STATE"} <= {label.get("value") for label in controls["actor"]}
    assert {"energy", "sanctions"} <= {choice.get("value") for choice in controls["themes"]}
    for task in tasks:
        for item in results_of(task):
            assert item["from_name"] in controls and item["to_name"] == "text"


def test_a_jsonl_path_gives_json_lines_and_annotations_can_replace_predictions(small_project):
    out = small_project.root / "tasks.jsonl"
    done = gpc("export", "--to", "label-studio", "--out", str(out), "--labels-as", "annotations",
               "--root", str(small_project.root))
    assert done.exit_code == 0, done.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(SMALL_CLAIMS)
    assert all("annotations" in json.loads(line) and "predictions" not in json.loads(line) for line in lines)
    assert out.with_suffix(".xml").exists()


def test_doccano_records_have_spans_and_categories(small_project):
    assert gpc("export", "--to", "doccano", "--root", str(small_project.root)).exit_code == 0
    records = [json.loads(line) for line in (small_project.exchange / "doccano.jsonl").read_text().splitlines()]
    third = records[2]
    assert third["claim_id"] == "small:c00003" and third["label"] == third["entities"]
    assert [third["text"][s:e] for s, e, _ in third["label"]] == ["Russia", "China", "Washington", "Moscow"]
    assert third["cats"] == ["theme:energy", "theme:sanctions", "type:assertion", "hedged:false"]


def test_docbin_holds_parsed_claims_with_actor_ents_and_theme_cats(small_project):
    from spacy.tokens import DocBin

    from pipeline.parse import load_model

    assert gpc("export", "--to", "docbin", "--root", str(small_project.root)).exit_code == 0
    nlp = load_model(Config().model)
    docs = list(DocBin().from_disk(small_project.exchange / "claims.spacy").get_docs(nlp.vocab))
    assert [doc.text for doc in docs] == list(SMALL_CLAIMS.values())
    third = docs[2]
    assert [(ent.text, ent.label_) for ent in third.ents] == [
        ("Russia", "RUS"), ("China", "CHN"), ("Washington", "USA"), ("Moscow", "RUS")]
    assert third.cats["energy"] == third.cats["sanctions"] == 1.0 and third.cats["military"] == 0.0
    assert third.user_data["claim_id"] == "small:c00003" and third.user_data["hedged"] is False
    assert third[0].dep_ and third[0].lemma_  # the pipeline's parse comes along


# --------------------------------------------------------------------------- reading tool exports


def test_label_studio_reader_takes_the_newest_annotation_that_was_not_cancelled():
    task = {"data": {"text": "Russia sells gas.", "claim_id": "d:c1", "doc_id": "d"}, "annotations": [
        {"updated_at": "2026-01-01T10:00:00Z", "result": [_choice("claim_type", "meta")], "completed_by": 1},
        {"updated_at": "2026-01-02T10:00:00Z", "result": [_choice("claim_type", "prediction"),
                                                          _choice("hedged", "hedged"), _span(0, 6, "RUS")],
         "completed_by": 7},
        {"updated_at": "2026-01-03T10:00:00Z", "was_cancelled": True, "result": []}]}
    found, unreviewed = exchange.from_label_studio([task, {"data": {"text": "Not done."}}])
    assert unreviewed == 1 and len(found) == 1
    claim = found[0]
    assert (claim.claim_type, claim.hedged, claim.actors, claim.themes, claim.annotator) == (
        "prediction", True, {"RUS"}, set(), "7")


def test_doccano_reader_knows_both_project_shapes():
    sequence = {"id": 3, "text": "Russia sells gas.", "label": [[0, 6, "RUS"]], "claim_id": "d:c1"}
    intent = {"text": "Russia sells gas.", "entities": [{"start_offset": 0, "end_offset": 6, "label": "RUS"}],
              "cats": ["theme:energy", "type:prediction", "hedged:true"], "meta": {"claim_id": "d:c1"}}
    (seq,), _ = exchange.from_doccano([sequence])
    assert (seq.claim_id, seq.actors, seq.themes, seq.claim_type, seq.hedged) == ("d:c1", {"RUS"}, None, None, None)
    (both,), _ = exchange.from_doccano([intent])
    assert (both.claim_id, both.actors, both.themes, both.claim_type, both.hedged) == (
        "d:c1", {"RUS"}, {"energy"}, "prediction", True)


def _choice(name, value):
    return {"type": "choices", "from_name": name, "to_name": "text", "value": {"choices": [value]}}


def _span(start, end, label):
    return {"type": "labels", "from_name": "actor", "to_name": "text",
            "value": {"start": start, "end": end, "labels": [label]}}


def test_overrides_text_appends_and_keeps_the_users_lines():
    mine = "# my notes\n# keep me\noverrides:\n- claim_id: d:c1  # why\n  hedged: true\n"
    text = exchange.overrides_text(mine, [{"text": "It's: a test.", "doc": "d", "add_themes": ["energy"]}],
                                   comment="imported")
    assert text.startswith(mine.rstrip("\n"))
    assert "\n# imported\n- text: \"It's: a test.\"\n  doc: d\n  add_themes: [energy]\n" in text \
        or "\n# imported\n- text: 'It''s: a test.'\n  doc: d\n  add_themes: [energy]\n" in text
    import yaml

    assert len(yaml.safe_load(text)["overrides"]) == 2


# --------------------------------------------------------------------------- round trip


def test_round_trip_through_label_studio_ends_in_the_datasets_as_overrides(small_project, tasks):
    comment = "# my own comment, kept by the import\n"
    small_project.overrides.write_text(comment + "overrides: []\n", encoding="utf-8")
    # the annotator reviews two claims: one unchanged, one corrected (the pipeline's labels as the starting point)
    reviewed = []
    for task in tasks[1:3]:
        result = [item for item in results_of(task)]
        if task["data"]["claim_id"] == "small:c00003":
            result = [item for item in result if item.get("value", {}).get("text") != "Washington"]
            for item in result:
                if item["from_name"] == "themes":
                    item["value"]["choices"] = ["energy"]
            result.append(_choice("claim_type", "prediction") | {"id": "x"})
            result = [item for item in result if not (item["from_name"] == "claim_type"
                                                      and item["value"]["choices"] == ["assertion"])]
        reviewed.append(task | {"annotations": [{"result": result, "completed_by": 5}]})
    export_file = small_project.root / "project-1-export.json"
    export_file.write_text(json.dumps(tasks[:1] + reviewed), encoding="utf-8")

    done = gpc("import", "--from", "label-studio", str(export_file), "--root", str(small_project.root))
    assert done.exit_code == 0, done.output
    assert "2 reviewed claims: 1 with corrections, 1 unchanged; 1 not reviewed" in done.output
    text = small_project.overrides.read_text(encoding="utf-8")
    assert text.startswith(comment) and "overrides: []" not in text
    (entry,) = load_overrides(small_project.overrides).overrides
    assert (entry.text, entry.doc) == (SMALL_CLAIMS["small:c00003"], "small")
    assert (entry.remove_actors, entry.remove_themes, entry.claim_type) == (("USA",), ("sanctions",), "prediction")
    assert entry.add_actors == () and entry.add_themes == () and entry.hedged is None
    assert "label-studio export project-1-export.json" in entry.note and "annotator 5" in entry.note

    runner.build(small_project, Config(quiet=True))
    datasets = small_project.datasets
    claims = pd.read_parquet(datasets / "claims.parquet").set_index("claim_id")
    assert claims.loc["small:c00003", ["claim_type", "type_method"]].tolist() == ["prediction", "override"]
    actors = pd.read_parquet(datasets / "claim_actors.parquet")
    assert ("small:c00003", "USA") not in set(zip(actors.claim_id, actors.actor_id))
    themes = pd.read_parquet(datasets / "claim_themes.parquet")
    assert ("small:c00003", "sanctions") not in set(zip(themes.claim_id, themes.theme_id))
    log = pd.read_parquet(datasets / "override_log.parquet")
    assert set(log.status) == {"applied"} and set(log.claim_id) == {"small:c00003"}

    # importing the same file again finds nothing left to correct and writes nothing
    again = gpc("import", "--from", "label-studio", str(export_file), "--root", str(small_project.root))
    assert "0 with corrections, 2 unchanged" in again.output
    assert small_project.overrides.read_text(encoding="utf-8") == text


def test_round_trip_through_doccano(small_project):
    assert gpc("export", "--to", "doccano", "--root", str(small_project.root)).exit_code == 0
    path = small_project.exchange / "doccano.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()]
    records[0]["cats"] = ["theme:energy", "type:assertion", "hedged:true"]
    path.write_text("".join(json.dumps(r) + "\n" for r in records[:1]), encoding="utf-8")
    done = gpc("import", "--from", "doccano", str(path), "--root", str(small_project.root))
    assert done.exit_code == 0, done.output
    (entry,) = load_overrides(small_project.overrides).overrides
    assert (entry.add_themes, entry.remove_themes, entry.hedged) == (("energy",), ("military",), True)
    themes = runner.compute(small_project, Config(quiet=True)).tables["claim_themes"]
    assert ("small:c00001", "energy", "override") in set(zip(themes.claim_id, themes.theme_id, themes.method))


def test_an_undeclared_label_stops_the_import_and_writes_nothing(small_project, tasks):
    before = small_project.overrides.read_text(encoding="utf-8")
    task = tasks[0] | {"annotations": [{"result": [_choice("themes", "climate"), _span(0, 3, "MARS")]}]}
    path = small_project.root / "export.json"
    path.write_text(json.dumps([task]), encoding="utf-8")
    done = CliRunner().invoke(cli, ["import", "--from", "label-studio", str(path), "--root", str(small_project.root)])
    assert done.exit_code == SchemaError.exit_code
    assert "'climate' is not declared in annotations/themes.yaml" in done.output
    assert "'MARS' is not declared in annotations/actors.yaml" in done.output
    assert small_project.overrides.read_text(encoding="utf-8") == before


def test_a_claim_that_is_gone_is_reported_not_imported(small_project, tasks):
    task = tasks[0] | {"data": tasks[0]["data"] | {"claim_id": "small:c00077", "text": "A sentence nobody wrote."},
                       "annotations": [{"result": [_choice("hedged", "hedged")]}]}
    path = small_project.root / "export.json"
    path.write_text(json.dumps([task]), encoding="utf-8")
    done = gpc("import", "--from", "label-studio", str(path), "--dry-run", "--root", str(small_project.root))
    assert "1 not found in this run" in done.output and "small:c00077" in done.output


@pytest.mark.parametrize("command", ["export", "import", "agreement"])
def test_cli_help_ends_with_examples(command):
    lines = [line.strip() for line in gpc(command, "--help").output.rstrip().splitlines()]
    examples = lines[lines.index("Example:") + 1:] if "Example:" in lines else []
    assert examples and all(line.strip().startswith(f"gpc {command}") for line in examples)
