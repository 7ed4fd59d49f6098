# Two commands on a fresh machine with Python 3.11 and pip: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench bench-quick examples model clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	@rm -rf out/demo var/demo.db
	@# exit 3 = some example inputs failed, as the broken and non-report examples must
	$(BIN)/govdigest process examples --out out/demo --db sqlite:///var/demo.db || [ $$? -eq 3 ]
	@echo
	$(BIN)/govdigest show examples/synth_2021_cells.txt

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python -m bench.run

bench-quick: $(STAMP)
	$(BIN)/python -m bench.run --quick

model: $(STAMP)
	$(BIN)/govdigest train --promote

clean:
	rm -rf $(VENV) out var .pytest_cache .ruff_cache
