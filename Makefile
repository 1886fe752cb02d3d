# The user's entry points. `make help` lists them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
GPC := $(VENV)/bin/gpc
STAMP := $(VENV)/.installed
SOURCES := $(wildcard corpus/*) $(wildcard annotations/*.yaml) $(wildcard pipeline/*.py)

.DEFAULT_GOAL := help
.PHONY: help all install run test bench evaluate crossval validate search serve check-report agreement clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install the pinned dependencies and the English model

outputs/quality.json: $(STAMP) $(SOURCES)
	$(GPC) run $(if $(QUIET),--quiet)

all: install ## install, run the whole pipeline on the corpus, print a summary
	$(GPC) run $(if $(QUIET),--quiet)

run: all ## alias of all

test: install ## run the test suite
	$(PY) -m pytest

bench: install ## print speed figures, each against a baseline measured in the same run
	$(PY) -m pipeline.bench

evaluate: install ## precision, recall and F1 per layer against the gold set (train and held-out)
	$(GPC) evaluate

crossval: install ## cross-validate the theme tagger on the gold train split (held-out claims unseen) [ARGS=--by-chapter]
	$(GPC) crossval $(ARGS)

validate: install ## validate the manifest, every schema file and the overrides, all errors at once
	$(GPC) validate

agreement: QUIET := 1
agreement: $(STAMP) outputs/quality.json ## Cohen's kappa per layer: make agreement A=annotations/gold/claims.jsonl B=pipeline [ARGS='--format json']
	@test -n "$(A)" && test -n "$(B)" || { echo "usage: make agreement A=annotations/gold/claims.jsonl B=pipeline (each side a gold-format JSONL file or 'pipeline') [ARGS='--format json']" >&2; exit 2; }
	@$(GPC) agreement "$(A)" "$(B)" $(ARGS)

search: $(STAMP) outputs/quality.json ## full-text search of the claims: make search Q='sanction* NOT oil' [ARGS='--actor RUS']
	@test -n "$$Q" || { echo "usage: make search Q='\"energy cooperation\" OR pipeline*' [ARGS='--actor CHN --section 2']" >&2; exit 2; }
	@$(GPC) search "$$Q" $(ARGS)

serve: $(STAMP) outputs/quality.json ## browse the corpus database with Datasette on http://127.0.0.1:8001 [PORT=8001]
	$(GPC) serve --port $(or $(PORT),8001)

CHROMIUM ?= /usr/bin/chromium

outputs/report.html: $(STAMP) $(SOURCES)
	$(GPC) run $(if $(QUIET),--quiet)

check-report: $(STAMP) outputs/report.html ## render outputs/report.html in headless Chromium to outputs/report.png [CHROMIUM=/usr/bin/chromium]
	@test -x $(CHROMIUM) || { echo "error: $(CHROMIUM) not found: install Chromium with 'sudo apt-get update && sudo apt-get install -y chromium', or pass CHROMIUM=/path/to/chromium" >&2; exit 1; }
	$(PY) -m pipeline.report outputs/report.html outputs/report.png $(CHROMIUM)

clean: ## remove generated outputs and caches (never corpus/ or annotations/)
	rm -rf outputs .cache
