# Amtswissen – the targets CI runs too. Needs Python 3.11+ and make.
PY ?= python3
UV := $(PY) -m uv
DATA ?= data

.PHONY: install run serve test lint env-example bench knowledge clean

install:  ## install everything (uv bootstraps itself, then the locked dependencies)
	@$(UV) --version >/dev/null 2>&1 || $(PY) -m pip install --quiet uv
	@$(UV) sync --frozen --quiet

run: install  ## ingest the sample knowledge base and start the chat on http://127.0.0.1:8000
	$(UV) run --frozen assistant users demo --env-file .env  # first run: demo accounts, random passwords shown once
	$(UV) run --frozen assistant ingest knowledge/ || true
	$(UV) run --frozen assistant serve

serve: install
	$(UV) run --frozen assistant serve

test: install  ## run the whole test suite
	$(UV) run --frozen pytest -q

lint: install
	$(UV) run --frozen ruff check assistant tests bench
	$(UV) run --frozen ruff format --check assistant tests bench
	$(UV) run --frozen lint-imports  # the layer rules: pyproject.toml, docs/architecture.md

env-example: install  ## regenerate .env.example from the settings
	$(UV) run --frozen python -m assistant.config > .env.example

bench: install
	$(UV) run --frozen python bench/search.py

knowledge: install  ## regenerate the binary sample documents from knowledge/.src
	$(UV) run --frozen python knowledge/.src/build.py
