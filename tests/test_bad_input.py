"""Bad input of every kind: one line naming the file, a non-zero exit, earlier outputs intact."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SMALL_MANIFEST

def gpc(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args, "--root", str(root)],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def project(small_project) -> Path:
    return small_project.root


def outputs_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "outputs").rglob("*")) if p.is_file()}


def write(path: Path, content: str | bytes):
    path.write_bytes(content if isinstance(content, bytes) else content.encode())


def _scanned_pdf() -> bytes:
    from pdf_render import render_scanned_pdf

    return render_scanned_pdf()


BAD_INPUTS = {
    "missing source": (lambda root: (root / "corpus" / "small.txt").unlink(), "small.txt", "not found"),
    "empty file": (lambda root: write(root / "corpus" / "small.txt", b""), "small.txt", "empty"),
    "not utf-8": (lambda root: write(root / "corpus" / "small.txt", "Kreml\xe4".encode("latin-1") * 20),
                  "small.txt", "UTF-8"),
    "manifest not yaml": (lambda root: write(root / "corpus" / "manifest.yaml", "documents: [\n  - id: x\n"),
                          "manifest.yaml", "YAML"),
    "unknown kind": (lambda root: write(root / "corpus" / "manifest.yaml", SMALL_MANIFEST.replace("kind: report", "kind: memo")),
                     "manifest.yaml", "memo"),
    "missing field": (lambda root: write(root / "corpus" / "manifest.yaml", SMALL_MANIFEST.replace("    source: small.txt\n", "")),
                      "manifest.yaml", "source"),
    "corrupt pdf": (lambda root: (write(root / "corpus" / "small.txt", b"%PDF-1.4\n1 0 obj <<\n" * 3),
                                  write(root / "corpus" / "manifest.yaml", SMALL_MANIFEST.replace("format: pdf_text", "format: pdf"))),
                    "small.txt", "PDF"),
    "scanned pdf": (lambda root: (write(root / "corpus" / "small.txt", _scanned_pdf()),
                                  write(root / "corpus" / "manifest.yaml", SMALL_MANIFEST.replace("format: pdf_text", "format: pdf"))),
                    "small.txt", "text layer"),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_gives_one_line_and_keeps_outputs(project, case):
    breaks, names, says = BAD_INPUTS[case]
    before = outputs_of(project)
    breaks(project)
    done = gpc(project, "run", "--quiet")
    assert done.returncode != 0
    message = done.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert message.startswith("error: ") and names in message and says in message, message
    assert "Traceback" not in done.stderr
    assert outputs_of(project) == before


def test_a_good_run_writes_the_contract_tables(small_built):
    datasets = small_built / "outputs" / "datasets"
    for table in ("documents", "sections", "paragraphs", "footnotes", "markers", "claims", "claim_themes"):
        assert (datasets / f"{table}.parquet").exists()
    assert (small_built / "outputs" / "quality.json").exists()
