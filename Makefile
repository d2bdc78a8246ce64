# Sésame: `make run` serves the portal on the embedded default, `make test` runs every test,
# `make test-fast` the domain and application tiers (in-memory event store, well under a minute).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run lint test test-fast bench clean

CHROMIUM := /usr/bin/chromium
SUDO := $(shell test "$$(id -u)" = 0 || echo sudo)

install: $(STAMP)

# The browser tests drive Debian's Chromium: Playwright cannot download its own builds here.
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

# The production topology's servers: the machine's own when they answer (CI),
# else the tests start throwaway ones from these packages (tests/servers.py).
SERVERS := /usr/bin/redis-server /usr/bin/pg_ctlcluster
$(SERVERS):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql redis-server

# axe-core, the accessibility checker the browser tests inject into each page:
# the npm package, pinned by package-lock.json.
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(AXE)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: install
	$(VENV)/bin/sesame serve --host $(HOST) --port $(PORT)

# The gates, before any test: ruff (style, bugs, security smells) and mypy
# (strict on domain/ and application/), both configured in pyproject.toml.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# The integration suite (tests/e2e) runs twice: on the embedded default, and on
# PostgreSQL + Redis + SMTP with each role a process of its own (the servers
# on 127.0.0.1, or throwaway ones when none answers; see tests/servers.py).
test: lint $(CHROMIUM) $(SERVERS) $(AXE)
	SESAME_TOPOLOGIES=embedded,production $(VENV)/bin/pytest

test-fast: install
	$(VENV)/bin/pytest -q tests/domain tests/application

# Not part of `test`: minutes of load on every core (the default sizes: under a quarter of an
# hour on two cores). BENCH_ARGS passes options, e.g. the millions
# (`make bench BENCH_ARGS="--import-sizes 10000,100000,1000000 --search-sizes 100000,1000000"`);
# see `python -m bench --help`.
bench: $(BENCH_STAMP)
	$(PY) -m bench $(BENCH_ARGS)

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

clean:
	rm -rf $(VENV) var node_modules
