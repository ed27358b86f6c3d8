# Two commands do all the set-up on a fresh machine:  `make run`  and  `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test install bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The install is editable, so code changes need no reinstall: it runs again only when pyproject.toml changes (the
# stamp file is older), and a second `make run` starts at once. `make clean` (or deleting the stamp) forces it.
STAMP := $(VENV)/.installed

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,chart]"
	touch $@

install: $(STAMP)

run: install
	$(BIN)/python -m bot

test: install
	$(BIN)/ruff check bot tests bench
	$(BIN)/mypy
	$(BIN)/hadolint Dockerfile
	$(BIN)/ftz-bot --knowledge knowledge check --strict
	$(BIN)/python -m pytest -q
	$(BIN)/python -m bot eval tests/eval/heldout.tsv --min-accuracy 0.95

bench: install
	$(BIN)/python bench/matcher_bench.py
	$(BIN)/python bench/telegram_bench.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .mypy_cache
