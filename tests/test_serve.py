"""Datasette serves the corpus database: faceted browsing and full-text search over HTTP.

Starts ``datasette`` (the command ``gpc serve`` runs) on a free 127.0.0.1 port
against the small fixture database, queries it with urllib, and always stops it.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from pipeline import database
from test_database import corpus_tables

STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serve")
    db = database.build(corpus_tables(), folder / "corpus.sqlite")
    metadata = database.write_metadata(folder / database.METADATA_NAME)
    port = free_port()
    log = (folder / "datasette.log").open("wb")
    process = subprocess.Popen(database.serve_command(db, metadata=metadata, port=port), stdout=log,
                               stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"datasette exited with {process.returncode}: "
                            f"{(folder / 'datasette.log').read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/-/versions.json", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail(f"datasette did not answer on {base} within {STARTUP_SECONDS} s")
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def get(base: str, path: str, **params) -> dict:
    url = f"{base}{path}?{urllib.parse.urlencode(params, doseq=True)}"
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        return json.load(response)


def facet_counts(page: dict, name: str) -> dict:
    return {item["value"]: item["count"] for item in page["facet_results"][name]["results"]}


def test_claims_are_faceted_by_claim_type(server):
    page = get(server, "/corpus/claims.json", _facet="claim_type", _shape="objects")
    assert len(page["rows"]) == 10
    assert facet_counts(page, "claim_type") == {"assertion": 5, "prediction": 3, "prescription": 1,
                                                "attribution": 1}


def test_metadata_facets_the_browsing_view_by_actor_array(server):
    page = get(server, "/corpus/claim_facets.json", _shape="objects")
    assert set(page["facet_results"]) >= {"claim_type", "section_number", "actor_list", "theme_list"}
    assert facet_counts(page, "actor_list")["CHN"] == 6
    rows = {row["claim_id"]: row for row in page["rows"]}
    assert rows["r:c00006"]["actors"] == "CHN, RUS" and rows["r:c00006"]["themes"] == "energy"


def test_full_text_search_with_stemming_on_claims_and_the_view(server):
    claims = get(server, "/corpus/claims.json", _search="sanction", _shape="objects")
    assert sorted(row["claim_id"] for row in claims["rows"]) == ["r:c00004", "r:c00007", "r:c00008"]
    view = get(server, "/corpus/claim_facets.json", _search='"energy cooperation"', _shape="objects")
    assert {row["claim_id"] for row in view["rows"]} == {"r:c00003", "pr:c00001"}
    raw = get(server, "/corpus/claims.json", _search="sanc* NOT western", _shape="objects")
    assert sorted(row["claim_id"] for row in raw["rows"]) == ["r:c00007", "r:c00008"]


def test_column_descriptions_and_title_come_from_the_data_dictionary(server):
    metadata = get(server, "/-/metadata.json")
    assert metadata["title"] == "Great-power relations corpus"
    claims = metadata["databases"]["corpus"]["tables"]["claims"]
    assert claims["columns"]["hedged"].startswith("True when a hedging cue")
    with urllib.request.urlopen(f"{server}/corpus/claims", timeout=10) as response:
        assert "One row per claim" in response.read().decode()
