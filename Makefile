# Two commands: `make run` serves the archive on SQLite; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
DEV := DEBUG=1

.PHONY: run test setup lint browser-deps collection clean serve-prod

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

setup: $(STAMP)

run: setup
	$(DEV) $(BIN)/python manage.py migrate --noinput
	$(DEV) $(BIN)/python manage.py setup_demo
	$(DEV) $(BIN)/python manage.py rebuild_search_index
	$(DEV) $(BIN)/python manage.py runserver 127.0.0.1:8000

# Production: gunicorn (archive/gunicorn.py) with the environment of docs/production.md.
serve-prod: setup
	@test -n "$$SECRET_KEY" || { echo "make serve-prod needs SECRET_KEY, ALLOWED_HOSTS and the rest of the production environment: see docs/production.md" >&2; exit 1; }
	$(BIN)/python manage.py check --deploy
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py migrate --noinput
	exec $(BIN)/gunicorn -c archive/gunicorn.py

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup lint browser-deps
	$(DEV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest
	# Live-server tests flush the database after each test, so they run in a session of their own.
	$(BIN)/pytest -m browser

# Debian's chromium for the browser tests (Playwright drives it; it never downloads a browser).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Recompile the seed fixture after editing fixtures/openai-2023/*.toml
collection: setup
	$(DEV) $(BIN)/python manage.py build_collection fixtures/openai-2023 --output fixtures/openai-2023.json

# The benchmark (docs/performance.md): per engine, a scratch database, `manage.py bench`, then
# the database dropped. BENCH_POSTGRES_URL names the server (default postgres@127.0.0.1).
BENCH_SCALE ?= 1
BENCH_ENGINES ?= sqlite postgres
BENCH_ARGS ?=
.PHONY: bench
bench: setup
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "Installing Debian's wrk for the load test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python -m archive.benchmarking.run --engines "$(BENCH_ENGINES)" -- --scale $(BENCH_SCALE) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles archive.sqlite3
