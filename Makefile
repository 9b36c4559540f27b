# webinar-bot developer commands. `make help` lists them.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed.stamp

.DEFAULT_GOAL := help
.PHONY: help venv run demo test test-fast mutate bench lint audit lock clean i18n-extract i18n-update i18n-compile i18n-init

# Reinstall when the entry point has gone missing even if the stamp looks fresh.
ifeq ($(wildcard $(BIN)/webinar-bot),)
.PHONY: $(STAMP)
endif

help:  ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

venv: $(STAMP)  ## Create .venv and install the bot with its dev tools

# Exact versions with their hashes from requirements-dev.lock, then the bot itself without
# dependencies (so nothing unpinned comes in).
$(STAMP): pyproject.toml requirements-dev.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --disable-pip-version-check --no-deps -e .
	@touch $@

run: $(STAMP)  ## Run the bot (copies series.example.toml to series.toml if missing)
	@if [ ! -f series.toml ]; then \
		cp series.example.toml series.toml; \
		echo "series.toml was missing: copied series.example.toml; edit it with the real webinars."; \
	fi
	@if [ -z "$$BOT_TOKEN" ] && ! grep -qs '^BOT_TOKEN=.' .env; then \
		echo "No BOT_TOKEN: running on the local sandbox. Put BOT_TOKEN=... (from @BotFather) in .env"; \
		echo "to run on Telegram, or try 'make demo' for a chat with the bot in your browser."; \
	fi
	$(BIN)/webinar-bot run

demo: $(STAMP)  ## Run the demo: the bot on a local sandbox with a chat page at http://127.0.0.1:8080
	$(BIN)/webinar-bot demo $(if $(DEMO_PORT),--port $(DEMO_PORT))

# Tests wait on sockets and subprocesses more than on the CPU: more workers than cores pays.
TEST_WORKERS ?= 4

test: $(STAMP)  ## Run every test (e2e, slow and browser included) in parallel
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS)

test-fast: $(STAMP)  ## Run the tests except the slow (process-level) and browser ones
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) -m "not slow and not browser"

mutate: $(STAMP)  ## Mutation-test bot/domain/ against the fast unit tests (not in CI; minutes)
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2
	$(BIN)/mutmut results

bench: $(STAMP)  ## Run the benchmarks
	$(BIN)/python -m benchmarks

lint: $(STAMP)  ## Check the code: ruff check, ruff format --check and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

LOCALE := templates/locale
POT := $(LOCALE)/messages.pot

i18n-extract: $(STAMP)  ## Collect every English text into templates/locale/messages.pot
	$(BIN)/pybabel extract --no-wrap --sort-by-file --project=webinar-bot \
		-k in_every_language -F templates/babel.cfg -o $(POT) templates

i18n-update: $(STAMP)  ## Merge messages.pot into each language's messages.po (new texts appear empty)
	$(BIN)/pybabel update --no-wrap --no-fuzzy-matching -i $(POT) -d $(LOCALE)

i18n-compile: $(STAMP)  ## Compile the catalogs to .mo (optional: the bot compiles .po at start)
	$(BIN)/pybabel compile --statistics -d $(LOCALE)

i18n-init: $(STAMP)  ## Start a catalog for a new language: make i18n-init LANG_CODE=pt
	$(BIN)/pybabel init --no-wrap -i $(POT) -d $(LOCALE) -l $(LANG_CODE)

AUDIT := .audit-venv

audit:  ## Look up the locked versions in the vulnerability databases (needs the network)
	@test -x $(AUDIT)/bin/pip-audit || { $(PYTHON) -m venv $(AUDIT) && $(AUDIT)/bin/pip install -q pip-audit; }
	$(AUDIT)/bin/pip-audit --strict --disable-pip -r requirements.lock -r requirements-dev.lock

LOCK_TOOL := .lock-venv
COMPILE = $(LOCK_TOOL)/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
	--no-emit-find-links --no-emit-index-url --index-url https://pypi.org/simple

lock:  ## Re-resolve requirements.lock and requirements-dev.lock from pyproject.toml (needs PyPI)
	@test -x $(LOCK_TOOL)/bin/pip-compile || { $(PYTHON) -m venv $(LOCK_TOOL) && $(LOCK_TOOL)/bin/pip install -q pip-tools; }
	PIP_CONFIG_FILE=/dev/null $(COMPILE) --upgrade -o requirements.lock pyproject.toml
	PIP_CONFIG_FILE=/dev/null $(COMPILE) --upgrade --extra dev -o requirements-dev.lock pyproject.toml

clean:  ## Remove .venv, caches and build artifacts (keeps data/, .env and series.toml)
	rm -rf $(VENV) $(AUDIT) $(LOCK_TOOL) build dist *.egg-info .pytest_cache .ruff_cache mutants
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
