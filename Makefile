# Rapport. `make` (or `make help`) lists the targets; each one's `##` comment is its help line.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules --no-print-directory

GO    ?= go
BIN   := bin/rapport
IMAGE ?= rapport

# Hand-written Go files: generated templ code is formatted by its generator.
FIND_GO := find . \( -path './.*' -o -path ./bin -o -name testdata -o -name node_modules \) -prune \
	-o -type f -name '*.go' ! -name '*_templ.go' -print

# Fuzz budget per target, as an execution count ("Nx"): a duration here trips a race in
# Go's fuzz coordinator (golang.org/issue/75804, not fixed in go1.26) that fails a run
# with a bare "context deadline exceeded" when the clock runs out mid-execution.
FUZZTIME ?= 100000x

.PHONY: help build run test bench bench-go fuzz faults vuln generate generate-check fmt fmt-check vet lint tidy-check staticcheck docker clean db-stop

help: ## List the targets
	@echo 'Usage: make <target>'
	@echo
	@awk 'BEGIN { FS = ":.*## " } /^[a-z][a-z-]*:.*## / { printf "  %-16s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

build: ## Build the binary into bin/rapport
	$(GO) build -o $(BIN) ./cmd/rapport

# Without DATABASE_URL, .ci/devdb.sh starts (or reuses) a Postgres cluster in .data/pg.
# Without SECRET_KEY, a key made on the first run is kept in .data/secret-key (git-ignored):
# the same key every run, so sealed two-step secrets stay readable.
# DEMO=0 skips the demo: an empty database of its own (rapport_company), set up in the
# browser at /setup as a new company would.
DEMO ?= 1
run: build ## Start a local Postgres if DATABASE_URL is unset, migrate, seed the demo (DEMO=0: empty, /setup), serve
	@devdb=; \
	if [[ "$(DEMO)" == 0 ]]; then export DEVDB_NAME=rapport_company; fi; \
	if [[ -z "$${DATABASE_URL:-}" ]]; then \
		devdb=1; \
		.ci/devdb.sh start; \
		export DATABASE_URL="$$(.ci/devdb.sh url)"; \
		export DATABASE_URL_UNPOOLED="$$DATABASE_URL"; \
	fi; \
	export LOG_FORMAT="$${LOG_FORMAT:-text}"; \
	if [[ -z "$${SECRET_KEY:-}" ]]; then \
		mkdir -p .data; \
		[[ -s .data/secret-key ]] || (umask 077; head -c 32 /dev/urandom | base64 > .data/secret-key); \
		export SECRET_KEY="$$(cat .data/secret-key)"; \
	fi; \
	export BASE_URL="$${BASE_URL:-http://localhost:$${PORT:-8080}}"; \
	$(BIN) migrate up; \
	if [[ "$(DEMO)" == 0 ]]; then \
		echo; \
		echo "Rapport: $$BASE_URL (no demo data: open $$BASE_URL/setup to create your company and its first admin)"; \
		echo; \
	else \
		$(BIN) seed; \
		echo; \
		echo "Rapport: $$BASE_URL"; \
		echo; \
		echo "  Role      Email                   Password"; \
		echo "  admin     admin@example.com       rapport-demo"; \
		echo "  sales     sales1@example.com      rapport-demo"; \
		echo "  sales     sales2@example.com      rapport-demo"; \
		echo "  agent     agent1@example.com      rapport-demo"; \
		echo "  agent     agent2@example.com      rapport-demo"; \
		echo "  customer  customer1@example.com   rapport-demo"; \
		echo "  customer  customer2@example.com   rapport-demo"; \
		echo "  customer  customer3@example.com   rapport-demo"; \
		echo; \
	fi; \
	if [[ -n "$$devdb" ]]; then echo "Postgres keeps running after Ctrl-C; make db-stop stops it."; echo; fi; \
	exec $(BIN) serve

test: ## Run every test against a throwaway Postgres and PgBouncer (race detector on)
	$(GO) test -race -count=1 -timeout 20m ./...

# Flags for the load benchmark, e.g. BENCH_FLAGS='-concurrency 32 -duration 60s -scale 20'
# (see internal/bench/load_test.go for all of them).
BENCH_FLAGS ?=

bench: ## Load benchmark: the real binary at seed --scale 20 behind PgBouncer; results in internal/bench/results/
	RAPPORT_BENCH=1 $(GO) test -count=1 -v -run '^TestLoad$$' -timeout 30m ./internal/bench -args $(BENCH_FLAGS)

bench-go: ## Run the in-process Go benchmarks (ns/op and queries/op per page)
	$(GO) test -run '^$$' -bench . -benchmem ./...

faults: ## Run the fault scenarios on the real binary (kill -9, restarts, SIGTERM, overload, two replicas)
	RAPPORT_FAULTS=1 $(GO) test -count=1 -v -timeout 15m ./internal/faults

fuzz: ## Run every Go fuzz target for FUZZTIME executions each (default 100000x)
	@for pkg in $$($(GO) list ./...); do \
		targets=$$($(GO) test -list '^Fuzz' "$$pkg") || { echo "$$targets" >&2; exit 1; }; \
		for f in $$(echo "$$targets" | grep '^Fuzz' || true); do \
			echo "fuzz $$pkg $$f"; \
			$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) "$$pkg"; \
		done; \
	done

# The Go vulnerability database govulncheck reads; file:///path for an offline copy in
# its v1 layout (vuln.go.dev's index/ and ID/ folders).
VULNDB ?= https://vuln.go.dev

vuln: ## govulncheck every package against VULNDB (network, or an offline copy: not in CI)
	$(GO) run golang.org/x/vuln/cmd/govulncheck@v1.9.0 -db $(VULNDB) ./...

generate: ## Generate Go code from the templ files
	$(GO) tool templ generate

generate-check: generate ## Fail if the committed generated templ code is stale or missing
	@git diff --exit-code --stat -- '*_templ.go' || \
		{ echo 'generated templ code is out of date: run make generate and commit the result' >&2; exit 1; }
	@untracked="$$(git ls-files --others --exclude-standard -- '*_templ.go')"; \
	if [[ -n "$$untracked" ]]; then \
		echo "generated templ code is not committed:" >&2; echo "$$untracked" >&2; exit 1; \
	fi

fmt: ## Format the Go and templ sources in place
	$(FIND_GO) | xargs -r gofmt -w
	$(GO) tool templ fmt .

fmt-check: ## Fail if a Go file needs gofmt
	@out="$$($(FIND_GO) | xargs -r gofmt -l)"; \
	if [[ -n "$$out" ]]; then echo "gofmt needed (run make fmt):" >&2; echo "$$out" >&2; exit 1; fi

vet: ## Run go vet
	$(GO) vet ./...

# staticcheck is pinned here and fetched through the module proxy, like govulncheck, so it
# adds nothing to go.mod; staticcheck.conf says which checks are off and why.
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

staticcheck: ## Run staticcheck (pinned version) on every package
	$(GO) run $(STATICCHECK) ./...

lint: fmt-check vet generate-check tidy-check staticcheck ## fmt-check, vet, generate-check, tidy-check, staticcheck and templ fmt -fail
	$(GO) tool templ fmt -fail .

tidy-check: ## Fail if go.mod or go.sum is not tidy
	$(GO) mod tidy -diff

docker: ## Build the container image (IMAGE=rapport)
	docker build -t $(IMAGE) .

clean: ## Remove build and test output (not the dev database: see db-stop)
	rm -rf bin test-artifacts *.test *.out

db-stop: ## Stop the local dev Postgres that make run started (data stays in .data)
	@.ci/devdb.sh stop
