# Realtime TODO — the two commands a new machine needs: `make run` and `make test`.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := python3.11
PYTHON_BOOT ?= python3.11
UV := $(PYTHON_BOOT) -m uv
VENV := .venv
PY := $(VENV)/bin/python
WEB_VENDOR := services/api/todo_api/web/static/web/vendor

.PHONY: help setup uv migrate static env run test lint typecheck unit check-services compose-check js-deps js-check web-vendor interop browser-deps screenshot clean bench bench-quick bench-deps bench-figures

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

static: setup ## collect the static files into var/static (served by WhiteNoise with DEBUG=0)
	$(PY) services/api/manage.py collectstatic --no-input -v 0

env: ## write .env for docker compose with new random secrets (refuses to overwrite one)
	$(PYTHON_BOOT) scripts/new_env.py

run: migrate static ## run the API, relay, projector and gateway against DATABASE_URL and AMQP_URL
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

test: setup static check-services compose-check js-deps js-check browser-deps lint typecheck ## everything: lint, types, unit, integration, e2e
	$(PY) -m pytest tests -q -p no:cacheprovider

compose-check: ## tools the compose checks need (Debian's docker-compose 1.29, nginx -t, promtool)
	@command -v docker-compose >/dev/null && command -v nginx >/dev/null && command -v promtool >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose nginx prometheus)

NPM_CI := npm ci --no-audit --no-fund --loglevel=error
# Each folder with a package-lock.json, and a file its `npm ci` installs.
JS_FOLDERS := .:node_modules/@asyncapi/parser clients/js:node_modules/json-schema-to-typescript examples/node-publisher:node_modules/amqplib

js-deps: ## npm ci where make test needs it: the root (socket.io-client, AsyncAPI parser), clients/js, examples/node-publisher
	@for entry in $(JS_FOLDERS); do dir=$${entry%%:*}; probe=$${entry#*:}; \
	  [ -e "$$dir/$$probe" ] || (cd "$$dir" && $(NPM_CI)) || exit 1; done

js-check: js-deps ## JS client: generated types current, tsc --noEmit over them and the typed example, its unit tests
	cd clients/js && node scripts/generate-types.mjs --check && npx --no-install tsc --noEmit -p tsconfig.json && node --test test/unit.test.js

web-vendor: js-deps ## copy clients/js/src and socket.io-client's builds into the page's static files
	rm -rf $(WEB_VENDOR)/realtime-todo-client && mkdir -p $(WEB_VENDOR)/realtime-todo-client
	cp clients/js/src/*.js $(WEB_VENDOR)/realtime-todo-client/
	cp node_modules/socket.io-client/dist/socket.io.esm.min.js* node_modules/socket.io-client/dist/socket.io.min.js* $(WEB_VENDOR)/

interop: setup ## regenerate schemas/events, docs/asyncapi.yaml and its page from the event registry
	$(PY) scripts/generate_interop.py

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
