# Two commands: `make run` serves the archive on SQLite; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
DEV := DEBUG=1

.PHONY: run test setup lint browser-deps collection clean

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

clean:
	rm -rf $(VENV) staticfiles archive.sqlite3
