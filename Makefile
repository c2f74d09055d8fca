# Crewline: `make demo` runs the product on its embedded default; `make test` runs the whole suite.
VENV    ?= .venv
PYTHON  ?= python3
BIN      = $(VENV)/bin
HOST    ?= 127.0.0.1
PORT    ?= 8000

.PHONY: demo serve test lint bench install install-test clean

demo: install
	$(BIN)/crewline demo --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/crewline serve --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/ruff check .
	$(BIN)/mypy engine geo dispatch_api fixtures
	$(BIN)/python -m pytest

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/mypy engine geo

install: $(VENV)/.crewline-base node_modules/.package-lock.json

install-test: $(VENV)/.crewline-test node_modules/.package-lock.json
	@scripts/system-deps.sh browser

$(VENV)/.crewline-base: pyproject.toml
	@scripts/system-deps.sh base
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.crewline-test: pyproject.toml
	@scripts/system-deps.sh base
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,dev,bench,osm]'
	touch $@ $(VENV)/.crewline-base

node_modules/.package-lock.json: package.json package-lock.json
	@scripts/system-deps.sh base
	npm ci --no-audit --no-fund --loglevel=error

clean:
	rm -rf $(VENV) node_modules build *.egg-info
