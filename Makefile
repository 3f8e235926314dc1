# Set-up and everyday commands. Needs only Python >= 3.11 and pip.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
OUT    ?= results/flanders-autumn-2020

.PHONY: run test lint bench clean docs notebook

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

$(VENV)/.installed-notebook: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[notebook]'
	touch $(VENV)/.installed $@

$(VENV)/.installed-docs: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	touch $(VENV)/.installed $@

## run: install and run the bundled default scenario (Flanders, autumn 2020)
run: $(VENV)/.installed
	$(BIN)/tracesim run --out $(OUT) --overwrite

## test: install with dev extras (and Debian's chromium where apt-get can) and run the whole test suite (slow tests included)
test: $(VENV)/.installed-dev
	bash .ci/install-chromium
	$(BIN)/python -m pytest -q

## lint: ruff (pycodestyle, pyflakes, isort, bugbear, McCabe <= 12, numpy docstrings) and mypy on sim/ and bench/
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/mypy

## docs: build the documentation site into build/site/ in strict mode (any warning fails), notebooks executed
docs: $(VENV)/.installed-docs
	NO_MKDOCS_2_WARNING=1 DOCS_EXECUTE_NOTEBOOKS=true $(BIN)/mkdocs build --strict

## notebook: install JupyterLab (the tracesim[notebook] extra) and open the quick-start notebook
notebook: $(VENV)/.installed-notebook
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/01-quickstart.ipynb

## bench: performance benchmarks (prints ratios, writes bench/RESULTS.md)
bench: $(VENV)/.installed-dev
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) results build *.egg-info .pytest_cache .ruff_cache .mypy_cache
