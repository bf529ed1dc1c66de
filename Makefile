# Patient Access control plane: developer entry points. `make help` lists them.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

.PHONY: help up down demo test bench openapi fmt lint k8s-validate images images-check dr-drill ci

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{ printf "  make %-13s %s\n", $$1, $$2 }'

up: ## Start the local stack: PostgreSQL, RabbitMQ, migrations, smtp-sink, entra-sim, services
	@bash deploy/local/up.sh

down: ## Stop what `make up` started
	@bash deploy/local/down.sh

demo: ## Walk the whole journey through the public APIs against the running stack (after make up)
	@bash deploy/local/demo.sh

test: ## Run every test (infra ensured; fault tests in a serial second pass); ARGS="-p crate" narrows it
	@bash deploy/local/test.sh $(ARGS)

bench: ## Run the benchmarks and rewrite tests/bench/RESULTS.md
	@if [ -f tests/bench/run.sh ]; then bash tests/bench/run.sh; else echo "no benchmarks yet (tests/bench/run.sh)"; fi

openapi: ## Regenerate the committed OpenAPI contracts in openapi/ (and the web client generated from them)
	@for svc in tenant-provisioning consent sync-dispatch admin-console; do \
		cargo run -q -p $$svc -- openapi > openapi/$$svc.json.tmp && mv openapi/$$svc.json.tmp openapi/$$svc.json && echo "wrote openapi/$$svc.json"; \
	done
	@if [ -d services/web/node_modules ]; then (cd services/web && npm run --silent generate) && echo "regenerated services/web/src/lib/api"; fi

fmt: ## Format the code
	cargo fmt --all

lint: ## rustfmt check, clippy with warnings as errors, shellcheck when installed
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	@if command -v shellcheck >/dev/null; then shellcheck -x deploy/local/*.sh deploy/k8s/validate.sh deploy/container/*.sh deploy/dr/*.sh deploy/lib/*.sh .ci/run; else echo "shellcheck not installed: skipped"; fi

k8s-validate: ## Render the kustomize overlays and validate them offline
	@bash deploy/k8s/validate.sh

images: ## Build the static scratch images of every binary with podman (tag dev)
	@bash deploy/container/build.sh

images-check: ## Build the images, run the stack from them and drive a short journey (not in CI)
	@bash deploy/container/images-check.sh

dr-drill: ## Disaster-recovery drill: base backup mid-journey, restore + WAL replay, journey finishes
	@bash deploy/dr/drill.sh

ci: ## What CI runs (.ci/run)
	@bash .ci/run
