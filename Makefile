# Amtswissen – the targets CI runs too. Needs Python 3.11+ (with its venv module) and make.
PY ?= python3
# uv lives in a private venv (.tools/), so pip never touches the system interpreter
# (Debian's refuses with "externally-managed-environment"; elsewhere it would install as root).
TOOLS := .tools
UV_VERSION := 0.13.9
UV := $(TOOLS)/bin/uv
DATA ?= data

.PHONY: install run serve test lint env-example bench knowledge clean

$(UV):
	@$(PY) -m venv --clear $(TOOLS) || { rm -rf $(TOOLS); \
	  echo "Fehler: $(PY) kann keine virtuelle Umgebung anlegen (venv/ensurepip fehlt)." >&2; \
	  echo "Unter Debian/Ubuntu nachinstallieren: sudo apt-get install python3-venv" >&2; exit 1; }
	@$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# --python: the .venv uses the interpreter named by PY (nothing is downloaded);
# --compile-bytecode: the first `assistant` call is as quick as the later ones.
install: $(UV)  ## install everything (uv bootstraps itself, then the locked dependencies)
	@$(UV) sync --frozen --quiet --python $(PY) --compile-bytecode

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
