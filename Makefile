# Everything sets itself up: the first `make run` or `make test` creates .venv and installs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run chat test lint package bench migrate clean

$(VENV)/.local: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[local]'
	touch $@

$(VENV)/.dev: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.local $@

run: $(VENV)/.local  ## Run the bot over Socket Mode with the embedded database
	$(VENV)/bin/bot serve

chat: $(VENV)/.local  ## Talk to the bot in the terminal (USER=name)
	$(VENV)/bin/bot chat --user $${USER_NAME:-$${USER:-me}}

migrate: $(VENV)/.local
	$(VENV)/bin/bot migrate

test: $(VENV)/.dev  ## Run every test (bot, fakes, infra)
	$(PY) -m pytest

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

package: $(VENV)/.dev  ## Build dist/lambda.zip for AWS Lambda (Python 3.12, x86_64)
	$(PY) scripts/package_lambda.py

bench: $(VENV)/.dev  ## Print the benchmark tables (quick defaults)
	$(PY) benchmarks/lambda_perf.py
	$(PY) benchmarks/message_cost.py
	$(PY) benchmarks/memory_scale.py
	$(PY) benchmarks/turn_latency.py

clean:
	rm -rf $(VENV) build dist .data
