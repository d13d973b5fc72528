# The two commands of the README: `make demo` and `make test`. Both install what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml scripts/system-deps | cksum | cut -d' ' -f1)

.PHONY: demo test lint bench-ingest bench-letters bench-cases bench-handovers bench-linkage-quality bench-linkage-speed bench-deps install clean

$(STAMP): pyproject.toml scripts/system-deps
	bash scripts/system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/tandem demo $(ARGS)

test: $(STAMP)
	bash scripts/ensure-postgres
	$(BIN)/ruff check service sim tests bench migrations setup.py
	$(BIN)/pytest -n 2 $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check service sim tests bench migrations setup.py
	$(BIN)/ruff format --check service sim tests bench migrations setup.py

bench-ingest: $(STAMP)
	$(BIN)/python bench/ingest.py $(ARGS)

# The linkage benches compare with Splink (an optional dependency, installed here only).
bench-deps: $(STAMP)
	$(BIN)/python -m pip install -q -e ".[bench]"

bench-linkage-quality: bench-deps
	$(BIN)/python bench/linkage_quality.py $(ARGS)

bench-linkage-speed: bench-deps
	$(BIN)/python bench/linkage_speed.py $(ARGS)

bench-letters: $(STAMP)
	$(BIN)/python bench/letters.py $(ARGS)

bench-cases: $(STAMP)
	$(BIN)/python bench/cases.py $(ARGS)

bench-handovers: $(STAMP)
	$(BIN)/python bench/handovers.py $(ARGS)

clean:
	rm -rf $(VENV) var test-output
