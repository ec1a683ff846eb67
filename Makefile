# 9Vectors — the two commands: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help run serve dev test test-unit lint format bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

run: ## Install what is missing and serve the app with a demo organization on http://localhost:3000
	@scripts/run.sh

serve: ## Serve the configured deployment: web workers, task workers, scheduler, restarted if they die
	@scripts/serve.sh

dev: ## Serve with hot reload (frontend :3000, backend :8000)
	@scripts/dev.sh

test: ## Install what is missing, start test servers on loopback and run the whole suite
	@scripts/test.sh

test-unit: ## Only the unit tests (no servers, no browser)
	@scripts/test.sh tests/unit

lint: ## ruff
	@scripts/bootstrap.sh requirements-dev.txt
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .

format: ## ruff format and fix
	@.venv/bin/ruff format .
	@.venv/bin/ruff check --fix .

bench: ## Run the benchmarks in bench/ (each prints its figures)
	@scripts/bootstrap.sh requirements-dev.txt
	@for script in bench/*_bench.py; do echo "== $$script"; .venv/bin/python "$$script" || exit 1; done

clean: ## Remove build output and local data (keeps .venv and tools)
	rm -rf .web .states .data .pytest_cache
