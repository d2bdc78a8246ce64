# Sésame: `make run` serves the portal on the embedded default, `make test` runs every test.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: install
	$(VENV)/bin/sesame serve --host $(HOST) --port $(PORT)

test: install
	$(VENV)/bin/pytest

# Not part of `test`: minutes of load on every core. BENCH_ARGS passes options
# (`make bench BENCH_ARGS="--import-sizes 10000,100000,1000000"`); see `python -m bench --help`.
bench: $(BENCH_STAMP)
	$(PY) -m bench $(BENCH_ARGS)

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

clean:
	rm -rf $(VENV) var
