# Realtime TODO — the two commands a new machine needs: `make run` and `make test`.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := python3.11
PYTHON_BOOT ?= python3.11
UV := $(PYTHON_BOOT) -m uv
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: help setup uv migrate run test lint typecheck unit check-services compose-check js-deps browser-deps screenshot clean bench bench-quick bench-deps bench-figures

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

uv:
	@$(PYTHON_BOOT) -m uv --version >/dev/null 2>&1 || $(PYTHON_BOOT) -m pip install --quiet --disable-pip-version-check "uv>=0.8,<0.14"

$(VENV)/.synced: uv.lock pyproject.toml services/*/pyproject.toml | uv
	$(UV) sync --frozen --all-packages
	@touch $@

setup: $(VENV)/.synced ## create .venv from the lock file

migrate: setup ## apply database migrations (DATABASE_URL, default SQLite)
	$(PY) services/api/manage.py migrate --no-input

run: migrate ## run the API, relay, projector and gateway against DATABASE_URL and AMQP_URL
	$(PY) scripts/run_all.py

check-services:
	@$(PY) scripts/check_services.py

lint: setup ## ruff
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup ## mypy (strict on the shared package and the domain)
	$(VENV)/bin/mypy services/shared/src services/api/todo_api services/projector/src services/gateway/src

unit: setup ## unit tests (no I/O)
	$(PY) -m pytest tests/unit -q

test: setup check-services compose-check js-deps browser-deps lint typecheck ## everything: lint, types, unit, integration, e2e
	$(PY) -m pytest tests -q -p no:cacheprovider

compose-check: ## tools the compose checks need (Debian's docker-compose 1.29, nginx for nginx -t)
	@command -v docker-compose >/dev/null && command -v nginx >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose nginx)

js-deps: ## socket.io-client from the npm registry (package-lock.json)
	@[ -d node_modules/socket.io-client ] || npm ci --no-audit --no-fund --loglevel=error

browser-deps: ## Debian's chromium for the browser tests (Playwright drives /usr/bin/chromium)
	@[ -x /usr/bin/chromium ] || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core)

screenshot: setup js-deps browser-deps ## redraw docs/screenshot-two-windows.png
	$(PY) scripts/screenshot.py

bench-deps: setup ## what make bench needs: the bench uv group, bench/node_modules, Debian's nginx
	$(UV) sync --frozen --all-packages --group bench
	@[ -d bench/node_modules/ws ] || (cd bench && npm ci --no-audit --no-fund --loglevel=error)
	@command -v nginx >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx)

bench: bench-deps check-services ## every scenario, this system vs its peers (ARGS=--quick for a smoke run); never part of make test
	$(PY) -m bench.suite $(ARGS)

bench-quick: ## make bench ARGS=--quick
	$(MAKE) bench ARGS=--quick

bench-figures: ## rewrite the README's Figures section from the newest bench/results/*.json
	$(PY) -m bench.suite.figures

clean: ## remove the venv and local state
	rm -rf $(VENV) var/todo.sqlite3 var/test-artifacts
